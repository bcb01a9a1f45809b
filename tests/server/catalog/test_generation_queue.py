"""Generation queue: seed keys, idempotent enqueue, priorities, long-poll, leases, reaper, retries, cap."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator

import grpc
import pytest
from grpc import aio

from amauta.v1 import catalog_pb2, catalog_pb2_grpc, common_pb2
from server.app import Node
from stores.redis import RedisStore
from stores.redis.generation_queue import QueueKeys
from tests.server.catalog.support import Catalog, fails, struct
from tests.support import REDIS_BACKENDS, Tokens, redis_node

OK = grpc.StatusCode
C = common_pb2


@pytest.fixture(scope="session", params=REDIS_BACKENDS)
def node(request: pytest.FixtureRequest, node: Node) -> Node:
    """These tests run on one Redis (the seed's key names) and on a Redis Cluster (hash-tagged names)."""
    return redis_node(request, node)


@pytest.fixture(scope="session")
async def cat(node: Node, tokens: Tokens) -> AsyncIterator[Catalog]:
    """Catalog helpers on this module's node."""
    async with aio.insecure_channel(f"127.0.0.1:{node.port}") as ch:
        yield Catalog(catalog_pb2_grpc.CatalogServiceStub(ch), tokens)


@pytest.fixture(scope="session")
def redis(node: Node) -> RedisStore:
    """This module's node's Redis store."""
    assert node.runtime is not None
    return node.runtime.stores.redis


@pytest.fixture(scope="session")
def qk(redis: RedisStore) -> QueueKeys:
    """The queue's key names on this module's Redis."""
    return QueueKeys.for_store(redis)


def test_the_seed_names_are_kept_on_one_redis_and_tagged_on_a_cluster(qk: QueueKeys, redis: RedisStore) -> None:
    if redis.cluster:
        assert qk.queue("high") == "{generation}:queue:high" and qk.processing("w") == "{generation}:processing:w"
    else:
        assert (qk.queue("high"), qk.leases, qk.job("j")) == ("generation:queue:high", "generation:leases",
                                                              "generation:job:j")


@pytest.fixture(autouse=True)
async def empty_queue(redis: RedisStore, qk: QueueKeys) -> AsyncIterator[None]:
    """Each test starts with no generation keys (only these tests use them)."""
    keys = [k async for k in redis.client.scan_iter(match=qk.prefix + "*")]
    if keys:
        await redis.client.delete(*keys)
    yield


async def _enqueue(cat: Catalog, priority: int = C.GENERATION_PRIORITY_NORMAL, who: str = "admin",
                   request_id: str = "", **params: object) -> catalog_pb2.GenerationJob:
    req = catalog_pb2.EnqueueGenerationRequest(request_id=request_id or "job-" + uuid.uuid4().hex,
                                               type=C.GENERATION_JOB_TYPE_NEW_CONTENT, priority=priority,
                                               parameters=struct(**params) if params else None)
    return (await cat.stub.EnqueueGeneration(req, metadata=cat.md(who))).job


async def _claim(cat: Catalog, worker: str, wait_ms: int = 0, lease_ms: int = 0) -> catalog_pb2.GenerationJob | None:
    reply = await cat.stub.ClaimGenerationJob(catalog_pb2.ClaimGenerationJobRequest(
        worker_id=worker, wait_timeout_ms=wait_ms, lease_ms=lease_ms), metadata=cat.md("service"))
    return reply.job if reply.HasField("job") else None


async def _complete(cat: Catalog, job: str, worker: str, content_id: str = "", success: bool = True,
                    error: str = "") -> catalog_pb2.GenerationJob:
    reply = await cat.stub.CompleteGenerationJob(catalog_pb2.CompleteGenerationJobRequest(
        request_id=job, worker_id=worker, success=success, created_content_id=content_id, error_message=error),
        metadata=cat.md("service"))
    return reply.job


async def _stats(cat: Catalog) -> catalog_pb2.GetQueueStatsResponse:
    return await cat.stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=cat.md("observer"))


