"""The service registry: every service of the contract is registered once, and the node serves each."""

from __future__ import annotations

import inspect

from google.protobuf import descriptor_pool
from grpc import aio
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from amauta.v1 import analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2, simulation_pb2
from server import services
from server.app import Node
from server.bootstrap import bootstrap

CONTRACT = {s.full_name for f in (catalog_pb2, learner_pb2, analytics_pb2, simulation_pb2, graph_pb2,
                                  operations_pb2) for s in f.DESCRIPTOR.services_by_name.values()}


def test_every_service_of_the_contract_has_one_entry() -> None:
    names = [e.full_name for e in services.entries()]
    assert sorted(names) == sorted(CONTRACT) and len(names) == len(set(names))
    assert all(callable(e.build) and callable(e.add) for e in services.entries())


async def test_the_running_node_serves_every_registered_service(channel: aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def ask() -> reflection_pb2.ServerReflectionResponse:
        async for reply in stub.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")])):
            return reply
        raise AssertionError("no reflection reply")

    served = {s.name for s in (await ask()).list_services_response.service}
    assert CONTRACT <= served


def test_every_servicer_implements_every_method(node: Node) -> None:
    assert node.runtime is not None
    components = bootstrap(node.runtime)
    pool = descriptor_pool.Default()
    for entry in services.entries():
        servicer = entry.build(components)
        generated_base = type(servicer).__mro__[-2]  # the generated *Servicer, just above object
        for method in pool.FindServiceByName(entry.full_name).methods:
            handler = getattr(type(servicer), method.name)
            assert inspect.iscoroutinefunction(handler) or inspect.isasyncgenfunction(handler), method.full_name
            assert handler is not getattr(generated_base, method.name, None), f"{method.full_name} unimplemented"
        assert callable(entry.workers)
