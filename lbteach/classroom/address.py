"""Where phones in the room reach this machine: the LAN address, found without any traffic.

Plain standard library (settings.py imports it before Django is set up).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

# Listening on one of these means every interface, so the room's network can reach us.
EVERY_INTERFACE = frozenset({"0.0.0.0", "::", "[::]"})
# Any address outside this machine will do: connect() on a UDP socket only picks the route
# and the source address; no packet is sent.
PROBE = ("10.255.255.255", 1)


def lan_address() -> str | None:
    """This machine's address on its local network, or None with no network but loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(PROBE)
        except OSError:
            return None
        address = probe.getsockname()[0]
    parsed = ipaddress.ip_address(address)
    if parsed.is_loopback or parsed.is_unspecified:
        return None
    return address


def public_base(host: str, port: int, public_url: str = "") -> str:
    """The address (scheme, host, port; no path) that students should type, or "" when
    the site listens on this machine only and links can follow the request's own host.

    `public_url` wins (a proxy, a tunnel, a school domain); otherwise, when listening on
    every interface, the LAN address with the port.
    """
    if public_url.strip():
        return public_url.strip().rstrip("/")
    if host not in EVERY_INTERFACE:
        return ""
    lan = lan_address()
    if lan is None:
        return ""
    return f"http://{lan}" if port == 80 else f"http://{lan}:{port}"


def host_and_origin(base: str) -> tuple[str, str]:
    """The host name a request to `base` carries, and its origin (for CSRF)."""
    parts = urlsplit(base)
    return parts.hostname or "", f"{parts.scheme}://{parts.netloc}"
