"""Assessment results (assessment_results): record against a session of the same learner (rule 2),
read, list, and move review_status forward."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from stores.errors import PreconditionFailed, not_found
from stores.postgres import PostgresStore, idempotency, outbox
from stores.postgres.learners import json_value, touch_activity, utc_iso
from stores.postgres.sql import Range, Where, commit_ordered

_JSON = ("assessment_scope", "assessment_criteria", "results", "skill_assessments",
         "improvement_recommendations", "benchmark_comparisons")
_FIELDS = ("assessment_id::text AS assessment_id, learner_id, session_id::text AS session_id, assessment_type, "
           + ", ".join(_JSON) + ", confidence_level, assessor, assessment_timestamp, review_status")


@dataclass(frozen=True)
class Assessment:
    """One assessment_results row."""

    assessment_id: str
    learner_id: str
    session_id: str | None
    assessment_type: str
    assessment_scope: dict[str, Any] | None
    assessment_criteria: dict[str, Any] | None
    results: dict[str, Any]
    skill_assessments: dict[str, float] | None
    improvement_recommendations: dict[str, Any] | None
    benchmark_comparisons: dict[str, Any] | None
    confidence_level: float | None
    assessor: str | None
    assessment_timestamp: datetime | None
    review_status: str | None
    #: Commit-order position (migration postgres/0120); set on rows read by a list, else None.
    list_seq: int | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Assessment:
        """Build from a row selected with _FIELDS (DECIMAL confidence becomes a float)."""
        confidence = row["confidence_level"]
        return cls(**{**row, "confidence_level": float(confidence) if confidence is not None else None})


@dataclass(frozen=True)
class AssessmentQuery:
    """Filters and keyset position of ListAssessments."""

    limit: int
    learner_id: str | None = None
    assessment_type: str | None = None
    time_from: datetime | None = None
    time_to: datetime | None = None
    #: list_seq of the last row of the previous page.
    after: int | None = None


def _submitted(a: Assessment) -> dict[str, Any]:
    """The assessment_submit payload (stores/postgres/outbox.py docstring)."""
    return {"assessment_id": a.assessment_id, "session_id": a.session_id or "", "learner_id": a.learner_id,
            "assessment_type": a.assessment_type,
            "assessment_timestamp": utc_iso(a.assessment_timestamp) if a.assessment_timestamp else None,
            "skill_assessments": a.skill_assessments or {}, "confidence_level": a.confidence_level,
            "review_status": a.review_status}


class AssessmentStore:
    """Assessments in PostgreSQL; each record appends assessment_submit in the same transaction."""

    def __init__(self, postgres: PostgresStore) -> None:
        self.postgres = postgres

    async def record(self, values: dict[str, Any], *, request_id: str | None, identity: str,
                     fingerprint: str = "") -> Assessment:
        """Insert an assessment of values['session_id'], which must be a session of values['learner_id']
        (FAILED_PRECONDITION ASSESSMENT_SESSION_INVALID otherwise); idempotent by request_id."""
        async with self.postgres.transaction() as conn:
            assessment_id = str(uuid.uuid4())
            if request_id:
                winner = await idempotency.claim(conn, "learner.record_assessment", request_id, assessment_id,
                                                 identity, fingerprint)
                if winner != assessment_id:
                    return await _by_id(conn, winner, None)
            # INSERT … SELECT from the session: rule 2 and the insert are one statement, and the
            # foreign key keeps the session from disappearing before commit.
            cur = await conn.execute(
                "INSERT INTO assessment_results (assessment_id, learner_id, session_id, assessment_type, "
                + ", ".join(_JSON) + ", confidence_level, assessor, assessment_timestamp, review_status)"
                " SELECT %(id)s, s.learner_id, s.session_id, %(type)s, "
                + ", ".join(f"%({name})s" for name in _JSON)
                + ", %(confidence)s, %(assessor)s, COALESCE(%(ts)s, now()), %(review)s"
                " FROM learning_sessions s WHERE s.session_id = %(session)s AND s.learner_id = %(learner)s"
                f" RETURNING {_FIELDS}",
                {"id": assessment_id, "type": values["assessment_type"],
                 **{name: json_value(values.get(name)) for name in _JSON},
                 "confidence": values.get("confidence_level"), "assessor": values.get("assessor"),
                 "ts": values.get("assessment_timestamp"), "review": values.get("review_status") or "final",
                 "session": values["session_id"], "learner": values["learner_id"]})
            row = await cur.fetchone()
            if row is None:
                raise PreconditionFailed(
                    f"session {values['session_id']!r} is not a session of learner {values['learner_id']!r}",
                    reason="ASSESSMENT_SESSION_INVALID",
                    metadata={"session_id": values["session_id"], "learner_id": values["learner_id"]})
            assessment = Assessment.from_row(row)
            await outbox.append(conn, "assessment_submit", assessment.assessment_id, _submitted(assessment),
                                learner_id=assessment.learner_id)
            await touch_activity(conn, assessment.learner_id, assessment.assessment_timestamp)
        return assessment

    async def get(self, assessment_id: str, learner_id: str | None) -> Assessment:
        """One assessment; learner_id, when given, hides every other learner's assessments (NOT_FOUND)."""
        async with self.postgres.connection() as conn:
            return await _by_id(conn, assessment_id, learner_id)

    async def list(self, query: AssessmentQuery) -> list[Assessment]:
        """One page in commit order (list_seq)."""
        where = Where()
        where.equals("learner_id", query.learner_id)
        where.equals("assessment_type", query.assessment_type)
        where.within("assessment_timestamp", Range(query.time_from, query.time_to, end_exclusive=True))
        rows = await commit_ordered(self.postgres, _FIELDS, "assessment_results", where, query.after, query.limit)
        return [Assessment.from_row(r) for r in rows]

    async def set_review_status(self, assessment_id: str, status: str, learner_id: str | None) -> Assessment:
        """Move review_status forward (the same status is a no-op); FAILED_PRECONDITION
        REVIEW_STATUS_BACKWARD for a backward move."""
        scope = " AND learner_id = %(learner)s" if learner_id is not None else ""
        order = "ARRAY['draft', 'final', 'reviewed']::text[]"
        async with self.postgres.transaction() as conn:
            # One statement: the forward-only check and the write cannot interleave with another move.
            cur = await conn.execute(
                "UPDATE assessment_results SET review_status = %(status)s WHERE assessment_id = %(id)s"
                f"{scope} AND array_position({order}, COALESCE(review_status, 'final'))"
                f" <= array_position({order}, %(status)s::text) RETURNING {_FIELDS}",
                {"status": status, "id": assessment_id, "learner": learner_id})
            row = await cur.fetchone()
            if row is None:
                current = await _by_id(conn, assessment_id, learner_id)
                raise PreconditionFailed(
                    f"review_status may only move forward: {current.review_status} to {status} is backward",
                    reason="REVIEW_STATUS_BACKWARD",
                    metadata={"assessment_id": assessment_id, "review_status": str(current.review_status)})
        return Assessment.from_row(row)


async def _by_id(conn: psycopg.AsyncConnection[Any], assessment_id: str, learner_id: str | None) -> Assessment:
    cur = await conn.execute(f"SELECT {_FIELDS} FROM assessment_results WHERE assessment_id = %s",
                             (assessment_id,))
    row = await cur.fetchone()
    if row is None or (learner_id is not None and row["learner_id"] != learner_id):
        raise not_found("assessment", assessment_id)
    return Assessment.from_row(row)
