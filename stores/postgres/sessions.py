"""Learning sessions (learning_sessions): start and end with outbox rows and usage counters, reads and lists.

`insert_session` and `end_session` take a connection inside the caller's open transaction, so other
services (simulations) create and end sessions with the same effects atomically with their own rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg

from stores.errors import NotFound, PreconditionFailed, StoreError, not_found
from stores.postgres import PostgresStore, idempotency, outbox, usage
from stores.postgres.learners import json_value, touch_activity, utc_iso
from stores.postgres.sql import Range, Where, commit_ordered

SESSION_TYPES = ("training", "simulation", "assessment", "practice")
#: The states a session in progress may move to, once.
END_STATES = ("completed", "abandoned", "failed")

_FIELDS = ("session_id::text AS session_id, learner_id, session_type, content_id::text AS content_id,"
           " environment_id::text AS environment_id, session_config, start_time, end_time, duration,"
           " completion_status, performance_data, learning_outcomes, feedback, session_metadata")


@dataclass(frozen=True)
class Session:
    """One learning_sessions row."""

    session_id: str
    learner_id: str
    session_type: str
    content_id: str | None
    environment_id: str | None
    session_config: dict[str, Any] | None
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None
    completion_status: str | None
    performance_data: dict[str, Any] | None
    learning_outcomes: dict[str, Any] | None
    feedback: dict[str, Any] | None
    session_metadata: dict[str, Any] | None
    #: Commit-order position (migration postgres/0120); set on rows read by a list, else None.
    list_seq: int | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Session:
        """Build from a row holding (at least) the _FIELDS columns."""
        return cls(**{name: row[name] for name in cls.__dataclass_fields__ if name != "list_seq" or name in row})


@dataclass(frozen=True)
class Started:
    """A session that insert_session created, with what rule 3 found about its target."""

    session: Session
    usable: usage.Usable | None
    #: True when a retried request_id returned the first session and nothing was started.
    replayed: bool = False

    @property
    def objective(self) -> str:
        """The first learning objective of the content or environment ('' when none)."""
        return first_objective(self.usable)


def first_objective(usable: usage.Usable | None) -> str:
    """The first learning objective of a session's target ('' when none)."""
    return usable.learning_objectives[0] if usable and usable.learning_objectives else ""


@dataclass(frozen=True)
class SessionQuery:
    """Filters and keyset position of ListSessions."""

    limit: int
    learner_id: str | None = None
    session_type: str | None = None
    completion_status: str | None = None
    start_from: datetime | None = None
    start_to: datetime | None = None
    #: list_seq of the last row of the previous page.
    after: int | None = None


def _start_payload(*, session_id: str, learner_id: str, session_type: str, content_id: str | None,
                   environment_id: str | None, start_time: datetime | None, difficulty: float | None,
                   objective: str, content_type: str) -> dict[str, Any]:
    """The session_start payload (stores/postgres/outbox.py docstring)."""
    return {"session_id": session_id, "learner_id": learner_id, "session_type": session_type,
            "content_id": content_id or "", "environment_id": environment_id or "",
            "start_time": utc_iso(start_time) if start_time else None, "difficulty_level": difficulty,
            "learning_objective": objective, "content_type": content_type}


async def insert_session(conn: psycopg.AsyncConnection[Any], *, learner_id: str, session_type: str,
                         content_id: str | None = None, environment_id: str | None = None,
                         session_config: dict[str, Any] | None = None,
                         session_metadata: dict[str, Any] | None = None,
                         session_id: str | None = None, start_time: datetime | None = None) -> Started:
    """Start a session in progress inside the caller's transaction: rule 3, usage counters, the
    session row, its session_start outbox row and the profile's last_activity.

    Raises NotFound (content/environment) or PreconditionFailed (CONTENT_NOT_VALIDATED,
    ENVIRONMENT_INACTIVE). session_id None means a new UUID; start_time None means now.
    """
    if session_type not in SESSION_TYPES:
        raise ValueError(f"session_type must be one of {SESSION_TYPES}")
    session_id = session_id or str(uuid.uuid4())
    start_time = start_time or datetime.now(timezone.utc)
    # Pipeline mode: statements whose results are not needed yet travel together (fewer round
    # trips), so the row locks below are also held for less time.
    async with _pipeline(conn):
        # Counters first: their UPDATEs lock the content, dataset and environment rows until commit,
        # so the rule-3 check below reads a state no concurrent change can alter before this commits
        # (and, unlike FOR SHARE followed by UPDATE, concurrent starts on one content cannot deadlock).
        await usage.count_start(conn, content_id=content_id, environment_id=environment_id)
        usable = await usage.ensure_usable(conn, content_id=content_id, environment_id=environment_id)
        # No RETURNING: every column is known here, and fetching it would cost a round trip.
        await conn.execute(
            "INSERT INTO learning_sessions (session_id, learner_id, session_type, content_id, environment_id,"
            " session_config, start_time, completion_status, session_metadata)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, 'in_progress', %s)",
            (session_id, learner_id, session_type, content_id, environment_id, json_value(session_config),
             start_time, json_value(session_metadata)))
        await touch_activity(conn, learner_id, start_time)
        await outbox.append(conn, "session_start", session_id, _start_payload(
            session_id=session_id, learner_id=learner_id, session_type=session_type, content_id=content_id,
            environment_id=environment_id, start_time=start_time, difficulty=usable.difficulty_level,
            objective=first_objective(usable), content_type=usable.content_type or usable.environment_type),
            learner_id=learner_id)
    session = Session(session_id, learner_id, session_type, content_id, environment_id, session_config,
                      start_time, None, None, "in_progress", None, None, None, session_metadata)
    return Started(session, usable)


