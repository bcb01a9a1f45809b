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
from collections.abc import Callable
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


def _scrape(port: int, until: Callable[[str], bool], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
        if until(text) or time.monotonic() > deadline:
            return text
        time.sleep(0.5)


def test_no_alert_fires_on_a_fresh_idle_node(tmp_path: Path) -> None:
    """A real `amauta-node serve` on an empty data directory, scraped once its monitors ran (before the
    first consistency check) and again after the first scheduled check measured an empty node."""
    promtool = _promtool()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        metrics_port = s.getsockname()[1]
    data_dir = tmp_path / "data"
    node = ServeProcess(data_dir, {"AMAUTA_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
                                   "AMAUTA_HEALTH_INTERVAL_SECONDS": "0.5",
                                   "AMAUTA_CONSISTENCY_INTERVAL_SECONDS": "5"})
    try:
        node.wait_serving()
        monitored = lambda t: ("amauta_redis_used_memory_bytes " in t  # noqa: E731
                               and 'amauta_store_up{store="graph"}' in t and "amauta_generation_queue_depth{" in t)
        scrapes = [_scrape(metrics_port, monitored)]
        scrapes.append(_scrape(metrics_port, lambda t: "amauta_consistency_findings{" in t))
    finally:
        assert node.stop() == 0
        cleanup(data_dir)
    for text in scrapes:
        assert monitored(text), text[-2000:]
        assert "amauta_content_quality_recent NaN" in text  # unmeasured, then nothing validated
    assert "amauta_consistency_findings{" not in scrapes[0] and "amauta_consistency_findings{" in scrapes[1]
    names = re.findall(r"^\s*- alert: (\w+)", (DEPLOY / "alerts.yml").read_text(), re.MULTILINE)
    assert len(names) >= 8
    checks = [{"eval_time": f"{m}m", "alertname": name, "exp_alerts": []} for name in names for m in (1, 30, 90)]
    case = {"rule_files": [str(DEPLOY / "alerts.yml")], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": _series(text), "alert_rule_test": checks}
                      for text in scrapes]}
    (tmp_path / "fresh.test.yml").write_text(json.dumps(case))  # JSON is YAML
    out = subprocess.run([promtool, "test", "rules", str(tmp_path / "fresh.test.yml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
