"""GenerationQueue on a Redis database of its own: keys, idempotent enqueue, quotas, priorities, leases."""

from __future__ import annotations

import uuid

import pytest

from stores.errors import AlreadyExists, InvalidData, LimitExceeded, NotFound, PreconditionFailed
from stores.redis import RedisStore
from stores.redis.generation_queue import CLUSTER_PREFIX, PRIORITIES, GenerationQueue, QueueKeys


def test_keys_keep_the_seed_names_and_hash_tag_them_on_a_cluster() -> None:
    seed, cluster = QueueKeys(), QueueKeys(CLUSTER_PREFIX)
    assert (seed.queue("high"), seed.job("r"), seed.processing("w"), seed.pending("i"), seed.leases, seed.events) == (
        "generation:queue:high", "generation:job:r", "generation:processing:w", "generation:pending:i",
        "generation:leases", "generation:events")
    assert cluster.queue("low") == "{generation}:queue:low"
    assert cluster.render("redis.call('GET', 'generation:job:' .. id)") == \
        "redis.call('GET', '{generation}:job:' .. id)"


async def _drain(queue: GenerationQueue, worker: str) -> list[str]:
    claimed = []
    while (job := await queue.claim(worker, 0, 60_000)) is not None:
        claimed.append(job["requestId"])
    return claimed


async def test_enqueue_is_idempotent_per_identity_and_guards_the_id(scratch_redis: RedisStore) -> None:
    queue = GenerationQueue(scratch_redis)
    request = f"job-{uuid.uuid4()}"
    job, created = await queue.enqueue(request, "scenario", "normal", {"n": 1}, "node-a", fingerprint="f")
    assert created and (job["requestId"], job["state"]) == (request, "queued")
    again, created_again = await queue.enqueue(request, "scenario", "normal", {"n": 1}, "node-a", fingerprint="f")
    assert not created_again and again["requestId"] == request
    with pytest.raises(AlreadyExists) as taken:
        await queue.enqueue(request, "scenario", "normal", None, "node-b")
    assert taken.value.reason == "REQUEST_ID_TAKEN"
    with pytest.raises(InvalidData) as reused:
        await queue.enqueue(request, "scenario", "normal", None, "node-a", fingerprint="other")
    assert reused.value.reason == "REQUEST_ID_REUSED"
    await _drain(queue, "cleanup")


async def test_the_pending_cap_is_per_identity(scratch_redis: RedisStore) -> None:
    queue = GenerationQueue(scratch_redis, pending_cap=1)
    await queue.enqueue(f"job-{uuid.uuid4()}", "scenario", "low", None, "capped")
    with pytest.raises(LimitExceeded) as caught:
        await queue.enqueue(f"job-{uuid.uuid4()}", "scenario", "low", None, "capped")
    assert (caught.value.reason, caught.value.metadata) == ("GENERATION_QUOTA_EXCEEDED",
                                                            {"identity": "capped", "limit": "1"})
    await queue.enqueue(f"job-{uuid.uuid4()}", "scenario", "low", None, "someone-else")
    await _drain(queue, "cleanup")


async def test_claims_take_the_highest_priority_first_and_only_the_holder_completes(
        scratch_redis: RedisStore) -> None:
    queue = GenerationQueue(scratch_redis)
    await _drain(queue, "cleanup")
    ids = {p: f"job-{p}-{uuid.uuid4()}" for p in PRIORITIES}
    for priority in ("low", "normal", "high"):
        await queue.enqueue(ids[priority], "scenario", priority, None, "node-a")
    stats = await queue.stats()
    assert {q.priority: q.depth for q in stats.queues} == {p: 1 for p in PRIORITIES}
    assert await _drain(queue, "w1") == [ids["high"], ids["normal"], ids["low"]]
    assert (await queue.stats()).in_flight == stats.in_flight + 3
    with pytest.raises(PreconditionFailed) as lost:
        await queue.complete(ids["high"], "w2", success=False, error="not mine")
    assert lost.value.reason == "LEASE_LOST"
    job, changed = await queue.complete(ids["high"], "w1", success=True, content_id="c-1")
    assert changed and job["state"] == "succeeded"
    _, repeat = await queue.complete(ids["high"], "w1", success=True, content_id="c-1")
    assert not repeat
    with pytest.raises(PreconditionFailed) as other:
        await queue.complete(ids["high"], "w1", success=False, error="late")
    assert other.value.reason == "JOB_ALREADY_COMPLETED"
    with pytest.raises(NotFound) as missing:
        await queue.complete("job-never", "w1", success=False)
    assert missing.value.reason == "GENERATION_JOB_NOT_FOUND"
    for rid in (ids["normal"], ids["low"]):
        await queue.complete(rid, "w1", success=True, content_id="c-1")


async def test_a_claim_with_nothing_queued_waits_then_returns_none(scratch_redis: RedisStore) -> None:
    queue = GenerationQueue(scratch_redis)
    await _drain(queue, "cleanup")
    assert await queue.claim("idle", 50, 1000) is None


async def test_success_needs_existing_content_when_the_queue_checks_it(scratch_redis: RedisStore) -> None:
    async def never(content_id: str) -> bool:
        return False

    queue = GenerationQueue(scratch_redis, content_exists=never)
    with pytest.raises(NotFound) as caught:
        await queue.complete("job-any", "w", success=True, content_id="c-x")
    assert caught.value.reason == "CONTENT_NOT_FOUND"