async def test_enqueue_uses_the_seed_keys_and_is_idempotent(cat: Catalog, redis: RedisStore, qk: QueueKeys) -> None:
    job = await _enqueue(cat, C.GENERATION_PRIORITY_HIGH, who="node_a", request_id="req-001", source="c-1")
    assert job.state == C.GENERATION_JOB_STATE_QUEUED and job.requested_by == "node-a" and job.attempts == 0
    assert job.parameters["source"] == "c-1" and job.HasField("enqueued_at")
    again = await _enqueue(cat, C.GENERATION_PRIORITY_HIGH, who="node_a", request_id="req-001", source="c-1")
    assert again == job
    reason, _, fields = await fails(_enqueue(cat, C.GENERATION_PRIORITY_LOW, who="node_a", request_id="req-001"),
                                    OK.INVALID_ARGUMENT)
    assert reason == "REQUEST_ID_REUSED" and fields == ["request_id"]
    # The id is the job's handle for workers, so another caller cannot have it; it learns nothing of the job.
    reason, _, _ = await fails(_enqueue(cat, C.GENERATION_PRIORITY_HIGH, who="node_b", request_id="req-001",
                                        source="c-1"), OK.ALREADY_EXISTS)
    assert reason == "REQUEST_ID_TAKEN"
    entries = await redis.client.lrange(qk.queue("high"), 0, -1)
    assert len(entries) == 1 and await redis.client.llen(qk.queue("low")) == 0
    entry = json.loads(entries[0])
    assert (entry["requestId"], entry["type"], entry["urgency"]) == ("req-001", "new_content", "high")
    default = await _enqueue(cat, C.GENERATION_PRIORITY_UNSPECIFIED)
    assert default.priority == C.GENERATION_PRIORITY_NORMAL
    stats = await _stats(cat)
    assert [(q.priority, q.depth) for q in stats.queues] == [
        (C.GENERATION_PRIORITY_HIGH, 1), (C.GENERATION_PRIORITY_NORMAL, 1), (C.GENERATION_PRIORITY_LOW, 0)]
    assert stats.in_flight == 0 and stats.oldest_age_ms >= stats.queues[1].oldest_age_ms >= 0


