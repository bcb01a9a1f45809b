"""Training datasets: create (idempotent), get, list filters, update with etag, delete, validation."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf import field_mask_pb2, timestamp_pb2

from amauta.v1 import catalog_pb2, common_pb2
from server.rpc.errors import from_store_error
from stores.errors import StoreError
from stores.postgres import PostgresStore
from stores.postgres.datasets import DatasetStore
from tests.server.catalog.support import Catalog, fails, struct

OK = grpc.StatusCode
DT = common_pb2


async def test_create_sets_defaults_and_returns_every_field(cat: Catalog) -> None:
    ds = await cat.dataset("node_a", description="d", target_capabilities=["ethics", "logic"],
                           quality_score=0.456, quality_metrics=struct(kappa=0.8))
    assert uuid.UUID(ds.dataset_id)
    assert ds.version == 1 and ds.usage_count == 0
    assert ds.validation_status == DT.VALIDATION_STATUS_PENDING
    assert ds.created_by == "node-a"  # the caller's identity
    assert list(ds.target_capabilities) == ["ethics", "logic"]
    assert ds.HasField("quality_score") and ds.quality_score == 0.46  # DECIMAL(3,2)
    assert ds.quality_metrics["kappa"] == 0.8 and ds.generation_method["kind"] == "manual"
    assert ds.created_at.seconds > 0 and not ds.HasField("validated_at") and ds.validated_by == ""


async def test_create_with_client_id_and_duplicate_id(cat: Catalog) -> None:
    chosen = str(uuid.uuid4())
    ds = await cat.dataset(dataset_id=chosen, created_by="importer-7")
    assert ds.dataset_id == chosen and ds.created_by == "importer-7"
    reason, _, _ = await fails(cat.dataset(dataset_id=chosen), OK.ALREADY_EXISTS)
    assert reason == "ALREADY_EXISTS"


async def test_create_is_idempotent_by_request_id_even_concurrently(cat: Catalog, pg: PostgresStore) -> None:
    name = "idem " + uuid.uuid4().hex
    request = catalog_pb2.CreateDatasetRequest(
        dataset=catalog_pb2.TrainingDataset(name=name, dataset_type=DT.DATASET_TYPE_CREATIVE_PROBLEMS,
                                            generation_method=struct(kind="llm")),
        request_id=str(uuid.uuid4()))
    replies = await asyncio.gather(*(cat.stub.CreateDataset(request, metadata=cat.md()) for _ in range(6)))
    assert len({r.dataset.dataset_id for r in replies}) == 1
    again = await cat.stub.CreateDataset(request, metadata=cat.md())
    assert again.dataset.dataset_id == replies[0].dataset.dataset_id
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM training_datasets WHERE name = %s", (name,))
        assert (await cur.fetchone())["n"] == 1


async def test_create_lists_every_bad_field_in_one_bad_request(cat: Catalog) -> None:
    deep: list = []
    for _ in range(35):  # lists nest cheaply in protobuf; deep Structs hit upb's own depth limit first
        deep = [deep]
    request = catalog_pb2.CreateDatasetRequest(
        dataset=catalog_pb2.TrainingDataset(
            name="n" * 256, dataset_type=DT.DATASET_TYPE_UNSPECIFIED, quality_score=1.5,
            quality_metrics=struct(deep=deep), target_capabilities=["ok", ""], created_by="c" * 101,
            dataset_id="not-a-uuid"),
        request_id="r" * 101)
    reason, _, fields = await fails(cat.stub.CreateDataset(request, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert reason == "INVALID_ARGUMENT"
    assert set(fields) == {"dataset.name", "dataset.dataset_type", "dataset.quality_score",
                           "dataset.quality_metrics", "dataset.target_capabilities[1]", "dataset.created_by",
                           "dataset.dataset_id", "dataset.generation_method", "request_id"}


async def test_struct_size_limit_is_64_kib(cat: Catalog) -> None:
    _, _, fields = await fails(cat.dataset(generation_method=struct(blob="x" * 70_000)), OK.INVALID_ARGUMENT)
    assert fields == ["dataset.generation_method"]
    _, _, fields = await fails(cat.dataset(generation_method=struct(bad="a\x00b")), OK.INVALID_ARGUMENT)
    assert fields == ["dataset.generation_method"]


async def test_get_found_missing_and_malformed(cat: Catalog) -> None:
    ds = await cat.dataset()
    got = await cat.stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=ds.dataset_id), metadata=cat.md("observer"))
    assert got.dataset == ds
    missing = str(uuid.uuid4())
    reason, meta, _ = await fails(cat.stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=missing),
                                                      metadata=cat.md()), OK.NOT_FOUND)
    assert reason == "DATASET_NOT_FOUND" and meta["id"] == missing
    _, _, fields = await fails(cat.stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id="x"), metadata=cat.md()),
                               OK.INVALID_ARGUMENT)
    assert fields == ["dataset_id"]


async def _list(cat: Catalog, **filters: object) -> list[str]:
    ids: list[str] = []
    token = ""
    while True:
        reply = await cat.stub.ListDatasets(catalog_pb2.ListDatasetsRequest(page_size=2, page_token=token, **filters),
                                            metadata=cat.md("analyst"))
        ids += [d.dataset_id for d in reply.datasets]
        token = reply.next_page_token
        if not token:
            return ids


async def test_list_filters_combine(cat: Catalog) -> None:
    cap = "cap-" + uuid.uuid4().hex
    a = await cat.dataset(target_capabilities=[cap, "x"], quality_score=0.2)
    b = await cat.dataset(target_capabilities=[cap], quality_score=0.8, dataset_type=DT.DATASET_TYPE_ADVERSARIAL_CASES)
    c = await cat.dataset(target_capabilities=[cap, "x"], validated=True)
    anyf = common_pb2.StringSetFilter(values=[cap])
    allf = common_pb2.StringSetFilter(values=[cap, "x"], mode=DT.MATCH_MODE_ALL)
    assert await _list(cat, target_capabilities=anyf) == [a.dataset_id, b.dataset_id, c.dataset_id]
    assert await _list(cat, target_capabilities=allf) == [a.dataset_id, c.dataset_id]
    assert await _list(cat, target_capabilities=anyf, dataset_type=DT.DATASET_TYPE_ADVERSARIAL_CASES) == [b.dataset_id]
    assert await _list(cat, target_capabilities=anyf, validation_status=DT.VALIDATION_STATUS_VALIDATED) == [c.dataset_id]
    assert await _list(cat, target_capabilities=anyf, quality_score=common_pb2.DoubleRange(min=0.2, max=0.5)) == [a.dataset_id]
    assert await _list(cat, target_capabilities=anyf, quality_score=common_pb2.DoubleRange(min=0.5)) == [b.dataset_id]
    start = timestamp_pb2.Timestamp()
    start.FromDatetime(b.created_at.ToDatetime(tzinfo=timezone.utc))
    assert await _list(cat, target_capabilities=anyf, created_at=common_pb2.TimeRange(start=start)) == [b.dataset_id, c.dataset_id]
    assert await _list(cat, target_capabilities=anyf, created_at=common_pb2.TimeRange(end=start)) == [a.dataset_id]


async def test_list_rejects_bad_ranges_page_fields_and_foreign_tokens(cat: Catalog) -> None:
    now = datetime.now(timezone.utc)
    start, end = timestamp_pb2.Timestamp(), timestamp_pb2.Timestamp()
    start.FromDatetime(now)
    end.FromDatetime(now - timedelta(hours=1))
    bad = catalog_pb2.ListDatasetsRequest(page_size=-1, quality_score=common_pb2.DoubleRange(min=0.9, max=0.1),
                                          created_at=common_pb2.TimeRange(start=start, end=end),
                                          dataset_type=99, page_token="%%%")
    _, _, fields = await fails(cat.stub.ListDatasets(bad, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"page_size", "quality_score", "created_at", "dataset_type", "page_token"}
    cap = "tok-" + uuid.uuid4().hex
    for _ in range(3):
        await cat.dataset(target_capabilities=[cap])
    first = await cat.stub.ListDatasets(catalog_pb2.ListDatasetsRequest(
        page_size=1, target_capabilities=common_pb2.StringSetFilter(values=[cap])), metadata=cat.md())
    assert first.next_page_token
    other = catalog_pb2.ListDatasetsRequest(page_token=first.next_page_token,
                                            target_capabilities=common_pb2.StringSetFilter(values=["other"]))
    _, _, fields = await fails(cat.stub.ListDatasets(other, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["page_token"]


def _mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


async def test_update_with_mask_bumps_version_and_checks_etag(cat: Catalog) -> None:
    ds = await cat.dataset(description="old", quality_score=0.5)
    req = catalog_pb2.UpdateDatasetRequest(
        dataset=catalog_pb2.TrainingDataset(dataset_id=ds.dataset_id, name="renamed", description="ignored"),
        update_mask=_mask("name", "quality_score"), etag=1)
    up = (await cat.stub.UpdateDataset(req, metadata=cat.md("service"))).dataset
    assert up.name == "renamed" and up.description == "old" and up.version == 2
    assert not up.HasField("quality_score")  # masked and unset: cleared
    assert up.updated_at.ToDatetime() >= ds.updated_at.ToDatetime()
    reason, meta, _ = await fails(cat.stub.UpdateDataset(req, metadata=cat.md()), OK.ABORTED)
    assert reason == "ETAG_MISMATCH" and meta["current_version"] == "2"
    # empty mask: every field set to a non-default value
    req = catalog_pb2.UpdateDatasetRequest(dataset=catalog_pb2.TrainingDataset(
        dataset_id=ds.dataset_id, source_accords=["accord-1"]))
    up = (await cat.stub.UpdateDataset(req, metadata=cat.md())).dataset
    assert list(up.source_accords) == ["accord-1"] and up.name == "renamed" and up.version == 3


async def test_update_rejects_output_only_unknown_and_required_paths(cat: Catalog) -> None:
    ds = await cat.dataset()
    req = catalog_pb2.UpdateDatasetRequest(dataset=catalog_pb2.TrainingDataset(dataset_id=ds.dataset_id),
                                           update_mask=_mask("version", "nope", "name", "dataset_type"))
    _, _, fields = await fails(cat.stub.UpdateDataset(req, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["update_mask", "update_mask", "dataset.name", "dataset.dataset_type"]
    empty = catalog_pb2.UpdateDatasetRequest(dataset=catalog_pb2.TrainingDataset(dataset_id=ds.dataset_id))
    _, _, fields = await fails(cat.stub.UpdateDataset(empty, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["update_mask"]
    gone = catalog_pb2.UpdateDatasetRequest(dataset=catalog_pb2.TrainingDataset(dataset_id=str(uuid.uuid4()), name="x"))
    await fails(cat.stub.UpdateDataset(gone, metadata=cat.md()), OK.NOT_FOUND)


async def test_type_change_reannounces_content_to_the_outbox(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    item = await cat.content(ds.dataset_id, difficulty_level=0.3)
    req = catalog_pb2.UpdateDatasetRequest(
        dataset=catalog_pb2.TrainingDataset(dataset_id=ds.dataset_id, dataset_type=DT.DATASET_TYPE_CREATIVE_PROBLEMS),
        update_mask=_mask("dataset_type"))
    await cat.stub.UpdateDataset(req, metadata=cat.md())
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT payload FROM analytics_outbox WHERE aggregate_id = %s"
                                 " AND event_type = 'content_upserted' ORDER BY outbox_id", (item.content_id,))
        payloads = [r["payload"] for r in await cur.fetchall()]
    assert [p["content_type"] for p in payloads] == ["ethical_dilemmas", "creative_problems"]
    assert payloads[-1] == {"content_id": item.content_id, "dataset_id": ds.dataset_id,
                            "content_type": "creative_problems", "difficulty_level": 0.3}


async def test_delete_cascades_and_reports_removed_content(cat: Catalog, pg: PostgresStore) -> None:
    ds = await cat.dataset()
    items = [await cat.content(ds.dataset_id) for _ in range(3)]
    await cat.stub.CreateVariation(catalog_pb2.CreateVariationRequest(
        source_content_id=items[0].content_id, variation_parameters=struct(k=1)), metadata=cat.md())
    await fails(cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id=ds.dataset_id, etag=7),
                                       metadata=cat.md()), OK.ABORTED)
    reply = await cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id=ds.dataset_id, etag=1),
                                         metadata=cat.md())
    assert reply.dataset_id == ds.dataset_id and reply.deleted_content_count == 4
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM training_content WHERE dataset_id = %s", (ds.dataset_id,))
        assert (await cur.fetchone())["n"] == 0
        cur = await conn.execute("SELECT count(*) AS n FROM analytics_outbox WHERE event_type = 'content_deleted'"
                                 " AND payload->>'dataset_id' = %s", (ds.dataset_id,))
        assert (await cur.fetchone())["n"] == 4
    await fails(cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id=ds.dataset_id), metadata=cat.md()),
                OK.NOT_FOUND)
    _, _, fields = await fails(cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id="1", etag=-1),
                                                       metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert fields == ["dataset_id", "etag"]


async def test_delete_refuses_content_in_use_or_sourcing_other_datasets(cat: Catalog, pg: PostgresStore) -> None:
    ds, other = await cat.dataset(), await cat.dataset()
    src = await cat.content(ds.dataset_id)
    await cat.stub.CreateVariation(catalog_pb2.CreateVariationRequest(
        source_content_id=src.content_id, variation_parameters=struct(k=1),
        overrides=catalog_pb2.TrainingContent(dataset_id=other.dataset_id)), metadata=cat.md())
    reason, _, _ = await fails(cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id=ds.dataset_id),
                                                      metadata=cat.md()), OK.FAILED_PRECONDITION)
    assert reason == "CONTENT_HAS_VARIATIONS"
    used = await cat.dataset()
    item = await cat.content(used.dataset_id)
    async with pg.connection() as conn:
        await conn.execute("INSERT INTO learning_sessions (learner_id, session_type, content_id, completion_status)"
                           " VALUES ('catalog-test', 'training', %s, 'completed')", (item.content_id,))
    reason, _, _ = await fails(cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id=used.dataset_id),
                                                      metadata=cat.md()), OK.FAILED_PRECONDITION)
    assert reason == "CONTENT_IN_USE"


async def test_validate_moves_pending_once_and_records_the_decision(cat: Catalog) -> None:
    ds = await cat.dataset()
    req = catalog_pb2.ValidateDatasetRequest(dataset_id=ds.dataset_id, decision=DT.VALIDATION_STATUS_REJECTED,
                                             reason="too easy", quality_score=0.31, quality_metrics=struct(n=10),
                                             etag=1)
    out = (await cat.stub.ValidateDataset(req, metadata=cat.md("service"))).dataset
    assert out.validation_status == DT.VALIDATION_STATUS_REJECTED and out.validated_by == "svc"
    assert out.validation_reason == "too easy" and out.quality_score == 0.31 and out.quality_metrics["n"] == 10
    assert out.version == 2 and out.HasField("validated_at")
    req2 = catalog_pb2.ValidateDatasetRequest(dataset_id=ds.dataset_id, decision=DT.VALIDATION_STATUS_VALIDATED)
    reason, meta, _ = await fails(cat.stub.ValidateDataset(req2, metadata=cat.md()), OK.FAILED_PRECONDITION)
    assert reason == "DATASET_NOT_PENDING" and meta["validation_status"] == "rejected"
    fresh = await cat.dataset(quality_score=0.7)
    kept = (await cat.stub.ValidateDataset(catalog_pb2.ValidateDatasetRequest(
        dataset_id=fresh.dataset_id, decision=DT.VALIDATION_STATUS_VALIDATED, validator="qa-bot"),
        metadata=cat.md())).dataset
    assert kept.quality_score == 0.7 and kept.validated_by == "qa-bot" and kept.validation_reason == ""


async def test_validate_rejects_bad_decisions_stale_etags_and_other_roles(cat: Catalog) -> None:
    ds = await cat.dataset()
    bad = catalog_pb2.ValidateDatasetRequest(dataset_id=ds.dataset_id, decision=DT.VALIDATION_STATUS_PENDING,
                                             quality_score=2.0, reason="r" * 1001)
    _, _, fields = await fails(cat.stub.ValidateDataset(bad, metadata=cat.md()), OK.INVALID_ARGUMENT)
    assert set(fields) == {"decision", "quality_score", "reason"}
    ok = catalog_pb2.ValidateDatasetRequest(dataset_id=ds.dataset_id, decision=DT.VALIDATION_STATUS_VALIDATED, etag=5)
    await fails(cat.stub.ValidateDataset(ok, metadata=cat.md()), OK.ABORTED)
    for who in ("node_a", "analyst", "observer"):
        await fails(cat.stub.ValidateDataset(ok, metadata=cat.md(who)), OK.PERMISSION_DENIED)
    await fails(cat.stub.ValidateDataset(catalog_pb2.ValidateDatasetRequest(
        dataset_id=str(uuid.uuid4()), decision=DT.VALIDATION_STATUS_VALIDATED), metadata=cat.md()), OK.NOT_FOUND)


async def test_read_only_roles_cannot_write(cat: Catalog) -> None:
    for who in ("analyst", "observer"):
        await fails(cat.dataset(who), OK.PERMISSION_DENIED)
    ds = await cat.dataset("service")
    for who in ("analyst", "observer"):
        await fails(cat.stub.DeleteDataset(catalog_pb2.DeleteDatasetRequest(dataset_id=ds.dataset_id),
                                           metadata=cat.md(who)), OK.PERMISSION_DENIED)
    await fails(cat.stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=ds.dataset_id), metadata=cat.md("none")),
                OK.UNAUTHENTICATED)


async def test_constraints_that_fire_anyway_map_to_caller_errors(pg: PostgresStore) -> None:
    """Bypassing the API's checks: the database's CHECK and UNIQUE constraints still map to precise codes."""
    store = DatasetStore(pg)
    base = {"name": "raw", "generation_method": {"k": 1}}
    for values, code in (({**base, "dataset_type": "bogus"}, OK.INVALID_ARGUMENT),
                         ({**base, "dataset_type": "ethical_dilemmas", "quality_score": 5.0}, OK.INVALID_ARGUMENT)):
        with pytest.raises(StoreError) as err:
            await store.create(values, request_id="", identity="t")
        assert from_store_error(err.value).code == code
    made = await store.create({**base, "dataset_type": "ethical_dilemmas"}, request_id="", identity="t")
    with pytest.raises(StoreError) as err:
        await store.create({**base, "dataset_type": "ethical_dilemmas", "dataset_id": made["dataset_id"]},
                           request_id="", identity="t")
    assert from_store_error(err.value).code == OK.ALREADY_EXISTS
