"""TLS and mTLS, rate limits, message size caps, metrics and logs without secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import urllib.request
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from amauta.v1 import catalog_pb2, catalog_pb2_grpc, common_pb2
from server.app import Node
from tests.support import Tokens, sibling_settings, start_node


@dataclass
class Pki:
    """A CA, a server certificate for localhost and client certificates."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    rogue_cert: Path
    rogue_key: Path


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _issue(dirpath: Path, name: str, cn: str, ca: tuple[Path, Path], san: str | None = None) -> tuple[Path, Path]:
    key, csr, cert = dirpath / f"{name}.key", dirpath / f"{name}.csr", dirpath / f"{name}.crt"
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", f"/CN={cn}")
    ext = dirpath / f"{name}.ext"
    ext.write_text(f"subjectAltName={san}\n" if san else "basicConstraints=CA:FALSE\n")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
             "-out", str(cert), "-days", "2", "-extfile", str(ext))
    return cert, key


def _ca(dirpath: Path, name: str) -> tuple[Path, Path]:
    key, cert = dirpath / f"{name}.key", dirpath / f"{name}.crt"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
             "-days", "2", "-subj", f"/CN={name}")
    return cert, key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca = _ca(d, "amauta-test-ca")
    rogue_ca = _ca(d, "rogue-ca")
    server = _issue(d, "server", "localhost", ca, san="DNS:localhost,IP:127.0.0.1")
    client = _issue(d, "client", "node-a", ca)
    rogue = _issue(d, "rogue", "node-a", rogue_ca)
    return Pki(ca[0], server[0], server[1], client[0], client[1], rogue[0], rogue[1])


@pytest.fixture(scope="module")
async def tls_node(node: Node, pki: Pki, data_root: Path, tokens: Tokens,
                   tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    settings = sibling_settings(node, tmp_path_factory.mktemp("tls"), data_root / "tokens.json",
                                tls_cert=str(pki.server_cert), tls_key=str(pki.server_key),
                                tls_client_ca=str(pki.ca))
    sibling = await start_node(settings)
    yield sibling
    await sibling.stop()


def _creds(pki: Pki, cert: Path | None, key: Path | None) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=pki.ca.read_bytes(),
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None)


async def _health(channel: aio.Channel) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=5)
    return reply.status


async def test_mtls_client_certificate_maps_to_node_identity(tls_node: Node, pki: Pki) -> None:
    async with aio.secure_channel(f"localhost:{tls_node.port}",
                                  _creds(pki, pki.client_cert, pki.client_key)) as ch:
        assert await _health(ch) == health_pb2.HealthCheckResponse.SERVING
        stub = catalog_pb2_grpc.CatalogServiceStub(ch)
        # Authenticated as node-a without any token: the call passes the auth layer.
        try:
            await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), timeout=5)
        except aio.AioRpcError as exc:
            assert exc.code() not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.UNAVAILABLE)


async def test_plaintext_client_against_tls_server_fails(tls_node: Node) -> None:
    async with aio.insecure_channel(f"localhost:{tls_node.port}") as ch:
        with pytest.raises(aio.AioRpcError) as err:
            await _health(ch)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_client_certificate_from_a_wrong_ca_is_rejected(tls_node: Node, pki: Pki) -> None:
    async with aio.secure_channel(f"localhost:{tls_node.port}",
                                  _creds(pki, pki.rogue_cert, pki.rogue_key)) as ch:
        with pytest.raises(aio.AioRpcError) as err:
            await _health(ch)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_client_without_certificate_is_rejected_by_mtls(tls_node: Node, pki: Pki) -> None:
    async with aio.secure_channel(f"localhost:{tls_node.port}", _creds(pki, None, None)) as ch:
        with pytest.raises(aio.AioRpcError) as err:
            await _health(ch)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.fixture(scope="module")
async def limited_node(node: Node, data_root: Path, tokens: Tokens,
                       tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Node]:
    settings = sibling_settings(node, tmp_path_factory.mktemp("limited"), data_root / "tokens.json",
                                rate_limit_rps=4.0, rate_limit_burst=5.0, max_message_bytes=64 * 1024,
                                metrics_address="127.0.0.1:0")
    sibling = await start_node(settings)
    yield sibling
    await sibling.stop()


async def _call(stub: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens, who: str) -> grpc.StatusCode:
    try:
        await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md(who), timeout=5)
        return grpc.StatusCode.OK
    except aio.AioRpcError as exc:
        return exc.code()


