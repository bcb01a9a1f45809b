"""Simulation environments (§4.2.3): create, read, list, update and delete."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stores.errors import PreconditionFailed
from stores.postgres.sql import Page, Row, SetMatch, Where, fetch_one
from stores.postgres.versioned import Table, VersionedRows

TABLE = Table(
    name="simulation_environments", key="environment_id", resource="environment",
    create_method="CreateEnvironment",
    columns=("environment_id::text AS environment_id, name, description, environment_type, complexity_level,"
             " max_participants, estimated_duration, environment_config, participant_roles, success_criteria,"
             " learning_objectives, prerequisites, resources_required, created_at, updated_at, created_by,"
             " version, active_status, usage_count"),
    create_columns=frozenset({
        "environment_id", "name", "description", "environment_type", "complexity_level", "max_participants",
        "estimated_duration", "environment_config", "participant_roles", "success_criteria",
        "learning_objectives", "prerequisites", "resources_required", "created_by", "active_status"}))


@dataclass(frozen=True)
class EnvironmentFilter:
    """ListEnvironments filters; None matches everything."""

    environment_type: str | None = None
    complexity_level: str | None = None
    active_status: bool | None = None
    learning_objectives: SetMatch | None = None


class EnvironmentStore(VersionedRows):
    """SQL for simulation_environments."""

    table = TABLE

    async def list(self, flt: EnvironmentFilter, after: tuple[Any, ...] | None, limit: int) -> Page:
        """One page of the environments that match flt, in commit order."""
        where = Where()
        where.equals("r.environment_type", flt.environment_type)
        where.equals("r.complexity_level", flt.complexity_level)
        where.equals("r.active_status", flt.active_status)
        where.array("r.learning_objectives", flt.learning_objectives)
        return await self._page(where, after, limit)

    async def update(self, environment_id: str, values: Mapping[str, Any], etag: int, *,
                     owner: str | None = None) -> Row:
        """Set the given columns and bump version; Conflict on a stale etag."""
        async with self.pg.transaction() as conn:
            await self._lock(conn, environment_id, etag, owner)
            return await self._update(conn, environment_id, values)

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


__all__ = ["TABLE", "EnvironmentFilter", "EnvironmentStore"]
