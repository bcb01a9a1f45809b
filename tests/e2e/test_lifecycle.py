"""The node's life on real data: restart at size through LOADING, bounded stops under load, one owner.

`make test` runs a CI-sized form; `make test-scale` sets AMAUTA_TEST_SCALE=full (100k content items
with their graph mirror, 1M learning events, 10k learners) and AMAUTA_TEST_STOP_CYCLES=20.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import falkordb
import grpc
import psutil
import pytest
import redis
from grpc import aio
from grpc_health.v1 import health_pb2

from amauta.v1 import catalog_pb2, catalog_pb2_grpc, graph_pb2, graph_pb2_grpc, simulation_pb2, simulation_pb2_grpc
from tests.e2e import support
from tests.faults.load import MixedLoad
from tests.process import ServeProcess, cleanup, embedded_pids, embedded_servers, health

FULL = os.environ.get("AMAUTA_TEST_SCALE") == "full"
CONTENT = 100_000 if FULL else 3_000
LEARNERS = 10_000 if FULL else 200
EVENTS = 1_000_000 if FULL else 20_000
#: Extra rows written straight into Redis and FalkorDB so that each takes seconds to load, as a
#: store with years of history does; the test fails if a load was shorter than MIN_LOAD_SECONDS.
REDIS_BALLAST = 4_000_000 if FULL else 3_000_000
GRAPH_BALLAST = 1_500_000 if FULL else 1_000_000
MIN_LOAD_SECONDS = 2.0
STOP_CYCLES = int(os.environ.get("AMAUTA_TEST_STOP_CYCLES", "5"))
GRACE = 3.0
ENV = {"AMAUTA_GRACE_SECONDS": str(GRACE), "AMAUTA_RATE_LIMIT_RPS": "0"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    cleanup(path)


def _load_seconds(data_dir: Path, store: str) -> float:
    """How long the store's last start spent loading its data set, from its own log."""
    lines = re.findall(r"DB loaded from append only file: ([0-9.]+) seconds",
                       (data_dir / store / "redis.log").read_text())
    assert lines, f"{store} logged no AOF load"
    return float(lines[-1])


def _ballast(data_dir: Path) -> None:
    urls = support.endpoints(data_dir)
    with redis.Redis.from_url(urls["redis"], socket_timeout=300) as r:
        fill = ("for i = tonumber(ARGV[1]), tonumber(ARGV[2]) do"
                " redis.call('HSET', 'ballast:' .. i, 'a', i, 'b', 'history of a busy node') end")
        for start in range(0, REDIS_BALLAST, 100_000):
            r.eval(fill, 0, start, min(REDIS_BALLAST, start + 100_000) - 1)
    graph_url = urls["graph"].replace("falkordb://", "redis://")
    db = falkordb.FalkorDB.from_url(graph_url, socket_timeout=300)
    g = db.select_graph("amauta")
    g.query("CREATE INDEX FOR (b:Ballast) ON (b.k)")
    g.query("CREATE INDEX FOR (b:Ballast) ON (b.s)")
    for start in range(0, GRAPH_BALLAST, 100_000):
        g.query(f"UNWIND range({start}, {min(GRAPH_BALLAST, start + 100_000) - 1}) AS k"
                " CREATE (:Ballast {k: k, s: 'history ' + toString(k)})")
    db.connection.close()


def _graph_contents(data_dir: Path) -> int:
    db = falkordb.FalkorDB.from_url(support.endpoints(data_dir)["graph"].replace("falkordb://", "redis://"),
                                    socket_timeout=300)
    try:
        return int(db.select_graph("amauta").query("MATCH (c:Content) RETURN count(c)").result_set[0][0])
    finally:
        db.connection.close()


