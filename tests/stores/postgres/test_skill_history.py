"""The history order: timestamp then id, no timestamp last, clamped numeric scores only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from stores.postgres import PostgresStore
from stores.postgres.assessments import AssessmentStore
from stores.postgres.sessions import insert_session
from stores.postgres.skill_history import NO_TIME, PostgresHistories, micros, order_key, skill_history, skill_learners
from tests.server.learner.helpers import insert_environment, unique

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def test_micros_is_exact_and_treats_naive_times_as_utc() -> None:
    assert micros(T0 + timedelta(microseconds=1)) - micros(T0) == 1
    assert micros(datetime(2025, 1, 1)) == micros(T0)
    assert micros(datetime(1970, 1, 1, tzinfo=timezone.utc)) == 0


def test_order_key_accepts_text_and_sorts_a_missing_time_last() -> None:
    assert order_key("2025-01-01T00:00:00+00:00", "a") == (micros(T0), "a")
    assert order_key(None, "a") == (NO_TIME, "a")
    assert order_key("not a time", "a") == (NO_TIME, "a")
    assert order_key(T0, "b") > order_key(T0, "a")
    assert order_key(T0 + timedelta(days=365 * 200), "a") < order_key(None, "a")


async def test_histories_are_read_in_order_clamped_and_numeric_only(pg: PostgresStore) -> None:
    learner, other = unique("hist"), unique("hist")
    skill = unique("skill")
    env = await insert_environment(pg)
    store = AssessmentStore(pg)
    for who in (learner, other):
        async with pg.transaction() as conn:
            session = (await insert_session(conn, learner_id=who, session_type="assessment",
                                            environment_id=env)).session.session_id
        for offset, score in ((2, 1.5), (0, 0.25), (1, -3), (3, "high")):
            await store.record({"learner_id": who, "session_id": session, "assessment_type": "check",
                                "results": {}, "skill_assessments": {skill: score},
                                "assessment_timestamp": T0 + timedelta(hours=offset)},
                               request_id=None, identity="admin")
    assert await skill_history(pg, skill) == [[0.25, 0.0, 1.0]] * 2
    assert await skill_learners(pg, skill) == sorted([learner, other])
    histories = await PostgresHistories(pg).histories([(learner, skill), (learner, "no-such-skill")])
    assert [o.score for o in histories[(learner, skill)]] == [0.25, 0.0, 1.0]
    assert [o.at_ms for o in histories[(learner, skill)]] == [micros(T0 + timedelta(hours=h)) // 1000
                                                             for h in range(3)]
    assert histories[(learner, "no-such-skill")] == []
    assert await PostgresHistories(pg).histories([]) == {}
