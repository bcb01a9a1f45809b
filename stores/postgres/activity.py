"""A learner's activity as PostgreSQL records it: the source from which a lost progress hash is rebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from stores.postgres import PostgresStore


@dataclass(frozen=True)
class Activity:
    """What PostgreSQL records of a learner's activity: the source of a rebuilt hash."""

    last_activity: datetime | None
    #: Distinct UTC days with a session start or end, newest first.
    days: list[date]
    #: Session starts and ends on the rebuild's UTC day.
    today_count: int
    current_session: str
    objective: str
    percentage: float


async def activity_summary(conn: psycopg.AsyncConnection[Any], learner_id: str, today: date) -> Activity | None:
    """The learner's activity from learning_sessions; None when it has no profile and no session."""
    cur = await conn.execute(
        "WITH s AS (SELECT session_id, start_time, end_time, completion_status, content_id, environment_id"
        "   FROM learning_sessions WHERE learner_id = %(l)s),"
        " ev AS (SELECT start_time AS at FROM s WHERE start_time IS NOT NULL"
        "   UNION ALL SELECT end_time FROM s WHERE end_time IS NOT NULL),"
        " latest AS (SELECT s.session_id::text AS session_id, s.completion_status,"
        "   COALESCE(c.learning_objectives, e.learning_objectives) AS objectives FROM s"
        "   LEFT JOIN training_content c ON c.content_id = s.content_id"
        "   LEFT JOIN simulation_environments e ON e.environment_id = s.environment_id"
        "   ORDER BY (s.completion_status = 'in_progress') DESC NULLS LAST, s.start_time DESC NULLS LAST LIMIT 1)"
        " SELECT EXISTS (SELECT 1 FROM learner_profiles WHERE learner_id = %(l)s) AS has_profile,"
        " (SELECT max(at) FROM ev) AS last_activity,"
        " (SELECT count(*) FROM ev WHERE (at AT TIME ZONE 'UTC')::date = %(today)s) AS today,"
        " (SELECT array_agg(d ORDER BY d DESC) FROM (SELECT DISTINCT (at AT TIME ZONE 'UTC')::date AS d"
        "   FROM ev) days) AS days,"
        " (SELECT session_id FROM latest) AS session_id, (SELECT completion_status FROM latest) AS status,"
        " (SELECT objectives FROM latest) AS objectives",
        {"l": learner_id, "today": today})
    row = await cur.fetchone()
    assert row is not None
    if not row["has_profile"] and row["session_id"] is None:
        return None
    return Activity(last_activity=row["last_activity"], days=list(row["days"] or []),
                    today_count=int(row["today"]),
                    current_session=row["session_id"] if row["status"] == "in_progress" else "",
                    objective=(row["objectives"] or [""])[0],
                    percentage=100.0 if row["status"] == "completed" else 0.0)


class ActivityReader:
    """The ActivitySource of stores/redis/progress.py: one query per rebuild."""

    def __init__(self, postgres: PostgresStore) -> None:
        self.postgres = postgres

    async def __call__(self, learner_id: str, today: date) -> Activity | None:
        async with self.postgres.connection() as conn:
            return await activity_summary(conn, learner_id, today)
