"""Stateless balancers: each request is seated on its own merits, nobody is remembered."""

from __future__ import annotations

from lbteach.sim.base import NO_TABLE_UP, Picker, Seating, TakesTurns, table_list
from lbteach.sim.hashing import haproxy_map, sdbm, smooth_weighted_order

# Above this many tables a reason lists only the winner, to stay one readable line.
LIST_LIMIT = 8


def weights_note(r: Seating, live: list[int]) -> str:
    if all(r.weights[t] == 1 for t in live):
        return ""
    return " (weights " + ", ".join(f"{r.names[t]}={r.weights[t]}" for t in live) + ")"


class RoundRobin(TakesTurns):
    """nginx's smooth weighted round robin: each table in turn, bigger tables more often."""

    name = "round_robin"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.order: list[int] = []
        self.note = ""

    def topology_changed(self) -> None:
        # The turn continues from the table that was next (or the next one still up), so a
        # crash or a new table does not make the host skip ahead.
        was_next = self.order[self.turn] if self.order else 0
        live = self.r.live_tables()
        self.order = smooth_weighted_order(live, self.r.weights)
        later = [i for i, t in enumerate(self.order) if t >= was_next]
        self.turn = min(later, key=lambda i: (self.order[i], i)) if later else 0
        self.note = weights_note(self.r, live)

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        order = self.order
        if not order:
            if explain:
                self.reason = NO_TABLE_UP
            return -1
        t = order[self.turn]
        self.turn = (self.turn + 1) % len(order)
        if explain:
            # Equal weights: HAProxy and nginx agree on the order; weighted, only nginx does.
            kind = "nginx smooth weighted round robin" if self.note else "round robin"
            self.reason = f"{kind}{self.note}: table {self.r.names[t]} is next in turn"
        return t


class Random(Picker):
    """One random draw, weighted (HAProxy balance random(1))."""

    name = "random"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.pool: list[int] = []
        self.rnd = r.rng.random

    def topology_changed(self) -> None:
        self.pool = [t for t in self.r.live_tables() for _ in range(self.r.weights[t])]

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        pool = self.pool
        if not pool:
            if explain:
                self.reason = NO_TABLE_UP
            return -1
        t = pool[int(self.rnd() * len(pool))]
        if explain:
            live = self.r.live_tables()
            self.reason = (
                f"HAProxy balance random: a draw among {len(live)} tables"
                f"{weights_note(self.r, live)}"
                f" -> table {self.r.names[t]}"
            )
        return t


class LeastConnections(TakesTurns):
    """The table with the fewest requests in flight per unit of weight; ties rotate."""

    name = "least_connections"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.live: list[int] = []
        self.rotations: list[list[int]] = []
        self.inflight = r.inflight
        self.inv = r.inv_weight

    def topology_changed(self) -> None:
        live = self.live = self.r.live_tables()
        # Ties go to the first table of a rotation that advances on every decision.
        self.rotations = [live[k:] + live[:k] for k in range(len(live))]
        self.turn = self.turn % len(live) if live else 0

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        rotations = self.rotations
        if not rotations:
            if explain:
                self.reason = NO_TABLE_UP
            return -1
        turn = self.turn
        self.turn = turn + 1 if turn + 1 < len(rotations) else 0
        inflight = self.inflight
        inv = self.inv
        best = -1
        best_load = 1e300
        for t in rotations[turn]:
            d = inflight[t]
            while d and d[0] <= now:
                d.popleft()
            load = len(d) * inv[t]
            if load < best_load:
                best = t
                best_load = load
        if explain:
            names = self.r.names
            live = self.live
            counts = {t: len(inflight[t]) for t in live}
            if len(live) <= LIST_LIMIT:
                detail = ": " + ", ".join(f"{names[t]} {counts[t]}" for t in live)
            else:
                detail = f" ({counts[best]})"
            self.reason = (
                f"least connections (HAProxy leastconn, nginx least_conn): table {names[best]}"
                f" has the fewest requests in flight{detail}"
            )
        return best


