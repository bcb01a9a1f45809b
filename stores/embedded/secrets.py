"""Generated passwords of the embedded servers, kept in one 0600 file in the data directory."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path


def load_or_create(data_dir: Path, name: str) -> str:
    """Return the password stored under name, creating and persisting it on first use."""
    path = data_dir / "secrets.json"
    values: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if name not in values:
        values[name] = secrets.token_urlsafe(24)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(values, fh)
    return values[name]
