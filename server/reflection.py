"""Server reflection whose symbol lookup also resolves methods (Service.Method), as grpcurl asks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from google.protobuf import descriptor_pool
from grpc import aio
from grpc_reflection.v1alpha import reflection


class MethodAwarePool:
    """The default descriptor pool, falling back from 'pkg.Service.Method' to its service's file.

    The upb pool of protobuf ≥ 5 finds no method symbols, so `grpcurl describe` of a method failed.
    """

    def __init__(self, pool: descriptor_pool.DescriptorPool | None = None) -> None:
        self._pool = pool or descriptor_pool.Default()

    def FindFileContainingSymbol(self, symbol: str) -> Any:  # noqa: N802 - pool API name
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


def enable(service_names: Sequence[str], server: aio.Server) -> None:
    """Serve reflection for service_names plus the reflection service itself."""
    reflection.enable_server_reflection([*service_names, reflection.SERVICE_NAME], server,
                                        pool=MethodAwarePool())
