"""Redis Cluster: URL parsing, and a master SIGKILLed under a mixed load through a node on a real
3-master, 3-replica cluster. Its replica promotes itself; no acknowledged update, job or report is lost
and the node carries on without a restart.

`make test` runs one kill; `make test-cluster` (AMAUTA_TEST_CLUSTER=full) kills each master in turn
under a heavier load. The figures are printed (run with -s to see them)."""

from __future__ import annotations

import asyncio
import collections
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from grpc import aio
from redis.crc import key_slot

from amauta.v1 import (
    catalog_pb2,
    catalog_pb2_grpc,
    common_pb2,
    learner_pb2,
    learner_pb2_grpc,
    simulation_pb2_grpc,
)
from amauta.v1 import simulation_pb2 as spb
from server.app import Node
from stores import metrics
from stores.base import StoreStatus
from stores.redis import RedisSettings, parse_cluster_url, split_options
from stores.redis.generation_queue import QueueKeys
from tests.cluster import RedisClusterProcesses
from tests.server.learner.helpers import insert_content, insert_environment
from tests.server.simulation.support import struct
from tests.support import Tokens

FULL = os.environ.get("AMAUTA_TEST_CLUSTER") == "full"
#: Seconds of load before a kill and after the cluster is healthy again.
SETTLE = 4.0 if FULL else 1.5
LANES = {"sim": 16, "enqueue": 6, "claim": 3, "progress": 6} if FULL else {"sim": 6, "enqueue": 3, "claim": 2,
                                                                            "progress": 3}


def test_cluster_urls_name_seed_nodes_credentials_and_tls() -> None:
    a = parse_cluster_url("redis+cluster://:p%40ss@10.0.0.1:7000,10.0.0.2:7001")
    assert (a.nodes, a.username, a.password, a.tls) == ([("10.0.0.1", 7000), ("10.0.0.2", 7001)], None, "p@ss", False)
    b = parse_cluster_url("rediss+cluster://user:pw@redis.example:6380/0")
    assert (b.nodes, b.username, b.password, b.tls) == ([("redis.example", 6380)], "user", "pw", True)
    assert parse_cluster_url("redis+cluster://h:1").password is None
    for bad in ("redis://h:1", "redis+cluster://h", "redis+cluster://:pw@h:x"):
        with pytest.raises(ValueError):
            parse_cluster_url(bad)
    assert RedisSettings("redis+cluster://h:1").replicas_to_wait == 1
    assert RedisSettings("redis://h:1").replicas_to_wait == 0
    assert RedisSettings("redis://h:1", wait_replicas=1).replicas_to_wait == 1
    tuned = RedisSettings("redis://:pw@h:1/0?wait_replicas=2&wait_timeout_ms=50&socket_keepalive=true")
    assert (tuned.replicas_to_wait, tuned.wait_ms) == (2, 50)
    assert split_options(tuned.url)[0] == "redis://:pw@h:1/0?socket_keepalive=true"
    assert RedisSettings("redis+cluster://h:1?wait_replicas=0").replicas_to_wait == 0
    with pytest.raises(ValueError):
        split_options("redis://h:1?wait_replicas=all")


@dataclass
class Call:
    lane: str
    started: float
    ended: float
    code: str


@dataclass
class Ledger:
    """What the load was told succeeded (acknowledged), and every call's outcome."""

    calls: list[Call] = field(default_factory=list)
    sim_versions: dict[str, int] = field(default_factory=dict)
    jobs: set[str] = field(default_factory=set)
    claims: dict[str, str] = field(default_factory=dict)
    completed: set[str] = field(default_factory=set)
    reports: collections.Counter[str] = field(default_factory=collections.Counter)

    async def call(self, lane: str, rpc: Callable[[], Awaitable[Any]]) -> Any:
        started = time.monotonic()
        try:
            reply = await rpc()
        except aio.AioRpcError as err:
            self.calls.append(Call(lane, started, time.monotonic(), err.code().name))
            return None
        self.calls.append(Call(lane, started, time.monotonic(), "OK"))
        return reply


