"""TokenRegistry follows its file: changes are picked up on the next lookup, reload() (SIGHUP) reads at
once, and a broken file keeps the tokens that were loaded."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from server.app import Node
from server.rpc import auth
from server.rpc.auth import AuthError, Identity, Role, TokenRegistry


def _write(path: Path, *entries: dict[str, str]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"tokens": list(entries)}))
    os.replace(tmp, path)


def test_changes_are_followed_and_a_broken_file_keeps_the_old_tokens(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "CHECK_SECONDS", 0.0)  # look at the file on every lookup
    path = tmp_path / "tokens.json"
    _write(path, {"identity": "n1", "role": "node", "token": "t1"})
    registry = TokenRegistry.from_file(path)
    assert registry.authenticate("Bearer t1") == Identity("n1", Role.NODE)
    _write(path, {"identity": "n2", "role": "node", "token": "t2"})
    with pytest.raises(AuthError):
        registry.authenticate("Bearer t1")
    assert registry.authenticate("Bearer t2") == Identity("n2", Role.NODE)
    path.write_text("{not json")  # an operator's half-finished edit
    assert registry.authenticate("Bearer t2") == Identity("n2", Role.NODE)
    path.unlink()
    assert registry.authenticate("Bearer t2") == Identity("n2", Role.NODE)
    assert registry.reload() is False


def test_reload_reads_at_once_even_between_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "CHECK_SECONDS", 3600.0)  # the periodic check would not look again
    path = tmp_path / "tokens.json"
    _write(path, {"identity": "n1", "role": "node", "token": "t1"})
    registry = TokenRegistry.from_file(path)
    registry.authenticate("Bearer t1")
    _write(path, {"identity": "n1", "role": "analyst", "token": "t1"})
    assert registry.authenticate("Bearer t1").role is Role.NODE
    assert registry.reload() is True
    assert registry.authenticate("Bearer t1").role is Role.ANALYST


def test_node_reload_tokens_reads_the_file_at_once(node: Node, data_root: Path) -> None:
    """What the serve command runs on SIGHUP: the node's registry re-reads its file now."""
    registry = node.registry
    assert registry is not None
    path = data_root / "tokens.json"
    doc = json.loads(path.read_text())
    registry._next_check = time.monotonic() + 3600  # no periodic look at the file during this test
    _write(path, *doc["tokens"], {"identity": "hup", "role": "observer", "token": "hup-token"})
    try:
        with pytest.raises(AuthError):
            registry.authenticate("Bearer hup-token")
        node.reload_tokens()
        assert registry.authenticate("Bearer hup-token") == Identity("hup", Role.OBSERVER)
    finally:
        _write(path, *doc["tokens"])
        registry.reload()
        registry._next_check = 0.0
