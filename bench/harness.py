"""Closed-loop load at a fixed concurrency, and the result rows every benchmark reports."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Result:
    """One measured operation."""

    operation: str
    concurrency: int
    rate: float                 # operations (or rows) per second
    unit: str = "ops/s"
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    count: int = 0
    errors: int = 0
    raw_rate: float | None = None   # the raw driver doing the same work in the same run
    baseline: str = ""              # what raw_rate measures
    goal: str = ""
    notes: dict[str, Any] = field(default_factory=dict)
    #: Rates of the ceilings measured in the same run, by name (NOOP, BARE).
    ceilings: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """rate / raw_rate."""
        return self.rate / self.raw_rate if self.raw_rate else None

    @property
    def ceiling_ratios(self) -> dict[str, float]:
        """rate / each ceiling's rate."""
        return {name: self.rate / rate for name, rate in self.ceilings.items() if rate}

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["ratio"] = self.ratio
        doc["ceiling_ratios"] = {name: round(r, 3) for name, r in self.ceiling_ratios.items()}
        return doc


#: The node's no-op (grpc.health Check through the node's interceptor) and the bare ceiling (the same
#: Check on a grpc.aio server without interceptor, bench.node.BareServer).
NOOP, BARE = "noop", "bare"


def percentile(samples: list[float], q: float) -> float:
    """The q-th percentile (0..100) of samples, nearest-rank."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def closed_loop(call: Callable[[int], Awaitable[Any]], *, concurrency: int, total: int,
                      warmup: int = 200) -> tuple[float, list[float], int]:
    """Run `total` calls with `concurrency` in flight; returns (ops/s, latencies in ms, errors)."""
    counter = iter(range(warmup + total))
    latencies: list[float] = []
    errors = 0

    async def worker(measure: bool, limit: int) -> None:
        nonlocal errors
        for i in counter:
            if i >= limit:
                return
            started = time.perf_counter()
            try:
                await call(i)
            except Exception:
                errors += 1
                continue
            if measure:
                latencies.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(worker(False, warmup) for _ in range(concurrency)))
    counter = iter(range(total))
    started = time.perf_counter()
    await asyncio.gather(*(worker(True, total) for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return total / elapsed, latencies, errors


async def measure(operation: str, call: Callable[[int], Awaitable[Any]], *, concurrency: int,
                  total: int, warmup: int = 200, **extra: Any) -> Result:
    """closed_loop() summarised as a Result."""
    rate, lat, errors = await closed_loop(call, concurrency=concurrency, total=total, warmup=warmup)
    return Result(operation, concurrency, rate, p50_ms=percentile(lat, 50), p99_ms=percentile(lat, 99),
                  count=total, errors=errors, **extra)


def mean(values: list[float]) -> float:
    """Arithmetic mean (0.0 for no values)."""
    return statistics.fmean(values) if values else 0.0
