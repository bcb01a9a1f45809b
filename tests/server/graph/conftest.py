"""GraphService fixtures: a stub on the session's channel, callers by role, error details, fresh ids."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from google.rpc import error_details_pb2
from grpc import aio
from grpc_status import rpc_status

from amauta.v1 import graph_pb2_grpc
from server.app import Node
from tests.support import Tokens


class Graph:
    """Calls GraphService RPCs as a given role: `await g.Rpc(request, as_="admin")`."""

    def __init__(self, channel: aio.Channel, tokens: Tokens) -> None:
        self.stub = graph_pb2_grpc.GraphServiceStub(channel)
        self.tokens = tokens

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.stub, name)

        async def call(request: Any, as_: str = "admin") -> Any:
            return await method(request, metadata=self.tokens.md(as_), timeout=30)
        return call


@pytest.fixture
def g(channel: aio.Channel, tokens: Tokens) -> Graph:
    """The GraphService stub wrapper."""
    return Graph(channel, tokens)


@pytest.fixture
def ids() -> Callable[[str], str]:
    """Unique string ids per test (the session's graph is shared by every test)."""
    tag = uuid.uuid4().hex[:8]
    return lambda name: f"{name}-{tag}"


def new_uuid() -> str:
    """A fresh content id."""
    return str(uuid.uuid4())


def error_info(err: aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    """The ErrorInfo detail of a failed call."""
    status = rpc_status.from_call(err)
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    raise AssertionError("no ErrorInfo")


def violations(err: aio.AioRpcError) -> set[str]:
    """Field names of the BadRequest detail."""
    status = rpc_status.from_call(err)
    assert status is not None
    out = set()
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out |= {v.field for v in bad.field_violations}
    return out


async def graph_outbox_drained(node: Node, timeout: float = 20.0) -> None:
    """Wait until the node's graph relay has taken every outbox row."""
    assert node.runtime is not None
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with node.runtime.stores.postgres.connection() as conn:
            cur = await conn.execute("SELECT count(*) AS n FROM outbox_pending WHERE consumer = 'graph'")
            pending = (await cur.fetchone())["n"]
        if pending == 0:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{pending} outbox rows still pending for the graph")
        await asyncio.sleep(0.05)
