"""Scheduled aggregation of learning_events into performance_metrics and content_effectiveness.

Why scheduled and not materialized views: a materialized view sees only the block being inserted,
but baseline_value, improvement and retention need each learner's earlier events, and the target
tables are plain MergeTree tables holding final values (means and ratios), which per-block partial
rows would get wrong. So each month partition is recomputed as a whole from the raw events, into a
staging table that replaces the partition atomically (REPLACE PARTITION): readers see the old or
the new month, never a mix, and recomputing is idempotent. A month is recomputed only when the
fingerprint (row count and id hash) of its events or of the previous month's events (the 7-day
baseline and 28-day retention windows reach into it) changed since the last run.

Formulas: docs/analytics.md, Aggregates. Hourly rows per learner and metric; daily rows per content item.
An hourly row's skill_category is the learning objective most of the learner's events of that hour
name, and its session_type the type most of them belong to (from their session's session_start or
session_end event in the computed window); ties go to the smaller string, none leaves it empty.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import ClassVar

from stores.analytics.base import AnalyticsBackend
from stores.errors import PreconditionFailed
from stores.tasks import stop_requested

log = logging.getLogger(__name__)

#: Window of baseline_value: the learner's rows of the same metric in the 7 days before a bucket.
BASELINE_SECONDS = 7 * 86_400
#: Retention looks back at most this far for an earlier event (28 days: never past the previous month);
#: window frames take 32-bit offsets, so event times are compared in whole seconds.
RETENTION_WINDOW_S = 28 * 86_400
#: ... and at least this far (a revisit, not the same sitting).
RETENTION_GAP_S = 86_400

_PERFORMANCE = f"""
INSERT INTO {{stage}} (timestamp, learner_id, metric_type, metric_value, metric_context, skill_category,
                       session_type, content_difficulty, baseline_value, improvement_rate)
WITH
    events AS (
        SELECT learner_id, learning_objective, event_type, success_indicator AS ok, duration_ms,
               difficulty_level, session_id, event_data, toInt64(toUnixTimestamp(timestamp)) AS t,
               toInt64(toUnixTimestamp(toStartOfHour(timestamp, 'UTC'))) AS h,
               event_type IN ('interaction', 'assessment_submit') AS graded
        FROM learning_events
        WHERE timestamp >= fromUnixTimestamp64Milli({{from_ms:Int64}}, 'UTC')
          AND timestamp < fromUnixTimestamp64Milli({{end_ms:Int64}}, 'UTC')),
    revisits AS (
        SELECT learner_id, h, ok,
               count() OVER (PARTITION BY learner_id, learning_objective ORDER BY t
                   RANGE BETWEEN {RETENTION_WINDOW_S} PRECEDING AND {RETENTION_GAP_S} PRECEDING) > 0 AS revisit
        FROM events WHERE graded AND learning_objective != ''),
    session_types AS (
        SELECT session_id, min(JSONExtractString(event_data, 'session_type')) AS typed FROM events
        WHERE event_type IN ('session_start', 'session_end') AND session_id != ''
          AND JSONExtractString(event_data, 'session_type') != ''
        GROUP BY session_id),
    typed_events AS (
        SELECT e.*, s.typed AS typed FROM events AS e LEFT JOIN session_types AS s ON e.session_id = s.session_id),
    hourly AS (
        SELECT learner_id, h, count() AS n, sum(duration_ms) AS dur, avg(difficulty_level) AS diff,
               groupArrayIf(learning_objective, learning_objective != '') AS objectives,
               groupArrayIf(typed, typed != '') AS types,
               -- the most frequent value, ties to the smaller string ('' for none)
               arraySort(x -> (-countEqual(objectives, x), x), arrayDistinct(objectives))[1] AS skill_category,
               arraySort(x -> (-countEqual(types, x), x), arrayDistinct(types))[1] AS session_type,
               countIf(graded) AS g, countIf(graded AND ok) AS g_ok,
               countIf(graded AND duration_ms > 0) AS sp_n,
               sumIf(duration_ms, graded AND duration_ms > 0) AS sp_dur,
               countIf(event_type = 'session_end') AS se,
               countIf(event_type = 'session_end' AND ok) AS se_ok
        FROM typed_events WHERE h >= {{base_from_s:Int64}} GROUP BY learner_id, h),
    hourly_revisits AS (
        SELECT learner_id, h, countIf(revisit) AS r, countIf(revisit AND ok) AS r_ok
        FROM revisits WHERE h >= {{base_from_s:Int64}} GROUP BY learner_id, h),
    joined AS (
        SELECT learner_id, h, n, dur, diff, g, g_ok, sp_n, sp_dur, se, se_ok, r, r_ok, skill_category,
               session_type
        FROM hourly LEFT JOIN hourly_revisits USING (learner_id, h)),
    metrics AS (
        SELECT learner_id, h, n, diff, skill_category, session_type, m.1 AS metric, m.2 AS value, m.3 AS samples
        FROM joined
        ARRAY JOIN [
            ('accuracy', g_ok / g, g),
            ('speed', 60000 * sp_n / sp_dur, sp_n),
            ('completion_rate', se_ok / se, se),
            ('retention', r_ok / r, r),
            ('engagement', least(1.0, dur / 3600000), n)] AS m
        WHERE m.3 > 0),
    based AS (
        SELECT learner_id, h, n, diff, skill_category, session_type, metric, value, samples,
               avg(value) OVER w AS b_avg, count() OVER w AS b_n
        FROM metrics
        WINDOW w AS (PARTITION BY learner_id, metric ORDER BY h
                     RANGE BETWEEN {BASELINE_SECONDS} PRECEDING AND 1 PRECEDING))