@dataclass
class Stubs:
    sim: simulation_pb2_grpc.SimulationServiceStub
    cat: catalog_pb2_grpc.CatalogServiceStub
    learner: learner_pb2_grpc.LearnerServiceStub
    md: tuple[tuple[str, str], ...]
    svc: tuple[tuple[str, str], ...]


@pytest.fixture(scope="module")
async def stubs(cluster_node: Node, tokens: Tokens) -> AsyncIterator[Stubs]:
    async with aio.insecure_channel(f"127.0.0.1:{cluster_node.port}") as ch:
        yield Stubs(simulation_pb2_grpc.SimulationServiceStub(ch), catalog_pb2_grpc.CatalogServiceStub(ch),
                    learner_pb2_grpc.LearnerServiceStub(ch), tokens.md("admin"), tokens.md("service"))


async def _sim_lane(s: Stubs, ledger: Ledger, sim_id: str, stop: asyncio.Event) -> None:
    version, n = 1, 0
    while not stop.is_set():
        n += 1
        req = spb.UpdateSimulationStateRequest(simulation_id=sim_id, state=struct({"n": n}), expected_version=version)
        reply = await ledger.call("sim", partial(s.sim.UpdateSimulationState, req, metadata=s.md, timeout=60))
        if reply is not None:
            version = int(reply.version)
            ledger.sim_versions[sim_id] = version
            continue
        # Unacknowledged: it may or may not have been applied; learn the version again.
        got = await ledger.call("sim", lambda: s.sim.GetSimulation(spb.GetSimulationRequest(simulation_id=sim_id),
                                                                    metadata=s.md, timeout=60))
        if got is not None:
            version = int(got.simulation.version)
        await asyncio.sleep(0.05)


async def _enqueue_lane(s: Stubs, ledger: Ledger, lane: int, stop: asyncio.Event) -> None:
    k = 0
    while not stop.is_set():
        k += 1
        rid = f"fo-{uuid.uuid4().hex[:8]}-{lane}-{k}"
        req = catalog_pb2.EnqueueGenerationRequest(request_id=rid, type=common_pb2.GENERATION_JOB_TYPE_NEW_CONTENT,
                                                   priority=common_pb2.GENERATION_PRIORITY_NORMAL)
        if await ledger.call("enqueue", partial(s.cat.EnqueueGeneration, req, metadata=s.md, timeout=60)) is not None:
            ledger.jobs.add(rid)
        # Paced below what the claimers complete, so the identity stays under its pending-jobs cap.
        await asyncio.sleep(0.1)


async def _claim_lane(s: Stubs, ledger: Ledger, lane: int, content_id: str, stop: asyncio.Event) -> None:
    worker = f"fo-worker-{lane}"
    req = catalog_pb2.ClaimGenerationJobRequest(worker_id=worker, wait_timeout_ms=200, lease_ms=600_000)
    while not stop.is_set():
        reply = await ledger.call("claim", lambda: s.cat.ClaimGenerationJob(req, metadata=s.svc, timeout=60))
        if reply is None:
            await asyncio.sleep(0.05)
            continue
        if not reply.HasField("job"):
            continue
        rid = reply.job.request_id
        ledger.claims[rid] = worker
        done = catalog_pb2.CompleteGenerationJobRequest(request_id=rid, worker_id=worker, success=True,
                                                        created_content_id=content_id)
        if await ledger.call("claim", partial(s.cat.CompleteGenerationJob, done, metadata=s.svc, timeout=60)):
            ledger.completed.add(rid)


async def _progress_lane(s: Stubs, ledger: Ledger, learner: str, stop: asyncio.Event) -> None:
    while not stop.is_set():
        req = learner_pb2.ReportProgressRequest(learner_id=learner, progress_percentage=50)
        if await ledger.call("progress", partial(s.learner.ReportProgress, req, metadata=s.md, timeout=60)) is not None:
            ledger.reports[learner] += 1
        else:
            await asyncio.sleep(0.05)


def _counter(name: str) -> float:
    return metrics.REGISTRY.get_sample_value(name) or 0.0


def _master_of(cluster: RedisClusterProcesses, key: str) -> dict[str, str]:
    slot = key_slot(key.encode())
    for node in cluster.topology():
        if node["role"] != "master" or "fail" in node["flags"]:
            continue
        for span in node["slots"].split():
            low, _, high = span.partition("-")
            if int(low) <= slot <= int(high or low):
                return node
    raise AssertionError(f"no master serves slot {slot}")


