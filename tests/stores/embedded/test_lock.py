"""DataDirLock: one owner per data directory, across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stores.embedded.lock import DataDirInUse, DataDirLock


def test_a_second_process_is_refused_with_the_holders_pid(tmp_path: Path) -> None:
    lock = DataDirLock(tmp_path)
    lock.acquire("serve")
    try:
        probe = ("import sys; from pathlib import Path; from stores.embedded.lock import DataDirLock\n"
                 f"DataDirLock(Path({str(tmp_path)!r})).acquire('migrate')")
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=30)
        assert done.returncode != 0
        assert f"in use by pid {os.getpid()} (amauta-node serve)" in done.stderr
    finally:
        lock.release()
    again = DataDirLock(tmp_path)
    again.acquire("migrate")  # free once released
    assert again.holder()["command"] == "migrate"
    again.release()


def test_the_lock_is_per_open_file_so_a_second_holder_in_one_process_is_refused(tmp_path: Path) -> None:
    first, second = DataDirLock(tmp_path), DataDirLock(tmp_path)
    first.acquire("serve")
    with pytest.raises(DataDirInUse) as refused:
        second.acquire("serve")
    assert refused.value.pid == os.getpid()
    first.acquire("serve")  # idempotent for its holder
    first.release()
    second.acquire("serve")
    second.release()
