"""A node in its own process for benchmarks: the load generator and raw drivers stay in this one.

`python -m bench.node PORT` serves the bare ceiling instead: a grpc.aio server with the health service
and no interceptor, which is as fast as a unary RPC gets through Python gRPC on this machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc import aio
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from bench.harness import BARE, NOOP, measure


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_serving(port: int, proc: subprocess.Popen[bytes], log: Path, started: float,
                  timeout: float = 120) -> float:
    """Seconds from started until health on port says SERVING."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        while time.perf_counter() - started < timeout:
            if proc.poll() is not None:
                raise RuntimeError(log.read_text()[-3000:])
            try:
                if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
                    return time.perf_counter() - started
            except grpc.RpcError:
                pass
            time.sleep(0.05)
    raise TimeoutError(f"bench server on port {port} did not start")


class BenchNode:
    """`amauta-node serve` on a fresh data directory; endpoints.json gives the raw store URLs."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="amauta-bench-"))
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
        env.update({"AMAUTA_DATA_DIR": str(self.data_dir / "data"),
                    "AMAUTA_GRPC_ADDRESS": f"127.0.0.1:{self.port}",
                    "AMAUTA_LOG_LEVEL": "WARNING", **(extra_env or {})})
        self.log = open(self.data_dir / "node.log", "w")  # noqa: SIM115
        started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve"], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.startup_seconds = self._wait(started)

    def _wait(self, started: float) -> float:
        return _wait_serving(self.port, self.proc, self.data_dir / "node.log", started)

    @property
    def target(self) -> str:
        """host:port of the node."""
        return f"127.0.0.1:{self.port}"

    @property
    def metadata(self) -> tuple[tuple[str, str]]:
        """Admin credentials for calls."""
        token = (self.data_dir / "data" / "admin.token").read_text().strip()
        return (("authorization", f"Bearer {token}"),)

    @property
    def endpoints(self) -> dict[str, str]:
        """Store URLs the node uses."""
        return json.loads((self.data_dir / "data" / "endpoints.json").read_text())

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.terminate()
        self.proc.wait(60)
        self.log.close()


class BareServer:
    """The bare ceiling (`python -m bench.node PORT`) in its own process, laid out like BenchNode."""

    def __init__(self) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="amauta-bench-bare-"))
        self.port = _free_port()
        self.log = open(self.data_dir / "bare.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.node", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        _wait_serving(self.port, self.proc, self.data_dir / "bare.log", time.perf_counter())

    @property
    def target(self) -> str:
        """host:port of the bare server."""
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        """SIGTERM and wait."""
        self.proc.terminate()
        self.proc.wait(60)
        self.log.close()


async def _check_rate(target: str, concurrency: int, total: int) -> float:
    """Health/Check calls per second against target."""
    request = health_pb2.HealthCheckRequest()
    async with aio.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return (await measure("Health/Check", lambda i: stub.Check(request), concurrency=concurrency,
                              total=total)).rate


async def ceilings(node: BenchNode, concurrency: int, total: int) -> dict[str, float]:
    """Both unary ceilings measured now at this concurrency, for rows that run no ceiling of their own:
    the node's no-op Health/Check through its interceptor (NOOP) and the same Check on a bare server."""
    bare = BareServer()
    try:
        return {NOOP: await _check_rate(node.target, concurrency, total),
                BARE: await _check_rate(bare.target, concurrency, total)}
    finally:
        bare.stop()


async def serve_bare(port: int) -> None:
    """Health only, no interceptor, the node's server options that matter for unary calls."""
    server = aio.server(options=[("grpc.so_reuseport", 0)])
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


if __name__ == "__main__":
    asyncio.run(serve_bare(int(sys.argv[1])))
