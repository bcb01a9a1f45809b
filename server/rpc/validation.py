"""The one request-validation layer: collect every field violation, then fail once with BadRequest."""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import Message

from server.rpc import convert
from server.rpc.errors import FieldViolation, invalid_argument
from stores.ids import MAX_ID_CHARS, id_problem


@dataclass(frozen=True)
class Limits:
    """Uniform caps on request fields."""

    name_chars: int = 255
    short_chars: int = 100
    text_chars: int = 65_536
    list_items: int = 1_000
    item_chars: int = 255
    json_bytes: int = 64 * 1024
    json_depth: int = 32
    #: Timestamps further than this from now are rejected as insane.
    time_window: timedelta = timedelta(days=3650)


LIMITS = Limits()


def fingerprint(request: Message, *ignored: str) -> str:
    """SHA-256 of a request without its request_id (and the ignored fields), AIP-155: a retry with the
    same key must carry the same fingerprint. Deterministic serialisation sorts map entries, so Struct
    key order is irrelevant."""
    copy = type(request)()
    copy.CopyFrom(request)
    for name in ("request_id", *ignored):
        copy.ClearField(name)
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


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

    def identifier(self, value: str, field: str, *, required: bool = True,
                   max_chars: int = MAX_ID_CHARS) -> str:
        """An id such as a learner or skill id: the id grammar of stores/ids.py (empty when optional)."""
        if value or required:
            problem = id_problem(value, max_chars)
            if problem is not None:
                self.fail(field, problem)
        return value

    def ids(self, values: Iterable[str], field: str, *, max_items: int | None = None) -> list[str]:
        """A repeated id field: bounded count, every element an id of the grammar."""
        items = list(values)
        cap = self.limits.list_items if max_items is None else max_items
        if len(items) > cap:
            self.fail(field, f"must have at most {cap} items")
            return items
        for i, item in enumerate(items):
            self.identifier(item, f"{field}[{i}]")
        return items

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

    def optional_unit_interval(self, value: float | None, field: str) -> float | None:
        """An optional number within [0, 1]; None stays None."""
        return None if value is None else self.unit_interval(value, field)

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
        try:
            return _plain_struct(value, 1, self.limits.json_depth)
        except _JsonError as exc:
            self.fail(field, str(exc))
            return None

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

    def double_range(self, value: Any, field: str) -> tuple[float | None, float | None]:
        """A common.DoubleRange: finite bounds, min not above max; returns (min, max), None when open."""
        low = value.min if value.HasField("min") else None
        high = value.max if value.HasField("max") else None
        for name, bound in (("min", low), ("max", high)):
            if bound is not None and not math.isfinite(bound):
                self.fail(f"{field}.{name}", "must be a finite number")
                return None, None
        if low is not None and high is not None and low > high:
            self.fail(field, "min must not be greater than max")
        return low, high

    def time_range(self, value: Any, field: str) -> tuple[datetime | None, datetime | None]:
        """A common.TimeRange [start, end): sane bounds, start not after end; None when open."""
        start = self.timestamp(value.start, f"{field}.start") if value.HasField("start") else None
        end = self.timestamp(value.end, f"{field}.end") if value.HasField("end") else None
        if start is not None and end is not None and start > end:
            self.fail(field, "start must not be after end")
        return start, end

    def string_set(self, value: Any, field: str, *, max_values: int = 100) -> tuple[list[str], bool] | None:
        """A common.StringSetFilter: (values, match_all), or None when it has no values."""
        values = self.strings(value.values, f"{field}.values", max_items=max_values)
        if value.mode not in (0, 1, 2):  # MATCH_MODE_UNSPECIFIED, ANY, ALL
            self.fail(f"{field}.mode", "must be MATCH_MODE_ANY or MATCH_MODE_ALL")
        if not values:
            return None
        return values, value.mode == 2

    def field_mask(self, paths: Iterable[str], field: str, *, mutable: Iterable[str],
                   output_only: Iterable[str] = ()) -> list[str]:
        """FieldMask paths naming top-level mutable fields; output-only and unknown paths fail."""
        allowed, frozen = set(mutable), set(output_only)
        out: list[str] = []
        for path in paths:
            if path in frozen:
                self.fail(field, f"{path!r} is output only")
            elif path not in allowed:
                self.fail(field, f"{path!r} is not a field that can be set")
            elif path not in out:
                out.append(path)
        return out


class _JsonError(ValueError):
    """Why a Struct cannot be stored as a JSON value."""


_NUL = "must not contain NUL characters"  # PostgreSQL JSONB cannot store \u0000


def _plain_struct(node: struct_pb2.Struct, depth: int, limit: int) -> dict[str, Any]:
    """One pass over a Struct: plain dict (numbers as floats, like MessageToDict), or _JsonError when it
    nests deeper than limit (struct_depth's counting), holds NaN or infinity, or a NUL character."""
    if depth > limit:
        raise _JsonError(f"must be nested at most {limit} levels")
    out = {}
    for key, item in node.fields.items():
        if "\x00" in key:
            raise _JsonError(_NUL)
        out[key] = _plain_value(item, depth + 1, limit)
    return out


def _plain_value(node: struct_pb2.Value, depth: int, limit: int) -> Any:
    if depth > limit:
        raise _JsonError(f"must be nested at most {limit} levels")
    kind = node.WhichOneof("kind")
    if kind == "string_value":
        if "\x00" in node.string_value:
            raise _JsonError(_NUL)
        return node.string_value
    if kind == "number_value":
        if not math.isfinite(node.number_value):
            raise _JsonError("must not contain NaN or infinite numbers")
        return node.number_value
    if kind == "bool_value":
        return node.bool_value
    if kind == "struct_value":
        return _plain_struct(node.struct_value, depth, limit)
    if kind == "list_value":
        return [_plain_value(item, depth + 1, limit) for item in node.list_value.values]
    return None
