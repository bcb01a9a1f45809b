"""Training content: create (idempotent), get, update with masks, delete rules, outbox rows."""

from __future__ import annotations

import uuid

import grpc
from google.protobuf import field_mask_pb2

from amauta.v1 import catalog_pb2
from stores.postgres import PostgresStore
from tests.server.catalog.support import Catalog, fails, struct

OK = grpc.StatusCode


async def _outbox(pg: PostgresStore, content_id: str) -> list[tuple[str, dict]]:
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT event_type, payload FROM analytics_outbox WHERE aggregate_id = %s"
                                 " ORDER BY outbox_id", (content_id,))
        return [(r["event_type"], r["payload"]) for r in await cur.fetchall()]


async def test_create_and_get_round_trip_every_field(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset("node_b")  # content goes into a dataset its caller owns
    item = await cat.content(ds.dataset_id, "node_b", difficulty_level=0.25, complexity_metrics=struct(steps=4),
                             learning_objectives=["o1"], success_criteria=struct(min=0.5), estimated_duration=0,
                             prerequisites=["p1"], tags=["t1", "t2"], validation_results=struct(ok=True))
    assert item.difficulty_level == 0.25 and item.HasField("estimated_duration") and item.estimated_duration == 0
    assert list(item.tags) == ["t1", "t2"] and item.variation_source == ""
    assert (item.usage_statistics.attempts, item.usage_statistics.completions, item.usage_statistics.success_rate) == (0, 0, 0)
    got = await cat.stub.GetContent(catalog_pb2.GetContentRequest(content_id=item.content_id), metadata=cat.md("analyst"))
    assert got.content == item
    assert await _outbox(pg, item.content_id) == [("content_upserted", {
        "content_id": item.content_id, "dataset_id": ds.dataset_id, "content_type": "ethical_dilemmas",
        "difficulty_level": 0.25})]
    bare = await cat.content(ds.dataset_id, title="")
    assert not bare.HasField("difficulty_level") and not bare.HasField("estimated_duration") and bare.title == ""


async def test_create_errors(cat: Catalog) -> None:
    ds = await cat.dataset()
    bad = catalog_pb2.CreateContentRequest(content=catalog_pb2.TrainingContent(
        dataset_id="nope", difficulty_level=-0.1, estimated_duration=-5, tags=["x" * 256], title="t" * 256))
    _, _, fields = await fails(cat.stub.CreateContent(bad, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"content.dataset_id", "content.difficulty_level", "content.estimated_duration",
                           "content.tags[0]", "content.title", "content.content_data"}
    reason, _, _ = await fails(cat.content(str(uuid.uuid4())), OK.NOT_FOUND)
    assert reason == "DATASET_NOT_FOUND"
    reason, _, _ = await fails(cat.content(ds.dataset_id, variation_source=str(uuid.uuid4())), OK.NOT_FOUND)
    assert reason == "CONTENT_NOT_FOUND"
    chosen = str(uuid.uuid4())
    await cat.content(ds.dataset_id, content_id=chosen)
    await fails(cat.content(ds.dataset_id, content_id=chosen), OK.ALREADY_EXISTS)
    await fails(cat.content(ds.dataset_id, "observer"), OK.PERMISSION_DENIED)


async def test_create_is_idempotent_by_request_id(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    req = catalog_pb2.CreateContentRequest(content=catalog_pb2.TrainingContent(
        dataset_id=ds.dataset_id, content_data=struct(q=1)), request_id="content-" + uuid.uuid4().hex)
    first = await cat.stub.CreateContent(req, metadata=cat.md())
    second = await cat.stub.CreateContent(req, metadata=cat.md())
    assert first.content == second.content
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM training_content WHERE dataset_id = %s", (ds.dataset_id,))
        assert (await cur.fetchone())["n"] == 1
    assert len(await _outbox(pg, first.content.content_id)) == 1


async def test_get_errors(cat: Catalog) -> None:
    _, _, fields = await fails(cat.stub.GetContent(catalog_pb2.GetContentRequest(), metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["content_id"]
    reason, _, _ = await fails(cat.stub.GetContent(catalog_pb2.GetContentRequest(content_id=str(uuid.uuid4())),
                                                   metadata=cat.md()), OK.NOT_FOUND)
    assert reason == "CONTENT_NOT_FOUND"


async def test_update_masks_move_between_datasets_and_announce(cat: Catalog, pg: PostgresStore) -> None:
    ds, other = await cat.dataset(), await cat.dataset()
    item = await cat.content(ds.dataset_id, tags=["a"], difficulty_level=0.5)
    req = catalog_pb2.UpdateContentRequest(
        content=catalog_pb2.TrainingContent(content_id=item.content_id, dataset_id=other.dataset_id, tags=["b", "c"]),
        update_mask=field_mask_pb2.FieldMask(paths=["tags", "dataset_id", "difficulty_level"]))
    up = (await cat.stub.UpdateContent(req, metadata=cat.md())).content
    assert list(up.tags) == ["b", "c"] and up.dataset_id == other.dataset_id and not up.HasField("difficulty_level")
    assert up.title == item.title and up.created_at == item.created_at
    events = await _outbox(pg, item.content_id)
    assert [e for e, _ in events] == ["content_upserted", "content_upserted"]
    assert events[-1][1]["dataset_id"] == other.dataset_id and events[-1][1]["difficulty_level"] is None


async def test_update_errors(cat: Catalog) -> None:
    ds = await cat.dataset()
    item = await cat.content(ds.dataset_id)
    req = catalog_pb2.UpdateContentRequest(content=catalog_pb2.TrainingContent(content_id=item.content_id),
                                           update_mask=field_mask_pb2.FieldMask(paths=["usage_statistics", "content_data", "content_id"]))
    _, _, fields = await fails(cat.stub.UpdateContent(req, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["update_mask", "update_mask", "content.content_data"]
    missing_ds = catalog_pb2.UpdateContentRequest(content=catalog_pb2.TrainingContent(
        content_id=item.content_id, dataset_id=str(uuid.uuid4())))
    reason, _, _ = await fails(cat.stub.UpdateContent(missing_ds, metadata=cat.md()), OK.NOT_FOUND)
    assert reason == "DATASET_NOT_FOUND"
    gone = catalog_pb2.UpdateContentRequest(content=catalog_pb2.TrainingContent(content_id=str(uuid.uuid4()), title="x"))
    reason, _, _ = await fails(cat.stub.UpdateContent(gone, metadata=cat.md()), OK.NOT_FOUND)
    assert reason == "CONTENT_NOT_FOUND"


async def test_delete_rules_and_outbox(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    src = await cat.content(ds.dataset_id)
    var = (await cat.stub.CreateVariation(catalog_pb2.CreateVariationRequest(
        source_content_id=src.content_id, variation_parameters=struct(v=1)), metadata=cat.md())).content
    reason, _, _ = await fails(cat.stub.DeleteContent(catalog_pb2.DeleteContentRequest(content_id=src.content_id),
                                                      metadata=cat.md()), OK.FAILED_PRECONDITION)
    assert reason == "CONTENT_HAS_VARIATIONS"
    async with pg.connection() as conn:
        await conn.execute("INSERT INTO learning_sessions (learner_id, session_type, content_id, completion_status)"
                           " VALUES ('catalog-test', 'training', %s, 'completed')", (var.content_id,))
    reason, _, _ = await fails(cat.stub.DeleteContent(catalog_pb2.DeleteContentRequest(content_id=var.content_id),
                                                      metadata=cat.md()), OK.FAILED_PRECONDITION)
    assert reason == "CONTENT_IN_USE"
    lone = await cat.content(ds.dataset_id, difficulty_level=0.9)
    reply = await cat.stub.DeleteContent(catalog_pb2.DeleteContentRequest(content_id=lone.content_id), metadata=cat.md())
    assert reply.content_id == lone.content_id and reply.deleted_content_count == 1
    assert (await _outbox(pg, lone.content_id))[-1] == ("content_deleted", {
        "content_id": lone.content_id, "dataset_id": ds.dataset_id, "content_type": "ethical_dilemmas",
        "difficulty_level": 0.9})
    await fails(cat.stub.DeleteContent(catalog_pb2.DeleteContentRequest(content_id=lone.content_id),
                                       metadata=cat.md()), OK.NOT_FOUND)
    await fails(cat.stub.DeleteContent(catalog_pb2.DeleteContentRequest(content_id="x"), metadata=cat.md()),
                OK.INVALID_ARGUMENT)
