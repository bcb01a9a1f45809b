"""GraphService nodes over a real channel: upsert, get, paged lists, validation, authorisation, injection."""

from __future__ import annotations

from collections.abc import Callable

import grpc
import pytest
from grpc import aio

from amauta.v1 import common_pb2
from amauta.v1 import graph_pb2 as pb
from server.app import Node
from server.rpc import errors
from stores.errors import AlreadyExists
from tests.server.graph.conftest import Graph, error_info, graph_outbox_drained, new_uuid, violations

INJECTIONS = [
    "x'}) MATCH (n) DETACH DELETE n //",
    "\"}) CREATE (:Learner {learnerId: 'pwned'}) //",
    "a` {x:1}) DETACH DELETE n //",
    "$id} RETURN 1 UNION MATCH (n) RETURN n //",
    "\\\\'; CALL db.labels() //",
    "ünï©ødé ✓ 🤖",
]


async def test_upsert_get_and_created_flag_for_every_kind(g: Graph, ids: Callable[[str], str]) -> None:
    learner, skill, objective, content = ids("l"), ids("s"), ids("o"), new_uuid()
    r = await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner, type="a")))
    assert r.created and r.node.type == "a"
    r = await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=learner, type="b")),
                                  as_="service")
    assert not r.created and r.node.type == "b"
    assert (await g.GetLearnerNode(pb.GetLearnerNodeRequest(learner_id=learner))).node.type == "b"
    r = await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=skill, category="c")))
    assert r.created and (await g.GetSkillNode(pb.GetSkillNodeRequest(skill_id=skill))).node.category == "c"
    r = await g.UpsertContentNode(pb.UpsertContentNodeRequest(
        node=pb.ContentNode(content_id=content.upper(), type="t", difficulty=0.7)))
    assert r.created and r.node.content_id == content  # canonical UUID
    got = await g.GetContentNode(pb.GetContentNodeRequest(content_id=content), as_="observer")
    assert got.node.difficulty == pytest.approx(0.7)
    r = await g.UpsertObjectiveNode(pb.UpsertObjectiveNodeRequest(node=pb.ObjectiveNode(objective_id=objective)))
    assert r.created
    r = await g.UpsertObjectiveNode(pb.UpsertObjectiveNodeRequest(node=pb.ObjectiveNode(objective_id=objective)))
    assert not r.created
    with pytest.raises(aio.AioRpcError) as err:
        await g.GetSkillNode(pb.GetSkillNodeRequest(skill_id=ids("missing")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(err.value).reason == "SKILL_NOT_FOUND"


async def test_lists_page_by_keyset_with_filters(g: Graph, ids: Callable[[str], str]) -> None:
    category = ids("cat")
    wanted = sorted(ids(f"skill{i:02d}") for i in range(7))
    for s in wanted:
        await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=s, category=category)))
    await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=ids("other"), category="x")))
    seen, token = [], ""
    while True:
        page = await g.ListSkillNodes(pb.ListSkillNodesRequest(page_size=3, page_token=token, category=category),
                                      as_="analyst")
        assert len(page.nodes) <= 3
        seen += [n.skill_id for n in page.nodes]
        token = page.next_page_token
        if not token:
            break
    assert seen == wanted
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListSkillNodes(pb.ListSkillNodesRequest(page_size=3, page_token=token or "bogus", category="y"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListSkillNodes(pb.ListSkillNodesRequest(page_size=-1))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    kind = ids("kind")
    made = []
    for d in (0.1, 0.4, 0.6, 0.9):
        c = new_uuid()
        made.append((c, d))
        await g.UpsertContentNode(pb.UpsertContentNodeRequest(node=pb.ContentNode(content_id=c, type=kind, difficulty=d)))
    page = await g.ListContentNodes(pb.ListContentNodesRequest(
        type=kind, difficulty=common_pb2.DoubleRange(min=0.3, max=0.6)))
    assert [n.content_id for n in page.nodes] == sorted(c for c, d in made if 0.3 <= d <= 0.6)
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListContentNodes(pb.ListContentNodesRequest(difficulty=common_pb2.DoubleRange(min=0.7, max=0.6)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_validation_lists_every_bad_field(g: Graph) -> None:
    with pytest.raises(aio.AioRpcError) as err:
        await g.UpsertContentNode(pb.UpsertContentNodeRequest(
            node=pb.ContentNode(content_id="not-a-uuid", type="x" * 101, difficulty=1.5)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert violations(err.value) == {"node.content_id", "node.type", "node.difficulty"}
    with pytest.raises(aio.AioRpcError) as err:
        await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id="")))
    assert violations(err.value) == {"node.learner_id"}
    with pytest.raises(aio.AioRpcError) as err:
        await g.FindCollaborators(pb.FindCollaboratorsRequest(learner_id="x", objective_id="o", skill_ids=["s"]))
    assert violations(err.value) == {"objective_id"}
    with pytest.raises(aio.AioRpcError) as err:
        await g.RecommendNext(pb.RecommendNextRequest(learner_id="x", k=101))
    assert violations(err.value) == {"k"}


async def test_roles_and_object_level_rules(g: Graph, ids: Callable[[str], str]) -> None:
    skill = ids("s")
    await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=skill)))
    await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id="node-a", type="n")))
    denied = [
        (g.UpsertSkillNode, pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=skill)), "node_a"),
        (g.UpsertLearnerNode, pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id="node-a")), "node_a"),
        (g.SetSkillAssessment, pb.SetSkillAssessmentRequest(learner_id="node-a", skill_id=skill), "service"),
        (g.FitSkillParameters, pb.FitSkillParametersRequest(skill_id=skill), "service"),
        (g.GetLearnerSkills, pb.GetLearnerSkillsRequest(learner_id="node-b"), "node_a"),
        (g.RecommendNext, pb.RecommendNextRequest(learner_id="node-b"), "node_a"),
        (g.GetLearnerNode, pb.GetLearnerNodeRequest(learner_id="node-b"), "node_a"),
    ]
    for rpc, request, role in denied:
        with pytest.raises(aio.AioRpcError) as err:
            await rpc(request, as_=role)
        assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED, (request, role)
    with pytest.raises(aio.AioRpcError) as err:
        await g.GetSkillNode(pb.GetSkillNodeRequest(skill_id=skill), as_="none")
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id="node-a"), as_="node_a")).skills == []
    own = await g.ListLearnerNodes(pb.ListLearnerNodesRequest(), as_="node_a")
    assert [n.learner_id for n in own.nodes] == ["node-a"]
    await g.SetSkillAssessment(pb.SetSkillAssessmentRequest(
        learner_id="node-a", skill_id=skill, proficiency_level=0.5, confidence_level=0.2))
    assert (await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id="node-a"), as_="analyst")).skills


