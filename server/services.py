"""The service registry: each service module registers its servicer and background workers here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grpc import aio

from amauta.v1 import (analytics_pb2, analytics_pb2_grpc, catalog_pb2, catalog_pb2_grpc, graph_pb2,
                       graph_pb2_grpc, learner_pb2, learner_pb2_grpc, operations_pb2,
                       operations_pb2_grpc, simulation_pb2)
from server.analytics import service as analytics
from server.catalog import service as catalog
from server.graph import service as graph
from server.learner import service as learner
from server.operations import service as operations
from server.simulation import service as simulation
from server.runtime import Runtime


@dataclass(frozen=True)
class ServiceEntry:
    """How to build, register and name one gRPC service."""

    full_name: str
    add: Callable[[object, aio.Server], None]
    build: Callable[[Runtime], object]
    workers: Callable[[Runtime], None] | None = None


def entries() -> list[ServiceEntry]:
    """Every service the node serves."""
    return [
        ServiceEntry(catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name,
                     catalog_pb2_grpc.add_CatalogServiceServicer_to_server,
                     catalog.build, workers=catalog.workers),
        ServiceEntry(learner_pb2.DESCRIPTOR.services_by_name["LearnerService"].full_name,
                     learner_pb2_grpc.add_LearnerServiceServicer_to_server,
                     learner.build),
        ServiceEntry(analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"].full_name,
                     analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server,
                     analytics.build, workers=analytics.workers),
        ServiceEntry(simulation_pb2.DESCRIPTOR.services_by_name["SimulationService"].full_name,
                     simulation.add_to_server,
                     simulation.build, workers=simulation.start_workers),
        ServiceEntry(graph_pb2.DESCRIPTOR.services_by_name["GraphService"].full_name,
                     graph_pb2_grpc.add_GraphServiceServicer_to_server,
                     graph.build, workers=graph.workers),
        ServiceEntry(operations_pb2.DESCRIPTOR.services_by_name["OperationsService"].full_name,
                     operations_pb2_grpc.add_OperationsServiceServicer_to_server,
                     operations.build, workers=operations.workers),
    ]


def register_all(server: aio.Server, runtime: Runtime) -> list[str]:
    """Add every servicer to server; returns the full service names."""
    names = []
    for entry in entries():
        entry.add(entry.build(runtime), server)
        names.append(entry.full_name)
    return names


def start_workers(runtime: Runtime) -> None:
    """Start the background workers of every service (relays, reapers, sync)."""
    for entry in entries():
        if entry.workers is not None:
            entry.workers(runtime)
