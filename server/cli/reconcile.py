"""`amauta-node reconcile-analytics`: rule 5 from the command line; exit 1 when a month drifted."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import grpc

from amauta.v1 import analytics_pb2, analytics_pb2_grpc
from server.analytics.validation import reconcile_query
from server.cli.analytics_stores import analytics_stores
from server.config import Settings
from server.rpc.errors import ApiError
from stores.sync.reconcile import PartitionDrift, reconcile


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the reconcile-analytics subcommand."""
    parser = subparsers.add_parser(
        "reconcile-analytics", help="compare PostgreSQL source rows with ClickHouse per month (rule 5)")
    parser.add_argument("--start", type=int, default=0, help="first month, YYYYMM (default: this month)")
    parser.add_argument("--end", type=int, default=0, help="last month, YYYYMM (default: this month)")
    parser.add_argument("--max-examples", type=int, default=10, help="missing/extra ids listed per month")
    parser.add_argument("--json", action="store_true", help="one JSON object per month")
    parser.add_argument("--address", help="ask a running node (HOST:PORT, plaintext) instead of opening"
                        " the stores; needed when the node owns an embedded chdb directory")
    parser.add_argument("--token-file", help="bearer token for --address (default: the data directory's"
                        " admin.token)")
    parser.set_defaults(func=run)


def _line(d: PartitionDrift) -> str:
    state = "in sync" if d.in_sync else "DRIFT"
    text = (f"{d.month}  source {d.source_count:>9}  analytics {d.analytics_count:>9}  "
            f"{d.source_checksum} {d.analytics_checksum}  {state}")
    if d.pending_count:
        text += f"  ({d.pending_count} still pending in the outbox)"
    if d.missing_ids:
        text += f"\n        missing: {', '.join(d.missing_ids)}"
    if d.extra_ids:
        text += f"\n        extra:   {', '.join(d.extra_ids)}"
    return text


async def _reconcile(args: argparse.Namespace, settings: Settings) -> int:
    request = analytics_pb2.ReconcileAnalyticsRequest(start_month=args.start, end_month=args.end,
                                                      max_examples=args.max_examples)
    try:
        query = reconcile_query(request, datetime.now(timezone.utc))
    except ApiError as exc:
        print(f"amauta-node reconcile-analytics: {'; '.join(f'{v.field}: {v.description}' for v in exc.violations)}",
              file=sys.stderr)
        return 2
    if args.address:
        try:
            drifts = await _remote(args, settings, request)
        except grpc.aio.AioRpcError as exc:
            print(f"amauta-node reconcile-analytics: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 2
    else:
        async with analytics_stores(settings, migrate=False) as stores:
            drifts = await reconcile(stores.postgres, stores.analytics, **query)
    for d in drifts:
        print(json.dumps({**asdict(d), "in_sync": d.in_sync}) if args.json else _line(d))
    return 0 if all(d.in_sync for d in drifts) else 1


async def _remote(args: argparse.Namespace, settings: Settings,
                  request: analytics_pb2.ReconcileAnalyticsRequest) -> list[PartitionDrift]:
    token = Path(args.token_file or settings.data_dir / "admin.token").read_text().strip()
    async with grpc.aio.insecure_channel(args.address) as channel:
        stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
        reply = await stub.ReconcileAnalytics(request, metadata=(("authorization", f"Bearer {token}"),))
    return [PartitionDrift(p.month, p.source_count, p.analytics_count, p.source_checksum,
                           p.analytics_checksum, list(p.missing_ids), list(p.extra_ids), p.pending_count)
            for p in reply.partitions]


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Entry point of `amauta-node reconcile-analytics`."""
    return asyncio.run(_reconcile(args, settings))
