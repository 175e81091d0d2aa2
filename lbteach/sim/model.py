"""The engine's shared vocabulary: table names and states, customer actions, IPv4 helpers."""

from __future__ import annotations

MAX_TABLES = 26
TABLE_NAMES = tuple(chr(ord("A") + i) for i in range(MAX_TABLES))

BROWSE, ADD, VIEW, CHECKOUT = 0, 1, 2, 3
ACTIONS = ("browse", "add_to_cart", "view_cart", "checkout")
ACTION_CODES = {name: code for code, name in enumerate(ACTIONS)}
# A checkout talks to payment and a cart view is cheap, so actions cost the waiter different
# amounts of time (multiplies the scenario's service_ms).
ACTION_COST = (1.0, 0.6, 0.5, 2.0)
CART_PATHS = ("", "/cart/add", "/cart", "/checkout")

UP, DRAINING, DOWN = 0, 1, 2
STATUS_NAMES = ("up", "draining", "down")

# The network a customer is on decides which range its IP address comes from.
WIFI, LTE, NAT = 0, 1, 2
NETWORK_NAMES = ("Wi-Fi", "LTE", "shared NAT")

COLOURS = 12


def table_address(t: int, given: tuple[str, ...] | None = None) -> str:
    """The host:port table t listens on: `given` (a scenario's addresses) or the default.

    By default table A is 10.0.0.11:8080, B 10.0.0.12:8080 and so on. nginx builds its
    consistent-hash ring from these texts, so they are part of a table's identity.
    """
    if given and t < len(given):
        return given[t]
    return f"10.0.0.{11 + t}:8080"


def ip_to_str(ip: int) -> str:
    return f"{ip >> 24 & 255}.{ip >> 16 & 255}.{ip >> 8 & 255}.{ip & 255}"


def ip_from_str(text: object) -> int | None:
    """Parse a dotted IPv4 address; None when it is not one."""
    if not isinstance(text, str):
        return None
    parts = text.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3 or int(part) > 255:
            return None
        value = value << 8 | int(part)
    return value


def product_path(product: int) -> str:
    return f"/product/{product}"
