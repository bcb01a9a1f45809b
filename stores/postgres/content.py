"""Training content (§4.2.2): create, read, list, update and delete, each change announced to the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from stores.errors import PreconditionFailed, not_found
from stores.postgres import PostgresStore
from stores.postgres import content_events as events
from stores.postgres.sql import (
    Page,
    Range,
    Row,
    SetMatch,
    Where,
    assignments,
    create_once,
    fetch_all,
    fetch_one,
    insert_sql,
    like_pattern,
    new_id,
    page_of,
    require_owner,
)
from stores.postgres.variations import lock_variation_graph, would_cycle

#: Columns a create may set.
CREATE_COLUMNS = frozenset({
    "content_id", "dataset_id", "title", "content_data", "difficulty_level", "complexity_metrics",
    "learning_objectives", "success_criteria", "estimated_duration", "prerequisites", "tags",
    "variation_source", "variation_parameters", "validation_results", "created_by",
})
#: Columns an update may set.
UPDATE_COLUMNS = CREATE_COLUMNS - {"content_id", "created_by"}

COLUMNS = ("content_id::text AS content_id, dataset_id::text AS dataset_id, title, content_data,"
           " difficulty_level, complexity_metrics, learning_objectives, success_criteria,"
           " estimated_duration, prerequisites, tags, variation_source::text AS variation_source,"
           " variation_parameters, created_at, validation_results, usage_statistics, created_by")
# Lists are in commit order (list_seq, migration postgres/0120), so a reader that continues from its
# last token sees every committed row once.
ORDER = ("c.list_seq",)
#: GetContent's query.
GET_SQL = f"SELECT {COLUMNS} FROM training_content c WHERE c.content_id = %s"


@dataclass(frozen=True)
class ContentFilter:
    """ListContent filters; None matches everything."""

    dataset_id: str | None = None
    difficulty_level: Range | None = None
    tags: SetMatch | None = None
    learning_objectives: SetMatch | None = None
    prerequisites: SetMatch | None = None
    title_query: str | None = None


def _key(row: Row) -> tuple[int]:
    return (row["list_seq"],)


async def require_dataset(conn: psycopg.AsyncConnection[Any], dataset_id: str, *, owner: str | None = None) -> str:
    """The dataset's type, key-share locked (as its FK would) so it cannot vanish before commit;
    NotOwner unless owner is None or owns the dataset."""
    row = await fetch_one(conn, "SELECT dataset_type, created_by FROM training_datasets WHERE dataset_id = %s"
                          " FOR KEY SHARE", (dataset_id,))
    if row is None:
        raise not_found("dataset", dataset_id)
    require_owner("dataset", dataset_id, row, owner)
    return str(row["dataset_type"])


async def require_content(conn: psycopg.AsyncConnection[Any], content_id: str, *, lock: str = "KEY SHARE",
                          owner: str | None = None) -> None:
    """NotFound unless the content exists; locks the row (KEY SHARE for a reference, UPDATE to change it);
    NotOwner unless owner is None or owns it."""
    row = await fetch_one(conn, f"SELECT created_by FROM training_content WHERE content_id = %s FOR {lock}",
                          (content_id,))
    if row is None:
        raise not_found("content", content_id)
    require_owner("content", content_id, row, owner)


def list_sql(flt: ContentFilter, after: tuple[Any, ...] | None, limit: int) -> tuple[str, list[Any]]:
    """ListContent's query: limit + 1 rows (the extra one says another page exists)."""
    where = Where()
    where.equals("c.dataset_id", flt.dataset_id)
    where.within("c.difficulty_level", flt.difficulty_level, "::numeric")
    where.array("c.tags", flt.tags)
    where.array("c.learning_objectives", flt.learning_objectives)
    where.array("c.prerequisites", flt.prerequisites)
    if flt.title_query:
        where.add("c.title ILIKE %s", like_pattern(flt.title_query))
    where.after(ORDER, after)
    sql = f"SELECT {COLUMNS}, c.list_seq FROM training_content c{where.sql()} ORDER BY {', '.join(ORDER)} LIMIT %s"
    return sql, [*where.params, limit + 1]


