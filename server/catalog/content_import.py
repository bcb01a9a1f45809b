"""CatalogService.ImportContent: a client stream of a header and item batches, validated per item and
written in batches while the next batch is being read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc import aio

from amauta.v1 import catalog_pb2
from server.catalog import fields
from server.rpc.errors import ApiError, FieldViolation, invalid_argument
from server.rpc.policy import caller, owner_name, owner_scope
from server.rpc.validation import Checker
from stores.postgres.content_import import BatchOutcome, ContentImporter

MAX_ITEMS_PER_MESSAGE = 10_000
MAX_STREAM_ITEMS = 1_000_000
MAX_STREAM_BYTES = 1 << 30
BATCH_ITEMS = 5_000
MAX_REPORTED_ERRORS = 1_000

#: Item fields read on import; dataset_id is checked against the header separately.
#: created_by is not read either: imported items belong to the importer.
_ITEM_SPECS = (*(s for s in fields.CONTENT.create_only if s.name != "created_by"),
               *(s for s in fields.CONTENT.mutable if s.name != "dataset_id"))

Item = tuple[int, Mapping[str, Any]]


@dataclass
class _Tally:
    """Counts and rejected items of one import."""

    received: int = 0
    imported: int = 0
    duplicates: int = 0
    bytes: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)

    def add(self, outcome: BatchOutcome) -> None:
        self.imported += outcome.imported
        self.duplicates += outcome.duplicates
        self.rejected.extend(outcome.rejected)

    def response(self) -> catalog_pb2.ImportContentResponse:
        self.rejected.sort()
        return catalog_pb2.ImportContentResponse(
            received_count=self.received, imported_count=self.imported, rejected_count=len(self.rejected),
            duplicate_count=self.duplicates, errors_truncated=len(self.rejected) > MAX_REPORTED_ERRORS,
            errors=[catalog_pb2.ImportError(index=i, field=f, message=m)
                    for i, f, m in self.rejected[:MAX_REPORTED_ERRORS]])


class _Pipeline:
    """At most one batch write in flight, so reading and validating overlap the database work."""

    def __init__(self, write: Callable[[Sequence[Item]], Awaitable[BatchOutcome]], tally: _Tally) -> None:
        self.write = write
        self.tally = tally
        self.task: asyncio.Task[BatchOutcome] | None = None

    async def submit(self, batch: Sequence[Item]) -> None:
        await self.drain()
        self.task = asyncio.ensure_future(self.write(batch))

    async def drain(self) -> None:
        if self.task is not None:
            task, self.task = self.task, None
            self.tally.add(await task)

    async def abandon(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


def _header(message: catalog_pb2.ImportContentRequest | None) -> tuple[str, str]:
    """(dataset_id, request_id) of the first message, which must be a valid header."""
    if message is None or message.WhichOneof("payload") != "header":
        raise invalid_argument([FieldViolation("header", "the first message must be a header")])
    check = Checker()
    dataset_id = check.uuid(message.header.dataset_id, "header.dataset_id")
    request_id = check.identifier(message.header.request_id, "header.request_id")
    check.done()
    return dataset_id or "", request_id


def read_item(item: catalog_pb2.TrainingContent, index: int,
              dataset_id: str) -> tuple[dict[str, Any] | None, tuple[int, str, str] | None]:
    """An item's column values, or its rejection (index, top-level field, every violation)."""
    check = Checker()
    values = fields.read(check, item, _ITEM_SPECS, "", creating=True)
    if item.dataset_id and check.uuid(item.dataset_id, "dataset_id") not in (None, dataset_id):
        check.fail("dataset_id", "must be empty or the header's dataset_id")
    if not check.violations:
        return values, None
    first = check.violations[0].field.split("[", 1)[0].split(".", 1)[0]
    return None, (index, first, "; ".join(f"{v.field}: {v.description}" for v in check.violations))


def _limit(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.RESOURCE_EXHAUSTED, message, "IMPORT_TOO_LARGE",
                    {"max_items": str(MAX_STREAM_ITEMS), "max_bytes": str(MAX_STREAM_BYTES)})


class ImportRpcs:
    """ImportContent."""

    importer: ContentImporter

    async def ImportContent(self, request_iterator: AsyncIterator[catalog_pb2.ImportContentRequest],
                            context: aio.ServicerContext[Any, Any]) -> catalog_pb2.ImportContentResponse:
        who = caller()
        stream = aiter(request_iterator)
        dataset_id, request_id = _header(await anext(stream, None))
        await self.importer.begin(dataset_id, request_id, who.name, owner=owner_scope())
        owner = owner_name(who)
        tally = _Tally()
        pipeline = _Pipeline(lambda batch: self.importer.write(dataset_id, request_id, batch, identity=who.name,
                                                               created_by=owner), tally)
        batch: list[Item] = []
        try:
            async for message in stream:
                items = self._items(message, tally)
                for item in items:
                    values, rejected = read_item(item, tally.received, dataset_id)
                    if rejected is not None:
                        tally.rejected.append(rejected)
                    else:
                        batch.append((tally.received, values or {}))
                    tally.received += 1
                if len(batch) >= BATCH_ITEMS:
                    await pipeline.submit(batch)
                    batch = []
            await pipeline.submit(batch)
            await pipeline.drain()
        except BaseException:
            await pipeline.abandon()  # batches already committed stay; a retry counts them as duplicates
            raise
        return tally.response()

    @staticmethod
    def _items(message: catalog_pb2.ImportContentRequest, tally: _Tally) -> Sequence[catalog_pb2.TrainingContent]:
        kind = message.WhichOneof("payload")
        if kind == "header":
            raise invalid_argument([FieldViolation("header", "only the first message may be a header")])
        if kind is None:
            raise invalid_argument([FieldViolation("payload", "a message must carry a header or items")])
        items = message.items.items
        if len(items) > MAX_ITEMS_PER_MESSAGE:
            raise invalid_argument([FieldViolation("items.items", f"at most {MAX_ITEMS_PER_MESSAGE} per message")])
        tally.bytes += message.ByteSize()
        if tally.received + len(items) > MAX_STREAM_ITEMS or tally.bytes > MAX_STREAM_BYTES:
            raise _limit(f"an import may carry at most {MAX_STREAM_ITEMS} items and {MAX_STREAM_BYTES} bytes")
        return items
