"""RecordEvents: proto messages → Arrow event batches, validation, size/time batching, pipelined writes.

A stream's valid rows are buffered until flush_rows rows or flush_seconds have gathered, then handed
to the EventStore; at most two flushes of a stream are in flight, so reading and validating the next
messages overlaps the write of the previous batch. The response is built once every flush returned,
that is once every accepted row is durable.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import grpc
import numpy as np
import pyarrow as pa
from google.protobuf.struct_pb2 import Struct

from amauta.v1 import analytics_pb2
from server.analytics.validation import EventRules, row_errors
from server.rpc import convert
from server.rpc.auth import Identity
from server.rpc.errors import ApiError, FieldViolation, invalid_argument
from server.rpc.policy import require_event_writer
from server.rpc.validation import struct_depth
from stores.analytics.events import EventStore, RecordOutcome, build_events
from stores.tasks import stop_requested

MAX_EVENTS_PER_MESSAGE = 10_000
MAX_ROWS_PER_MESSAGE = 100_000
MAX_ERRORS = 1_000
_OPTIONAL = ("session_id", "event_data", "performance_metrics", "duration_ms", "success_indicator",
             "difficulty_level", "learning_objective", "content_type")
_REQUIRED = ("timestamp", "event_id", "learner_id", "event_type")
_JSON_DEPTH = 32


@dataclass(frozen=True)
class IngestConfig:
    """Batching and limits of event ingest."""

    flush_rows: int = 50_000
    flush_seconds: float = 0.2
    max_stream_rows: int = 50_000_000
    rules: EventRules = field(default_factory=EventRules)


def resource_exhausted(message: str) -> ApiError:
    """RESOURCE_EXHAUSTED for a message or stream over its limit."""
    return ApiError(grpc.StatusCode.RESOURCE_EXHAUSTED, message, "LIMIT_EXCEEDED")


def columns_batch(columns: analytics_pb2.EventColumns) -> pa.Table:
    """An event batch from a columnar message; INVALID_ARGUMENT when column lengths disagree."""
    n = len(columns.timestamp)
    if n > MAX_ROWS_PER_MESSAGE:
        raise resource_exhausted(f"a message carries at most {MAX_ROWS_PER_MESSAGE} rows")
    wrong = [FieldViolation(f"columns.{name}", f"must have {n} entries")
             for name in _REQUIRED if len(getattr(columns, name)) != n]
    wrong += [FieldViolation(f"columns.{name}", f"must be empty or have {n} entries")
              for name in _OPTIONAL if len(getattr(columns, name)) not in (0, n)]
    if wrong:
        raise invalid_argument(wrong)
    return build_events(n, timestamp_ms=columns.timestamp, **{
        name: getattr(columns, name) for name in _REQUIRED[1:] + _OPTIONAL})


def _struct_json(value: Struct, rules: EventRules) -> tuple[str, str]:
    """(JSON text, violation) of a Struct field; the violation is "" when the Struct is acceptable."""
    if not value.fields:
        return "{}", ""
    if value.ByteSize() > rules.json_bytes:
        return "{}", f"must be at most {rules.json_bytes} bytes"
    if struct_depth(value, _JSON_DEPTH) > _JSON_DEPTH:
        return "{}", f"must be nested at most {_JSON_DEPTH} levels"
    return json.dumps(convert.struct_to_dict(value), separators=(",", ":")), ""


def events_batch(events: Sequence[analytics_pb2.LearningEvent], rules: EventRules
                 ) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """An event batch from event messages (one Python pass; the columnar form avoids it), with the
    rows whose Struct fields are too large or too deep."""
    if len(events) > MAX_EVENTS_PER_MESSAGE:
        raise resource_exhausted(f"a message carries at most {MAX_EVENTS_PER_MESSAGE} events")
    cols: dict[str, list[Any]] = {name: [] for name in ("timestamp_ms", *_REQUIRED[1:], *_OPTIONAL)}
    errors: list[tuple[int, str, str]] = []
    for i, e in enumerate(events):
        cols["timestamp_ms"].append(e.timestamp.seconds * 1000 + e.timestamp.nanos // 1_000_000)
        for name in ("event_id", "learner_id", "event_type", "session_id", "duration_ms",
                     "success_indicator", "difficulty_level", "learning_objective", "content_type"):
            cols[name].append(getattr(e, name))
        for name in ("event_data", "performance_metrics"):
            text, problem = _struct_json(getattr(e, name), rules)
            cols[name].append(text)
            if problem:
                errors.append((i, name, problem))
    return build_events(len(events), **cols), errors


def merge_errors(valid: np.ndarray, errors: list[tuple[int, str, str]],
                 extra: list[tuple[int, str, str]]) -> list[tuple[int, str, str]]:
    """Add errors of rows that row_errors() passed (one error per row); updates valid in place."""
    flagged = {i for i, _, _ in errors}
    added = []
    for error in extra:
        if error[0] not in flagged:
            flagged.add(error[0])
            added.append(error)
            valid[error[0]] = False
    return sorted(errors + added)


@dataclass
class _Tally:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    def reject(self, errors: list[tuple[int, str, str]]) -> None:
        self.rejected += len(errors)
        self.errors.extend(errors)
        if len(self.errors) > 2 * MAX_ERRORS:  # keep memory bounded: only the first MAX_ERRORS matter
            self.errors = sorted(self.errors)[:MAX_ERRORS]

    def response(self) -> analytics_pb2.RecordEventsResponse:
        errors = sorted(self.errors)[:MAX_ERRORS]
        return analytics_pb2.RecordEventsResponse(
            accepted_count=self.accepted, duplicate_count=self.duplicates, rejected_count=self.rejected,
            errors=[analytics_pb2.EventError(index=i, field=f, message=m) for i, f, m in errors],
            errors_truncated=self.rejected > len(errors))


class StreamIngest:
    """One RecordEvents stream: validate each message, batch by size and time, write, tally."""

    def __init__(self, events: EventStore, identity: Identity, config: IngestConfig) -> None:
        self.events = events
        self.identity = identity
        self.config = config
        self.tally = _Tally()
        self._seen = 0
        self._buffer: list[tuple[pa.Table, np.ndarray]] = []
        self._buffered = 0
        self._first_at = 0.0
        self._inflight: deque[tuple[asyncio.Task[RecordOutcome], np.ndarray]] = deque()

    async def run(self, requests: AsyncIterator[analytics_pb2.RecordEventsRequest]
                  ) -> analytics_pb2.RecordEventsResponse:
        """Consume the stream; returns the response once every accepted row is durable."""
        timer = asyncio.create_task(self._timer())
        try:
            async for request in requests:
                self._add(request)
                while len(self._inflight) > 2 or (self._inflight and self._inflight[0][0].done()):
                    await self._settle()
            self._flush()
            while self._inflight:
                await self._settle()
        finally:
            timer.cancel()
            for task, _ in self._inflight:  # a failed stream still lets its writes finish
                task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return self.tally.response()

    def _add(self, request: analytics_pb2.RecordEventsRequest) -> None:
        has_events, has_columns = len(request.events) > 0, request.HasField("columns")
        if has_events == has_columns:
            raise invalid_argument([FieldViolation(
                "events", "set exactly one of events and columns in each message")])
        if len(request.batch_id) > self.config.rules.batch_id_chars:
            raise invalid_argument([FieldViolation(
                "batch_id", f"must be at most {self.config.rules.batch_id_chars} characters")])
        struct_errors: list[tuple[int, str, str]] = []
        if has_columns:
            batch = columns_batch(request.columns)
        else:
            batch, struct_errors = events_batch(request.events, self.config.rules)
        if self._seen + batch.num_rows > self.config.max_stream_rows:
            raise resource_exhausted(f"a stream carries at most {self.config.max_stream_rows} events")
        require_event_writer(batch, self.identity)
        valid, errors = row_errors(batch, self.config.rules, datetime.now(timezone.utc))
        if struct_errors:
            errors = merge_errors(valid, errors, struct_errors)
        positions = np.arange(self._seen, self._seen + batch.num_rows, dtype=np.int64)
        self._seen += batch.num_rows
        if errors:
            self.tally.reject([(int(positions[i]), f, m) for i, f, m in errors])
            batch, positions = batch.filter(pa.array(valid)), positions[valid]
        if batch.num_rows:
            if not self._buffer:
                self._first_at = asyncio.get_running_loop().time()
            self._buffer.append((batch, positions))
            self._buffered += batch.num_rows
            if self._buffered >= self.config.flush_rows:
                self._flush()

    def _flush(self) -> None:
        """Hand the buffer to the writer (no await: the buffer swap is atomic on the loop)."""
        if not self._buffer:
            return
        tables, positions = zip(*self._buffer, strict=True)
        batch = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        self._buffer, self._buffered = [], 0
        task = asyncio.create_task(self.events.record(batch))
        self._inflight.append((task, np.concatenate(positions)))

    async def _settle(self) -> None:
        task, positions = self._inflight.popleft()
        outcome = await task
        self.tally.accepted += outcome.inserted
        self.tally.duplicates += outcome.duplicates
        if outcome.invalid:
            self.tally.reject([(int(positions[r.index]), r.field, r.message) for r in outcome.invalid])

    async def _timer(self) -> None:
        loop = asyncio.get_running_loop()
        while not stop_requested():
            await asyncio.sleep(self.config.flush_seconds / 2)
            if self._buffer and loop.time() - self._first_at >= self.config.flush_seconds:
                self._flush()
