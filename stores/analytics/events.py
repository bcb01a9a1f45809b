"""Learning-event ingest: Arrow columns in the learning_events layout, idempotent, durable inserts.

Idempotency key: (event_id, timestamp). Before inserting, one query per flush finds the rows whose
key is already stored (the set of the flush's timestamps prunes the lookup through the primary key,
which starts with timestamp, to the granules that hold them) and, in the same round trip, the rows
whose JSON columns do not parse.
Only new, valid rows are inserted, with a dedup token derived from their keys and from the newest
DELETE mutation of the table, so an insert repeated by a second writer with the same rows is dropped
by ClickHouse too, while rows deleted on purpose can be written again. All
flushes of one process go through one writer: concurrent callers are grouped into one insert
(group commit) and lookups never race with inserts of the same process.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stores.analytics.base import AnalyticsBackend
from stores.analytics.cluster import local_name

#: learning_events columns, in schema order.
COLUMNS = ("timestamp", "event_id", "learner_id", "session_id", "event_type", "event_data",
           "performance_metrics", "duration_ms", "success_indicator", "difficulty_level",
           "learning_objective", "content_type")
#: Enum8 names of event_type; the number of a name is its index + 1.
EVENT_TYPES = ("session_start", "content_access", "interaction", "assessment_submit", "session_end",
               "error")
#: Event types derived from PostgreSQL by the outbox relay (rule 5); ingest does not accept them.
SOURCE_EVENT_TYPES = frozenset({"session_start", "session_end", "assessment_submit"})
#: JSON columns, checked by the store (they must hold a JSON object).
JSON_COLUMNS = ("event_data", "performance_metrics")

#: Layout of an event batch: learning_events with event_type as its Enum8 number.
SCHEMA = pa.schema([
    ("timestamp", pa.timestamp("ms", tz="UTC")), ("event_id", pa.string()), ("learner_id", pa.string()),
    ("session_id", pa.string()), ("event_type", pa.int32()), ("event_data", pa.string()),
    ("performance_metrics", pa.string()), ("duration_ms", pa.uint64()),
    ("success_indicator", pa.bool_()), ("difficulty_level", pa.float64()),
    ("learning_objective", pa.string()), ("content_type", pa.string()),
])
_TYPE_NAMES = pa.array(["", *EVENT_TYPES])


def _strings(values: Sequence[str], n: int, default: str = "") -> pa.Array:
    if len(values) == 0:
        return pa.array(np.full(n, default, dtype=object), pa.string())
    return pa.array(values, pa.string())


def _numbers(values: Sequence[Any], n: int, dtype: Any, arrow: pa.DataType) -> pa.Array:
    # np.array reads protobuf repeated scalars through the buffer protocol, without a Python loop.
    if len(values) == 0:
        return pa.array(np.zeros(n, dtype=dtype), arrow)
    return pa.array(np.asarray(values, dtype=dtype), arrow)


def build_events(n: int, *, timestamp_ms: Sequence[int], event_id: Sequence[str],
                 learner_id: Sequence[str], event_type: Sequence[int], session_id: Sequence[str] = (),
                 event_data: Sequence[str] = (), performance_metrics: Sequence[str] = (),
                 duration_ms: Sequence[int] = (), success_indicator: Sequence[bool] = (),
                 difficulty_level: Sequence[float] = (), learning_objective: Sequence[str] = (),
                 content_type: Sequence[str] = ()) -> pa.Table:
    """An event batch of n rows from columns; an empty optional column means its default for every row.

    Session ids are lowercased (their canonical UUID form) and empty JSON text becomes '{}'. The
    caller checks that every given column has n entries.
    """
    def json_text(values: Sequence[str]) -> pa.Array:
        arr = _strings(values, n, "{}")
        if len(values) and pc.min(pc.binary_length(arr)).as_py() == 0:
            arr = pc.if_else(pc.equal(arr, ""), "{}", arr)
        return arr

    return pa.Table.from_arrays([
        _numbers(timestamp_ms, n, np.int64, pa.int64()).cast(pa.timestamp("ms", tz="UTC")),
        _strings(event_id, n), _strings(learner_id, n), pc.utf8_lower(_strings(session_id, n)),
        _numbers(event_type, n, np.int32, pa.int32()), json_text(event_data),
        json_text(performance_metrics), _numbers(duration_ms, n, np.uint64, pa.uint64()),
        _numbers(success_indicator, n, np.bool_, pa.bool_()),
        _numbers(difficulty_level, n, np.float64, pa.float64()),
        _strings(learning_objective, n), _strings(content_type, n),
    ], schema=SCHEMA)


def for_insert(batch: pa.Table) -> pa.Table:
    """The batch with event_type as Enum8 names, which both backends insert."""
    names = pc.take(_TYPE_NAMES, batch.column("event_type"))
    return batch.set_column(COLUMNS.index("event_type"), "event_type", names)


def dedup_token(batch: pa.Table) -> str:
    """A token that depends only on the (event_id, timestamp) keys of batch, in order."""
    digest = hashlib.sha256()
    for name in ("event_id", "timestamp"):
        column = batch.column(name).combine_chunks()
        if name == "timestamp":
            column = column.cast(pa.int64())
        for buffer in column.buffers()[1:]:
            if buffer is not None:
                digest.update(memoryview(buffer))
    return f"events-{batch.num_rows}-{digest.hexdigest()[:40]}"


@dataclass(frozen=True)
class InvalidRow:
    """A row the store refused: its index in the submitted batch, the column and why."""

    index: int
    field: str
    message: str


@dataclass(frozen=True)
class RecordOutcome:
    """What record() did with one batch."""

    inserted: int
    duplicates: int
    invalid: list[InvalidRow] = field(default_factory=list)


# One query per flush: rows with bad JSON, rows whose (event_id, timestamp) is already stored, and
# (row i = -1) the newest mutation of learning_events, which every DELETE advances. The set of the
# flush's exact timestamps lets the primary key skip every granule that holds none of them; one
# [min, max] range would read the whole table for a batch spread over months (a backfill, a relay
# catching up), and OR-ed ranges cost more to evaluate per row than the granules they skip.
_LOOKUP = """
SELECT i, toUInt8(bad_data) AS bad_data, toUInt8(bad_metrics) AS bad_metrics, toUInt8(stored) AS stored,
       toInt64(0) AS deletions FROM (
    SELECT i,
        NOT (event_data = '{}' OR JSONType(event_data) = 'Object') AS bad_data,
        NOT (performance_metrics = '{}' OR JSONType(performance_metrics) = 'Object') AS bad_metrics,
        (event_id, ts) IN (
            SELECT event_id, toUnixTimestamp64Milli(timestamp) FROM learning_events
            WHERE timestamp IN (SELECT fromUnixTimestamp64Milli(ts, 'UTC') FROM {input})
              AND event_id IN (SELECT event_id FROM {input})) AS stored
    FROM {input})
