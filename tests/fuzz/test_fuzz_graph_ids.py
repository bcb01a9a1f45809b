"""Generated ids against the constrained embedded FalkorDB: the graph server must never restart.

FalkorDB 4.16 dies on a MERGE of a node whose unique-constrained key starts with a space. Two paths
are fuzzed: the API (Upsert*Node then Get*Node, ids outside the grammar get INVALID_ARGUMENT naming
the field) and the graph layer itself (GraphModel.upsert_node and the relay's mirror, which internal
callers use; the guard refuses ids outside the grammar). The redis-server's run_id and pid, read
before and after, show a restart. AMAUTA_FUZZ_EXAMPLES scales the number of ids (`make fuzz`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import redis.asyncio as aredis
from grpc import aio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amauta.v1 import graph_pb2, graph_pb2_grpc
from server.app import Node
from stores.errors import InvalidData
from stores.graph import GraphBackend, GraphSettings, create_backend
from stores.graph.model import GraphModel, mirror_learners
from stores.ids import MAX_ID_CHARS, MAX_OBJECTIVE_CHARS, id_problem
from tests.stores.graph.helpers import prepared
from tests.support import Tokens

EXAMPLES = 4 * int(os.environ.get("AMAUTA_FUZZ_EXAMPLES", "15"))
#: Characters FalkorDB or the grammar may treat specially: separators, controls, marks, quotes.
_SPECIAL = [" ", "\t", "\n", "\r", "\x00", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\xa0", "\u1680",
            "\u2000", "\u200b", "\u200f", "\u202e", "\u2028", "\u2029", "\u3000", "\ufeff", "\\", "'",
            '"', "`", "{", "}", "$", "é", "🙂"]
_ID = st.one_of(
    st.text(max_size=12),
    st.lists(st.one_of(st.sampled_from(_SPECIAL), st.characters()), max_size=10).map("".join),
    st.tuples(st.sampled_from(_SPECIAL), st.text(max_size=8), st.sampled_from(["", *_SPECIAL]))
    .map("".join),
    st.text(min_size=MAX_ID_CHARS - 2, max_size=MAX_OBJECTIVE_CHARS + 2),
)

KINDS: dict[str, tuple[Any, Any, Any, Any, str, int]] = {
    "learner": (graph_pb2.UpsertLearnerNodeRequest, graph_pb2.LearnerNode, graph_pb2.GetLearnerNodeRequest,
                "learner_id", "node.learner_id", MAX_ID_CHARS),
    "skill": (graph_pb2.UpsertSkillNodeRequest, graph_pb2.SkillNode, graph_pb2.GetSkillNodeRequest,
              "skill_id", "node.skill_id", MAX_ID_CHARS),
    "objective": (graph_pb2.UpsertObjectiveNodeRequest, graph_pb2.ObjectiveNode,
                  graph_pb2.GetObjectiveNodeRequest, "objective_id", "node.objective_id", MAX_OBJECTIVE_CHARS),
}


def _ids() -> list[str]:
    drawn: list[str] = []

    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(_ID)
    def collect(value: str) -> None:
        drawn.append(value)

    collect()
    return [*drawn, " sp", "sp ", "\u00a0x", "x\u3000", "\tx", "a\x00b"]


async def _server(graph_url: str) -> tuple[str, int]:
    # The graph URL names the same redis-server under the falkordb scheme.
    client = aredis.from_url("redis://" + graph_url.split("://", 1)[1])
    try:
        info = await client.info("server")
        return str(info["run_id"]), int(info["process_id"])
    finally:
        await client.aclose()


@pytest.fixture
async def fuzz_graph(node: Node) -> AsyncIterator[GraphBackend]:
    """A throwaway graph with the node's constraints, on the node's own FalkorDB server."""
    assert node.runtime is not None
    backend = create_backend(GraphSettings(node.runtime.settings.graph_url,
                                           graph_name=f"fuzz_ids_{uuid.uuid4().hex[:8]}"))
    await backend.open()
    await prepared(backend)
    yield backend
    await backend.drop_all()
    await backend.close()


async def test_generated_ids_never_restart_the_graph_server(node: Node, channel: aio.Channel, tokens: Tokens,
                                                            fuzz_graph: GraphBackend) -> None:
    assert node.runtime is not None
    url = node.runtime.settings.graph_url
    before = await _server(url)
    stub = graph_pb2_grpc.GraphServiceStub(channel)
    md = tokens.md("admin")
    ids = _ids()
    accepted = refused = 0
    for value in ids:
        for kind, (upsert, message, get, key, field, limit) in KINDS.items():
            problem = id_problem(value, limit)
            try:
                await getattr(stub, f"Upsert{kind.title()}Node")(upsert(node=message(**{key: value})),
                                                               metadata=md, timeout=20)
                reply = await getattr(stub, f"Get{kind.title()}Node")(get(**{key: value}), metadata=md,
                                                                    timeout=20)
            except aio.AioRpcError as exc:
                assert problem is not None, f"{kind} {value!r}: {exc.code().name} {exc.details()}"
                assert exc.code() == grpc.StatusCode.INVALID_ARGUMENT, (kind, value, exc.code(), exc.details())
                assert field in exc.details() or key in exc.details(), exc.details()
                refused += 1
                continue
            assert problem is None, f"{kind} {value!r} was accepted: {problem}"
            assert getattr(reply.node, key) == value
            accepted += 1
        # The graph layer itself, as internal callers (relays, tools) reach it.
        model = GraphModel(fuzz_graph)
        for kind in ("learner", "skill", "content", "objective"):
            if id_problem(value, MAX_OBJECTIVE_CHARS) is None:
                row, _ = await model.upsert_node(kind, value, {})
                assert row["id"] == value
            else:
                with pytest.raises(InvalidData):
                    await model.upsert_node(kind, value, {})
        if id_problem(value, MAX_OBJECTIVE_CHARS) is not None:
            with pytest.raises(InvalidData):
                await mirror_learners(fuzz_graph, [{"id": value, "type": "", "outbox": 1}])
    assert accepted and refused, (accepted, refused)
    assert await _server(url) == before, "the graph server restarted during the fuzz"
    await fuzz_graph.ping()
