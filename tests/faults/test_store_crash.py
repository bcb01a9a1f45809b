"""SIGKILL each embedded store under load: health follows, calls fail UNAVAILABLE (never INTERNAL),
the node restarts the store, and every acknowledged write is still there."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
from grpc_health.v1 import health_pb2

from tests.faults.load import ALLOWED, MixedLoad, verify
from tests.process import ServeProcess, health

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
ENV = {"AMAUTA_HEALTH_INTERVAL_SECONDS": "0.3", "AMAUTA_RATE_LIMIT_RPS": "0"}


def store_pid(data_dir: Path, store: str) -> int:
    """Pid of one embedded server of data_dir."""
    if store == "postgres":
        return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    folder = str(data_dir / ("redis" if store == "redis" else "falkordb"))
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] == "redis-server" and proc.cwd() == folder:
                return proc.pid
        except psutil.Error:
            continue
    raise LookupError(store)


async def wait_health(port: int, service: str, want: int, timeout: float = 30.0) -> float:
    """Seconds until service reports want."""
    started = time.monotonic()
    while await asyncio.to_thread(health, port, service) != want:
        assert time.monotonic() - started < timeout, f"{service} never became {want}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@pytest.mark.parametrize("store", ["redis", "postgres", "graph"])
async def test_store_killed_under_load(data_dir: Path, store: str) -> None:
    node = ServeProcess(data_dir, ENV)
    await asyncio.to_thread(node.wait_serving)
    md = (("authorization", f"Bearer {(data_dir / 'admin.token').read_text().strip()}"),)
    target = f"127.0.0.1:{node.port}"
    load = MixedLoad(target, md)
    await load.start()
    await asyncio.sleep(1.0)
    os.kill(store_pid(data_dir, store), signal.SIGKILL)
    service = f"amauta.store.{store}"
    await wait_health(node.port, service, NOT_SERVING)
    recovered = await wait_health(node.port, service, SERVING)
    await asyncio.sleep(1.0)
    history = await load.stop()
    assert set(history.codes) <= {c.name for c in ALLOWED}, history.codes
    assert history.codes["OK"] > 20 and history.profiles, history.codes
    await verify(target, md, history)
    assert node.proc.poll() is None
    print(f"{store}: recovered {recovered:.2f}s after NOT_SERVING; codes {dict(history.codes)}")
    assert node.stop() == 0
