"""Training datasets (§4.2.1): create, read, list, update, delete and the validation workflow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from stores.errors import Conflict, PreconditionFailed, not_found
from stores.postgres import PostgresStore
from stores.postgres import content_events as events
from stores.postgres.sql import (
    Page,
    Range,
    Row,
    SetMatch,
    Where,
    assignments,
    bind,
    create_once,
    fetch_all,
    fetch_one,
    insert_sql,
    new_id,
    page_of,
    require_owner,
)

#: Columns a create may set (the rest have defaults or are output only).
CREATE_COLUMNS = frozenset({
    "dataset_id", "name", "description", "dataset_type", "generation_method", "quality_metrics",
    "target_capabilities", "source_accords", "source_memories", "created_by", "quality_score",
})
#: Columns an update may set.
UPDATE_COLUMNS = CREATE_COLUMNS - {"dataset_id", "created_by"}

COLUMNS = ("dataset_id::text AS dataset_id, name, description, dataset_type, generation_method,"
           " quality_metrics, target_capabilities, source_accords, source_memories, created_at,"
           " updated_at, created_by, version, validation_status, usage_count, quality_score,"
           " validated_by, validation_reason, validated_at")
# Lists are in commit order (list_seq, migration postgres/0120), so a reader that continues from its
# last token sees every committed row once.
ORDER = ("d.list_seq",)


@dataclass(frozen=True)
class DatasetFilter:
    """ListDatasets filters; None matches everything."""

    dataset_type: str | None = None
    validation_status: str | None = None
    quality_score: Range | None = None
    target_capabilities: SetMatch | None = None
    created_at: Range | None = None


@dataclass(frozen=True)
class Decision:
    """A ValidateDataset decision."""

    status: str                        # 'validated' or 'rejected'
    validator: str
    reason: str | None
    quality_score: float | None = None  # None: keep
    quality_metrics: dict[str, Any] | None = None  # None: keep


def _key(row: Row) -> tuple[int]:
    return (row["list_seq"],)


class DatasetStore:
    """SQL for training_datasets."""

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def create(self, values: Mapping[str, Any], *, request_id: str, identity: str,
                     fingerprint: str = "") -> Row:
        """Insert a dataset (pending, version 1); idempotent by request_id."""
        dataset_id = new_id(values.get("dataset_id"))
        row = {k: v for k, v in values.items() if v is not None}
        row.update(dataset_id=dataset_id, created_by=values.get("created_by") or identity[:100])  # VARCHAR(100)

        async def insert(conn: psycopg.AsyncConnection[Any]) -> Row:
            sql, params = insert_sql("training_datasets", row, CREATE_COLUMNS, COLUMNS)
            created = await fetch_one(conn, sql, params)
            assert created is not None
            return created

        return await create_once(self.pg, "CreateDataset", request_id, identity, dataset_id, insert, self.get,
                                 fingerprint)

    async def get(self, dataset_id: str) -> Row:
        """One dataset; NotFound when absent."""
        async with self.pg.connection() as conn:
            row = await fetch_one(conn, f"SELECT {COLUMNS} FROM training_datasets WHERE dataset_id = %s",
                                  (dataset_id,))
        if row is None:
            raise not_found("dataset", dataset_id)
        return row

    async def list(self, flt: DatasetFilter, after: tuple[Any, ...] | None, limit: int) -> Page:
        """One keyset page in commit order (list_seq)."""
        where = Where()
        where.equals("d.dataset_type", flt.dataset_type)
        where.equals("d.validation_status", flt.validation_status)
        where.within("d.quality_score", flt.quality_score, "::numeric")
        where.array("d.target_capabilities", flt.target_capabilities)
        where.within("d.created_at", flt.created_at)
        where.after(ORDER, after)
        sql = (f"SELECT {COLUMNS}, d.list_seq FROM training_datasets d{where.sql()}"
               f" ORDER BY {', '.join(ORDER)} LIMIT %s")
        async with self.pg.connection() as conn:
            rows = await fetch_all(conn, sql, [*where.params, limit + 1])
        return page_of(rows, limit, _key)

    async def update(self, dataset_id: str, values: Mapping[str, Any], etag: int, *, owner: str | None = None) -> Row:
        """Set the given columns, bump version; Conflict on a stale etag. A type change re-announces
        the dataset's content to the outbox, since each item's content_type is the dataset's type."""
        async with self.pg.transaction() as conn:
            current = await self._lock(conn, dataset_id, etag, owner)
            sets, params = assignments(values, UPDATE_COLUMNS)
            row = await fetch_one(
                conn, f"UPDATE training_datasets SET {', '.join(sets)}, version = COALESCE(version, 1) + 1,"
                f" updated_at = now() WHERE dataset_id = %s RETURNING {COLUMNS}", [*params, dataset_id])
            assert row is not None
            if "dataset_type" in values and values["dataset_type"] != current["dataset_type"]:
                await events.dataset_changed(conn, events.UPSERTED, dataset_id)
        return row

    async def validate(self, dataset_id: str, decision: Decision, etag: int, *, owner: str | None = None) -> Row:
        """pending → validated | rejected, recording who, why and when."""
        async with self.pg.transaction() as conn:
            current = await self._lock(conn, dataset_id, etag, owner)
            if current["validation_status"] != "pending":
                raise PreconditionFailed(
                    f"dataset {dataset_id!r} is {current['validation_status']}, not pending",
                    reason="DATASET_NOT_PENDING",
                    metadata={"dataset_id": dataset_id, "validation_status": current["validation_status"]})
            row = await fetch_one(
                conn, "UPDATE training_datasets SET validation_status = %s, validated_by = %s,"
                " validation_reason = %s, validated_at = now(),"
                " quality_score = COALESCE(%s, quality_score), quality_metrics = COALESCE(%s, quality_metrics),"
                " version = COALESCE(version, 1) + 1, updated_at = now()"
                f" WHERE dataset_id = %s RETURNING {COLUMNS}",
                (decision.status, decision.validator, decision.reason,
                 bind("quality_score", decision.quality_score),
                 bind("quality_metrics", decision.quality_metrics), dataset_id))
            assert row is not None
        return row

    async def delete(self, dataset_id: str, etag: int, *, owner: str | None = None) -> int:
        """Delete a dataset and, by cascade, its content; returns the number of content rows removed."""
        async with self.pg.transaction() as conn:
            await self._lock(conn, dataset_id, etag, owner)  # blocks new content (their FK takes KEY SHARE)
            used = await fetch_one(
                conn, "SELECT EXISTS (SELECT 1 FROM learning_sessions s JOIN training_content c"
                " ON c.content_id = s.content_id WHERE c.dataset_id = %s) AS sessions,"
                " EXISTS (SELECT 1 FROM training_content v JOIN training_content c"
                " ON v.variation_source = c.content_id WHERE c.dataset_id = %s AND v.dataset_id <> %s) AS variations",
                (dataset_id, dataset_id, dataset_id))
            assert used is not None
            if used["sessions"]:
                raise PreconditionFailed(f"content of dataset {dataset_id!r} is used by learning sessions",
                                         reason="CONTENT_IN_USE", metadata={"dataset_id": dataset_id})
            if used["variations"]:
                raise PreconditionFailed(
                    f"content of dataset {dataset_id!r} is the variation source of content in other datasets",
                    reason="CONTENT_HAS_VARIATIONS", metadata={"dataset_id": dataset_id})
            removed = await events.dataset_changed(conn, events.DELETED, dataset_id)
            await conn.execute("DELETE FROM training_datasets WHERE dataset_id = %s", (dataset_id,))
        return removed

    async def _lock(self, conn: psycopg.AsyncConnection[Any], dataset_id: str, etag: int,
                    owner: str | None) -> Row:
        row = await fetch_one(conn, "SELECT version, validation_status, dataset_type, created_by FROM training_datasets"
                              " WHERE dataset_id = %s FOR UPDATE", (dataset_id,))
        if row is None:
            raise not_found("dataset", dataset_id)
        require_owner("dataset", dataset_id, row, owner)
        if etag and row["version"] != etag:
            raise Conflict(f"dataset {dataset_id!r} is at version {row['version']}, not {etag}",
                           metadata={"current_version": str(row["version"])})
        return row