async def end_session(conn: psycopg.AsyncConnection[Any], session_id: str, *, status: str,
                      performance_data: dict[str, Any] | None = None,
                      learning_outcomes: dict[str, Any] | None = None,
                      feedback: dict[str, Any] | None = None, learner_id: str | None = None,
                      end_time: datetime | None = None) -> Session:
    """End an in-progress session inside the caller's transaction: end_time (never before
    start_time), duration, outcome fields, usage counters, its session_end outbox row and the
    profile's last_activity.

    learner_id, when given, limits the call to that learner's sessions (others count as missing).
    Raises NotFound (SESSION_NOT_FOUND) or PreconditionFailed (SESSION_ALREADY_ENDED).
    """
    if status not in END_STATES:
        raise ValueError(f"status must be one of {END_STATES}")
    scope = " AND learner_id = %(learner)s" if learner_id is not None else ""
    cur = await conn.execute(
        "WITH ended AS (UPDATE learning_sessions SET"
        " end_time = GREATEST(COALESCE(%(end)s, now()), start_time),"
        " duration = floor(EXTRACT(EPOCH FROM GREATEST(COALESCE(%(end)s, now()), start_time) - start_time))::int,"
        " completion_status = %(status)s, performance_data = %(pd)s, learning_outcomes = %(lo)s,"
        " feedback = %(fb)s"
        f" WHERE session_id = %(id)s AND completion_status = 'in_progress'{scope} RETURNING *)"
        " SELECT ended.session_id::text AS session_id, ended.learner_id, ended.session_type,"
        " ended.content_id::text AS content_id, ended.environment_id::text AS environment_id,"
        " ended.session_config, ended.start_time, ended.end_time, ended.duration, ended.completion_status,"
        " ended.performance_data, ended.learning_outcomes, ended.feedback, ended.session_metadata,"
        " c.difficulty_level, COALESCE(c.learning_objectives, e.learning_objectives) AS objectives,"
        " COALESCE(d.dataset_type, e.environment_type, '') AS content_type"
        " FROM ended LEFT JOIN training_content c ON c.content_id = ended.content_id"
        " LEFT JOIN training_datasets d ON d.dataset_id = c.dataset_id"
        " LEFT JOIN simulation_environments e ON e.environment_id = ended.environment_id",
        {"end": end_time, "status": status, "pd": json_value(performance_data),
         "lo": json_value(learning_outcomes), "fb": json_value(feedback), "id": session_id,
         "learner": learner_id})
    row = await cur.fetchone()
    if row is None:
        raise await _why_not_ended(conn, session_id, learner_id)
    session = Session.from_row(row)
    difficulty = float(row["difficulty_level"]) if row["difficulty_level"] is not None else None
    payload = _start_payload(
        session_id=session.session_id, learner_id=session.learner_id, session_type=session.session_type,
        content_id=session.content_id, environment_id=session.environment_id, start_time=session.start_time,
        difficulty=difficulty, objective=(row["objectives"] or [""])[0], content_type=row["content_type"])
    payload.update(completion_status=status, end_time=utc_iso(session.end_time) if session.end_time else None,
                   duration_seconds=session.duration, performance_data=performance_data or {},
                   learning_outcomes=learning_outcomes or {})
    async with _pipeline(conn):  # counters, activity and outbox row travel together
        await usage.count_end(conn, content_id=session.content_id, completed=status == "completed")
        await touch_activity(conn, session.learner_id, session.end_time)
        await outbox.append(conn, "session_end", session.session_id, payload, learner_id=session.learner_id)
    return session