async def test_a_killed_master_loses_no_acknowledged_write_and_the_node_recovers(
        stubs: Stubs, cluster_node: Node, redis_cluster: RedisClusterProcesses) -> None:
    assert cluster_node.runtime is not None
    redis = cluster_node.runtime.stores.redis
    qk = QueueKeys.for_store(redis)
    env_id = await insert_environment(cluster_node.runtime.stores.postgres)
    content_id = await insert_content(cluster_node.runtime.stores.postgres)
    sims = []
    for i in range(LANES["sim"]):
        started = await stubs.sim.StartSimulation(spb.StartSimulationRequest(
            simulation_id=f"fo-{uuid.uuid4().hex[:10]}", environment_id=env_id, participants=[f"fo-l{i}"],
            initial_state=struct({"n": 0})), metadata=stubs.md)
        sims.append(started.simulation.simulation_id)
    learners = [f"fo-p-{uuid.uuid4().hex[:8]}-{i}" for i in range(LANES["progress"])]
    ledger, stop = Ledger(), asyncio.Event()
    retries0 = _counter("amauta_redis_failover_retries_total")
    unreplicated0 = _counter("amauta_redis_unreplicated_writes_total")
    tasks = [*(asyncio.create_task(_sim_lane(stubs, ledger, sid, stop)) for sid in sims),
             *(asyncio.create_task(_enqueue_lane(stubs, ledger, i, stop)) for i in range(LANES["enqueue"])),
             *(asyncio.create_task(_claim_lane(stubs, ledger, i, content_id, stop)) for i in range(LANES["claim"])),
             *(asyncio.create_task(_progress_lane(stubs, ledger, learner, stop)) for learner in learners)]
    # The queue's master first (every queue call goes there), then, in the long form, the others.
    victims_keys = [qk.queue("normal")] + ([sims[0], learners[0]] if FULL else [])
    kills: list[dict[str, float]] = []
    try:
        await asyncio.sleep(SETTLE)
        for key in victims_keys:
            kills.append(await _kill_master(redis_cluster, key))
            await asyncio.sleep(SETTLE)
    finally:
        stop.set()
        await asyncio.gather(*tasks)

    # Nothing acknowledged is missing.
    lost_updates = []
    for sid in sims:
        got = await stubs.sim.GetSimulation(spb.GetSimulationRequest(simulation_id=sid), metadata=stubs.md)
        if got.simulation.version < ledger.sim_versions.get(sid, 1):
            lost_updates.append(sid)
    drained: set[str] = set()
    while True:
        reply = await stubs.cat.ClaimGenerationJob(catalog_pb2.ClaimGenerationJobRequest(
            worker_id="fo-drain", wait_timeout_ms=0, lease_ms=600_000), metadata=stubs.svc)
        if not reply.HasField("job"):
            break
        drained.add(reply.job.request_id)
    lost_jobs, lost_claims = [], []
    for rid in ledger.jobs:
        job = await redis.client.hgetall(qk.job(rid))
        # Claimed (acknowledged or drained), or held by a lease whose claim reply was lost (the reaper
        # re-queues it when the lease ends): anything else is a lost job.
        if rid not in ledger.claims and rid not in drained and job.get("state") != "in_progress":
            lost_jobs.append(rid)
    for rid, worker in ledger.claims.items():
        job = await redis.client.hgetall(qk.job(rid))
        # An acknowledged completion must have stuck; an acknowledged claim is still leased to its
        # worker unless its completion was applied and only the reply was lost.
        if rid in ledger.completed:
            if job.get("state") != "succeeded":
                lost_claims.append(rid)
        elif job.get("state") != "succeeded" and (job.get("state"), job.get("workerId")) != ("in_progress", worker):
            lost_claims.append(rid)
    lost_reports = []
    for learner in learners:
        got = await stubs.learner.GetProgress(learner_pb2.GetProgressRequest(learner_id=learner), metadata=stubs.md)
        if got.progress.today_activities < ledger.reports[learner]:  # a retried report may count twice
            lost_reports.append(learner)

    figures = _figures(ledger, kills)
    figures.update(failover_retries=_counter("amauta_redis_failover_retries_total") - retries0,
                   unreplicated_writes=_counter("amauta_redis_unreplicated_writes_total") - unreplicated0,
                   acknowledged={"updates": sum(ledger.sim_versions.values()) - len(ledger.sim_versions),
                                 "jobs": len(ledger.jobs), "claims": len(ledger.claims),
                                 "completions": len(ledger.completed), "reports": sum(ledger.reports.values())},
                   lost={"updates": len(lost_updates), "jobs": len(lost_jobs), "claims": len(lost_claims),
                         "reports": len(lost_reports)})
    print("\nredis cluster failover:", json.dumps(figures, indent=1))
    assert (lost_updates, lost_jobs, lost_claims, lost_reports) == ([], [], [], [])
    # The node serves without a restart: every lane answers at once.
    after = Ledger()
    for sid in sims[:2]:
        assert await after.call("sim", partial(stubs.sim.GetSimulation,
            spb.GetSimulationRequest(simulation_id=sid), metadata=stubs.md, timeout=10)) is not None, after.calls
    assert await after.call("enqueue", lambda: stubs.cat.EnqueueGeneration(catalog_pb2.EnqueueGenerationRequest(
        request_id=f"fo-after-{uuid.uuid4().hex[:8]}", type=common_pb2.GENERATION_JOB_TYPE_NEW_CONTENT,
        priority=common_pb2.GENERATION_PRIORITY_LOW), metadata=stubs.md, timeout=10)) is not None, after.calls

    assert ledger.jobs and ledger.completed and ledger.reports and ledger.sim_versions
    assert await redis.status() is StoreStatus.SERVING  # the health probe sees the healed cluster
    # Every kill was ridden out: each lane succeeded again after it.
    for kill in kills:
        for lane in LANES:
            assert any(c.code == "OK" and c.started > kill["promoted_at"] for c in ledger.calls if c.lane == lane), lane


