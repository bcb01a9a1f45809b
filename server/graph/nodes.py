"""The node RPCs of the four node kinds (Learner, Skill, Content, Objective) from one table.

Each kind says how its request fields are checked and turned into properties and list filters; the
three handlers (Upsert, Get, List) are the same for every kind: check → one GraphModel call → convert.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from grpc import aio

from amauta.v1 import graph_pb2
from server.graph import convert as cv
from server.graph.validation import GraphChecker
from server.rpc import paging
from server.rpc.policy import own_learner, read_learner
from stores.errors import NotFound
from stores.graph.model import GraphModel

Handler = Callable[[Any, Any, aio.ServicerContext[Any, Any]], Awaitable[Any]]


@dataclass(frozen=True)
class NodeKind:
    """One node kind's fields and messages."""

    kind: str
    #: Checks request.node of an Upsert; returns the node id in canonical form.
    check_node: Callable[[GraphChecker, Any], str]
    #: The properties an Upsert writes.
    props: Callable[[Any], dict[str, Any]]
    #: Checks the id of a Get request; returns it in canonical form.
    check_id: Callable[[GraphChecker, Any], str]
    #: Checks a List request's filters; returns them for GraphModel.list_nodes.
    filters: Callable[[GraphChecker, Any], dict[str, Any]]
    upsert_response: type[Any]
    get_response: type[Any]
    list_response: type[Any]
    #: Whether a node reads only its own node of this kind (learners).
    own_only: bool = False
    message: Callable[[dict[str, Any]], Any] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", cv.NODE_MESSAGES[self.kind])


def _learner_node(c: GraphChecker, node: graph_pb2.LearnerNode) -> str:
    c.learner_node(node)
    return node.learner_id


def _skill_node(c: GraphChecker, node: graph_pb2.SkillNode) -> str:
    c.skill_node(node)
    return node.skill_id


def _objective_node(c: GraphChecker, node: graph_pb2.ObjectiveNode) -> str:
    return c.objective_id(node.objective_id, "node.objective_id")


def _content_filters(c: GraphChecker, request: graph_pb2.ListContentNodesRequest) -> dict[str, Any]:
    c.identifier(request.type, "type", required=False)
    low, high = c.double_range(request.difficulty, "difficulty")
    return {"type": request.type or None, "dmin": low, "dmax": high}


def _one_filter(name: str) -> Callable[[GraphChecker, Any], dict[str, Any]]:
    def check(c: GraphChecker, request: Any) -> dict[str, Any]:
        value = getattr(request, name)
        c.identifier(value, name, required=False)
        return {name: value or None}
    return check


LEARNER = NodeKind(
    "learner", _learner_node, lambda n: {"type": n.type},
    lambda c, r: c.identifier(r.learner_id, "learner_id"), _one_filter("type"),
    graph_pb2.UpsertLearnerNodeResponse, graph_pb2.GetLearnerNodeResponse, graph_pb2.ListLearnerNodesResponse,
    own_only=True)
SKILL = NodeKind(
    "skill", _skill_node, lambda n: {"category": n.category},
    lambda c, r: c.identifier(r.skill_id, "skill_id"), _one_filter("category"),
    graph_pb2.UpsertSkillNodeResponse, graph_pb2.GetSkillNodeResponse, graph_pb2.ListSkillNodesResponse)
CONTENT = NodeKind(
    "content", lambda c, n: c.content_node(n), lambda n: {"type": n.type, "difficulty": n.difficulty},
    lambda c, r: c.content_id(r.content_id, "content_id"), _content_filters,
    graph_pb2.UpsertContentNodeResponse, graph_pb2.GetContentNodeResponse, graph_pb2.ListContentNodesResponse)
OBJECTIVE = NodeKind(
    "objective", _objective_node, lambda n: {},
    lambda c, r: c.objective_id(r.objective_id, "objective_id"), lambda c, r: {},
    graph_pb2.UpsertObjectiveNodeResponse, graph_pb2.GetObjectiveNodeResponse,
    graph_pb2.ListObjectiveNodesResponse)


class NodeRpcs:
    """Mixin of GraphServicer: Upsert, Get and List for every node kind."""

    model: GraphModel

    async def upsert_node(self, spec: NodeKind, request: Any) -> Any:
        c = GraphChecker()
        node_id = spec.check_node(c, request.node)
        c.done()
        row, created = await self.model.upsert_node(spec.kind, node_id, spec.props(request.node))
        return spec.upsert_response(node=spec.message(row), created=created)

    async def get_node(self, spec: NodeKind, request: Any) -> Any:
        c = GraphChecker()
        node_id = spec.check_id(c, request)
        c.done()
        if spec.own_only:
            read_learner(node_id)
        return spec.get_response(node=spec.message(await self.model.get_node(spec.kind, node_id)))

    async def list_nodes(self, spec: NodeKind, request: Any) -> Any:
        c = GraphChecker()
        filters = spec.filters(c, request)
        c.done()
        asked = paging.open_page(request, (paging.TEXT,))
        own = own_learner() if spec.own_only else None
        if own is not None:  # a node's list holds its own node at most
            try:
                row = await self.model.get_node(spec.kind, own)
            except NotFound:
                return spec.list_response()
            if any(value is not None and row.get(name) != value for name, value in filters.items()):
                return spec.list_response()
            return spec.list_response(nodes=[spec.message(row)])
        rows = await self.model.list_nodes(spec.kind, after=asked.after, limit=asked.fetch, filters=filters)
        shown, token, _ = asked.cut(rows, lambda r: (r["id"],))
        return spec.list_response(nodes=[spec.message(r) for r in shown], next_page_token=token)


def _handlers(spec: NodeKind) -> tuple[Handler, Handler, Handler]:
    async def upsert(self: NodeRpcs, request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
        return await self.upsert_node(spec, request)

    async def get(self: NodeRpcs, request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
        return await self.get_node(spec, request)

    async def list_(self: NodeRpcs, request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
        return await self.list_nodes(spec, request)

    return upsert, get, list_


class NodeHandlers(NodeRpcs):
    """The twelve node RPCs, by name."""

    UpsertLearnerNode, GetLearnerNode, ListLearnerNodes = _handlers(LEARNER)
    UpsertSkillNode, GetSkillNode, ListSkillNodes = _handlers(SKILL)
    UpsertContentNode, GetContentNode, ListContentNodes = _handlers(CONTENT)
    UpsertObjectiveNode, GetObjectiveNode, ListObjectiveNodes = _handlers(OBJECTIVE)
