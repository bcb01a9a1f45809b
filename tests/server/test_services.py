"""server/services.py: the registry names every amauta.v1 service once, each with a complete servicer."""

from __future__ import annotations

import inspect

from amauta.v1 import (analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2,
                       simulation_pb2)
from google.protobuf import descriptor_pool

from server import services
from server.app import Node
from server.bootstrap import bootstrap


def _contract_services() -> set[str]:
    pool = descriptor_pool.Default()
    names = set()
    for module in (analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2, simulation_pb2):
        names |= {s.full_name for s in pool.FindFileByName(module.DESCRIPTOR.name).services_by_name.values()}
    return names


def test_every_contract_service_is_registered_once() -> None:
    names = [e.full_name for e in services.entries()]
    assert len(names) == len(set(names))
    assert set(names) == _contract_services()


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
