"""One owner per data directory: an exclusive lock on a file in it, held while a process uses it.

The lock is what proves that a leftover embedded server is an orphan: only the lock holder may stop
processes that a pid file in the directory names, so a second command can never take a live node's
servers for leftovers.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from pathlib import Path

from stores.errors import PreconditionFailed

LOCK_FILE = "node.lock"


class DataDirInUse(PreconditionFailed):
    """Another live process owns the data directory."""

    reason = "DATA_DIR_IN_USE"

    def __init__(self, data_dir: Path, holder: dict[str, object]) -> None:
        pid = holder.get("pid", "?")
        command = holder.get("command", "?")
        super().__init__(f"data directory {data_dir} is in use by pid {pid} (amauta-node {command});"
                         " stop that process first, or give this one another AMAUTA_DATA_DIR",
                         metadata={"pid": str(pid), "command": str(command)})
        self.pid = pid


class DataDirLock:
    """An flock on data_dir/node.lock; the file records the holder's pid and command for others."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, command: str) -> None:
        """Take the lock at once or raise DataDirInUse naming the holder; idempotent."""
        if self._fd is not None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DataDirInUse(self.data_dir, self.holder()) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "command": command,
                                 "since": round(time.time(), 3)}).encode())
        self._fd = fd

    def holder(self) -> dict[str, object]:
        """What the lock file says about its holder (empty when unreadable)."""
        try:
            value = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return {}
        return value if isinstance(value, dict) else {}

    def release(self) -> None:
        """Drop the lock (closing the descriptor releases the flock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
