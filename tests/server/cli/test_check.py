"""`amauta-node check` in process against the session's node: table, JSON, exit codes."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

import pytest

from amauta.v1 import operations_pb2
from server.app import Node
from server.cli import check
from server.config import Settings
from tests.support import Tokens


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    check.add_parser(parser.add_subparsers())
    return parser.parse_args(["check", *argv])


@pytest.fixture
def token_file(tmp_path: Path, tokens: Tokens) -> Path:
    path = tmp_path / "admin.token"
    path.write_text(tokens.by_key["admin"])
    return path


async def test_one_rule_as_json(node: Node, token_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args("--rule", "content_validation", "--json", "--address", f"127.0.0.1:{node.port}",
                 "--token-file", str(token_file))
    code = await asyncio.to_thread(check.run, args, Settings())
    doc = json.loads(capsys.readouterr().out)
    assert [r["rule"] for r in doc["reports"]] == ["CONSISTENCY_RULE_CONTENT_VALIDATION"]
    assert code == (1 if doc["reports"][0]["status"] in ("CONSISTENCY_CHECK_STATUS_FINDINGS",
                                                         "CONSISTENCY_CHECK_STATUS_ERROR") else 0)


async def test_an_unreachable_node_or_a_bad_token_exits_2(node: Node, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.token"
    bad.write_text("not-a-token")
    args = _args("--address", f"127.0.0.1:{node.port}", "--token-file", str(bad))
    assert await asyncio.to_thread(check.run, args, Settings()) == 2
    assert "UNAUTHENTICATED" in capsys.readouterr().err
    missing = _args("--address", f"127.0.0.1:{node.port}", "--token-file", str(tmp_path / "absent"))
    assert await asyncio.to_thread(check.run, missing, Settings()) == 2


def test_the_table_shows_each_rule_its_findings_and_errors() -> None:
    reply = operations_pb2.RunConsistencyChecksResponse(reports=[operations_pb2.ConsistencyRuleReport(
        rule=operations_pb2.CONSISTENCY_RULE_SESSION_INTEGRITY,
        status=operations_pb2.CONSISTENCY_CHECK_STATUS_FINDINGS,
        finding_count=2, repair_count=0, duration_ms=5, error_message="partly down",
        findings=[operations_pb2.ConsistencyFinding(kind="orphan", count=2, example_ids=["a", "b"],
                                                    repair_action="end it")])])
    lines = check.table(reply).splitlines()
    assert lines[0].split() == ["rule", "status", "findings", "repaired", "ms"]
    assert lines[1].split() == ["session_integrity", "findings", "2", "0", "5"]
    assert lines[2:] == ["    error: partly down", "    orphan: 2 (repaired 0) - end it", "      e.g. a, b"]
