"""route(): which table the host would pick for one request, and why (the `route` command)."""

from __future__ import annotations

from lbteach.sim.checks import check_choice, check_keys, check_list
from lbteach.sim.errors import ScenarioError
from lbteach.sim.model import DOWN, TABLE_NAMES, ip_from_str
from lbteach.sim.restaurant import Restaurant
from lbteach.sim.scenario import Scenario

# Options beyond scenario fields: the customer's region (geo) and tables to mark down.
EXTRA_OPTIONS = ("region", "down")


def route(
    balancer: str,
    servers: int | list[str],
    ip: str,
    cookie: str | None = None,
    path: str | None = None,
    **options: object,
) -> tuple[str, str]:
    """(table, reason) for one request from `ip` to a fresh host with `servers` tables."""
    table, reason, _ = route_explained(balancer, servers, ip, cookie, path, **options)
    return table, reason


def route_explained(
    balancer: str,
    servers: int | list[str],
    ip: str,
    cookie: str | None = None,
    path: str | None = None,
    **options: object,
) -> tuple[str, str, list[str]]:
    """(table, reason, the arithmetic line by line) for one request, as `route`.

    `servers` is a count, or a list of host:port addresses (one table each, in order).

    `cookie` is the value the customer presents: a table name (or SERVERID=B) for
    cookie_insert, a session id for session_id. Options are scenario fields (weights,
    fallback, persist, seed, regions ...) plus `region` and `down` (a list of table names).
    """
    extra = {key: options.pop(key) for key in EXTRA_OPTIONS if key in options}
    if isinstance(servers, list):
        servers, options["addresses"] = len(servers), servers
    scenario = Scenario.from_dict(
        {"balancer": balancer, "servers": servers, "clients": 0, **options}
    )
    address = ip_from_str(ip)
    if address is None:
        raise ScenarioError("ip", ip, "an IPv4 address such as 10.0.3.7")
    check_keys("options", extra, EXTRA_OPTIONS)
    region = extra.get("region", scenario.regions[0])
    check_choice("region", region, scenario.regions)
    r = Restaurant(scenario)
    for name in check_list("down", extra.get("down", []), 0, servers):
        r.status[TABLE_NAMES.index(check_choice("down", name, TABLE_NAMES[:servers]))] = DOWN
    r.balancer.topology_changed()
    r.add_clients([address], [scenario.regions.index(region)])
    prefix = ""
    if cookie:
        value = cookie.split("=", 1)[1] if "=" in cookie else cookie
        if balancer == "cookie_insert":
            if value in r.names:
                r.cookie[0] = r.names.index(value)
            else:
                prefix = f"cookie SERVERID={value} names no table, so it is ignored; "
        elif balancer == "session_id":
            digits = value.lstrip("s")
            if digits.isdigit() and int(digits) > 0:
                r.session[0] = int(digits)
    t = r.balancer.route(0, path or "/", 0.0, True)
    reason = prefix + r.balancer.reason
    return (r.names[t] if t >= 0 else "none"), reason, r.balancer.arithmetic(0, path or "/")


def ring_points(balancer: str, servers: int) -> list[tuple[int, str]]:
    """(point, table) in ring order for a consistent-hash balancer over `servers` fresh tables.

    What a drill shows a learner so they can walk the ring themselves; the points are the
    balancer's own, read after it built its ring.
    """
    r = Restaurant(Scenario.from_dict({"balancer": balancer, "servers": servers, "clients": 0}))
    r.balancer.topology_changed()
    keys, owners = getattr(r.balancer, "keys", None), getattr(r.balancer, "owners", None)
    if keys is None or owners is None:
        raise ScenarioError("balancer", balancer, "a consistent-hash balancer")
    return [(point, r.names[t]) for point, t in zip(keys, owners, strict=True)]
