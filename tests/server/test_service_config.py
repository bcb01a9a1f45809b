"""deploy/service-config.json: retries exactly the idempotent methods of the contract, and gRPC accepts it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grpc import aio

from amauta.v1 import (
    analytics_pb2,
    catalog_pb2,
    catalog_pb2_grpc,
    graph_pb2,
    learner_pb2,
    operations_pb2,
    simulation_pb2,
)
from server.app import Node
from tests.support import Tokens

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "service-config.json"
#: Methods that only read (a retried server stream restarts from its request: resume tokens are the
#: caller's job once messages have arrived, and gRPC never retries after that).
READ_PREFIXES = ("Get", "List", "Watch", "Export", "Recommend", "Find")
#: Writes that are idempotent without a request_id field: RecordEvent's key is the event id.
KEYED_WRITES = {("amauta.v1.AnalyticsService", "RecordEvent")}


def contract() -> dict[tuple[str, str], Any]:
    methods = {}
    for module in (analytics_pb2, catalog_pb2, graph_pb2, learner_pb2, operations_pb2, simulation_pb2):
        for service in module.DESCRIPTOR.services_by_name.values():
            for m in service.methods:
                methods[(service.full_name, m.name)] = m
    return methods


def configured() -> list[set[tuple[str, str]]]:
    doc = json.loads(CONFIG.read_text())
    assert doc["loadBalancingConfig"] == [{"round_robin": {}}]
    groups = []
    for mc in doc["methodConfig"]:
        assert mc["retryPolicy"]["retryableStatusCodes"] == ["UNAVAILABLE"]
        groups.append({(n["service"], n["method"]) for n in mc["name"]})
    return groups


def test_retried_methods_are_the_reads_and_the_keyed_writes() -> None:
    methods = contract()
    reads, writes = configured()
    assert (reads | writes) <= set(methods), (reads | writes) - set(methods)
    assert reads == {k for k in methods if k[1].startswith(READ_PREFIXES)}
    keyed = {k for k, m in methods.items() if "request_id" in m.input_type.fields_by_name
             and not m.client_streaming and not k[1].startswith(READ_PREFIXES)}
    assert writes == keyed | KEYED_WRITES
    # Client streams are never retried: gRPC would have to buffer the whole upload.
    assert not any(methods[k].client_streaming for k in reads | writes)


async def test_round_robin_channel_with_the_published_config_calls_the_node(node: Node, tokens: Tokens) -> None:
    # gRPC fails every call of a channel whose service config does not validate (INVALID_ARGUMENT).
    target = f"ipv4:127.0.0.1:{node.port},127.0.0.1:{node.port}"
    options = [("grpc.service_config", CONFIG.read_text()), ("grpc.enable_retries", 1)]
    async with aio.insecure_channel(target, options=options) as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        for _ in range(4):
            await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md("admin"), timeout=30)
