"""RateLimiter: per-identity buckets on a clock, exempt roles, the shared bucket and its local fallback."""

from __future__ import annotations

import pytest

from server.rpc.auth import Identity, Role
from server.rpc.ratelimit import RateLimiter
from stores.errors import StoreUnavailable

NODE = Identity("node-a", Role.NODE)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_then_one_token_per_interval() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, 3.0, clock=clock)
    assert [await limiter.acquire(NODE) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert await limiter.acquire(NODE) == pytest.approx(0.5)
    clock.now += 0.5
    assert await limiter.acquire(NODE) == 0.0
    assert await limiter.acquire(Identity("node-b", Role.NODE)) == 0.0  # another identity, another bucket


async def test_zero_rate_and_exempt_roles_are_never_limited() -> None:
    assert await RateLimiter(0.0, 1.0).acquire(NODE) == 0.0
    limiter = RateLimiter(1.0, 1.0, exempt=frozenset({Role.ADMIN}), clock=Clock())
    admin = Identity("root", Role.ADMIN)
    assert [await limiter.acquire(admin) for _ in range(5)] == [0.0] * 5


async def test_the_shared_bucket_decides_and_a_failing_one_falls_back_to_local() -> None:
    asked: list[tuple[str, float, float]] = []

    async def shared(identity: str, rate: float, burst: float) -> float:
        asked.append((identity, rate, burst))
        return 0.25

    assert await RateLimiter(5.0, 0.0, shared=shared).acquire(NODE) == 0.25
    assert asked == [("node-a", 5.0, 1.0)]  # burst is at least one token

    async def down(identity: str, rate: float, burst: float) -> float:
        raise StoreUnavailable("redis unavailable")

    limiter = RateLimiter(1.0, 1.0, shared=down, clock=Clock())
    assert await limiter.acquire(NODE) == 0.0
    assert await limiter.acquire(NODE) == pytest.approx(1.0)


def test_the_bucket_table_stays_bounded() -> None:
    limiter = RateLimiter(1.0, 1.0, clock=Clock(), max_identities=2)
    for name in ("a", "b", "c"):
        assert limiter.acquire_local(Identity(name, Role.NODE)) == 0.0
    assert len(limiter._buckets) <= 2
