"""The Prometheus alert rules pass their promtool unit tests (CI installs promtool)."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.process import ServeProcess, cleanup

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing in CI (.ci/run installs the Debian package prometheus)")
        pytest.skip("promtool not installed (Debian package prometheus)")
    return found


def test_rules_are_valid() -> None:
    out = subprocess.run([_promtool(), "check", "rules", str(DEPLOY / "alerts.yml")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_rules_pass_their_unit_tests() -> None:
    out = subprocess.run([_promtool(), "test", "rules", "alerts.test.yml"], cwd=DEPLOY,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout + out.stderr


def _series(text: str) -> list[dict[str, str]]:
    """Every sample of a scrape as a promtool input series, constant for two hours."""
    from prometheus_client.parser import text_string_to_metric_families

    out = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
            # promtool's "NxK" expansion does not lex after NaN; spell NaN out.
            values = " ".join(["NaN"] * 121) if math.isnan(sample.value) else f"{float(sample.value)!r}x120"
            out.append({"series": f"{sample.name}{{{labels}}}", "values": values})
    return out


def test_no_alert_fires_on_a_fresh_idle_node(tmp_path: Path) -> None:
    """A real `amauta-node serve` on an empty data directory, scraped after its monitors ran."""
    promtool = _promtool()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        metrics_port = s.getsockname()[1]
    data_dir = tmp_path / "data"
    node = ServeProcess(data_dir, {"AMAUTA_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
                                   "AMAUTA_HEALTH_INTERVAL_SECONDS": "0.5"})
    try:
        node.wait_serving()
        deadline = time.monotonic() + 60
        while True:  # until the monitors have set the gauges they own
            text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
            if ("amauta_redis_used_memory_bytes " in text and 'amauta_store_up{store="graph"}' in text
                    and "amauta_generation_queue_depth{" in text) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        assert node.stop() == 0
        cleanup(data_dir)
    assert 'amauta_redis_used_memory_bytes ' in text and "amauta_generation_queue_depth{" in text
    assert "amauta_content_quality_recent NaN" in text
    names = re.findall(r"^\s*- alert: (\w+)", (DEPLOY / "alerts.yml").read_text(), re.MULTILINE)
    assert len(names) >= 8
    checks = [{"eval_time": f"{m}m", "alertname": name, "exp_alerts": []} for name in names for m in (1, 30, 90)]
    case = {"rule_files": [str(DEPLOY / "alerts.yml")], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": _series(text), "alert_rule_test": checks}]}
    (tmp_path / "fresh.test.yml").write_text(json.dumps(case))  # JSON is YAML
    out = subprocess.run([promtool, "test", "rules", str(tmp_path / "fresh.test.yml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
