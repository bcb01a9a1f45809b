"""Several nodes on shared stores, as a deployment that outgrew one machine runs them.

One `amauta-node stores` process holds the embedded PostgreSQL and FalkorDB, Redis is a real
3-master, 3-replica cluster; node 1 embeds the analytics; nodes 2 and 3 run with AMAUTA_ANALYTICS=off. A client balances over all three with
round_robin. `make test-cluster` runs it longer (AMAUTA_TEST_CLUSTER_SECONDS).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc import aio
from grpc_health.v1 import health_pb2
from grpc_status import rpc_status

from amauta.v1 import analytics_pb2, analytics_pb2_grpc, simulation_pb2, simulation_pb2_grpc
from tests.cluster import RedisClusterProcesses
from tests.faults.load import MixedLoad, verify
from tests.faults.test_node_crash import _environment
from tests.process import ServeProcess, cleanup, health
from tests.support import Tokens, write_tokens

LOAD_SECONDS = float(os.environ.get("AMAUTA_TEST_CLUSTER_SECONDS", "4"))
FAILOVER_BOUND = 10.0
SINGLETONS = ("learner-summaries", "consistency-checks", "simulation-sync", "simulation-reconciler")


class Stores:
    """`amauta-node stores` in a child process."""

    def __init__(self, data_dir: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
        env["AMAUTA_DATA_DIR"] = str(data_dir)
        self.data_dir = data_dir
        data_dir.mkdir(parents=True)
        self.log = open(data_dir.parent / "stores.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "server.cli", "stores"], env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def urls(self, timeout: float = 60.0) -> dict[str, str]:
        path = self.data_dir / "endpoints.json"
        deadline = time.monotonic() + timeout
        while not path.exists():
            assert self.proc.poll() is None, (self.data_dir.parent / "stores.log").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        return dict(json.loads(path.read_text()))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self.log.close()
        return code


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for name in ("n1", "n2", "n3", "n2-refused", "stores"):
        cleanup(tmp_path / name)


def _leaders(nodes: list[ServeProcess], work: str) -> list[int]:
    return [i for i, n in enumerate(nodes)
            if n.proc.poll() is None and health(n.port, f"amauta.leader.{work}") == 1]


def _await_one_leader(nodes: list[ServeProcess], work: str, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        leaders = _leaders(nodes, work)
        assert len(leaders) <= 1, (work, leaders)
        if leaders:
            return leaders[0], time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"no node took over {work} in {timeout}s")


class Watcher:
    """A watch that resumes on another node, with its last token, when its node goes away."""

    def __init__(self, simulation: str, md: tuple[tuple[str, str], ...]) -> None:
        self.simulation, self.md = simulation, md
        self.versions: list[int] = []
        self.token = ""
        self.resumes = 0

    async def run(self, ports: list[int], stop: asyncio.Event) -> None:
        for port in ports:
            async with aio.insecure_channel(f"127.0.0.1:{port}") as ch:
                call = simulation_pb2_grpc.SimulationServiceStub(ch).WatchSimulation(
                    simulation_pb2.WatchSimulationRequest(simulation_id=self.simulation, resume_token=self.token),
                    metadata=self.md)
                try:
                    async for message in call:
                        if message.token:
                            self.token = message.token
                        if message.HasField("delta"):
                            self.versions.append(message.delta.version)
                        if stop.is_set():
                            return
                except aio.AioRpcError as exc:
                    assert exc.code() in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED), exc
                    self.resumes += 1


async def _updates(target: str, md: tuple[tuple[str, str], ...], simulation: str, acked: list[int],
                   stop: asyncio.Event) -> None:
    async with aio.insecure_channel(target, options=[("grpc.lb_policy_name", "round_robin")]) as ch:
        stub = simulation_pb2_grpc.SimulationServiceStub(ch)
        i = 0
        while not stop.is_set():
            state = struct_pb2.Struct()
            state.update({"tick": i})
            i += 1
            try:
                reply = await stub.UpdateSimulationState(simulation_pb2.UpdateSimulationStateRequest(
                    simulation_id=simulation, state=state), metadata=md, timeout=2)
                acked.append(reply.version)
            except aio.AioRpcError:
                pass
            await asyncio.sleep(0.02)


async def _rate(target: str, md: tuple[tuple[str, str], ...], seconds: float) -> float:
    """Calls per second of the mixed load through target."""
    load = MixedLoad(target, md, options=(("grpc.lb_policy_name", "round_robin"),))
    await load.start(workers=6)
    await asyncio.sleep(seconds)
    history = await load.stop()
    return sum(history.codes.values()) / seconds


async def test_three_nodes_share_the_stores_balance_calls_and_fail_over(
        root: Path, redis_cluster: RedisClusterProcesses) -> None:
    stores = Stores(root / "stores")
    urls = stores.urls()
    tokens: Tokens = write_tokens(root / "tokens.json")
    # PostgreSQL and FalkorDB from the stores process, Redis on the real 3+3 cluster.
    shared = {"AMAUTA_POSTGRES_URL": urls["postgres"], "AMAUTA_REDIS_URL": redis_cluster.url,
              "AMAUTA_GRAPH_URL": urls["graph"], "AMAUTA_TOKENS_FILE": str(root / "tokens.json"),
              "AMAUTA_RATE_LIMIT_RPS": "0", "AMAUTA_HEALTH_INTERVAL_SECONDS": "0.5"}
    try:
        first = ServeProcess(root / "n1", shared)
        await asyncio.to_thread(first.wait_serving, 120)

        # A second embedded analytics engine on the same PostgreSQL would split the analytics.
        refused = ServeProcess(root / "n2-refused", shared)
        code = await asyncio.to_thread(refused.proc.wait, 60)
        refused.log.close()
        said = Path(refused.log.name).read_text()
        assert code != 0 and "AMAUTA_CLICKHOUSE_URL" in said and "AMAUTA_ANALYTICS=off" in said, said[-2000:]

        off = {**shared, "AMAUTA_ANALYTICS": "off"}
        nodes = [first, ServeProcess(root / "n2", off), ServeProcess(root / "n3", off)]
        for n in nodes[1:]:
            await asyncio.to_thread(n.wait_serving, 120)
        md = tokens.md("admin")
        async with aio.insecure_channel(f"127.0.0.1:{nodes[1].port}") as ch:
            with pytest.raises(aio.AioRpcError) as err:
                async for _ in analytics_pb2_grpc.AnalyticsServiceStub(ch).ExportEvents(
                        analytics_pb2.ExportEventsRequest(learner_id="anyone"), metadata=md, timeout=10):
                    pass
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        status = rpc_status.from_call(err.value)
        info = error_details_pb2.ErrorInfo()
        assert status is not None and any(d.Unpack(info) for d in status.details)
        assert info.reason == "ANALYTICS_OFF" and info.metadata["analytics_node"].endswith(f":{first.port}")

        for work in SINGLETONS:
            await asyncio.to_thread(_await_one_leader, nodes, work, FAILOVER_BOUND)

        target = "ipv4:" + ",".join(f"127.0.0.1:{n.port}" for n in nodes)
        one_node = await _rate(f"127.0.0.1:{nodes[1].port}", md, LOAD_SECONDS / 2)
        three_nodes = await _rate(target, md, LOAD_SECONDS / 2)

        victim_index, _ = _await_one_leader(nodes, "learner-summaries", 1)
        victim = nodes[victim_index]
        survivors = [n.port for n in nodes if n is not victim]
        async with aio.insecure_channel(f"127.0.0.1:{survivors[0]}") as ch:
            environment = await _environment(ch, md)
            started = await simulation_pb2_grpc.SimulationServiceStub(ch).StartSimulation(
                simulation_pb2.StartSimulationRequest(environment_id=environment, participants=["p1", "p2"]),
                metadata=md, timeout=10)
        simulation = started.simulation.simulation_id
        stop_updates = asyncio.Event()
        acked_versions: list[int] = []
        watcher = Watcher(simulation, md)
        watching = asyncio.create_task(watcher.run([victim.port, *survivors], stop_updates))
        updating = asyncio.create_task(_updates(target, md, simulation, acked_versions, stop_updates))

        load = MixedLoad(target, md, options=(("grpc.lb_policy_name", "round_robin"),))
        await load.start(workers=6)
        await asyncio.sleep(LOAD_SECONDS / 2)
        before = sum(load.history.codes.values())
        victim.proc.kill()
        victim.proc.wait(30)
        killed_at = time.monotonic()
        took_over = {w: await asyncio.to_thread(_await_one_leader, nodes, w, FAILOVER_BOUND) for w in SINGLETONS}
        await asyncio.sleep(LOAD_SECONDS / 2)
        history = await load.stop()
        stop_updates.set()
        await updating
        last = acked_versions[-1]
        deadline = time.monotonic() + 30
        while (not watcher.versions or watcher.versions[-1] < last) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)  # the resumed watch catches up to the last acknowledged update
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
        assert watcher.resumes >= 1, "the watch never saw its node go"
        since = watcher.versions[0]
        assert watcher.versions == list(range(since, since + len(watcher.versions))), "a gap or a repeat"
        assert set(acked_versions) <= set(watcher.versions) | set(range(since)), "an acknowledged update unseen"
        assert time.monotonic() - killed_at >= 0
        assert set(history.codes) <= {"OK", "UNAVAILABLE", "DEADLINE_EXCEEDED"}, history.codes
        assert history.codes["OK"] > 0 and sum(history.codes.values()) > before
        survivor = next(n for n in nodes if n.proc.poll() is None)
        await verify(f"127.0.0.1:{survivor.port}", md, history)  # nothing acknowledged was lost
        print(f"\ncluster: {sum(history.codes.values())} calls {dict(history.codes)};"
              f" node {victim_index + 1} killed; failover {({w: round(t, 2) for w, (_, t) in took_over.items()})};"
              f" watch resumed {watcher.resumes}x over {len(watcher.versions)} deltas, none lost;"
              f" mixed load {one_node:.0f} calls/s on one node, {three_nodes:.0f} calls/s over three")
        for n in nodes:
            if n.proc.poll() is None:
                assert n.stop() == 0
        assert health(first.port) != health_pb2.HealthCheckResponse.SERVING
    finally:
        assert stores.stop() == 0
