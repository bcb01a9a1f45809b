"""`amauta-node check [--rule NAME ...] [--repair] [--json]`: run the consistency rules on a running node."""

from __future__ import annotations

import argparse
import json
import sys
from typing import cast

import grpc
from google.protobuf import json_format

from amauta.v1 import operations_pb2, operations_pb2_grpc
from server.cli import client as cli_client
from server.config import Settings
from server.rpc import convert
from stores.sync.consistency import RULES

_RULE = operations_pb2.ConsistencyRule.DESCRIPTOR
_STATUS = operations_pb2.ConsistencyCheckStatus.DESCRIPTOR


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register the `check` subcommand."""
    parser = subparsers.add_parser("check", help="run the five consistency rules (schema §4.6.2)")
    parser.add_argument("--rule", action="append", choices=RULES, default=[],
                        help="a rule to run (repeatable; default: all)")
    parser.add_argument("--repair", action="store_true", help="fix what can be fixed safely")
    parser.add_argument("--max-examples", type=int, default=10, help="example ids per finding")
    parser.add_argument("--json", action="store_true", help="print the response as JSON")
    cli_client.add_target_args(parser)
    parser.set_defaults(func=run)


def table(reply: operations_pb2.RunConsistencyChecksResponse) -> str:
    """A readable table: one line per rule, then its findings."""
    lines = [f"{'rule':26} {'status':10} {'findings':>9} {'repaired':>9} {'ms':>7}"]
    for r in reply.reports:
        lines.append(f"{convert.enum_to_db(_RULE, r.rule) or '?':26} "
                     f"{convert.enum_to_db(_STATUS, r.status) or '?':10} {r.finding_count:9d} "
                     f"{r.repair_count:9d} {r.duration_ms:7d}")
        if r.error_message:
            lines.append(f"    error: {r.error_message}")
        for f in r.findings:
            lines.append(f"    {f.kind}: {f.count} (repaired {f.repaired_count})"
                         f"{' - ' + f.repair_action if f.repair_action else ''}")
            if f.example_ids:
                lines.append(f"      e.g. {', '.join(f.example_ids)}")
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when every rule passed or was repaired, 1 when findings remain, 2 on failure."""
    request = operations_pb2.RunConsistencyChecksRequest(
        rules=[cast(operations_pb2.ConsistencyRule, convert.enum_from_db(_RULE, r)) for r in args.rule],
        repair=args.repair,
        max_examples=args.max_examples)
    try:
        with cli_client.channel(args, settings) as ch:
            reply = operations_pb2_grpc.OperationsServiceStub(ch).RunConsistencyChecks(
                request, metadata=cli_client.metadata(args, settings), timeout=600)
    except (grpc.RpcError, OSError) as exc:
        detail = f"{exc.code().name}: {exc.details()}" if isinstance(exc, grpc.RpcError) else str(exc)
        print(f"amauta-node check: {detail}", file=sys.stderr)
        return 2
    print(json.dumps(json_format.MessageToDict(reply), indent=2) if args.json else table(reply))
    bad = {operations_pb2.CONSISTENCY_CHECK_STATUS_FINDINGS, operations_pb2.CONSISTENCY_CHECK_STATUS_ERROR}
    return 1 if any(r.status in bad for r in reply.reports) else 0
