"""Which pages may open a websocket: only the site's own exact origins (scheme, host, port).

A browser sends a site's cookies with a websocket to that host whatever page opened it, and
cookies ignore the port: a page served from `http://127.0.0.1:8830` could otherwise open
`ws://127.0.0.1:8000/ws/class/<code>/teacher/` as the teacher. Channels'
`AllowedHostsOriginValidator` compares only the origin's host name with ALLOWED_HOSTS, so
this check replaces it, the way Django's CSRF check treats a form post:

- the page's origin equals the origin of the address the socket was opened at (its scheme,
  `http` for `ws` and `https` for `wss` or behind TLS, and its Host header, port included),
  and that Host is one of ALLOWED_HOSTS; or
- the page's origin is one of CSRF_TRUSTED_ORIGINS exactly (a proxy or tunnel that rewrites
  Host, `PUBLIC_URL`).

A missing or `null` Origin is refused: every browser sends one with a websocket.
"""

from __future__ import annotations

from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

Scope = dict[str, Any]


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1")).strip()
    return None


def served_origin(scope: Scope) -> str | None:
    """The origin of the address this socket was opened at, or None if its Host is not ours."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    secure = scope.get("scheme") == "wss" or settings.HTTPS
    return f"{'https' if secure else 'http'}://{host.lower()}"


def origin_allowed(scope: Scope) -> bool:
    """Whether the page that opened this socket is one of the site's own, exactly."""
    origin = _header(scope, b"origin")
    if not origin or origin == "null":
        return False
    origin = origin.lower()
    trusted = {entry.lower().rstrip("/") for entry in settings.CSRF_TRUSTED_ORIGINS}
    return origin in trusted or origin == served_origin(scope)


class ExactOriginValidator:
    """ASGI middleware: refuses the handshake (HTTP 403) of a socket from any other page."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not origin_allowed(scope):
            denier = WebsocketDenier()
            return await denier(scope, receive, send)
        return await self.application(scope, receive, send)
