"""`amauta-node reconcile-analytics` in process: through a running node, with bad months refused."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from server.app import Node
from server.cli import reconcile
from server.config import Settings
from tests.support import Tokens


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    reconcile.add_parser(parser.add_subparsers())
    return parser.parse_args(["reconcile-analytics", *argv])


async def test_an_empty_past_range_is_in_sync_through_the_node(node: Node, tokens: Tokens, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    token = tmp_path / "admin.token"
    token.write_text(tokens.by_key["admin"])
    args = _args("--start", "199001", "--end", "199002", "--json", "--address", f"127.0.0.1:{node.port}",
                 "--token-file", str(token))
    assert await asyncio.to_thread(reconcile.run, args, Settings()) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["month"], r["in_sync"], r["source_count"]) for r in rows] == [(199001, True, 0), (199002, True, 0)]


async def test_a_bad_month_exits_2_naming_the_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert await asyncio.to_thread(reconcile.run, _args("--start", "202513"), Settings()) == 2
    assert "start_month" in capsys.readouterr().err


async def test_a_refused_call_exits_2(node: Node, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = tmp_path / "bad.token"
    token.write_text("nope")
    args = _args("--start", "199001", "--end", "199001", "--address", f"127.0.0.1:{node.port}",
                 "--token-file", str(token))
    assert await asyncio.to_thread(reconcile.run, args, Settings()) == 2
    assert "UNAUTHENTICATED" in capsys.readouterr().err
