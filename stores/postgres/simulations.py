"""The PostgreSQL side of simulations: the `simulations` row and one learning session per participant.

Sessions are created and ended through the learner store (`stores.postgres.sessions`), inside the caller's
transaction, so each one writes its session_start / session_end outbox rows and usage counters.
A participant's session has session_type 'simulation', the environment id, and the simulation id in
session_metadata.simulation_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from stores.errors import AlreadyExists, not_found
from stores.postgres import PostgresStore, sessions

UNENDED = ("starting", "live")


@dataclass(frozen=True)
class SimulationRecord:
    """One `simulations` row."""

    simulation_id: str
    environment_id: str
    status: str
    max_participants: int
    participants: list[str]
    config: dict[str, Any]
    initial_state: dict[str, Any]
    started_by: str
    start_time: datetime
    end_time: datetime | None
    synced_version: int
    end_result: dict[str, Any] | None
    join_policy: str = "open"
    invited: list[str] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        """True once EndSimulation or the reconciler finished it."""
        return self.status not in UNENDED


_COLUMNS = ("simulation_id, environment_id::text AS environment_id, status, max_participants, participants,"
            " config, initial_state, started_by, start_time, end_time, synced_version, end_result, join_policy,"
            " invited")


def _record(row: dict[str, Any]) -> SimulationRecord:
    return SimulationRecord(**{k: row[k] for k in SimulationRecord.__dataclass_fields__})


@dataclass(frozen=True)
class OpenSession:
    """A participant's learning session in progress."""

    session_id: str
    learner_id: str
    simulation_id: str
    start_time: datetime


async def environment_config(conn: psycopg.AsyncConnection[Any], environment_id: str) -> dict[str, Any]:
    """The environment's environment_config (the default simulation config)."""
    cur = await conn.execute("SELECT environment_config FROM simulation_environments WHERE environment_id = %s",
                             (environment_id,))
    row = await cur.fetchone()
    return dict(row["environment_config"] or {}) if row else {}


async def create(conn: psycopg.AsyncConnection[Any], record: SimulationRecord) -> None:
    """Insert the row with status 'starting'; ALREADY_EXISTS when the id was ever used."""
    cur = await conn.execute(
        "INSERT INTO simulations (simulation_id, environment_id, status, max_participants, participants, config,"
        " initial_state, started_by, start_time, join_policy, invited)"
        " VALUES (%s, %s, 'starting', %s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (simulation_id) DO NOTHING RETURNING simulation_id",
        (record.simulation_id, record.environment_id, record.max_participants, record.participants,
         Jsonb(record.config), Jsonb(record.initial_state), record.started_by, record.start_time,
         record.join_policy, record.invited))
    if await cur.fetchone() is None:
        raise AlreadyExists(f"simulation {record.simulation_id!r} is live or was used",
                            reason="SIMULATION_EXISTS", metadata={"simulation_id": record.simulation_id})


async def start_participant(conn: psycopg.AsyncConnection[Any], record: SimulationRecord, learner_id: str,
                            start_time: datetime | None) -> sessions.Started:
    """The participant's in-progress learning session (rule 3 and counters through the learner store)."""
    return await sessions.insert_session(
        conn, learner_id=learner_id, session_type="simulation", environment_id=record.environment_id,
        session_config=record.config, session_metadata={"simulation_id": record.simulation_id},
        start_time=start_time)


async def end_participant(conn: psycopg.AsyncConnection[Any], session_id: str, *, status: str,
                          performance_data: dict[str, Any] | None = None,
                          learning_outcomes: dict[str, Any] | None = None) -> sessions.Session:
    """End one participant's session with its outcome (outbox row and counters through the learner store)."""
    return await sessions.end_session(conn, session_id, status=status, performance_data=performance_data,
                                      learning_outcomes=learning_outcomes)


async def load(conn: psycopg.AsyncConnection[Any], simulation_id: str, *, lock: str = "") -> SimulationRecord | None:
    """The row, optionally locked ('share' against ends, 'update' to end it)."""
    suffix = {"": "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    cur = await conn.execute(f"SELECT {_COLUMNS} FROM simulations WHERE simulation_id = %s{suffix}",
                             (simulation_id,))
    row = await cur.fetchone()
    return _record(row) if row else None


async def load_unended(conn: psycopg.AsyncConnection[Any], simulation_id: str, *, lock: str) -> SimulationRecord:
    """The row of a simulation that has not ended; NOT_FOUND otherwise."""
    record = await load(conn, simulation_id, lock=lock)
    if record is None or record.ended:
        raise not_found("simulation", simulation_id)
    return record


async def open_sessions(conn: psycopg.AsyncConnection[Any], simulation_id: str,
                        learner_id: str | None = None) -> list[OpenSession]:
    """In-progress sessions of the simulation (of one learner when given), by learner id."""
    scope = " AND learner_id = %s" if learner_id is not None else ""
    cur = await conn.execute(
        "SELECT session_id::text AS session_id, learner_id, session_metadata->>'simulation_id' AS simulation_id,"
        " start_time FROM learning_sessions WHERE session_type = 'simulation'"
        " AND session_metadata->>'simulation_id' = %s AND completion_status = 'in_progress'" + scope
        + " ORDER BY learner_id, start_time",
        (simulation_id, learner_id) if learner_id is not None else (simulation_id,))
    return [OpenSession(**r) for r in await cur.fetchall()]


