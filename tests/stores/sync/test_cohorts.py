"""stores/sync/cohorts.py: a learner type's members come from PostgreSQL, their metrics from analytics."""

from __future__ import annotations

import uuid

import pyarrow as pa
import pytest

from stores.analytics import AnalyticsBackend
from stores.postgres import PostgresStore
from stores.sync.cohorts import cohort_stats

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOUR = 3_600_000


async def test_a_learner_type_narrows_the_cohort_to_its_profiles(analytics: AnalyticsBackend,
                                                                   pg: PostgresStore) -> None:
    kind = f"cohort-{uuid.uuid4().hex[:8]}"
    members, outsider = [f"{kind}-a", f"{kind}-b"], f"{kind}-x"
    async with pg.connection() as conn:
        for learner in members:
            await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES (%s, %s)",
                               (learner, kind))
    metric = "engagement"  # the analytics fixture is a database of its own: no other rows
    rows = [(members[0], 0.2), (members[1], 0.6), (outsider, 1.0)]
    await analytics.insert("performance_metrics", pa.table({
        "timestamp": pa.array([T0] * len(rows), pa.timestamp("ms", tz="UTC")),
        "learner_id": [r[0] for r in rows], "metric_type": [metric] * len(rows),
        "metric_value": pa.array([r[1] for r in rows], pa.float64()),
        "baseline_value": pa.array([0.0] * len(rows), pa.float64()),
        "improvement_rate": pa.array([0.0] * len(rows), pa.float64())}))
    args = {"metric": metric, "objective": "", "start_ms": T0, "end_ms": T0 + HOUR, "percentiles": [0.0, 100.0]}
    typed = await cohort_stats(analytics, pg, learner_type=kind, **args)  # type: ignore[arg-type]
    assert (typed.learner_count, typed.values) == (2, [pytest.approx(0.2), pytest.approx(0.6)])
    everyone = await cohort_stats(analytics, pg, learner_type="", **args)  # type: ignore[arg-type]
    assert everyone.learner_count == 3 and everyone.values[-1] == pytest.approx(1.0)
    nobody = await cohort_stats(analytics, pg, learner_type=f"{kind}-none", **args)  # type: ignore[arg-type]
    assert (nobody.learner_count, nobody.sample_count, nobody.values) == (0, 0, [0.0, 0.0])