class ContentStore:
    """SQL for training_content."""

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def create(self, values: Mapping[str, Any], *, request_id: str, identity: str,
                     fingerprint: str = "", owner: str | None = None) -> Row:
        """Insert one item into an existing dataset (NotOwner unless owner is None or owns it); idempotent
        by request_id."""
        content_id = new_id(values.get("content_id"))
        row = {k: v for k, v in values.items() if v is not None}
        row.update(content_id=content_id, created_by=values.get("created_by") or identity[:100])

        async def insert(conn: psycopg.AsyncConnection[Any]) -> Row:
            await require_dataset(conn, row["dataset_id"], owner=owner)
            if row.get("variation_source"):
                await require_content(conn, row["variation_source"])
            sql, params = insert_sql("training_content", row, CREATE_COLUMNS, COLUMNS)
            created = await fetch_one(conn, sql, params)
            assert created is not None
            await events.content_changed(conn, events.UPSERTED, [content_id])
            return created

        return await create_once(self.pg, "CreateContent", request_id, identity, content_id, insert, self.get,
                                 fingerprint)

    async def get(self, content_id: str) -> Row:
        """One content item; NotFound when absent."""
        async with self.pg.connection() as conn:
            cur = await conn.execute(GET_SQL, (content_id,))
            row = await cur.fetchone()
        if row is None:
            raise not_found("content", content_id)
        return row

    async def exists(self, content_id: str) -> bool:
        """Whether the content item exists."""
        async with self.pg.connection() as conn:
            row = await fetch_one(conn, "SELECT 1 AS ok FROM training_content WHERE content_id = %s", (content_id,))
        return row is not None

    async def list(self, flt: ContentFilter, after: tuple[Any, ...] | None, limit: int) -> Page:
        """One keyset page in commit order (list_seq)."""
        sql, params = list_sql(flt, after, limit)
        async with self.pg.connection() as conn:
            rows = await fetch_all(conn, sql, params)
        return page_of(rows, limit, _key)

    async def update(self, content_id: str, values: Mapping[str, Any], *, owner: str | None = None) -> Row:
        """Set the given columns (last writer wins); a new variation_source must not close a cycle. owner
        (None: anyone) must own the item, and the dataset it moves to."""
        async with self.pg.transaction() as conn:
            source = values.get("variation_source")
            if source is not None:
                await lock_variation_graph(conn)  # serialises source changes, so two cannot form a cycle
            await require_content(conn, content_id, lock="UPDATE", owner=owner)
            if values.get("dataset_id") is not None:
                await require_dataset(conn, values["dataset_id"], owner=owner)
            if source is not None:
                await require_content(conn, source)
                if await would_cycle(conn, content_id, source):
                    raise PreconditionFailed(
                        f"variation_source {source!r} is content {content_id!r} or one of its variations",
                        reason="VARIATION_CYCLE", metadata={"content_id": content_id, "variation_source": source})
            sets, params = assignments(values, UPDATE_COLUMNS)
            row = await fetch_one(conn, f"UPDATE training_content SET {', '.join(sets)} WHERE content_id = %s"
                                  f" RETURNING {COLUMNS}", [*params, content_id])
            assert row is not None
            await events.content_changed(conn, events.UPSERTED, [content_id])
        return row

    async def delete(self, content_id: str, *, owner: str | None = None) -> int:
        """Delete one item; PreconditionFailed while sessions or variations reference it."""
        async with self.pg.transaction() as conn:
            await require_content(conn, content_id, lock="UPDATE", owner=owner)
            used = await fetch_one(
                conn, "SELECT EXISTS (SELECT 1 FROM learning_sessions WHERE content_id = %s) AS sessions,"
                " EXISTS (SELECT 1 FROM training_content WHERE variation_source = %s) AS variations",
                (content_id, content_id))
            assert used is not None
            if used["sessions"]:
                raise PreconditionFailed(f"content {content_id!r} is used by learning sessions",
                                         reason="CONTENT_IN_USE", metadata={"content_id": content_id})
            if used["variations"]:
                raise PreconditionFailed(f"content {content_id!r} is the variation source of other content",
                                         reason="CONTENT_HAS_VARIATIONS", metadata={"content_id": content_id})
            await events.content_changed(conn, events.DELETED, [content_id])
            cur = await conn.execute("DELETE FROM training_content WHERE content_id = %s", (content_id,))
        return cur.rowcount
