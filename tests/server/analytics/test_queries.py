"""Every query RPC against the oracle's recomputation over the same raw events, plus paging and access.

The data sit in a time window of their own (240 to 220 days ago), so the node's other events do not
reach the aggregates checked here; session_end events come through the outbox and the node's relay.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass

import grpc
import pytest

from amauta.v1 import analytics_pb2, common_pb2
from server.runtime import Stores
from stores.analytics.aggregates import Aggregator
from tests.server.analytics.helpers import add_outbox, columns, fails, iso, stream
from tests.stores.analytics import oracle
from tests.support import Tokens, bad_fields

METRICS = {name: common_pb2.MetricType.Value(f"METRIC_TYPE_{name.upper()}")
           for name in ("accuracy", "speed", "completion_rate", "retention", "engagement", "improvement")}
BUCKETS = {"hour": analytics_pb2.TIME_BUCKET_HOUR, "day": analytics_pb2.TIME_BUCKET_DAY,
           "week": analytics_pb2.TIME_BUCKET_WEEK}
MEASURES = {"success_rate": 1, "usage_count": 2, "average_completion_time": 3, "difficulty_perception": 4,
            "learner_satisfaction": 5, "learning_objective_achievement": 6, "retention_rate": 7,
            "improvement_correlation": 8}
DAYS = 20


@dataclass
class Loaded:
    """What the module's data set holds."""

    events: list[oracle.Event]
    perf: dict
    content: dict
    learners: list[str]
    typed: set[str]
    learner_type: str
    objectives: list[str]
    dataset_id: str
    start_s: int
    end_s: int

    def range(self, start_s: int | None = None, end_s: int | None = None) -> common_pb2.TimeRange:
        out = common_pb2.TimeRange()
        out.start.FromSeconds(self.start_s if start_s is None else start_s)
        out.end.FromSeconds(self.end_s if end_s is None else end_s)
        return out


def _relayed_ends(rnd: random.Random, events: list[oracle.Event], count: int) -> tuple[list[dict], list[oracle.Event]]:
    """session_end outbox rows for sessions of events, and the events the relay makes of them."""
    rows, expected = [], []
    used = [e for e in events if e.session_id and e.event_data.get("content_id")]
    for _ in range(count):
        e = rnd.choice(used)
        ts = e.ts_ms + rnd.randrange(1, 3_600_000)
        status = rnd.choice(["completed", "completed", "abandoned", "failed"])
        seconds, satisfaction = rnd.randrange(30, 5_000), round(rnd.random(), 3)
        payload = {"session_id": e.session_id, "learner_id": e.learner_id, "session_type": "training",
                   "content_id": e.event_data["content_id"], "environment_id": "", "start_time": iso(ts - 1000),
                   "difficulty_level": e.difficulty, "learning_objective": e.objective,
                   "content_type": "ethical_dilemmas", "completion_status": status, "end_time": iso(ts),
                   "duration_seconds": seconds, "performance_data": {"satisfaction": satisfaction},
                   "learning_outcomes": {}}
        event_id = str(uuid.UUID(int=rnd.getrandbits(128)))
        rows.append({"event_id": event_id, "event_type": "session_end", "aggregate_id": e.session_id,
                     "learner_id": e.learner_id, "payload": payload})
        expected.append(oracle.Event(
            ts_ms=ts, event_id=event_id, learner_id=e.learner_id, event_type="session_end",
            session_id=e.session_id, event_data={"content_id": e.event_data["content_id"], "dataset_id": ""},
            performance_metrics={"satisfaction": satisfaction}, duration_ms=seconds * 1000,
            success=status == "completed", difficulty=e.difficulty, objective=e.objective,
            content_type="ethical_dilemmas"))
    return rows, expected


