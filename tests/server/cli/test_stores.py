"""`amauta-node stores`: the embedded servers of a data directory without a node, until SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis


def test_the_stores_serve_publish_their_urls_and_stop_on_sigterm(tmp_path: Path) -> None:
    env = {**os.environ, "AMAUTA_DATA_DIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "stores"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        endpoints = tmp_path / "endpoints.json"
        deadline = time.monotonic() + 120
        while not endpoints.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        time.sleep(0.2)  # the file is written in one go; let the writer close it
        urls = json.loads(endpoints.read_text())
        assert set(urls) == {"postgres", "redis", "graph", "clickhouse"} and urls["clickhouse"] == "off"
        assert stat.S_IMODE(endpoints.stat().st_mode) == 0o600
        with psycopg.connect(urls["postgres"]) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert redis.Redis.from_url(urls["redis"]).ping()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0
