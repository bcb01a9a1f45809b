"""Typed list filters (common.proto DoubleRange, TimeRange, StringSetFilter) as store filter values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from amauta.v1 import common_pb2
from server.rpc.validation import Checker
from stores.postgres.sql import Range, SetMatch


def set_match(check: Checker, request: Any, name: str) -> SetMatch | None:
    """A StringSetFilter field; None when unset or empty."""
    if not request.HasField(name):
        return None
    got = check.string_set(getattr(request, name), name)
    return SetMatch(*got) if got else None


def value_range(check: Checker, request: Any, name: str) -> Range | None:
    """A DoubleRange (inclusive, as exact decimals) or TimeRange ([start, end)) field; None when unset."""
    if not request.HasField(name):
        return None
    value = getattr(request, name)
    if isinstance(value, common_pb2.TimeRange):
        start, end = check.time_range(value, name)
        return Range(start, end, end_exclusive=True)
    low, high = check.double_range(value, name)
    return Range(_decimal(low), _decimal(high))


def _decimal(value: float | None) -> Decimal | None:
    # repr keeps the shortest exact form (0.3, not 0.29999…), so bounds compare as the caller wrote them.
    return None if value is None else Decimal(repr(value))
