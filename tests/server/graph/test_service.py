"""GraphServicer over the session's channel: upserts report creation, reads guard learners, lists page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from grpc import aio

from amauta.v1 import graph_pb2
from tests.server.graph.conftest import Graph, error_info, violations


async def _fails(call: Awaitable[Any], code: grpc.StatusCode) -> aio.AioRpcError:
    with pytest.raises(aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == code, caught.value.details()
    return caught.value


async def test_upsert_reports_creation_and_a_node_reads_only_itself(g: Graph, ids: Callable[[str], str]) -> None:
    learner = ids("learner")
    node = graph_pb2.LearnerNode(learner_id=learner, type="ai")
    first = await g.UpsertLearnerNode(graph_pb2.UpsertLearnerNodeRequest(node=node))
    again = await g.UpsertLearnerNode(graph_pb2.UpsertLearnerNodeRequest(node=node))
    assert (first.created, again.created) == (True, False)
    assert (await g.GetLearnerNode(graph_pb2.GetLearnerNodeRequest(learner_id=learner))).node == first.node
    await _fails(g.GetLearnerNode(graph_pb2.GetLearnerNodeRequest(learner_id=learner), as_="node_a"),
                 grpc.StatusCode.PERMISSION_DENIED)


async def test_bad_fields_are_named_and_missing_nodes_are_not_found(g: Graph, ids: Callable[[str], str]) -> None:
    err = await _fails(g.UpsertSkillNode(graph_pb2.UpsertSkillNodeRequest(node=graph_pb2.SkillNode(skill_id=" s"))),
                       grpc.StatusCode.INVALID_ARGUMENT)
    assert violations(err) == {"node.skill_id"}
    missing = await _fails(g.GetSkillNode(graph_pb2.GetSkillNodeRequest(skill_id=ids("ghost"))),
                           grpc.StatusCode.NOT_FOUND)
    assert error_info(missing).reason == "SKILL_NOT_FOUND"


async def test_lists_page_by_id(g: Graph, ids: Callable[[str], str]) -> None:
    category = ids("cat")
    made = sorted(ids(f"skill{i}") for i in range(3))
    for skill in made:
        await g.UpsertSkillNode(graph_pb2.UpsertSkillNodeRequest(node=graph_pb2.SkillNode(skill_id=skill,
                                                                                          category=category)))
    first = await g.ListSkillNodes(graph_pb2.ListSkillNodesRequest(category=category, page_size=2))
    rest = await g.ListSkillNodes(graph_pb2.ListSkillNodesRequest(category=category, page_size=2,
                                                                  page_token=first.next_page_token))
    assert [n.skill_id for n in [*first.nodes, *rest.nodes]] == made and rest.next_page_token == ""
