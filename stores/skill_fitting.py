"""FitSkillParameters: a skill's assessment history from PostgreSQL, EM, and the result on its Skill node."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from itertools import groupby

from stores.errors import PreconditionFailed
from stores.graph_model import GraphModel, StoredParams
from stores.knowledge_tracing import MIN_FIT_OBSERVATIONS, FitResult, fit_best
from stores.postgres import PostgresStore

#: One sequence per learner, in assessment order; only numeric scores of the skill count.
HISTORY = (
    "SELECT learner_id, LEAST(1.0, GREATEST(0.0, (skill_assessments ->> %(skill)s)::float8)) AS score"
    " FROM assessment_results"
    " WHERE skill_assessments ? %(skill)s AND jsonb_typeof(skill_assessments -> %(skill)s) = 'number'"
    " ORDER BY learner_id, assessment_timestamp, assessment_id")


@dataclass(frozen=True)
class Fit:
    """A finished fit: the parameters (stored unless dry run) and how EM went."""

    parameters: StoredParams
    result: FitResult


async def skill_history(postgres: PostgresStore, skill_id: str) -> list[list[float]]:
    """Every learner's scores of skill_id from assessment_results, oldest first."""
    async with postgres.connection() as conn:
        cur = await conn.execute(HISTORY, {"skill": skill_id})
        rows = await cur.fetchall()
    return [[float(r["score"]) for r in group] for _, group in groupby(rows, key=lambda r: r["learner_id"])]


class SkillFitter:
    """Re-estimates a skill's BKT parameters from its history."""

    def __init__(self, postgres: PostgresStore, model: GraphModel) -> None:
        self.postgres = postgres
        self.model = model

    async def fit(self, skill_id: str, *, max_iterations: int, dry_run: bool) -> Fit:
        """EM on the skill's history; PreconditionFailed(INSUFFICIENT_DATA) below MIN_FIT_OBSERVATIONS."""
        await self.model.skill_parameters(skill_id)  # NotFound for an unknown skill
        sequences = await skill_history(self.postgres, skill_id)
        count = sum(len(s) for s in sequences)
        if count < MIN_FIT_OBSERVATIONS:
            raise PreconditionFailed(
                f"skill {skill_id!r} has {count} scored observations; at least {MIN_FIT_OBSERVATIONS} are needed",
                reason="INSUFFICIENT_DATA", metadata={"observations": str(count),
                                                      "required": str(MIN_FIT_OBSERVATIONS)})
        # CPU-bound numpy work: keep it off the event loop.
        result = await asyncio.to_thread(fit_best, sequences, max_iterations=max_iterations)
        if dry_run:
            params = StoredParams(skill_id, result.params, True, result.log_likelihood, result.observations)
        else:
            params = await self.model.store_skill_parameters(
                skill_id, result.params, log_likelihood=result.log_likelihood,
                observations=result.observations)
        return Fit(params, result)
