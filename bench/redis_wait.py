"""Cost of `WAIT 1` on acknowledged Redis writes: one simulation state step (Lua) on a real 3+3 Redis
Cluster started like the test fixture, with and without waiting for the replica.

Run: python -m bench.redis_wait [--steps N]. Prints steps/s and latency per mode and concurrency; the
Redis Cluster section of docs/scale.md quotes them.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from stores.redis import RedisSettings, RedisStore
from stores.redis.settings import SimulationSettings
from stores.redis.simulations import LiveSimulations, LiveState
from tests.cluster import RedisClusterProcesses


async def _run(url: str, wait: int, steps: int, in_flight: int) -> tuple[float, float, float]:
    store = RedisStore(RedisSettings(url, wait_replicas=wait))
    live = LiveSimulations(store, SimulationSettings())
    ids = [f"bench-{uuid.uuid4().hex[:8]}-{i}" for i in range(in_flight)]
    for sid in ids:
        await live.start(LiveState(sid, "env", [], {}, "t", "t", {}, 0, "", 8), now_ms=int(time.time() * 1000),
                         actor="bench")
    latencies: list[float] = []

    async def lane(sid: str) -> None:
        version = 1
        for _ in range(steps // in_flight):
            started = time.perf_counter()
            out = await live.update(sid, read_version=version, state={"n": version}, last_update="t",
                                    now_ms=int(time.time() * 1000), entry={})
            latencies.append(time.perf_counter() - started)
            assert isinstance(out, tuple)
            version = out[1]

    began = time.perf_counter()
    await asyncio.gather(*(lane(s) for s in ids))
    elapsed = time.perf_counter() - began
    await store.close()
    latencies.sort()
    return len(latencies) / elapsed, latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000


async def _main(cluster: RedisClusterProcesses, steps: int) -> None:
    for in_flight in (1, 16):
        for wait in (0, 1, 0, 1):
            rate, p50, p99 = await _run(cluster.url, wait, steps, in_flight)
            print(f"wait_replicas={wait} in_flight={in_flight}: {rate:.0f} steps/s p50 {p50:.2f} ms p99 {p99:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=3000)
    args = parser.parse_args()
    cluster = RedisClusterProcesses(Path(tempfile.mkdtemp(prefix="amauta-bench-cluster-")))
    try:
        cluster.start()
        asyncio.run(_main(cluster, args.steps))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
