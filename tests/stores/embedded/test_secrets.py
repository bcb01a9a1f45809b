"""Generated passwords: created once per name, kept across calls, in a file only the owner reads."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from stores.embedded.secrets import load_or_create


def test_a_password_is_created_once_and_kept(tmp_path: Path) -> None:
    first = load_or_create(tmp_path, "redis")
    assert len(first) >= 24 and load_or_create(tmp_path, "redis") == first
    other = load_or_create(tmp_path, "postgres")
    assert other != first
    assert json.loads((tmp_path / "secrets.json").read_text()) == {"redis": first, "postgres": other}


def test_the_file_is_private(tmp_path: Path) -> None:
    load_or_create(tmp_path, "redis")
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
