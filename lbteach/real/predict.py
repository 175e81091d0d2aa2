"""The engine's prediction for each real request: which table the balancer should pick, and why.

One engine host mirrors one configuration of HAProxy (or nginx): the same tables (a removed table is
one the engine sees as down, as the balancer's hashing does not count it either), the same
balancer, and its memory (whose turn it is) carried from request to request. A reload
starts a new worker with a fresh turn, so it starts a new Predictor too.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from lbteach.real.balancers import COOKIE_NAME, RealBalancer
from lbteach.sim import Scenario
from lbteach.sim.model import DOWN, TABLE_NAMES, UP, ip_from_str
from lbteach.sim.restaurant import Restaurant


def cookie_value(header: str, name: str) -> str:
    """The value of cookie `name` in a Cookie header ('' when absent or unreadable)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel else ""


class Predictor:
    """The engine's host for one configuration of the balancer over tables A .. `count`."""

    def __init__(self, balancer: RealBalancer, count: int, pool: set[str], addresses: list[str]):
        self.balancer = balancer
        self.pool = pool
        # nginx builds its consistent-hash ring from the servers' address texts.
        fields = {"balancer": balancer.engine, "servers": count, "clients": 0}
        scenario = Scenario.from_dict(fields | {"addresses": addresses})
        self.r = Restaurant(scenario)
        self.r.add_clients([0], [0])
        self.down: set[str] = set()
        self._set_status(set())

    def _set_status(self, down: set[str]) -> None:
        self.down = set(down)
        for t, name in enumerate(self.r.names):
            self.r.status[t] = UP if name in self.pool and name not in down else DOWN
        self.r.balancer.topology_changed()

    def predict(self, ip: str, cookies: str, path: str, down: set[str]) -> tuple[str, str]:
        """(table, reason) for a request from `ip` with this Cookie header and path.

        `down` is the tables the balancer has marked down right now.
        """
        if set(down) != self.down:
            self._set_status(set(down))
        r = self.r
        address = ip_from_str(ip)
        r.ips[0] = address if address is not None else 0
        prefix = ""
        r.cookie[0] = -1
        if self.balancer.cookie:
            value = cookie_value(cookies, COOKIE_NAME)
            if value in r.names and value in self.pool:
                r.cookie[0] = r.names.index(value)
            elif value:
                prefix = f"cookie {COOKIE_NAME}={value} names no table, so it is ignored; "
        t = r.balancer.route(0, path, 0.0, True)
        return (TABLE_NAMES[t] if t >= 0 else "none"), prefix + r.balancer.reason