async def test_rate_limit_is_hit_then_recovers(limited_node: Node, tokens: Tokens) -> None:
    async with aio.insecure_channel(f"127.0.0.1:{limited_node.port}") as ch:
        stub = catalog_pb2_grpc.CatalogServiceStub(ch)
        codes = [await _call(stub, tokens, "node_b") for _ in range(15)]
        limited = [c for c in codes if c == grpc.StatusCode.RESOURCE_EXHAUSTED]
        assert 5 <= len(codes) - len(limited) <= 7, codes  # the burst, plus refill while calling
        assert limited, codes
        with pytest.raises(aio.AioRpcError) as err:
            await stub.GetQueueStats(catalog_pb2.GetQueueStatsRequest(), metadata=tokens.md("node_b"))
        status = rpc_status.from_call(err.value)
        assert status is not None
        retry = error_details_pb2.RetryInfo()
        assert any(d.Unpack(retry) for d in status.details)
        assert retry.retry_delay.ToNanoseconds() > 0
        # Admins are exempt; another node has its own bucket.
        assert await _call(stub, tokens, "admin") != grpc.StatusCode.RESOURCE_EXHAUSTED
        assert await _call(stub, tokens, "node_a") != grpc.StatusCode.RESOURCE_EXHAUSTED
        await asyncio.sleep(0.4)  # one token refills in 0.25 s at 4/s
        assert await _call(stub, tokens, "node_b") != grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_oversize_message_is_refused(limited_node: Node, tokens: Tokens) -> None:
    async with aio.insecure_channel(f"127.0.0.1:{limited_node.port}") as ch:
        stub = catalog_pb2_grpc.CatalogServiceStub(ch)
        big = catalog_pb2.GetContentRequest(content_id="x" * (128 * 1024))
        with pytest.raises(aio.AioRpcError) as err:
            await stub.GetContent(big, metadata=tokens.md("admin"), timeout=5)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_metrics_count_rpcs_by_method_and_code(limited_node: Node, tokens: Tokens) -> None:
    async with aio.insecure_channel(f"127.0.0.1:{limited_node.port}") as ch:
        await _health(ch)
        await _call(catalog_pb2_grpc.CatalogServiceStub(ch), tokens, "none")
    url = f"http://127.0.0.1:{limited_node.metrics_port}/metrics"
    text = (await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())).decode()
    assert 'amauta_rpc_total{code="OK",method="/grpc.health.v1.Health/Check"}' in text
    assert 'method="/amauta.v1.CatalogService/GetQueueStats"' in text and 'code="UNAUTHENTICATED"' in text
    assert 'amauta_pool_size{pool="postgres"}' in text
    assert "amauta_rpc_duration_seconds_bucket" in text


async def test_access_log_is_json_without_tokens(channel: aio.Channel, tokens: Tokens,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    from server.logs import JsonFormatter

    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    with caplog.at_level(logging.INFO, logger="amauta.access"):
        for who in ("admin", "none", "malformed", "expired"):
            await _call(stub, tokens, who)
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "amauta.access"]
    assert len(lines) >= 4
    docs = [json.loads(line) for line in lines]
    assert {"rpc_method", "identity", "status", "duration_ms", "request_id"} <= set(docs[0])
    assert any(d["identity"] == "admin" and d["status"] != "UNAUTHENTICATED" for d in docs)
    assert any(d["status"] == "UNAUTHENTICATED" for d in docs)
    blob = "\n".join(lines)
    for secret in (*tokens.by_key.values(), tokens.expired):
        assert secret not in blob


async def test_store_and_learning_metrics_are_recorded(limited_node: Node, tokens: Tokens) -> None:
    from prometheus_client import generate_latest

    from stores import metrics

    text = generate_latest(metrics.REGISTRY).decode()  # the registry this process's nodes share
    assert 'amauta_store_operation_duration_seconds_count{operation="transaction",store="postgres"}' in text
    assert 'amauta_store_operation_duration_seconds_count{operation="query",store="graph"}' in text
    assert 'amauta_outbox_lag_seconds{consumer="analytics"}' in text


async def test_redis_latency_pool_memory_and_queue_gauges_are_exported(limited_node: Node, tokens: Tokens) -> None:
    from prometheus_client import generate_latest

    from stores import metrics

    assert limited_node.runtime is not None
    redis = limited_node.runtime.stores.redis.client
    async with aio.insecure_channel(f"127.0.0.1:{limited_node.port}") as ch:
        await catalog_pb2_grpc.CatalogServiceStub(ch).EnqueueGeneration(catalog_pb2.EnqueueGenerationRequest(
            request_id=f"gauge-{uuid.uuid4().hex[:8]}", type=common_pb2.GENERATION_JOB_TYPE_NEW_CONTENT,
            priority=common_pb2.GENERATION_PRIORITY_LOW), metadata=tokens.md("admin"), timeout=10)
    depth = await redis.llen("generation:queue:low")
    assert depth >= 1
    deadline = asyncio.get_running_loop().time() + 30  # the gauge loop runs every 5 s
    while True:
        text = generate_latest(metrics.REGISTRY).decode()
        memory = metrics.REDIS_MEMORY._value.get()
        if (f'amauta_generation_queue_depth{{priority="low"}} {float(depth)}' in text and memory > 0) \
                or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    assert f'amauta_generation_queue_depth{{priority="low"}} {float(depth)}' in text
    assert metrics.QUEUE_OLDEST_AGE._value.get() >= 0
    assert memory > 0
    assert 'amauta_store_operation_duration_seconds_count{operation="evalsha",store="redis"}' in text
    assert 'amauta_store_operation_duration_seconds_count{operation="pipeline",store="redis"}' in text
    assert 'amauta_pool_utilization{pool="redis"}' in text
