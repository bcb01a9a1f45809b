"""GetCohortStats across two engines: a learner type's members from PostgreSQL, their metrics from analytics."""

from __future__ import annotations

from stores.analytics.base import AnalyticsBackend
from stores.analytics.queries import CohortStats
from stores.analytics.queries import cohort_stats as analytics_cohort_stats
from stores.postgres import PostgresStore
from stores.postgres.learners import learner_ids_of_type


async def cohort_stats(backend: AnalyticsBackend, postgres: PostgresStore, *, metric: str, learner_type: str,
                       objective: str, start_ms: int, end_ms: int, percentiles: list[float]) -> CohortStats:
    """The cohort's percentiles; learner_type "" means every learner (PostgreSQL is not read)."""
    cohort = await learner_ids_of_type(postgres, learner_type) if learner_type else None
    return await analytics_cohort_stats(backend, cohort=cohort, metric=metric, objective=objective,
                                        start_ms=start_ms, end_ms=end_ms, percentiles=percentiles)
