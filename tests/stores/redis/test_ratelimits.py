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
    await asyncio.gather(*(ch.channel_ready() for ch in channels))
    ok = limited = 0
    first_answer = last_answer = 0.0
    started = time.monotonic()

    async def caller(stub: catalog_pb2_grpc.CatalogServiceStub) -> None:
        nonlocal ok, limited, first_answer, last_answer
        while time.monotonic() - started < SECONDS:
            try:
                await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md("node_a"),
                                         timeout=5)
                ok += 1
            except aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, exc
                limited += 1
            last_answer = time.monotonic() - started
            first_answer = first_answer or last_answer

    try:
        await asyncio.gather(*(caller(stubs[i % 3]) for i in range(6)))  # two callers per node
    finally:
        for ch in channels:
            await ch.close()
    # Tokens were taken no earlier than `started` and no later than the last answer, so at most
    # BURST + RATE * last_answer; the callers kept asking from their first answer to SECONDS, so
    # at least BURST + RATE * (SECONDS - first_answer). Wall-clock windows on a loaded machine
    # vary, which is why the bounds follow what the callers saw rather than the planned SECONDS.
    most = BURST + RATE * last_answer
    least = BURST + RATE * (SECONDS - first_answer)
    assert limited > ok, (ok, limited)  # the callers really pushed past the limit
    # Unshared buckets would let three times the rate through.
    assert 0.9 * least <= ok <= 1.1 * most, (ok, least, most, first_answer, last_answer)
