"""Helpers of the CatalogService tests: record factories and status-detail readers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from amauta.v1 import catalog_pb2, catalog_pb2_grpc, common_pb2
from tests.support import Tokens


def struct(**values: Any) -> struct_pb2.Struct:
    """A Struct of keyword values."""
    out = struct_pb2.Struct()
    out.update(values)
    return out


def details(err: aio.AioRpcError) -> tuple[str, dict[str, str], list[str]]:
    """(ErrorInfo reason, its metadata, BadRequest fields) of a failed call."""
    status = rpc_status.from_call(err)
    assert status is not None, "no rich status"
    reason, meta, fields = "", {}, []
    for detail in status.details:
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail.Unpack(info):
            reason, meta = info.reason, dict(info.metadata)
        elif detail.Unpack(bad):
            fields = [v.field for v in bad.field_violations]
    return reason, meta, fields


async def fails(call: Awaitable[Any], code: grpc.StatusCode) -> tuple[str, dict[str, str], list[str]]:
    """Await call, assert it fails with code, return its details."""
    with pytest.raises(aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    return details(err.value)


@dataclass
class Catalog:
    """Creates records over gRPC as admin (or another identity)."""

    stub: catalog_pb2_grpc.CatalogServiceStub
    tokens: Tokens

    def md(self, who: str = "admin") -> tuple[tuple[str, str], ...]:
        return self.tokens.md(who)

    async def dataset(self, who: str = "admin", *, validated: bool = False, **fields: Any) -> catalog_pb2.TrainingDataset:
        values: dict[str, Any] = {"name": "dataset " + uuid.uuid4().hex[:8],
                                  "dataset_type": common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
                                  "generation_method": struct(kind="manual")}
        values.update(fields)
        reply = await self.stub.CreateDataset(catalog_pb2.CreateDatasetRequest(
            dataset=catalog_pb2.TrainingDataset(**values)), metadata=self.md(who))
        if validated:
            done = await self.stub.ValidateDataset(catalog_pb2.ValidateDatasetRequest(
                dataset_id=reply.dataset.dataset_id, decision=common_pb2.VALIDATION_STATUS_VALIDATED),
                metadata=self.md())
            return done.dataset
        return reply.dataset

    async def content(self, dataset_id: str, who: str = "admin", **fields: Any) -> catalog_pb2.TrainingContent:
        values: dict[str, Any] = {"dataset_id": dataset_id, "title": "item " + uuid.uuid4().hex[:8],
                                  "content_data": struct(prompt="p")}
        values.update(fields)
        reply = await self.stub.CreateContent(catalog_pb2.CreateContentRequest(
            content=catalog_pb2.TrainingContent(**values)), metadata=self.md(who))
        return reply.content

    async def environment(self, who: str = "admin", **fields: Any) -> catalog_pb2.SimulationEnvironment:
        values: dict[str, Any] = {"name": "env " + uuid.uuid4().hex[:8],
                                  "environment_type": common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION,
                                  "environment_config": struct(rounds=3)}
        values.update(fields)
        reply = await self.stub.CreateEnvironment(catalog_pb2.CreateEnvironmentRequest(
            environment=catalog_pb2.SimulationEnvironment(**values)), metadata=self.md(who))
        return reply.environment
