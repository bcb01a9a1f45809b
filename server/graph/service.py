"""GraphService: validate, authorise, call one graph domain method, convert.

The role gate (server/rpc/policy.py) decides who writes: Upsert, Link and SetPrerequisite need admin or
service, SetSkillAssessment and FitSkillParameters admin. Beyond it, reads that name a learner are
open to every role except that a node may only name itself.
"""

from __future__ import annotations

from typing import Any

from grpc import aio

from amauta.v1 import graph_pb2, graph_pb2_grpc
from server.bootstrap import Components, Graph
from server.graph import convert as cv
from server.graph.nodes import NodeHandlers
from server.graph.validation import GraphChecker
from server.rpc import paging
from server.rpc.policy import read_learner
from stores.graph.frontier import MASTERY_THRESHOLD
from stores.postgres.outbox import OutboxRelay
from stores.sync.graph_relay import GraphConsumer

DEFAULT_K = 10




class GraphServicer(NodeHandlers, graph_pb2_grpc.GraphServiceServicer):
    """The GraphService RPCs (the node RPCs of the four kinds come from server/graph/nodes.py)."""

    def __init__(self, parts: Graph) -> None:
        self.model = parts.model
        self.paths = parts.paths
        self.gaps = parts.gaps
        self.collaboration = parts.collaboration
        self.fitter = parts.fitter

    # --- links and skills -----------------------------------------------------------------------

    async def LinkContentSkill(self, request: graph_pb2.LinkContentSkillRequest,
                               context: aio.ServicerContext[Any, Any]) -> graph_pb2.LinkContentSkillResponse:
        c = GraphChecker()
        content_id = c.content_id(request.content_id, "content_id")
        c.identifier(request.skill_id, "skill_id")
        c.unit_interval(request.weight, "weight")
        c.done()
        row = await self.model.link_content_skill(content_id, request.skill_id, request.weight)
        return graph_pb2.LinkContentSkillResponse(link=graph_pb2.Teaches(
            content_id=row["content_id"], skill_id=row["skill_id"], weight=float(row["weight"])))

    async def LinkObjectiveSkill(self, request: graph_pb2.LinkObjectiveSkillRequest,
                                 context: aio.ServicerContext[Any, Any]) -> graph_pb2.LinkObjectiveSkillResponse:
        c = GraphChecker()
        c.objective_id(request.objective_id, "objective_id")
        c.identifier(request.skill_id, "skill_id")
        c.unit_interval(request.required_proficiency, "required_proficiency")
        c.done()
        row = await self.model.link_objective_skill(request.objective_id, request.skill_id,
                                                    request.required_proficiency)
        return graph_pb2.LinkObjectiveSkillResponse(link=graph_pb2.Requires(
            objective_id=row["objective_id"], skill_id=row["skill_id"],
            required_proficiency=float(row["required"])))

    async def GetLearnerSkills(self, request: graph_pb2.GetLearnerSkillsRequest,
                               context: aio.ServicerContext[Any, Any]) -> graph_pb2.GetLearnerSkillsResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        c.identifier(request.category, "category", required=False)
        minimum = c.optional_unit_interval(
            request.min_proficiency if request.HasField("min_proficiency") else None, "min_proficiency")
        c.done()
        read_learner(request.learner_id)
        rows = await self.model.learner_skills(request.learner_id, category=request.category or None,
                                               min_proficiency=minimum)
        return graph_pb2.GetLearnerSkillsResponse(skills=[
            graph_pb2.LearnerSkill(skill=graph_pb2.SkillNode(skill_id=r.skill_id, category=r.category),
                                   has_skill=cv.has_skill(r)) for r in rows])

    async def SetSkillAssessment(self, request: graph_pb2.SetSkillAssessmentRequest,
                                 context: aio.ServicerContext[Any, Any]) -> graph_pb2.SetSkillAssessmentResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        c.identifier(request.skill_id, "skill_id")
        c.unit_interval(request.proficiency_level, "proficiency_level")
        c.number(request.growth_rate, "growth_rate", -1.0, 1.0)
        c.unit_interval(request.confidence_level, "confidence_level")
        when = c.timestamp(request.last_assessed, "last_assessed")
        c.done()
        at_ms = int(when.timestamp() * 1000) if when else c.now_ms()
        row = await self.model.set_has_skill(
            request.learner_id, request.skill_id, proficiency=request.proficiency_level,
            growth=request.growth_rate, confidence=request.confidence_level, at_ms=at_ms)
        return graph_pb2.SetSkillAssessmentResponse(has_skill=cv.has_skill(row))

    async def FitSkillParameters(self, request: graph_pb2.FitSkillParametersRequest,
                                 context: aio.ServicerContext[Any, Any]) -> graph_pb2.FitSkillParametersResponse:
        c = GraphChecker()
        c.identifier(request.skill_id, "skill_id")
        c.non_negative(request.max_iterations, "max_iterations", 1000)
        c.done()
        fit = await self.fitter.fit(request.skill_id, max_iterations=request.max_iterations or 100,
                                    dry_run=request.dry_run, forgets=request.forgets)
        return graph_pb2.FitSkillParametersResponse(
            parameters=cv.skill_parameters(fit.parameters), iterations=fit.result.iterations,
            converged=fit.result.converged, learner_count=fit.result.sequences,
            recompute=cv.edge_recompute(fit.recompute))

    async def GetSkillParameters(self, request: graph_pb2.GetSkillParametersRequest,
                                 context: aio.ServicerContext[Any, Any]) -> graph_pb2.GetSkillParametersResponse:
        c = GraphChecker()
        c.identifier(request.skill_id, "skill_id")
        c.done()
        return graph_pb2.GetSkillParametersResponse(
            parameters=cv.skill_parameters(await self.model.skill_parameters(request.skill_id)),
            recompute=cv.edge_recompute(self.fitter.progress(request.skill_id)))

    # --- learning paths -------------------------------------------------------------------------

    async def SetPrerequisite(self, request: graph_pb2.SetPrerequisiteRequest,
                              context: aio.ServicerContext[Any, Any]) -> graph_pb2.SetPrerequisiteResponse:
        c = GraphChecker()
        from_id = c.content_id(request.from_content_id, "from_content_id")
        to_id = c.content_id(request.to_content_id, "to_content_id")
        c.unit_interval(request.strength, "strength")
        c.number(request.average_transition_time, "average_transition_time", 0.0, 1e9)
        c.done()
        edge, created = await self.paths.set_prerequisite(
            from_id, to_id, strength=request.strength, optional_bypass=request.optional_bypass,
            average_transition_time=request.average_transition_time)
        return graph_pb2.SetPrerequisiteResponse(prerequisite=cv.prerequisite(edge), created=created)

    async def GetPrerequisites(self, request: graph_pb2.GetPrerequisitesRequest,
                               context: aio.ServicerContext[Any, Any]) -> graph_pb2.GetPrerequisitesResponse:
        c = GraphChecker()
        content_id = c.content_id(request.content_id, "content_id")
        c.non_negative(request.max_depth, "max_depth")
        c.done()
        closure = await self.paths.prerequisites(content_id, mandatory_only=request.mandatory_only,
                                                 max_depth=request.max_depth)
        return cv.prerequisites(closure)

    async def GetLearningPath(self, request: graph_pb2.GetLearningPathRequest,
                              context: aio.ServicerContext[Any, Any]) -> graph_pb2.GetLearningPathResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        target = c.content_id(request.target_content_id, "target_content_id")
        threshold = c.optional_unit_interval(
            request.mastery_threshold if request.HasField("mastery_threshold") else None, "mastery_threshold")
        c.done()
        read_learner(request.learner_id)
        steps, _ = await self.paths.learning_path(
            request.learner_id, target, threshold=MASTERY_THRESHOLD if threshold is None else threshold,
            include_optional=request.include_optional)
        return graph_pb2.GetLearningPathResponse(
            steps=[graph_pb2.LearningPathStep(content=cv.content_node(s.content), mastery=s.mastery,
                                              estimated_time=s.estimated_time, bypassable=s.bypassable)
                   for s in steps],
            estimated_total_time=sum(s.estimated_time for s in steps))

    async def RecommendNext(self, request: graph_pb2.RecommendNextRequest,
                            context: aio.ServicerContext[Any, Any]) -> graph_pb2.RecommendNextResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        c.non_negative(request.k, "k", 100)
        c.done()
        read_learner(request.learner_id)
        recs = await self.paths.recommend(request.learner_id, request.k or DEFAULT_K)
        return graph_pb2.RecommendNextResponse(recommendations=[
            graph_pb2.Recommendation(content=cv.content_node(r.content), score=r.score, reason=r.reason,
                                     difficulty_gap=r.difficulty_gap,
                                     prerequisite_strength=r.prerequisite_strength) for r in recs])

    async def FindCollaborators(self, request: graph_pb2.FindCollaboratorsRequest,
                                context: aio.ServicerContext[Any, Any]) -> graph_pb2.FindCollaboratorsResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        c.one_target(request.objective_id, request.skill_ids)
        c.non_negative(request.k, "k", 100)
        c.done()
        read_learner(request.learner_id)
        found = await self.collaboration.find(
            request.learner_id, objective_id=request.objective_id or None,
            skill_ids=list(request.skill_ids), k=request.k or DEFAULT_K)
        return graph_pb2.FindCollaboratorsResponse(collaborators=[
            graph_pb2.CollaboratorMatch(learner_id=m.learner_id, score=m.score,
                                        complementary_skills=m.complementary_skills,
                                        past_synergy=m.past_synergy, past_session_count=m.past_session_count)
            for m in found])

    async def GetSkillGap(self, request: graph_pb2.GetSkillGapRequest,
                          context: aio.ServicerContext[Any, Any]) -> graph_pb2.GetSkillGapResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        c.objective_id(request.objective_id, "objective_id")
        c.done()
        read_learner(request.learner_id)
        gaps, required = await self.gaps.gaps(request.learner_id, request.objective_id)
        return graph_pb2.GetSkillGapResponse(required_skill_count=required, gaps=[
            graph_pb2.SkillGap(skill=graph_pb2.SkillNode(skill_id=g.skill_id, category=g.category),
                               required_proficiency=g.required, current_proficiency=g.current,
                               missing=g.missing, gap=g.gap) for g in gaps])

    async def ListCollaborations(self, request: graph_pb2.ListCollaborationsRequest,
                                 context: aio.ServicerContext[Any, Any]) -> graph_pb2.ListCollaborationsResponse:
        c = GraphChecker()
        c.identifier(request.learner_id, "learner_id")
        c.done()
        read_learner(request.learner_id)
        asked = paging.open_page(request, (paging.TEXT,))
        edges = await self.collaboration.collaborations(request.learner_id, after=asked.after, limit=asked.fetch)
        shown, token, _ = asked.cut(edges, lambda e: (e.collaborator_id,))
        return graph_pb2.ListCollaborationsResponse(
            collaborations=[cv.collaborated_with(e) for e in shown], next_page_token=token)


def build(c: Components) -> GraphServicer:
    """The GraphService servicer over the node's graph components."""
    return GraphServicer(c.graph)


def workers(c: Components) -> None:
    """The graph outbox relay (PostgreSQL changes into the graph, exactly once), and the rebuild of
    RecommendNext frontiers that are not current (one node at a time)."""
    relay = OutboxRelay(c.stores.postgres, GraphConsumer(c.stores.graph, c.graph.histories))
    c.runtime.spawn("graph-outbox-relay", relay.run())
    c.runtime.spawn_singleton("graph-frontier-repair", c.graph.paths.frontier.run)
