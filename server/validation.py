"""The one request-validation layer: collect every field violation, then fail once with BadRequest."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.descriptor import EnumDescriptor

from server import convert
from server.errors import FieldViolation, invalid_argument


@dataclass(frozen=True)
class Limits:
    """Uniform caps on request fields."""

    name_chars: int = 255
    short_chars: int = 100
    text_chars: int = 65_536
    list_items: int = 1_000
    item_chars: int = 255
    json_bytes: int = 256 * 1024
    json_depth: int = 32
    #: Timestamps further than this from now are rejected as insane.
    time_window: timedelta = timedelta(days=3650)


LIMITS = Limits()


def struct_depth(value: struct_pb2.Struct | struct_pb2.ListValue | struct_pb2.Value, limit: int) -> int:
    """Nesting depth of a Struct, counting stops once it passes limit (so hostile input stays cheap)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, struct_pb2.Struct):
            stack.extend((v, depth + 1) for v in node.fields.values())
        elif isinstance(node, struct_pb2.ListValue):
            stack.extend((v, depth + 1) for v in node.values)
        elif isinstance(node, struct_pb2.Value):
            kind = node.WhichOneof("kind")
            if kind == "struct_value":
                stack.append((node.struct_value, depth))
            elif kind == "list_value":
                stack.append((node.list_value, depth))
    return deepest


class Checker:
    """Collects the violations of one request; `done()` raises INVALID_ARGUMENT listing all of them."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self.violations: list[FieldViolation] = []

    def fail(self, field: str, description: str) -> None:
        """Record one violation."""
        self.violations.append(FieldViolation(field, description))

    def done(self) -> None:
        """Raise when anything was recorded."""
        if self.violations:
            raise invalid_argument(self.violations)

    def text(self, value: str, field: str, *, required: bool = False, max_chars: int | None = None) -> str:
        """A string field: present when required, at most max_chars, no NUL bytes."""
        limit = self.limits.name_chars if max_chars is None else max_chars
        if required and not value.strip():
            self.fail(field, "is required")
        elif len(value) > limit:
            self.fail(field, f"must be at most {limit} characters")
        elif "\x00" in value:
            self.fail(field, "must not contain NUL characters")
        return value

    def identifier(self, value: str, field: str, *, required: bool = True) -> str:
        """A short id such as a learner id (at most 100 characters)."""
        return self.text(value, field, required=required, max_chars=self.limits.short_chars)

    def uuid(self, value: str, field: str, *, required: bool = True) -> str | None:
        """A UUID string; returns its canonical form, or None when absent and optional."""
        if not value:
            if required:
                self.fail(field, "is required")
            return None
        try:
            return str(uuid.UUID(value))
        except ValueError:
            self.fail(field, "must be a UUID")
            return None

    def enum(self, value: int, enum: EnumDescriptor, field: str, *, required: bool = True) -> str | None:
        """An enum field as its database string; UNSPECIFIED fails when required."""
        db = convert.enum_to_db(enum, value)
        if db is None and (required or value != 0):
            self.fail(field, f"must be one of {', '.join(convert.enum_db_values(enum))}"
                      if value != 0 else "must be specified")
        return db

    def number(self, value: float, field: str, low: float, high: float) -> float:
        """A finite number within [low, high]."""
        if not math.isfinite(value) or not low <= value <= high:
            self.fail(field, f"must be between {low:g} and {high:g}")
        return value

    def unit_interval(self, value: float, field: str) -> float:
        """A number within [0, 1] (difficulty, quality, confidence)."""
        return self.number(value, field, 0.0, 1.0)

    def non_negative(self, value: int, field: str, high: int = 2**31 - 1) -> int:
        """An integer within [0, high]."""
        if not 0 <= value <= high:
            self.fail(field, f"must be between 0 and {high}")
        return value

    def strings(self, values: Iterable[str], field: str, *, max_items: int | None = None,
                max_chars: int | None = None) -> list[str]:
        """A repeated string field: bounded count, each element bounded and non-empty."""
        items = list(values)
        cap = self.limits.list_items if max_items is None else max_items
        if len(items) > cap:
            self.fail(field, f"must have at most {cap} items")
            return items
        limit = self.limits.item_chars if max_chars is None else max_chars
        for i, item in enumerate(items):
            if not item or len(item) > limit or "\x00" in item:
                self.fail(f"{field}[{i}]", f"must be 1 to {limit} characters without NUL")
        return items

    def struct(self, value: struct_pb2.Struct, field: str, *, required: bool = False) -> dict[str, Any] | None:
        """A JSON object field: bounded size and depth; returns it as a dict (None when empty and optional)."""
        if not value.fields:
            if required:
                self.fail(field, "is required")
            return None
        if value.ByteSize() > self.limits.json_bytes:
            self.fail(field, f"must be at most {self.limits.json_bytes} bytes")
            return None
        if struct_depth(value, self.limits.json_depth) > self.limits.json_depth:
            self.fail(field, f"must be nested at most {self.limits.json_depth} levels")
            return None
        for number in _numbers(value):
            if not math.isfinite(number):
                self.fail(field, "must not contain NaN or infinite numbers")
                return None
        return convert.struct_to_dict(value)

    def timestamp(self, value: timestamp_pb2.Timestamp, field: str, *,
                  required: bool = False, now: datetime | None = None) -> datetime | None:
        """A timestamp within the sane window around now; None when unset and optional."""
        if value.seconds == 0 and value.nanos == 0:
            if required:
                self.fail(field, "is required")
            return None
        try:
            when = convert.from_timestamp(value)
        except (ValueError, OverflowError):
            self.fail(field, "is not a valid timestamp")
            return None
        now = now or datetime.now(timezone.utc)
        if abs(when - now) > self.limits.time_window:
            self.fail(field, "is outside the accepted time window")
            return None
        return when


def _numbers(value: struct_pb2.Struct) -> Iterable[float]:
    stack: list[Any] = list(value.fields.values())
    while stack:
        node = stack.pop()
        kind = node.WhichOneof("kind")
        if kind == "number_value":
            yield node.number_value
        elif kind == "struct_value":
            stack.extend(node.struct_value.fields.values())
        elif kind == "list_value":
            stack.extend(node.list_value.values)
