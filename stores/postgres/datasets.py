"""Training datasets (§4.2.1): create, read, list, update, delete and the validation workflow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stores.errors import PreconditionFailed
from stores.postgres import content_events as events
from stores.postgres.sql import Page, Range, Row, SetMatch, Where, bind, fetch_one
from stores.postgres.versioned import Table, VersionedRows

TABLE = Table(
    name="training_datasets", key="dataset_id", resource="dataset", create_method="CreateDataset",
    columns=("dataset_id::text AS dataset_id, name, description, dataset_type, generation_method,"
             " quality_metrics, target_capabilities, source_accords, source_memories, created_at,"
             " updated_at, created_by, version, validation_status, usage_count, quality_score,"
             " validated_by, validation_reason, validated_at"),
    # The rest have defaults or are output only.
    create_columns=frozenset({
        "dataset_id", "name", "description", "dataset_type", "generation_method", "quality_metrics",
        "target_capabilities", "source_accords", "source_memories", "created_by", "quality_score"}),
    lock_columns="version, validation_status, dataset_type, created_by")


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


class DatasetStore(VersionedRows):
    """SQL for training_datasets."""

    table = TABLE

    async def list(self, flt: DatasetFilter, after: tuple[Any, ...] | None, limit: int) -> Page:
        """One page of the datasets that match flt, in commit order."""
        where = Where()
        where.equals("r.dataset_type", flt.dataset_type)
        where.equals("r.validation_status", flt.validation_status)
        where.within("r.quality_score", flt.quality_score, "::numeric")
        where.array("r.target_capabilities", flt.target_capabilities)
        where.within("r.created_at", flt.created_at)
        return await self._page(where, after, limit)

    async def update(self, dataset_id: str, values: Mapping[str, Any], etag: int, *, owner: str | None = None) -> Row:
        """Set the given columns, bump version; Conflict on a stale etag. A type change re-announces
        the dataset's content to the outbox, since each item's content_type is the dataset's type."""
        async with self.pg.transaction() as conn:
            current = await self._lock(conn, dataset_id, etag, owner)
            row = await self._update(conn, dataset_id, values)
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
                f" WHERE dataset_id = %s RETURNING {TABLE.columns}",
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


__all__ = ["TABLE", "DatasetFilter", "DatasetStore", "Decision"]
