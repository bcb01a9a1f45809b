"""Rule 3 (stores/usage.ensure_usable) on catalog state, and usage counters under concurrency."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from google.protobuf import field_mask_pb2

from amauta.v1 import catalog_pb2
from stores.errors import NotFound, PreconditionFailed
from stores.postgres import PostgresStore, usage
from tests.server.catalog.support import Catalog

OK = grpc.StatusCode


async def test_rule_3_needs_a_validated_dataset_and_an_active_environment(cat: Catalog, pg: PostgresStore) -> None:
    pending = await cat.dataset()
    item = await cat.content(pending.dataset_id, difficulty_level=0.4, learning_objectives=["o"])
    env = await cat.environment()
    async with pg.transaction() as conn:
        with pytest.raises(PreconditionFailed) as err:
            await usage.ensure_usable(conn, content_id=item.content_id)
    assert err.value.reason == "CONTENT_NOT_VALIDATED" and err.value.metadata["validation_status"] == "pending"
    await cat.stub.ValidateDataset(catalog_pb2.ValidateDatasetRequest(
        dataset_id=pending.dataset_id, decision=2), metadata=cat.md())
    async with pg.transaction() as conn:
        got = await usage.ensure_usable(conn, content_id=item.content_id, environment_id=env.environment_id, lock=True)
    assert (got.dataset_id, got.content_type, got.difficulty_level) == (pending.dataset_id, "ethical_dilemmas", 0.4)
    await cat.stub.UpdateEnvironment(catalog_pb2.UpdateEnvironmentRequest(
        environment=catalog_pb2.SimulationEnvironment(environment_id=env.environment_id, active_status=False),
        update_mask=field_mask_pb2.FieldMask(paths=["active_status"])), metadata=cat.md())
    async with pg.transaction() as conn:
        with pytest.raises(PreconditionFailed) as err:
            await usage.ensure_usable(conn, environment_id=env.environment_id)
    assert err.value.reason == "ENVIRONMENT_INACTIVE"
    rejected = await cat.dataset()
    bad = await cat.content(rejected.dataset_id)
    await cat.stub.ValidateDataset(catalog_pb2.ValidateDatasetRequest(
        dataset_id=rejected.dataset_id, decision=3), metadata=cat.md())
    async with pg.transaction() as conn:
        with pytest.raises(PreconditionFailed):
            await usage.ensure_usable(conn, content_id=bad.content_id)
        with pytest.raises(NotFound):
            await usage.ensure_usable(conn, content_id="00000000-0000-0000-0000-000000000000")


async def test_concurrent_starts_and_ends_lose_no_update(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset(validated=True)
    item = await cat.content(ds.dataset_id)
    env = await cat.environment()
    starts, completions = 50, 20

    async def start() -> None:
        async with pg.transaction() as conn:  # each on its own pooled connection, racing on the same rows
            await usage.count_start(conn, content_id=item.content_id, environment_id=env.environment_id)

    async def end(completed: bool) -> None:
        async with pg.transaction() as conn:
            await usage.count_end(conn, content_id=item.content_id, completed=completed)

    await asyncio.gather(*(start() for _ in range(starts)))
    await asyncio.gather(*(end(i < completions) for i in range(30)))
    got = (await cat.stub.GetContent(catalog_pb2.GetContentRequest(content_id=item.content_id), metadata=cat.md())).content
    assert got.usage_statistics.attempts == starts
    assert got.usage_statistics.completions == completions
    assert got.usage_statistics.success_rate == pytest.approx(completions / starts)
    dataset = (await cat.stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=ds.dataset_id), metadata=cat.md())).dataset
    environment = (await cat.stub.GetEnvironment(catalog_pb2.GetEnvironmentRequest(
        environment_id=env.environment_id), metadata=cat.md())).environment
    assert dataset.usage_count == starts and environment.usage_count == starts
    # a start after ends keeps success_rate = completions / attempts
    await start()
    got = (await cat.stub.GetContent(catalog_pb2.GetContentRequest(content_id=item.content_id), metadata=cat.md())).content
    assert got.usage_statistics.success_rate == pytest.approx(round(completions / (starts + 1), 4))
