"""The request Checker: every violation collected with its field, then one INVALID_ARGUMENT."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import grpc
import pytest
from google.protobuf import struct_pb2, timestamp_pb2

from amauta.v1 import catalog_pb2, common_pb2
from server.rpc.errors import ApiError
from server.rpc.validation import Checker, Limits, fingerprint, struct_depth

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)


def _fields(check: Checker) -> list[str]:
    return [v.field for v in check.violations]


def test_done_raises_once_with_every_field() -> None:
    check = Checker()
    check.text("", "name", required=True)
    check.uuid("nope", "dataset_id")
    with pytest.raises(ApiError) as caught:
        check.done()
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in caught.value.violations] == ["name", "dataset_id"]
    Checker().done()


def test_text_and_identifiers() -> None:
    check = Checker(Limits(name_chars=5))
    assert check.text("   ", "a", required=True) == "   "
    check.text("toolong", "b")
    check.text("n\x00", "c")
    check.text("", "d")
    check.identifier(" x", "e")
    check.identifier("", "f", required=False)
    check.ids(["ok", "bad\t"], "g")
    check.ids(["a"] * 3, "h", max_items=2)
    assert _fields(check) == ["a", "b", "c", "e", "g[1]", "h"]


def test_uuids_are_canonical_and_optional_ones_may_be_absent() -> None:
    check = Checker()
    assert check.uuid("6F1D7C9E-3B1A-5A8E-9D0C-A3C4B5D6E7F8", "id") == "6f1d7c9e-3b1a-5a8e-9d0c-a3c4b5d6e7f8"
    assert check.uuid("", "opt", required=False) is None
    assert check.uuid("", "req") is None
    assert [(v.field, v.description) for v in check.violations] == [("req", "is required")]


def test_enums_numbers_and_strings() -> None:
    check = Checker()
    kind = common_pb2.DatasetType.DESCRIPTOR
    assert check.enum(common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS, kind, "t") == "ethical_dilemmas"
    assert check.enum(0, kind, "optional", required=False) is None
    check.enum(0, kind, "required")
    check.enum(99, kind, "unknown", required=False)
    check.unit_interval(1.5, "difficulty")
    check.unit_interval(math.nan, "nan")
    assert check.optional_unit_interval(None, "none") is None
    check.non_negative(-1, "count")
    check.strings(["", "x" * 300, "ok"], "tags")
    assert _fields(check) == ["required", "unknown", "difficulty", "nan", "count", "tags[0]", "tags[1]"]
    assert check.violations[0].description == "must be specified"
    assert check.violations[1].description.startswith("must be one of ")


def test_structs_are_bounded_in_size_and_depth_and_refuse_nul() -> None:
    check = Checker(Limits(json_bytes=200, json_depth=3))
    ok = struct_pb2.Struct()
    ok.update({"a": {"b": 1}})
    assert check.struct(ok, "ok") == {"a": {"b": 1}}
    assert check.struct(struct_pb2.Struct(), "empty") is None
    check.struct(struct_pb2.Struct(), "needed", required=True)
    big = struct_pb2.Struct()
    big.update({"k": "x" * 300})
    check.struct(big, "big")
    deep = struct_pb2.Struct()
    deep.update({"a": {"b": {"c": {"d": 1}}}})
    check.struct(deep, "deep")
    nul = struct_pb2.Struct()
    nul.update({"a": "x\x00"})
    check.struct(nul, "nul")
    assert _fields(check) == ["needed", "big", "deep", "nul"]
    assert struct_depth(deep, 100) == 5 and struct_depth(deep, 2) == 3  # the leaf value counts too


def test_timestamps_and_ranges() -> None:
    check = Checker()
    inside = timestamp_pb2.Timestamp()
    inside.FromDatetime(NOW - timedelta(days=1))
    assert check.timestamp(inside, "t", now=NOW) == NOW - timedelta(days=1)
    assert check.timestamp(timestamp_pb2.Timestamp(), "unset") is None
    check.timestamp(timestamp_pb2.Timestamp(), "needed", required=True)
    far = timestamp_pb2.Timestamp()
    far.FromDatetime(NOW + timedelta(days=5000))
    check.timestamp(far, "far", now=NOW)
    assert check.double_range(common_pb2.DoubleRange(min=0.2), "open") == (0.2, None)
    check.double_range(common_pb2.DoubleRange(min=0.9, max=0.1), "crossed")
    check.double_range(common_pb2.DoubleRange(max=math.inf), "inf")
    assert _fields(check) == ["needed", "far", "crossed", "inf.max"]


def test_string_sets_and_field_masks() -> None:
    check = Checker()
    assert check.string_set(common_pb2.StringSetFilter(), "tags") is None
    assert check.string_set(common_pb2.StringSetFilter(values=["a"], mode=common_pb2.MATCH_MODE_ALL), "t") == (
        ["a"], True)
    assert check.field_mask(["name", "name", "tags"], "mask", mutable=["name", "tags"]) == ["name", "tags"]
    check.field_mask(["created_at", "nonsense"], "mask", mutable=["name"], output_only=["created_at"])
    assert [v.description for v in check.violations] == ["'created_at' is output only",
                                                         "'nonsense' is not a field that can be set"]


def test_the_fingerprint_ignores_the_request_id_and_struct_key_order() -> None:
    a = catalog_pb2.CreateDatasetRequest(request_id="r1")
    a.dataset.name = "n"
    a.dataset.generation_method.update({"x": 1, "y": 2})
    b = catalog_pb2.CreateDatasetRequest(request_id="r2")
    b.dataset.name = "n"
    b.dataset.generation_method.update({"y": 2, "x": 1})
    assert fingerprint(a) == fingerprint(b)
    b.dataset.name = "m"
    assert fingerprint(a) != fingerprint(b)
