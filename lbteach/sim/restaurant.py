"""The restaurant's state: tables, the host (a balancer), each customer's cookies and cart.

It routes requests, queues them on tables (one waiter per table, service time divided by
the table's weight), keeps the carts and counts what happened. It never draws a customer's
behaviour itself: requests and the customer side of events come from a Workload, so
several restaurants can be fed the same customers. What each event does lives in `events`;
the figures and pictures read from this state live in `readout`.

A balancer switch starts a new segment: the counters run on for the whole run, and
`mark` keeps their values at the switch so the read-out can tell the figures since then.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from math import log1p

from lbteach.sim import latency
from lbteach.sim.balancers import make_balancer
from lbteach.sim.model import (
    ACTIONS,
    ADD,
    CHECKOUT,
    DOWN,
    STATUS_NAMES,
    TABLE_NAMES,
    UP,
    ip_to_str,
)
from lbteach.sim.results import Decision, EventOutcome
from lbteach.sim.scenario import Scenario
from lbteach.sim.stories import cause_for, follow_up_told, story_for
from lbteach.sim.workload import Request, rng_state, set_rng_state

# The counters a segment's figures are measured from (see `mark`).
COUNTERS = (
    "index",
    "breaks",
    "switch_breaks",
    "lost",
    "pairs",
    "same",
    "errors",
    "checkouts",
    "empty_checkouts",
)


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
        self.inflight: list[deque[float]] = []
        self.last_end: list[float] = []
        self.served: list[int] = []
        self.stranded: list[int] = []
        for weight, region in zip(s.weight_list, s.table_region_list, strict=True):
            self.new_table(weight, region)
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
        self.hist = latency.empty()
        # Breaks of carts last filled before the latest balancer switch: the switch's doing.
        self.switch_breaks = 0
        self.segment = 0
        self.cart_segment: list[int] = []
        self.outcomes: list[EventOutcome] = []
        # What happened to a customer since their last request, told in their next story.
        self.notes: dict[int, str] = {}
        # The latest restaurant-wide customer event, followed until everyone it touched has
        # been seated again (`follow_up` then tells where they went): see `events.apply_event`.
        self.follow: dict | None = None
        self.balancer_name = balancer or s.balancer
        self.balancer = make_balancer(self.balancer_name, self)
        self.mark = self.zero_mark()

    # -- tables and customers ---------------------------------------------------------------
    def new_table(self, weight: int, region: int) -> int:
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
        self.cart_segment.extend([0] * n)

    def carts_at(self, t: int) -> list[int]:
        """The customers whose cart lives at table t (none with the shared store)."""
        if self.shared:
            return []
        items, at = self.cart_items, self.cart_table
        return [c for c in range(len(items)) if items[c] and at[c] == t]

    def in_flight(self, t: int) -> int:
        now = self.now
        return sum(1 for end in self.inflight[t] if end > now)

    def issue_session(self, c: int) -> int:
        """The app on the serving table gives the customer a session cookie."""
        s = self.session[c] = self.next_session
        self.next_session += 1
        return s

    # -- requests ---------------------------------------------------------------------------
    def serve(self, batch: list[Request], record: bool = False) -> list[Decision]:
        """Route and serve a batch of requests, in order; the one serving loop.

        Without `record` (batch runs, the restaurants compared beside the first) it is the
        fast path: no per-request objects, and it returns []. With `record` it also keeps a
        Decision for each request, with the balancer's reason and the customer's story.
        """
        decisions: list[Decision] = []
        if not batch:
            return decisions
        # The fast path asks the balancer for a table only; a recorded one also for its reason.
        route: Callable[[int, str, float], int] = self._explained if record else self.balancer.route
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
        cart_segment = self.cart_segment
        segment = self.segment
        notes = self.notes
        follow = self.follow
        index = self.index
        ln = log1p
        whole = int
        breaks = carried = firsts = same = errors = checkouts = empty = 0
        # Where a broken cart was held, and whether it was filled before the latest switch.
        held = -1
        carry = False
        for t, c, a, p, s in batch:
            tb = route(c, p, t)
            if tb < 0 or status[tb] == DOWN:
                errors += 1
                if record:
                    note = notes.pop(c, None)
                    decisions.append(self._decision(index, t, c, a, p, tb, note, None))
                    index += 1
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
            lost = 0
            if items and not shared and cart_at[c] != tb:
                lost = items
                breaks += 1
                held = cart_at[c]
                carry = cart_segment[c] != segment
                if carry:
                    carried += 1
                stranded[held] += 1
                items = items_of[c] = 0
            if a:  # browsing (action 0, the most common) leaves the cart alone
                if a == ADD:
                    items_of[c] = items + 1
                    cart_at[c] = tb
                    cart_segment[c] = segment
                elif a == CHECKOUT:
                    if items:
                        checkouts += 1
                        items_of[c] = 0
                    else:
                        empty += 1
            if record:
                note = notes.pop(c, None)
                if follow is not None and c in follow["waiting"]:
                    self._followed(c, lt, tb, bool(lost))
                decisions.append(
                    self._decision(index, t, c, a, p, tb, note, e - t, lost, held, carry)
                )
                index += 1
        self.index += len(batch)
        self.now = batch[-1][0]
        self.breaks += breaks
        self.switch_breaks += carried
        # Every served request but a customer's first has a previous one to compare with.
        self.pairs += len(batch) - errors - firsts
        self.same += same
        self.errors += errors
        self.checkouts += checkouts
        self.empty_checkouts += empty
        if not record:
            # The batch path tells no stories: what happened to customers is not kept.
            notes.clear()
        return decisions

    def _explained(self, c: int, p: str, t: float) -> int:
        """The balancer's decision for a recorded request, with its reason and redispatch."""
        bal = self.balancer
        bal.redispatched = False
        return bal.route(c, p, t, True)

    def _decision(
        self,
        index: int,
        t: float,
        c: int,
        a: int,
        p: str,
        tb: int,
        note: str | None,
        wait: float | None,
        lost: int = 0,
        held: int = -1,
        carried: bool = False,
    ) -> Decision:
        """The record of one request just served (`wait`: its latency) or failed (None).

        `lost` is how many items its cart lost at table `held` (a break); `carried` says the
        cart was filled before the latest balancer switch.
        """
        bal = self.balancer
        names = self.names
        decision = Decision(
            index=index,
            time_ms=round(t, 1),
            client=c + 1,
            action=ACTIONS[a],
            server=names[tb] if tb >= 0 else None,
            reason=bal.reason,
            cart_items=self.cart_items[c],
            cart_broken=bool(lost),
            carts_stranded_at=names[held] if lost else None,
            redispatched=bal.redispatched,
            latency_ms=None if wait is None else round(wait, 1),
            story=None,
            ip=ip_to_str(self.ips[c]),
            path=p,
            error=wait is None,
            cause=cause_for(note, STATUS_NAMES[self.status[held]], carried) if lost else "",
        )
        story = story_for(decision, note, lost)
        return decision if story is None else replace(decision, story=story)

    # -- events and segments -----------------------------------------------------------------
    def predictions(self) -> dict[int, int]:
        """Where every customer seen so far would be sent next, asking without side effects."""
        peek = self.balancer.peek
        now = self.now
        return {c: peek(c, now) for c, last in enumerate(self.last_table) if last >= 0}

    def _followed(self, c: int, was: int, table: int, broken: bool) -> None:
        """A customer the followed event touched is seated again: count where."""
        follow = self.follow
        assert follow is not None
        follow["waiting"].discard(c)
        if was >= 0 and was != table:
            follow["elsewhere"] += 1
        if broken:
            follow["broken"] += 1

    def follow_up(self) -> str | None:
        """Once everyone the followed event touched is back: where they were seated, once."""
        if self.follow is None or self.follow["waiting"]:
            return None
        sentence = follow_up_told(self.follow)
        self.follow = None
        return sentence

    def counters(self) -> dict:
        """The run's counters now: where a segment's figures are measured from."""
        mark: dict = {name: getattr(self, name) for name in COUNTERS}
        mark["redispatched"] = self.redispatch_base + self.balancer.redispatches
        mark["served"] = list(self.served)
        mark["hist"] = list(self.hist)
        mark["outcomes"] = len(self.outcomes)
        mark["time_ms"] = self.now
        return mark

    def zero_mark(self) -> dict:
        """The mark of a run's first segment: every counter at zero."""
        mark: dict = {name: 0 for name in COUNTERS}
        # hist None: nothing to subtract, which spares copying thousands of empty buckets.
        mark.update(redispatched=0, served=[], hist=None, outcomes=0, time_ms=0.0)
        return mark

    def start_segment(self) -> None:
        """A balancer switch: figures from here on are the new balancer's."""
        self.segment += 1
        self.mark = self.counters()

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
    # Added with balancer-switch segments: state saved before them restores with these values.
    SEGMENT_SCALARS = {"switch_breaks": 0, "segment": 0}
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
        data["hist"] = latency.sparse(self.hist)
        data.update({name: getattr(self, name) for name in self.SEGMENT_SCALARS})
        data["cart_segment"] = list(self.cart_segment)
        hist = self.mark["hist"]
        data["mark"] = {**self.mark, "hist": None if hist is None else latency.sparse(hist)}
        data["rng"] = rng_state(self.rng)
        data["balancer_state"] = self.balancer.state()
        data["balancer_redispatches"] = self.balancer.redispatches
        data["outcomes"] = [outcome.to_dict() for outcome in self.outcomes]
        data["notes"] = [[c, note] for c, note in self.notes.items()]
        follow = self.follow
        data["follow"] = follow and {**follow, "waiting": sorted(follow["waiting"])}
        return data

    @classmethod
    def from_dict(cls, scenario: Scenario, data: dict) -> Restaurant:
        r = cls(scenario, data["balancer_name"])
        for name in cls.SCALARS:
            setattr(r, name, data[name])
        for name in cls.LISTS:
            getattr(r, name)[:] = data[name]
        r.inflight[:] = [deque(d) for d in data["inflight"]]
        r.hist[:] = latency.from_sparse(data["hist"])
        for name, default in cls.SEGMENT_SCALARS.items():
            setattr(r, name, data.get(name, default))
        r.cart_segment[:] = data.get("cart_segment", [0] * len(r.ips))
        set_rng_state(r.rng, data["rng"])
        r.outcomes = [EventOutcome.from_dict(o) for o in data["outcomes"]]
        r.notes = {c: note for c, note in data["notes"]}
        follow = data.get("follow")
        r.follow = follow and {**follow, "waiting": set(follow["waiting"])}
        r.balancer = make_balancer(r.balancer_name, r)
        r.balancer.load_state(data["balancer_state"])
        r.balancer.redispatches = data["balancer_redispatches"]
        # Before segments, a run was one segment from its start: measure from zero.
        r.mark = data.get("mark") or r.zero_mark()
        if r.mark["hist"] is not None:
            r.mark["hist"] = latency.from_sparse(r.mark["hist"])
        return r
