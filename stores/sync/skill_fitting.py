"""FitSkillParameters: a skill's assessment history from PostgreSQL, EM, the result on its Skill node,
and the recompute of the skill's HAS_SKILL edges under the new parameters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from stores import metrics
from stores.errors import PreconditionFailed
from stores.graph.knowledge_tracing import MIN_FIT_OBSERVATIONS, FitResult, fit_best
from stores.graph.model import GraphModel, StoredParams
from stores.postgres import PostgresStore
from stores.postgres.skill_history import PostgresHistories, skill_history, skill_learners
from stores.sync.graph_relay import recompute_edges

log = logging.getLogger(__name__)

#: Edges recomputed per round of a background recompute.
RECOMPUTE_BATCH = 200

#: Starts a named background task (Runtime.spawn, which cancels it when the node stops).
Spawn = Callable[[str, Coroutine[Any, Any, None]], "asyncio.Task[Any]"]


@dataclass(frozen=True)
class Fit:
    """A finished fit: the parameters (stored unless dry run) and how EM went."""

    parameters: StoredParams
    result: FitResult
    #: The recompute of the skill's edges that the stored fit started (None for a dry run).
    recompute: Recompute | None = None


@dataclass
class Recompute:
    """Progress of one skill's background edge recompute."""

    skill_id: str
    total: int = 0
    done: int = 0
    running: bool = True
    error: str = ""
    task: asyncio.Task[Any] | None = field(default=None, repr=False)


class SkillFitter:
    """Re-estimates a skill's BKT parameters from its history, then recomputes its edges."""

    def __init__(self, postgres: PostgresStore, model: GraphModel, *, spawn: Spawn | None = None) -> None:
        self.postgres = postgres
        self.model = model
        self.spawn: Spawn = spawn or (lambda name, coro: asyncio.create_task(coro, name=name))
        self.histories = PostgresHistories(postgres)
        #: The latest recompute per skill (this process's; a restart forgets them).
        self.recomputes: dict[str, Recompute] = {}

    async def fit(self, skill_id: str, *, max_iterations: int, dry_run: bool, forgets: bool = False) -> Fit:
        """EM on the skill's history (forgets: estimate P(F) too); PreconditionFailed INSUFFICIENT_DATA
        below MIN_FIT_OBSERVATIONS and DEGENERATE_FIT when every EM restart has guess + slip >= 1."""
        await self.model.skill_parameters(skill_id)  # NotFound for an unknown skill
        sequences = await skill_history(self.postgres, skill_id)
        count = sum(len(s) for s in sequences)
        if count < MIN_FIT_OBSERVATIONS:
            raise PreconditionFailed(
                f"skill {skill_id!r} has {count} scored observations; at least {MIN_FIT_OBSERVATIONS} are needed",
                reason="INSUFFICIENT_DATA", metadata={"observations": str(count),
                                                      "required": str(MIN_FIT_OBSERVATIONS)})
        # CPU-bound numpy work: keep it off the event loop.
        result = await asyncio.to_thread(fit_best, sequences, max_iterations=max_iterations, forgets=forgets)
        if result.rejected:
            p = result.params
            raise PreconditionFailed(
                f"every EM solution for skill {skill_id!r} has guess + slip >= 1 (best: guess {p.guess:.4f},"
                f" slip {p.slip:.4f}), under which a right answer would lower P(known); nothing was stored",
                reason="DEGENERATE_FIT", metadata={"why": result.rejected, "guess": f"{p.guess:.6f}",
                                                   "slip": f"{p.slip:.6f}", "observations": str(count)})
        if dry_run:
            params = StoredParams(skill_id, result.params, True, result.log_likelihood, result.observations)
            return Fit(params, result)
        params = await self.model.store_skill_parameters(
            skill_id, result.params, log_likelihood=result.log_likelihood, observations=result.observations)
        return Fit(params, result, await self.start_recompute(skill_id))

    async def start_recompute(self, skill_id: str) -> Recompute:
        """Recompute every edge of the skill from history in the background (replacing a running one)."""
        previous = self.recomputes.get(skill_id)
        if previous is not None and previous.task is not None and not previous.task.done():
            previous.task.cancel()
        learners = await skill_learners(self.postgres, skill_id)
        job = Recompute(skill_id, total=len(learners))
        metrics.EDGE_RECOMPUTE_PENDING.labels(skill_id).set(job.total)
        job.task = self.spawn(f"recompute-{skill_id}", self._recompute(job, learners))
        self.recomputes[skill_id] = job
        return job

    def progress(self, skill_id: str) -> Recompute | None:
        """The latest recompute of the skill, if this process started one."""
        return self.recomputes.get(skill_id)

    async def _recompute(self, job: Recompute, learners: list[str]) -> None:
        try:
            for start in range(0, len(learners), RECOMPUTE_BATCH):
                chunk = [(learner, job.skill_id) for learner in learners[start:start + RECOMPUTE_BATCH]]
                await recompute_edges(self.model, self.histories, chunk, cause="fit")
                job.done += len(chunk)
                metrics.EDGE_RECOMPUTE_PENDING.labels(job.skill_id).set(job.total - job.done)
        except asyncio.CancelledError:
            job.error = "superseded by a newer fit"
            raise
        except Exception as exc:  # a store outage: reported in the progress, the next fit retries
            log.exception("recompute of skill %s failed", job.skill_id)
            job.error = str(exc) or type(exc).__name__
        finally:
            job.running = False
