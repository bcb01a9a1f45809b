"""The versioned catalog rows (datasets, environments): one table each, a uuid key, a version for etags,
an owner (created_by), creates idempotent by request_id and lists in commit order (list_seq)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from stores.errors import Conflict, not_found
from stores.postgres import PostgresStore
from stores.postgres.sql import (
    Page,
    Row,
    Where,
    assignments,
    create_once,
    fetch_all,
    fetch_one,
    insert_sql,
    new_id,
    page_of,
    require_owner,
)


@dataclass(frozen=True)
class Table:
    """What differs between two versioned tables."""

    name: str
    key: str                      # the uuid primary key column
    resource: str                 # the noun of NotFound and Conflict messages
    create_method: str            # the RPC that an idempotency key belongs to
    columns: str                  # the SELECT list of a row
    create_columns: frozenset[str]
    lock_columns: str = "version, created_by"  # read under FOR UPDATE before a change

    @property
    def update_columns(self) -> frozenset[str]:
        """What an update may set: everything a create may, except the key and the owner."""
        return self.create_columns - {self.key, "created_by"}


def _key(row: Row) -> tuple[int]:
    return (row["list_seq"],)


class VersionedRows:
    """Create, get, list, update and the locked read that every change of one row starts with."""

    table: Table

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def create(self, values: Mapping[str, Any], *, request_id: str, identity: str,
                     fingerprint: str = "") -> Row:
        """Insert a row at version 1; idempotent by request_id."""
        t = self.table
        row_id = new_id(values.get(t.key))
        row = {k: v for k, v in values.items() if v is not None}
        row.update({t.key: row_id, "created_by": values.get("created_by") or identity[:100]})  # VARCHAR(100)

        async def insert(conn: psycopg.AsyncConnection[Any]) -> Row:
            sql, params = insert_sql(t.name, row, t.create_columns, t.columns)
            created = await fetch_one(conn, sql, params)
            assert created is not None
            return created

        return await create_once(self.pg, t.create_method, request_id, identity, row_id, insert, self.get,
                                 fingerprint)

    async def get(self, row_id: str) -> Row:
        """One row; NotFound when absent."""
        t = self.table
        async with self.pg.connection() as conn:
            row = await fetch_one(conn, f"SELECT {t.columns} FROM {t.name} WHERE {t.key} = %s", (row_id,))
        if row is None:
            raise not_found(t.resource, row_id)
        return row

    async def _page(self, where: Where, after: tuple[Any, ...] | None, limit: int) -> Page:
        """One keyset page in commit order (list_seq, migration postgres/0120), so that a reader that
        continues from its last token sees every committed row once; `where` filters alias r."""
        t = self.table
        where.after(("r.list_seq",), after)
        sql = f"SELECT {t.columns}, r.list_seq FROM {t.name} r{where.sql()} ORDER BY r.list_seq LIMIT %s"
        async with self.pg.connection() as conn:
            rows = await fetch_all(conn, sql, [*where.params, limit + 1])
        return page_of(rows, limit, _key)

    async def _update(self, conn: psycopg.AsyncConnection[Any], row_id: str, values: Mapping[str, Any]) -> Row:
        """Set the given columns and bump the version, on a row _lock() holds."""
        t = self.table
        sets, params = assignments(values, t.update_columns)
        row = await fetch_one(
            conn, f"UPDATE {t.name} SET {', '.join(sets)}, version = COALESCE(version, 1) + 1,"
            f" updated_at = now() WHERE {t.key} = %s RETURNING {t.columns}", [*params, row_id])
        assert row is not None
        return row

    async def _lock(self, conn: psycopg.AsyncConnection[Any], row_id: str, etag: int, owner: str | None) -> Row:
        """The row's lock_columns under FOR UPDATE; NotFound, NotOwner, or Conflict on a stale etag (0: any)."""
        t = self.table
        row = await fetch_one(conn, f"SELECT {t.lock_columns} FROM {t.name} WHERE {t.key} = %s FOR UPDATE",
                              (row_id,))
        if row is None:
            raise not_found(t.resource, row_id)
        require_owner(t.resource, row_id, row, owner)
        if etag and row["version"] != etag:
            raise Conflict(f"{t.resource} {row_id!r} is at version {row['version']}, not {etag}",
                           metadata={"current_version": str(row["version"])})
        return row


__all__ = ["Table", "VersionedRows"]
