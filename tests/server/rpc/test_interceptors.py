"""The interceptor chain over a real channel: authentication, the role gate, the node rule, undecodable
requests and store errors mapped to statuses with their reasons."""

from __future__ import annotations

import asyncio
import json
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from amauta.v1 import (
    analytics_pb2,
    analytics_pb2_grpc,
    catalog_pb2,
    catalog_pb2_grpc,
    learner_pb2,
    learner_pb2_grpc,
    simulation_pb2,
)
from server.rpc.auth import TokenRegistry
from server.rpc.interceptors import CallInterceptor
from server.rpc.ratelimit import RateLimiter
from tests.server.catalog.support import details
from tests.support import Tokens

GET_DATASET = "/amauta.v1.CatalogService/GetDataset"


async def _fails(call: object, code: grpc.StatusCode) -> tuple[str, dict[str, str], list[str]]:
    with pytest.raises(aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return details(caught.value)


@pytest.mark.parametrize("who", ["none", "malformed", "expired"])
async def test_calls_without_a_valid_token_are_unauthenticated(channel: aio.Channel, tokens: Tokens, who: str) -> None:
    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    reason, _, _ = await _fails(stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=str(uuid.uuid4())),
                                                metadata=tokens.md(who)), grpc.StatusCode.UNAUTHENTICATED)
    assert reason == "UNAUTHENTICATED"


async def test_health_needs_no_token(channel: aio.Channel) -> None:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_a_role_outside_the_policy_is_denied_before_the_handler(channel: aio.Channel, tokens: Tokens) -> None:
    stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
    reason, _, _ = await _fails(stub.ReconcileAnalytics(analytics_pb2.ReconcileAnalyticsRequest(),
                                                        metadata=tokens.md("observer")),
                                grpc.StatusCode.PERMISSION_DENIED)
    assert reason == "ROLE_NOT_ALLOWED"


async def test_a_node_naming_another_learner_is_denied_before_any_lookup(channel: aio.Channel,
                                                                          tokens: Tokens) -> None:
    stub = learner_pb2_grpc.LearnerServiceStub(channel)
    reason, _, _ = await _fails(stub.GetLearnerProfile(learner_pb2.GetLearnerProfileRequest(learner_id="node-b"),
                                                       metadata=tokens.md("node_a")),
                                grpc.StatusCode.PERMISSION_DENIED)
    assert reason == "NOT_OWN_LEARNER"


async def test_undecodable_bytes_are_an_invalid_request_not_unknown(channel: aio.Channel, tokens: Tokens) -> None:
    raw = channel.unary_unary(GET_DATASET, request_serializer=None, response_deserializer=None)
    reason, _, fields = await _fails(raw(b"\x0a\xff\xff\xff\xff\x0f", metadata=tokens.md("admin")),
                                     grpc.StatusCode.INVALID_ARGUMENT)
    assert (reason, fields) == ("INVALID_ARGUMENT", ["request"])


async def test_a_store_error_reaches_the_caller_with_its_reason(channel: aio.Channel, tokens: Tokens) -> None:
    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    missing = str(uuid.uuid4())
    reason, meta, _ = await _fails(stub.GetDataset(catalog_pb2.GetDatasetRequest(dataset_id=missing),
                                                   metadata=tokens.md("admin")), grpc.StatusCode.NOT_FOUND)
    assert (reason, meta) == ("DATASET_NOT_FOUND", {"resource": "dataset", "id": missing})


WATCH = "/amauta.v1.SimulationService/WatchSimulation"


def _tokens_file(path: Path, tokens: list[str]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"tokens": [{"identity": f"caller-{t[:4]}", "role": "admin", "token": t}
                                          for t in tokens]}))
    tmp.replace(path)


def _token_watches() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "token-watch" and not t.done()]


async def test_one_task_watches_every_streams_token_and_ends_only_the_revoked_ones(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    kept, revoked = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    _tokens_file(path, [kept, revoked])

    async def ticks(request: simulation_pb2.WatchSimulationRequest,
                    context: aio.ServicerContext[Any, Any]) -> AsyncIterator[bytes]:
        while True:
            yield b""
            await asyncio.sleep(0.02)

    handler = grpc.unary_stream_rpc_method_handler(
        ticks, request_deserializer=simulation_pb2.WatchSimulationRequest.FromString)
    server = aio.server(interceptors=[CallInterceptor(TokenRegistry.from_file(path), RateLimiter(0, 0),
                                                      recheck_seconds=0.1)])
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
        "amauta.v1.SimulationService", {"WatchSimulation": handler})])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        async with aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            watch = channel.unary_stream(WATCH, request_serializer=simulation_pb2.WatchSimulationRequest.SerializeToString)
            request = simulation_pb2.WatchSimulationRequest(simulation_id=str(uuid.uuid4()))
            calls = {name: watch(request, metadata=(("authorization", f"Bearer {token}"),))
                     for name, token in (("kept", kept), ("revoked-1", revoked), ("revoked-2", revoked))}
            for call in calls.values():
                assert await asyncio.wait_for(call.read(), 10) == b""
            assert len(_token_watches()) == 1  # one timer for three streams

            _tokens_file(path, [kept])
            for name in ("revoked-1", "revoked-2"):
                with pytest.raises(aio.AioRpcError) as ended:
                    while await asyncio.wait_for(calls[name].read(), 10) is not aio.EOF:
                        pass
                assert ended.value.code() == grpc.StatusCode.UNAUTHENTICATED
                assert details(ended.value)[0] == "CREDENTIALS_REVOKED"
            for _ in range(10):  # the stream whose token stays keeps flowing past several rechecks
                assert await asyncio.wait_for(calls["kept"].read(), 10) == b""
            assert len(_token_watches()) == 1

            calls["kept"].cancel()
            deadline = asyncio.get_running_loop().time() + 10
            while _token_watches() and asyncio.get_running_loop().time() < deadline:
                await asyncio.sleep(0.05)
            assert _token_watches() == []  # no timer outlives the last stream
    finally:
        await server.stop(None)
