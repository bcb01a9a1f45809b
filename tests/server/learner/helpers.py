"""Helpers of the LearnerService tests: error details, catalog rows, unique ids."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from stores.postgres import PostgresStore


def unique(prefix: str) -> str:
    """A learner id (or other key) no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def fails(call: Awaitable[Any], code: grpc.StatusCode) -> aio.AioRpcError:
    """Await call, assert it fails with code, return the error."""
    with pytest.raises(aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, (caught.value.code(), caught.value.details())
    return caught.value


def reason(err: aio.AioRpcError) -> str:
    """The ErrorInfo reason of an error."""
    status = rpc_status.from_call(err)
    assert status is not None, "no rich status"
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return info.reason
    raise AssertionError("no ErrorInfo")



async def insert_content(pg: PostgresStore, *, validation: str = "validated",
                         objectives: tuple[str, ...] = ("ethical_reasoning",),
                         difficulty: float = 0.4) -> str:
    """A dataset in the given validation state with one content item; returns the content id."""
    async with pg.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO training_datasets (name, dataset_type, generation_method, validation_status)"
            " VALUES ('learner tests', 'ethical_dilemmas', '{}'::jsonb, %s) RETURNING dataset_id",
            (validation,))
        dataset = (await cur.fetchone())["dataset_id"]
        cur = await conn.execute(
            "INSERT INTO training_content (dataset_id, title, content_data, difficulty_level, learning_objectives)"
            " VALUES (%s, 'item', '{}'::jsonb, %s, %s) RETURNING content_id::text AS id",
            (dataset, difficulty, list(objectives)))
        return (await cur.fetchone())["id"]


async def insert_environment(pg: PostgresStore, *, active: bool = True) -> str:
    """A simulation environment; returns its id."""
    async with pg.connection() as conn:
        cur = await conn.execute(
            "INSERT INTO simulation_environments (name, environment_type, environment_config, active_status,"
            " learning_objectives) VALUES ('learner tests', 'network_coordination', '{}'::jsonb, %s,"
            " ARRAY['coordination']) RETURNING environment_id::text AS id", (active,))
        return (await cur.fetchone())["id"]


async def outbox_rows(pg: PostgresStore, aggregate_id: str) -> list[dict[str, Any]]:
    """Outbox rows of one aggregate, oldest first."""
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT event_type, learner_id, payload FROM analytics_outbox"
                                 " WHERE aggregate_id = %s ORDER BY outbox_id", (aggregate_id,))
        return list(await cur.fetchall())