SELECT toDateTime64(h, 3, 'UTC') AS timestamp, learner_id,
       if(imp = 1, 'improvement', metric) AS metric_type,
       if(imp = 1, value - b_avg, value) AS metric_value,
       concat('{{"samples":', toString(samples), ',"events":', toString(n),
              ',"baseline_samples":', toString(b_n), '}}') AS metric_context,
       skill_category, session_type, diff AS content_difficulty,
       if(b_n > 0, b_avg, value) AS baseline_value,
       if(baseline_value != 0, (value - baseline_value) / baseline_value, 0) AS improvement_rate
FROM based
ARRAY JOIN if(metric = 'accuracy' AND b_n > 0, [0, 1], [0]) AS imp
WHERE h >= {{start_s:Int64}}
"""

_JSON_NUMBER = "JSONType(pm, '{key}') IN ('Int64', 'UInt64', 'Double')"
_UNIT = "least(1.0, greatest(0.0, JSONExtractFloat(pm, '{key}')))"

_CONTENT = f"""
INSERT INTO {{stage}} (timestamp, content_id, dataset_id, usage_count, success_rate,
                       average_completion_time, difficulty_perception, learner_satisfaction,
                       learning_objective_achievement, retention_rate, improvement_correlation)
WITH
    events AS (
        SELECT learner_id, session_id, event_type, success_indicator AS ok, duration_ms,
               learning_objective, performance_metrics AS pm,
               JSONExtractString(event_data, 'content_id') AS content_id,
               JSONExtractString(event_data, 'dataset_id') AS dataset_id,
               toInt64(toUnixTimestamp(timestamp)) AS t,
               toInt64(toUnixTimestamp(toStartOfDay(timestamp, 'UTC'))) AS d,
               event_type IN ('interaction', 'assessment_submit') AS graded,
               event_type IN ('interaction', 'assessment_submit', 'session_end') AS outcome
        FROM learning_events
        WHERE timestamp >= fromUnixTimestamp64Milli({{from_ms:Int64}}, 'UTC')
          AND timestamp < fromUnixTimestamp64Milli({{end_ms:Int64}}, 'UTC')
          AND JSONExtractString(event_data, 'content_id') != ''),
    flagged AS (
        SELECT *, count() OVER (PARTITION BY learner_id, content_id ORDER BY t
                   RANGE BETWEEN {RETENTION_WINDOW_S} PRECEDING AND {RETENTION_GAP_S} PRECEDING) > 0 AS returning
        FROM events),
    in_month AS (SELECT * FROM flagged WHERE t >= {{start_s:Int64}}),
    uses AS (
        SELECT content_id, d, learner_id, session_id,
               countIf(outcome) AS o_n, countIf(outcome AND ok) AS o_ok,
               countIf(event_type = 'session_end') AS ends,
               maxIf(duration_ms, event_type = 'session_end') AS end_dur, sum(duration_ms) AS dur
        FROM in_month GROUP BY content_id, d, learner_id, session_id),
    use_stats AS (
        SELECT content_id, d, count() AS usage_count, countIf(o_n > 0) AS judged,
               countIf(o_n > 0 AND o_ok / o_n >= 0.5) AS succeeded,
               avg(if(ends > 0, end_dur, dur) / 1000) AS completion_s
        FROM uses GROUP BY content_id, d),
    event_stats AS (
        SELECT content_id, d, max(dataset_id) AS dataset_id,
               countIf({_JSON_NUMBER.format(key='perceived_difficulty')}) AS pd_n,
               sumIf({_UNIT.format(key='perceived_difficulty')},
                     {_JSON_NUMBER.format(key='perceived_difficulty')}) AS pd_sum,
               countIf({_JSON_NUMBER.format(key='satisfaction')}) AS sat_n,
               sumIf({_UNIT.format(key='satisfaction')}, {_JSON_NUMBER.format(key='satisfaction')}) AS sat_sum,
               countIf(graded) AS g, countIf(graded AND ok) AS g_ok,
               countIf(graded AND returning) AS r, countIf(graded AND returning AND ok) AS r_ok
        FROM in_month GROUP BY content_id, d),
    objectives AS (
        SELECT content_id, d, count() AS pairs, countIf(p_ok / p_n >= 0.5) AS achieved
        FROM (SELECT content_id, d, learner_id, learning_objective, count() AS p_n, countIf(ok) AS p_ok
              FROM in_month WHERE graded AND learning_objective != ''
              GROUP BY content_id, d, learner_id, learning_objective)
        GROUP BY content_id, d),
    improvement AS (
        SELECT learner_id, toInt64(toUnixTimestamp(toStartOfDay(timestamp, 'UTC'))) AS d,
               avg(metric_value) AS y
        FROM {{performance_stage}} WHERE metric_type = 'improvement' GROUP BY learner_id, d),
    day_stats AS (SELECT d, count() AS big_n, sum(y) AS sy, sum(y * y) AS syy FROM improvement GROUP BY d),
    users AS (SELECT DISTINCT content_id, d, learner_id FROM in_month),
    corr_parts AS (
        SELECT u.content_id AS content_id, u.d AS d, count() AS n1, sum(i.y) AS sy1
        FROM users AS u INNER JOIN improvement AS i ON i.learner_id = u.learner_id AND i.d = u.d
        GROUP BY u.content_id, u.d),
    combined AS (
        SELECT * FROM use_stats
        INNER JOIN event_stats USING (content_id, d)
        LEFT JOIN objectives USING (content_id, d)
        LEFT JOIN corr_parts USING (content_id, d)
        LEFT JOIN day_stats USING (d))
