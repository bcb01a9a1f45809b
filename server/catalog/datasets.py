"""CatalogService RPCs on training datasets, including the validation workflow."""

from __future__ import annotations

from typing import Any

from grpc import aio

from amauta.v1 import catalog_pb2, common_pb2
from server.catalog import convert as to
from server.catalog import fields
from server.catalog.filters import set_match, value_range
from server.rpc import paging
from server.rpc.policy import caller, creator, owner_scope
from server.rpc.validation import Checker, fingerprint
from stores.postgres.datasets import DatasetFilter, DatasetStore, Decision

_STATUS = common_pb2.ValidationStatus
_DECISIONS = {_STATUS.VALIDATION_STATUS_VALIDATED: "validated", _STATUS.VALIDATION_STATUS_REJECTED: "rejected"}


class DatasetRpcs:
    """Create, Get, List, Update, Delete and Validate datasets."""

    datasets: DatasetStore

    async def CreateDataset(self, request: catalog_pb2.CreateDatasetRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.CreateDatasetResponse:
        check = Checker()
        values = fields.create_values(check, request, fields.DATASET, "dataset")
        check.done()
        values["created_by"] = creator(values)
        row = await self.datasets.create(values, request_id=request.request_id, identity=caller().name,
                                         fingerprint=fingerprint(request))
        return catalog_pb2.CreateDatasetResponse(dataset=to.dataset(row))

    async def GetDataset(self, request: catalog_pb2.GetDatasetRequest,
                               context: aio.ServicerContext[Any, Any]) -> catalog_pb2.GetDatasetResponse:
        check = Checker()
        dataset_id = check.uuid(request.dataset_id, "dataset_id")
        check.done()
        return catalog_pb2.GetDatasetResponse(dataset=to.dataset(await self.datasets.get(dataset_id or "")))

    async def ListDatasets(self, request: catalog_pb2.ListDatasetsRequest,
                                 context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ListDatasetsResponse:
        check = Checker()
        asked = paging.open_page(request, (paging.INT,), check)
        flt = DatasetFilter(
            dataset_type=check.enum(request.dataset_type, common_pb2.DatasetType.DESCRIPTOR, "dataset_type",
                                    required=False),
            validation_status=check.enum(request.validation_status, _STATUS.DESCRIPTOR, "validation_status",
                                         required=False),
            quality_score=value_range(check, request, "quality_score"),
            target_capabilities=set_match(check, request, "target_capabilities"),
            created_at=value_range(check, request, "created_at"))
        check.done()
        page = await self.datasets.list(flt, asked.key, asked.size)
        return catalog_pb2.ListDatasetsResponse(datasets=[to.dataset(r) for r in page.rows],
                                                next_page_token=asked.token(page.next_key),
                                                resume_page_token=asked.token(page.last_key))

    async def UpdateDataset(self, request: catalog_pb2.UpdateDatasetRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.UpdateDatasetResponse:
        check = Checker()
        dataset_id = check.uuid(request.dataset.dataset_id, "dataset.dataset_id")
        values = fields.update_values(check, request, fields.DATASET, "dataset")
        check.non_negative(request.etag, "etag")
        check.done()
        row = await self.datasets.update(dataset_id or "", values, request.etag, owner=owner_scope())
        return catalog_pb2.UpdateDatasetResponse(dataset=to.dataset(row))

    async def DeleteDataset(self, request: catalog_pb2.DeleteDatasetRequest,
                                  context: aio.ServicerContext[Any, Any]) -> catalog_pb2.DeleteDatasetResponse:
        check = Checker()
        dataset_id = check.uuid(request.dataset_id, "dataset_id")
        check.non_negative(request.etag, "etag")
        check.done()
        removed = await self.datasets.delete(dataset_id or "", request.etag, owner=owner_scope())
        return catalog_pb2.DeleteDatasetResponse(dataset_id=dataset_id, deleted_content_count=removed)

    async def ValidateDataset(self, request: catalog_pb2.ValidateDatasetRequest,
                                    context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ValidateDatasetResponse:
        check = Checker()
        dataset_id = check.uuid(request.dataset_id, "dataset_id")
        status = _DECISIONS.get(request.decision)
        if status is None:
            check.fail("decision", "must be VALIDATION_STATUS_VALIDATED or VALIDATION_STATUS_REJECTED")
        validator = check.identifier(request.validator, "validator", required=False)
        reason = check.text(request.reason, "reason", max_chars=1000)
        score = (check.unit_interval(request.quality_score, "quality_score")
                 if request.HasField("quality_score") else None)
        metrics = check.struct(request.quality_metrics, "quality_metrics")
        check.non_negative(request.etag, "etag")
        check.done()
        who = caller()
        decision = Decision(status=status or "", validator=validator or who.name[:100], reason=reason or None,
                            quality_score=score, quality_metrics=metrics)
        row = await self.datasets.validate(dataset_id or "", decision, request.etag, owner=owner_scope())
        return catalog_pb2.ValidateDatasetResponse(dataset=to.dataset(row))