def _pipeline(conn: psycopg.AsyncConnection[Any]) -> AbstractAsyncContextManager[Any]:
    """Pipeline mode for a block, unless the caller runs one already (a nested block costs a round
    trip to enter and another to leave)."""
    return nullcontext() if conn.info.pipeline_status else conn.pipeline()


async def _why_not_ended(conn: psycopg.AsyncConnection[Any], session_id: str,
                         learner_id: str | None) -> StoreError:
    cur = await conn.execute("SELECT learner_id, completion_status FROM learning_sessions WHERE session_id = %s",
                             (session_id,))
    row = await cur.fetchone()
    if row is None or (learner_id is not None and row["learner_id"] != learner_id):
        return missing_session(session_id)
    return PreconditionFailed(f"session {session_id!r} has already ended ({row['completion_status']})",
                              reason="SESSION_ALREADY_ENDED",
                              metadata={"session_id": session_id,
                                        "completion_status": str(row["completion_status"])})


def missing_session(session_id: str) -> NotFound:
    """NOT_FOUND for a session."""
    return not_found("session", session_id)


class SessionStore:
    """Sessions in PostgreSQL (stores/sync/progress.py counts their starts and ends in Redis)."""

    def __init__(self, postgres: PostgresStore) -> None:
        self.postgres = postgres

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        """A transaction whose statements run in pipeline mode. The pipeline opens inside the
        transaction: psycopg wraps a transaction opened inside a pipeline in extra syncs, which
        costs a round trip more."""
        async with self.postgres.connection() as conn, conn.transaction(), conn.pipeline():
            yield conn

    async def start(self, *, learner_id: str, session_type: str, content_id: str | None,
                    environment_id: str | None, session_config: dict[str, Any] | None,
                    session_metadata: dict[str, Any] | None, request_id: str | None,
                    identity: str, fingerprint: str = "") -> Started:
        """Start a session (idempotent by request_id: a replay says so and changes nothing)."""
        async with self._transaction() as conn:
            session_id = str(uuid.uuid4())
            if request_id:
                winner = await idempotency.claim(conn, "learner.start_session", request_id, session_id, identity,
                                                 fingerprint)
                if winner != session_id:
                    return Started(await _by_id(conn, winner, None), None, replayed=True)
            started = await insert_session(
                conn, learner_id=learner_id, session_type=session_type, content_id=content_id,
                environment_id=environment_id, session_config=session_config,
                session_metadata=session_metadata, session_id=session_id)
        return started

    async def end(self, session_id: str, *, status: str, performance_data: dict[str, Any] | None,
                  learning_outcomes: dict[str, Any] | None, feedback: dict[str, Any] | None,
                  learner_id: str | None) -> Session:
        """End a session in progress."""
        async with self._transaction() as conn:
            return await end_session(conn, session_id, status=status, performance_data=performance_data,
                                     learning_outcomes=learning_outcomes, feedback=feedback,
                                     learner_id=learner_id)

    async def get(self, session_id: str, learner_id: str | None) -> Session:
        """One session; learner_id, when given, hides every other learner's sessions (NOT_FOUND)."""
        async with self.postgres.connection() as conn:
            return await _by_id(conn, session_id, learner_id)

    async def list(self, query: SessionQuery) -> list[Session]:
        """One page in commit order (list_seq)."""
        where = Where()
        where.equals("learner_id", query.learner_id)
        where.equals("session_type", query.session_type)
        where.equals("completion_status", query.completion_status)
        where.within("start_time", Range(query.start_from, query.start_to, end_exclusive=True))
        rows = await commit_ordered(self.postgres, _FIELDS, "learning_sessions", where, query.after, query.limit)
        return [Session.from_row(r) for r in rows]


async def _by_id(conn: psycopg.AsyncConnection[Any], session_id: str, learner_id: str | None) -> Session:
    cur = await conn.execute(f"SELECT {_FIELDS} FROM learning_sessions WHERE session_id = %s", (session_id,))
    row = await cur.fetchone()
    if row is None or (learner_id is not None and row["learner_id"] != learner_id):
        raise missing_session(session_id)
    return Session.from_row(row)
