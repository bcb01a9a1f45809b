"""An independent recomputation, in plain Python loops, of every analytics aggregate and query.

It follows the analytics formulas of docs/analytics.md from the raw events a test generated; it shares
no code with stores/analytics/aggregates.py or stores/analytics/queries.py.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

HOUR, DAY, WEEK = 3600, 86_400, 7 * 86_400
GRADED = ("interaction", "assessment_submit")
OUTCOME = ("interaction", "assessment_submit", "session_end")


@dataclass(frozen=True)
class Event:
    """One raw event as a test generated it."""

    ts_ms: int
    event_id: str
    learner_id: str
    event_type: str
    session_id: str = ""
    event_data: dict[str, Any] = field(default_factory=dict)
    performance_metrics: dict[str, Any] = field(default_factory=dict)
    duration_ms: int = 0
    success: bool = False
    difficulty: float = 0.0
    objective: str = ""
    content_type: str = ""

    @property
    def t(self) -> int:
        """Whole seconds."""
        return self.ts_ms // 1000


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _revisits(events: list[Event], key: Any) -> set[str]:
    """Event ids with an earlier event of the same key between 28 days and 24 hours before."""
    groups: dict[Any, list[int]] = defaultdict(list)
    for e in events:
        groups[key(e)].append(e.t)
    for times in groups.values():
        times.sort()
    out = set()
    for e in events:
        times = groups[key(e)]
        i = bisect.bisect_left(times, e.t - 28 * DAY)
        if i < len(times) and times[i] <= e.t - DAY:
            out.add(e.event_id)
    return out


@dataclass(frozen=True)
class MetricRow:
    """One expected performance_metrics row."""

    value: float
    baseline: float
    rate: float
    difficulty: float
    samples: int
    events: int
    skill_category: str = ""
    session_type: str = ""


def _most_common(values: list[str]) -> str:
    """The most frequent value, ties to the smaller string; '' for none."""
    counts: dict[str, int] = defaultdict(int)
    for v in values:
        counts[v] += 1
    return min(counts, key=lambda v: (-counts[v], v)) if counts else ""


def _month_window(t: int) -> tuple[int, int]:
    """[start of t's UTC month − 28 days, start of the next month) in seconds: what a month recompute reads."""
    d = datetime.fromtimestamp(t, timezone.utc)
    start = datetime(d.year, d.month, 1, tzinfo=timezone.utc)
    end = datetime(d.year + d.month // 12, d.month % 12 + 1, 1, tzinfo=timezone.utc)
    return int(start.timestamp()) - 28 * DAY, int(end.timestamp())


def _labels(evs: list[Event], h: int, session_events: list[Event]) -> tuple[str, str]:
    """(skill_category, session_type) of one learner-hour."""
    lo, hi = _month_window(h)
    types: dict[str, str] = {}
    for e in session_events:
        if lo <= e.t < hi:
            st = e.event_data["session_type"]
            types[e.session_id] = min(st, types.get(e.session_id, st))
    return (_most_common([e.objective for e in evs if e.objective]),
            _most_common([types[e.session_id] for e in evs if e.session_id in types]))


def session_type_of(session_id: str) -> str:
    """The type a generated session has (a function of its id, so regenerating draws nothing)."""
    return ("training", "assessment", "practice")[int(session_id[-1], 16) % 3]


def performance(events: list[Event]) -> dict[tuple[str, str, int], MetricRow]:
    """Expected performance_metrics: (learner, metric, hour start seconds) → row."""
    graded_objective = [e for e in events if e.event_type in GRADED and e.objective]
    revisit = _revisits(graded_objective, lambda e: (e.learner_id, e.objective))
    hours: dict[tuple[str, int], list[Event]] = defaultdict(list)
    for e in events:
        hours[(e.learner_id, e.t - e.t % HOUR)].append(e)
    session_events = [e for e in events if e.event_type in ("session_start", "session_end") and e.session_id
                      and isinstance(e.event_data.get("session_type"), str) and e.event_data["session_type"]]
    labels = {key: _labels(evs, key[1], session_events) for key, evs in hours.items()}
    base: dict[tuple[str, str, int], tuple[float, int, int, float]] = {}
    for (learner, h), evs in hours.items():
        n = len(evs)
        difficulty = _mean([e.difficulty for e in evs])
        graded = [e for e in evs if e.event_type in GRADED]
        timed = [e for e in graded if e.duration_ms > 0]
        ends = [e for e in evs if e.event_type == "session_end"]
        again = [e for e in graded if e.event_id in revisit]
        candidates = {
            "accuracy": (sum(e.success for e in graded) / len(graded) if graded else 0.0, len(graded)),
            "speed": (60000 * len(timed) / sum(e.duration_ms for e in timed) if timed else 0.0, len(timed)),
            "completion_rate": (sum(e.success for e in ends) / len(ends) if ends else 0.0, len(ends)),
            "retention": (sum(e.success for e in again) / len(again) if again else 0.0, len(again)),
            "engagement": (min(1.0, sum(e.duration_ms for e in evs) / 3_600_000), n),
        }
        for metric, (value, samples) in candidates.items():
            if samples:
                base[(learner, metric, h)] = (value, samples, n, difficulty)
    hours_of: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for (learner, metric, h), v in base.items():
        hours_of[(learner, metric)].append((h, v[0]))
    out: dict[tuple[str, str, int], MetricRow] = {}
    for (learner, metric, h), (value, samples, n, difficulty) in base.items():
        prior = [v for h2, v in hours_of[(learner, metric)] if h - WEEK <= h2 <= h - 1]
        baseline = _mean(prior) if prior else value
        rate = (value - baseline) / baseline if baseline != 0 else 0.0
        tags = labels[(learner, h)]
        out[(learner, metric, h)] = MetricRow(value, baseline, rate, difficulty, samples, n, *tags)
        if metric == "accuracy" and prior:
            out[(learner, "improvement", h)] = MetricRow(value - baseline, baseline, rate, difficulty, samples, n,
                                                         *tags)
    return out


@dataclass(frozen=True)
class ContentRow:
    """One expected content_effectiveness row."""

    dataset_id: str
    usage_count: int
    success_rate: float
    average_completion_time: int
    difficulty_perception: float
    learner_satisfaction: float
    learning_objective_achievement: float
    retention_rate: float
    improvement_correlation: float


def _number(metrics: dict[str, Any], key: str) -> float | None:
    value = metrics.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return min(1.0, max(0.0, float(value)))


def content(events: list[Event], perf: dict[tuple[str, str, int], MetricRow]) -> dict[tuple[str, int], ContentRow]:
    """Expected content_effectiveness: (content_id, day start seconds) → row."""
    with_content = [e for e in events if e.event_data.get("content_id")]
    returning = _revisits(with_content, lambda e: (e.learner_id, e.event_data["content_id"]))
    days: dict[tuple[str, int], list[Event]] = defaultdict(list)
    for e in with_content:
        days[(e.event_data["content_id"], e.t - e.t % DAY)].append(e)
    improvement: dict[tuple[str, int], list[float]] = defaultdict(list)
    for (learner, metric, h), row in perf.items():
        if metric == "improvement":
            improvement[(learner, h - h % DAY)].append(row.value)
    y = {key: _mean(values) for key, values in improvement.items()}
    out = {}
    for (content_id, d), evs in days.items():
        uses: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for e in evs:
            uses[(e.learner_id, e.session_id)].append(e)
        judged = succeeded = 0
        times = []
        for use in uses.values():
            outcome = [e for e in use if e.event_type in OUTCOME]
            if outcome:
                judged += 1
                succeeded += sum(e.success for e in outcome) / len(outcome) >= 0.5
            ends = [e for e in use if e.event_type == "session_end"]
            times.append((max(e.duration_ms for e in ends) if ends else sum(e.duration_ms for e in use)) / 1000)
        graded = [e for e in evs if e.event_type in GRADED]
        perceived = [v for e in evs if (v := _number(e.performance_metrics, "perceived_difficulty")) is not None]
        satisfaction = [v for e in evs if (v := _number(e.performance_metrics, "satisfaction")) is not None]
        if perceived:
            difficulty = _mean(perceived)
        elif graded:
            difficulty = 1 - sum(e.success for e in graded) / len(graded)
        else:
            difficulty = 0.0
        pairs: dict[tuple[str, str], list[Event]] = defaultdict(list)
        for e in graded:
            if e.objective:
                pairs[(e.learner_id, e.objective)].append(e)
        achieved = sum(sum(e.success for e in p) / len(p) >= 0.5 for p in pairs.values())
        back = [e for e in graded if e.event_id in returning]
        # Point-biserial correlation over the day's learners with an improvement.
        day_y = {learner: value for (learner, day), value in y.items() if day == d}
        users = {e.learner_id for e in evs}
        big_n, n1 = len(day_y), sum(1 for learner in day_y if learner in users)
        corr = 0.0
        if big_n and 0 < n1 < big_n:
            sy = sum(day_y.values())
            variance = sum(v * v for v in day_y.values()) / big_n - (sy / big_n) ** 2
            if variance > 1e-12:
                sy1 = sum(v for learner, v in day_y.items() if learner in users)
                p = n1 / big_n
                corr = (sy1 / n1 - (sy - sy1) / (big_n - n1)) * math.sqrt(p * (1 - p)) / math.sqrt(variance)
        out[(content_id, d)] = ContentRow(
            dataset_id=max(e.event_data.get("dataset_id", "") for e in evs),
            usage_count=len(uses),
            success_rate=succeeded / judged if judged else 0.0,
            average_completion_time=math.floor(_mean(times) + 0.5),
            difficulty_perception=difficulty,
            learner_satisfaction=_mean(satisfaction) if satisfaction else 0.0,
            learning_objective_achievement=achieved / len(pairs) if pairs else 0.0,
            retention_rate=sum(e.success for e in back) / len(back) if back else 0.0,
            improvement_correlation=corr)
    return out


def bucket_start(seconds: int, bucket: str) -> int:
    """Start of the UTC hour, day or ISO week (Monday) holding seconds."""
    if bucket == "hour":
        return seconds - seconds % HOUR
    day = seconds - seconds % DAY
    if bucket == "day":
        return day
    weekday = datetime.fromtimestamp(day, timezone.utc).weekday()
    return day - weekday * DAY


def series(perf: dict[tuple[str, str, int], MetricRow], learner: str, metric: str, bucket: str,
           start_s: int, end_s: int) -> list[tuple[int, float, float, float, int, float, float]]:
    """Expected GetLearnerPerformance points: (bucket start s, mean, min, max, n, mean baseline, mean rate)."""
    groups: dict[int, list[MetricRow]] = defaultdict(list)
    for (l2, m2, h), row in perf.items():
        if l2 == learner and m2 == metric and start_s <= h < end_s:
            groups[bucket_start(h, bucket)].append(row)
    return [(b, _mean([r.value for r in rows]), min(r.value for r in rows), max(r.value for r in rows),
             len(rows), _mean([r.baseline for r in rows]), _mean([r.rate for r in rows]))
            for b, rows in sorted(groups.items())]


def ranking(rows: dict[tuple[str, int], ContentRow], measure: str, ascending: bool, min_usage: int,
            dataset_id: str, start_s: int | None, end_s: int | None) -> list[tuple[str, float, dict[str, float]]]:
    """Expected GetContentEffectiveness order: (content_id, score, aggregated fields)."""
    groups: dict[str, list[ContentRow]] = defaultdict(list)
    for (content_id, d), row in rows.items():
        if (start_s is None or d >= start_s) and (end_s is None or d < end_s) and \
                (not dataset_id or row.dataset_id == dataset_id):
            groups[content_id].append(row)
    out = []
    for content_id, items in groups.items():
        usage = sum(r.usage_count for r in items)
        if usage < min_usage or usage == 0:
            continue
        agg: dict[str, float] = {"usage_count": usage, "average_completion_time": math.floor(
            sum(r.average_completion_time * r.usage_count for r in items) / usage + 0.5)}
        for name in ("success_rate", "difficulty_perception", "learner_satisfaction",
                     "learning_objective_achievement", "retention_rate", "improvement_correlation"):
            agg[name] = sum(getattr(r, name) * r.usage_count for r in items) / usage
        out.append((content_id, float(agg[measure]), agg))
    out.sort(key=lambda item: item[0])
    out.sort(key=lambda item: item[1], reverse=not ascending)
    return out


def percentile(values: list[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default, Excel PERCENTILE.INC)."""
    ordered = sorted(values)
    position = p / 100 * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def cohort(perf: dict[tuple[str, str, int], MetricRow], metric: str, learners: set[str] | None,
           start_s: int, end_s: int, percentiles: list[float]) -> tuple[int, int, float, list[float]]:
    """Expected GetCohortStats: (learners, samples, mean of learner means, percentiles)."""
    per: dict[str, list[float]] = defaultdict(list)
    for (learner, m2, h), row in perf.items():
        if m2 == metric and start_s <= h < end_s and (learners is None or learner in learners):
            per[learner].append(row.value)
    if not per:
        return 0, 0, 0.0, [0.0] * len(percentiles)
    means = [_mean(v) for v in per.values()]
    return (len(per), sum(len(v) for v in per.values()), _mean(means),
            [percentile(means, p) for p in percentiles])


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    """Float equality up to summation-order noise."""
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def generate(rnd: random.Random, *, start: datetime, days: int, learners: list[str], contents: list[str],
             dataset_id: str, objectives: list[str], count: int) -> list[Event]:
    """Varied events over [start, start + days): every metric and content column gets inputs."""
    span_ms = days * DAY * 1000
    base = int(start.timestamp() * 1000)
    sessions = {learner: [str(uuid.UUID(int=rnd.getrandbits(128))) for _ in range(4)] for learner in learners}
    skill = {learner: rnd.uniform(0.3, 0.8) for learner in learners}
    events = []
    for _ in range(count):
        learner = rnd.choice(learners)
        ts = base + rnd.randrange(span_ms)
        drift = (ts - base) / span_ms * 0.3  # learners get better over time: improvement has a sign
        kind = rnd.choice(["interaction"] * 5 + ["content_access"] * 2 + ["error"])
        data: dict[str, Any] = {}
        if rnd.random() < 0.8:
            data = {"content_id": rnd.choice(contents), "dataset_id": dataset_id}
        metrics: dict[str, Any] = {}
        if rnd.random() < 0.3:
            metrics["satisfaction"] = round(rnd.uniform(-0.2, 1.2), 3)
        if rnd.random() < 0.2:
            metrics["perceived_difficulty"] = rnd.choice([round(rnd.random(), 3), 1, True, "hard"])
        events.append(Event(
            ts_ms=ts, event_id=str(uuid.UUID(int=rnd.getrandbits(128))), learner_id=learner,
            event_type=kind, session_id=rnd.choice(sessions[learner] + [""]), event_data=data,
            performance_metrics=metrics, duration_ms=rnd.choice([0, rnd.randrange(1, 120_000)]),
            success=rnd.random() < skill[learner] + drift, difficulty=round(rnd.random(), 4),
            objective=rnd.choice([*objectives, ""]), content_type=rnd.choice(["quiz", "video", ""])))
    return events


def session_ends(rnd: random.Random, events: list[Event], count: int) -> list[Event]:
    """session_end events for sessions of events (the relay produces these in a node)."""
    used = [e for e in events if e.session_id]
    out = []
    for _ in range(count):
        e = rnd.choice(used)
        out.append(Event(ts_ms=e.ts_ms + rnd.randrange(1, 3_600_000), event_id=str(uuid.UUID(int=rnd.getrandbits(128))),
                         learner_id=e.learner_id, event_type="session_end", session_id=e.session_id,
                         event_data={**e.event_data, "session_type": session_type_of(e.session_id)},
                         duration_ms=rnd.randrange(1, 5_000) * 1000,
                         success=rnd.random() < 0.6, difficulty=e.difficulty))
    return out


def utc(days_ago: int) -> datetime:
    """Midnight UTC, days ago."""
    now = datetime.now(timezone.utc)
    return datetime(now.year, now.month, now.day, tzinfo=timezone.utc) - timedelta(days=days_ago)
