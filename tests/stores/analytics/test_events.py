"""EventStore on every backend: durable idempotent inserts, JSON checks by row, group commit, TTL."""

from __future__ import annotations

import asyncio
import random
import uuid

import pyarrow as pa
import pytest

from stores.analytics import AnalyticsBackend
from stores.analytics.events import _LOOKUP, EventStore, build_events, dedup_token, for_insert, set_retention
from tests.stores.analytics.helpers import to_batch
from tests.stores.analytics.oracle import Event, generate, utc


def _events(n: int, seed: int = 1) -> list[Event]:
    return generate(random.Random(seed), start=utc(20), days=10, learners=["a", "b", "c"],
                    contents=["c1", "c2"], dataset_id="d", objectives=["o1"], count=n)


async def _count(backend: AnalyticsBackend) -> tuple[int, int]:
    rows = await backend.query("SELECT count() AS n, uniqExact(event_id, timestamp) AS u FROM learning_events")
    return int(rows[0]["n"]), int(rows[0]["u"])


async def test_input_table_is_readable_in_sql(analytics: AnalyticsBackend) -> None:
    data = pa.table({"k": ["x", "y'z", "x"], "v": pa.array([1, 2, 3], pa.int64())})
    rows = await analytics.query_input(
        "SELECT k, sum(v) AS s FROM {input} WHERE v >= {low:Int64} GROUP BY k ORDER BY k", data, {"low": 2})
    assert [(r["k"], int(r["s"])) for r in rows] == [("x", 3), ("y'z", 2)]


async def test_record_inserts_every_column_as_given(analytics: AnalyticsBackend) -> None:
    events = _events(50)
    outcome = await EventStore(analytics).record(to_batch(events))
    assert (outcome.inserted, outcome.duplicates, outcome.invalid) == (50, 0, [])
    rows = await analytics.query(
        "SELECT toUnixTimestamp64Milli(timestamp) AS ts, event_id, learner_id, session_id,"
        " toString(event_type) AS kind, event_data, duration_ms, success_indicator, difficulty_level,"
        " learning_objective, content_type FROM learning_events")
    stored = {r["event_id"]: r for r in rows}
    for e in events:
        r = stored[e.event_id]
        assert (int(r["ts"]), r["learner_id"], r["session_id"], r["kind"], int(r["duration_ms"]),
                bool(r["success_indicator"]), float(r["difficulty_level"]), r["learning_objective"],
                r["content_type"]) == (e.ts_ms, e.learner_id, e.session_id, e.event_type, e.duration_ms,
                                       e.success, e.difficulty, e.objective, e.content_type)


async def test_replayed_batch_adds_nothing_and_counts_duplicates(analytics: AnalyticsBackend) -> None:
    store = EventStore(analytics)
    batch = to_batch(_events(500))
    first = await store.record(batch)
    again = await store.record(batch)
    half = await store.record(pa.concat_tables([batch.slice(0, 250), to_batch(_events(100, seed=2))]))
    assert (first.inserted, again.inserted, again.duplicates) == (500, 0, 500)
    assert (half.inserted, half.duplicates) == (100, 250)
    assert await _count(analytics) == (600, 600)


async def test_duplicates_within_one_batch_keep_the_first(analytics: AnalyticsBackend) -> None:
    events = _events(10)
    batch = to_batch(events + events[:3])
    outcome = await EventStore(analytics).record(batch)
    assert (outcome.inserted, outcome.duplicates) == (10, 3)
    assert await _count(analytics) == (10, 10)


async def test_bad_json_rows_are_reported_by_index_and_the_rest_land(analytics: AnalyticsBackend) -> None:
    texts = ['{"a": 1}', '{"a": ', "[1, 2]", "", '"text"', "{} trailing", '{"n": NaN}', ' {"ok": true}']
    batch = build_events(len(texts), timestamp_ms=[1_700_000_000_000 + i for i in range(len(texts))],
                         event_id=[f"j{i}" for i in range(len(texts))], learner_id=["l"] * len(texts),
                         event_type=[3] * len(texts), event_data=texts,
                         performance_metrics=["{}"] * (len(texts) - 1) + ["nope"])
    outcome = await EventStore(analytics).record(batch)
    assert [(r.index, r.field) for r in outcome.invalid] == [
        (1, "event_data"), (2, "event_data"), (4, "event_data"), (5, "event_data"), (6, "event_data"),
        (7, "performance_metrics")]
    assert outcome.inserted == 2  # rows 0 and 3 ('' becomes '{}')


async def test_concurrent_writers_with_overlapping_rows_insert_each_key_once(analytics: AnalyticsBackend) -> None:
    store = EventStore(analytics)
    events = _events(3000, seed=5)
    rnd = random.Random(9)
    batches = [to_batch(rnd.sample(events, 1000)) for _ in range(8)]
    outcomes = await asyncio.gather(*(store.record(b) for b in batches))
    inserted = sum(o.inserted for o in outcomes)
    assert inserted == len({i for b in batches for i in b.column("event_id").to_pylist()})
    assert sum(o.inserted + o.duplicates for o in outcomes) == 8000
    n, unique = await _count(analytics)
    assert n == unique == inserted


