"""The admin answers only this machine's own browser while the site serves a room's network.

`make class` listens on every interface and PUBLIC_URL puts the site behind a tunnel or a
proxy: anyone in the room could then reach `/admin/login/` and try passwords. With
ADMIN_LOCAL_ONLY (on whenever the site has a public address) the admin is a 404 unless the
request came from a loopback address to a loopback name (a tunnel or proxy running on this
machine connects from loopback too, but keeps the public host name).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from django.http.request import split_domain_port
from django.urls import reverse

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})


def is_local(request: HttpRequest) -> bool:
    """Whether the request comes from this machine and names it by a loopback name."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    domain, _port = split_domain_port(request.get_host())
    return address.is_loopback and domain in LOOPBACK_NAMES


class LocalAdminOnly:
    """Hides the admin from everyone but a browser on this machine when so configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.prefix = reverse("admin:index")  # the URL map says where the admin is

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            settings.ADMIN_LOCAL_ONLY
            and request.path.startswith(self.prefix)
            and not is_local(request)
        ):
            raise Http404("The admin is open only on this machine while a class is served.")
        return self.get_response(request)
