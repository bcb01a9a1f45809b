"""Token buckets kept in Redis, so that a rate limit holds per identity across every node."""

from __future__ import annotations

import redis.exceptions as rexc

from stores.redis import RedisStore, translate

# Redis's own clock (TIME), so that nodes whose clocks differ share one bucket; one key per
# identity, hash-tagged for Redis Cluster, expiring once the bucket would be full again.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(b[1]) or burst
local stamp = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""

KEY = "ratelimit:{{{}}}"


class SharedBuckets:
    """take(identity, rate, burst): 0 when a token was taken, else the seconds until one is free."""

    def __init__(self, redis: RedisStore) -> None:
        self._script = redis.client.register_script(_TAKE)

    async def take(self, identity: str, rate: float, burst: float) -> float:
        try:
            return float(await self._script(keys=[KEY.format(identity)], args=[rate, burst]))
        except rexc.RedisError as exc:
            raise translate(exc) from exc


__all__ = ["KEY", "SharedBuckets"]