async def test_enqueue_and_claim_validation(cat: Catalog) -> None:
    bad = catalog_pb2.EnqueueGenerationRequest(priority=9, parameters=struct(blob="x" * 70_000))
    _, _, fields = await fails(cat.stub.EnqueueGeneration(bad, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"request_id", "type", "priority", "parameters"}
    await fails(cat.stub.EnqueueGeneration(bad, metadata=cat.md("analyst")), OK.PERMISSION_DENIED)
    claim = catalog_pb2.ClaimGenerationJobRequest(wait_timeout_ms=30_001, lease_ms=-1)
    _, _, fields = await fails(cat.stub.ClaimGenerationJob(claim, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"worker_id", "wait_timeout_ms", "lease_ms"}
    for who in ("node_a", "observer"):
        await fails(cat.stub.ClaimGenerationJob(catalog_pb2.ClaimGenerationJobRequest(worker_id="w"),
                                                metadata=cat.md(who)), OK.PERMISSION_DENIED)
    done = catalog_pb2.CompleteGenerationJobRequest(request_id="x", worker_id="w", success=True)
    _, _, fields = await fails(cat.stub.CompleteGenerationJob(done, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["created_content_id"]


async def test_high_before_normal_before_low_and_fifo_within(cat: Catalog, redis: RedisStore, qk: QueueKeys) -> None:
    order = [(C.GENERATION_PRIORITY_LOW, "l1"), (C.GENERATION_PRIORITY_NORMAL, "n1"), (C.GENERATION_PRIORITY_HIGH, "h1"),
             (C.GENERATION_PRIORITY_LOW, "l2"), (C.GENERATION_PRIORITY_HIGH, "h2"), (C.GENERATION_PRIORITY_NORMAL, "n2")]
    for priority, rid in order:
        await _enqueue(cat, priority, request_id=rid)
    claimed = []
    while (job := await _claim(cat, "w-prio")) is not None:
        claimed.append(job.request_id)
        assert job.state == C.GENERATION_JOB_STATE_IN_PROGRESS and job.worker_id == "w-prio" and job.attempts == 1
        assert job.lease_expires_at.ToMilliseconds() - job.claimed_at.ToMilliseconds() == 60_000
    assert claimed == ["h1", "h2", "n1", "n2", "l1", "l2"]
    assert await redis.client.llen(qk.processing("w-prio")) == 6
    assert (await _stats(cat)).in_flight == 6


async def test_claim_long_polls_until_a_job_arrives(cat: Catalog) -> None:
    started = time.perf_counter()
    assert await _claim(cat, "w-poll", wait_ms=300) is None
    assert 0.25 < time.perf_counter() - started < 2
    waiter = asyncio.create_task(_claim(cat, "w-poll", wait_ms=10_000))
    await asyncio.sleep(0.3)
    assert not waiter.done()
    await _enqueue(cat, request_id="late")
    job = await asyncio.wait_for(waiter, 5)  # well before its 10 s wait ran out: woken, not timed out
    assert job is not None and job.request_id == "late"


async def test_complete_success_is_idempotent_and_checks_its_inputs(cat: Catalog) -> None:
    ds = await cat.dataset()
    made, other = await cat.content(ds.dataset_id), await cat.content(ds.dataset_id)
    await _enqueue(cat, request_id="ok-1")
    assert (await _claim(cat, "w-ok")).request_id == "ok-1"
    reason, _, _ = await fails(_complete(cat, "ok-1", "w-ok", str(uuid.uuid4())), OK.NOT_FOUND)
    assert reason == "CONTENT_NOT_FOUND"
    reason, _, _ = await fails(_complete(cat, "ok-1", "w-other", made.content_id), OK.FAILED_PRECONDITION)
    assert reason == "LEASE_LOST"
    done = await _complete(cat, "ok-1", "w-ok", made.content_id)
    assert done.state == C.GENERATION_JOB_STATE_SUCCEEDED and done.created_content_id == made.content_id
    assert done.worker_id == "" and done.HasField("completed_at") and not done.HasField("lease_expires_at")
    assert await _complete(cat, "ok-1", "w-ok", made.content_id) == done  # same outcome: no-op
    reason, _, _ = await fails(_complete(cat, "ok-1", "w-ok", other.content_id), OK.FAILED_PRECONDITION)
    assert reason == "JOB_ALREADY_COMPLETED"
    reason, _, _ = await fails(_complete(cat, "nope", "w-ok", made.content_id), OK.NOT_FOUND)
    assert reason == "GENERATION_JOB_NOT_FOUND"
    stats = await _stats(cat)
    assert stats.in_flight == 0 and all(q.depth == 0 for q in stats.queues)


async def test_failures_retry_until_attempts_run_out(cat: Catalog, redis: RedisStore, qk: QueueKeys) -> None:
    await _enqueue(cat, request_id="flaky")
    for attempt in (1, 2):
        job = await _claim(cat, "w-f")
        assert job.request_id == "flaky" and job.attempts == attempt
        back = await _complete(cat, "flaky", "w-f", success=False, error=f"boom {attempt}")
        assert back.state == C.GENERATION_JOB_STATE_QUEUED and back.error_message == f"boom {attempt}"
    assert (await _claim(cat, "w-f")).attempts == 3
    final = await _complete(cat, "flaky", "w-f", success=False, error="boom 3")
    assert final.state == C.GENERATION_JOB_STATE_FAILED and final.HasField("completed_at")
    assert await _claim(cat, "w-f") is None
    assert await _complete(cat, "flaky", "w-f", success=False) == final  # same outcome: no-op
    assert await redis.client.scard(qk.pending("admin")) == 0


async def test_pending_cap_per_identity(cat: Catalog) -> None:
    jobs = await asyncio.gather(*(_enqueue(cat, who="node_b", request_id=f"cap-{i}") for i in range(100)))
    reason, meta, _ = await fails(_enqueue(cat, who="node_b"), OK.RESOURCE_EXHAUSTED)
    assert reason == "GENERATION_QUOTA_EXCEEDED" and meta["limit"] == "100"
    assert (await _enqueue(cat, who="node_b", request_id="cap-5")) == jobs[5]  # a retry still answers
    await _enqueue(cat, who="node_a")  # other identities are not affected
    ds = await cat.dataset()
    made = await cat.content(ds.dataset_id)
    job = await _claim(cat, "w-cap")
    await _complete(cat, job.request_id, "w-cap", made.content_id)
    await _enqueue(cat, who="node_b")  # room again once one of node-b's jobs finished


async def test_expired_lease_is_requeued_and_the_late_worker_loses(cat: Catalog) -> None:
    ds = await cat.dataset()
    made = await cat.content(ds.dataset_id)
    await _enqueue(cat, C.GENERATION_PRIORITY_LOW, request_id="slow")
    await _enqueue(cat, C.GENERATION_PRIORITY_LOW, request_id="after")
    assert (await _claim(cat, "w-slow", lease_ms=200)).request_id == "slow"
    deadline = time.perf_counter() + 5
    while (await _stats(cat)).in_flight and time.perf_counter() < deadline:
        await asyncio.sleep(0.1)
    again = await _claim(cat, "w-fast")
    assert again.request_id == "slow" and again.attempts == 2  # re-queued at the front of its priority
    reason, _, _ = await fails(_complete(cat, "slow", "w-slow", made.content_id), OK.FAILED_PRECONDITION)
    assert reason == "LEASE_LOST"
    assert (await _complete(cat, "slow", "w-fast", made.content_id)).state == C.GENERATION_JOB_STATE_SUCCEEDED


_KILLED_WORKER = """
import os, sys, time, grpc
from amauta.v1 import catalog_pb2, catalog_pb2_grpc
stub = catalog_pb2_grpc.CatalogServiceStub(grpc.insecure_channel(sys.argv[1]))
md = (("authorization", "Bearer " + os.environ["WORKER_TOKEN"]),)
job = stub.ClaimGenerationJob(catalog_pb2.ClaimGenerationJobRequest(
    worker_id="doomed", wait_timeout_ms=5000, lease_ms=1000), metadata=md).job
print(job.request_id, flush=True)
time.sleep(600)  # "working" until killed
"""


async def test_worker_killed_mid_job_loses_nothing_and_each_job_completes_once(
        cat: Catalog, node: Node, redis: RedisStore, qk: QueueKeys) -> None:
    ds = await cat.dataset()
    ids = [f"kill-{i}" for i in range(20)]
    priorities = (C.GENERATION_PRIORITY_HIGH, C.GENERATION_PRIORITY_NORMAL, C.GENERATION_PRIORITY_LOW)
    for i, rid in enumerate(ids):
        await _enqueue(cat, priorities[i % 3], request_id=rid)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _KILLED_WORKER, f"127.0.0.1:{node.port}", stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "WORKER_TOKEN": cat.tokens.by_key["service"]})
    try:
        taken = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        assert taken in ids
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    completed: list[str] = []
    while len(completed) < len(ids):
        job = await _claim(cat, "survivor", wait_ms=5_000)
        assert job is not None, f"stalled after {completed}"
        content = await cat.content(ds.dataset_id, title=job.request_id)
        done = await _complete(cat, job.request_id, "survivor", content.content_id)
        assert done.state == C.GENERATION_JOB_STATE_SUCCEEDED
        completed.append(job.request_id)
    assert sorted(completed) == sorted(ids)  # every job exactly once
    assert completed.index(taken) > 0 and await _claim(cat, "survivor") is None
    killed = (await cat.stub.EnqueueGeneration(catalog_pb2.EnqueueGenerationRequest(
        request_id=taken, type=C.GENERATION_JOB_TYPE_NEW_CONTENT, priority=priorities[ids.index(taken) % 3]),
        metadata=cat.md())).job
    assert killed.attempts == 2 and killed.state == C.GENERATION_JOB_STATE_SUCCEEDED
    assert await redis.client.llen(qk.processing("doomed")) == 0
    assert await redis.client.llen(qk.processing("survivor")) == 0
    assert (await _stats(cat)).in_flight == 0
