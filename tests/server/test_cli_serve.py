"""`amauta-node serve` as users run it: cold start, restart with data, crash recovery, auth bootstrap."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import psutil
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from stores.embedded.process import belongs_to
from tests.process import ServeProcess, cleanup
from tests.process import embedded_pids as _embedded_pids


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "data"
    yield path
    cleanup(path)  # never leave servers behind, even on failure


def test_cold_start_generates_admin_token_and_serves(data_dir: Path) -> None:
    node = ServeProcess(data_dir)
    try:
        seconds = node.wait_serving()
        token = data_dir / "admin.token"
        assert token.exists()
        assert stat.S_IMODE(token.stat().st_mode) == 0o600
        with grpc.insecure_channel(f"127.0.0.1:{node.port}") as ch:
            stub = health_pb2_grpc.HealthStub(ch)
            for store in ("postgres", "redis", "graph", "analytics"):
                reply = stub.Check(health_pb2.HealthCheckRequest(service=f"amauta.store.{store}"))
                assert reply.status == health_pb2.HealthCheckResponse.SERVING
        print(f"cold start to SERVING: {seconds:.2f}s")
    finally:
        assert node.stop() == 0
    assert _embedded_pids(data_dir) == set(), "embedded servers survived a clean stop"


def test_data_survives_restart_and_sigkill(data_dir: Path) -> None:
    import psycopg
    import redis

    first = ServeProcess(data_dir)
    first.wait_serving()
    urls = json.loads((data_dir / "endpoints.json").read_text())
    with psycopg.connect(urls["postgres"], autocommit=True) as conn:
        conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES ('persist-1', 't')")
    with redis.Redis.from_url(urls["redis"]) as r:
        r.set("persist:key", "v1")

    first.stop(signal.SIGKILL)
    second = ServeProcess(data_dir)
    try:
        second.wait_serving()
        urls = json.loads((data_dir / "endpoints.json").read_text())
        with psycopg.connect(urls["postgres"], autocommit=True) as conn:
            row = conn.execute(
                "SELECT learner_type FROM learner_profiles WHERE learner_id = 'persist-1'").fetchone()
        assert row == ("t",)
        with redis.Redis.from_url(urls["redis"]) as r:
            assert r.get("persist:key") == b"v1"
        # No stray servers: exactly the new node's Redis and FalkorDB for this directory.
        servers = [p for p in psutil.process_iter(["name"])
                   if p.info["name"] == "redis-server" and belongs_to(p, str(data_dir))]
        assert len(servers) == 2
        assert {p.pid for p in servers} <= {c.pid for c in second.children()}
    finally:
        assert second.stop() == 0
    assert _embedded_pids(data_dir) == set()


def test_refuses_public_bind_without_auth(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
    env.update({"AMAUTA_DATA_DIR": str(tmp_path / "d"), "AMAUTA_GRPC_ADDRESS": "0.0.0.0:0"})
    done = subprocess.run([sys.executable, "-m", "server.cli", "serve", "--insecure-no-auth"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "non-loopback" in done.stderr


def test_only_configured_addresses_listen_beyond_loopback(data_dir: Path) -> None:
    import socket as sock

    with sock.socket() as s:
        s.bind(("127.0.0.1", 0))
        metrics_port = s.getsockname()[1]
    # A public gRPC bind is allowed because authentication is on (an admin token is generated).
    node = ServeProcess(data_dir, {"AMAUTA_METRICS_ADDRESS": f"0.0.0.0:{metrics_port}"}, host="0.0.0.0")
    try:
        node.wait_serving()
        tree = [psutil.Process(node.proc.pid), *node.children()]
        listening = {(c.laddr.ip, c.laddr.port) for p in tree for c in p.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN}
        # gRPC binds 0.0.0.0 as the dual-stack wildcard "::".
        beyond = {("0.0.0.0" if ip == "::" else ip, port) for ip, port in listening
                  if not ip.startswith("127.") and ip != "::1"}
        assert beyond == {("0.0.0.0", node.port), ("0.0.0.0", metrics_port)}, listening
    finally:
        assert node.stop() == 0
