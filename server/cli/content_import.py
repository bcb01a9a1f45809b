"""`amauta-node import FILE.jsonl --dataset ID`: stream training content into ImportContent, with progress.

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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, NoReturn, TextIO

import grpc
from google.protobuf import json_format
from tqdm import tqdm

from amauta.v1 import catalog_pb2, catalog_pb2_grpc
from server.cli import client as cli_client
from server.config import Settings

BATCH = 2_000
SHOWN_ERRORS = 20


def progress_bar(total: int, out: TextIO | None = None) -> tqdm[NoReturn]:
    """Items sent, with rate and ETA: redrawn in place on a terminal, a line every few seconds otherwise."""
    out = out or sys.stderr
    tty = out.isatty()
    return tqdm(total=total, unit="item", file=out, dynamic_ncols=tty, ascii=not tty,
                mininterval=0.2 if tty else 5.0, desc="import")


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
              progress: tqdm[NoReturn], consumed: Callable[[], int]) -> Iterator[catalog_pb2.ImportContentRequest]:
    yield catalog_pb2.ImportContentRequest(header=catalog_pb2.ImportHeader(dataset_id=dataset_id,
                                                                          request_id=request_id))
    batch: list[catalog_pb2.TrainingContent] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield catalog_pb2.ImportContentRequest(items=catalog_pb2.ImportItems(items=batch))
            progress.update(consumed() - progress.n)
            batch = []
    if batch:
        yield catalog_pb2.ImportContentRequest(items=catalog_pb2.ImportItems(items=batch))
    progress.update(consumed() - progress.n)
    progress.close()


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
    progress = progress_bar(total)
    with cli_client.channel(args, settings) as channel:
        stub = catalog_pb2_grpc.CatalogServiceStub(channel)
        try:
            requests = _requests(args.dataset, request_id, read_items(path, bad, lines), progress,
                                 lambda: len(lines) + len(bad))
            reply = stub.ImportContent(requests, metadata=md, timeout=args.timeout)
        except grpc.RpcError as exc:
            print(f"\namauta-node import: {exc.code().name}: {exc.details()}", file=sys.stderr)
            return 1
    summary: dict[str, Any] = {
        "request_id": request_id, "lines": total, "unparsable": len(bad), "received": reply.received_count,
        "imported": reply.imported_count, "duplicates": reply.duplicate_count, "rejected": reply.rejected_count}
    print(json.dumps(summary))
    problems = error_lines(bad, reply.errors, lines)
    for text in problems[:SHOWN_ERRORS]:
        print(text, file=sys.stderr)
    if len(problems) > SHOWN_ERRORS:
        print(f"... and {len(problems) - SHOWN_ERRORS} more", file=sys.stderr)
    return 2 if bad or reply.rejected_count else 0


def error_lines(bad: list[tuple[int, str]], rejected: Iterable[catalog_pb2.ImportError],
                sent_lines: list[int]) -> list[str]:
    """'line N: problem' for unparsable and rejected lines together, in input order.

    The server's message already names every violated field ("difficulty_level: must be ..."), so
    the top-level field is prefixed only when the message does not start with it.
    """
    found: list[tuple[int, str]] = list(bad)
    for err in rejected:
        line = sent_lines[err.index] if 0 <= err.index < len(sent_lines) else 0
        named = err.message.startswith(tuple(f"{err.field}{sep}" for sep in ":.["))
        found.append((line, err.message if named else f"{err.field}: {err.message}"))
    found.sort(key=lambda item: item[0])
    return [f"line {line or '?'}: {message}" for line, message in found]


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `import` on the amauta-node command line."""
    parser = subparsers.add_parser("import", help="bulk-import training content from a JSON-lines file")
    parser.add_argument("file", help="JSON lines, one TrainingContent per line")
    parser.add_argument("--dataset", required=True, help="UUID of the dataset that receives the items")
    parser.add_argument("--request-id", default="", help="idempotency key (default: derived from dataset and file)")
    cli_client.add_target_args(parser)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds before the import is abandoned")
    parser.set_defaults(func=run)
