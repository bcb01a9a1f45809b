"""Per-identity token buckets."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.auth import Identity, Role


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """rate tokens per second with a burst capacity, per identity; exempt roles are never limited."""

    def __init__(self, rate: float, burst: float, *, exempt: frozenset[Role] = frozenset(),
                 clock: Callable[[], float] = time.monotonic, max_identities: int = 100_000) -> None:
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.exempt = exempt
        self.clock = clock
        self.max_identities = max_identities
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, identity: Identity) -> float:
        """Take one token; returns 0 when allowed, else the seconds until a token is available."""
        if self.rate <= 0 or identity.role in self.exempt:
            return 0.0
        now = self.clock()
        bucket = self._buckets.get(identity.name)
        if bucket is None:
            if len(self._buckets) >= self.max_identities:
                self._buckets.clear()  # bounded memory; buckets refill anyway
            bucket = self._buckets[identity.name] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate
