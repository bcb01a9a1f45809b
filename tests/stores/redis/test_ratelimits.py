"""A rate limit holds per identity across nodes: three nodes on one Redis share each identity's bucket."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc import aio

from amauta.v1 import catalog_pb2, catalog_pb2_grpc
from server.app import Node
from tests.support import Tokens, sibling_settings, start_node

RATE, BURST, SECONDS = 20.0, 20.0, 3.0


@pytest.fixture(scope="module")
async def three_nodes(node: Node, data_root: Path) -> AsyncIterator[list[Node]]:
    nodes = [await start_node(sibling_settings(node, data_root / f"limit-{i}", data_root / "tokens.json",
                                               rate_limit_rps=RATE, rate_limit_burst=BURST))
             for i in range(3)]
    yield nodes
    for n in nodes:
        await n.stop()


async def test_the_limit_of_one_identity_holds_within_ten_percent_across_three_nodes(
        three_nodes: list[Node], tokens: Tokens) -> None:
    channels = [aio.insecure_channel(f"127.0.0.1:{n.port}") for n in three_nodes]
    stubs = [catalog_pb2_grpc.CatalogServiceStub(ch) for ch in channels]
    ok = limited = 0
    started = time.monotonic()

    async def caller(stub: catalog_pb2_grpc.CatalogServiceStub) -> None:
        nonlocal ok, limited
        while time.monotonic() - started < SECONDS:
            try:
                await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md("node_a"),
                                         timeout=5)
                ok += 1
            except aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, exc
                limited += 1

    try:
        await asyncio.gather(*(caller(stubs[i % 3]) for i in range(6)))  # two callers per node
    finally:
        for ch in channels:
            await ch.close()
    elapsed = time.monotonic() - started
    allowed = BURST + RATE * elapsed
    assert limited > ok, (ok, limited)  # the callers really pushed past the limit
    assert 0.9 * allowed <= ok <= 1.1 * allowed, (ok, allowed, elapsed)
