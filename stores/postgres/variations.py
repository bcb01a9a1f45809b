"""The variation graph of training content: create a variation, walk descendants and ancestors.

Each item has at most one variation_source, so the graph is a forest as long as no update closes a
cycle: new items (variations, imports) cannot, and source changes are serialised and checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg

from stores.errors import not_found
from stores.postgres import PostgresStore
from stores.postgres import content_events as events
from stores.postgres.sql import (
    Page,
    Row,
    bind,
    check_columns,
    create_once,
    fetch_all,
    fetch_one,
    new_id,
    page_of,
    require_owner,
)

#: Walks stop here even when the caller asked for no limit (a guard, not a semantic limit).
HARD_DEPTH_LIMIT = 10_000
#: Advisory lock key serialising variation_source changes.
_GRAPH_LOCK = 0x7661726961

#: Columns a variation copies from its source unless overridden, with their SQL types.
COPIED = {
    "dataset_id": "uuid", "title": "varchar", "content_data": "jsonb", "difficulty_level": "numeric",
    "complexity_metrics": "jsonb", "learning_objectives": "text[]", "success_criteria": "jsonb",
    "estimated_duration": "integer", "prerequisites": "text[]", "tags": "text[]",
}
#: Columns an override may set (validation_results is not copied: it judged the source's content).
OVERRIDABLE = frozenset({*COPIED, "validation_results"})

_ROW = ("c.content_id::text AS content_id, c.dataset_id::text AS dataset_id, c.title, c.content_data,"
        " c.difficulty_level, c.complexity_metrics, c.learning_objectives, c.success_criteria,"
        " c.estimated_duration, c.prerequisites, c.tags, c.variation_source::text AS variation_source,"
        " c.variation_parameters, c.created_at, c.validation_results, c.usage_statistics, c.created_by")


async def lock_variation_graph(conn: psycopg.AsyncConnection[Any]) -> None:
    """Take the transaction-scoped lock that serialises variation_source changes."""
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_GRAPH_LOCK,))


async def would_cycle(conn: psycopg.AsyncConnection[Any], content_id: str, new_source: str) -> bool:
    """True when new_source is content_id itself or descends from it (its ancestors include content_id)."""
    row = await fetch_one(
        conn, "WITH RECURSIVE up(id, depth) AS (SELECT %(src)s::uuid, 0 UNION ALL"
        " SELECT c.variation_source, up.depth + 1 FROM training_content c JOIN up ON c.content_id = up.id"
        " WHERE c.variation_source IS NOT NULL AND up.depth < %(cap)s)"
        " SELECT EXISTS (SELECT 1 FROM up WHERE id = %(self)s::uuid) AS cycle",
        {"src": new_source, "self": content_id, "cap": HARD_DEPTH_LIMIT})
    return bool(row and row["cycle"])


def _depth(max_depth: int) -> int:
    return min(max_depth, HARD_DEPTH_LIMIT) if max_depth > 0 else HARD_DEPTH_LIMIT


class VariationStore:
    """SQL for variations, descendants (ListVariations) and ancestors (GetLineage)."""

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def create(self, source_id: str, overrides: Mapping[str, Any], parameters: dict[str, Any], *,
                     content_id: str | None, request_id: str, identity: str, created_by: str = "",
                     fingerprint: str = "", owner: str | None = None) -> Row:
        """Copy the source with overrides applied, variation_source = source, owned by created_by (default
        the caller), into a dataset that owner owns (None: any); idempotent by request_id."""
        check_columns(overrides, OVERRIDABLE)
        new = new_id(content_id)
        cols = ["variation_source", "variation_parameters", "created_by"]
        exprs = ["src.content_id", "%(vp)s::jsonb", "%(by)s"]
        params: dict[str, Any] = {"new": new, "src": source_id, "by": created_by or identity[:100],
                                  "vp": bind("variation_parameters", parameters)}
        for column, sql_type in [*COPIED.items(), ("validation_results", "jsonb")]:
            if column in overrides:
                cols.append(column)
                exprs.append(f"%(o_{column})s::{sql_type}")
                params[f"o_{column}"] = bind(column, overrides[column])
            elif column in COPIED:
                cols.append(column)
                exprs.append(f"src.{column}")
        sql = (f"INSERT INTO training_content AS c (content_id, {', '.join(cols)})"
               f" SELECT %(new)s::uuid, {', '.join(exprs)} FROM training_content src"
               f" WHERE src.content_id = %(src)s RETURNING {_ROW}")

        async def insert(conn: psycopg.AsyncConnection[Any]) -> Row:
            source = await fetch_one(conn, "SELECT dataset_id::text AS dataset_id FROM training_content"
                                     " WHERE content_id = %s FOR KEY SHARE", (source_id,))
            if source is None:
                raise not_found("content", source_id)
            target = overrides.get("dataset_id") or source["dataset_id"]
            found = await fetch_one(conn, "SELECT created_by FROM training_datasets WHERE dataset_id = %s"
                                    " FOR KEY SHARE", (target,))
            if found is None:
                raise not_found("dataset", target)
            require_owner("dataset", target, found, owner)
            row = await fetch_one(conn, sql, params)
            assert row is not None
            await events.content_changed(conn, events.UPSERTED, [new])
            return row

        return await create_once(self.pg, "CreateVariation", request_id, identity, new, insert, self._get,
                                 fingerprint)

    async def descendants(self, content_id: str, max_depth: int, after: tuple[Any, ...] | None,
                          limit: int) -> Page:
        """Variations of content_id down to max_depth (0: no limit), in commit order (list_seq): a
        reader that continues from its last token also sees variations committed meanwhile, and a
        variation always commits after its source, so sources still come first."""
        keyset = " WHERE c.list_seq > %(k0)s" if after else ""
        sql = ("WITH RECURSIVE down(content_id, depth) AS ("
               " SELECT content_id, 1 FROM training_content WHERE variation_source = %(root)s"
               " UNION ALL SELECT c.content_id, down.depth + 1 FROM training_content c"
               " JOIN down ON c.variation_source = down.content_id WHERE down.depth < %(max)s)"
               f" SELECT d.depth, c.list_seq, {_ROW} FROM down d JOIN training_content c ON c.content_id = d.content_id"
               f"{keyset} ORDER BY c.list_seq LIMIT %(limit)s")
        params: dict[str, Any] = {"root": content_id, "max": _depth(max_depth), "limit": limit + 1}
        if after:
            params.update(k0=after[0])
        async with self.pg.connection() as conn:
            await self._require(conn, content_id)
            rows = await fetch_all(conn, sql, params)
        return page_of(rows, limit, lambda r: (r["list_seq"],))

    async def ancestors(self, content_id: str, max_depth: int) -> list[Row]:
        """Sources of content_id along variation_source, nearest first, at most max_depth (0: no limit)."""
        sql = ("WITH RECURSIVE up(content_id, depth) AS ("
               " SELECT variation_source, 1 FROM training_content"
               " WHERE content_id = %(id)s AND variation_source IS NOT NULL"
               " UNION ALL SELECT c.variation_source, up.depth + 1 FROM training_content c"
               " JOIN up ON c.content_id = up.content_id"
               " WHERE c.variation_source IS NOT NULL AND up.depth < %(max)s)"
               f" SELECT u.depth, {_ROW} FROM up u JOIN training_content c ON c.content_id = u.content_id"
               " ORDER BY u.depth")
        async with self.pg.connection() as conn:
            await self._require(conn, content_id)
            return await fetch_all(conn, sql, {"id": content_id, "max": _depth(max_depth)})

    async def _require(self, conn: psycopg.AsyncConnection[Any], content_id: str) -> None:
        if await fetch_one(conn, "SELECT 1 AS ok FROM training_content WHERE content_id = %s", (content_id,)) is None:
            raise not_found("content", content_id)

    async def _get(self, content_id: str) -> Row:
        async with self.pg.connection() as conn:
            row = await fetch_one(conn, f"SELECT {_ROW} FROM training_content c WHERE c.content_id = %s",
                                  (content_id,))
        if row is None:
            raise not_found("content", content_id)
        return row
