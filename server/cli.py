"""The amauta-node command: serve, migrate, and the subcommands of PLUGINS."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import logging
import os
import signal
import sys
import time

from server import logs
from server.config import Settings

log = logging.getLogger("amauta.node")


async def _serve(settings: Settings, auth_disabled: bool) -> None:
    from server.node import Node

    started = time.perf_counter()
    node = Node(settings, auth_disabled=auth_disabled)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, node.reload_tokens)
    try:
        await node.start()
    except BaseException:
        node.embedded.stop()
        raise
    log.info("serving", extra={"address": settings.grpc_address, "port": node.port,
                               "startup_seconds": round(time.perf_counter() - started, 3)})
    if node.admin_token_path is not None:
        print(f"amauta-node: admin token in {node.admin_token_path}", file=sys.stderr, flush=True)
    print(f"amauta-node: serving on {settings.grpc_address}", file=sys.stderr, flush=True)
    await stop.wait()
    log.info("draining")
    await node.stop()
    log.info("stopped")


async def _migrate(settings: Settings) -> None:
    from server.node import Node

    node = Node(settings)
    try:
        await node.open_stores()
        for store, names in node.migrations.applied.items():
            print(f"{store}: {', '.join(names) if names else 'up to date'}")
    finally:
        await node.close_stores()


#: Modules adding subcommands: each defines `add_parser(subparsers)` and sets `func(args, settings)`.
PLUGINS = ("server.cli_import", "server.cli_reconcile", "server.cli_check", "server.cli_relay")


def _plugins(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name in PLUGINS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).add_parser(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the amauta-node console script."""
    parser = argparse.ArgumentParser(prog="amauta-node", description=__doc__)
    parser.add_argument("--log-level", default=os.environ.get("AMAUTA_LOG_LEVEL", "INFO"))
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the node (embedded stores for unset URLs)")
    serve.add_argument("--insecure-no-auth", action="store_true",
                       help="accept calls without a token (loopback addresses only)")
    sub.add_parser("migrate", help="apply pending migrations to every store and exit")
    _plugins(sub)
    args = parser.parse_args(argv)
    logs.configure(args.log_level)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(Settings.from_env().data_dir.resolve()))
    settings = Settings.from_env()
    if args.command == "serve":
        asyncio.run(_serve(settings, args.insecure_no_auth))
    elif args.command == "migrate":
        asyncio.run(_migrate(settings))
    else:
        return int(args.func(args, settings) or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
