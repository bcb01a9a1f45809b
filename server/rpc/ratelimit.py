"""Per-identity token buckets: shared by every node through Redis, local when Redis is not reachable."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from server.rpc.auth import Identity, Role
from stores.errors import StoreError

log = logging.getLogger(__name__)

#: A bucket store shared by the nodes: (identity, rate, burst) -> seconds to wait (0: allowed).
SharedTake = Callable[[str, float, float], Awaitable[float]]


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """rate tokens per second with a burst capacity, per identity; exempt roles are never limited."""

    def __init__(self, rate: float, burst: float, *, exempt: frozenset[Role] = frozenset(),
                 clock: Callable[[], float] = time.monotonic, max_identities: int = 100_000,
                 shared: SharedTake | None = None) -> None:
        self.shared = shared
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.exempt = exempt
        self.clock = clock
        self.max_identities = max_identities
        self._buckets: dict[str, _Bucket] = {}

    async def acquire(self, identity: Identity) -> float:
        """Take one token; returns 0 when allowed, else the seconds until a token is available.

        Behind N nodes a local bucket would give each identity N times its limit, so the shared
        bucket decides; while Redis is unreachable each node falls back to its own bucket.
        """
        if self.rate <= 0 or identity.role in self.exempt:
            return 0.0
        if self.shared is not None:
            try:
                return await self.shared(identity.name, self.rate, self.burst)
            except StoreError as exc:
                log.warning("shared rate limit unavailable; limiting locally: %s", exc)
        return self.acquire_local(identity)

    def acquire_local(self, identity: Identity) -> float:
        """The same bucket, in this process only."""
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
