"""Server reflection v1 beside v1alpha: the same answers under the package v1 clients ask for."""

from __future__ import annotations

from collections.abc import AsyncIterator

from google.protobuf import descriptor_pb2
from grpc import aio
from grpc_reflection.v1alpha import reflection_pb2

from server.rpc.reflection import V1_SERVICE_NAME
from tests.server.test_app import SERVICES


async def ask(channel: aio.Channel, package: str,
              request: reflection_pb2.ServerReflectionRequest) -> reflection_pb2.ServerReflectionResponse:
    """One request on /<package>.ServerReflection/ServerReflectionInfo (v1 and v1alpha share the wire form)."""
    call = channel.stream_stream(
        f"/{package}.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)

    async def one() -> AsyncIterator[reflection_pb2.ServerReflectionRequest]:
        yield request

    replies = [reply async for reply in call(one())]
    assert len(replies) == 1
    return replies[0]


async def test_v1_and_v1alpha_list_the_same_services(channel: aio.Channel) -> None:
    request = reflection_pb2.ServerReflectionRequest(list_services="*")
    v1 = await ask(channel, "grpc.reflection.v1", request)
    v1alpha = await ask(channel, "grpc.reflection.v1alpha", request)
    names = {s.name for s in v1.list_services_response.service}
    assert names == {s.name for s in v1alpha.list_services_response.service}
    assert SERVICES | {V1_SERVICE_NAME, "grpc.reflection.v1alpha.ServerReflection",
                       "grpc.health.v1.Health"} <= names


async def test_v1_resolves_a_method_and_its_own_descriptor(channel: aio.Channel) -> None:
    for symbol, expected_file in [("amauta.v1.CatalogService.GetContent", "amauta/v1/catalog.proto"),
                                  (V1_SERVICE_NAME, "grpc/reflection/v1/reflection.proto")]:
        reply = await ask(channel, "grpc.reflection.v1",
                          reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol))
        assert not reply.HasField("error_response"), (symbol, reply.error_response)
        files = [descriptor_pb2.FileDescriptorProto.FromString(raw)
                 for raw in reply.file_descriptor_response.file_descriptor_proto]
        assert files[0].name == expected_file
    own = files[0]
    assert own.package == "grpc.reflection.v1"
    assert own.service[0].method[0].input_type == ".grpc.reflection.v1.ServerReflectionRequest"


async def test_v1_unknown_symbol_is_not_found(channel: aio.Channel) -> None:
    reply = await ask(channel, "grpc.reflection.v1",
                      reflection_pb2.ServerReflectionRequest(file_containing_symbol="no.such.Thing"))
    assert reply.error_response.error_code == 5  # NOT_FOUND