class PowerOfTwo(Picker):
    """The textbook power of two choices: two distinct random tables, fewer in flight wins.

    Close to HAProxy's `balance random(2)` (3.3's default) but not the same: HAProxy's two
    draws may pick the same server, and a tie goes to the second draw, not the first.
    """

    name = "power_of_two"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.pool: list[int] = []
        self.pairs: list[tuple[int, int]] = []
        self.single = -1
        self.rnd = r.rng.random
        self.inflight = r.inflight
        self.inv = r.inv_weight

    def topology_changed(self) -> None:
        r = self.r
        live = r.live_tables()
        self.pool = [t for t in live for _ in range(r.weights[t])]
        self.single = live[0] if len(live) == 1 else -1
        # With equal weights every ordered pair of distinct tables is equally likely, so
        # one draw from the list of pairs replaces "draw, then redraw until different".
        equal = len({r.weights[t] for t in live}) == 1
        self.pairs = [(x, y) for x in live for y in live if x != y] if equal else []

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        pool = self.pool
        if not pool:
            if explain:
                self.reason = NO_TABLE_UP
            return -1
        if self.single >= 0:
            if explain:
                self.reason = f"only table {self.r.names[self.single]} is up"
            return self.single
        rnd = self.rnd
        pairs = self.pairs
        if pairs:
            x, y = pairs[int(rnd() * len(pairs))]
        else:
            size = len(pool)
            x = pool[int(rnd() * size)]
            y = x
            while y == x:
                y = pool[int(rnd() * size)]
        inflight = self.inflight
        dx = inflight[x]
        while dx and dx[0] <= now:
            dx.popleft()
        dy = inflight[y]
        while dy and dy[0] <= now:
            dy.popleft()
        inv = self.inv
        t = y if len(dy) * inv[y] < len(dx) * inv[x] else x
        if explain:
            names = self.r.names
            self.reason = (
                f"two random choices (textbook): {names[x]} ({len(dx)} in flight) vs"
                f" {names[y]} ({len(dy)} in flight) -> table {names[t]}"
            )
        return t


class UrlHash(Picker):
    """HAProxy `balance uri` with its defaults: map[sdbm(path) % total weight], no avalanche.

    The path is hashed up to its `?`, as HAProxy does without `whole`.
    """

    name = "url_hash"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.map: list[int] = []
        self.cache: dict[str, int] = {}

    def topology_changed(self) -> None:
        self.map = haproxy_map(self.r.live_tables(), self.r.weights)
        self.cache.clear()

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        t = self.cache.get(path)
        if t is None:
            if not self.map:
                if explain:
                    self.reason = NO_TABLE_UP
                return -1
            t = self.cache[path] = self.map[uri_key(path) % len(self.map)]
        if explain:
            h = uri_key(path)
            size = len(self.map)
            self.reason = (
                f"HAProxy balance uri (map-based): sdbm({path.split('?')[0]}) = {h};"
                f" {h} % {size} = {h % size} -> map slot {h % size} -> table {self.r.names[t]}"
            )
        return t

    def arithmetic(self, c: int, path: str) -> list[str]:
        h = uri_key(path)
        return [
            "HAProxy balance uri, hash-type map-based sdbm (src/backend.c get_server_uh)",
            f"key: sdbm of {path.split('?')[0]} = {h} (no avalanche by default)",
            *map_lines(self.r, self.map, h),
        ]


def map_lines(r: Seating, slots: list[int], key: int) -> list[str]:
    """How HAProxy's map-based lookup turns a key into a table, for `route --explain`."""
    if not slots:
        return ["no table is up: the map is empty"]
    size = len(slots)
    slot = key % size
    shown = " ".join(r.names[t] for t in slots[:32]) + (" ..." if size > 32 else "")
    return [
        f"map (lb_map.c order, weights divided by their GCD): {shown}",
        f"total weight of running tables = {size}",
        f"{key} % {size} = {slot} -> map slot {slot} -> table {r.names[slots[slot]]}",
    ]


def uri_key(path: str) -> int:
    """HAProxy's balance uri key: sdbm of the path up to the query string."""
    return sdbm(path.split("?", 1)[0])


class Geo(Picker):
    """Seat a customer at the tables of the nearest region that has any up; round robin inside."""

    name = "geo"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.orders: list[list[int]] = []
        self.homes: list[int] = []
        self.turns = [0] * len(r.region_names)

    def topology_changed(self) -> None:
        r = self.r
        live = r.live_tables()
        self.orders = []
        self.homes = []
        for g in range(len(r.region_names)):
            # Regions are listed in order around the world: the nearest is the closest index.
            for h in sorted(range(len(r.region_names)), key=lambda k: (abs(k - g), k)):
                group = [t for t in live if r.table_region[t] == h]
                if group:
                    break
            self.orders.append(smooth_weighted_order(group, r.weights))
            self.homes.append(h)

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        g = self.r.client_region[c] if c >= 0 else 0
        order = self.orders[g]
        if not order:
            if explain:
                self.reason = NO_TABLE_UP
            return -1
        turn = self.turns[g]
        t = order[turn % len(order)]
        self.turns[g] = (turn + 1) % len(order)
        if explain:
            r = self.r
            region = r.region_names[g]
            group = sorted(set(order))
            if self.homes[g] == g:
                where = f"customer from {region}: nearest tables {table_list(r, group)}"
            else:
                where = (
                    f"customer from {region}: no table up there, nearest region"
                    f" {r.region_names[self.homes[g]]} has {table_list(r, group)}"
                )
            self.reason = f"{where} -> round robin -> table {r.names[t]}"
        return t

    def state(self) -> dict:
        return {"turns": list(self.turns)}

    def load_state(self, state: dict) -> None:
        self.turns[:] = state["turns"]
