"""`amauta-node import FILE.jsonl --dataset ID`: stream training content into ImportContent with a progress bar.

Each line of FILE is one TrainingContent in protobuf JSON (camelCase or snake_case field names). Lines
that are not valid JSON or not a TrainingContent are reported with their line number and not sent.
The default request id is derived from the dataset and the file's bytes, so re-running the same
command after a failure resumes: items that landed count as duplicates.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO

import grpc
from google.protobuf import json_format

from amauta.v1 import catalog_pb2, catalog_pb2_grpc
from server import cli_client
from server.config import Settings

BATCH = 2_000
SHOWN_ERRORS = 20


class Progress:
    """A one-line progress bar on a terminal; a line per tenth otherwise."""

    def __init__(self, total: int, out: TextIO = sys.stderr, width: int = 30) -> None:
        self.total, self.out, self.width = max(total, 1), out, width
        self.started = self.last = time.perf_counter()
        self.tty = out.isatty()
        self.shown_tenth = -1

    def update(self, done: int, final: bool = False) -> None:
        now = time.perf_counter()
        rate = done / max(now - self.started, 1e-9)
        tenth = done * 10 // self.total
        if self.tty and (final or now - self.last >= 0.1):
            filled = self.width * done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            self.out.write(f"\r[{bar}] {100 * done // self.total:3d}% {done}/{self.total} items {rate:,.0f}/s")
            self.last = now
        elif not self.tty and (final or tenth > self.shown_tenth):
            self.out.write(f"{done}/{self.total} items ({100 * done // self.total}%) {rate:,.0f}/s\n")
            self.shown_tenth = tenth
        if final and self.tty:
            self.out.write("\n")
        self.out.flush()


def request_id_for(dataset_id: str, path: Path) -> str:
    """A stable request id for importing this file into this dataset."""
    digest = hashlib.sha256(dataset_id.encode())
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return "cli-" + digest.hexdigest()[:40]


def read_items(path: Path, bad: list[tuple[int, str]], sent_lines: list[int]) -> Iterator[catalog_pb2.TrainingContent]:
    """TrainingContent per non-blank line; unparsable lines go to bad, sent line numbers to sent_lines."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
                if not isinstance(doc, dict):
                    raise ValueError("not a JSON object")
                item = json_format.ParseDict(doc, catalog_pb2.TrainingContent())
            except (ValueError, json_format.ParseError) as exc:
                bad.append((number, str(exc).splitlines()[0][:200]))
                continue
            sent_lines.append(number)
            yield item


def _requests(dataset_id: str, request_id: str, items: Iterator[catalog_pb2.TrainingContent],
              progress: Progress, consumed: Callable[[], int]) -> Iterator[catalog_pb2.ImportContentRequest]:
    yield catalog_pb2.ImportContentRequest(header=catalog_pb2.ImportHeader(dataset_id=dataset_id,
                                                                          request_id=request_id))
    batch: list[catalog_pb2.TrainingContent] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield catalog_pb2.ImportContentRequest(items=catalog_pb2.ImportItems(items=batch))
            progress.update(consumed())
            batch = []
    if batch:
        yield catalog_pb2.ImportContentRequest(items=catalog_pb2.ImportItems(items=batch))
    progress.update(consumed(), final=True)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Import the file; exit 0 when everything landed, 2 when some items were rejected, 1 on failure."""
    path = Path(args.file)
    try:
        md = cli_client.metadata(args, settings)
        total = sum(1 for line in path.open(encoding="utf-8") if line.strip())
    except OSError as exc:
        print(f"amauta-node import: {exc}", file=sys.stderr)
        return 1
    request_id = args.request_id or request_id_for(args.dataset, path)
    bad: list[tuple[int, str]] = []
    lines: list[int] = []
    progress = Progress(total)
    with cli_client.channel(args, settings) as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        try:
            requests = _requests(args.dataset, request_id, read_items(path, bad, lines), progress,
                                 lambda: len(lines) + len(bad))
            reply = stub.ImportContent(requests, metadata=md, timeout=args.timeout)
        except grpc.RpcError as exc:
            print(f"\namauta-node import: {exc.code().name}: {exc.details()}", file=sys.stderr)  # type: ignore[attr-defined]
            return 1
    summary: dict[str, Any] = {
        "request_id": request_id, "lines": total, "unparsable": len(bad), "received": reply.received_count,
        "imported": reply.imported_count, "duplicates": reply.duplicate_count, "rejected": reply.rejected_count}
    print(json.dumps(summary))
    for number, message in bad[:SHOWN_ERRORS]:
        print(f"line {number}: {message}", file=sys.stderr)
    for err in reply.errors[:SHOWN_ERRORS]:
        line = lines[err.index] if 0 <= err.index < len(lines) else "?"
        print(f"line {line}: {err.field}: {err.message}", file=sys.stderr)
    return 2 if bad or reply.rejected_count else 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `import` on the amauta-node command line."""
    parser = subparsers.add_parser("import", help="bulk-import training content from a JSON-lines file")
    parser.add_argument("file", help="JSON lines, one TrainingContent per line")
    parser.add_argument("--dataset", required=True, help="UUID of the dataset that receives the items")
    parser.add_argument("--request-id", default="", help="idempotency key (default: derived from dataset and file)")
    cli_client.add_target_args(parser)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before the import is abandoned")
    parser.set_defaults(func=run)