@pytest.fixture(scope="module")
async def loaded(stub, stores: Stores, tokens: Tokens) -> Loaded:
    """~6k ingested events and 300 relayed session ends in the window, aggregated."""
    rnd = random.Random(240)
    run = uuid.uuid4().hex[:6]
    learners = ["node-a", *[f"q{run}-{i}" for i in range(11)]]
    objectives = [f"obj-{run}-{i}" for i in range(3)]
    dataset_id = str(uuid.uuid4())
    start = oracle.utc(240)
    events = oracle.generate(rnd, start=start, days=DAYS, learners=learners,
                             contents=[str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(6)],
                             dataset_id=dataset_id, objectives=objectives, count=6_000)
    reply = await stub.RecordEvents(stream([columns(events[i:i + 2_000]) for i in range(0, len(events), 2_000)]),
                                    metadata=tokens.md("service"))
    assert reply.accepted_count == len(events)
    rows, ends = _relayed_ends(rnd, events, 300)
    await add_outbox(stores.postgres, rows)
    ids = [r["event_id"] for r in rows]
    for _ in range(300):
        found = await stores.analytics.query(
            "SELECT count() AS n FROM learning_events WHERE event_id IN (SELECT arrayJoin(splitByChar(',', {i:String})))",
            {"i": ",".join(ids)})
        if int(found[0]["n"]) == len(ids):
            break
        await asyncio.sleep(0.1)
    else:
        pytest.fail("the node's relay did not deliver the session ends")
    learner_type = f"type-{run}"
    typed = set(learners[1:7])
    async with stores.postgres.transaction() as conn:
        for learner in typed:
            await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES (%s, %s)",
                               (learner, learner_type))
    await Aggregator(stores.analytics).refresh()
    everything = events + ends
    perf = oracle.performance(everything)
    start_s = int(start.timestamp())
    return Loaded(everything, perf, oracle.content(everything, perf), learners, typed, learner_type,
                  objectives, dataset_id, start_s, start_s + DAYS * 86_400 + 86_400)


def _check_points(points, expected) -> None:
    assert [p.bucket_start.seconds for p in points] == [e[0] for e in expected]
    for p, (_, value, low, high, n, baseline, rate) in zip(points, expected, strict=True):
        assert p.sample_count == n
        for got, want in ((p.value, value), (p.min_value, low), (p.max_value, high),
                          (p.baseline_value, baseline), (p.improvement_rate, rate)):
            assert oracle.close(got, want), (got, want)


async def test_learner_performance_matches_the_recomputation(stub, loaded: Loaded, tokens: Tokens) -> None:
    checked = 0
    for learner in loaded.learners[:3]:
        for metric, number in METRICS.items():
            for bucket, value in BUCKETS.items():
                reply = await stub.GetLearnerPerformance(analytics_pb2.GetLearnerPerformanceRequest(
                    learner_id=learner, metric_type=number, bucket=value, time_range=loaded.range()),
                    metadata=tokens.md("analyst"))
                expected = oracle.series(loaded.perf, learner, metric, bucket, loaded.start_s, loaded.end_s)
                _check_points(reply.points, expected)
                checked += len(expected)
    assert checked > 500
    # A narrower range cuts whole hourly rows.
    narrow = await stub.GetLearnerPerformance(analytics_pb2.GetLearnerPerformanceRequest(
        learner_id=loaded.learners[1], metric_type=METRICS["accuracy"],
        time_range=loaded.range(loaded.start_s + 3 * 86_400, loaded.start_s + 5 * 86_400)),
        metadata=tokens.md("admin"))
    _check_points(narrow.points, oracle.series(loaded.perf, loaded.learners[1], "accuracy", "day",
                                               loaded.start_s + 3 * 86_400, loaded.start_s + 5 * 86_400))


