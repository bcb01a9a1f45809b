"""SessionStore and its transaction helpers on PostgreSQL and Redis: rule 3, ends, scopes, pages."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from stores.errors import NotFound, PreconditionFailed
from stores.postgres import PostgresStore
from stores.postgres.sessions import SessionQuery, SessionStore, end_session, insert_session
from stores.redis import RedisStore
from tests.server.learner.helpers import insert_content, insert_environment, outbox_rows, unique


def _store(pg: PostgresStore, redis: RedisStore) -> SessionStore:
    return SessionStore(pg)


async def test_start_and_end_write_the_row_and_both_outbox_rows(pg: PostgresStore, redis: RedisStore) -> None:
    store = _store(pg, redis)
    content = await insert_content(pg, objectives=("negotiation",), difficulty=0.5)
    learner = unique("store-session")
    started = await store.start(learner_id=learner, session_type="training", content_id=content,
                                environment_id=None, session_config={"k": 1}, session_metadata=None,
                                request_id=None, identity="admin")
    assert (started.objective, started.replayed, started.session.completion_status) == (
        "negotiation", False, "in_progress")
    ended = await store.end(started.session.session_id, status="completed", performance_data={"score": 1},
                            learning_outcomes=None, feedback=None, learner_id=learner)
    assert ended.completion_status == "completed" and ended.duration is not None and ended.duration >= 0
    rows = await outbox_rows(pg, started.session.session_id)
    assert [r["event_type"] for r in rows] == ["session_start", "session_end"]
    assert rows[1]["payload"]["learning_objective"] == "negotiation"
    assert rows[1]["payload"]["difficulty_level"] == 0.5
    with pytest.raises(PreconditionFailed) as again:
        await store.end(started.session.session_id, status="failed", performance_data=None,
                        learning_outcomes=None, feedback=None, learner_id=None)
    assert (again.value.reason, again.value.metadata["completion_status"]) == ("SESSION_ALREADY_ENDED", "completed")


async def test_rule_3_refuses_unvalidated_content_and_inactive_environments(pg: PostgresStore) -> None:
    pending = await insert_content(pg, validation="pending")
    inactive = await insert_environment(pg, active=False)
    with pytest.raises(PreconditionFailed) as content:
        async with pg.transaction() as conn:
            await insert_session(conn, learner_id=unique("l"), session_type="training", content_id=pending)
    assert content.value.reason == "CONTENT_NOT_VALIDATED"
    with pytest.raises(PreconditionFailed) as env:
        async with pg.transaction() as conn:
            await insert_session(conn, learner_id=unique("l"), session_type="simulation", environment_id=inactive)
    assert env.value.reason == "ENVIRONMENT_INACTIVE"
    with pytest.raises(ValueError, match="session_type"):
        async with pg.transaction() as conn:
            await insert_session(conn, learner_id=unique("l"), session_type="lecture")


async def test_another_learners_session_counts_as_missing(pg: PostgresStore, redis: RedisStore) -> None:
    store = _store(pg, redis)
    env = await insert_environment(pg)
    learner = unique("store-session")
    started = await store.start(learner_id=learner, session_type="simulation", content_id=None,
                                environment_id=env, session_config=None, session_metadata=None,
                                request_id=None, identity="admin")
    sid = started.session.session_id
    assert (await store.get(sid, learner)).environment_id == env
    with pytest.raises(NotFound) as caught:
        await store.get(sid, unique("other"))
    assert caught.value.reason == "SESSION_NOT_FOUND"
    with pytest.raises(NotFound):
        async with pg.transaction() as conn:
            await end_session(conn, sid, status="completed", learner_id=unique("other"))
    with pytest.raises(ValueError, match="status"):
        async with pg.transaction() as conn:
            await end_session(conn, sid, status="paused")


async def test_an_end_time_before_the_start_is_clamped_to_the_start(pg: PostgresStore) -> None:
    env = await insert_environment(pg)
    start = datetime.now(timezone.utc)
    async with pg.transaction() as conn:
        started = await insert_session(conn, learner_id=unique("l"), session_type="simulation",
                                       environment_id=env, start_time=start)
        ended = await end_session(conn, started.session.session_id, status="abandoned",
                                  end_time=start - timedelta(hours=1))
    assert (ended.end_time, ended.duration) == (ended.start_time, 0)


async def test_a_retried_start_replays_and_lists_page_by_commit_order(pg: PostgresStore, redis: RedisStore) -> None:
    store = _store(pg, redis)
    env = await insert_environment(pg)
    learner, request = unique("store-session"), str(uuid.uuid4())
    kwargs = {"learner_id": learner, "session_type": "practice", "content_id": None, "environment_id": env,
              "session_config": None, "session_metadata": None, "identity": "node-a"}
    first = await store.start(request_id=request, **kwargs)  # type: ignore[arg-type]
    again = await store.start(request_id=request, **kwargs)  # type: ignore[arg-type]
    assert again.replayed and again.session.session_id == first.session.session_id
    second = await store.start(request_id=None, **kwargs)  # type: ignore[arg-type]
    page = await store.list(SessionQuery(limit=1, learner_id=learner))
    rest = await store.list(SessionQuery(limit=5, learner_id=learner, after=page[0].list_seq))
    assert [s.session_id for s in page + rest] == [first.session.session_id, second.session.session_id]
    assert await store.list(SessionQuery(limit=5, learner_id=learner, completion_status="completed")) == []
