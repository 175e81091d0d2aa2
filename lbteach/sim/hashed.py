"""Source-IP affinity: the customer's address, hashed, decides the table."""

from __future__ import annotations

from bisect import bisect_left

from lbteach.sim.base import NO_TABLE_UP, Balancer, Seating
from lbteach.sim.hashing import (
    MASK32,
    NGINX_START,
    crc32,
    full_hash,
    haproxy_map,
    haproxy_nearest,
    haproxy_points,
    nginx_ip_hash_round,
    nginx_points,
)
from lbteach.sim.model import DOWN, UP, ip_to_str, table_address
from lbteach.sim.stateless import RoundRobin, map_lines

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
    """HAProxy `balance source`, `hash-type map-based`: map[address % total weight].

    An IPv4 address is used as it is, a 32-bit number (HAProxy applies no avalanche by
    default), so consecutive addresses rotate through the map: A, B, C ...
    """

    name = "source_ip"

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.map: list[int] = []
        self.cache: dict[int, int] = {}

    def topology_changed(self) -> None:
        self.map = haproxy_map(self.r.live_tables(), self.r.weights)
        self.cache.clear()

    def _lookup(self, ip: int) -> int:
        t = self.cache.get(ip)
        if t is None:
            if not self.map:
                return -1
            t = self.cache[ip] = self.map[ip % len(self.map)]
        return t

    def _why(self, ip: int, t: int) -> str:
        size = len(self.map)
        return (
            f"HAProxy balance source (map-based): {ip_to_str(ip)} is the number {ip};"
            f" {ip} % {size} = {ip % size} -> map slot {ip % size} -> table {self.r.names[t]}"
        )

    def arithmetic(self, c: int, path: str) -> list[str]:
        ip = self.r.ips[c]
        return [
            "HAProxy balance source, hash-type map-based (src/backend.c get_server_sh)",
            f"key: {ip_to_str(ip)} read as a 32-bit number = {ip} (no avalanche by default)",
            *map_lines(self.r, self.map, ip),
        ]


class NginxFallsBack(Balancer):
    """What nginx's hashing balancers share: a lookup by address, cached per address, and
    nginx's round robin for when hashing finds no table that is up."""

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.rr = RoundRobin(r)
        self.cache: dict[int, int] = {}

    def _lookup(self, ip: int) -> int:
        raise NotImplementedError

    def peek(self, c: int, now: float) -> int:
        return self._lookup(self.r.ips[c])

    def state(self) -> dict:
        return {"rr": self.rr.state()}

    def load_state(self, state: dict) -> None:
        self.rr.load_state(state["rr"])


class NginxIpHash(NginxFallsBack):
    """nginx ip_hash, exactly: the first three octets, rehash past down tables, then round robin.

    The hash walks ALL configured tables by weight (a down table keeps its slot, so marking a
    table down moves only its own customers); a table that is not up makes nginx rehash,
    continuing from the current hash value. After 20 failed rehashes, or with fewer than two
    tables, nginx falls back to round robin.
    """

    name = "nginx_ip_hash"

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

    def arithmetic(self, c: int, path: str) -> list[str]:
        r = self.r
        ip = r.ips[c]
        found, steps = self.trace(ip)
        lines = [
            "nginx ip_hash (ngx_http_upstream_ip_hash_module.c)",
            f"key: the first three octets {ip >> 24 & 255}.{ip >> 16 & 255}.{ip >> 8 & 255};"
            " hash = 89, then hash = (hash * 113 + octet) % 6271 for each",
        ]
        for h, total, p in steps[:5]:
            state = "" if r.status[p] == UP else " (not up: rehash from this hash)"
            lines.append(
                f"{h} % {total} (all tables' weights) = {h % total} -> table {r.names[p]}{state}"
            )
        if found < 0:
            lines.append("no hash found an up table (or fewer than 2 tables): round robin")
        return lines


