"""`amauta-node health` in process: exit codes for serving, unknown and unreachable, and its output."""

from __future__ import annotations

import argparse
import asyncio

import pytest

from server.app import Node
from server.cli import health
from server.config import Settings


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    health.add_parser(parser.add_subparsers())
    return parser.parse_args(["health", *argv])


async def test_a_serving_node_exits_0(node: Node, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(grpc_address=f"0.0.0.0:{node.port}")
    assert await asyncio.to_thread(health.run, _args(), settings) == 0
    assert capsys.readouterr().out == "node: SERVING\n"


async def test_an_unknown_service_and_an_unreachable_node_exit_1(node: Node,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    args = _args("--address", f"127.0.0.1:{node.port}", "--service", "no.such.Service")
    assert await asyncio.to_thread(health.run, args, Settings()) == 1
    assert "NOT_FOUND" in capsys.readouterr().err
    gone = _args("--address", "127.0.0.1:1", "--timeout", "1")
    assert await asyncio.to_thread(health.run, gone, Settings()) == 1
    assert "127.0.0.1:1: UNAVAILABLE" in capsys.readouterr().err


def test_unix_addresses_are_dialled_as_given_and_the_version_is_known() -> None:
    assert health.probe_address("unix:/run/amauta.sock") == "unix:/run/amauta.sock"
    assert health.probe_address(":50051") == "127.0.0.1:50051"
    assert health.version() != "unknown"
