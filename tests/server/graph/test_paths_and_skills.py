"""GraphService learning paths, recommendations, skill gaps, collaborators and BKT fitting over gRPC."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable

import grpc
import pytest
from grpc import aio

from amauta.v1 import graph_pb2 as pb
from server.app import Node
from stores import metrics
from stores.graph.frontier import MARK, MASTERY_THRESHOLD, TRUSTED
from stores.graph.knowledge_tracing import DEFAULT_PARAMS, MIN_FIT_OBSERVATIONS, BKTParams, fold
from tests.server.graph.conftest import Graph, error_info, new_uuid


async def chain(g: Graph, n: int, ids: Callable[[str], str]) -> tuple[list[str], list[str]]:
    """Content c0 → c1 → … → c(n-1), each teaching its own skill; returns (content ids, skill ids)."""
    contents = [new_uuid() for _ in range(n)]
    skills = [ids(f"skill{i}") for i in range(n)]
    for i, (c, s) in enumerate(zip(contents, skills, strict=True)):
        await g.UpsertContentNode(pb.UpsertContentNodeRequest(node=pb.ContentNode(content_id=c, difficulty=0.2 * i)))
        await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=s, category="c")))
        await g.LinkContentSkill(pb.LinkContentSkillRequest(content_id=c, skill_id=s, weight=1.0))
        if i:
            await g.SetPrerequisite(pb.SetPrerequisiteRequest(
                from_content_id=contents[i - 1], to_content_id=c, strength=0.9, average_transition_time=10))
    return contents, skills


async def test_optional_edges_order_prerequisites_and_paths(g: Graph, ids: Callable[[str], str]) -> None:
    # V → T, U → T, U ⇢ V (optional), with V's id sorting before U's: only the optional edge puts U first.
    v, u = sorted(new_uuid() for _ in range(2))
    t = new_uuid()
    for c in (u, v, t):
        await g.UpsertContentNode(pb.UpsertContentNodeRequest(node=pb.ContentNode(content_id=c, difficulty=0.5)))
    for a, b, optional in ((v, t, False), (u, t, False), (u, v, True)):
        await g.SetPrerequisite(pb.SetPrerequisiteRequest(from_content_id=a, to_content_id=b, strength=0.5,
                                                          optional_bypass=optional, average_transition_time=5))
    closure = await g.GetPrerequisites(pb.GetPrerequisitesRequest(content_id=t, mandatory_only=True))
    assert [e.content.content_id for e in closure.prerequisites] == [u, v]
    learner = ids("learner")
    await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner)))
    path = await g.GetLearningPath(pb.GetLearningPathRequest(learner_id=learner, target_content_id=t))
    assert [s.content.content_id for s in path.steps] == [u, v, t]


async def test_prerequisites_paths_and_cycle_over_grpc(g: Graph, ids: Callable[[str], str]) -> None:
    contents, skills = await chain(g, 4, ids)
    learner = ids("learner")
    await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner)))
    await g.SetSkillAssessment(pb.SetSkillAssessmentRequest(learner_id=learner, skill_id=skills[0],
                                                            proficiency_level=0.9))
    closure = await g.GetPrerequisites(pb.GetPrerequisitesRequest(content_id=contents[3]), as_="observer")
    assert [e.content.content_id for e in closure.prerequisites] == contents[:3]
    assert [e.depth for e in closure.prerequisites] == [3, 2, 1]
    assert len(closure.edges) == 3
    path = await g.GetLearningPath(pb.GetLearningPathRequest(learner_id=learner, target_content_id=contents[3]))
    assert [s.content.content_id for s in path.steps] == contents[1:]
    assert path.estimated_total_time == pytest.approx(20.0)
    with pytest.raises(aio.AioRpcError) as err:
        await g.SetPrerequisite(pb.SetPrerequisiteRequest(from_content_id=contents[3], to_content_id=contents[0]))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    info = error_info(err.value)
    assert info.reason == "PREREQUISITE_CYCLE"
    assert info.metadata["path"].split(",") == [contents[3], *contents]
    with pytest.raises(aio.AioRpcError) as err:
        await g.SetPrerequisite(pb.SetPrerequisiteRequest(from_content_id=contents[0], to_content_id=new_uuid()))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(aio.AioRpcError) as err:
        await g.GetLearningPath(pb.GetLearningPathRequest(learner_id=ids("ghost"), target_content_id=contents[3]))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(aio.AioRpcError) as err:
        await g.LinkContentSkill(pb.LinkContentSkillRequest(content_id=contents[0], skill_id=ids("nope"), weight=1))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND and error_info(err.value).reason == "SKILL_NOT_FOUND"


async def frontier_current(node: Node, learner: str, timeout: float = 60.0) -> None:
    """Wait until the node's repair worker has rebuilt the learner's RecommendNext frontier."""
    assert node.runtime is not None
    deadline = asyncio.get_running_loop().time() + timeout
    while (await node.runtime.stores.graph.run(MARK, {"learner": learner}))[0]["mark"] != TRUSTED:
        assert asyncio.get_running_loop().time() < deadline, "the repair worker did not rebuild the frontier"
        await asyncio.sleep(0.05)


async def test_recommend_next_answers_from_the_frontier_the_repair_worker_keeps(
        g: Graph, ids: Callable[[str], str], node: Node) -> None:
    contents, skills = await chain(g, 3, ids)
    learner = ids("learner")
    await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner)))

    def answers(source: str) -> float:
        return metrics.RECOMMEND_ANSWERS.labels(source)._value.get()

    for proficiency in (0.95, 0.5, 0.9):
        # A hand-set skill leaves the frontier not current until the node's repair worker rebuilds it.
        await g.SetSkillAssessment(pb.SetSkillAssessmentRequest(learner_id=learner, skill_id=skills[0],
                                                                proficiency_level=proficiency))
        await frontier_current(node, learner)
        frontier = answers("frontier")
        recs = (await g.RecommendNext(pb.RecommendNextRequest(learner_id=learner, k=100))).recommendations
        assert answers("frontier") == frontier + 1
        offered = [r.content.content_id for r in recs]
        if proficiency >= MASTERY_THRESHOLD:
            # Mastered c0 unlocks c1, whose prerequisite strength puts it above every entry point of the
            # session's shared graph (entry points score at most 0.7).
            assert offered[0] == contents[1] and "prerequisites are mastered" in recs[0].reason
            assert contents[0] not in offered
        else:
            assert contents[1] not in offered
            # c0, the entry point the learner holds a skill of, scored at its proficiency (0.7 · (1 − 0.6)).
            assert all(r.score == pytest.approx(0.28) for r in recs if r.content.content_id == contents[0])


async def test_recommend_next_ranks_unlocked_content_with_a_reason(g: Graph, ids: Callable[[str], str]) -> None:
    contents, skills = await chain(g, 3, ids)
    learner = ids("learner")
    await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner)))
    await g.SetSkillAssessment(pb.SetSkillAssessmentRequest(learner_id=learner, skill_id=skills[0],
                                                            proficiency_level=0.95))
    recs = (await g.RecommendNext(pb.RecommendNextRequest(learner_id=learner, k=100))).recommendations
    mine = [r for r in recs if r.content.content_id in contents]
    # c1 is unlocked by the mastered c0; c2 still needs c1; c0 is mastered.
    assert [r.content.content_id for r in mine] == [contents[1]]
    assert mine[0].prerequisite_strength == pytest.approx(0.9)
    assert "prerequisites are mastered" in mine[0].reason
    assert recs[0].content.content_id == contents[1]   # strength puts it above every entry point
    assert len((await g.RecommendNext(pb.RecommendNextRequest(learner_id=learner, k=2))).recommendations) <= 2
    with pytest.raises(aio.AioRpcError) as err:
        await g.RecommendNext(pb.RecommendNextRequest(learner_id=ids("ghost")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_skill_gap_and_collaborators(g: Graph, ids: Callable[[str], str]) -> None:
    objective = ids("objective")
    skills = [ids(f"s{i}") for i in range(3)]
    me, strong, partial, friend = ids("me"), ids("strong"), ids("partial"), ids("friend")
    await g.UpsertObjectiveNode(pb.UpsertObjectiveNodeRequest(node=pb.ObjectiveNode(objective_id=objective)))
    for s in skills:
        await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=s, category="k")))
        await g.LinkObjectiveSkill(pb.LinkObjectiveSkillRequest(objective_id=objective, skill_id=s,
                                                                required_proficiency=0.8))
    for who, levels in ((me, [0.9, 0.3, None]), (strong, [0.1, 0.9, 0.9]), (partial, [0.5, 0.5, 0.5]),
                        (friend, [0.2, 0.85, 0.2])):
        await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=who)))
        for s, p in zip(skills, levels, strict=True):
            if p is not None:
                await g.SetSkillAssessment(pb.SetSkillAssessmentRequest(learner_id=who, skill_id=s,
                                                                        proficiency_level=p))
    held = await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=me, min_proficiency=0.5))
    assert [(s.skill.skill_id, s.skill.category) for s in held.skills] == [(skills[0], "k")]
    assert held.skills[0].has_skill.proficiency_level == pytest.approx(0.9)
    assert len((await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=me))).skills) == 2
    assert (await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=me, category="zz"))).skills == []
    gap = await g.GetSkillGap(pb.GetSkillGapRequest(learner_id=me, objective_id=objective))
    assert gap.required_skill_count == 3
    assert [(x.skill.skill_id, x.missing) for x in gap.gaps] == [(skills[2], True), (skills[1], False)]
    assert gap.gaps[1].gap == pytest.approx(0.5)
    found = await g.FindCollaborators(pb.FindCollaboratorsRequest(learner_id=me, objective_id=objective, k=10))
    ranked = [m.learner_id for m in found.collaborators]
    assert ranked[:3] == [strong, friend, partial]
    assert list(found.collaborators[0].complementary_skills) == sorted(skills[1:])
    assert me not in ranked
    by_skill = await g.FindCollaborators(pb.FindCollaboratorsRequest(learner_id=me, skill_ids=[skills[2]]))
    assert by_skill.collaborators[0].learner_id == strong
    with pytest.raises(aio.AioRpcError) as err:
        await g.GetSkillGap(pb.GetSkillGapRequest(learner_id=me, objective_id=ids("nope")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_fit_skill_parameters_from_assessment_history(g: Graph, node: Node, ids: Callable[[str], str]) -> None:
    assert node.runtime is not None
    skill = ids("fit")
    await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=skill)))
    params = (await g.GetSkillParameters(pb.GetSkillParametersRequest(skill_id=skill), as_="analyst")).parameters
    assert not params.fitted and params.prior == DEFAULT_PARAMS.prior and params.slip == DEFAULT_PARAMS.slip
    with pytest.raises(aio.AioRpcError) as err:
        await g.FitSkillParameters(pb.FitSkillParametersRequest(skill_id=skill))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(err.value).reason == "INSUFFICIENT_DATA"
    rng = random.Random(11)
    rows = []
    for learner in range(60):
        known = rng.random() < 0.3
        for step in range(12):
            correct = rng.random() < (0.9 if known else 0.2)
            rows.append((ids(f"fl{learner:02d}"), json.dumps({skill: float(correct)}), step))
            known = known or rng.random() < 0.15
    async with node.runtime.stores.postgres.transaction() as conn:
        for learner, skills, step in rows:
            await conn.execute(
                "INSERT INTO assessment_results (learner_id, assessment_type, results, skill_assessments,"
                " assessment_timestamp) VALUES (%s, 'quiz', '{}'::jsonb, %s::jsonb,"
                " now() - make_interval(mins => %s))", (learner, skills, 100 - step))
    dry = await g.FitSkillParameters(pb.FitSkillParametersRequest(skill_id=skill, dry_run=True))
    assert dry.learner_count == 60 and dry.parameters.observation_count == 720
    assert not (await g.GetSkillParameters(pb.GetSkillParametersRequest(skill_id=skill))).parameters.fitted
    fit = await g.FitSkillParameters(pb.FitSkillParametersRequest(skill_id=skill, max_iterations=200))
    assert fit.converged and fit.iterations >= 2
    stored = (await g.GetSkillParameters(pb.GetSkillParametersRequest(skill_id=skill))).parameters
    assert stored.fitted and stored.fitted_at.seconds > 0 and stored.log_likelihood < 0
    assert abs(stored.guess - 0.2) < 0.1 and abs(stored.slip - 0.1) < 0.1
    assert stored.observation_count >= MIN_FIT_OBSERVATIONS


async def insert_history(node: Node, skill: str, sequences: dict[str, list[float]]) -> None:
    """assessment_results rows straight into PostgreSQL (no outbox row, so only a fit's recompute
    makes edges of them), one minute apart per learner."""
    assert node.runtime is not None
    async with node.runtime.stores.postgres.transaction() as conn:
        for learner, seq in sequences.items():
            for step, score in enumerate(seq):
                await conn.execute(
                    "INSERT INTO assessment_results (learner_id, assessment_type, results, skill_assessments,"
                    " assessment_timestamp) VALUES (%s, 'quiz', '{}'::jsonb, %s::jsonb,"
                    " now() - make_interval(mins => %s))", (learner, json.dumps({skill: score}), 100 - step))


async def test_a_stored_fit_recomputes_the_skills_edges_in_the_background(
        g: Graph, node: Node, ids: Callable[[str], str]) -> None:
    skill = ids("refit")
    await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=skill)))
    rng = random.Random(5)
    sequences: dict[str, list[float]] = {}
    for learner in range(40):
        known, seq = rng.random() < 0.3, []
        for _ in range(15):
            seq.append(float(rng.random() < (0.9 if known else 0.2)))
            known = (known and rng.random() >= 0.05) or (not known and rng.random() < 0.2)
        sequences[ids(f"rf{learner:02d}")] = seq
    await insert_history(node, skill, sequences)
    fit = await g.FitSkillParameters(pb.FitSkillParametersRequest(skill_id=skill, forgets=True))
    assert fit.recompute.total_edges == 40
    assert 0 < fit.parameters.forget < 0.5
    assert fit.parameters.guess + fit.parameters.slip < 1
    for _ in range(400):
        got = await g.GetSkillParameters(pb.GetSkillParametersRequest(skill_id=skill))
        if not got.recompute.running:
            break
        await asyncio.sleep(0.05)
    assert got.recompute.recomputed_edges == 40 and not got.recompute.error
    assert metrics.REGISTRY.get_sample_value("amauta_skill_edge_recompute_pending", {"skill": skill}) == 0
    assert got.parameters.forget == pytest.approx(fit.parameters.forget)
    p = got.parameters
    params = BKTParams(p.prior, p.learn, p.guess, p.slip, p.forget)
    for learner, seq in sequences.items():
        [edge] = (await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=learner))).skills
        assert edge.has_skill.observation_count == len(seq)
        assert edge.has_skill.proficiency_level == pytest.approx(fold(seq, params).proficiency, abs=1e-9)


@pytest.mark.parametrize("history", ["all_right", "all_wrong"])
async def test_a_degenerate_fit_is_refused_and_not_stored(g: Graph, node: Node, ids: Callable[[str], str],
                                                          history: str) -> None:
    skill = ids("degen")
    await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=skill)))
    score = 1.0 if history == "all_right" else 0.0
    await insert_history(node, skill, {ids(f"dg{i}"): [score] * 15 for i in range(20)})
    for forgets in (False, True):
        with pytest.raises(aio.AioRpcError) as err:
            await g.FitSkillParameters(pb.FitSkillParametersRequest(skill_id=skill, forgets=forgets))
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        info = error_info(err.value)
        assert info.reason == "DEGENERATE_FIT" and info.metadata["why"] == "GUESS_PLUS_SLIP_AT_LEAST_ONE"
    stored = (await g.GetSkillParameters(pb.GetSkillParametersRequest(skill_id=skill))).parameters
    assert not stored.fitted and stored.guess == DEFAULT_PARAMS.guess
