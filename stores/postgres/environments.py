"""Simulation environments (§4.2.3): create, read, list, update and delete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg

from stores.errors import Conflict, PreconditionFailed, not_found
from stores.postgres import PostgresStore
from stores.postgres.sql import (
    Page,
    Row,
    SetMatch,
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

#: Columns a create may set.
CREATE_COLUMNS = frozenset({
    "environment_id", "name", "description", "environment_type", "complexity_level", "max_participants",
    "estimated_duration", "environment_config", "participant_roles", "success_criteria",
    "learning_objectives", "prerequisites", "resources_required", "created_by", "active_status",
})
#: Columns an update may set.
UPDATE_COLUMNS = CREATE_COLUMNS - {"environment_id", "created_by"}

COLUMNS = ("environment_id::text AS environment_id, name, description, environment_type, complexity_level,"
           " max_participants, estimated_duration, environment_config, participant_roles, success_criteria,"
           " learning_objectives, prerequisites, resources_required, created_at, updated_at, created_by,"
           " version, active_status, usage_count")
# Lists are in commit order (list_seq, migration postgres/0120), so a reader that continues from its
# last token sees every committed row once.
ORDER = ("e.list_seq",)


@dataclass(frozen=True)
class EnvironmentFilter:
    """ListEnvironments filters; None matches everything."""

    environment_type: str | None = None
    complexity_level: str | None = None
    active_status: bool | None = None
    learning_objectives: SetMatch | None = None


def _key(row: Row) -> tuple[int]:
    return (row["list_seq"],)


class EnvironmentStore:
    """SQL for simulation_environments."""

    def __init__(self, pg: PostgresStore) -> None:
        self.pg = pg

    async def create(self, values: Mapping[str, Any], *, request_id: str, identity: str,
                     fingerprint: str = "") -> Row:
        """Insert an environment (version 1, active unless told otherwise); idempotent by request_id."""
        environment_id = new_id(values.get("environment_id"))
        row = {k: v for k, v in values.items() if v is not None}
        row.update(environment_id=environment_id, created_by=values.get("created_by") or identity[:100])  # VARCHAR(100)

        async def insert(conn: psycopg.AsyncConnection[Any]) -> Row:
            sql, params = insert_sql("simulation_environments", row, CREATE_COLUMNS, COLUMNS)
            created = await fetch_one(conn, sql, params)
            assert created is not None
            return created

        return await create_once(self.pg, "CreateEnvironment", request_id, identity, environment_id,
                                 insert, self.get, fingerprint)

    async def get(self, environment_id: str) -> Row:
        """One environment; NotFound when absent."""
        async with self.pg.connection() as conn:
            row = await fetch_one(conn, f"SELECT {COLUMNS} FROM simulation_environments WHERE environment_id = %s",
                                  (environment_id,))
        if row is None:
            raise not_found("environment", environment_id)
        return row

    async def list(self, flt: EnvironmentFilter, after: tuple[Any, ...] | None, limit: int) -> Page:
        """One keyset page in commit order (list_seq)."""
        where = Where()
        where.equals("e.environment_type", flt.environment_type)
        where.equals("e.complexity_level", flt.complexity_level)
        where.equals("e.active_status", flt.active_status)
        where.array("e.learning_objectives", flt.learning_objectives)
        where.after(ORDER, after)
        sql = (f"SELECT {COLUMNS}, e.list_seq FROM simulation_environments e{where.sql()}"
               f" ORDER BY {', '.join(ORDER)} LIMIT %s")
        async with self.pg.connection() as conn:
            rows = await fetch_all(conn, sql, [*where.params, limit + 1])
        return page_of(rows, limit, _key)

    async def update(self, environment_id: str, values: Mapping[str, Any], etag: int, *,
                     owner: str | None = None) -> Row:
        """Set the given columns and bump version; Conflict on a stale etag."""
        async with self.pg.transaction() as conn:
            await self._lock(conn, environment_id, etag, owner)
            sets, params = assignments(values, UPDATE_COLUMNS)
            row = await fetch_one(
                conn, f"UPDATE simulation_environments SET {', '.join(sets)}, version = COALESCE(version, 1) + 1,"
                f" updated_at = now() WHERE environment_id = %s RETURNING {COLUMNS}", [*params, environment_id])
        assert row is not None
        return row

    async def delete(self, environment_id: str, etag: int, *, owner: str | None = None) -> int:
        """Delete an environment no session references; returns the rows removed (1)."""
        async with self.pg.transaction() as conn:
            await self._lock(conn, environment_id, etag, owner)
            used = await fetch_one(conn, "SELECT EXISTS (SELECT 1 FROM learning_sessions WHERE environment_id = %s)"
                                   " AS used", (environment_id,))
            if used and used["used"]:
                raise PreconditionFailed(
                    f"environment {environment_id!r} is used by learning sessions or simulations;"
                    " deactivate it (active_status = false) instead",
                    reason="ENVIRONMENT_IN_USE", metadata={"environment_id": environment_id})
            cur = await conn.execute("DELETE FROM simulation_environments WHERE environment_id = %s",
                                     (environment_id,))
        return cur.rowcount

    async def _lock(self, conn: psycopg.AsyncConnection[Any], environment_id: str, etag: int,
                    owner: str | None) -> None:
        row = await fetch_one(conn, "SELECT version, created_by FROM simulation_environments"
                              " WHERE environment_id = %s FOR UPDATE", (environment_id,))
        if row is None:
            raise not_found("environment", environment_id)
        require_owner("environment", environment_id, row, owner)
        if etag and row["version"] != etag:
            raise Conflict(f"environment {environment_id!r} is at version {row['version']}, not {etag}",
                           metadata={"current_version": str(row["version"])})
