"""Stable hash functions the balancers use (never Python's salted hash()), as the products do."""

from __future__ import annotations

import zlib
from bisect import bisect_left
from math import gcd

MASK32 = 0xFFFFFFFF
NGINX_START = 89
NGINX_MULTIPLIER = 113
NGINX_MODULUS = 6271
# HAProxy places a server's ring points at full_hash(id * 4096 + i): 256 user weights x 16.
HAPROXY_ID_STRIDE = 4096
HAPROXY_POINTS_PER_WEIGHT = 16
NGINX_POINTS_PER_WEIGHT = 160


def full_hash(a: int) -> int:
    """HAProxy's full_hash: Bob Jenkins' avalanche, then a multiply by 3221225473 to spread."""
    a = (a + 0x7ED55D16 + (a << 12)) & MASK32
    a = (a ^ 0xC761C23C ^ (a >> 19)) & MASK32
    a = (a + 0x165667B1 + (a << 5)) & MASK32
    a = ((a + 0xD3A2646C) ^ (a << 9)) & MASK32
    a = (a + 0xFD7046C5 + (a << 3)) & MASK32
    a = (a ^ 0xB55A4F09 ^ (a >> 16)) & MASK32
    return (a * 3221225473) & MASK32


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


def haproxy_map(tables: list[int], weights: list[int]) -> list[int]:
    """HAProxy's server map for map-based hashing (lb_map.c), as a list of table indexes.

    Weights are first divided by the GCD of every configured table's weight; then each slot
    goes to the live table whose score, (score + total) // total, is highest, the earlier
    table on a tie. Weights 2,1,1 give A A B C (nginx's smooth order would give A B A C).
    """
    divisor = 0
    for w in weights:
        divisor = gcd(divisor, w)
    eweight = {t: -(-weights[t] // divisor) for t in tables}
    total = sum(eweight.values())
    if total == 1:
        return list(tables)
    score = dict.fromkeys(tables, 0)
    slots = []
    for _ in range(total):
        best, top = -1, 0
        for t in tables:
            score[t] += eweight[t]
            v = (score[t] + total) // total
            if best < 0 or v > top:
                best, top = t, v
        score[best] -= total
        slots.append(best)
    return slots


def haproxy_points(table: int, weight: int) -> list[int]:
    """HAProxy hash-type consistent: 16 ring points per unit of weight for server id table+1."""
    base = (table + 1) * HAPROXY_ID_STRIDE
    return [full_hash(base + i) for i in range(weight * HAPROXY_POINTS_PER_WEIGHT)]


def haproxy_nearest(keys: list[int], h: int) -> int:
    """Index of the ring point nearest to h (lb_chash.c): the one before wins a tie."""
    i = bisect_left(keys, h)
    after = i if i < len(keys) else 0
    before = (after - 1) % len(keys)
    if (h - keys[before]) & MASK32 <= (keys[after] - h) & MASK32:
        return before
    return after


def next_point(keys: list[int], h: int) -> int:
    """Index of the first ring point at or after h, wrapping past the top (nginx's rule)."""
    return bisect_left(keys, h) % len(keys)


def crc32(text: str) -> int:
    """nginx's ngx_crc32_long: the standard CRC-32 (the one zlib computes)."""
    return zlib.crc32(text.encode())


def nginx_points(address: str, weight: int) -> list[int]:
    """nginx hash ... consistent: 160 points per unit of weight from the server's address text.

    Each point is crc32(host, a zero byte, port, the previous point as four little-endian
    bytes), the first previous point being 0 (compatible with Cache::Memcached::Fast).
    """
    host, colon, port = address.rpartition(":")
    if not colon or not (port.isdigit() or port == ""):
        host, port = address, ""
    base = zlib.crc32(host.encode() + b"\0" + port.encode())
    points = []
    prev = 0
    for _ in range(weight * NGINX_POINTS_PER_WEIGHT):
        prev = zlib.crc32(prev.to_bytes(4, "little"), base)
        points.append(prev)
    return points


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