async def _verify(node: ServeProcess, dataset: str, learners: list[str]) -> None:
    md = support.admin_md(node.data_dir)
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        assert await support.content_count(ch, md, dataset) == CONTENT
        for learner in learners[:: max(1, len(learners) // 20)]:
            assert await support.progress(ch, md, learner) == pytest.approx(42.5)
            assert await support.exported(ch, md, learner) == EVENTS // len(learners)
    assert _graph_contents(node.data_dir) == CONTENT


async def test_restart_at_size_after_sigterm_and_sigkill(data_dir: Path) -> None:
    node = ServeProcess(data_dir, ENV)
    cold = await asyncio.to_thread(node.wait_serving, 120)
    md = support.admin_md(data_dir)
    learners = [f"learner-{i}" for i in range(LEARNERS)]
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        dataset = await support.create_dataset(ch, md)
        imported = await support.import_content(ch, md, dataset, CONTENT)
        assert imported.imported_count == CONTENT, imported
        await support.create_learners(ch, md, learners)
        await support.record_events(ch, md, learners, EVENTS)
    deadline = time.monotonic() + 600
    while _graph_contents(data_dir) < CONTENT:  # the relay mirrors the catalog into the graph
        assert time.monotonic() < deadline, "the graph mirror did not catch up"
        await asyncio.sleep(0.5)
    await asyncio.to_thread(_ballast, data_dir)

    stopping = time.monotonic()
    assert node.stop(signal.SIGTERM) == 0
    stop_seconds = time.monotonic() - stopping
    node = ServeProcess(data_dir, ENV)
    warm = await asyncio.to_thread(node.wait_serving, 300)
    loads = {store: _load_seconds(data_dir, store) for store in ("redis", "falkordb")}
    assert min(loads.values()) >= MIN_LOAD_SECONDS, f"the stores loaded too fast to meet LOADING: {loads}"
    waits = re.findall(r'"msg": "store ready", "store": "(\w+)"', Path(node.log.name).read_text())
    assert {"redis", "graph"} <= set(waits), "the node did not wait for the loading stores"
    await _verify(node, dataset, learners)
    reload_seconds = await _graph_reload_keeps_the_rest_serving(node)

    support.kill_everything(node)
    node = ServeProcess(data_dir, ENV)
    crashed = await asyncio.to_thread(node.wait_serving, 300)
    crash_loads = {store: _load_seconds(data_dir, store) for store in ("redis", "falkordb")}
    await _verify(node, dataset, learners)
    assert node.stop(signal.SIGTERM) == 0
    assert embedded_pids(data_dir) == set()
    print(f"\nrestart at size (content {CONTENT}, events {EVENTS}, learners {LEARNERS}):"
          f" cold start {cold:.1f}s; stop {stop_seconds:.1f}s; warm restart to SERVING {warm:.1f}s"
          f" (loads {loads}); after SIGKILL of everything {crashed:.1f}s (loads {crash_loads});"
          f" graph killed at run time: UNAVAILABLE for {reload_seconds:.1f}s, the catalog served throughout")


async def _graph_reload_keeps_the_rest_serving(node: ServeProcess) -> float:
    """SIGKILL the graph server of a running node: while it restarts and reloads, graph calls answer
    UNAVAILABLE and catalog calls keep answering; then graph calls succeed again. Returns the
    seconds graph calls were unavailable."""
    falkordb_pid = next(pid for pid in embedded_pids(node.data_dir)
                        if psutil.Process(pid).cwd() == str(node.data_dir / "falkordb"))
    md = support.admin_md(node.data_dir)
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        graph = graph_pb2_grpc.GraphServiceStub(ch)
        catalog = catalog_pb2_grpc.CatalogServiceStub(ch)
        psutil.Process(falkordb_pid).kill()
        first_failure = recovered = None
        started = time.monotonic()
        while recovered is None:
            assert time.monotonic() - started < 120, "the graph never came back"
            await catalog.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=md, timeout=10)
            try:
                await graph.ListContentNodes(graph_pb2.ListContentNodesRequest(page_size=1), metadata=md,
                                             timeout=10)
                if first_failure is not None:
                    recovered = time.monotonic()
            except aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.UNAVAILABLE, exc
                first_failure = first_failure or time.monotonic()
            await asyncio.sleep(0.1)
    assert node.proc.poll() is None
    assert first_failure is not None
    return recovered - first_failure


async def _watch(target: str, md: tuple[tuple[str, str]], simulation: str, stop: asyncio.Event) -> None:
    async with aio.insecure_channel(target) as ch:
        call = simulation_pb2_grpc.SimulationServiceStub(ch).WatchSimulation(
            simulation_pb2.WatchSimulationRequest(simulation_id=simulation), metadata=md)
        try:
            async for _ in call:
                if stop.is_set():
                    return
        except aio.AioRpcError as exc:
            assert exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED), exc


async def _updates(target: str, md: tuple[tuple[str, str]], simulation: str, stop: asyncio.Event) -> None:
    from google.protobuf import struct_pb2

    async with aio.insecure_channel(target) as ch:
        stub = simulation_pb2_grpc.SimulationServiceStub(ch)
        i = 0
        while not stop.is_set():
            state = struct_pb2.Struct()
            state.update({"tick": i})
            try:
                await stub.UpdateSimulationState(simulation_pb2.UpdateSimulationStateRequest(
                    simulation_id=simulation, state=state), metadata=md, timeout=2)
            except aio.AioRpcError:
                await asyncio.sleep(0.05)
            i += 1


