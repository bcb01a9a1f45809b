"""The Prometheus alert rules pass their promtool unit tests (CI installs promtool)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

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
