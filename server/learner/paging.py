"""Keyset pages in commit order (list_seq) for LearnerService lists, on top of server.rpc.paging's tokens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from google.protobuf.message import Message

from server.rpc import paging
from server.rpc.errors import FieldViolation, invalid_argument

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """Where a list request starts and how much it returns."""

    size: int
    #: list_seq of the last row of the previous page.
    after: int | None
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
    if len(key) != 1 or not isinstance(key[0], int) or isinstance(key[0], bool):
        raise invalid_argument([FieldViolation("page_token", "malformed page token")])
    return Page(size, key[0], fingerprint)


def close_page(rows: Sequence[T], page: Page, key: Callable[[T], int | None]) -> tuple[list[T], str, str]:
    """The rows of this page, the token of the next one ('' on the last page) and the token that
    resumes after the last row shown ('' when none is shown), for readers that tail the list."""
    shown = list(rows[:page.size])
    if not shown:
        return shown, "", ""
    resume = paging.encode_token([key(shown[-1])], page.fingerprint)
    return shown, resume if len(rows) > page.size else "", resume
