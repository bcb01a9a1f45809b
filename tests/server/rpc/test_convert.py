"""Protobuf conversions: enum names as database strings, Structs from JSONB, timestamps in UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from amauta.v1 import common_pb2
from server.rpc.convert import (
    dict_to_struct,
    enum_db_values,
    enum_from_db,
    enum_to_db,
    from_timestamp,
    struct_to_dict,
    to_timestamp,
    utcnow,
)

DATASET_TYPE = common_pb2.DatasetType.DESCRIPTOR


def test_enum_values_map_to_lower_snake_strings_without_the_prefix() -> None:
    assert enum_to_db(DATASET_TYPE, common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS) == "ethical_dilemmas"
    assert enum_to_db(DATASET_TYPE, 0) is None and enum_to_db(DATASET_TYPE, 999) is None
    assert enum_from_db(DATASET_TYPE, "ethical_dilemmas") == common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS
    assert enum_from_db(DATASET_TYPE, None) == 0 and enum_from_db(DATASET_TYPE, "unheard_of") == 0
    assert "ethical_dilemmas" in enum_db_values(DATASET_TYPE)
    assert all(not v.startswith("dataset_type") for v in enum_db_values(DATASET_TYPE))


def test_structs_come_from_dicts_json_text_decimals_and_none() -> None:
    assert struct_to_dict(dict_to_struct({"a": Decimal("0.25"), "b": [Decimal("1"), {"c": None}]})) == {
        "a": 0.25, "b": [1.0, {"c": None}]}
    assert struct_to_dict(dict_to_struct('{"x": "y"}')) == {"x": "y"}
    assert struct_to_dict(dict_to_struct(None)) == {}


def test_timestamps_are_utc_and_naive_times_taken_as_utc() -> None:
    aware = datetime(2025, 1, 1, 12, tzinfo=timezone(timedelta(hours=3)))
    ts = to_timestamp(aware)
    assert ts is not None and from_timestamp(ts) == aware
    naive = to_timestamp(datetime(2025, 1, 1, 12))
    assert naive is not None and from_timestamp(naive) == datetime(2025, 1, 1, 12, tzinfo=timezone.utc)
    assert to_timestamp(None) is None
    assert utcnow().tzinfo is timezone.utc