async def _one_cycle(data_dir: Path) -> float:
    """Start, load the node from every side, SIGTERM it under that load; returns the stop's seconds."""
    from tests.faults.test_node_crash import _environment, _sessions

    node = ServeProcess(data_dir, ENV)
    await asyncio.to_thread(node.wait_serving, 120)
    md, target = support.admin_md(data_dir), f"127.0.0.1:{node.port}"
    stop = asyncio.Event()
    async with aio.insecure_channel(target) as ch:
        environment = await _environment(ch, md)
        sim = await simulation_pb2_grpc.SimulationServiceStub(ch).StartSimulation(
            simulation_pb2.StartSimulationRequest(environment_id=environment, participants=["a", "b"]),
            metadata=md, timeout=10)
    simulation = sim.simulation.simulation_id
    mixed = MixedLoad(target, md)
    await mixed.start()
    acked: list[str] = []
    codes: dict[str, int] = {}
    workers = [asyncio.create_task(_sessions(target, md, environment, acked, codes, stop)),
               asyncio.create_task(_updates(target, md, simulation, stop)),
               *(asyncio.create_task(_watch(target, md, simulation, stop)) for _ in range(5))]
    async with aio.insecure_channel(target) as ch:
        await support.record_events(ch, md, [f"cycle-{uuid.uuid4().hex[:4]}"], 5_000)
    await asyncio.sleep(1.0)
    children = {p.pid for p in node.children()}
    started = time.monotonic()
    node.proc.send_signal(signal.SIGTERM)
    code = await asyncio.to_thread(node.proc.wait, GRACE + 10)
    seconds = time.monotonic() - started
    stop.set()
    await mixed.stop()
    await asyncio.gather(*workers, return_exceptions=True)
    node.log.close()
    assert code == 0, Path(node.log.name).read_text()[-3000:]
    assert not [pid for pid in children if psutil.pid_exists(pid)
                and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE], "a child outlived the node"
    assert _gone(embedded_pids, data_dir) == set(), _describe(embedded_pids(data_dir))
    assert acked and codes.get("OK", 0) > 0
    return seconds


def _gone(pids: Callable[[Path], set[int]], data_dir: Path, seconds: float = 5.0) -> set[int]:
    """The embedded servers still there after up to seconds (a stopped postmaster's last
    children may take a moment to exit)."""
    deadline = time.monotonic() + seconds
    while (left := pids(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def _describe(pids: set[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            out.append(f"{pid} {proc.status()} ppid={proc.ppid()} {' '.join(proc.cmdline())[:200]}")
        except psutil.Error as exc:
            out.append(f"{pid} {exc}")
    return out


async def test_stop_under_mixed_load_always_ends(data_dir: Path) -> None:
    stops = [await _one_cycle(data_dir) for _ in range(STOP_CYCLES)]
    assert max(stops) <= GRACE + 10, stops
    print(f"\n{STOP_CYCLES} stops under load: longest {max(stops):.2f}s, all {[round(s, 2) for s in stops]}")


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
    env["AMAUTA_DATA_DIR"] = str(data_dir)
    env["AMAUTA_GRPC_ADDRESS"] = "127.0.0.1:0"
    return subprocess.run([sys.executable, "-m", "server.cli", *args], env=env, capture_output=True,
                          text=True, timeout=60)


async def test_second_serve_and_migrate_leave_a_live_node_alone(data_dir: Path) -> None:
    node = ServeProcess(data_dir, ENV)
    await asyncio.to_thread(node.wait_serving, 120)
    md = support.admin_md(data_dir)
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        dataset = await support.create_dataset(ch, md)
        await support.import_content(ch, md, dataset, 50)
    servers = embedded_servers(data_dir)
    watching = True
    seen: set[int] = set()

    async def watch_health() -> None:
        while watching:
            seen.add(await asyncio.to_thread(health, node.port))
            await asyncio.sleep(0.05)

    watcher = asyncio.create_task(watch_health())
    for command in ("serve", "migrate"):
        started = time.monotonic()
        done = await asyncio.to_thread(_cli, data_dir, command)
        assert done.returncode != 0, (command, done.stdout, done.stderr)
        assert f"in use by pid {node.proc.pid}" in done.stderr, (command, done.stderr)
        assert time.monotonic() - started < 30
    await asyncio.sleep(1.0)
    watching = False
    await watcher
    assert seen == {health_pb2.HealthCheckResponse.SERVING}, seen
    assert embedded_servers(data_dir) == servers, "a second command touched the live node's servers"
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        assert await support.content_count(ch, md, dataset) == 50
    assert node.stop() == 0
