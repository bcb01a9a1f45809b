"""A node in a child process, as users run it (`python -m server.cli serve`), for crash and fault tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar

import grpc
import psutil
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stores.embedded.process import belongs_to


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServeProcess:
    """One `amauta-node serve` child with its own data directory."""

    #: Every node started by a test, so teardown can kill what a failed test left running.
    started: ClassVar[list[ServeProcess]] = []

    def __init__(self, data_dir: Path, extra_env: dict[str, str] | None = None,
                 args: tuple[str, ...] = (), host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
        env.update({"AMAUTA_DATA_DIR": str(data_dir), "AMAUTA_GRPC_ADDRESS": f"{host}:{self.port}",
                    "AMAUTA_GRACE_SECONDS": "2", **(extra_env or {})})
        self.log = open(data_dir.parent / f"serve-{self.port}.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", *args], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        ServeProcess.started.append(self)

    def wait_serving(self, timeout: float = 60.0) -> float:
        """Seconds until overall health is SERVING."""
        started = time.monotonic()
        with grpc.insecure_channel(f"127.0.0.1:{self.port}") as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            while time.monotonic() - started < timeout:
                assert self.proc.poll() is None, Path(self.log.name).read_text()[-3000:]
                try:
                    if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == \
                            health_pb2.HealthCheckResponse.SERVING:
                        return time.monotonic() - started
                except grpc.RpcError:
                    pass
                time.sleep(0.1)
        raise AssertionError("node did not reach SERVING:\n" + Path(self.log.name).read_text()[-3000:])

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.proc.pid).children(recursive=True)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(60)
        self.log.close()
        return code


def embedded_pids(data_dir: Path) -> set[int]:
    """Pids of every embedded server process of data_dir."""
    return {proc.pid for proc in psutil.process_iter() if belongs_to(proc, str(data_dir))}


def embedded_servers(data_dir: Path) -> set[int]:
    """Pids of the embedded servers themselves, without their children: PostgreSQL's backends (one per
    connection) and a Redis AOF rewrite's fork come and go while a node runs."""
    pids = embedded_pids(data_dir)
    servers = set()
    for pid in pids:
        try:
            if psutil.Process(pid).ppid() not in pids:
                servers.add(pid)
        except psutil.Error:
            continue  # gone meanwhile: a child that ended
    return servers


def health(port: int, service: str = "") -> int:
    """The health status of service on the node at port (UNKNOWN when it does not answer)."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        try:
            return health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=1).status
        except grpc.RpcError:
            return health_pb2.HealthCheckResponse.UNKNOWN


def cleanup(data_dir: Path) -> None:
    """Kill every node a test started and every embedded server left in data_dir."""
    while ServeProcess.started:
        node = ServeProcess.started.pop()
        if node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(30)
    for pid in embedded_pids(data_dir):
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass
