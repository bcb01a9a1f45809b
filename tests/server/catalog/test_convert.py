"""Catalog conversions: stored rows and job hashes as messages, NULLs as defaults."""

from __future__ import annotations

import json

from amauta.v1 import common_pb2
from server.catalog import convert
from stores.postgres import PostgresStore
from stores.postgres.content import ContentStore
from stores.postgres.datasets import DatasetStore
from stores.postgres.environments import EnvironmentStore
from tests.server.catalog.support import Catalog


async def test_a_dataset_row_becomes_a_message(cat: Catalog, pg: PostgresStore) -> None:
    made = await cat.dataset(validated=True, quality_score=0.25, target_capabilities=["x"])
    msg = convert.dataset(await DatasetStore(pg).get(made.dataset_id))
    assert (msg.dataset_id, msg.dataset_type, msg.validation_status) == (
        made.dataset_id, common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS, common_pb2.VALIDATION_STATUS_VALIDATED)
    assert (msg.quality_score, list(msg.target_capabilities), msg.description) == (0.25, ["x"], "")
    assert msg.HasField("validated_at") and dict(msg.generation_method) == {"kind": "manual"}


async def test_a_dataset_without_quality_leaves_it_unset(cat: Catalog, pg: PostgresStore) -> None:
    made = await cat.dataset()
    assert not convert.dataset(await DatasetStore(pg).get(made.dataset_id)).HasField("quality_score")


async def test_content_and_environment_rows(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    item = await cat.content(ds.dataset_id, tags=["t"])
    msg = convert.content(await ContentStore(pg).get(item.content_id))
    assert (msg.content_id, list(msg.tags), dict(msg.content_data)) == (item.content_id, ["t"], {"prompt": "p"})
    env = await cat.environment()
    out = convert.environment(await EnvironmentStore(pg).get(env.environment_id))
    assert (out.environment_type, out.active_status) == (common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION, True)


def test_a_job_hash_becomes_a_generation_job() -> None:
    job = convert.job({"requestId": "r", "type": "scenario", "urgency": "high", "state": "queued",
                       "requestedBy": "node-a", "attempts": "2", "parameters": json.dumps({"n": 1}),
                       "enqueuedAt": "1700000000000", "claimedAt": ""})
    assert (job.request_id, job.priority, job.state, job.attempts) == (
        "r", common_pb2.GENERATION_PRIORITY_HIGH, common_pb2.GENERATION_JOB_STATE_QUEUED, 2)
    assert dict(job.parameters) == {"n": 1} and job.enqueued_at.ToMilliseconds() == 1_700_000_000_000
    assert not job.HasField("claimed_at")
    assert convert.job({}).request_id == "" and convert.job({}).attempts == 0
