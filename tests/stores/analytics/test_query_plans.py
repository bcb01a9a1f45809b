"""The read paths through the projections of migration 0033 give what a plain scan of the rows gives.

GetCohortStats reads whole UTC days from per-learner day sums and the objective cohort from a narrow
projection; ExportEvents reads one learner's rows from a copy sorted by learner. Each answer is
compared with the straightforward query over the stored rows (projections off), over ranges that start
and end at arbitrary milliseconds, before and after a learner is erased.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

from stores.analytics import AnalyticsBackend
from stores.analytics.aggregates import Aggregator
from stores.analytics.events import EventStore
from stores.analytics.queries import ExportFilter, export_events
from stores.postgres import PostgresStore
from stores.sync.cohorts import cohort_stats
from stores.sync.erasure import Eraser
from tests.stores.analytics import oracle
from tests.stores.analytics.helpers import to_batch

METRICS = ("accuracy", "speed", "retention", "engagement", "improvement")
DAY_MS = 86_400_000
PLAIN = " SETTINGS optimize_use_projections = 0"


async def _plain_cohort(backend: AnalyticsBackend, metric: str, learners: list[str] | None, objective: str,
                        start_ms: int, end_ms: int, levels: list[float]) -> tuple[int, int, float, list[float]]:
    where = ("metric_type = {m:String} AND timestamp >= fromUnixTimestamp64Milli({s:Int64}, 'UTC')"
             " AND timestamp < fromUnixTimestamp64Milli({e:Int64}, 'UTC')")
    params: dict[str, Any] = {"m": metric, "s": start_ms, "e": end_ms}
    if learners is not None:
        where += " AND has(splitByChar(',', {ids:String}), learner_id)"
        params["ids"] = ",".join(learners)
    if objective:
        where += (" AND learner_id IN (SELECT learner_id FROM learning_events WHERE learning_objective = {o:String}"
                  " AND timestamp >= fromUnixTimestamp64Milli({s:Int64}, 'UTC')"
                  " AND timestamp < fromUnixTimestamp64Milli({e:Int64}, 'UTC'))")
        params["o"] = objective
    q = ", ".join(repr(p / 100) for p in levels)
    rows = await backend.query(
        f"SELECT count() AS l, sum(n) AS n, avg(v) AS mean, quantilesExactInclusive({q})(v) AS q FROM"
        f" (SELECT learner_id, avg(metric_value) AS v, count() AS n FROM performance_metrics WHERE {where}"
        f" GROUP BY learner_id){PLAIN}", params)
    row = rows[0]
    if not int(row["l"]):
        return 0, 0, 0.0, [0.0] * len(levels)
    return int(row["l"]), int(row["n"]), float(row["mean"]), [float(v) for v in row["q"]]


async def _plain_export(backend: AnalyticsBackend, learner: str, start_ms: int | None, end_ms: int | None
                        ) -> list[str]:
    where = "learner_id = {l:String}"
    params: dict[str, Any] = {"l": learner}
    if start_ms is not None and end_ms is not None:
        where += (" AND timestamp >= fromUnixTimestamp64Milli({s:Int64}, 'UTC')"
                  " AND timestamp < fromUnixTimestamp64Milli({e:Int64}, 'UTC')")
        params.update(s=start_ms, e=end_ms)
    rows = await backend.query(f"SELECT event_id FROM learning_events WHERE {where}"
                               f" ORDER BY timestamp, learner_id, session_id, event_id{PLAIN}", params)
    return [r["event_id"] for r in rows]


async def _explain(backend: AnalyticsBackend, sql: str, params: dict[str, Any]) -> str:
    rows = await backend.query(f"EXPLAIN projections = 1 {sql}", params)
    return "\n".join(str(next(iter(r.values()))) for r in rows)


async def _check(backend: AnalyticsBackend, pg: PostgresStore, rnd: random.Random, learners: list[str],
                 objectives: list[str], base_ms: int, learner_type: str, typed: list[str]) -> None:
    levels = [0.0, 25.0, 50.0, 90.0, 100.0]
    spans = [(base_ms, base_ms + 45 * DAY_MS),                             # whole days, every month
             (base_ms + 3 * DAY_MS + 1, base_ms + 30 * DAY_MS - 1),        # a millisecond off each end
             (base_ms + DAY_MS + 5_000, base_ms + DAY_MS + 20 * 3_600_000),  # inside one day
             (base_ms + 2 * DAY_MS - 1, base_ms + 2 * DAY_MS + 1)]          # across one midnight
    spans += [(s, s + rnd.randrange(1, 40 * DAY_MS)) for s in
              (base_ms + rnd.randrange(0, 10 * DAY_MS) for _ in range(3))]
    for start_ms, end_ms in spans:
        for metric in METRICS:
            for objective in ("", *objectives):
                got = await cohort_stats(backend, pg, metric=metric, learner_type="", objective=objective,
                                         start_ms=start_ms, end_ms=end_ms, percentiles=levels)
                want = await _plain_cohort(backend, metric, None, objective, start_ms, end_ms, levels)
                assert (got.learner_count, got.sample_count) == want[:2], (metric, objective, start_ms, end_ms)
                assert oracle.close(got.mean, want[2])
                assert all(oracle.close(a, b) for a, b in zip(got.values, want[3], strict=True))
            got = await cohort_stats(backend, pg, metric=metric, learner_type=learner_type, objective=objectives[0],
                                     start_ms=start_ms, end_ms=end_ms, percentiles=levels)
            want = await _plain_cohort(backend, metric, typed, objectives[0], start_ms, end_ms, levels)
            assert (got.learner_count, got.sample_count) == want[:2], (metric, "typed", start_ms, end_ms)
            assert oracle.close(got.mean, want[2])
    for learner in learners:
        ranges: list[tuple[int | None, int | None]] = [(None, None), spans[1]]
        for lo, hi in ranges:
            exported = [r["event_id"] async for batch in export_events(
                backend, ExportFilter(learner_id=learner, start_ms=lo, end_ms=hi), rnd.randrange(7, 200))
                for r in batch]
            assert exported == await _plain_export(backend, learner, lo, hi), learner


async def test_projections_answer_as_the_rows_do_before_and_after_erasure(
        analytics: AnalyticsBackend, pg: PostgresStore) -> None:
    rnd = random.Random(33)
    run = uuid.uuid4().hex[:6]
    learners = [f"plan-{run}-{i}" for i in range(8)]
    objectives = [f"obj-{run}-{i}" for i in range(3)]
    start = oracle.utc(100)
    events = oracle.generate(rnd, start=start, days=45, learners=learners, contents=[f"c{i}" for i in range(4)],
                             dataset_id="d1", objectives=objectives, count=4_000)
    events += oracle.session_ends(rnd, events, 200)
    store = EventStore(analytics)
    # Several inserts, so that merges, and projections of several parts, are part of what is read.
    for i in range(0, len(events), 700):
        assert (await store.record(to_batch(events[i:i + 700]))).inserted == len(events[i:i + 700])
    assert (await Aggregator(analytics).refresh()).recomputed
    learner_type = f"plan-{run}"
    typed = learners[2:6]
    async with pg.transaction() as conn:
        for learner in typed:
            await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES (%s, %s)",
                               (learner, learner_type))
    base_ms = int(start.timestamp() * 1000)

    # The plans do read the projections (else this test would compare the plain scan with itself).
    span = {"s": base_ms, "e": base_ms + 45 * DAY_MS, "l": learners[0], "o": objectives[0], "m": "accuracy"}
    within = ("timestamp >= fromUnixTimestamp64Milli({s:Int64}, 'UTC')"
              " AND timestamp < fromUnixTimestamp64Milli({e:Int64}, 'UTC')")
    assert "by_learner" in await _explain(
        analytics, "SELECT event_id FROM learning_events WHERE learner_id = {l:String}"
        " ORDER BY timestamp, learner_id, session_id, event_id LIMIT 10 SETTINGS optimize_read_in_order = 0", span)
    assert "by_objective" in await _explain(
        analytics, f"SELECT DISTINCT learner_id FROM learning_events WHERE {within}"
        " AND learning_objective = {o:String}", span)
    assert "daily_by_learner" in await _explain(
        analytics, "SELECT learner_id, sum(metric_value), count() FROM performance_metrics"
        " WHERE metric_type = {m:String} AND toStartOfDay(timestamp, 'UTC') >= fromUnixTimestamp64Milli({s:Int64}, 'UTC')"
        " AND toStartOfDay(timestamp, 'UTC') < fromUnixTimestamp64Milli({e:Int64}, 'UTC') GROUP BY learner_id", span)

    await _check(analytics, pg, rnd, learners, objectives, base_ms, learner_type, typed)

    erased = typed[0]
    eraser = Eraser(pg, None, None, analytics)  # type: ignore[arg-type]
    removed, done, _ = await eraser._clickhouse(erased)
    assert removed and done
    # Neither a projection nor the day sums bring the erased learner back.
    assert [r async for r in export_events(analytics, ExportFilter(learner_id=erased), 100)] == []
    for metric in METRICS:
        for objective in objectives:
            stats = await cohort_stats(analytics, pg, metric=metric, learner_type=learner_type, objective=objective,
                                       start_ms=base_ms, end_ms=base_ms + 45 * DAY_MS, percentiles=[50.0])
            want = await _plain_cohort(analytics, metric, typed[1:], objective, base_ms, base_ms + 45 * DAY_MS,
                                       [50.0])
            assert (stats.learner_count, stats.sample_count) == want[:2]
    # Read each projection's own rows: the mutation rebuilt them without the learner.
    for table, projection in (("learning_events", "by_learner"), ("learning_events", "by_objective"),
                              ("performance_metrics", "daily_by_learner"), ("performance_metrics", "by_learner")):
        rows = await analytics.query(
            "SELECT countIf(learner_id = {l:String}) AS erased, uniqExact(learner_id) AS learners"
            f" FROM mergeTreeProjection(currentDatabase(), {table}, {projection})", {"l": erased})
        assert (int(rows[0]["erased"]), int(rows[0]["learners"])) == (0, len(learners) - 1), (table, projection)
    await _check(analytics, pg, rnd, [erased, *learners[:2]], objectives, base_ms, learner_type, typed[1:])
