"""The scheduled aggregation on every backend, against the oracle's recomputation of every row."""

from __future__ import annotations

import json
import random

from stores.analytics import AnalyticsBackend
from stores.analytics.aggregates import Aggregator
from stores.analytics.events import EventStore
from tests.stores.analytics import oracle
from tests.stores.analytics.helpers import to_batch

METRICS = ("accuracy", "speed", "completion_rate", "retention", "engagement", "improvement")
CONTENT_FIELDS = ("success_rate", "difficulty_perception", "learner_satisfaction",
                  "learning_objective_achievement", "retention_rate", "improvement_correlation")


def dataset(seed: int = 7, start_days_ago: int = 75, days: int = 60, count: int = 4000) -> list[oracle.Event]:
    """Events over two month boundaries, with session ends, returning learners and content."""
    rnd = random.Random(seed)
    learners = [f"learner-{i}" for i in range(8)]
    events = oracle.generate(rnd, start=oracle.utc(start_days_ago), days=days, learners=learners,
                             contents=[f"content-{i}" for i in range(5)], dataset_id="dataset-1",
                             objectives=["o1", "o2", "o3"], count=count)
    return events + oracle.session_ends(rnd, events, count // 10)


async def _performance(backend: AnalyticsBackend) -> dict[tuple[str, str, int], dict]:
    rows = await backend.query(
        "SELECT learner_id, toString(metric_type) AS m, toUnixTimestamp(timestamp) AS h, metric_value,"
        " baseline_value, improvement_rate, content_difficulty, metric_context, skill_category, session_type"
        " FROM performance_metrics")
    return {(r["learner_id"], r["m"], int(r["h"])): r for r in rows}


async def _content(backend: AnalyticsBackend) -> dict[tuple[str, int], dict]:
    rows = await backend.query("SELECT *, toUnixTimestamp(timestamp) AS d FROM content_effectiveness")
    return {(r["content_id"], int(r["d"])): r for r in rows}


async def test_every_metric_row_matches_the_recomputation(analytics: AnalyticsBackend) -> None:
    events = dataset()
    await EventStore(analytics).record(to_batch(events))
    report = await Aggregator(analytics).refresh()
    assert len(report.recomputed) >= 3
    expected = oracle.performance(events)
    found = await _performance(analytics)
    assert {m for _, m, _ in expected} == set(METRICS)
    assert set(found) == set(expected)
    labelled = {"skill_category": 0, "session_type": 0}
    for key, want in expected.items():
        got = found[key]
        assert oracle.close(float(got["metric_value"]), want.value), key
        assert oracle.close(float(got["baseline_value"]), want.baseline), key
        assert oracle.close(float(got["improvement_rate"]), want.rate), key
        assert oracle.close(float(got["content_difficulty"]), want.difficulty), key
        context = json.loads(got["metric_context"])
        assert (context["samples"], context["events"]) == (want.samples, want.events), key
        assert (got["skill_category"], got["session_type"]) == (want.skill_category, want.session_type), key
        labelled["skill_category"] += want.skill_category != ""
        labelled["session_type"] += want.session_type != ""
    assert all(labelled.values()), labelled  # the data exercises both labels


async def test_every_content_row_matches_the_recomputation(analytics: AnalyticsBackend) -> None:
    events = dataset(seed=11)
    await EventStore(analytics).record(to_batch(events))
    await Aggregator(analytics).refresh()
    expected = oracle.content(events, oracle.performance(events))
    found = await _content(analytics)
    assert set(found) == set(expected)
    nonzero = {name: 0 for name in CONTENT_FIELDS}
    for key, want in expected.items():
        got = found[key]
        assert got["dataset_id"] == want.dataset_id
        assert int(got["usage_count"]) == want.usage_count, key
        assert int(got["average_completion_time"]) == want.average_completion_time, key
        for name in CONTENT_FIELDS:
            assert oracle.close(float(got[name]), getattr(want, name)), (key, name)
            nonzero[name] += getattr(want, name) != 0
    assert all(nonzero.values()), nonzero  # the data exercises every formula


async def test_refresh_recomputes_only_changed_months_and_their_successors(analytics: AnalyticsBackend) -> None:
    events = dataset(seed=3, count=1500)
    store = EventStore(analytics)
    await store.record(to_batch(events))
    aggregator = Aggregator(analytics)
    first = await aggregator.refresh()
    assert (await aggregator.refresh()).recomputed == []
    months = sorted(first.recomputed)
    late = oracle.Event(ts_ms=min(e.ts_ms for e in events) + 1, event_id="late-1", learner_id="learner-1",
                        event_type="interaction", success=True, duration_ms=1000)
    await store.record(to_batch([late]))
    changed = (await aggregator.refresh()).recomputed
    assert changed == months[:2]  # the late event's month and the month after it (its lookback)
    expected = oracle.performance([*events, late])
    found = await _performance(analytics)
    assert set(found) == set(expected)


async def test_months_older_than_the_event_ttl_keep_their_aggregates(analytics: AnalyticsBackend) -> None:
    events = dataset(seed=4, count=800)
    store = EventStore(analytics)
    await store.record(to_batch(events))
    await Aggregator(analytics).refresh()
    before = await _performance(analytics)
    await analytics.execute("ALTER TABLE learning_events DELETE WHERE learner_id = 'learner-2'"  # as a TTL would
                            " SETTINGS mutations_sync = 2")
    report = await Aggregator(analytics, retention_days=1).refresh()
    assert report.recomputed == [] and report.frozen
    assert await _performance(analytics) == before
    assert (await Aggregator(analytics).refresh()).recomputed  # without a TTL they follow the events
    assert not any(key[0] == "learner-2" for key in await _performance(analytics))


async def test_a_month_whose_events_vanished_loses_its_rows(analytics: AnalyticsBackend) -> None:
    events = dataset(seed=5, count=300, start_days_ago=200, days=5)
    await EventStore(analytics).record(to_batch(events))
    await Aggregator(analytics).refresh()
    assert await _performance(analytics)
    await analytics.execute("TRUNCATE TABLE learning_events")
    await Aggregator(analytics).refresh()
    assert await _performance(analytics) == {}
    assert await _content(analytics) == {}
