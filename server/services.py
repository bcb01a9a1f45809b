"""The service registry: each service's servicer and background workers, built from the components."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from grpc import aio

from amauta.v1 import (
    analytics_pb2,
    analytics_pb2_grpc,
    catalog_pb2,
    catalog_pb2_grpc,
    graph_pb2,
    graph_pb2_grpc,
    learner_pb2,
    learner_pb2_grpc,
    operations_pb2,
    operations_pb2_grpc,
    simulation_pb2,
    simulation_pb2_grpc,
)
from server.analytics import service as analytics
from server.bootstrap import Components
from server.catalog import service as catalog
from server.graph import service as graph
from server.learner import service as learner
from server.operations import service as operations
from server.simulation import service as simulation


@dataclass(frozen=True)
class ServiceEntry:
    """How to build, register and name one gRPC service."""

    full_name: str
    add: Callable[[object, aio.Server], None]
    build: Callable[[Components], object]
    workers: Callable[[Components], None] | None = None


#: (messages module, stubs module, service name, service package) of every service the node serves.
_SERVICES: tuple[tuple[ModuleType, ModuleType, str, ModuleType], ...] = (
    (catalog_pb2, catalog_pb2_grpc, "CatalogService", catalog),
    (learner_pb2, learner_pb2_grpc, "LearnerService", learner),
    (analytics_pb2, analytics_pb2_grpc, "AnalyticsService", analytics),
    (simulation_pb2, simulation_pb2_grpc, "SimulationService", simulation),
    (graph_pb2, graph_pb2_grpc, "GraphService", graph),
    (operations_pb2, operations_pb2_grpc, "OperationsService", operations),
)


def _adder(module: ModuleType, stubs: ModuleType, name: str) -> Callable[[object, aio.Server], None]:
    """The service package's own registration when it has one (SimulationService's pass-through watch
    serializer), the generated one otherwise."""
    own: Callable[[object, aio.Server], None] | None = getattr(module, "add_to_server", None)
    return own or getattr(stubs, f"add_{name}Servicer_to_server")


def entries() -> list[ServiceEntry]:
    """Every service the node serves."""
    return [ServiceEntry(messages.DESCRIPTOR.services_by_name[name].full_name,
                         _adder(module, stubs, name), module.build, module.workers)
            for messages, stubs, name, module in _SERVICES]


def register_all(server: aio.Server, components: Components) -> list[str]:
    """Add every servicer to server; returns the full service names."""
    names = []
    for entry in entries():
        entry.add(entry.build(components), server)
        names.append(entry.full_name)
    return names


def start_workers(components: Components) -> None:
    """Start the background workers of every service (relays, reapers, sync, schedules)."""
    for entry in entries():
        if entry.workers is not None:
            entry.workers(components)
