"""Token buckets: a person may send a burst of commands, then a steady trickle.

A private lab has one bucket per connection, and one per client address shared by all its
connections in every process (`address_allows`); in a class a bucket belongs to a person (a
student, or the teacher), shared by every socket they open, so twenty tabs buy no more.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.conf import settings
from django.core.cache import cache
from redis.asyncio import Redis as AsyncRedis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


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


# One command budget per client address for the lab, on top of each connection's: ten tabs
# (or ten sockets on each of two processes) buy no more. With REDIS_URL it is counted in
# Redis, where every process sees the same bucket; a Lua script makes each take atomic, and
# Redis's own clock keeps processes on different machines in step.
_TAKE = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or burst
local at = tonumber(saved[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'at', now)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return allowed
"""
addresses = SharedBuckets()
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncScript] = (
    weakref.WeakKeyDictionary()
)


def _take_script() -> AsyncScript:
    """This event loop's Redis client and script (a connection belongs to one loop)."""
    loop = asyncio.get_running_loop()
    script = _clients.get(loop)
    if script is None:
        client = AsyncRedis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        script = _clients[loop] = client.register_script(_TAKE)
    return script


async def shared_allows(name: str, rate: float, burst: int) -> bool:
    """Take one command from the budget called `name`, shared by every process with Redis
    (in this process's memory without it). If Redis is away, allow: each connection's own
    budget still holds, and refusing everyone would stop every class."""
    if not settings.REDIS_URL:
        return addresses.get((name, rate, burst), rate, burst).allow()
    # A full bucket refills in burst / rate seconds; after that the key is not needed.
    ttl = math.ceil(burst / rate) + 1 if rate > 0 else 3600
    key = cache.make_key(name)
    try:
        return bool(await _take_script()(keys=[key], args=[rate, burst, ttl]))
    except RedisError:
        log.warning("could not count commands in Redis (%s)", name.split(":")[0], exc_info=True)
        return True


async def address_allows(address: str) -> bool:
    """Take one command from `address`'s lab budget (LAB_ADDRESS_COMMAND_RATE and _BURST)."""
    rate, burst = settings.LAB_ADDRESS_COMMAND_RATE, settings.LAB_ADDRESS_COMMAND_BURST
    return await shared_allows(f"lab-commands:{address}", rate, burst)
