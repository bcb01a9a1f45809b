"""Analytics read paths: learner time series, content ranking, cohort percentiles and event export."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from stores.analytics.base import AnalyticsBackend, Row

#: Bucket start expressions by bucket name (UTC; weeks start on Monday, ISO).
BUCKETS = {
    "hour": "toStartOfHour(timestamp, 'UTC')",
    "day": "toStartOfDay(timestamp, 'UTC')",
    "week": "toDateTime(toMonday(timestamp, 'UTC'), 'UTC')",
}
#: Seconds per bucket (for the bucket-count limit).
BUCKET_SECONDS = {"hour": 3600, "day": 86_400, "week": 7 * 86_400}
#: Measures of content_effectiveness that content may be ranked by.
MEASURES = ("success_rate", "usage_count", "average_completion_time", "difficulty_perception",
            "learner_satisfaction", "learning_objective_achievement", "retention_rate",
            "improvement_correlation")
#: Decimal places of aggregated floats: sums of floats vary in the last bits with the order of
#: parts, so rounding keeps scores, and therefore page tokens, stable between pages.
_PLACES = 12


def _time_filter(start_ms: int | None, end_ms: int | None, params: dict[str, Any]) -> str:
    clauses = []
    if start_ms is not None:
        clauses.append("timestamp >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')")
        params["start_ms"] = start_ms
    if end_ms is not None:
        clauses.append("timestamp < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC')")
        params["end_ms"] = end_ms
    return " AND ".join(clauses) or "1"


@dataclass(frozen=True)
class PerformancePoint:
    """One bucket of a learner's metric series."""

    bucket_start_ms: int
    value: float
    min_value: float
    max_value: float
    sample_count: int
    baseline_value: float
    improvement_rate: float


async def learner_performance(backend: AnalyticsBackend, *, learner_id: str, metric: str, bucket: str,
                              start_ms: int, end_ms: int) -> list[PerformancePoint]:
    """The learner's performance_metrics rows of metric in [start, end), grouped by bucket."""
    params: dict[str, Any] = {"learner": learner_id, "metric": metric}
    rows = await backend.query(
        f"SELECT toInt64(toUnixTimestamp({BUCKETS[bucket]})) * 1000 AS b, avg(metric_value) AS v,"
        " min(metric_value) AS lo, max(metric_value) AS hi, count() AS n,"
        " avg(baseline_value) AS bv, avg(improvement_rate) AS ir"
        f" FROM performance_metrics WHERE {_time_filter(start_ms, end_ms, params)}"
        " AND learner_id = {learner:String} AND metric_type = {metric:String}"
        " GROUP BY b ORDER BY b", params)
    return [PerformancePoint(int(r["b"]), float(r["v"]), float(r["lo"]), float(r["hi"]), int(r["n"]),
                             float(r["bv"]), float(r["ir"])) for r in rows]


@dataclass(frozen=True)
class ContentScore:
    """A content item's effectiveness aggregated over a range (usage-weighted means)."""

    content_id: str
    dataset_id: str
    latest_ms: int
    usage_count: int
    success_rate: float
    average_completion_time: int
    difficulty_perception: float
    learner_satisfaction: float
    learning_objective_achievement: float
    retention_rate: float
    improvement_correlation: float
    score: float


def _weighted(column: str) -> str:
    # Aliases get a w_ prefix: ClickHouse resolves a bare name to a same-named alias first.
    return f"round(sum({column} * usage_count) / sum(usage_count), {_PLACES}) AS w_{column}"


