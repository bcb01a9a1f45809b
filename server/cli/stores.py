"""`amauta-node stores`: the embedded stores of a data directory without a node, for several nodes.

Nodes on one machine can share these servers (same passwords, same endpoints.json) without any
node's life deciding theirs. ClickHouse is not among them: chdb runs inside one node's process,
so one node embeds the analytics and the others run with AMAUTA_ANALYTICS=off.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

from server.config import Settings
from stores.embedded.lock import DataDirLock
from stores.embedded.stack import EmbeddedStack

log = logging.getLogger("amauta.stores")


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `stores` subcommand."""
    parser = subparsers.add_parser(
        "stores", help="run only the embedded PostgreSQL, Redis and FalkorDB of the data directory")
    parser.set_defaults(func=run)


async def _serve(settings: Settings) -> None:
    lock = DataDirLock(settings.data_dir)
    lock.acquire("stores")
    stack = EmbeddedStack(settings.data_dir, settings.store_start_timeout_seconds)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        urls = {"postgres": stack.start_postgres(), "redis": stack.start_redis(),
                "graph": stack.start_falkordb(), "clickhouse": "off"}
        path = settings.data_dir / "endpoints.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(urls, fh, indent=2)
        await stack.compact()
        print(f"amauta-node: stores serving; URLs in {path}", file=sys.stderr, flush=True)
        compacted = loop.time()
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), settings.health_interval_seconds)
            except TimeoutError:
                pass
            stack.revive()  # a server that died comes back on its port, with its data
            await asyncio.to_thread(stack.revive_postgres)
            if loop.time() - compacted >= settings.aof_compact_seconds:
                compacted = loop.time()
                await stack.compact()
        await asyncio.wait_for(stack.compact(wait=2.0), 3.0)
    finally:
        stack.stop()
        lock.release()


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Serve the stores until SIGTERM or SIGINT."""
    asyncio.run(_serve(settings))
    return 0
