"""SQL building blocks: WHERE pieces, keyset pages, binds, the column guard, and create_once on PostgreSQL."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from stores.errors import InvalidData, NotOwner
from stores.postgres import PostgresStore
from stores.postgres.sql import (
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
    like_pattern,
    new_id,
    page_of,
    require_owner,
)


def test_an_empty_where_adds_nothing() -> None:
    where = Where()
    where.equals("status", None)
    where.within("created_at", None)
    where.within("created_at", Range())
    where.array("tags", SetMatch([]))
    where.after(["a", "b"], None)
    assert (where.sql(), where.params) == ("", [])


def test_conditions_are_anded_with_their_parameters_in_order() -> None:
    where = Where()
    where.equals("status", "active")
    where.within("quality_score", Range(0.5, 0.9), "::numeric")
    where.within("created_at", Range(high="2025-01-01", end_exclusive=True))
    where.array("tags", SetMatch(["a", "b"], match_all=True))
    where.array("skills", SetMatch(["s"]))
    where.after(["created_at", "id"], ("t", "i"))
    assert where.sql() == (" WHERE status = %s AND quality_score >= %s::numeric AND quality_score <= %s::numeric"
                           " AND created_at < %s AND tags @> %s::text[] AND skills && %s::text[]"
                           " AND (created_at, id) > (%s, %s)")
    assert where.params == ["active", 0.5, 0.9, "2025-01-01", ["a", "b"], ["s"], "t", "i"]


@pytest.mark.parametrize(("text", "pattern"), [("abc", "%abc%"), ("50%", "%50\\%%"), ("a_b", "%a\\_b%"),
                                               ("c:\\x", "%c:\\\\x%")])
def test_like_pattern_escapes_the_callers_wildcards(text: str, pattern: str) -> None:
    assert like_pattern(text) == pattern


def test_bind_wraps_json_columns_and_makes_floats_exact() -> None:
    assert isinstance(bind("content_data", {"a": 1}), Jsonb)
    assert bind("quality_score", 0.1) == Decimal("0.1")
    assert bind("name", "x") == "x"
    assert bind("content_data", None) is None


def test_insert_and_update_refuse_a_column_outside_the_allow_list() -> None:
    allowed = frozenset({"id", "name"})
    sql, params = insert_sql("things", {"id": "1", "name": "n"}, allowed, "id")
    assert (sql, params) == ("INSERT INTO things (id, name) VALUES (%s, %s) RETURNING id", ["1", "n"])
    assert assignments({"name": "m"}, allowed) == (["name = %s"], ["m"])
    with pytest.raises(ValueError, match="drop"):
        insert_sql("things", {"id": "1", "drop": "x"}, allowed, "id")
    with pytest.raises(ValueError, match="drop"):
        assignments({"drop": "x"}, allowed)


def test_page_of_cuts_the_extra_row_and_keeps_the_last_key() -> None:
    rows: list[Row] = [{"id": i} for i in range(4)]
    page = page_of(list(rows), 3, lambda r: (r["id"],))
    assert ([r["id"] for r in page.rows], page.next_key, page.last_key) == ([0, 1, 2], (2,), (2,))
    last = page_of(rows[:2], 3, lambda r: (r["id"],))
    assert (last.next_key, last.last_key) == (None, (1,))
    empty = page_of([], 3, lambda r: (r["id"],))
    assert (empty.rows, empty.next_key, empty.last_key) == ([], None, None)


def test_require_owner_lets_privileged_callers_and_the_owner_through() -> None:
    require_owner("dataset", "d1", {"created_by": "node-a"}, None)
    require_owner("dataset", "d1", {"created_by": "node-a"}, "node-a")
    with pytest.raises(NotOwner, match="'nobody'"):
        require_owner("dataset", "d1", {"created_by": None}, "node-a")
    with pytest.raises(NotOwner) as caught:
        require_owner("dataset", "d1", {"created_by": "node-b"}, "node-a")
    assert caught.value.metadata == {"resource": "dataset", "id": "d1"}


def test_new_id_keeps_the_clients_id_or_makes_a_uuid() -> None:
    assert new_id("mine") == "mine"
    assert uuid.UUID(new_id(None)).version == 4
    assert uuid.UUID(new_id("")).version == 4


async def _create(pg: PostgresStore, request_id: str, identity: str, fingerprint: str,
                  inserted: list[str]) -> Row:
    resource = str(uuid.uuid4())

    async def insert(conn: psycopg.AsyncConnection[Any]) -> Row:
        inserted.append(resource)
        row = await fetch_one(conn, "SELECT %s::text AS id", (resource,))
        assert row is not None
        return row

    async def fetch(resource_id: str) -> Row:
        return {"id": resource_id, "replayed": True}

    return await create_once(pg, "test.sql.create", request_id, identity, resource, insert, fetch, fingerprint)


async def test_create_once_replays_a_retry_and_refuses_a_reused_request_id(pg: PostgresStore) -> None:
    request = f"req-{uuid.uuid4()}"
    inserted: list[str] = []
    first = await _create(pg, request, "node-a", "f1", inserted)
    again = await _create(pg, request, "node-a", "f1", inserted)
    assert again == {"id": first["id"], "replayed": True}
    # The same request id of another caller is another request.
    other = await _create(pg, request, "node-b", "f1", inserted)
    assert other["id"] != first["id"] and "replayed" not in other
    with pytest.raises(InvalidData) as caught:
        await _create(pg, request, "node-a", "f2", inserted)
    assert (caught.value.reason, caught.value.field) == ("REQUEST_ID_REUSED", "request_id")


async def test_create_once_without_a_request_id_always_inserts(pg: PostgresStore) -> None:
    inserted: list[str] = []
    a = await _create(pg, "", "node-a", "", inserted)
    b = await _create(pg, "", "node-a", "", inserted)
    assert a["id"] != b["id"] and len(inserted) == 2


async def test_fetch_all_returns_every_row(pg: PostgresStore) -> None:
    async with pg.connection() as conn:
        rows = await fetch_all(conn, "SELECT generate_series(1, %s) AS n", (3,))
        assert [r["n"] for r in rows] == [1, 2, 3]
        assert await fetch_one(conn, "SELECT 1 WHERE false", ()) is None
