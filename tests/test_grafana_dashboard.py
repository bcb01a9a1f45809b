"""The Grafana dashboard queries only metrics a running node exports, and shows all of them."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from grpc import aio
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import start_http_server
from prometheus_client.parser import text_string_to_metric_families

from stores import metrics

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD: dict[str, Any] = json.loads((ROOT / "deploy/grafana/dashboards/amauta-node.json").read_text())
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def expressions() -> list[str]:
    return [t["expr"] for p in DASHBOARD["panels"] for t in p.get("targets", [])]


def queried_metrics() -> set[str]:
    return {name for expr in expressions() for name in re.findall(r"\b(amauta_[a-z0-9_]+)", expr)}


@pytest.fixture(scope="module")
async def metrics_text(channel: aio.Channel) -> AsyncIterator[str]:
    """/metrics of the session's node, served as AMAUTA_METRICS_ADDRESS serves it, after a few calls."""
    await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
    server, thread = start_http_server(0, addr="127.0.0.1", registry=metrics.REGISTRY)
    try:
        url = f"http://127.0.0.1:{server.server_port}/metrics"
        yield (await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read())).decode()
    finally:
        server.shutdown()
        thread.join(10)


def exported(text: str) -> dict[str, str]:
    """Sample names a query may use → their family, for every amauta_* family on /metrics."""
    names: dict[str, str] = {}
    for family in text_string_to_metric_families(text):
        # X_created (the creation time prometheus-client adds to counters and histograms) is no metric.
        if family.name.startswith("amauta_") and not family.name.endswith("_created"):
            for suffix in SUFFIXES.get(family.type, ("",)):
                names[family.name + suffix] = family.name
    return names


def test_every_queried_metric_is_exported(metrics_text: str) -> None:
    names = exported(metrics_text)
    assert "amauta_rpc_duration_seconds_bucket" in names and "amauta_rpc_total" in names
    unknown = queried_metrics() - set(names)
    assert not unknown, f"the dashboard queries metrics the node does not export: {sorted(unknown)}"


def test_every_exported_metric_is_on_the_dashboard(metrics_text: str) -> None:
    names = exported(metrics_text)
    shown = {names[m] for m in queried_metrics() if m in names}
    assert set(names.values()) - shown == set()


def test_panels_use_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())
    uid = provisioned["datasources"][0]["uid"]
    for panel in DASHBOARD["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == uid, panel["title"]
            assert panel["targets"], panel["title"]
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids))


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) not installed")
def test_every_query_parses(tmp_path: Path) -> None:
    # Grafana's $__rate_interval is not PromQL; any range stands in for it here.
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{i}", "expr": expr.replace("$__rate_interval", "5m")}
        for i, expr in enumerate(expressions())]}]}
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True,
                            check=False, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