class SourceIpConsistent(HashesIp):
    """HAProxy `balance source`, `hash-type consistent` (src/lb_chash.c).

    The key is full_hash(address); each up table owns 16 ring points per unit of weight at
    full_hash(id * 4096 + i), table A having server id 1; the nearest point wins, the one
    before the key on a tie. A change of tables moves only the customers of that table.
    """

    name = "source_ip_consistent"

    # A table's points depend only on its index and weight, so they are computed once.
    _points: dict[tuple[int, int], list[int]] = {}

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.keys: list[int] = []
        self.owners: list[int] = []
        self.cache: dict[int, int] = {}

    def _table_points(self, t: int) -> list[int]:
        weight = self.r.weights[t]
        points = self._points.get((t, weight))
        if points is None:
            points = self._points[(t, weight)] = haproxy_points(t, weight)
        return points

    def topology_changed(self) -> None:
        owned = sorted((p, t) for t in self.r.live_tables() for p in self._table_points(t))
        self.keys = [p for p, _ in owned]
        self.owners = [t for _, t in owned]
        self.cache.clear()

    def _lookup(self, ip: int) -> int:
        t = self.cache.get(ip)
        if t is None:
            if not self.keys:
                return -1
            t = self.cache[ip] = self.owners[haproxy_nearest(self.keys, full_hash(ip))]
        return t

    def _why(self, ip: int, t: int) -> str:
        key = full_hash(ip)
        point = self.keys[haproxy_nearest(self.keys, key)]
        return (
            f"HAProxy balance source (hash-type consistent): full_hash({ip_to_str(ip)}) = {key};"
            f" the nearest ring point ({point}) belongs to table {self.r.names[t]}"
        )

    def arithmetic(self, c: int, path: str) -> list[str]:
        ip = self.r.ips[c]
        names = self.r.names
        lines = [
            "HAProxy balance source, hash-type consistent (src/lb_chash.c)",
            f"key: full_hash({ip_to_str(ip)} = {ip}) = {full_hash(ip)}",
            "ring: 16 points per unit of weight at full_hash(id * 4096 + i); ids "
            + ", ".join(f"{names[t]}={t + 1}" for t in self.r.live_tables()),
        ]
        if not self.keys:
            return [*lines, "no table is up: the ring is empty"]
        key = full_hash(ip)
        after = bisect_left(self.keys, key) % len(self.keys)
        before = (after - 1) % len(self.keys)
        for label, i, gap in (
            ("before", before, (key - self.keys[before]) & MASK32),
            ("after", after, (self.keys[after] - key) & MASK32),
        ):
            lines.append(
                f"point {label}: {self.keys[i]} (table {names[self.owners[i]]}), distance {gap}"
            )
        winner = self.owners[haproxy_nearest(self.keys, key)]
        lines.append(f"the nearer point wins (the one before on a tie) -> table {names[winner]}")
        return lines


class NginxHashConsistent(NginxFallsBack):
    """nginx `hash $remote_addr consistent` (ngx_http_upstream_hash_module.c), exactly.

    The key is crc32 of the address text; every configured table, down or not, owns 160
    points per unit of weight built from its address (host:port). The first point at or
    after the key decides; a table that is not up passes the key to the next point, and
    after 20 tries, or with a single table, nginx falls back to round robin.
    """

    name = "nginx_hash_consistent"

    # A table's points depend only on its address and weight, so they are computed once.
    _points: dict[tuple[str, int], list[int]] = {}

    def __init__(self, r: Seating) -> None:
        super().__init__(r)
        self.keys: list[int] = []
        self.owners: list[int] = []

    def topology_changed(self) -> None:
        r = self.r
        self.rr.topology_changed()
        owned: dict[int, int] = {}
        for t in range(len(r.names)):
            key = (table_address(t, r.settings.addresses), r.weights[t])
            points = self._points.get(key)
            if points is None:
                points = self._points[key] = nginx_points(*key)
            for p in points:
                # nginx keeps one of several equal points (its sort is not stable); the
                # earlier table is our rule, and CRC32 collisions are rare.
                owned.setdefault(p, t)
        self.keys = sorted(owned)
        self.owners = [owned[p] for p in self.keys]
        self.cache.clear()

    def trace(self, ip: int) -> tuple[int, list[int]]:
        """(table or -1 for round robin, the ring indexes tried)."""
        if len(self.r.names) < 2:
            return -1, []
        status = self.r.status
        i = bisect_left(self.keys, crc32(ip_to_str(ip)))
        tried = []
        for _ in range(NGINX_MAX_TRIES + 1):
            k = i % len(self.keys)
            tried.append(k)
            if status[self.owners[k]] == UP:
                return self.owners[k], tried
            i += 1
        return -1, tried

    def _lookup(self, ip: int) -> int:
        t = self.cache.get(ip)
        if t is None:
            t = self.cache[ip] = self.trace(ip)[0]
        return t

    def route(self, c: int, path: str, now: float, explain: bool = False) -> int:
        ip = self.r.ips[c]
        t = self.cache.get(ip)
        if t is None:
            t = self._lookup(ip)
        if t < 0:
            t = self.rr.pick(now, explain)
        if explain:
            self.reason = self._explain(ip, t)
        return t

    def _explain(self, ip: int, chosen: int) -> str:
        found, tried = self.trace(ip)
        head = "nginx hash $remote_addr consistent"
        if not tried:
            return f"{head} needs at least 2 tables, so it falls back to {self.rr.reason}"
        names = self.r.names
        steps = [f"point {self.keys[k]} -> table {names[self.owners[k]]}" for k in tried[:3]]
        if len(tried) > 3:
            steps.append(f"... {len(tried) - 3} more points")
        text = (
            f"{head}: crc32({ip_to_str(ip)}) = {crc32(ip_to_str(ip))}; next "
            + " (not up), next ".join(steps)
        )
        if found < 0:
            return (
                f"{text} (not up); after {NGINX_MAX_TRIES} tries nginx falls back to"
                f" {self.rr.reason}"
            )
        return text

    def arithmetic(self, c: int, path: str) -> list[str]:
        r = self.r
        ip = r.ips[c]
        return [
            "nginx hash $remote_addr consistent (ngx_http_upstream_hash_module.c)",
            f'key: crc32("{ip_to_str(ip)}") = {crc32(ip_to_str(ip))}',
            "ring: 160 points per unit of weight from each address: "
            + ", ".join(
                f"{r.names[t]} {table_address(t, r.settings.addresses)}"
                for t in range(len(r.names))
            ),
            "the first point at or after the key decides; a table not up passes to the next",
        ]
