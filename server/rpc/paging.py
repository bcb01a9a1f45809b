"""List paging: page_size rules and opaque keyset page tokens bound to their filters.

Every list opens its page with `open_page(request, kinds)` (a typed keyset key, checked part by part)
and closes it with `PageRequest.cut` or `PageRequest.token`; a token from another query, or one that
does not decode to the list's key kinds, is INVALID_ARGUMENT on page_token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from google.protobuf.message import Message

from server.rpc.errors import ApiError, FieldViolation, invalid_argument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

#: Key part kinds: a timestamp (ISO-8601 in the token), a UUID, a whole number, a text, a number.
TIME, UUID, INT, TEXT, NUMBER = "time", "uuid", "int", "text", "number"

T = TypeVar("T")


class Violations(Protocol):
    """Where page problems join a request's other field violations (server.rpc.validation.Checker)."""

    def fail(self, field: str, description: str) -> None: ...


def page_size(requested: int, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> int:
    """0 → default, over maximum → maximum, negative → INVALID_ARGUMENT."""
    if requested < 0:
        raise invalid_argument([FieldViolation("page_size", "must not be negative")])
    return default if requested == 0 else min(requested, maximum)


def filter_fingerprint(request: Message, exclude: tuple[str, ...] = ("page_size", "page_token")) -> str:
    """A short hash of the request's filter fields, so a token is only valid for the same query."""
    copy = type(request)()
    copy.CopyFrom(request)
    for name in exclude:
        if copy.DESCRIPTOR.fields_by_name.get(name) is not None:
            copy.ClearField(name)
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()[:12]


def encode_token(key: Sequence[Any], fingerprint: str) -> str:
    """The opaque token that resumes after key."""
    parts = [k.isoformat() if isinstance(k, datetime) else k for k in key]
    raw = json.dumps({"k": parts, "f": fingerprint}, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> list[Any] | None:
    """The key of a token ('' → None); INVALID_ARGUMENT when it is corrupt or from another query."""
    if not token:
        return None
    try:
        doc = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        key, fp = doc["k"], doc["f"]
    except (ValueError, KeyError, TypeError):
        raise invalid_argument([FieldViolation("page_token", "malformed page token")]) from None
    if fp != fingerprint or not isinstance(key, list):
        raise invalid_argument([FieldViolation("page_token", "page token belongs to a different query")])
    return key


@dataclass(frozen=True)
class PageRequest:
    """Where a list request starts and how much it returns."""

    size: int
    #: The keyset key after which the page starts (None: the first page).
    key: tuple[Any, ...] | None
    fingerprint: str

    @property
    def fetch(self) -> int:
        """Rows to ask the store for: one extra tells whether a next page exists."""
        return self.size + 1

    @property
    def after(self) -> Any:
        """The key of a one-part keyset (None on the first page)."""
        return self.key[0] if self.key else None

    def token(self, key: Sequence[Any] | None) -> str:
        """The token that resumes after key ('' for None: the last page)."""
        return "" if key is None else encode_token(key, self.fingerprint)

    def cut(self, rows: Sequence[T], key: Callable[[T], Sequence[Any]]) -> tuple[list[T], str, str]:
        """The rows of this page out of a `fetch`-sized read, the token of the next page ('' on the
        last) and the token that resumes after the last row shown ('' when none is), for readers that
        tail the list."""
        shown = list(rows[:self.size])
        if not shown:
            return shown, "", ""
        resume = self.token(key(shown[-1]))
        return shown, resume if len(rows) > self.size else "", resume


def open_page(request: Any, kinds: Sequence[str], check: Violations | None = None) -> PageRequest:
    """page_size and page_token of a list request. Problems are INVALID_ARGUMENT, or join check's
    violations when a Checker is given (the request then fails once, with every bad field)."""
    fingerprint = filter_fingerprint(request)

    def joined(exc: ApiError) -> None:
        if check is None:
            raise exc
        for v in exc.violations:
            check.fail(v.field, v.description)

    size, key = DEFAULT_PAGE_SIZE, None
    try:
        size = page_size(request.page_size)
    except ApiError as exc:
        joined(exc)
    try:
        raw = decode_token(request.page_token, fingerprint)
        key = None if raw is None else _parse_key(kinds, raw)
    except ApiError as exc:
        joined(exc)
    return PageRequest(size, key, fingerprint)


def _parse_key(kinds: Sequence[str], raw: list[Any]) -> tuple[Any, ...]:
    try:
        if len(raw) != len(kinds):
            raise ValueError("wrong key length")
        return tuple(_parse(kind, part) for kind, part in zip(kinds, raw, strict=True))
    except (ValueError, TypeError, AttributeError):
        raise invalid_argument([FieldViolation("page_token", "malformed page token")]) from None


def _parse(kind: str, part: Any) -> Any:
    if kind == TIME:
        when = datetime.fromisoformat(part)
        if when.tzinfo is None:
            raise ValueError("naive timestamp")
        return when
    if kind == UUID:
        return str(uuid.UUID(part))
    if isinstance(part, bool):
        raise ValueError("a boolean key part")
    if kind == INT and isinstance(part, int):
        return part
    if kind == TEXT and isinstance(part, str):
        return part
    if kind == NUMBER and isinstance(part, (int, float)):
        return float(part)
    raise ValueError(f"bad {kind} key part")
