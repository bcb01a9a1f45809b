"""Cold start of the embedded node: fresh data directory to overall health SERVING."""

from __future__ import annotations

from bench.harness import Result
from bench.node import BenchNode


async def run(quick: bool) -> list[Result]:
    """Start a node on a fresh directory (cold) and again on the same data (warm)."""
    node = BenchNode()
    cold = node.startup_seconds
    node.stop()
    return [Result("cold start to SERVING (embedded stores)", 1, cold, unit="s", goal="<= 10 s",
                   notes={"seconds": cold})]
