"""What the client subcommands share: target flags, the admin token, and a channel to the node."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.app import Node
from server.cli import client
from server.config import Settings


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    client.add_target_args(parser)
    return parser.parse_args(list(argv))


def test_the_token_comes_from_the_flag_or_the_data_directory(tmp_path: Path) -> None:
    (tmp_path / "admin.token").write_text("from-data-dir\n")
    (tmp_path / "other.token").write_text("  from-flag  ")
    settings = Settings(data_dir=tmp_path)
    assert client.metadata(_args(), settings) == (("authorization", "Bearer from-data-dir"),)
    assert client.metadata(_args("--token-file", str(tmp_path / "other.token")), settings) == (
        ("authorization", "Bearer from-flag"),)


async def test_the_channel_dials_the_flag_or_the_configured_address(node: Node) -> None:
    def check(args: argparse.Namespace, settings: Settings) -> int:
        with client.channel(args, settings) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
            return int(reply.status)

    serving = health_pb2.HealthCheckResponse.SERVING
    assert await asyncio.to_thread(check, _args("--address", f"127.0.0.1:{node.port}"), Settings()) == serving
    assert await asyncio.to_thread(check, _args(), Settings(grpc_address=f"127.0.0.1:{node.port}")) == serving
