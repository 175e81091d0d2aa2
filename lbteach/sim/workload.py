"""The customers: who they are, which network they are on, and what they ask for next.

Everything here is independent of routing, so the same workload, customer for customer, can
be fed to several restaurants (`compare`). Arrivals are a seeded Poisson process; each
arrival belongs to a customer drawn at random, who takes the next step of their visit
(browse, add to cart, view the cart, check out).
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from math import log

from lbteach.sim.model import (
    ACTION_COST,
    ADD,
    BROWSE,
    CART_PATHS,
    CHECKOUT,
    LTE,
    NAT,
    VIEW,
    WIFI,
    ip_from_str,
    product_path,
)
from lbteach.sim.scenario import Scenario

Request = tuple[float, int, int, str, float]  # time ms, customer, action, path, service ms
BROWSES = [BROWSE]


def rng_state(rng: random.Random) -> list:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def set_rng_state(rng: random.Random, state: list) -> None:
    rng.setstate((state[0], tuple(state[1]), state[2]))


class Workload:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.rng = random.Random(f"workload:{scenario.seed}")
        # Events draw from their own stream, so adding an event does not reshuffle requests.
        self.event_rng = random.Random(f"events:{scenario.seed}")
        self.now = 0.0
        self.rate = scenario.arrival_rate
        nat_ip = ip_from_str(scenario.nat_ip)
        if nat_ip is None:  # Scenario.from_dict refuses such a scenario; a hand-built one may not
            raise ValueError(f"nat_ip {scenario.nat_ip!r} is not an IPv4 address")
        self.nat_ip = nat_ip
        self.search = scenario.workload == "search"
        self.paths = tuple(product_path(i) for i in range(scenario.products))
        self.ips: list[int] = []
        self.nets: list[int] = []
        self.regions: list[int] = []
        self.mobile: list[bool] = []
        self.plans: list[list[int]] = []
        self.auto: list[int] = []
        items = scenario.items_per_visit - 1
        browse = scenario.browse_per_item
        self._items_log = log(items / (1 + items)) if items > 0 else 0.0
        self._browse_log = log(browse / (1 + browse)) if browse > 0 else 0.0

    # -- customers --------------------------------------------------------------------------
    def add_clients(self, n: int, auto: bool = True) -> list[int]:
        rnd = self.rng.random
        s = self.scenario
        start = len(self.ips)
        for c in range(start, start + n):
            region = int(rnd() * len(s.regions))
            behind_nat = rnd() < s.nat_share
            mobile = rnd() < s.mobile_share
            self.regions.append(region)
            self.mobile.append(mobile)
            if behind_nat:
                self.nets.append(NAT)
                self.ips.append(self.nat_ip)
            else:
                self.nets.append(WIFI)
                self.ips.append(self.address(WIFI, region, self.rng))
            self.plans.append([])
            if auto:
                self.auto.append(c)
        return list(range(start, start + n))

    @staticmethod
    def address(net: int, region: int, rng: random.Random) -> int:
        """A fresh address: home Wi-Fi in 10.<region>.0.0/19, a carrier's LTE in 172.<20+region>."""
        rnd = rng.random
        if net == WIFI:
            first, second, third = 10, region, int(rnd() * 32)
        else:
            first, second, third = 172, 20 + region, int(rnd() * 64)
        return first << 24 | second << 16 | third << 8 | (1 + int(rnd() * 254))

    def switch_network(self, c: int) -> tuple[int, int, int, int]:
        """Move customer c to the other network (Wi-Fi <-> LTE, NAT -> LTE): old and new ip, net."""
        old_ip, old_net = self.ips[c], self.nets[c]
        net = WIFI if old_net == LTE else LTE
        ip = self.address(net, self.regions[c], self.event_rng)
        self.ips[c], self.nets[c] = ip, net
        self.mobile[c] = True
        return old_ip, old_net, ip, net

    def pick(self, share: float, candidates: Iterable[int]) -> list[int]:
        """The customers an event touches: each candidate with probability `share`."""
        if share >= 1:
            return list(candidates)
        rnd = self.event_rng.random
        return [c for c in candidates if rnd() < share]

    def mobile_clients(self) -> list[int]:
        return [c for c, mobile in enumerate(self.mobile) if mobile]

    def set_rate_factor(self, factor: float) -> None:
        self.rate = self.scenario.arrival_rate * factor

    # -- requests ---------------------------------------------------------------------------
    def _visit(self) -> list[int]:
        """A visit, stored backwards so the next step is a pop() from the end.

        Items ~ 1 + geometric(mean items_per_visit - 1); before each item the customer
        browses geometric(mean browse_per_item) product pages.
        """
        rnd = self.rng.random
        items_log = self._items_log
        browse_log = self._browse_log
        plan = [CHECKOUT, VIEW] if rnd() < self.scenario.checkout_share else [VIEW]
        items = 1 + int(log(1.0 - rnd()) / items_log) if items_log else 1
        for _ in range(items):
            plan.append(ADD)
            if browse_log:
                plan += BROWSES * int(log(1.0 - rnd()) / browse_log)
        return plan

    def generate(self, n: int) -> list[Request]:
        """The next n arrivals (empty when no customer is driven by the simulator)."""
        auto = self.auto
        na = len(auto)
        if not na or n <= 0:
            return []
        rnd = self.rng.random
        ln = log
        whole = int
        # Exponential draws as log(1 - u) times a negative mean: one multiplication each.
        neg_gap = -1000.0 / self.rate
        neg_costs = [-self.scenario.service_ms * k for k in ACTION_COST]
        neg_browse = neg_costs[BROWSE]
        plans = self.plans
        paths = self.paths
        n_paths = len(paths)
        visit = self._visit
        search = self.search
        # When every customer is driven (the usual case) a customer's index is its draw.
        direct = na == len(plans)
        t = self.now
        out: list[Request] = []
        append = out.append
        for _ in range(n):
            t += ln(1.0 - rnd()) * neg_gap
            c = whole(rnd() * na)
            if not direct:
                c = auto[c]
            if search:
                a = BROWSE
            else:
                plan = plans[c]
                if not plan:
                    plan = plans[c] = visit()
                a = plan.pop()
            if a == BROWSE:
                append((t, c, a, paths[whole(rnd() * n_paths)], ln(1.0 - rnd()) * neg_browse))
            else:
                append((t, c, a, CART_PATHS[a], ln(1.0 - rnd()) * neg_costs[a]))
        self.now = t
        return out

    def explicit(self, c: int, a: int) -> Request:
        """One request a person asked for (a student's phone).

        It arrives one random inter-arrival gap after the previous request, so a room driven
        only by phones still sees time pass and its queues drain.
        """
        rnd = self.rng.random
        self.now -= log(1.0 - rnd()) * 1000.0 / self.rate
        p = self.paths[int(rnd() * len(self.paths))] if a == BROWSE else CART_PATHS[a]
        return (self.now, c, a, p, -log(1.0 - rnd()) * self.scenario.service_ms * ACTION_COST[a])

    # -- state ------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "rng": rng_state(self.rng),
            "event_rng": rng_state(self.event_rng),
            "now": self.now,
            "rate": self.rate,
            "ips": list(self.ips),
            "nets": list(self.nets),
            "regions": list(self.regions),
            "mobile": list(self.mobile),
            "plans": [list(plan) for plan in self.plans],
            "auto": list(self.auto),
        }

    def load(self, data: dict) -> None:
        set_rng_state(self.rng, data["rng"])
        set_rng_state(self.event_rng, data["event_rng"])
        self.now = data["now"]
        self.rate = data["rate"]
        for name in ("ips", "nets", "regions", "mobile", "plans", "auto"):
            getattr(self, name)[:] = data[name]
