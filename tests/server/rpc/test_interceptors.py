"""The interceptor chain over a real channel: authentication, the role gate, the node rule, undecodable
requests and store errors mapped to statuses with their reasons."""

from __future__ import annotations

import uuid

import grpc
import pytest
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from amauta.v1 import analytics_pb2, analytics_pb2_grpc, catalog_pb2, catalog_pb2_grpc, learner_pb2, learner_pb2_grpc
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
