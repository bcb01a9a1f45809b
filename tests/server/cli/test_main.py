"""The amauta-node command line itself: --version, its help, and the health probe of containers."""

from __future__ import annotations

import asyncio
import os
import sys
from importlib import metadata

from amauta.v1 import catalog_pb2
from server.app import Node
from server.cli.content_import import error_lines
from server.cli.health import probe_address


async def cli(*args: str, **env: str) -> tuple[int, str, str]:
    """Run `python -m server.cli ARGS` without blocking the loop that serves the session's node."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", *args, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_version_is_the_installed_distributions() -> None:
    code, out, _ = await cli("--version")
    assert code == 0
    assert out.strip() == f"amauta-node {metadata.version('amauta-node')}"


async def test_help_lists_every_command_in_plain_words() -> None:
    code, out, _ = await cli("--help")
    assert code == 0
    assert "PLUGINS" not in out and "{serve" not in out
    for command in ("serve", "migrate", "import", "check", "relay", "reconcile-analytics", "health"):
        assert f"\n    {command}" in out, command


async def test_health_probe_of_the_running_node(node: Node) -> None:
    code, out, _ = await cli("health", AMAUTA_GRPC_ADDRESS=f"0.0.0.0:{node.port}")
    assert (code, out.strip()) == (0, "node: SERVING")
    code, out, _ = await cli("health", "--service", "amauta.store.postgres",
                             "--address", f"127.0.0.1:{node.port}")
    assert (code, out.strip()) == (0, "amauta.store.postgres: SERVING")
    code, _, err = await cli("health", "--service", "no.such.Service", "--address", f"127.0.0.1:{node.port}")
    assert code == 1 and "NOT_FOUND" in err


async def test_health_probe_of_nothing_fails() -> None:
    code, _, err = await cli("health", "--address", "127.0.0.1:1", "--timeout", "2")
    assert code == 1 and "UNAVAILABLE" in err


def test_probe_address_dials_loopback_for_wildcards() -> None:
    assert probe_address("0.0.0.0:50051") == "127.0.0.1:50051"
    assert probe_address("[::]:50051") == "[::1]:50051"
    assert probe_address("10.0.0.5:7000") == "10.0.0.5:7000"


def test_import_error_lines_in_input_order_without_repeated_fields() -> None:
    rejected = [catalog_pb2.ImportError(index=2, field="title", message="title: at most 255 characters"),
                catalog_pb2.ImportError(index=0, field="tags", message="at most 50 tags")]
    assert error_lines([(4, "not JSON")], rejected, sent_lines=[2, 3, 9]) == [
        "line 2: tags: at most 50 tags", "line 4: not JSON", "line 9: title: at most 255 characters"]
