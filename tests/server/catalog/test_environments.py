"""Simulation environments: create defaults, get, list filters, update with etag, delete rules."""

from __future__ import annotations

import uuid

import grpc
from google.protobuf import field_mask_pb2

from amauta.v1 import catalog_pb2, common_pb2
from stores.postgres import PostgresStore
from tests.server.catalog.support import Catalog, fails, struct

OK = grpc.StatusCode
C = common_pb2


async def test_create_defaults_and_round_trip(cat: Catalog) -> None:
    env = await cat.environment("node_a")
    assert env.max_participants == 1 and env.HasField("active_status") and env.active_status
    assert env.version == 1 and env.usage_count == 0 and env.created_by == "node-a"
    assert env.complexity_level == C.COMPLEXITY_LEVEL_UNSPECIFIED and not env.HasField("estimated_duration")
    full = await cat.environment(complexity_level=C.COMPLEXITY_LEVEL_EXPERT, max_participants=8, estimated_duration=45,
                                 participant_roles=struct(lead=1), success_criteria=struct(score=0.7),
                                 learning_objectives=["coordination"], prerequisites=["basics"],
                                 resources_required=struct(gpu=False), active_status=False, description="d")
    got = await cat.stub.GetEnvironment(catalog_pb2.GetEnvironmentRequest(environment_id=full.environment_id),
                                        metadata=cat.md("observer"))
    assert got.environment == full
    assert full.max_participants == 8 and full.active_status is False and full.participant_roles["lead"] == 1


