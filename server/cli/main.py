"""The amauta-node command line: the node itself (serve, migrate) and the operator tools that call it."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING

from server import logs
from server.cli import health as cli_health
from server.config import Settings
from stores.errors import StoreError

if TYPE_CHECKING:
    from stores.embedded.stack import EmbeddedStack

log = logging.getLogger("amauta.node")


async def _serve(settings: Settings, auth_disabled: bool) -> list[str]:
    """Run the node until SIGTERM or SIGINT; returns the background tasks its stop left behind."""
    from server.app import Node

    started = time.perf_counter()
    node = Node(settings, auth_disabled=auth_disabled)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, node.reload_tokens)
    starting = asyncio.create_task(node.start())
    await asyncio.wait([starting, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
    if not starting.done():  # a signal during a long store load: stop instead of waiting for it
        log.info("stopped while starting")
        starting.cancel()
        await asyncio.gather(starting, return_exceptions=True)
        return node.left_behind
    starting.result()
    # What start built (modules, stores, servicers) lives as long as the process: frozen, it is out
    # of every full collection, whose pauses under watch fan-out were the latency tail. Thousands of
    # streams keep many objects alive, so the default thresholds (a young collection every 700
    # allocations) spent about half the CPU of fan-out at 1,000 watchers in the collector.
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 20, 10)
    log.info("serving", extra={"address": settings.grpc_address, "port": node.port,
                               "startup_seconds": round(time.perf_counter() - started, 3)})
    if node.admin_token_path is not None:
        print(f"amauta-node: admin token in {node.admin_token_path}", file=sys.stderr, flush=True)
    print(f"amauta-node: serving on {settings.grpc_address}", file=sys.stderr, flush=True)
    await stop.wait()
    log.info("draining")
    watchdog = _stop_watchdog(settings.grace_seconds + _STOP_MARGIN_SECONDS, node.embedded)
    try:
        await node.stop()
    finally:
        watchdog.cancel()
    log.info("stopped", extra={"left_behind": node.left_behind})
    # The collector as it was before the loop ends: the node's objects must be collected with it,
    # not left frozen for the interpreter's exit.
    gc.unfreeze()
    gc.set_threshold(*thresholds)
    # Only names leave the event loop: a gRPC server outliving its loop crashes the interpreter at exit.
    return node.left_behind


#: Seconds past the grace period after which a stop that still has not ended is forced.
_STOP_MARGIN_SECONDS = 8.0


def _stop_watchdog(seconds: float, embedded: EmbeddedStack) -> threading.Timer:
    """Last resort behind the bounded stop: if the process is still here after seconds, stop the
    embedded servers and exit, so SIGTERM always ends the node and leaves no child behind.

    It holds the embedded stack only: a reference to the node would keep its gRPC server alive
    past the event loop, which crashes the interpreter at exit.
    """
    def fire() -> None:
        log.error("stop did not finish in %.0fs; exiting now", seconds)
        embedded.stop()
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


async def _migrate(settings: Settings) -> None:
    from server.app import Node

    node = Node(settings)
    try:
        await node.open_stores("migrate")
        for store, names in node.migrations.applied.items():
            print(f"{store}: {', '.join(names) if names else 'up to date'}")
    finally:
        await node.close_stores()


def _exit_after(left_behind: list[str]) -> int:
    """Exit status of serve; a worker thread or task still running after the stop must not hold
    the interpreter at exit (asyncio and the thread pool would wait for it forever)."""
    if left_behind:
        logging.shutdown()
        os._exit(0)
    return 0


#: Modules adding subcommands: each defines `add_parser(subparsers)` and sets `func(args, settings)`.
PLUGINS = ("server.cli.content_import", "server.cli.reconcile", "server.cli.check", "server.cli.relay",
           "server.cli.stores", "server.cli.health")
DESCRIPTION = "The Amauta Node data service: run the node, migrate its stores, or call a running node."
EPILOG = ("Settings come from AMAUTA_* environment variables (see the README); a store whose URL is "
          "unset runs embedded under AMAUTA_DATA_DIR. `amauta-node COMMAND --help` describes a command.")


def _plugins(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    for name in PLUGINS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).add_parser(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the amauta-node console script."""
    parser = argparse.ArgumentParser(prog="amauta-node", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"%(prog)s {cli_health.version()}")
    parser.add_argument("--log-level", default=os.environ.get("AMAUTA_LOG_LEVEL", "INFO"),
                        help="DEBUG, INFO, WARNING or ERROR (default: AMAUTA_LOG_LEVEL or INFO)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the node (embedded stores for unset URLs)")
    serve.add_argument("--insecure-no-auth", action="store_true",
                       help="accept calls without a token (loopback addresses only)")
    sub.add_parser("migrate", help="apply pending migrations to every store and exit")
    _plugins(sub)
    args = parser.parse_args(argv)
    logs.configure(args.log_level)
    settings = Settings.from_env()
    try:
        if args.command == "serve":
            return _exit_after(asyncio.run(_serve(settings, args.insecure_no_auth)))
        if args.command == "migrate":
            asyncio.run(_migrate(settings))
            return 0
        return int(args.func(args, settings) or 0)
    except StoreError as exc:  # a store that cannot start or be reached: say which, no traceback
        print(f"amauta-node: {exc}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
