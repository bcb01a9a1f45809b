"""`amauta-node relay`: run an outbox consumer outside the node (operations, recovery, crash tests)."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from server.cli.analytics_stores import analytics_stores
from server.config import Settings
from stores.analytics.events import EventStore, RecordOutcome
from stores.postgres.outbox import OutboxRelay
from stores.sync.analytics_relay import AnalyticsConsumer


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the relay subcommand."""
    parser = subparsers.add_parser("relay", help="deliver pending outbox rows to a consumer")
    parser.add_argument("--consumer", choices=["analytics"], default="analytics",
                        help="the consumer to run (the graph consumer runs inside the node)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="deliver one batch and exit")
    mode.add_argument("--drain", action="store_true", help="deliver until nothing is pending, then exit")
    parser.add_argument("--batch-size", type=int, default=1000, help="outbox rows per batch")
    parser.add_argument("--verbose", action="store_true",
                        help="print one JSON line per delivered batch (inserted and duplicate events)")
    parser.set_defaults(func=run)


def _report(outcome: RecordOutcome) -> None:
    print(json.dumps({"inserted": outcome.inserted, "duplicates": outcome.duplicates}), flush=True)


async def _relay(args: argparse.Namespace, settings: Settings) -> int:
    async with analytics_stores(settings, migrate=True) as stores:
        consumer = AnalyticsConsumer(stores.postgres, EventStore(stores.analytics),
                                     on_delivered=_report if args.verbose else None)
        relay = OutboxRelay(stores.postgres, consumer, batch_size=args.batch_size, idle_seconds=0.2)
        print(json.dumps({"ready": True, "consumer": args.consumer}), flush=True)
        if args.once:
            print(json.dumps({"delivered": await relay.relay_once()}), flush=True)
        elif args.drain:
            print(json.dumps({"delivered": await relay.drain()}), flush=True)
        else:
            task = asyncio.create_task(relay.run())
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, task.cancel)
            try:
                await task
            except asyncio.CancelledError:
                pass
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `amauta-node relay`."""
    if args.batch_size < 1:
        print("amauta-node relay: --batch-size must be positive", file=sys.stderr)
        return 2
    return asyncio.run(_relay(args, settings))
