"""SkillFitter over PostgreSQL and the graph: unknown skills, too little data, dry runs and recomputes."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from server.runtime import Stores
from stores.errors import NotFound, PreconditionFailed
from stores.graph.knowledge_tracing import DEFAULT_PARAMS, MIN_FIT_OBSERVATIONS
from stores.graph.model import GraphModel
from stores.postgres.assessments import AssessmentStore
from stores.postgres.sessions import insert_session
from stores.sync.skill_fitting import SkillFitter
from tests.server.learner.helpers import insert_environment, unique


async def _history(stores: Stores, skill: str, learners: int, per_learner: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    env = await insert_environment(stores.postgres)
    store, ids = AssessmentStore(stores.postgres), []
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    for _ in range(learners):
        learner = unique("fit")
        ids.append(learner)
        async with stores.postgres.transaction() as conn:
            session = (await insert_session(conn, learner_id=learner, session_type="assessment",
                                            environment_id=env)).session.session_id
        known = False
        for i in range(per_learner):
            known = known or rnd.random() < 0.3
            score = float(rnd.random() < (0.9 if known else 0.25))
            await store.record({"learner_id": learner, "session_id": session, "assessment_type": "check",
                                "results": {}, "skill_assessments": {skill: score},
                                "assessment_timestamp": t0 + timedelta(minutes=i)}, request_id=None,
                               identity="admin")
    return ids


async def test_an_unknown_skill_and_too_little_data_are_refused(stores: Stores) -> None:
    model = GraphModel(stores.graph)
    fitter = SkillFitter(stores.postgres, model)
    with pytest.raises(NotFound):
        await fitter.fit(f"ghost-{uuid.uuid4().hex[:6]}", max_iterations=5, dry_run=True)
    skill = unique("fit-skill")
    await model.upsert_node("skill", skill, {"category": "c"})
    await _history(stores, skill, 1, 3, seed=1)
    with pytest.raises(PreconditionFailed) as caught:
        await fitter.fit(skill, max_iterations=5, dry_run=True)
    assert caught.value.reason == "INSUFFICIENT_DATA"
    assert caught.value.metadata == {"observations": "3", "required": str(MIN_FIT_OBSERVATIONS)}
    assert fitter.progress(skill) is None


async def test_a_dry_run_stores_nothing_and_a_fit_recomputes_every_edge(stores: Stores) -> None:
    model = GraphModel(stores.graph)
    skill = unique("fit-skill")
    await model.upsert_node("skill", skill, {"category": "c"})
    learners = await _history(stores, skill, 4, 8, seed=7)
    fitter = SkillFitter(stores.postgres, model)
    dry = await fitter.fit(skill, max_iterations=20, dry_run=True)
    assert dry.recompute is None and dry.result.observations == 32
    assert (await model.skill_parameters(skill)).params == DEFAULT_PARAMS
    done = await fitter.fit(skill, max_iterations=20, dry_run=False)
    assert done.parameters.fitted and done.recompute is not None and done.recompute.total == len(learners)
    assert done.recompute.task is not None
    await asyncio.wait_for(done.recompute.task, 60)
    job = fitter.progress(skill)
    assert job is not None and (job.done, job.running, job.error) == (len(learners), False, "")
    for learner in learners:
        (edge,) = await model.learner_skills(learner)
        assert edge.observation_count == 8
