"""Source-IP affinity: the customer's address, hashed, decides the table."""

from __future__ import annotations

from lbteach.sim.base import NO_TABLE_UP, Balancer
from lbteach.sim.hashing import (
    NGINX_START,
    Ring,
    avalanche32,
    ketama_key,
    ketama_points,
    nginx_ip_hash_round,
    smooth_weighted_order,
)
from lbteach.sim.model import DOWN, UP, ip_to_str
from lbteach.sim.stateless import RoundRobin

NGINX_MAX_TRIES = 20


class HashesIp(Balancer):
    """A balancer whose table is a cached function of the client's whole IP address.

    Subclasses give `_lookup(ip)` (the table, or -1 with none up) and `_why(ip, t)` (the
    reason a learner reads); the hot path here is one dictionary look-up per request.
    """

    cache: dict[int, int]

    def _lookup(self, ip: int) -> int:
        raise NotImplementedError

    def _why(self, ip: int, t: int) -> str:
        raise NotImplementedError

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        ip = self.r.ips[c]
        t = self.cache.get(ip)
        if t is None:
            t = self._lookup(ip)
        if explain:
            self.reason = NO_TABLE_UP if t < 0 else self._why(ip, t)
        return t

    def peek(self, c: int, now: float) -> int:
        return self._lookup(self.r.ips[c])


class SourceIp(HashesIp):
    """HAProxy balance source, hash-type map-based: hash(IP) % total weight of running tables."""

    name = "source_ip"

    def __init__(self, r):
        super().__init__(r)
        self.map: list[int] = []
        self.cache: dict[int, int] = {}

    def topology_changed(self) -> None:
        self.map = smooth_weighted_order(self.r.live_tables(), self.r.weights)
        self.cache.clear()

    def _lookup(self, ip: int) -> int:
        t = self.cache.get(ip)
        if t is None:
            if not self.map:
                return -1
            t = self.cache[ip] = self.map[avalanche32(ip) % len(self.map)]
        return t

    def _why(self, ip: int, t: int) -> str:
        h = avalanche32(ip)
        size = len(self.map)
        return (
            f"source IP hash of {ip_to_str(ip)} -> {h} % {size} = {h % size}"
            f" -> table {self.r.names[t]}"
        )


class NginxIpHash(Balancer):
    """nginx ip_hash, exactly: the first three octets, rehash past down tables, then round robin.

    The hash walks ALL configured tables by weight (a down table keeps its slot, so marking a
    table down moves only its own customers); a table that is not up makes nginx rehash,
    continuing from the current hash value. After 20 failed rehashes, or with fewer than two
    tables, nginx falls back to round robin.
    """

    name = "nginx_ip_hash"

    def __init__(self, r):
        super().__init__(r)
        self.rr = RoundRobin(r)
        self.cache: dict[int, int] = {}

    def topology_changed(self) -> None:
        self.rr.topology_changed()
        self.cache.clear()

    def trace(self, ip: int) -> tuple[int, list[tuple[int, int, int]]]:
        """(table or -1 for round robin, [(hash, total_weight, table) per try])."""
        r = self.r
        weights = r.weights
        status = r.status
        if len(weights) < 2:
            return -1, []
        total = sum(weights)
        h = NGINX_START
        tries = 0
        steps = []
        while True:
            h = nginx_ip_hash_round(h, ip)
            w = h % total
            p = 0
            while w >= weights[p]:
                w -= weights[p]
                p += 1
            steps.append((h, total, p))
            if status[p] == UP:
                return p, steps
            tries += 1
            if tries > NGINX_MAX_TRIES:
                return -1, steps

    def _lookup(self, ip: int) -> int:
        key = ip >> 8
        t = self.cache.get(key)
        if t is None:
            t = self.cache[key] = self.trace(ip)[0]
        return t

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        ip = self.r.ips[c]
        t = self.cache.get(ip >> 8)
        if t is None:
            t = self._lookup(ip)
        if t < 0:
            t = self.rr.pick(now, explain)
        if explain:
            self.reason = self._explain(ip)
        return t

    def _explain(self, ip: int) -> str:
        names = self.r.names
        a, b, c = ip >> 24 & 255, ip >> 16 & 255, ip >> 8 & 255
        found, steps = self.trace(ip)
        if not steps:
            return f"nginx ip_hash needs at least 2 tables, so it falls back to {self.rr.reason}"
        parts = []
        for h, total, p in steps[:3]:
            state = (
                ""
                if self.r.status[p] == UP
                else f" ({'down' if self.r.status[p] == DOWN else 'draining'}), rehash"
            )
            parts.append(f"{h} % {total} = {h % total} -> table {names[p]}{state}")
        if len(steps) > 3:
            parts.append(f"... {len(steps) - 3} more rehashes")
        head = f"nginx ip_hash of {a}.{b}.{c}.x -> " + " -> ".join(parts)
        if found < 0:
            return f"{head}; after {NGINX_MAX_TRIES} rehashes nginx falls back to {self.rr.reason}"
        return head

    def peek(self, c: int, now: float) -> int:
        return self._lookup(self.r.ips[c])

    def state(self) -> dict:
        return {"rr": self.rr.state()}

    def load_state(self, state: dict) -> None:
        self.rr.load_state(state["rr"])


class SourceIpConsistent(HashesIp):
    """Consistent hashing of the source IP on a ketama ring (160 points per unit of weight)."""

    name = "source_ip_consistent"

    # Ring points of a table depend only on its name and weight, so they are computed once.
    _points: dict[tuple[str, int], list[int]] = {}

    def __init__(self, r):
        super().__init__(r)
        self.per_weight = r.settings.ring_points
        self.ring: Ring | None = None
        self.keys: dict[int, int] = {}
        self.cache: dict[int, int] = {}

    def _table_points(self, t: int) -> list[int]:
        name = self.r.names[t]
        count = self.per_weight * self.r.weights[t]
        points = self._points.get((name, count))
        if points is None:
            points = self._points[(name, count)] = ketama_points(name, count)
        return points

    def topology_changed(self) -> None:
        owned = [(p, t) for t in self.r.live_tables() for p in self._table_points(t)]
        self.ring = Ring(owned) if owned else None
        self.cache.clear()

    def _key(self, ip: int) -> int:
        key = self.keys.get(ip)
        if key is None:
            key = self.keys[ip] = ketama_key(ip_to_str(ip))
        return key

    def _lookup(self, ip: int) -> int:
        t = self.cache.get(ip)
        if t is None:
            if self.ring is None:
                return -1
            t = self.cache[ip] = self.ring.lookup(self._key(ip))[0]
        return t

    def _why(self, ip: int, t: int) -> str:
        key = self._key(ip)
        _, point = self.ring.lookup(key)
        return (
            f"consistent hash of {ip_to_str(ip)} -> ring position {key}; the next"
            f" point clockwise ({point}) belongs to table {self.r.names[t]}"
        )
