"""Per-caller idempotency (AIP-155) of the creating RPCs: a request_id belongs to its caller and method,
and carries the fingerprint of its first request.

- two callers with one key create two resources, and neither sees the other's;
- one caller with one key and a second payload gets INVALID_ARGUMENT, reason REQUEST_ID_REUSED;
- concurrent retries of one request by one caller create one resource.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from grpc import aio

from amauta.v1 import catalog_pb2 as cpb
from amauta.v1 import common_pb2, learner_pb2, learner_pb2_grpc, simulation_pb2_grpc
from amauta.v1 import simulation_pb2 as spb
from stores.postgres import PostgresStore
from tests.server.catalog.support import Catalog, fails, struct

CODE = grpc.StatusCode
#: A creating call: (caller key, request_id, marker, variant) → the created resource's id. Each method
#: comes with the SQL counting the resources that carry a marker.
Create = Callable[[str, str, str, int], Awaitable[str]]


def _creates(cat: Catalog, channel: aio.Channel, shared: dict[str, str]) -> dict[str, tuple[Create, str]]:
    learners = learner_pb2_grpc.LearnerServiceStub(channel)
    sims = simulation_pb2_grpc.SimulationServiceStub(channel)

    async def dataset(who: str, rid: str, marker: str, variant: int) -> str:
        return (await cat.stub.CreateDataset(cpb.CreateDatasetRequest(request_id=rid, dataset=cpb.TrainingDataset(
            name=marker, description=str(variant), dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
            generation_method=struct(kind="manual"))), metadata=cat.md(who))).dataset.dataset_id

    async def content(who: str, rid: str, marker: str, variant: int) -> str:
        return (await cat.stub.CreateContent(cpb.CreateContentRequest(request_id=rid, content=cpb.TrainingContent(
            dataset_id=shared[f"dataset_{who}"], title=marker, content_data=struct(v=variant))),
            metadata=cat.md(who))).content.content_id

    async def variation(who: str, rid: str, marker: str, variant: int) -> str:
        return (await cat.stub.CreateVariation(cpb.CreateVariationRequest(
            request_id=rid, source_content_id=shared["content"], variation_parameters=struct(v=variant),
            overrides=cpb.TrainingContent(title=marker, dataset_id=shared[f"dataset_{who}"]),
            override_mask={"paths": ["title", "dataset_id"]}), metadata=cat.md(who))).content.content_id

    async def environment(who: str, rid: str, marker: str, variant: int) -> str:
        return (await cat.stub.CreateEnvironment(cpb.CreateEnvironmentRequest(
            request_id=rid, environment=cpb.SimulationEnvironment(
                name=marker, environment_type=common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION,
                environment_config=struct(rounds=variant))), metadata=cat.md(who))).environment.environment_id

    async def session(who: str, rid: str, marker: str, variant: int) -> str:
        learner = {"node_a": "node-a", "node_b": "node-b"}.get(who, marker)
        return (await learners.StartSession(learner_pb2.StartSessionRequest(
            request_id=rid, learner_id=learner, session_type=common_pb2.SESSION_TYPE_TRAINING,
            content_id=shared["validated_content"], session_metadata=struct(marker=marker, v=variant)),
            metadata=cat.md(who))).session.session_id

    async def simulation(who: str, rid: str, marker: str, variant: int) -> str:
        learner = {"node_a": "node-a", "node_b": "node-b"}.get(who, "someone")
        return (await sims.StartSimulation(spb.StartSimulationRequest(
            request_id=rid, environment_id=shared["environment"], participants=[learner],
            initial_state=struct(marker=marker, v=variant)), metadata=cat.md(who))).simulation.simulation_id

    return {"CreateDataset": (dataset, "SELECT count(*) AS n FROM training_datasets WHERE name = %s"),
            "CreateContent": (content, "SELECT count(*) AS n FROM training_content WHERE title = %s"),
            "CreateVariation": (variation, "SELECT count(*) AS n FROM training_content WHERE title = %s"),
            "CreateEnvironment": (environment, "SELECT count(*) AS n FROM simulation_environments WHERE name = %s"),
            "StartSession": (session, ("SELECT count(*) AS n FROM learning_sessions"
                                       " WHERE session_metadata->>'marker' = %s")),
            "StartSimulation": (simulation, ("SELECT count(*) AS n FROM simulations"
                                             " WHERE initial_state->>'marker' = %s"))}


@pytest.fixture(scope="module")
async def shared(cat: Catalog) -> dict[str, str]:
    """Resources the creates refer to: a dataset of each node's (content goes into one's own), validated
    content (the source of variations and the target of sessions), an environment."""
    ds = await cat.dataset(validated=True)
    item = await cat.content(ds.dataset_id)
    env = await cat.environment(max_participants=10)
    return {"dataset_node_a": (await cat.dataset("node_a")).dataset_id,
            "dataset_node_b": (await cat.dataset("node_b")).dataset_id,
            "content": item.content_id, "validated_content": item.content_id, "environment": env.environment_id}


METHODS = ("CreateDataset", "CreateContent", "CreateVariation", "CreateEnvironment", "StartSession",
           "StartSimulation")


async def _count(pg: PostgresStore, sql: str, marker: str) -> int:
    async with pg.connection() as conn:
        cur = await conn.execute(sql, (marker,))
        row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


@pytest.mark.parametrize("method", METHODS)
async def test_keys_are_per_caller_and_bound_to_their_request(method: str, cat: Catalog, channel: aio.Channel,
                                                              shared: dict[str, str], pg: PostgresStore) -> None:
    create, count_sql = _creates(cat, channel, shared)[method]
    rid, marker = "key-" + uuid.uuid4().hex[:8], "m-" + uuid.uuid4().hex[:8]
    # Two callers, one key: two resources.
    a = await create("node_a", rid, marker, 1)
    b = await create("node_b", rid, marker, 1)
    assert a != b
    assert await _count(pg, count_sql, marker) == 2
    # A retry of the same request returns the caller's own first result and creates nothing.
    assert await create("node_a", rid, marker, 1) == a
    assert await create("node_b", rid, marker, 1) == b
    # The same key with another request is refused, and creates nothing.
    reason, meta, bad = await fails(create("node_a", rid, marker, 2), CODE.INVALID_ARGUMENT)
    assert (reason, bad, meta["request_id"]) == ("REQUEST_ID_REUSED", ["request_id"], rid)
    assert await _count(pg, count_sql, marker) == 2


@pytest.mark.parametrize("method", METHODS)
async def test_concurrent_retries_create_one_resource(method: str, cat: Catalog, channel: aio.Channel,
                                                      shared: dict[str, str], pg: PostgresStore) -> None:
    create, count_sql = _creates(cat, channel, shared)[method]
    rid, marker = "race-" + uuid.uuid4().hex[:8], "r-" + uuid.uuid4().hex[:8]
    ids = await asyncio.gather(*(create("node_a", rid, marker, 1) for _ in range(8)))
    assert len(set(ids)) == 1
    assert await _count(pg, count_sql, marker) == 1


async def _import(cat: Catalog, who: str, dataset_id: str, rid: str, titles: list[str]) -> Any:
    return await cat.stub.ImportContent(iter([
        cpb.ImportContentRequest(header=cpb.ImportHeader(dataset_id=dataset_id, request_id=rid)),
        cpb.ImportContentRequest(items=cpb.ImportItems(items=[
            cpb.TrainingContent(title=t, content_data=struct(t=t)) for t in titles]))]), metadata=cat.md(who))


async def test_import_keys_are_per_caller(cat: Catalog, pg: PostgresStore) -> None:
    mine, theirs = await cat.dataset("node_a"), await cat.dataset("node_b")
    rid = "imp-" + uuid.uuid4().hex[:8]
    a = await _import(cat, "node_a", mine.dataset_id, rid, ["x", "y"])
    b = await _import(cat, "node_b", theirs.dataset_id, rid, ["x", "y"])  # the same key, another caller
    assert (a.imported_count, b.imported_count) == (2, 2)
    sql = "SELECT count(*) AS n FROM training_content WHERE dataset_id = %s"
    assert await _count(pg, sql, mine.dataset_id) == 2 and await _count(pg, sql, theirs.dataset_id) == 2
    other = await cat.dataset("node_a")
    reason, _, bad = await fails(_import(cat, "node_a", other.dataset_id, rid, ["z"]), CODE.INVALID_ARGUMENT)
    assert (reason, bad) == ("REQUEST_ID_REUSED", ["header.request_id"])
    assert await _count(pg, sql, other.dataset_id) == 0


async def test_created_by_is_the_caller_unless_admin_or_service_names_one(cat: Catalog, pg: PostgresStore) -> None:
    name = "forged-" + uuid.uuid4().hex[:8]
    reason, meta, _ = await fails(cat.dataset("node_a", name=name, created_by="admin"), CODE.PERMISSION_DENIED)
    assert (reason, meta["created_by"]) == ("CREATED_BY_NOT_ALLOWED", "admin")
    assert await _count(pg, "SELECT count(*) AS n FROM training_datasets WHERE name = %s", name) == 0
    assert (await cat.dataset("node_a", created_by="node-a")).created_by == "node-a"  # naming itself is fine
    # A service creates on behalf of a node, which then owns the dataset and its content.
    ds = await cat.dataset("service", created_by="node-b")
    assert ds.created_by == "node-b"
    item = await cat.content(ds.dataset_id, "node_b")
    assert item.created_by == "node-b"
    reason, _, _ = await fails(cat.content(ds.dataset_id, "node_a"), CODE.PERMISSION_DENIED)
    assert reason == "NOT_OWNER"  # content goes only into a dataset its caller owns
    mine = await cat.dataset("node_a")
    reason, _, _ = await fails(cat.content(mine.dataset_id, "node_a", created_by="node-b"), CODE.PERMISSION_DENIED)
    assert reason == "CREATED_BY_NOT_ALLOWED"
    env = await cat.environment("node_b")
    assert env.created_by == "node-b"


async def test_profile_keys_are_per_caller_and_bound_to_their_request(cat: Catalog, channel: aio.Channel) -> None:
    learners = learner_pb2_grpc.LearnerServiceStub(channel)
    rid, base = "prof-" + uuid.uuid4().hex[:8], "learner-" + uuid.uuid4().hex[:8]

    async def create(who: str, learner_id: str) -> str:
        return (await learners.CreateLearnerProfile(learner_pb2.CreateLearnerProfileRequest(
            request_id=rid, profile=learner_pb2.LearnerProfile(learner_id=learner_id, learner_type="t")),
            metadata=cat.md(who))).profile.profile_id

    mine = await create("admin", base + "-1")
    theirs = await create("service", base + "-2")  # the same key, another caller: its own profile
    assert mine != theirs and await create("admin", base + "-1") == mine
    reason, _, bad = await fails(create("admin", base + "-3"), CODE.INVALID_ARGUMENT)
    assert (reason, bad) == ("REQUEST_ID_REUSED", ["request_id"])
    with pytest.raises(aio.AioRpcError) as err:  # nothing was created for the refused request
        await learners.GetLearnerProfile(learner_pb2.GetLearnerProfileRequest(learner_id=base + "-3"),
                                         metadata=cat.md("admin"))
    assert err.value.code() == CODE.NOT_FOUND