async def test_same_key_twice_from_two_stores_is_stopped_by_the_dedup_token(analytics: AnalyticsBackend) -> None:
    # Two writers (two processes) that both missed the other's rows insert the same keys: the
    # deterministic token makes the second insert a no-op.
    batch = to_batch(_events(200, seed=3))
    await analytics.insert("learning_events", for_insert(batch), dedup_token=dedup_token(batch))
    await analytics.insert("learning_events", for_insert(batch), dedup_token=dedup_token(batch))
    assert await _count(analytics) == (200, 200)
    assert dedup_token(batch) != dedup_token(batch.slice(1))


async def test_a_failed_flush_fails_its_callers_and_the_writer_recovers(analytics: AnalyticsBackend) -> None:
    store = EventStore(analytics)
    broken = pa.table({"wrong": [1]})
    with pytest.raises(KeyError):  # the batch lacks the learning_events columns
        await store.record(broken)
    outcome = await store.record(to_batch(_events(5)))
    assert outcome.inserted == 5


async def test_event_ttl_can_be_set_and_removed(analytics: AnalyticsBackend) -> None:
    old = Event(ts_ms=1_600_000_000_000, event_id=str(uuid.uuid4()), learner_id="l", event_type="interaction")
    await EventStore(analytics).record(to_batch([old, *_events(5)]))
    await set_retention(analytics, 30)
    await set_retention(analytics, 30)  # unchanged: no second MODIFY TTL
    query = await analytics.query("SELECT create_table_query AS q FROM system.tables"
                                  " WHERE database = currentDatabase() AND name = 'learning_events'")
    assert "toIntervalDay(30) WHERE event_type NOT IN" in query[0]["q"]
    await analytics.execute("OPTIMIZE TABLE learning_events FINAL")
    assert await _count(analytics) == (5, 5)  # the 2020 event expired
    await set_retention(analytics, 0)
    query = await analytics.query("SELECT create_table_query AS q FROM system.tables"
                                  " WHERE database = currentDatabase() AND name = 'learning_events'")
    assert " TTL " not in query[0]["q"]


async def test_rows_deleted_on_purpose_can_be_written_again(analytics: AnalyticsBackend) -> None:
    # A rule-5 repair redelivers a deleted row: the dedup window must not swallow the second insert.
    events = _events(3, seed=8)
    store = EventStore(analytics)
    batch = to_batch(events[:1])
    assert (await store.record(batch)).inserted == 1
    await analytics.execute("ALTER TABLE learning_events DELETE WHERE event_id = {e:String} SETTINGS mutations_sync = 2", {"e": events[0].event_id})
    assert await _count(analytics) == (0, 0)
    again = await store.record(batch)
    assert (again.inserted, again.duplicates) == (1, 0)
    assert await _count(analytics) == (1, 1)


async def test_a_batch_spread_over_months_is_found_again_between_other_rows(analytics: AnalyticsBackend) -> None:
    # A backfill: timestamps over a year, with other rows in between, found again by their exact times.
    rnd = random.Random(12)
    start = 1_700_000_000_000
    spread = [Event(ts_ms=start + rnd.randrange(365 * 86_400_000), event_id=str(uuid.uuid4()), learner_id="s",
                    event_type="interaction") for _ in range(600)]
    store = EventStore(analytics)
    await store.record(to_batch(_events(2000, seed=13)))
    first = await store.record(to_batch(spread))
    again = await store.record(to_batch(spread))
    mixed = await store.record(to_batch(spread[::3] + _events(50, seed=14)))
    assert (first.inserted, again.inserted, again.duplicates) == (600, 0, 600)
    assert (mixed.inserted, mixed.duplicates) == (50, 200)
    assert await _count(analytics) == (2650, 2650)


async def test_the_lookup_of_a_spread_batch_reads_only_the_granules_of_its_timestamps(
        analytics: AnalyticsBackend) -> None:
    # 120,000 rows over a year in one part (15 granules of 8192 rows); a batch of three far-apart times.
    n, start, step = 120_000, 1_700_000_000_000, 262_800
    await EventStore(analytics).record(build_events(
        n, timestamp_ms=[start + i * step for i in range(n)], event_id=[f"g{i}" for i in range(n)],
        learner_id=["l"] * n, event_type=[3] * n))
    times = [start + 5 * step, start + 60_000 * step, start + 119_990 * step]
    keys = pa.table({"i": pa.array([0, 1, 2], pa.int64()), "event_id": ["g5", "x", "y"],
                     "ts": pa.array(times, pa.int64()), "event_data": ["{}"] * 3, "performance_metrics": ["{}"] * 3})
    plan = await analytics.query_input("EXPLAIN ESTIMATE " + _LOOKUP, keys)
    marks = sum(int(r["marks"]) for r in plan if r["table"] == "learning_events")
    assert 1 <= marks <= 3