async def test_create_and_get_errors(cat: Catalog) -> None:
    bad = catalog_pb2.CreateEnvironmentRequest(environment=catalog_pb2.SimulationEnvironment(
        max_participants=-3, estimated_duration=-1, complexity_level=42, learning_objectives=[""]))
    _, _, fields = await fails(cat.stub.CreateEnvironment(bad, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"environment.name", "environment.environment_type", "environment.environment_config",
                           "environment.max_participants", "environment.estimated_duration",
                           "environment.complexity_level", "environment.learning_objectives[0]"}
    chosen = str(uuid.uuid4())
    await cat.environment(environment_id=chosen)
    await fails(cat.environment(environment_id=chosen), OK.ALREADY_EXISTS)
    rid = "env-" + uuid.uuid4().hex
    req = catalog_pb2.CreateEnvironmentRequest(environment=catalog_pb2.SimulationEnvironment(
        name="e", environment_type=C.ENVIRONMENT_TYPE_EMERGENCY_RESPONSE, environment_config=struct(a=1)), request_id=rid)
    a, b = (await cat.stub.CreateEnvironment(req, metadata=cat.md()), await cat.stub.CreateEnvironment(req, metadata=cat.md()))
    assert a.environment == b.environment
    await fails(cat.stub.GetEnvironment(catalog_pb2.GetEnvironmentRequest(environment_id=str(uuid.uuid4())),
                                        metadata=cat.md()), OK.NOT_FOUND)
    await fails(cat.stub.GetEnvironment(catalog_pb2.GetEnvironmentRequest(environment_id="1"), metadata=cat.md()),
                OK.INVALID_ARGUMENT)
    await fails(cat.environment("analyst"), OK.PERMISSION_DENIED)


async def test_list_filters(cat: Catalog) -> None:
    obj = "obj-" + uuid.uuid4().hex
    a = await cat.environment(learning_objectives=[obj, "x"], complexity_level=C.COMPLEXITY_LEVEL_BASIC)
    b = await cat.environment(learning_objectives=[obj], active_status=False,
                              environment_type=C.ENVIRONMENT_TYPE_EMERGENCY_RESPONSE)
    c = await cat.environment(learning_objectives=[obj, "x"], complexity_level=C.COMPLEXITY_LEVEL_BASIC)

    async def ids(**f: object) -> list[str]:
        reply = await cat.stub.ListEnvironments(catalog_pb2.ListEnvironmentsRequest(
            learning_objectives=common_pb2.StringSetFilter(values=[obj]), **f), metadata=cat.md("analyst"))
        return [e.environment_id for e in reply.environments]

    assert await ids() == [a.environment_id, b.environment_id, c.environment_id]
    assert await ids(active_status=True) == [a.environment_id, c.environment_id]
    assert await ids(active_status=False) == [b.environment_id]
    assert await ids(environment_type=C.ENVIRONMENT_TYPE_EMERGENCY_RESPONSE) == [b.environment_id]
    assert await ids(complexity_level=C.COMPLEXITY_LEVEL_BASIC) == [a.environment_id, c.environment_id]
    all_of = await cat.stub.ListEnvironments(catalog_pb2.ListEnvironmentsRequest(
        learning_objectives=common_pb2.StringSetFilter(values=[obj, "x"], mode=C.MATCH_MODE_ALL)), metadata=cat.md())
    assert [e.environment_id for e in all_of.environments] == [a.environment_id, c.environment_id]
    _, _, fields = await fails(cat.stub.ListEnvironments(catalog_pb2.ListEnvironmentsRequest(
        page_size=-1, environment_type=77, learning_objectives=common_pb2.StringSetFilter(values=["v"] * 101)),
        metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"page_size", "environment_type", "learning_objectives.values"}


async def test_update_and_etag(cat: Catalog) -> None:
    env = await cat.environment(max_participants=4)
    req = catalog_pb2.UpdateEnvironmentRequest(
        environment=catalog_pb2.SimulationEnvironment(environment_id=env.environment_id),
        update_mask=field_mask_pb2.FieldMask(paths=["active_status"]), etag=1)
    up = (await cat.stub.UpdateEnvironment(req, metadata=cat.md())).environment
    assert up.active_status is False and up.version == 2 and up.max_participants == 4
    await fails(cat.stub.UpdateEnvironment(req, metadata=cat.md()), OK.ABORTED)
    zero = catalog_pb2.UpdateEnvironmentRequest(
        environment=catalog_pb2.SimulationEnvironment(environment_id=env.environment_id),
        update_mask=field_mask_pb2.FieldMask(paths=["max_participants", "usage_count"]))
    _, _, fields = await fails(cat.stub.UpdateEnvironment(zero, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["update_mask", "environment.max_participants"]
    await fails(cat.stub.UpdateEnvironment(catalog_pb2.UpdateEnvironmentRequest(
        environment=catalog_pb2.SimulationEnvironment(environment_id=str(uuid.uuid4()), name="n")), metadata=cat.md()),
        OK.NOT_FOUND)


async def test_delete_rules(cat: Catalog, pg: PostgresStore) -> None:
    env = await cat.environment()
    await fails(cat.stub.DeleteEnvironment(catalog_pb2.DeleteEnvironmentRequest(environment_id=env.environment_id, etag=3),
                                           metadata=cat.md()), OK.ABORTED)
    reply = await cat.stub.DeleteEnvironment(catalog_pb2.DeleteEnvironmentRequest(environment_id=env.environment_id),
                                             metadata=cat.md())
    assert reply.environment_id == env.environment_id and reply.deleted_environment_count == 1
    await fails(cat.stub.DeleteEnvironment(catalog_pb2.DeleteEnvironmentRequest(environment_id=env.environment_id),
                                           metadata=cat.md()), OK.NOT_FOUND)
    await fails(cat.stub.DeleteEnvironment(catalog_pb2.DeleteEnvironmentRequest(environment_id="e"),
                                           metadata=cat.md()), OK.INVALID_ARGUMENT)
    await fails(cat.stub.DeleteEnvironment(catalog_pb2.DeleteEnvironmentRequest(environment_id=env.environment_id),
                                           metadata=cat.md("observer")), OK.PERMISSION_DENIED)
    used = await cat.environment()
    async with pg.connection() as conn:
        await conn.execute("INSERT INTO learning_sessions (learner_id, session_type, environment_id, completion_status)"
                           " VALUES ('catalog-test', 'simulation', %s, 'in_progress')", (used.environment_id,))
    reason, _, _ = await fails(cat.stub.DeleteEnvironment(catalog_pb2.DeleteEnvironmentRequest(
        environment_id=used.environment_id), metadata=cat.md()), OK.FAILED_PRECONDITION)
    assert reason == "ENVIRONMENT_IN_USE"
