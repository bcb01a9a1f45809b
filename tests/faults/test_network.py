"""Latency, blackholes and resets between the node and Redis, through an asyncio TCP proxy."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import psutil
from grpc import aio

from amauta.v1 import learner_pb2, learner_pb2_grpc
from bench.harness import percentile
from stores.embedded.redis_server import EmbeddedRedis
from tests.faults.proxy import FaultProxy
from tests.process import ServeProcess

DEADLINE = 0.5


async def _burst(stub: learner_pb2_grpc.LearnerServiceStub, md: tuple[tuple[str, str]], learner: str,
                 n: int = 40) -> tuple[list[float], dict[str, int]]:
    latencies: list[float] = []
    codes: dict[str, int] = {}

    async def one(i: int) -> None:
        started = time.perf_counter()
        try:
            await stub.ReportProgress(learner_pb2.ReportProgressRequest(
                learner_id=learner, progress_percentage=float(i % 100)), metadata=md, timeout=DEADLINE)
            code = "OK"
        except aio.AioRpcError as exc:
            code = exc.code().name
        latencies.append(time.perf_counter() - started)
        codes[code] = codes.get(code, 0) + 1

    await asyncio.gather(*(one(i) for i in range(n)))
    return latencies, codes


async def test_latency_blackhole_and_reset_then_recovery(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    redis = EmbeddedRedis(data_dir, "external-redis")
    await asyncio.to_thread(redis.start)
    proxy = FaultProxy("127.0.0.1", redis.port)
    await proxy.start()
    try:
        node = ServeProcess(data_dir, {"AMAUTA_REDIS_URL": f"redis://:{redis.password}@127.0.0.1:{proxy.port}/0",
                                       "AMAUTA_RATE_LIMIT_RPS": "0", "AMAUTA_HEALTH_INTERVAL_SECONDS": "0.5"})
        await asyncio.to_thread(node.wait_serving)
        md = (("authorization", f"Bearer {(data_dir / 'admin.token').read_text().strip()}"),)
        async with aio.insecure_channel(f"127.0.0.1:{node.port}") as channel:
            stub = learner_pb2_grpc.LearnerServiceStub(channel)
            await stub.CreateLearnerProfile(learner_pb2.CreateLearnerProfileRequest(
                profile=learner_pb2.LearnerProfile(learner_id="net-1", learner_type="t")), metadata=md)
            _, codes = await _burst(stub, md, "net-1")
            assert codes == {"OK": 40}
            fds_before = psutil.Process(node.proc.pid).num_fds()

            for mode, latency, expected in (("latency", 2.0, {"DEADLINE_EXCEEDED"}),
                                            ("blackhole", 0.0, {"DEADLINE_EXCEEDED"}),
                                            ("reset", 0.0, {"UNAVAILABLE", "DEADLINE_EXCEEDED"})):
                proxy.set_mode(mode, latency)
                latencies, codes = await _burst(stub, md, "net-1")
                assert set(codes) <= expected, (mode, codes)
                p99 = percentile(latencies, 99)
                assert p99 <= DEADLINE + 0.1, (mode, p99)
                proxy.set_mode("pass")
                started = time.monotonic()
                while True:  # recovery: calls succeed again within 10 s of the fault ending
                    _, codes = await _burst(stub, md, "net-1", n=5)
                    if codes == {"OK": 5}:
                        break
                    assert time.monotonic() - started < 10, (mode, codes)
                    await asyncio.sleep(0.2)
                print(f"{mode}: p99 {p99 * 1000:.0f} ms, recovered in {time.monotonic() - started:.2f}s")

            await asyncio.sleep(1.0)
            assert proxy.open_connections <= 64
            fds_after = psutil.Process(node.proc.pid).num_fds()
            assert fds_after <= fds_before + 20, (fds_before, fds_after)
        assert node.stop() == 0
    finally:
        await proxy.stop()
        await asyncio.to_thread(redis.stop)
