"""stores/postgres/activity.py: what PostgreSQL records of a learner's activity, for progress rebuilds."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from stores.postgres import PostgresStore
from stores.postgres.activity import ActivityReader
from stores.postgres.learners import JSON_FIELDS, LearnerStore
from stores.postgres.sessions import SessionStore


def _today() -> datetime:
    return datetime.now(timezone.utc)


async def _profile(pg: PostgresStore) -> str:
    learner = f"activity-{uuid.uuid4().hex[:12]}"
    values = {"learner_id": learner, "learner_type": "ai_node", "last_activity": None,
              **dict.fromkeys(JSON_FIELDS)}
    await LearnerStore(pg).create(values, request_id=None, identity="test")
    return learner


async def _start(pg: PostgresStore, learner: str) -> str:
    started = await SessionStore(pg).start(
        learner_id=learner, session_type="practice", content_id=None, environment_id=None, session_config=None,
        session_metadata=None, request_id=None, identity="test")
    return started.session.session_id


async def test_unknown_learner_has_no_activity(pg: PostgresStore) -> None:
    assert await ActivityReader(pg)(f"nobody-{uuid.uuid4().hex}", _today().date()) is None


async def test_profile_without_sessions_is_known_and_idle(pg: PostgresStore) -> None:
    learner = await _profile(pg)
    activity = await ActivityReader(pg)(learner, _today().date())
    assert activity is not None
    assert (activity.last_activity, activity.days, activity.today_count) == (None, [], 0)
    assert (activity.current_session, activity.objective, activity.percentage) == ("", "", 0.0)


async def test_open_then_completed_session(pg: PostgresStore) -> None:
    learner = await _profile(pg)
    session_id = await _start(pg, learner)
    today = _today().date()
    opened = await ActivityReader(pg)(learner, today)
    assert opened is not None
    assert opened.current_session == session_id
    assert (opened.days, opened.today_count, opened.percentage) == ([today], 1, 0.0)

    await SessionStore(pg).end(session_id, status="completed", performance_data=None, learning_outcomes=None,
                               feedback=None, learner_id=learner)
    ended = await ActivityReader(pg)(learner, today)
    assert ended is not None
    assert ended.current_session == ""  # no session in progress any more
    assert (ended.today_count, ended.percentage) == (2, 100.0)  # a start and an end, the last one completed
    assert ended.last_activity is not None and ended.last_activity >= opened.last_activity  # type: ignore[operator]


async def test_a_session_without_profile_is_activity(pg: PostgresStore) -> None:
    learner = f"sessions-only-{uuid.uuid4().hex[:12]}"
    await _start(pg, learner)
    activity = await ActivityReader(pg)(learner, _today().date())
    assert activity is not None and activity.today_count == 1
