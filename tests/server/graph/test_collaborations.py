"""ListCollaborations: the COLLABORATED_WITH edges that ended simulations leave, paged, learner-scoped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import grpc
import pytest
from grpc import aio

from amauta.v1 import graph_pb2 as pb
from server.app import Node
from stores.postgres import outbox
from tests.server.graph.conftest import Graph, error_info, graph_outbox_drained, violations


async def _collaborate(node: Node, simulation: str, learners: list[str], synergy: float, at: str,
                       skills: list[str]) -> None:
    """The outbox row EndSimulation writes, delivered by the node's graph relay."""
    assert node.runtime is not None
    async with node.runtime.stores.postgres.transaction() as conn:
        await outbox.append(conn, "collaboration", simulation, {
            "simulation_id": simulation, "learner_ids": learners, "synergy": synergy,
            "complementary_skills": skills, "at": at})


async def test_collaborations_list_every_edge_field_page_by_page(g: Graph, node: Node,
                                                                  ids: Callable[[str], str]) -> None:
    me, a, b, c = ids("me"), ids("a"), ids("b"), ids("c")
    await _collaborate(node, ids("sim1"), [me, a, b], 0.8, "2025-05-01T10:00:00+00:00", ["logic"])
    await _collaborate(node, ids("sim2"), [me, a], 0.4, "2025-05-03T10:00:00+00:00", ["ethics", "logic"])
    await _collaborate(node, ids("sim3"), [b, c], 0.9, "2025-05-04T10:00:00+00:00", [])
    await graph_outbox_drained(node)

    pages, token = [], ""
    while True:
        reply = await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=me, page_size=1, page_token=token))
        pages.append(list(reply.collaborations))
        token = reply.next_page_token
        if not token:
            break
    assert [len(p) for p in pages] == [1, 1]
    edges = [e for p in pages for e in p]
    assert [e.collaborator_id for e in edges] == sorted([a, b])
    by = {e.collaborator_id: e for e in edges}
    assert {e.learner_id for e in edges} == {me}
    assert (by[a].session_count, by[b].session_count) == (2, 1)
    assert by[a].avg_synergy == pytest.approx(0.6) and by[b].avg_synergy == pytest.approx(0.8)
    assert by[a].last_collaboration.ToDatetime(timezone.utc) == datetime(2025, 5, 3, 10, tzinfo=timezone.utc)
    assert sorted(by[a].complementary_skills) == ["ethics", "logic"]
    assert list(by[b].complementary_skills) == ["logic"]
    # The edge is kept in both directions with the same values.
    back = await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=b))
    assert [(e.collaborator_id, e.session_count) for e in back.collaborations] == sorted([(a, 1), (me, 1), (c, 1)])
    assert back.next_page_token == ""


async def test_collaborations_validation_scope_and_missing_learner(g: Graph, node: Node,
                                                                   ids: Callable[[str], str]) -> None:
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=" padded"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violations(err.value) == {"learner_id"}
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=ids("x"), page_size=-1))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violations(err.value) == {"page_size"}
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=ids("ghost")))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND and error_info(err.value).reason == "LEARNER_NOT_FOUND"
    # A node reads only its own collaborations, and may not even learn whether another learner exists.
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=ids("ghost")), as_="node_a")
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    other = ids("other")
    await _collaborate(node, ids("sim"), ["node-a", other], 0.5, "2025-06-01T00:00:00+00:00", [])
    await graph_outbox_drained(node)
    own = await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id="node-a", page_size=1000), as_="node_a")
    assert other in {e.collaborator_id for e in own.collaborations}
    with pytest.raises(aio.AioRpcError) as err:
        await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=other), as_="node_a")
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    # A token is bound to its learner.
    first = await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id="node-a", page_size=1))
    if first.next_page_token:
        with pytest.raises(aio.AioRpcError) as err:
            await g.ListCollaborations(pb.ListCollaborationsRequest(learner_id=other, page_token=first.next_page_token))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and violations(err.value) == {"page_token"}
