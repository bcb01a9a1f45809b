"""Server reflection, v1 and v1alpha, whose symbol lookup also resolves methods (Service.Method)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc import aio
from grpc_reflection.v1alpha import reflection, reflection_pb2, reflection_pb2_grpc

#: grpcio-reflection ships only v1alpha; v1 has the same messages and field numbers in another package.
V1_PACKAGE = "grpc.reflection.v1"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
_V1_FILE = "grpc/reflection/v1/reflection.proto"


class MethodAwarePool:
    """The default descriptor pool, falling back from 'pkg.Service.Method' to its service's file.

    The upb pool of protobuf ≥ 5 finds no method symbols, so `grpcurl describe` of a method failed.
    """

    def __init__(self, pool: descriptor_pool.DescriptorPool | None = None) -> None:
        self._pool = pool or descriptor_pool.Default()

    def FindFileContainingSymbol(self, symbol: str) -> Any:
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            parent, _, method = symbol.rpartition(".")
            if not parent:
                raise
            service = self._pool.FindServiceByName(parent)  # KeyError when not a service either
            if method not in service.methods_by_name:
                raise
            return service.file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def _register_v1_descriptor(pool: descriptor_pool.DescriptorPool) -> None:
    """Add grpc/reflection/v1/reflection.proto, derived from v1alpha, so v1 clients can describe it."""
    try:
        pool.FindFileByName(_V1_FILE)
        return
    except KeyError:
        pass
    proto = descriptor_pb2.FileDescriptorProto()
    reflection_pb2.DESCRIPTOR.CopyToProto(proto)
    old_prefix = f".{proto.package}."
    proto.name, proto.package = _V1_FILE, V1_PACKAGE
    for message in proto.message_type:
        for fld in message.field:
            if fld.type_name.startswith(old_prefix):
                fld.type_name = f".{V1_PACKAGE}." + fld.type_name[len(old_prefix):]
    for method in proto.service[0].method:
        method.input_type = f".{V1_PACKAGE}." + method.input_type[len(old_prefix):]
        method.output_type = f".{V1_PACKAGE}." + method.output_type[len(old_prefix):]
    pool.Add(proto)


def enable(service_names: Sequence[str], server: aio.Server) -> None:
    """Serve reflection (v1 and v1alpha) for service_names plus the reflection services themselves."""
    pool = descriptor_pool.Default()
    _register_v1_descriptor(pool)
    names = [*service_names, reflection.SERVICE_NAME, V1_SERVICE_NAME]
    servicer = reflection.aio.ReflectionServicer(names, pool=MethodAwarePool(pool))
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(servicer, server)
    # Identical wire format: the v1alpha messages (de)serialise v1 requests and responses unchanged.
    v1 = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(V1_SERVICE_NAME, {"ServerReflectionInfo": v1}),))
