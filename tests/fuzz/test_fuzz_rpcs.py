"""Descriptor-driven fuzzing of every RPC: hostile requests never yield INTERNAL, UNKNOWN or a crash.

AMAUTA_FUZZ_EXAMPLES sets the examples per RPC (CI default 15; `make fuzz` runs 650 per RPC, each
sent as admin and as a node: 104,000 requests in all).
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import grpc
import psutil
import pytest
from google.protobuf import descriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from grpc import aio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from amauta.v1 import analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2, simulation_pb2
from tests.fuzz.strategies import message_strategy
from tests.support import Tokens

FILES = (catalog_pb2, learner_pb2, analytics_pb2, simulation_pb2, graph_pb2, operations_pb2)
METHODS = [m for f in FILES for s in f.DESCRIPTOR.services_by_name.values() for m in s.methods
           if m.name not in ("EraseLearner",)]  # erasure of random ids is valid and slow; tested elsewhere
EXAMPLES = int(os.environ.get("AMAUTA_FUZZ_EXAMPLES", "15"))
FORBIDDEN = (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS)


def _path(method: descriptor.MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


async def _call(channel: aio.Channel, method: descriptor.MethodDescriptor, requests: list[Message],
                md: tuple[tuple[str, str], ...]) -> grpc.StatusCode:
    kwargs: dict[str, Any] = {"request_serializer": lambda m: m.SerializeToString(),
                              "response_deserializer": GetMessageClass(method.output_type).FromString}
    try:
        if method.client_streaming:
            await channel.stream_unary(_path(method), **kwargs)(iter(requests), metadata=md, timeout=20)
        elif method.server_streaming:
            call = channel.unary_stream(_path(method), **kwargs)(requests[0], metadata=md, timeout=20)
            try:
                for _ in range(3):
                    if await asyncio.wait_for(call.read(), 3) is aio.EOF:
                        break
            except TimeoutError:
                pass
            finally:
                call.cancel()
        else:
            await channel.unary_unary(_path(method), **kwargs)(requests[0], metadata=md, timeout=20)
    except aio.AioRpcError as exc:
        return exc.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("method", METHODS, ids=_path)
async def test_hostile_requests_get_clear_statuses(method: descriptor.MethodDescriptor, channel: aio.Channel,
                                                   tokens: Tokens) -> None:
    strategy = st.lists(message_strategy(method.input_type), min_size=1, max_size=3)
    examples: list[list[Message]] = []

    @settings(max_examples=EXAMPLES, suppress_health_check=list(HealthCheck), deadline=None, database=None)
    @given(strategy)
    def collect(requests: list[Message]) -> None:
        examples.append(requests)

    collect()  # hypothesis draws synchronously; the calls then run on the node's loop
    rss_before = psutil.Process().memory_info().rss
    for requests in examples:
        for who in ("admin", "node_a"):
            code = await _call(channel, method, requests, tokens.md(who))
            assert code not in FORBIDDEN, f"{_path(method)} as {who} → {code.name}: {requests[0]!r:.500}"
    growth = psutil.Process().memory_info().rss - rss_before
    assert growth < 256 * 1024 * 1024, f"RSS grew by {growth >> 20} MiB"