SELECT toDateTime64(d, 3, 'UTC') AS timestamp, content_id, dataset_id, toUInt32(usage_count),
       if(judged > 0, succeeded / judged, 0),
       toUInt32(floor(completion_s + 0.5)),
       if(pd_n > 0, pd_sum / pd_n, if(g > 0, 1 - g_ok / g, 0)),
       if(sat_n > 0, sat_sum / sat_n, 0),
       if(pairs > 0, achieved / pairs, 0),
       if(r > 0, r_ok / r, 0),
       if(n1 > 0 AND n1 < big_n AND syy / big_n - pow(sy / big_n, 2) > 1e-12,
          (sy1 / n1 - (sy - sy1) / (big_n - n1)) * sqrt((n1 / big_n) * (1 - n1 / big_n))
              / sqrt(syy / big_n - pow(sy / big_n, 2)),
          0)
FROM combined
"""

_FINGERPRINTS = """
SELECT toYYYYMM(timestamp) AS month, count() AS n,
       sum(cityHash64(event_id, toUnixTimestamp64Milli(timestamp))) AS h
FROM learning_events GROUP BY month
"""


def month_bounds(month: int) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a YYYYMM month, in UTC."""
    year, mo = divmod(month, 100)
    start = datetime(year, mo, 1, tzinfo=timezone.utc)
    end = datetime(year + mo // 12, mo % 12 + 1, 1, tzinfo=timezone.utc)
    return start, end


def previous_month(month: int) -> int:
    """The YYYYMM month before month."""
    year, mo = divmod(month, 100)
    return (year - 1) * 100 + 12 if mo == 1 else month - 1


def _ms(when: datetime) -> int:
    return int(when.timestamp()) * 1000


@dataclass(frozen=True)
class RefreshReport:
    """Months one refresh recomputed and those it left frozen by the event TTL."""

    recomputed: list[int]
    frozen: list[int]


class Aggregator:
    """Recomputes changed month partitions of performance_metrics and content_effectiveness."""

    #: One refresh at a time per database in this process (the staging swap is per partition).
    _locks: ClassVar[dict[str, asyncio.Lock]] = {}

    def __init__(self, backend: AnalyticsBackend, *, retention_days: int = 0) -> None:
        self.backend = backend
        #: With an event TTL, months that began before the TTL horizon keep their aggregates.
        self.retention_days = retention_days

    def _lock(self) -> asyncio.Lock:
        return self._locks.setdefault(self.backend.settings.database, asyncio.Lock())

    async def refresh(self, *, force: bool = False, now: datetime | None = None) -> RefreshReport:
        """Recompute every month whose inputs changed (every month with data when force)."""
        if self.backend.settings.cluster:
            # The staging swap (CREATE TABLE ... AS, REPLACE PARTITION) needs the shard-local tables;
            # through the Distributed tables it would write the staged rows straight into the target.
            raise PreconditionFailed(
                "the scheduled aggregation does not run on a ClickHouse cluster yet"
                " (AMAUTA_CLICKHOUSE_CLUSTER is set)", reason="AGGREGATION_NOT_ON_CLUSTER")
        async with self._lock():
            fingerprints = {int(r["month"]): f"{int(r['n'])}:{int(r['h'])}"
                            for r in await self.backend.query(_FINGERPRINTS)}
            state = {int(r["month"]): (r["events_fingerprint"], r["previous_fingerprint"])
                     for r in await self.backend.query(
                         "SELECT month, events_fingerprint, previous_fingerprint"
                         " FROM analytics_aggregation_state FINAL")}
            horizon = None
            if self.retention_days:
                horizon = (now or datetime.now(timezone.utc)) - timedelta(days=self.retention_days)
            report = RefreshReport([], [])
            for month in sorted(set(fingerprints) | set(state)):
                inputs = (fingerprints.get(month, "0:0"), fingerprints.get(previous_month(month), "0:0"))
                if not force and state.get(month) == inputs:
                    continue
                if horizon is not None and month_bounds(month)[0] < horizon:
                    report.frozen.append(month)
                    continue
                await self._compute(month)
                await self.backend.execute(
                    "INSERT INTO analytics_aggregation_state (month, events_fingerprint, previous_fingerprint,"
                    " computed_at) VALUES ({m:UInt32}, {f:String}, {p:String}, now64(3))",
                    {"m": month, "f": inputs[0], "p": inputs[1]})
                report.recomputed.append(month)
            return report

    async def _compute(self, month: int) -> None:
        start, end = month_bounds(month)
        params = {"from_ms": _ms(start) - RETENTION_WINDOW_S * 1000, "end_ms": _ms(end),
                  "start_s": _ms(start) // 1000, "base_from_s": _ms(start) // 1000 - BASELINE_SECONDS}
        suffix = uuid.uuid4().hex[:12]
        performance, content = f"stage_pm_{suffix}", f"stage_ce_{suffix}"
        try:
            await self.backend.execute(f"CREATE TABLE {performance} AS performance_metrics")
            await self.backend.execute(f"CREATE TABLE {content} AS content_effectiveness")
            # Table names by replace(): the SQL holds {name:Type} parameters that format() would eat.
            await self.backend.execute(_PERFORMANCE.replace("{stage}", performance), params)
            await self.backend.execute(
                _CONTENT.replace("{stage}", content).replace("{performance_stage}", performance), params)
            await self._swap("performance_metrics", performance, month)
            await self._swap("content_effectiveness", content, month)
        finally:
            for table in (performance, content):
                await self.backend.execute(f"DROP TABLE IF EXISTS {table}")

    async def _swap(self, target: str, stage: str, month: int) -> None:
        rows = await self.backend.query(f"SELECT count() AS n FROM {stage}")
        if int(rows[0]["n"]):
            await self.backend.execute(f"ALTER TABLE {target} REPLACE PARTITION ID '{int(month)}' FROM {stage}")
        else:  # REPLACE from an empty source is refused; the month simply has no rows now
            await self.backend.execute(f"ALTER TABLE {target} DROP PARTITION ID '{int(month)}'")

    async def run(self, interval: float) -> None:
        """Refresh every interval seconds until cancelled; failures are logged and retried."""
        while not stop_requested():
            await asyncio.sleep(interval)
            try:
                report = await self.refresh()
                if report.recomputed:
                    log.info("analytics aggregates refreshed", extra={"months": report.recomputed})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("analytics aggregation failed; retrying", exc_info=True)