async def test_unique_constraints_surface_as_already_exists(node: Node, ids: Callable[[str], str]) -> None:
    assert node.runtime is not None
    graph = node.runtime.stores.graph
    for label, key in (("Learner", "learnerId"), ("Skill", "skillId"), ("Content", "contentId"),
                       ("Objective", "objectiveId")):
        value = ids(label)
        await graph.run(f"CREATE (:{label} {{{key}: $v}})", {"v": value})
        with pytest.raises(AlreadyExists) as err:
            await graph.run(f"CREATE (:{label} {{{key}: $v}})", {"v": value})
        assert errors.from_store_error(err.value).code == grpc.StatusCode.ALREADY_EXISTS
        await graph.run(f"MATCH (n:{label} {{{key}: $v}}) DELETE n", {"v": value})


async def test_injection_corpus_is_stored_verbatim_without_extra_nodes(g: Graph, node: Node) -> None:
    assert node.runtime is not None
    graph = node.runtime.stores.graph
    await graph_outbox_drained(node)
    # Nodes mirrored by the outbox relay meanwhile (other tests' rows) carry lastOutboxId; ignore them.
    census = ("MATCH (n) WHERE n.lastOutboxId IS NULL RETURN labels(n)[0] AS label,"
              " coalesce(n.learnerId, n.skillId, n.contentId, n.objectiveId, n.name) AS id")
    before = {(r["label"], r["id"]) for r in await graph.run(census)}
    content = new_uuid()
    await g.UpsertContentNode(pb.UpsertContentNodeRequest(node=pb.ContentNode(content_id=content, type=INJECTIONS[0])))
    for text in INJECTIONS:
        await g.UpsertLearnerNode(pb.UpsertLearnerNodeRequest(node=pb.LearnerNode(learner_id=text, type=text)))
        await g.UpsertSkillNode(pb.UpsertSkillNodeRequest(node=pb.SkillNode(skill_id=text, category=text)))
        await g.UpsertObjectiveNode(pb.UpsertObjectiveNodeRequest(node=pb.ObjectiveNode(objective_id=text)))
        await g.LinkContentSkill(pb.LinkContentSkillRequest(content_id=content, skill_id=text, weight=0.5))
        await g.LinkObjectiveSkill(pb.LinkObjectiveSkillRequest(objective_id=text, skill_id=text,
                                                                required_proficiency=0.9))
        await g.SetSkillAssessment(pb.SetSkillAssessmentRequest(learner_id=text, skill_id=text,
                                                                proficiency_level=0.1))
        assert (await g.GetLearnerNode(pb.GetLearnerNodeRequest(learner_id=text))).node.type == text
        assert (await g.GetSkillNode(pb.GetSkillNodeRequest(skill_id=text))).node.category == text
        assert (await g.GetObjectiveNode(pb.GetObjectiveNodeRequest(objective_id=text))).node.objective_id == text
        page = await g.ListLearnerNodes(pb.ListLearnerNodesRequest(type=text))
        # Other suites' learner profiles reach the graph through the relay and may share a type.
        assert text in [n.learner_id for n in page.nodes] and {n.type for n in page.nodes} == {text}
        skills = await g.GetLearnerSkills(pb.GetLearnerSkillsRequest(learner_id=text, category=text))
        assert [s.skill.skill_id for s in skills.skills] == [text]
        gap = await g.GetSkillGap(pb.GetSkillGapRequest(learner_id=text, objective_id=text))
        assert [x.skill.skill_id for x in gap.gaps] == [text]
        found = await g.FindCollaborators(pb.FindCollaboratorsRequest(learner_id=text, skill_ids=[text]))
        assert all(m.learner_id != text for m in found.collaborators)
        await g.RecommendNext(pb.RecommendNextRequest(learner_id=text, k=1))
    assert (await g.GetContentNode(pb.GetContentNodeRequest(content_id=content))).node.type == INJECTIONS[0]
    after = {(r["label"], r["id"]) for r in await graph.run(census)}
    expected = {("Content", content)} | {(label, text) for text in INJECTIONS
                                         for label in ("Learner", "Skill", "Objective")}
    assert after - before == expected - before
    assert (await graph.run("MATCH (l:Learner {learnerId: 'pwned'}) RETURN count(l) AS n"))[0]["n"] == 0
