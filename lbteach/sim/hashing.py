"""Stable hash functions the balancers use (never Python's salted hash())."""

from __future__ import annotations

import hashlib
from bisect import bisect_right

MASK32 = 0xFFFFFFFF
NGINX_START = 89
NGINX_MULTIPLIER = 113
NGINX_MODULUS = 6271


def avalanche32(a: int) -> int:
    """Bob Jenkins' 32-bit integer hash: HAProxy's full_hash, applied to map-based keys."""
    a = (a + 0x7ED55D16 + (a << 12)) & MASK32
    a = (a ^ 0xC761C23C ^ (a >> 19)) & MASK32
    a = (a + 0x165667B1 + (a << 5)) & MASK32
    a = ((a + 0xD3A2646C) ^ (a << 9)) & MASK32
    a = (a + 0xFD7046C5 + (a << 3)) & MASK32
    return (a ^ 0xB55A4F09 ^ (a >> 16)) & MASK32


def sdbm(text: str) -> int:
    """HAProxy's default string hash (hash-type ... sdbm), 32 bits."""
    h = 0
    for byte in text.encode():
        h = (byte + (h << 6) + (h << 16) - h) & MASK32
    return h


def nginx_ip_hash_round(h: int, ip: int) -> int:
    """One pass of nginx ip_hash over the first three octets of an IPv4 address."""
    for octet in (ip >> 24 & 255, ip >> 16 & 255, ip >> 8 & 255):
        h = (h * NGINX_MULTIPLIER + octet) % NGINX_MODULUS
    return h


def ketama_key(text: str) -> int:
    """Where a key sits on a ketama ring: the first four bytes of its MD5, little-endian."""
    digest = hashlib.md5(text.encode(), usedforsecurity=False).digest()
    return int.from_bytes(digest[:4], "little")


def ketama_points(name: str, count: int) -> list[int]:
    """`count` ring points for one server; each MD5 of "name-i" yields four points, as in ketama."""
    points: list[int] = []
    i = 0
    while len(points) < count:
        digest = hashlib.md5(f"{name}-{i}".encode(), usedforsecurity=False).digest()
        for k in range(0, 16, 4):
            points.append(int.from_bytes(digest[k : k + 4], "little"))
        i += 1
    return points[:count]


class Ring:
    """A consistent-hash ring: sorted points, each owned by a table index."""

    def __init__(self, owned_points: list[tuple[int, int]]):
        owned_points.sort()
        self.keys = [point for point, _ in owned_points]
        self.owners = [owner for _, owner in owned_points]

    def lookup(self, key: int) -> tuple[int, int]:
        """(owner, point): the first point clockwise from key, wrapping past the top."""
        i = bisect_right(self.keys, key)
        if i == len(self.keys):
            i = 0
        return self.owners[i], self.keys[i]


def smooth_weighted_order(tables: list[int], weights: list[int]) -> list[int]:
    """One period of nginx's smooth weighted round robin over `tables` (index list)."""
    current = dict.fromkeys(tables, 0)
    total = sum(weights[t] for t in tables)
    order = []
    for _ in range(total):
        for t in tables:
            current[t] += weights[t]
        best = max(tables, key=lambda t: current[t])  # first maximum wins ties, as nginx
        current[best] -= total
        order.append(best)
    return order
