"""The deadline bounds the store work: a call whose deadline passes while its work waits in PostgreSQL
is cancelled there, changes nothing and is logged as DEADLINE_EXCEEDED (not CANCELLED); a call that
arrives with too little time does not start."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid

import grpc
import pytest
from google.protobuf import field_mask_pb2
from grpc import aio

from amauta.v1 import catalog_pb2, catalog_pb2_grpc, common_pb2
from server.rpc import interceptors
from stores.postgres import PostgresStore
from tests.server.catalog.support import Catalog, fails, struct
from tests.support import Tokens

UPDATE = "/amauta.v1.CatalogService/UpdateDataset"


@pytest.fixture
def cat(channel: aio.Channel, tokens: Tokens) -> Catalog:
    return Catalog(catalog_pb2_grpc.CatalogServiceStub(channel), tokens)


async def _waiting_on_datasets(pg: PostgresStore) -> int:
    """Statements of other sessions waiting for a lock on training_datasets."""
    async with pg.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND wait_event_type = 'Lock' AND query LIKE '%%training_datasets%%'")
        row = await cur.fetchone()
        assert row is not None
        return int(row["n"])


async def test_a_deadline_that_passes_in_the_store_cancels_the_work_and_changes_nothing(
        cat: Catalog, pg: PostgresStore, caplog: pytest.LogCaptureFixture) -> None:
    ds = await cat.dataset(name="before")
    request = catalog_pb2.UpdateDatasetRequest(
        dataset=catalog_pb2.TrainingDataset(dataset_id=ds.dataset_id, name="after"),
        update_mask=field_mask_pb2.FieldMask(paths=["name"]), etag=ds.version)
    with caplog.at_level(logging.INFO, logger="amauta.access"):
        async with pg.transaction() as holder:  # the row stays locked until the end of this block
            await holder.execute("SELECT 1 FROM training_datasets WHERE dataset_id = %s FOR UPDATE",
                                 (ds.dataset_id,))
            started = time.monotonic()
            call = asyncio.ensure_future(cat.stub.UpdateDataset(request, metadata=cat.md(), timeout=1.0))
            waited = 0
            while not call.done() and waited == 0:
                waited = await _waiting_on_datasets(pg)
            assert waited == 1  # the update reached PostgreSQL and waits for the row
            with pytest.raises(aio.AioRpcError) as err:
                await call
            assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert time.monotonic() - started < 3.0
            # The update stopped waiting for the lock once its deadline passed, while the lock is
            # still held: the store work was cancelled, not left to finish after the caller gave up.
            for _ in range(40):
                if await _waiting_on_datasets(pg) == 0:
                    break
                await asyncio.sleep(0.05)
            assert await _waiting_on_datasets(pg) == 0
        await asyncio.sleep(0.3)  # time for a straggler, had there been one, to commit after the lock
    got = await cat.stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=ds.dataset_id), metadata=cat.md())
    assert got.dataset.name == "before" and got.dataset.version == ds.version
    statuses = [r.__dict__.get("status") for r in caplog.records
                if r.name == "amauta.access" and r.__dict__.get("rpc_method") == UPDATE]
    assert statuses == ["DEADLINE_EXCEEDED"]


async def test_a_call_arriving_with_too_little_time_is_refused_before_it_starts(
        cat: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    name = "deadline " + uuid.uuid4().hex
    request = catalog_pb2.CreateDatasetRequest(dataset=catalog_pb2.TrainingDataset(
        name=name, dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS, generation_method=struct(kind="m")))
    # A 5 s deadline counts as too short once the floor is above it; the refusal then reaches the
    # client before its own deadline, with the node's reason.
    monkeypatch.setattr(interceptors, "MIN_DEADLINE_SECONDS", 10.0)
    reason, _, _ = await fails(cat.stub.CreateDataset(request, metadata=cat.md(), timeout=5),
                               grpc.StatusCode.DEADLINE_EXCEEDED)
    assert reason == "DEADLINE_EXCEEDED"
    monkeypatch.undo()
    # A real deadline below the floor: refused (by the node or already by the client), never created.
    with pytest.raises(aio.AioRpcError) as err:
        await cat.stub.CreateDataset(request, metadata=cat.md(), timeout=0.001)
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await asyncio.sleep(0.3)
    listed = await cat.stub.ListDatasets(catalog_pb2.ListDatasetsRequest(page_size=1000), metadata=cat.md())
    assert name not in {d.name for d in listed.datasets}
    # Without a deadline the same request runs.
    created = await cat.stub.CreateDataset(request, metadata=cat.md())
    assert created.dataset.name == name
