"""Typed keyset keys for catalog lists, on top of server/rpc/paging.py's opaque, filter-bound tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.protobuf.message import Message

from server.rpc import paging
from server.rpc.errors import ApiError
from server.rpc.validation import Checker

#: Key part kinds: a timestamp (ISO-8601 in the token), a UUID, or a depth.
TIME, UUID, INT = "time", "uuid", "int"


def page_request(check: Checker, request: Any, kinds: Sequence[str]) -> tuple[int, tuple[Any, ...] | None]:
    """(page size, keyset key after which to resume); problems join the request's other violations."""
    limit = paging.DEFAULT_PAGE_SIZE
    if request.page_size < 0:
        check.fail("page_size", "must not be negative")
    else:
        limit = paging.page_size(request.page_size)
    try:
        raw = paging.decode_token(request.page_token, paging.filter_fingerprint(request))
    except ApiError as exc:
        for v in exc.violations:
            check.fail(v.field, v.description)
        return limit, None
    if raw is None:
        return limit, None
    try:
        if len(raw) != len(kinds):
            raise ValueError("wrong key length")
        return limit, tuple(_parse(kind, part) for kind, part in zip(kinds, raw, strict=True))
    except (ValueError, TypeError, AttributeError):
        check.fail("page_token", "malformed page token")
        return limit, None


def next_token(request: Message, key: tuple[Any, ...] | None) -> str:
    """The next_page_token for a page ending at key ('' on the last page)."""
    if key is None:
        return ""
    parts = [k.isoformat() if isinstance(k, datetime) else k for k in key]
    return paging.encode_token(parts, paging.filter_fingerprint(request))


def _parse(kind: str, part: Any) -> Any:
    if kind == TIME:
        when = datetime.fromisoformat(part)
        if when.tzinfo is None:
            raise ValueError("naive timestamp")
        return when
    if kind == UUID:
        return str(uuid.UUID(part))
    if kind == INT and isinstance(part, int) and not isinstance(part, bool):
        return part
    raise ValueError(f"bad {kind} key part")