async def test_learner_performance_access_and_validation(stub, loaded: Loaded, tokens: Tokens) -> None:
    own = analytics_pb2.GetLearnerPerformanceRequest(learner_id="node-a", metric_type=METRICS["engagement"],
                                                     time_range=loaded.range())
    reply = await stub.GetLearnerPerformance(own, metadata=tokens.md("node_a"))
    _check_points(reply.points, oracle.series(loaded.perf, "node-a", "engagement", "day",
                                              loaded.start_s, loaded.end_s))
    other = analytics_pb2.GetLearnerPerformanceRequest(learner_id=loaded.learners[2],
                                                       metric_type=METRICS["engagement"])
    await fails(stub.GetLearnerPerformance(other, metadata=tokens.md("node_a")), grpc.StatusCode.PERMISSION_DENIED)
    await fails(stub.GetLearnerPerformance(own, metadata=tokens.md("observer")), grpc.StatusCode.PERMISSION_DENIED)
    recent = await stub.GetLearnerPerformance(  # default range: the last 30 days, none of this data
        analytics_pb2.GetLearnerPerformanceRequest(learner_id=loaded.learners[1], metric_type=METRICS["accuracy"]),
        metadata=tokens.md("admin"))
    assert list(recent.points) == []
    bad = analytics_pb2.GetLearnerPerformanceRequest(
        learner_id="", metric_type=0, bucket=analytics_pb2.TIME_BUCKET_HOUR,
        time_range=loaded.range(loaded.start_s - 700 * 86_400, loaded.start_s))
    err = await fails(stub.GetLearnerPerformance(bad, metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"learner_id", "metric_type", "time_range"}
    backwards = analytics_pb2.GetLearnerPerformanceRequest(
        learner_id="x", metric_type=1, time_range=loaded.range(loaded.end_s, loaded.start_s))
    err = await fails(stub.GetLearnerPerformance(backwards, metadata=tokens.md("admin")),
                      grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"time_range"}


async def _all_pages(stub, request: analytics_pb2.GetContentEffectivenessRequest, md) -> list:
    items, token = [], ""
    for _ in range(100):
        request.page_token = token
        reply = await stub.GetContentEffectiveness(request, metadata=md)
        assert len(reply.items) <= max(request.page_size, 1)
        items.extend(reply.items)
        token = reply.next_page_token
        if not token:
            return items
    raise AssertionError("paging did not end")


async def test_content_effectiveness_ranks_every_measure_like_the_recomputation(
        stub, loaded: Loaded, tokens: Tokens) -> None:
    for measure, number in MEASURES.items():
        for ascending in (False, True):
            request = analytics_pb2.GetContentEffectivenessRequest(
                rank_by=number, ascending=ascending, dataset_id=loaded.dataset_id, page_size=2)
            items = await _all_pages(stub, request, tokens.md("analyst"))
            expected = oracle.ranking(loaded.content, measure, ascending, 0, loaded.dataset_id, None, None)
            assert [i.effectiveness.content_id for i in items] == [e[0] for e in expected], measure
            assert [i.rank for i in items] == list(range(1, len(expected) + 1))
            for item, (_, score, agg) in zip(items, expected, strict=True):
                assert oracle.close(item.score, score)
                eff = item.effectiveness
                assert eff.dataset_id == loaded.dataset_id
                assert eff.usage_count == agg["usage_count"]
                assert eff.average_completion_time == agg["average_completion_time"]
                for name in ("success_rate", "difficulty_perception", "learner_satisfaction",
                             "learning_objective_achievement", "retention_rate", "improvement_correlation"):
                    assert oracle.close(getattr(eff, name), agg[name]), name
    assert len(expected) == 6


async def test_content_effectiveness_filters(stub, loaded: Loaded, tokens: Tokens) -> None:
    start, end = loaded.start_s + 5 * 86_400, loaded.start_s + 9 * 86_400
    window = oracle.ranking(loaded.content, "usage_count", False, 0, loaded.dataset_id, start, end)
    threshold = int(window[2][2]["usage_count"])
    request = analytics_pb2.GetContentEffectivenessRequest(
        rank_by=MEASURES["usage_count"], dataset_id=loaded.dataset_id, min_usage=threshold,
        time_range=loaded.range(start, end))
    reply = await stub.GetContentEffectiveness(request, metadata=tokens.md("node_a"))
    expected = oracle.ranking(loaded.content, "usage_count", False, threshold, loaded.dataset_id, start, end)
    assert [(i.effectiveness.content_id, i.effectiveness.usage_count) for i in reply.items] == \
        [(e[0], e[2]["usage_count"]) for e in expected]
    assert 3 <= len(expected) < 6
    first = await stub.GetContentEffectiveness(analytics_pb2.GetContentEffectivenessRequest(
        dataset_id=loaded.dataset_id, page_size=1), metadata=tokens.md("admin"))
    assert first.next_page_token
    other = analytics_pb2.GetContentEffectivenessRequest(dataset_id=loaded.dataset_id, page_size=1,
                                                         ascending=True, page_token=first.next_page_token)
    err = await fails(stub.GetContentEffectiveness(other, metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"page_token"}
    bad = analytics_pb2.GetContentEffectivenessRequest(min_usage=-1, page_size=-1, dataset_id="x")
    err = await fails(stub.GetContentEffectiveness(bad, metadata=tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"min_usage", "dataset_id"}


async def test_cohort_stats_match_the_recomputation(stub, loaded: Loaded, tokens: Tokens) -> None:
    percentiles = [0.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 100.0]
    objective = loaded.objectives[1]
    for metric, number in METRICS.items():
        learners = {e.learner_id for e in loaded.events
                    if e.objective == objective and loaded.start_s * 1000 <= e.ts_ms < loaded.end_s * 1000}
        for label, request, cohort in (
            ("objective", analytics_pb2.GetCohortStatsRequest(
                metric_type=number, learning_objective=objective, time_range=loaded.range(),
                percentiles=percentiles), learners),
            ("type", analytics_pb2.GetCohortStatsRequest(
                metric_type=number, learner_type=loaded.learner_type, time_range=loaded.range(),
                percentiles=percentiles), loaded.typed),
        ):
            reply = await stub.GetCohortStats(request, metadata=tokens.md("analyst"))
            n, samples, mean, values = oracle.cohort(loaded.perf, metric, cohort, loaded.start_s,
                                                     loaded.end_s, percentiles)
            assert (reply.learner_count, reply.sample_count) == (n, samples), (metric, label)
            assert n > 0
            assert oracle.close(reply.mean, mean)
            assert [v.percentile for v in reply.values] == percentiles
            for got, want in zip(reply.values, values, strict=True):
                assert oracle.close(got.value, want), (metric, label, got.percentile)


async def test_cohort_stats_defaults_and_validation(stub, loaded: Loaded, tokens: Tokens) -> None:
    reply = await stub.GetCohortStats(analytics_pb2.GetCohortStatsRequest(
        metric_type=METRICS["accuracy"], learner_type=loaded.learner_type, time_range=loaded.range()),
        metadata=tokens.md("service"))
    assert [v.percentile for v in reply.values] == [50, 90, 99]
    nobody = await stub.GetCohortStats(analytics_pb2.GetCohortStatsRequest(
        metric_type=METRICS["accuracy"], learner_type="no-such-type"), metadata=tokens.md("service"))
    assert (nobody.learner_count, nobody.sample_count) == (0, 0)
    bad = analytics_pb2.GetCohortStatsRequest(percentiles=[50, 101, -1])
    err = await fails(stub.GetCohortStats(bad, metadata=tokens.md("service")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"metric_type", "percentiles[1]", "percentiles[2]"}
    many = analytics_pb2.GetCohortStatsRequest(metric_type=1, percentiles=[50.0] * 101)
    err = await fails(stub.GetCohortStats(many, metadata=tokens.md("service")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"percentiles"}


def _export_key(e: oracle.Event) -> tuple:
    return (e.ts_ms, e.learner_id, e.session_id, e.event_id)


async def _export(stub, request: analytics_pb2.ExportEventsRequest, md) -> tuple[list, list[int]]:
    events, sizes = [], []
    async for batch in stub.ExportEvents(request, metadata=md):
        sizes.append(len(batch.events))
        events.extend(batch.events)
    return events, sizes


async def test_export_streams_filtered_events_in_order(stub, loaded: Loaded, tokens: Tokens) -> None:
    learner = loaded.learners[4]
    mine = sorted((e for e in loaded.events if e.learner_id == learner), key=_export_key)
    got, sizes = await _export(stub, analytics_pb2.ExportEventsRequest(learner_id=learner, batch_size=97),
                               tokens.md("analyst"))
    assert [m.event_id for m in got] == [e.event_id for e in mine]
    assert all(s == 97 for s in sizes[:-1]) and 0 < sizes[-1] <= 97
    session = next(e.session_id for e in mine if e.session_id)
    start, end = loaded.start_s + 2 * 86_400, loaded.start_s + 12 * 86_400
    for request, keep in (
        (analytics_pb2.ExportEventsRequest(session_id=session), lambda e: e.session_id == session),
        (analytics_pb2.ExportEventsRequest(learner_id=learner, event_type=common_pb2.EVENT_TYPE_SESSION_END),
         lambda e: e.learner_id == learner and e.event_type == "session_end"),
        (analytics_pb2.ExportEventsRequest(learner_id=learner, time_range=loaded.range(start, end)),
         lambda e: e.learner_id == learner and start * 1000 <= e.ts_ms < end * 1000),
    ):
        got, _ = await _export(stub, request, tokens.md("admin"))
        want = sorted((e for e in loaded.events if keep(e)), key=_export_key)
        assert [m.event_id for m in got] == [e.event_id for e in want]
        assert want


async def test_export_access_and_validation(stub, loaded: Loaded, tokens: Tokens) -> None:
    got, _ = await _export(stub, analytics_pb2.ExportEventsRequest(
        learner_id="node-a", time_range=loaded.range()), tokens.md("node_a"))
    assert sorted(m.event_id for m in got) == sorted(e.event_id for e in loaded.events if e.learner_id == "node-a")
    for request in (analytics_pb2.ExportEventsRequest(), analytics_pb2.ExportEventsRequest(learner_id="node-b")):
        await fails(_export(stub, request, tokens.md("node_a")), grpc.StatusCode.PERMISSION_DENIED)
    await fails(_export(stub, analytics_pb2.ExportEventsRequest(), tokens.md("observer")),
                grpc.StatusCode.PERMISSION_DENIED)
    err = await fails(_export(stub, analytics_pb2.ExportEventsRequest(batch_size=50_001, session_id="x"),
                              tokens.md("admin")), grpc.StatusCode.INVALID_ARGUMENT)
    assert bad_fields(err) == {"batch_size", "session_id"}
