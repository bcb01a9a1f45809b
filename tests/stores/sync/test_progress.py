"""stores/sync/progress.py: a session commits in PostgreSQL, then counts in the learner's progress hash."""

from __future__ import annotations

import uuid

from stores.postgres import PostgresStore
from stores.postgres.sessions import SessionStore
from stores.redis import RedisStore
from stores.redis.progress import progress_key
from stores.sync.progress import LearnerSessions, progress_store


def _sessions(pg: PostgresStore, redis: RedisStore) -> LearnerSessions:
    return LearnerSessions(SessionStore(pg), progress_store(redis, pg))


async def _start(sessions: LearnerSessions | SessionStore, learner: str, request_id: str | None = None) -> str:
    started = await sessions.start(
        learner_id=learner, session_type="practice", content_id=None, environment_id=None, session_config=None,
        session_metadata=None, request_id=request_id, identity="test")
    return started.session.session_id


async def _hash(redis: RedisStore, learner: str) -> dict[str, str]:
    raw = await redis.client.hgetall(progress_key(learner))
    return {str(k): str(v) for k, v in raw.items()}


async def test_start_and_end_count_in_an_existing_hash(pg: PostgresStore, redis: RedisStore) -> None:
    learner = f"sync-progress-{uuid.uuid4().hex[:12]}"
    sessions = _sessions(pg, redis)
    await sessions.progress.report(learner, percentage=10.0, objective=None)  # the hash exists from here
    session_id = await _start(sessions, learner)
    after_start = await _hash(redis, learner)
    assert after_start["currentSession"] == session_id
    assert after_start["todayActivities"] == "2"  # the report and the start

    await sessions.end(session_id, status="completed", performance_data=None, learning_outcomes=None,
                       feedback=None, learner_id=learner)
    after_end = await _hash(redis, learner)
    assert after_end["currentSession"] == ""
    assert after_end["progressPercentage"] == "100"
    assert after_end["todayActivities"] == "3"


async def test_a_replayed_start_counts_once(pg: PostgresStore, redis: RedisStore) -> None:
    learner = f"sync-replay-{uuid.uuid4().hex[:12]}"
    sessions = _sessions(pg, redis)
    await sessions.progress.report(learner, percentage=None, objective=None)
    request_id = uuid.uuid4().hex
    first = await _start(sessions, learner, request_id)
    again = await _start(sessions, learner, request_id)
    assert again == first
    assert (await _hash(redis, learner))["todayActivities"] == "2"  # the report and one start


async def test_the_postgres_store_alone_leaves_redis_alone(pg: PostgresStore, redis: RedisStore) -> None:
    learner = f"pg-only-{uuid.uuid4().hex[:12]}"
    await _start(SessionStore(pg), learner)
    assert await _hash(redis, learner) == {}
    # The next read rebuilds the hash from PostgreSQL, with the session in it.
    progress = await progress_store(redis, pg).get(learner)
    assert progress.current_session != "" and progress.today_activities == 1


async def test_reads_pass_through(pg: PostgresStore, redis: RedisStore) -> None:
    learner = f"sync-read-{uuid.uuid4().hex[:12]}"
    sessions = _sessions(pg, redis)
    session_id = await _start(sessions, learner)
    assert (await sessions.get(session_id, learner)).session_id == session_id
