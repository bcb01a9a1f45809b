"""Keyset pages of (time, uuid) for LearnerService lists, on top of server.paging's tokens."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from google.protobuf.message import Message

from server import paging
from server.errors import FieldViolation, invalid_argument

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """Where a list request starts and how much it returns."""

    size: int
    after: tuple[datetime, str] | None
    fingerprint: str

    @property
    def fetch(self) -> int:
        """Rows to ask the store for: one extra tells whether a next page exists."""
        return self.size + 1


def open_page(request: Message) -> Page:
    """page_size and page_token of a list request; INVALID_ARGUMENT for a bad size or token."""
    size = paging.page_size(request.page_size)  # type: ignore[attr-defined]
    fingerprint = paging.filter_fingerprint(request)
    key = paging.decode_token(request.page_token, fingerprint)  # type: ignore[attr-defined]
    if key is None:
        return Page(size, None, fingerprint)
    try:
        when, ident = key
        after = (datetime.fromisoformat(when), str(uuid.UUID(ident)))
    except (ValueError, TypeError):
        raise invalid_argument([FieldViolation("page_token", "malformed page token")]) from None
    return Page(size, after, fingerprint)


def close_page(rows: Sequence[T], page: Page, key: Callable[[T], tuple[datetime | None, str]]) -> tuple[list[T], str]:
    """The rows of this page and the token of the next one ('' on the last page)."""
    shown = list(rows[:page.size])
    if len(rows) <= page.size or not shown:
        return shown, ""
    when, ident = key(shown[-1])
    return shown, paging.encode_token([when.isoformat() if when else None, ident], page.fingerprint)
