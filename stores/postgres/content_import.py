"""Bulk content import: batches COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING.

An item without a client-chosen content_id gets uuid5(caller's request key, stream index), so a retried
import produces the same ids and its items land as duplicates instead of twice, while another caller's
import with the same request_id gets other ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from stores.errors import InvalidData
from stores.postgres import PostgresStore, idempotency
from stores.postgres.content import require_dataset
from stores.postgres.content_events import upserted_from
from stores.postgres.sql import bind, fetch_all, fetch_one

_NAMESPACE = uuid.UUID("6f1d7c9e-3b1a-5a8e-9d0c-a3c4b5d6e7f8")

#: Item columns carried through the staging table, in COPY order.
ITEM_COLUMNS = ("content_id", "title", "content_data", "difficulty_level", "complexity_metrics",
                "learning_objectives", "success_criteria", "estimated_duration", "prerequisites", "tags",
                "variation_source", "variation_parameters", "validation_results")

_STAGING = ("CREATE TEMP TABLE import_staging (idx BIGINT, content_id UUID, title TEXT, content_data JSONB,"
            " difficulty_level NUMERIC, complexity_metrics JSONB, learning_objectives TEXT[],"
            " success_criteria JSONB, estimated_duration INTEGER, prerequisites TEXT[], tags TEXT[],"
            " variation_source UUID, variation_parameters JSONB, validation_results JSONB) ON COMMIT DROP")
_SOURCE_OK = ("(s.variation_source IS NULL OR EXISTS"
              " (SELECT 1 FROM training_content t WHERE t.content_id = s.variation_source))")
_INSERT = (f"WITH ins AS (INSERT INTO training_content AS c (dataset_id, created_by, {', '.join(ITEM_COLUMNS)})"
           f" SELECT %s::uuid, %s, {', '.join('s.' + c for c in ITEM_COLUMNS)} FROM import_staging s"
           f" WHERE {_SOURCE_OK} ORDER BY s.idx ON CONFLICT (content_id) DO NOTHING"
           " RETURNING c.content_id, c.dataset_id, c.difficulty_level),"
           f" announced AS ({upserted_from('ins')})"
           " SELECT count(*) AS n FROM ins")


def item_id(key: str, index: int) -> str:
    """The deterministic content_id of the index-th item of the import with this request key."""
    return str(uuid.uuid5(_NAMESPACE, f"{key}/{index}"))


@dataclass
class BatchOutcome:
    """What one written batch did."""

    imported: int = 0
    duplicates: int = 0
    #: (stream index, field, message) of items rejected by the database-side checks.
    rejected: list[tuple[int, str, str]] = field(default_factory=list)


class ContentImporter:
    """Writes validated import batches into one dataset."""

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def begin(self, dataset_id: str, request_id: str, identity: str, *, owner: str | None = None) -> None:
        """NotFound for an unknown dataset, NotOwner unless owner is None or owns it; binds the caller's
        request_id to the dataset (its reuse for another dataset is invalid)."""
        async with self.pg.transaction() as conn:
            await require_dataset(conn, dataset_id, owner=owner)
            winner = await idempotency.claim(conn, "ImportContent", request_id, dataset_id, identity,
                                             field="header.request_id")
        if winner != dataset_id:
            raise InvalidData(f"request_id {request_id!r} was used to import into dataset {winner}",
                              field="header.request_id", reason="REQUEST_ID_REUSED")

    async def write(self, dataset_id: str, request_id: str, items: Sequence[tuple[int, Mapping[str, Any]]], *,
                    identity: str, created_by: str = "") -> BatchOutcome:
        """Write (index, column values) items of identity's import, owned by created_by, in one transaction;
        existing ids count as duplicates and an unknown variation_source rejects its item."""
        key = idempotency.request_key(identity, request_id)
        out = BatchOutcome()
        if not items:
            return out
        async with self.pg.transaction() as conn:
            await conn.execute(_STAGING)
            async with conn.cursor() as cur:
                async with cur.copy(f"COPY import_staging (idx, {', '.join(ITEM_COLUMNS)}) FROM STDIN") as copy:
                    for index, values in items:
                        await copy.write_row(_row(key, index, values))
            bad = await fetch_all(conn, "SELECT s.idx, s.variation_source::text AS source FROM import_staging s"
                                  f" WHERE NOT {_SOURCE_OK} ORDER BY s.idx", ())
            row = await fetch_one(conn, _INSERT, (dataset_id, created_by or None))
        assert row is not None
        out.rejected = [(int(b["idx"]), "variation_source", f"content {b['source']} does not exist") for b in bad]
        out.imported = int(row["n"])
        out.duplicates = len(items) - len(bad) - out.imported
        return out


def _row(key: str, index: int, values: Mapping[str, Any]) -> tuple[Any, ...]:
    content_id = values.get("content_id") or item_id(key, index)
    return (index, content_id, *(bind(c, values.get(c)) for c in ITEM_COLUMNS[1:]))
