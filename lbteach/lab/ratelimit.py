"""Token buckets: a person may send a burst of commands, then a steady trickle.

A private lab has one bucket per connection; in a class a bucket belongs to a person (a
student, or the teacher), shared by every socket they open, so twenty tabs buy no more.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class TokenBucket:
    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()

    def available(self) -> float:
        """The tokens there are now: refilled at `rate` per second, up to `burst`."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens

    def allow(self, cost: float = 1) -> bool:
        """Take `cost` tokens if there are that many (one command costs one)."""
        if self.available() >= cost:
            self.tokens -= cost
            return True
        return False

    def seconds_until(self, cost: float) -> float:
        """How long until `cost` tokens are there (inf when the bucket never refills)."""
        missing = cost - self.available()
        if missing <= 0:
            return 0.0
        return missing / self.rate if self.rate > 0 else float("inf")


class SharedBuckets:
    """One bucket per key, remembered for the most recent `limit` keys (bounded memory)."""

    def __init__(self, limit: int = 20_000) -> None:
        self.limit = limit
        self.buckets: OrderedDict[Hashable, TokenBucket] = OrderedDict()

    def get(self, key: Hashable, rate: float, burst: int) -> TokenBucket:
        bucket = self.buckets.get(key)
        if bucket is None:
            bucket = self.buckets[key] = TokenBucket(rate, burst)
            if len(self.buckets) > self.limit:
                self.buckets.popitem(last=False)
        else:
            self.buckets.move_to_end(key)
        return bucket


people = SharedBuckets()
