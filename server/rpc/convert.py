"""Conversions between protobuf values and store values: enums, Structs, timestamps."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from functools import cache
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.json_format import MessageToDict, ParseDict


def _prefix(enum: EnumDescriptor) -> str:
    # CamelCase enum name → UPPER_SNAKE prefix, e.g. DatasetType → DATASET_TYPE_.
    out = []
    for i, ch in enumerate(enum.name):
        if ch.isupper() and i and not enum.name[i - 1].isupper():
            out.append("_")
        out.append(ch.upper())
    return "".join(out) + "_"


@cache
def _tables(enum: EnumDescriptor) -> tuple[dict[int, str], dict[str, int]]:
    prefix = _prefix(enum)
    to_db = {v.number: v.name.removeprefix(prefix).lower() for v in enum.values if v.number != 0}
    return to_db, {name: number for number, name in to_db.items()}


def enum_to_db(enum: EnumDescriptor, number: int) -> str | None:
    """Database string of an enum value (DATASET_TYPE_ETHICAL_DILEMMAS → 'ethical_dilemmas'); None for 0/unknown."""
    return _tables(enum)[0].get(number)


def enum_from_db(enum: EnumDescriptor, value: str | None) -> int:
    """Enum number of a database string; 0 (UNSPECIFIED) for NULL or an unknown string."""
    if value is None:
        return 0
    return _tables(enum)[1].get(value, 0)


def enum_db_values(enum: EnumDescriptor) -> list[str]:
    """Every database string an enum can map to."""
    return list(_tables(enum)[0].values())


def struct_to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    """A Struct as a plain dict (numbers stay floats, as JSON has them)."""
    return MessageToDict(value)


def dict_to_struct(value: dict[str, Any] | str | None) -> struct_pb2.Struct:
    """A JSONB value (dict, or JSON text) as a Struct; None gives an empty Struct."""
    out = struct_pb2.Struct()
    if value is None:
        return out
    if isinstance(value, str):
        value = json.loads(value)
    ParseDict(_jsonable(value), out)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def to_timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    """A datetime as a Timestamp; None stays None (leave the field unset)."""
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=timezone.utc))
    return ts


def from_timestamp(value: timestamp_pb2.Timestamp) -> datetime:
    """A Timestamp as an aware UTC datetime."""
    return value.ToDatetime(tzinfo=timezone.utc)
