"""Progress hashes: the day rule, number and time texts, rebuilds from PostgreSQL, reports and erasure."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from stores.errors import NotFound
from stores.postgres import PostgresStore
from stores.postgres.sessions import insert_session
from stores.redis import RedisStore
from stores.redis.progress import hash_time, number_text, progress_key, streak_ending, view
from stores.sync.progress import progress_store
from tests.server.learner.helpers import insert_environment, unique

TODAY = date(2025, 6, 10)


def test_texts_are_the_seeds() -> None:
    assert progress_key("l-1") == "learning:progress:l-1"
    assert number_text(75.0) == "75" and number_text(12.5) == "12.5"
    when = datetime(2025, 6, 10, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert hash_time(when) == "2025-06-10T06:00:00.123Z"


def test_a_streak_is_the_run_of_days_ending_at_the_newest() -> None:
    assert streak_ending([TODAY, TODAY - timedelta(days=1), TODAY - timedelta(days=2)]) == 3
    assert streak_ending([TODAY, TODAY - timedelta(days=2)]) == 1
    assert streak_ending([]) == 0


def test_the_view_lapses_streaks_after_a_quiet_day_and_counts_only_today() -> None:
    raw = {"lastActivity": "2025-06-09T23:00:00.000Z", "streakDays": "4", "todayActivities": "3",
           "progressPercentage": "oops", "currentSession": "s"}
    yesterday = view("l", raw, TODAY)
    assert (yesterday.streak_days, yesterday.today_activities, yesterday.progress_percentage) == (4, 0, 0.0)
    later = view("l", raw, TODAY + timedelta(days=1))
    assert later.streak_days == 0
    same_day = view("l", raw, date(2025, 6, 9))
    assert same_day.today_activities == 3
    assert view("l", {"lastActivity": "garbage"}, TODAY).last_activity is None


async def test_an_unknown_learner_has_no_progress(scratch_redis: RedisStore, pg: PostgresStore) -> None:
    store = progress_store(scratch_redis, pg)
    with pytest.raises(NotFound) as caught:
        await store.get(unique("nobody"))
    assert caught.value.reason == "LEARNER_NOT_FOUND"


async def test_a_lost_hash_is_rebuilt_from_the_sessions(scratch_redis: RedisStore, pg: PostgresStore) -> None:
    now = datetime.now(timezone.utc)
    store = progress_store(scratch_redis, pg, clock=lambda: now)
    learner = unique("progress")
    env = await insert_environment(pg)
    async with pg.transaction() as conn:
        for days_ago in (2, 1, 0):
            started = await insert_session(conn, learner_id=learner, session_type="simulation", environment_id=env,
                                           start_time=now - timedelta(days=days_ago, minutes=1))
    progress = await store.get(learner)
    assert (progress.current_session, progress.streak_days, progress.today_activities) == (
        started.session.session_id, 3, 1)
    assert progress.current_objective == "coordination"
    assert await store.erase(learner) == 1
    assert await scratch_redis.client.exists(progress_key(learner)) == 0
    assert (await store.get(learner)).streak_days == 3  # rebuilt again


async def test_reports_set_percentage_and_objective(scratch_redis: RedisStore, pg: PostgresStore) -> None:
    store = progress_store(scratch_redis, pg)
    learner = unique("progress")
    first = await store.report(learner, percentage=40.0, objective="negotiation")
    assert (first.progress_percentage, first.current_objective, first.today_activities, first.streak_days) == (
        40.0, "negotiation", 1, 1)
    second = await store.report(learner, percentage=None, objective=None)
    assert (second.progress_percentage, second.current_objective, second.today_activities) == (40.0, "negotiation", 2)
    assert await scratch_redis.client.hget(progress_key(learner), "progressPercentage") == "40"
