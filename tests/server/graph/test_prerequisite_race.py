"""SetPrerequisite across nodes: opposite edges raced on two nodes of one graph never make a cycle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from amauta.v1 import graph_pb2 as pb
from amauta.v1 import graph_pb2_grpc
from server.app import Node
from stores.errors import StoreUnavailable
from stores.graph.locks import graph_lease
from tests.server.graph.conftest import Graph, new_uuid
from tests.support import Tokens, sibling_settings, start_node

PAIRS = 100


@pytest.fixture(scope="module")
async def second_node(node: Node, data_root: Path, tokens: Tokens) -> AsyncIterator[Node]:
    """A second node on the same stores: its own process-local locks, the same graph."""
    other = await start_node(sibling_settings(node, data_root / "second-graph", data_root / "tokens.json"))
    yield other
    await other.stop()


async def test_opposite_prerequisites_on_two_nodes_never_close_a_cycle(
        g: Graph, second_node: Node, tokens: Tokens) -> None:
    pairs = [(new_uuid(), new_uuid()) for _ in range(PAIRS)]
    for x, y in pairs:
        for c in (x, y):
            await g.UpsertContentNode(pb.UpsertContentNodeRequest(node=pb.ContentNode(content_id=c)))
    md = tokens.md("admin")
    async with aio.insecure_channel(f"127.0.0.1:{second_node.port}") as ch:
        other = graph_pb2_grpc.GraphServiceStub(ch)

        async def set_on(stub: graph_pb2_grpc.GraphServiceStub, a: str, b: str) -> grpc.StatusCode:
            try:
                await stub.SetPrerequisite(pb.SetPrerequisiteRequest(from_content_id=a, to_content_id=b),
                                           metadata=md, timeout=60)
            except aio.AioRpcError as exc:
                return exc.code()
            return grpc.StatusCode.OK

        outcomes = await asyncio.gather(*(
            asyncio.gather(set_on(g.stub, x, y), set_on(other, y, x)) for x, y in pairs))
    for (x, y), (first, second) in zip(pairs, outcomes, strict=True):
        assert sorted([first.name, second.name]) == ["FAILED_PRECONDITION", "OK"], (x, y, first, second)
        closure = await g.GetPrerequisites(pb.GetPrerequisitesRequest(content_id=x))
        closure_y = await g.GetPrerequisites(pb.GetPrerequisitesRequest(content_id=y))
        before_x = {e.content.content_id for e in closure.prerequisites}
        before_y = {e.content.content_id for e in closure_y.prerequisites}
        assert not (y in before_x and x in before_y), f"cycle between {x} and {y}"


async def test_a_held_lease_makes_others_wait_then_gives_way(node: Node) -> None:
    assert node.runtime is not None
    graph = node.runtime.stores.graph
    order: list[str] = []

    async def hold() -> None:
        async with graph_lease(graph, "test-lease"):
            order.append("first in")
            await asyncio.sleep(0.3)
            order.append("first out")

    async def wait_for_it() -> None:
        await asyncio.sleep(0.05)
        async with graph_lease(graph, "test-lease"):
            order.append("second in")

    await asyncio.gather(hold(), wait_for_it())
    assert order == ["first in", "first out", "second in"]
    async with graph_lease(graph, "busy"):
        with pytest.raises(StoreUnavailable):
            async with graph_lease(graph, "busy", wait_seconds=0.2):
                pass
