"""The pools and clients every real-product comparison uses: 5 pools x 32 requests = 160."""

from __future__ import annotations

import random

from lbteach.sim.model import TABLE_NAMES

# (weights, tables marked down): two tables whose weights share a factor (HAProxy divides
# by the GCD), equal and unequal weights, and five tables with B down.
POOLS: list[tuple[tuple[int, ...], tuple[str, ...]]] = [
    ((2, 2), ()),
    ((1, 1, 1), ()),
    ((2, 1, 1), ()),
    ((1, 2, 3, 1), ()),
    ((1, 1, 1, 1, 1), ("B",)),
]
PER_POOL = 32


def client_ips(pool: int) -> list[str]:
    """Eight consecutive home addresses (they rotate under map-based hashing), then a mix."""
    rnd = random.Random(pool)
    ips = [f"10.0.{pool}.{i}" for i in range(1, 9)]
    prefixes = ("10.{}.{}", "172.{}.{}", "192.168.{}", "100.64.{}", "203.0.{}")
    while len(ips) < PER_POOL:
        prefix = prefixes[len(ips) % len(prefixes)]
        parts = [rnd.randrange(256) for _ in range(prefix.count("{}"))]
        ips.append(prefix.format(*parts) + f".{rnd.randrange(1, 255)}")
    return ips


def paths(pool: int) -> list[str]:
    rnd = random.Random(100 + pool)
    fixed = ["/", "/cart", "/cart/add", "/checkout", "/search?q=shoes", "/search?q=hats"]
    return fixed + [f"/product/{rnd.randrange(1000)}" for _ in range(PER_POOL - len(fixed))]


def table_names(count: int) -> list[str]:
    return list(TABLE_NAMES[:count])
