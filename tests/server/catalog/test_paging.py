"""Typed catalog page keys: timestamps, UUIDs and depths in tokens bound to the request's filters."""

from __future__ import annotations

from datetime import datetime, timezone

from amauta.v1 import catalog_pb2
from server.catalog.paging import INT, TIME, UUID, next_token, page_request
from server.rpc import paging
from server.rpc.validation import Checker

WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
ID = "6f1d7c9e-3b1a-5a8e-9d0c-a3c4b5d6e7f8"


def test_a_key_round_trips_through_the_next_token() -> None:
    request = catalog_pb2.ListDatasetsRequest(page_size=10)
    token = next_token(request, (WHEN, ID.upper(), 3))
    follow = catalog_pb2.ListDatasetsRequest(page_size=10, page_token=token)
    check = Checker()
    assert page_request(check, follow, (TIME, UUID, INT)) == (10, (WHEN, ID, 3))
    assert check.violations == [] and next_token(request, None) == ""


def test_the_first_page_and_the_size_rules() -> None:
    check = Checker()
    assert page_request(check, catalog_pb2.ListDatasetsRequest(), (INT,)) == (paging.DEFAULT_PAGE_SIZE, None)
    assert page_request(check, catalog_pb2.ListDatasetsRequest(page_size=-1), (INT,))[0] == paging.DEFAULT_PAGE_SIZE
    assert [v.field for v in check.violations] == ["page_size"]


def _bad(key: list[object], kinds: tuple[str, ...]) -> list[str]:
    request = catalog_pb2.ListDatasetsRequest()
    request.page_token = paging.encode_token(key, paging.filter_fingerprint(request))
    check = Checker()
    assert page_request(check, request, kinds)[1] is None
    return [v.field for v in check.violations]


def test_keys_of_the_wrong_shape_are_malformed_tokens() -> None:
    assert _bad([1, 2], (INT,)) == ["page_token"]
    assert _bad(["2025-01-01T00:00:00"], (TIME,)) == ["page_token"]  # naive
    assert _bad(["not-a-uuid"], (UUID,)) == ["page_token"]
    assert _bad([True], (INT,)) == ["page_token"]


def test_a_token_of_another_query_joins_the_other_violations() -> None:
    token = next_token(catalog_pb2.ListDatasetsRequest(validation_status=1), (1,))
    check = Checker()
    page_request(check, catalog_pb2.ListDatasetsRequest(page_token=token, validation_status=2), (INT,))
    assert [v.field for v in check.violations] == ["page_token"]