async def _kill_master(cluster: RedisClusterProcesses, key: str) -> dict[str, float]:
    """SIGKILL the master serving key, wait for its replica's promotion, restart the dead server (it
    rejoins as a replica) and wait for a healthy cluster; returns the times."""
    victim = _master_of(cluster, key)
    process = cluster.node_by_port(int(victim["port"]))
    killed_at = time.monotonic()
    cluster.kill(process)
    loop = asyncio.get_running_loop()
    while True:
        topology = await loop.run_in_executor(None, cluster.topology)
        promoted = [n for n in topology if n["role"] == "master" and "fail" not in n["flags"] and n["slots"]
                    and n["id"] != victim["id"]]
        if len(promoted) == cluster.masters:
            break
        assert time.monotonic() - killed_at < 60, "no replica was promoted"
        await asyncio.sleep(0.05)
    promoted_at = time.monotonic()
    await loop.run_in_executor(None, cluster.launch, process)
    await loop.run_in_executor(None, cluster.wait_healthy, 60.0)
    return {"killed_at": killed_at, "promoted_at": promoted_at, "healthy_at": time.monotonic()}


def _figures(ledger: Ledger, kills: list[dict[str, float]]) -> dict[str, Any]:
    codes = collections.Counter(c.code for c in ledger.calls)
    out: dict[str, Any] = {"calls": len(ledger.calls), "by_code": dict(codes), "kills": []}
    for kill in kills:
        window = [c for c in ledger.calls if c.ended >= kill["killed_at"] and c.started <= kill["healthy_at"]]
        first_ok = {lane: min((c.ended for c in ledger.calls if c.lane == lane and c.code == "OK"
                               and c.started >= kill["killed_at"]), default=float("nan")) - kill["killed_at"]
                    for lane in LANES}
        out["kills"].append({
            "failover_seconds": round(kill["promoted_at"] - kill["killed_at"], 2),
            "healthy_again_seconds": round(kill["healthy_at"] - kill["killed_at"], 2),
            "calls_during": len(window), "failed_during": sum(c.code != "OK" for c in window),
            "longest_call_seconds": round(max((c.ended - c.started for c in window), default=0.0), 2),
            "first_ok_after_kill_seconds": {k: round(v, 2) for k, v in first_ok.items()}})
    return out