async def learners(conn: psycopg.AsyncConnection[Any], simulation_id: str) -> set[str]:
    """Every learner that ever had a session in the simulation."""
    cur = await conn.execute(
        "SELECT DISTINCT learner_id FROM learning_sessions WHERE session_type = 'simulation'"
        " AND session_metadata->>'simulation_id' = %s", (simulation_id,))
    return {r["learner_id"] for r in await cur.fetchall()}


async def first_sessions(conn: psycopg.AsyncConnection[Any], record: SimulationRecord) -> dict[str, str]:
    """Learner id → session id of the initial participants' sessions (a replayed start's answer)."""
    cur = await conn.execute(
        "SELECT DISTINCT ON (learner_id) learner_id, session_id::text AS session_id FROM learning_sessions"
        " WHERE session_type = 'simulation' AND session_metadata->>'simulation_id' = %s"
        " AND learner_id = ANY(%s) ORDER BY learner_id, start_time",
        (record.simulation_id, record.participants))
    return {r["learner_id"]: r["session_id"] for r in await cur.fetchall()}


async def finish(conn: psycopg.AsyncConnection[Any], simulation_id: str, *, status: str,
                 result: dict[str, Any], reason: str) -> None:
    """Record the end (status 'ended' or 'abandoned') and the answer repeats get."""
    await conn.execute(
        "UPDATE simulations SET status = %s, end_time = now(), end_result = %s, end_reason = %s"
        " WHERE simulation_id = %s", (status, Jsonb(result), reason, simulation_id))


@dataclass(frozen=True)
class SyncRow:
    """What the sync worker copies for one live simulation."""

    simulation_id: str
    version: int
    config: dict[str, Any]
    metadata: dict[str, Any]


class SimulationRecords:
    """Pool-level reads and writes of the sync worker and the reconciler."""

    def __init__(self, postgres: PostgresStore) -> None:
        self.postgres = postgres

    async def get(self, simulation_id: str) -> SimulationRecord | None:
        """One row, unlocked."""
        async with self.postgres.connection() as conn:
            return await load(conn, simulation_id)

    async def many(self, simulation_ids: Sequence[str]) -> dict[str, SimulationRecord]:
        """Rows of the given ids that exist."""
        if not simulation_ids:
            return {}
        async with self.postgres.connection() as conn:
            cur = await conn.execute(f"SELECT {_COLUMNS} FROM simulations WHERE simulation_id = ANY(%s)",
                                     (list(simulation_ids),))
            return {r["simulation_id"]: _record(r) for r in await cur.fetchall()}

    async def copy_live(self, rows: Sequence[SyncRow]) -> int:
        """Copy live config and state into the open sessions' session_config and session_metadata, record the
        synced version and promote 'starting' to 'live'; returns the sessions updated."""
        if not rows:
            return 0
        doc = Jsonb([{"simulation_id": r.simulation_id, "version": r.version, "config": r.config,
                      "meta": r.metadata} for r in rows])
        async with self.postgres.transaction() as conn:
            cur = await conn.execute(
                "UPDATE learning_sessions ls SET session_config = v.config,"
                " session_metadata = COALESCE(ls.session_metadata, '{}'::jsonb) || v.meta"
                " FROM jsonb_to_recordset(%s) AS v(simulation_id text, version bigint, config jsonb, meta jsonb)"
                " WHERE ls.session_type = 'simulation' AND ls.completion_status = 'in_progress'"
                " AND ls.session_metadata->>'simulation_id' = v.simulation_id", (doc,))
            updated = cur.rowcount
            await conn.execute(
                "UPDATE simulations s SET synced_version = GREATEST(s.synced_version, v.version), synced_at = now(),"
                " status = CASE WHEN s.status = 'starting' THEN 'live' ELSE s.status END"
                " FROM jsonb_to_recordset(%s) AS v(simulation_id text, version bigint)"
                " WHERE s.simulation_id = v.simulation_id AND s.status IN ('starting', 'live')", (doc,))
        return updated

    async def unended_before(self, cutoff: datetime) -> list[SimulationRecord]:
        """Simulations not ended that started before cutoff."""
        async with self.postgres.connection() as conn:
            cur = await conn.execute(
                f"SELECT {_COLUMNS} FROM simulations WHERE status IN ('starting', 'live') AND start_time < %s"
                " ORDER BY start_time", (cutoff,))
            return [_record(r) for r in await cur.fetchall()]

    async def open_sessions_before(self, cutoff: datetime) -> list[OpenSession]:
        """In-progress simulation sessions that started before cutoff."""
        async with self.postgres.connection() as conn:
            # Only sessions of SimulationService simulations: a LearnerService session of type
            # 'simulation' has no live state to lose.
            cur = await conn.execute(
                "SELECT ls.session_id::text AS session_id, ls.learner_id, s.simulation_id, ls.start_time"
                " FROM learning_sessions ls JOIN simulations s"
                " ON s.simulation_id = ls.session_metadata->>'simulation_id'"
                " WHERE ls.session_type = 'simulation' AND ls.completion_status = 'in_progress'"
                " AND ls.start_time < %s ORDER BY ls.start_time", (cutoff,))
            return [OpenSession(**r) for r in await cur.fetchall()]