WHERE bad_data OR bad_metrics OR stored
UNION ALL
SELECT toInt64(-1), toUInt8(0), toUInt8(0), toUInt8(0), toInt64(max(arrayMax(block_numbers.number)))
FROM system.mutations WHERE database = currentDatabase() AND table = 'learning_events'
"""


@dataclass
class _Job:
    batch: pa.Table
    future: asyncio.Future[RecordOutcome]


class EventStore:
    """Durable, idempotent inserts into learning_events through one group-committing writer."""

    def __init__(self, backend: AnalyticsBackend, *, max_flush_rows: int = 100_000) -> None:
        self.backend = backend
        self.max_flush_rows = max_flush_rows
        self._pending: list[_Job] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, batch: pa.Table) -> RecordOutcome:
        """Insert the new, valid rows of batch (SCHEMA layout); returns once they are durable."""
        if batch.num_rows == 0:
            return RecordOutcome(0, 0)
        job = _Job(batch, asyncio.get_running_loop().create_future())
        # A caller that went away must not leave an unretrieved exception behind.
        job.future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._pending.append(job)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="event-writer")
        # A cancelled caller leaves the job to the writer: the rows land, and a retry finds them.
        return await asyncio.shield(job.future)

    async def _drain(self) -> None:
        while self._pending:
            jobs: list[_Job] = []
            rows = 0
            while self._pending and (not jobs or rows + self._pending[0].batch.num_rows <= self.max_flush_rows):
                job = self._pending.pop(0)
                jobs.append(job)
                rows += job.batch.num_rows
            try:
                outcomes = await self._flush([job.batch for job in jobs])
            except asyncio.CancelledError:
                for job in jobs + self._pending:
                    job.future.cancel()
                self._pending.clear()
                raise
            except Exception as exc:  # every caller of the flush sees its failure
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            for job, outcome in zip(jobs, outcomes, strict=True):
                if not job.future.done():
                    job.future.set_result(outcome)

    async def _flush(self, batches: list[pa.Table]) -> list[RecordOutcome]:
        table = pa.concat_tables(batches).combine_chunks() if len(batches) > 1 else batches[0]
        n = table.num_rows
        index = pa.array(np.arange(n, dtype=np.int64))
        ts = table.column("timestamp").cast(pa.int64())
        keys = pa.table({"i": index, "event_id": table.column("event_id"), "ts": ts,
                         "event_data": table.column("event_data"),
                         "performance_metrics": table.column("performance_metrics")})
        found = await self.backend.query_input(_LOOKUP, keys)
        bad: dict[int, str] = {}
        stored = np.zeros(n, dtype=bool)
        deletions = 0
        for row in found:
            i = int(row["i"])
            if i < 0:
                deletions = int(row["deletions"])
            elif row["bad_data"]:
                bad[i] = "event_data"
            elif row["bad_metrics"]:
                bad[i] = "performance_metrics"
            elif row["stored"]:
                stored[i] = True
        candidate = ~stored
        if bad:
            candidate[list(bad)] = False
        insert = candidate.copy()
        ids = table.column("event_id")
        if pc.count_distinct(ids).as_py() < n:  # rare: only then find the first row of each key
            firsts = (pa.table({"event_id": ids, "ts": ts, "i": index})
                      .filter(pa.array(candidate))
                      .group_by(["event_id", "ts"], use_threads=False).aggregate([("i", "min")])
                      .column("i_min").to_numpy())
            insert[:] = False
            insert[firsts] = True
        if insert.any():
            rows = table.filter(pa.array(insert))
            # The deletion count in the token lets rows deleted on purpose (a rule-5 repair, an erasure
            # followed by a replay) be written again; ClickHouse would drop a block it has seen.
            await self.backend.insert("learning_events", for_insert(rows),
                                      dedup_token=f"{dedup_token(rows)}-d{deletions}")
        return _split(batches, insert, bad)


def _split(batches: list[pa.Table], insert: np.ndarray, bad: dict[int, str]) -> list[RecordOutcome]:
    """Per-batch outcomes of one flush."""
    outcomes, start = [], 0
    for batch in batches:
        stop = start + batch.num_rows
        inserted = int(insert[start:stop].sum())
        invalid = [InvalidRow(i - start, bad[i], "must be a JSON object")
                   for i in sorted(i for i in bad if start <= i < stop)]
        outcomes.append(RecordOutcome(inserted, batch.num_rows - inserted - len(invalid), invalid))
        start = stop
    return outcomes


#: The TTL spares the events derived from PostgreSQL (rule 5): they mirror rows PostgreSQL keeps, so
#: ReconcileAnalytics stays exact and a repair never redelivers a row that the TTL would delete again.
_KEEP_DERIVED = "WHERE event_type NOT IN (" + ", ".join(f"'{t}'" for t in sorted(SOURCE_EVENT_TYPES)) + ")"


async def set_retention(backend: AnalyticsBackend, days: int) -> None:
    """Raw-event TTL: delete ingested learning_events rows older than days (0 removes the TTL).

    Events derived from PostgreSQL by the outbox relay (SOURCE_EVENT_TYPES) are kept for good.
    """
    if days < 0:
        raise ValueError("retention days must not be negative")
    # On a cluster the TTL belongs to the stored rows (the local tables), not to the Distributed table.
    table = local_name("learning_events") if backend.settings.cluster else "learning_events"
    rows = await backend.query("SELECT create_table_query AS q FROM system.tables"
                               " WHERE database = currentDatabase() AND name = {t:String}", {"t": table})
    current = rows[0]["q"] if rows else ""
    if days:
        clause = f"toIntervalDay({int(days)}) {_KEEP_DERIVED}"
        if clause not in current:  # MODIFY TTL rewrites parts: only when the setting changed
            await backend.execute_ddl(f"ALTER TABLE learning_events MODIFY TTL toDateTime(timestamp) + {clause}")
    elif " TTL " in current:
        await backend.execute_ddl("ALTER TABLE learning_events REMOVE TTL")
