"""Catalog list filters: unset filters match everything, ranges become exact decimals or half-open times."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from amauta.v1 import catalog_pb2, common_pb2
from server.catalog.filters import set_match, value_range
from server.rpc.validation import Checker
from stores.postgres.sql import Range, SetMatch


def test_unset_filters_are_none() -> None:
    check, request = Checker(), catalog_pb2.ListDatasetsRequest()
    assert set_match(check, request, "target_capabilities") is None
    assert value_range(check, request, "quality_score") is None
    assert value_range(check, request, "created_at") is None
    assert check.violations == []


def test_a_double_range_keeps_the_bounds_as_written() -> None:
    request = catalog_pb2.ListDatasetsRequest(quality_score=common_pb2.DoubleRange(min=0.3))
    assert value_range(Checker(), request, "quality_score") == Range(Decimal("0.3"), None)


def test_a_time_range_is_half_open() -> None:
    request = catalog_pb2.ListDatasetsRequest()
    start = datetime.now(timezone.utc).replace(microsecond=0)
    request.created_at.start.FromDatetime(start)
    got = value_range(Checker(), request, "created_at")
    assert got == Range(start, None, end_exclusive=True)


def test_sets_match_any_or_all_and_empty_sets_match_everything() -> None:
    request = catalog_pb2.ListDatasetsRequest(target_capabilities=common_pb2.StringSetFilter(
        values=["a", "b"], mode=common_pb2.MATCH_MODE_ALL))
    assert set_match(Checker(), request, "target_capabilities") == SetMatch(["a", "b"], True)
    empty = catalog_pb2.ListDatasetsRequest(target_capabilities=common_pb2.StringSetFilter())
    assert set_match(Checker(), empty, "target_capabilities") is None


def test_bad_bounds_are_violations_of_the_filter() -> None:
    check = Checker()
    value_range(check, catalog_pb2.ListDatasetsRequest(quality_score=common_pb2.DoubleRange(min=0.9, max=0.1)),
                "quality_score")
    assert [v.field for v in check.violations] == ["quality_score"]