async def content_ranking(backend: AnalyticsBackend, *, measure: str, ascending: bool, min_usage: int,
                          dataset_id: str, start_ms: int | None, end_ms: int | None, limit: int,
                          after: tuple[float, str] | None) -> list[ContentScore]:
    """Content ranked by measure (ties by content_id), after the (score, content_id) of a previous page."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    params: dict[str, Any] = {"min_usage": min_usage, "limit": limit}
    where = _time_filter(start_ms, end_ms, params)
    if dataset_id:
        where += " AND dataset_id = {dataset:String}"
        params["dataset"] = dataset_id
    floats = [m for m in MEASURES if m not in ("usage_count", "average_completion_time")]
    inner = (
        "SELECT content_id AS w_content_id, max(dataset_id) AS w_dataset_id,"
        " toUnixTimestamp64Milli(max(timestamp)) AS w_latest_ms, sum(usage_count) AS w_usage_count,"
        " toUInt32(floor(sum(average_completion_time * usage_count) / sum(usage_count) + 0.5))"
        " AS w_average_completion_time, "
        + ", ".join(_weighted(m) for m in floats)
        + f" FROM content_effectiveness WHERE {where} GROUP BY content_id"
        " HAVING w_usage_count >= {min_usage:UInt64} AND w_usage_count > 0")
    order, cmp = ("ASC", ">") if ascending else ("DESC", "<")
    keyset = "1"
    if after is not None:
        keyset = (f"(score {cmp} {{after_score:Float64}}"
                  " OR (score = {after_score:Float64} AND w_content_id > {after_id:String}))")
        params.update(after_score=after[0], after_id=after[1])
    rows = await backend.query(
        f"SELECT *, toFloat64(w_{measure}) AS score FROM ({inner}) WHERE {keyset}"
        " ORDER BY score " + order + ", w_content_id ASC LIMIT {limit:UInt64}", params)
    return [ContentScore(r["w_content_id"], r["w_dataset_id"], int(r["w_latest_ms"]), int(r["w_usage_count"]),
                         float(r["w_success_rate"]), int(r["w_average_completion_time"]),
                         float(r["w_difficulty_perception"]), float(r["w_learner_satisfaction"]),
                         float(r["w_learning_objective_achievement"]), float(r["w_retention_rate"]),
                         float(r["w_improvement_correlation"]), float(r["score"])) for r in rows]


@dataclass(frozen=True)
class CohortStats:
    """Per-learner means of a metric over a cohort."""

    learner_count: int
    sample_count: int
    mean: float
    values: list[float]


_DAY_MS = 86_400_000


def _day_split(start_ms: int, end_ms: int, params: dict[str, Any]) -> tuple[str, str]:
    """The range as (whole UTC days, the rest): filters on performance_metrics for the day sums of the
    daily_by_learner projection (migration 0033) and for the hourly rows at either end."""
    first, last = -(-start_ms // _DAY_MS) * _DAY_MS, end_ms // _DAY_MS * _DAY_MS
    params.update(start_ms=start_ms, end_ms=end_ms)
    if first >= last:
        return "0", _time_filter(start_ms, end_ms, params)
    params.update(first_day_ms=first, last_day_ms=last)
    # Spelt as the projection's key, so that the engine reads the day sums; exact, as both ends are midnights.
    day = "toStartOfDay(timestamp, 'UTC')"
    days = (f"{day} >= fromUnixTimestamp64Milli({{first_day_ms:Int64}}, 'UTC')"
            f" AND {day} < fromUnixTimestamp64Milli({{last_day_ms:Int64}}, 'UTC')")
    ends = ("(timestamp >= fromUnixTimestamp64Milli({start_ms:Int64}, 'UTC')"
            " AND timestamp < fromUnixTimestamp64Milli({first_day_ms:Int64}, 'UTC')"
            " OR timestamp >= fromUnixTimestamp64Milli({last_day_ms:Int64}, 'UTC')"
            " AND timestamp < fromUnixTimestamp64Milli({end_ms:Int64}, 'UTC'))")
    return days, ends


async def cohort_stats(backend: AnalyticsBackend, *, cohort: Sequence[str] | None, metric: str, objective: str,
                       start_ms: int, end_ms: int, percentiles: list[float]) -> CohortStats:
    """Percentiles (linear interpolation, as numpy's default) of each learner's mean metric_value, over
    the learners of cohort (None: every learner; stores/sync/cohorts.py reads a learner type's)."""
    params: dict[str, Any] = {"metric": metric}
    cohort_filter = ""
    members: pa.Table | None = None
    if cohort is not None:
        if not cohort:
            return CohortStats(0, 0, 0.0, [0.0] * len(percentiles))
        members = pa.table({"learner_id": pa.array(list(cohort), pa.string())})
        cohort_filter += " AND learner_id IN (SELECT learner_id FROM {input})"
    objective_filter = ""
    if objective:
        # Read through the by_objective projection (migration 0033). Applied once, to the per-learner
        # rows: inside each part of the union the engine built the learner set twice (about a third
        # of the call's time when most learners share the objective).
        objective_filter = (" WHERE learner_id IN (SELECT DISTINCT learner_id FROM learning_events WHERE "
                            + _time_filter(start_ms, end_ms, params)
                            + " AND learning_objective = {objective:String})")
        params["objective"] = objective
    days, ends = _day_split(start_ms, end_ms, params)
    parts = " UNION ALL ".join(
        "SELECT learner_id, sum(metric_value) AS part_sum, count() AS part_count FROM performance_metrics"
        f" WHERE metric_type = {{metric:String}} AND {where}{cohort_filter} GROUP BY learner_id"
        for where in (days, ends))
    # Levels are validated floats in [0, 100]; quantile levels must be literals.
    levels = ", ".join(repr(float(p) / 100) for p in percentiles)
    sql = (f"SELECT count() AS learners, sum(n) AS samples, avg(v) AS mean,"
           f" quantilesExactInclusive({levels})(v) AS q"
           f" FROM (SELECT learner_id, sum(part_sum) / sum(part_count) AS v, sum(part_count) AS n"
           f" FROM ({parts}){objective_filter} GROUP BY learner_id)")
    rows = (await backend.query_input(sql, members, params) if members is not None
            else await backend.query(sql, params))
    row = rows[0]
    learners = int(row["learners"])
    if not learners:
        return CohortStats(0, 0, 0.0, [0.0] * len(percentiles))
    return CohortStats(learners, int(row["samples"]), float(row["mean"]), [float(v) for v in row["q"]])


@dataclass(frozen=True)
class ExportFilter:
    """Filters of an event export (empty means any)."""

    learner_id: str = ""
    session_id: str = ""
    event_type: str = ""
    start_ms: int | None = None
    end_ms: int | None = None


_EXPORT_COLUMNS = ("toUnixTimestamp64Milli(timestamp) AS ts, event_id, learner_id, session_id,"
                   " toInt8(event_type) AS type, event_data, performance_metrics, duration_ms,"
                   " success_indicator, difficulty_level, learning_objective, content_type")


async def export_events(backend: AnalyticsBackend, flt: ExportFilter, batch_size: int
                        ) -> AsyncIterator[list[Row]]:
    """Batches of matching events ordered by (timestamp, learner_id, session_id, event_id), by keyset."""
    base: dict[str, Any] = {"limit": batch_size}
    where = _time_filter(flt.start_ms, flt.end_ms, base)
    for name, value, column in (("learner", flt.learner_id, "learner_id"),
                                ("session", flt.session_id, "session_id"),
                                ("type", flt.event_type, "event_type")):
        if value:
            where += f" AND {column} = {{{name}:String}}"
            base[name] = value
    # One learner's events come from the by_learner projection (migration 0033), already in this order
    # within the learner. Reading the table in its own (timestamp) order would win the engine's choice
    # and scan every learner's rows; without a learner, that in-order read is what keeps a page cheap.
    settings = " SETTINGS optimize_read_in_order = 0" if flt.learner_id else ""
    after: tuple[int, str, str, str] | None = None
    while True:
        params = dict(base)
        keyset = ""
        if after is not None:
            keyset = (" AND timestamp >= fromUnixTimestamp64Milli({a_ts:Int64}, 'UTC')"
                      " AND (toUnixTimestamp64Milli(timestamp), learner_id, session_id, event_id)"
                      " > ({a_ts:Int64}, {a_l:String}, {a_s:String}, {a_e:String})")
            params.update(a_ts=after[0], a_l=after[1], a_s=after[2], a_e=after[3])
        rows = await backend.query(
            f"SELECT {_EXPORT_COLUMNS} FROM learning_events WHERE {where}{keyset}"
            " ORDER BY timestamp, learner_id, session_id, event_id LIMIT {limit:UInt64}" + settings, params)
        if not rows:
            return
        yield rows
        if len(rows) < batch_size:
            return
        last = rows[-1]
        after = (int(last["ts"]), last["learner_id"], last["session_id"], last["event_id"])
