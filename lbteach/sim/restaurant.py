"""The restaurant: tables, the host (a balancer) and each customer's cookies and cart.

It routes requests, queues them on tables (one waiter per table, service time divided by
the table's weight), keeps the carts and counts what happened. It never draws a customer's
behaviour itself: requests and client-side event effects come from a Workload, so several
restaurants can be fed the same customers.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import replace
from math import ceil, expm1, log1p

from lbteach.sim.balancers import BALANCERS, make_balancer
from lbteach.sim.model import (
    ACTIONS,
    ADD,
    CHECKOUT,
    COLOURS,
    DOWN,
    DRAINING,
    NAT,
    NETWORK_NAMES,
    STATUS_NAMES,
    TABLE_NAMES,
    UP,
    ip_to_str,
)
from lbteach.sim.results import Decision, EventOutcome
from lbteach.sim.scenario import Scenario
from lbteach.sim.stories import story_for
from lbteach.sim.workload import rng_state, set_rng_state

# Latencies go into buckets, so percentiles cost no sorting and the state stays small: 0.1 ms
# wide below 409.6 ms (cheap to compute), then 1% wide on a log scale. A bucket reports its
# midpoint. The caps on service_ms and requests keep every latency in range.
LINEAR_SCALE = 10.0
LINEAR_BUCKETS = 4096
LOG_SCALE = 100.0
HIST_SIZE = LINEAR_BUCKETS + 3000


def bucket(latency: float) -> int:
    k = int(latency * LINEAR_SCALE)
    return k if k < LINEAR_BUCKETS else LINEAR_BUCKETS + int(log1p(latency) * LOG_SCALE)


def bucket_value(k: int) -> float:
    if k < LINEAR_BUCKETS:
        return (k + 0.5) / LINEAR_SCALE
    return expm1((k - LINEAR_BUCKETS + 0.5) / LOG_SCALE)


class Restaurant:
    """One restaurant's whole state; Simulation drives it, several in lockstep for compare."""

    def __init__(self, scenario: Scenario, balancer: str | None = None):
        s = scenario
        self.settings = s
        self.shared = s.shared_sessions
        self.rng = random.Random(f"balancer:{s.seed}")
        self.region_names = list(s.regions)
        self.names: list[str] = []
        self.weights: list[int] = []
        self.inv_weight: list[float] = []
        self.status: list[int] = []
        self.table_region: list[int] = []
        self.inflight: list[deque] = []
        self.last_end: list[float] = []
        self.served: list[int] = []
        self.stranded: list[int] = []
        for weight, region in zip(s.weight_list, s.table_region_list, strict=True):
            self._new_table(weight, region)
        self.ips: list[int] = []
        self.client_region: list[int] = []
        self.cookie: list[int] = []
        self.cookie_set: list[float] = []
        self.cookie_used: list[float] = []
        self.session: list[int] = []
        self.cart_items: list[int] = []
        self.cart_table: list[int] = []
        self.last_table: list[int] = []
        self.next_session = 1
        self.now = 0.0
        self.index = 0
        self.breaks = 0
        self.lost = 0
        self.pairs = 0
        self.same = 0
        self.errors = 0
        self.checkouts = 0
        self.empty_checkouts = 0
        self.redispatch_base = 0
        self.hist = [0] * HIST_SIZE
        self.outcomes: list[EventOutcome] = []
        # What happened to a customer since their last request, told in their next story.
        self.notes: dict[int, str] = {}
        self.balancer_name = balancer or s.balancer
        self.balancer = make_balancer(self.balancer_name, self)

    # -- tables and customers ---------------------------------------------------------------
    def _new_table(self, weight: int, region: int) -> int:
        self.names.append(TABLE_NAMES[len(self.names)])
        self.weights.append(weight)
        self.inv_weight.append(1.0 / weight)
        self.status.append(UP)
        self.table_region.append(region)
        self.inflight.append(deque())
        self.last_end.append(0.0)
        self.served.append(0)
        self.stranded.append(0)
        return len(self.names) - 1

    def live_tables(self) -> list[int]:
        return [t for t, status in enumerate(self.status) if status == UP]

    def add_clients(self, ips: list[int], regions: list[int]) -> None:
        n = len(ips)
        self.ips.extend(ips)
        self.client_region.extend(regions)
        self.cookie.extend([-1] * n)
        self.cookie_set.extend([0.0] * n)
        self.cookie_used.extend([0.0] * n)
        self.session.extend([0] * n)
        self.cart_items.extend([0] * n)
        self.cart_table.extend([-1] * n)
        self.last_table.extend([-1] * n)

    def issue_session(self, c: int) -> int:
        """The app on the serving table gives the customer a session cookie."""
        s = self.session[c] = self.next_session
        self.next_session += 1
        return s

    # -- requests ---------------------------------------------------------------------------
    def consume(self, batch: list) -> None:
        """Route and serve a batch of requests; the fast path, no per-request objects."""
        if not batch:
            return
        route = self.balancer.route
        status = self.status
        served = self.served
        inflight = self.inflight
        last_end = self.last_end
        inv = self.inv_weight
        hist = self.hist
        last = self.last_table
        items_of = self.cart_items
        cart_at = self.cart_table
        stranded = self.stranded
        session = self.session
        shared = self.shared
        ln = log1p
        whole = int
        breaks = firsts = same = errors = checkouts = empty = 0
        for t, c, a, p, s in batch:
            tb = route(c, p, t)
            if tb < 0 or status[tb] == DOWN:
                errors += 1
                continue
            served[tb] += 1
            d = inflight[tb]
            while d and d[0] <= t:
                d.popleft()
            e = last_end[tb]
            if e < t:
                e = t
            e += s * inv[tb]
            last_end[tb] = e
            d.append(e)
            k = whole((e - t) * 10.0)  # bucket(), inlined: LINEAR_SCALE
            if k >= 4096:  # LINEAR_BUCKETS
                k = 4096 + whole(ln(e - t) * 100.0)
            hist[k] += 1
            lt = last[c]
            if lt == tb:
                same += 1
            elif lt < 0:
                firsts += 1
            last[c] = tb
            if not session[c]:
                self.issue_session(c)
            items = items_of[c]
            if items and not shared and cart_at[c] != tb:
                breaks += 1
                stranded[cart_at[c]] += 1
                items = items_of[c] = 0
            if a:  # browsing (action 0, the most common) leaves the cart alone
                if a == ADD:
                    items_of[c] = items + 1
                    cart_at[c] = tb
                elif a == CHECKOUT:
                    if items:
                        checkouts += 1
                        items_of[c] = 0
                    else:
                        empty += 1
        self.index += len(batch)
        self.now = batch[-1][0]
        self.breaks += breaks
        # Every served request but a customer's first has a previous one to compare with.
        self.pairs += len(batch) - errors - firsts
        self.same += same
        self.errors += errors
        self.checkouts += checkouts
        self.empty_checkouts += empty
        self.notes.clear()

    def consume_recorded(self, batch: list) -> list[Decision]:
        """The same as `consume`, one request at a time, keeping a Decision for each."""
        decisions = []
        for request in batch:
            decisions.append(self._serve_recorded(*request))
        return decisions

    def _serve_recorded(self, t: float, c: int, a: int, p: str, s: float) -> Decision:
        bal = self.balancer
        bal.redispatched = False
        tb = bal.route(c, p, t, True)
        index = self.index
        self.index += 1
        self.now = t
        note = self.notes.pop(c, None)
        held = self.cart_table[c]
        items = self.cart_items[c]
        common = {
            "index": index,
            "time_ms": round(t, 1),
            "client": c + 1,
            "action": ACTIONS[a],
            "reason": bal.reason,
            "redispatched": bal.redispatched,
            "ip": ip_to_str(self.ips[c]),
            "path": p,
        }
        if tb < 0 or self.status[tb] == DOWN:
            self.errors += 1
            decision = Decision(
                server=self.names[tb] if tb >= 0 else None,
                cart_items=items,
                cart_broken=False,
                carts_stranded_at=None,
                latency_ms=None,
                story=None,
                error=True,
                **common,
            )
            return _with_story(decision, note, 0)
        self.served[tb] += 1
        d = self.inflight[tb]
        while d and d[0] <= t:
            d.popleft()
        e = max(self.last_end[tb], t) + s * self.inv_weight[tb]
        self.last_end[tb] = e
        d.append(e)
        self.hist[bucket(e - t)] += 1
        lt = self.last_table[c]
        if lt >= 0:
            self.pairs += 1
            if lt == tb:
                self.same += 1
        self.last_table[c] = tb
        if not self.session[c]:
            self.issue_session(c)
        broken = bool(items) and not self.shared and held != tb
        lost_items = 0
        if broken:
            self.breaks += 1
            self.stranded[held] += 1
            lost_items, items = items, 0
        if a == ADD:
            items += 1
            self.cart_table[c] = tb
        elif a == CHECKOUT:
            if items:
                self.checkouts += 1
            else:
                self.empty_checkouts += 1
            items = 0
        self.cart_items[c] = items
        decision = Decision(
            server=self.names[tb],
            cart_items=items,
            cart_broken=broken,
            carts_stranded_at=self.names[held] if broken else None,
            latency_ms=round(e - t, 1),
            story=None,
            **common,
        )
        return _with_story(decision, note, lost_items)

    # -- events -----------------------------------------------------------------------------
    def predictions(self) -> dict[int, int]:
        """Where every customer seen so far would be sent next, asking without side effects."""
        peek = self.balancer.peek
        now = self.now
        return {c: peek(c, now) for c, last in enumerate(self.last_table) if last >= 0}

    def apply(self, event: dict, effects: dict) -> EventOutcome:
        """Apply one checked event; `effects` carries what the workload drew for it."""
        before = self.predictions()
        do = event["do"]
        summary, details = getattr(self, f"_do_{do}")(event, effects)
        after = self.predictions()
        remapped = sum(1 for c, t in before.items() if t >= 0 and after.get(c, -1) != t)
        if remapped == 1:
            summary += " 1 returning customer would now go to a different table."
        elif remapped:
            summary += f" {remapped} returning customers would now go to a different table."
        outcome = EventOutcome(do, event.get("at", self.index), summary, remapped, details)
        self.outcomes.append(outcome)
        return outcome

    def _table(self, event: dict) -> int:
        return self.names.index(event["server"])

    def _topology_changed(self) -> None:
        self.balancer.topology_changed()

    def _do_add_server(self, event: dict, effects: dict) -> tuple[str, dict]:
        region = event.get("region") or ""
        index = len(self.names)
        g = self.region_names.index(region) if region else index % len(self.region_names)
        t = self._new_table(event["weight"], g)
        self._topology_changed()
        return f"Table {self.names[t]} joined (weight {self.weights[t]}).", {
            "server": self.names[t],
            "weight": self.weights[t],
            "region": self.region_names[g],
        }

    def _carts_at(self, t: int) -> list[int]:
        if self.shared:
            return []
        items, at = self.cart_items, self.cart_table
        return [c for c in range(len(items)) if items[c] and at[c] == t]

    def _do_remove_server(self, event: dict, effects: dict) -> tuple[str, dict]:
        t = self._table(event)
        name = self.names[t]
        if self.status[t] != UP:
            return f"Table {name} is already {STATUS_NAMES[self.status[t]]}.", {"server": name}
        self.status[t] = DRAINING
        self._topology_changed()
        carts = len(self._carts_at(t))
        return (
            f"Table {name} is draining: it finishes the {carts} carts it holds for customers"
            " who come back to it and takes no new customers.",
            {"server": name, "carts_held": carts},
        )

    def _do_crash_server(self, event: dict, effects: dict) -> tuple[str, dict]:
        t = self._table(event)
        name = self.names[t]
        if self.status[t] == DOWN:
            return f"Table {name} is already down.", {"server": name, "carts_lost": 0}
        lost = self._carts_at(t)
        for c in lost:
            self.cart_items[c] = 0
            self.cart_table[c] = -1
            self.notes[c] = f"lost their cart when table {name} crashed"
        self.lost += len(lost)
        self.stranded[t] = 0
        self.status[t] = DOWN
        self.inflight[t].clear()
        self.last_end[t] = 0.0
        self._topology_changed()
        if self.shared:
            summary = f"Table {name} crashed; carts live in the shared store, so none was lost."
        else:
            summary = f"Table {name} crashed: the {len(lost)} carts in its memory are lost."
        return summary, {"server": name, "carts_lost": len(lost)}

    def _do_restore_server(self, event: dict, effects: dict) -> tuple[str, dict]:
        t = self._table(event)
        name = self.names[t]
        if self.status[t] == UP:
            return f"Table {name} is already up.", {"server": name}
        was = STATUS_NAMES[self.status[t]]
        self.status[t] = UP
        self._topology_changed()
        return f"Table {name} is back up (it was {was}).", {"server": name, "was": was}

    def _do_change_ip(self, event: dict, effects: dict) -> tuple[str, dict]:
        moves = effects["moves"]
        for c, old_ip, old_net, ip, net in moves:
            self.ips[c] = ip
            self.notes[c] = (
                f"switched from {NETWORK_NAMES[old_net]} to {NETWORK_NAMES[net]}:"
                f" {ip_to_str(old_ip)} -> {ip_to_str(ip)}"
            )
        who = "customer" if len(moves) == 1 else "customers"
        summary = f"{len(moves)} mobile {who} switched network and got a new IP address."
        return summary, {"clients": len(moves)}

    def _do_clear_cookies(self, event: dict, effects: dict) -> tuple[str, dict]:
        chosen = effects["clients"]
        for c in chosen:
            self.cookie[c] = -1
            self.session[c] = 0
            self.notes[c] = "cleared their cookies"
        who = "customer" if len(chosen) == 1 else "customers"
        return f"{len(chosen)} {who} cleared their cookies.", {"clients": len(chosen)}

    def _do_expire_sessions(self, event: dict, effects: dict) -> tuple[str, dict]:
        chosen = effects["clients"]
        for c in chosen:
            self.balancer.forget(c)
            self.cookie[c] = -1
            self.notes[c] = "found their sticky session expired"
        whose = "1 customer" if len(chosen) == 1 else f"{len(chosen)} customers"
        return (
            f"The sticky sessions of {whose} expired (cookies, stick-table"
            " entries and learned sessions).",
            {"clients": len(chosen)},
        )

    def _do_set_balancer(self, event: dict, effects: dict) -> tuple[str, dict]:
        name = event["balancer"]
        self.redispatch_base += self.balancer.redispatches
        self.balancer_name = name
        self.balancer = make_balancer(name, self)
        info = BALANCERS[name]
        return f"The host now uses {info.title} ({info.imitates}).", {"balancer": name}

    def _do_set_shared_sessions(self, event: dict, effects: dict) -> tuple[str, dict]:
        value = event["value"]
        if value == self.shared:
            word = "on" if value else "off"
            return f"The shared session store is already {word}.", {"value": value}
        self.shared = value
        if value:
            return "Carts now live in a shared session store that every table reads.", {
                "value": True
            }
        # Each cart lands on the table that served its customer last.
        for c, items in enumerate(self.cart_items):
            if items:
                self.cart_table[c] = self.last_table[c]
        return "The shared store is off: each cart now lives on one table again.", {"value": False}

    def _do_spike(self, event: dict, effects: dict) -> tuple[str, dict]:
        factor = event["factor"]
        rate = round(effects["rate"], 3)
        return (
            f"Arrivals now {factor:g}x the normal rate ({rate:g} requests per second).",
            {"factor": factor, "rate": rate},
        )

    # -- reading ----------------------------------------------------------------------------
    def in_flight(self, t: int) -> int:
        now = self.now
        return sum(1 for end in self.inflight[t] if end > now)

    def metrics(self) -> dict:
        served = sum(self.served)
        per_server = dict(zip(self.names, self.served, strict=True))
        mean = served / len(self.served)
        imbalance = round(max(self.served) / mean, 3) if served else 1.0
        events = [outcome.to_dict() for outcome in self.outcomes]
        return {
            "balancer": self.balancer_name,
            "requests": self.index,
            "per_server": per_server,
            "imbalance": imbalance,
            "cart_breaks": self.breaks,
            "carts_lost": self.lost,
            "sticky_ratio": round(self.same / self.pairs, 4) if self.pairs else 0.0,
            "latency_ms": self.latency(),
            "events": events,
            "remapped_clients": sum(outcome.remapped for outcome in self.outcomes),
            "errors": self.errors,
            "redispatched": self.redispatch_base + self.balancer.redispatches,
            "checkouts": self.checkouts,
            "empty_checkouts": self.empty_checkouts,
            "shared_sessions": self.shared,
        }

    def latency(self) -> dict[str, float]:
        total = sum(self.hist)
        out = {"p50": 0.0, "p95": 0.0, "p99": 0.0}
        if not total:
            return out
        wanted = [(key, ceil(q * total)) for key, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))]
        seen = 0
        for k, count in enumerate(self.hist):
            if not count:
                continue
            seen += count
            while wanted and seen >= wanted[0][1]:
                out[wanted.pop(0)[0]] = round(bucket_value(k), 1)
            if not wanted:
                break
        return out

    def cookie_text(self, c: int) -> str | None:
        parts = []
        if self.cookie[c] >= 0:
            parts.append(f"SERVERID={self.names[self.cookie[c]]}")
        if self.session[c]:
            parts.append(f"SESSION=s{self.session[c]}")
        return "; ".join(parts) or None

    def tables_view(self) -> list[dict]:
        carts: list[dict[int, int]] = [{} for _ in self.names]
        if not self.shared:
            for c, items in enumerate(self.cart_items):
                if items:
                    carts[self.cart_table[c]][c + 1] = items
        tables = []
        for t, name in enumerate(self.names):
            flying = self.in_flight(t)
            tables.append(
                {
                    "name": name,
                    "status": STATUS_NAMES[self.status[t]],
                    "weight": self.weights[t],
                    "region": self.region_names[self.table_region[t]],
                    "in_flight": flying,
                    "queue": max(0, flying - 1),
                    "served": self.served[t],
                    "carts": carts[t],
                    "stranded": self.stranded[t],
                }
            )
        return tables

    def client_view(self, c: int, mobile: bool, net: int) -> dict:
        items = self.cart_items[c]
        if not items:
            cart_table = None
        elif self.shared:
            cart_table = "shared"
        else:
            cart_table = self.names[self.cart_table[c]]
        last = self.last_table[c]
        return {
            "id": c + 1,
            "ip": ip_to_str(self.ips[c]),
            "region": self.region_names[self.client_region[c]],
            "mobile": mobile,
            "behind_nat": net == NAT,
            "network": NETWORK_NAMES[net],
            "cookie": self.cookie_text(c),
            "cart_table": cart_table,
            "cart_items": items,
            "last_table": self.names[last] if last >= 0 else None,
            "colour": c % COLOURS,
        }

    # -- state ------------------------------------------------------------------------------
    SCALARS = (
        "shared",
        "next_session",
        "now",
        "index",
        "breaks",
        "lost",
        "pairs",
        "same",
        "errors",
        "checkouts",
        "empty_checkouts",
        "redispatch_base",
        "balancer_name",
    )
    LISTS = (
        "names",
        "weights",
        "inv_weight",
        "status",
        "table_region",
        "last_end",
        "served",
        "stranded",
        "ips",
        "client_region",
        "cookie",
        "cookie_set",
        "cookie_used",
        "session",
        "cart_items",
        "cart_table",
        "last_table",
    )

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in self.SCALARS}
        data.update({name: list(getattr(self, name)) for name in self.LISTS})
        data["inflight"] = [list(d) for d in self.inflight]
        # Most latency buckets are empty: keep only the filled ones.
        data["hist"] = [[k, n] for k, n in enumerate(self.hist) if n]
        data["rng"] = rng_state(self.rng)
        data["balancer_state"] = self.balancer.state()
        data["balancer_redispatches"] = self.balancer.redispatches
        data["outcomes"] = [outcome.to_dict() for outcome in self.outcomes]
        data["notes"] = [[c, note] for c, note in self.notes.items()]
        return data

    @classmethod
    def from_dict(cls, scenario: Scenario, data: dict) -> Restaurant:
        r = cls(scenario, data["balancer_name"])
        for name in cls.SCALARS:
            setattr(r, name, data[name])
        for name in cls.LISTS:
            getattr(r, name)[:] = data[name]
        r.inflight[:] = [deque(d) for d in data["inflight"]]
        for k, n in data["hist"]:
            r.hist[k] = n
        set_rng_state(r.rng, data["rng"])
        r.outcomes = [EventOutcome.from_dict(o) for o in data["outcomes"]]
        r.notes = {c: note for c, note in data["notes"]}
        r.balancer = make_balancer(r.balancer_name, r)
        r.balancer.load_state(data["balancer_state"])
        r.balancer.redispatches = data["balancer_redispatches"]
        return r


def _with_story(decision: Decision, note: str | None, lost_items: int) -> Decision:
    story = story_for(decision, note, lost_items)
    return decision if story is None else replace(decision, story=story)
