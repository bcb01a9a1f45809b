"""A node in its own process for benchmarks: the load generator and raw drivers stay in this one."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


class BenchNode:
    """`amauta-node serve` on a fresh data directory; endpoints.json gives the raw store URLs."""

    def __init__(self, extra_env: dict[str, str] | None = None) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="amauta-bench-"))
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
        env.update({"AMAUTA_DATA_DIR": str(self.data_dir / "data"),
                    "AMAUTA_GRPC_ADDRESS": f"127.0.0.1:{self.port}",
                    "AMAUTA_LOG_LEVEL": "WARNING", **(extra_env or {})})
        self.log = open(self.data_dir / "node.log", "w")  # noqa: SIM115
        started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve"], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.startup_seconds = self._wait(started)

    def _wait(self, started: float, timeout: float = 120) -> float:
        with grpc.insecure_channel(f"127.0.0.1:{self.port}") as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            while time.perf_counter() - started < timeout:
                if self.proc.poll() is not None:
                    raise RuntimeError((self.data_dir / "node.log").read_text()[-3000:])
                try:
                    if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == 1:
                        return time.perf_counter() - started
                except grpc.RpcError:
                    pass
                time.sleep(0.05)
        raise TimeoutError("bench node did not start")

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
