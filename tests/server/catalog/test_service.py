"""CatalogServicer wiring over the session's channel: each RPC family answers through one servicer."""

from __future__ import annotations

import uuid
from typing import TypeAlias

import grpc

from amauta.v1 import catalog_pb2, catalog_pb2_grpc
from tests.server.catalog.support import Catalog, fails

Stub: TypeAlias = catalog_pb2_grpc.CatalogServiceStub


async def test_datasets_content_and_environments_are_served(cat: Catalog, stub: Stub) -> None:
    ds = await cat.dataset()
    got = await stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=ds.dataset_id), metadata=cat.md())
    assert got.dataset == ds
    item = await cat.content(ds.dataset_id)
    listed = await stub.ListContent(catalog_pb2.ListContentRequest(dataset_id=ds.dataset_id), metadata=cat.md())
    assert [c.content_id for c in listed.contents] == [item.content_id]
    env = await cat.environment()
    assert (await stub.GetEnvironment(catalog_pb2.GetEnvironmentRequest(environment_id=env.environment_id),
                                      metadata=cat.md())).environment == env


async def test_the_queue_is_served(stub: Stub, cat: Catalog) -> None:
    stats = await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=cat.md())
    assert len(stats.queues) == 3


async def test_validation_happens_before_any_store_call(stub: Stub, cat: Catalog) -> None:
    reason, _, fields = await fails(stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id="nope"),
                                                    metadata=cat.md()), grpc.StatusCode.INVALID_ARGUMENT)
    assert (reason, fields) == ("INVALID_ARGUMENT", ["dataset_id"])
    missing = str(uuid.uuid4())
    reason, _, _ = await fails(stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=missing),
                                               metadata=cat.md()), grpc.StatusCode.NOT_FOUND)
    assert reason == "DATASET_NOT_FOUND"
