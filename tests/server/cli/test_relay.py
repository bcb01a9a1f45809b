"""`amauta-node relay` in process: one batch or a drain against configured stores, and bad arguments."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from server.app import Node
from server.cli import relay
from server.config import Settings


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    relay.add_parser(parser.add_subparsers())
    return parser.parse_args(["relay", *argv])


def test_a_batch_size_below_one_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert relay.run(_args("--batch-size", "0"), Settings()) == 2
    assert "--batch-size must be positive" in capsys.readouterr().err


def test_once_and_drain_exclude_each_other() -> None:
    with pytest.raises(SystemExit):
        _args("--once", "--drain")


@pytest.mark.parametrize("mode", ["--once", "--drain"])
async def test_a_bounded_run_reports_ready_then_what_it_delivered(node: Node, tmp_path: Path, mode: str,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert node.runtime is not None
    settings = Settings(data_dir=tmp_path, postgres_url=node.runtime.settings.postgres_url,
                        clickhouse_url=f"chdb://{node.embedded.chdb_path()}")
    assert await asyncio.to_thread(relay.run, _args(mode), settings) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == {"ready": True, "consumer": "analytics"}
    assert list(lines[-1]) == ["delivered"] and lines[-1]["delivered"] >= 0
