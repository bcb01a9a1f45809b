"""Page sizes and page tokens: defaults, caps, tokens bound to their query, corrupt tokens named."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import grpc
import pytest

from amauta.v1 import catalog_pb2, learner_pb2
from server.rpc.errors import ApiError
from server.rpc.paging import (
    DEFAULT_PAGE_SIZE,
    INT,
    MAX_PAGE_SIZE,
    NUMBER,
    TEXT,
    TIME,
    UUID,
    decode_token,
    encode_token,
    filter_fingerprint,
    open_page,
    page_size,
)
from server.rpc.validation import Checker


def test_page_size_defaults_caps_and_refuses_negatives() -> None:
    assert page_size(0) == DEFAULT_PAGE_SIZE and page_size(7) == 7 and page_size(10**6) == MAX_PAGE_SIZE
    assert page_size(0, default=5, maximum=9) == 5 and page_size(20, maximum=9) == 9
    with pytest.raises(ApiError) as caught:
        page_size(-1)
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert [v.field for v in caught.value.violations] == ["page_size"]


def test_the_fingerprint_ignores_paging_fields_only() -> None:
    a = catalog_pb2.ListDatasetsRequest(page_size=5, page_token="x")
    b = catalog_pb2.ListDatasetsRequest(page_size=50)
    assert filter_fingerprint(a) == filter_fingerprint(b)
    filtered = catalog_pb2.ListDatasetsRequest(validation_status=2)
    assert filter_fingerprint(filtered) != filter_fingerprint(b)
    assert a.page_token == "x"  # the request itself is left alone


def test_a_token_round_trips_for_its_own_query_only() -> None:
    token = encode_token([12, "2025-01-01T00:00:00+00:00"], "fp1")
    assert "=" not in token
    assert decode_token(token, "fp1") == [12, "2025-01-01T00:00:00+00:00"]
    assert decode_token("", "fp1") is None
    with pytest.raises(ApiError) as other:
        decode_token(token, "fp2")
    assert other.value.violations[0].field == "page_token"
    assert "different query" in other.value.violations[0].description


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", encode_token([1], "f").replace("ey", "xx", 1)])
def test_corrupt_tokens_are_invalid_arguments(token: str) -> None:
    with pytest.raises(ApiError) as caught:
        decode_token(token, "f")
    assert (caught.value.code, caught.value.violations[0].field) == (grpc.StatusCode.INVALID_ARGUMENT, "page_token")


# open_page and PageRequest: the typed keys every list uses.

WHEN = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
ID = str(uuid.uuid4())


def test_a_typed_key_round_trips() -> None:
    request = catalog_pb2.ListDatasetsRequest(page_size=10)
    token = open_page(request, (TIME, UUID, INT)).token((WHEN, ID.upper(), 3))
    follow = catalog_pb2.ListDatasetsRequest(page_size=10, page_token=token)
    check = Checker()
    asked = open_page(follow, (TIME, UUID, INT), check)
    assert (asked.size, asked.key) == (10, (WHEN, ID, 3))  # the UUID comes back canonical
    assert check.violations == [] and asked.token(None) == ""
    texts = open_page(catalog_pb2.ListDatasetsRequest(), (NUMBER, TEXT))
    again = open_page(catalog_pb2.ListDatasetsRequest(page_token=texts.token((0.5, "b"))), (NUMBER, TEXT))
    assert again.key == (0.5, "b")


def test_the_first_page_and_the_size_rules() -> None:
    check = Checker()
    first = open_page(catalog_pb2.ListDatasetsRequest(), (INT,), check)
    assert (first.size, first.key, first.after, first.fetch) == (DEFAULT_PAGE_SIZE, None, None, DEFAULT_PAGE_SIZE + 1)
    assert open_page(catalog_pb2.ListDatasetsRequest(page_size=-1), (INT,), check).size == DEFAULT_PAGE_SIZE
    assert [v.field for v in check.violations] == ["page_size"]
    with pytest.raises(ApiError) as caught:  # without a Checker the problem is raised at once
        open_page(catalog_pb2.ListDatasetsRequest(page_size=-1), (INT,))
    assert [v.field for v in caught.value.violations] == ["page_size"]


def test_a_bad_size_and_a_bad_token_are_both_reported() -> None:
    check = Checker()
    open_page(catalog_pb2.ListDatasetsRequest(page_size=-1, page_token="%%%"), (INT,), check)
    assert [v.field for v in check.violations] == ["page_size", "page_token"]


def _bad(key: list[object], kinds: tuple[str, ...]) -> list[str]:
    request = catalog_pb2.ListDatasetsRequest()
    request.page_token = encode_token(key, filter_fingerprint(request))
    check = Checker()
    assert open_page(request, kinds, check).key is None
    return [v.field for v in check.violations]


def test_keys_of_the_wrong_shape_are_malformed_tokens() -> None:
    assert _bad([1, 2], (INT,)) == ["page_token"]
    assert _bad(["2025-01-01T00:00:00"], (TIME,)) == ["page_token"]  # naive
    assert _bad(["not-a-uuid"], (UUID,)) == ["page_token"]
    assert _bad([True], (INT,)) == ["page_token"]
    assert _bad([1], (TEXT,)) == ["page_token"]
    assert _bad(["x"], (NUMBER,)) == ["page_token"]


def test_a_token_of_another_query_joins_the_other_violations() -> None:
    token = open_page(catalog_pb2.ListDatasetsRequest(validation_status=1), (INT,)).token((1,))
    check = Checker()
    open_page(catalog_pb2.ListDatasetsRequest(page_token=token, validation_status=2), (INT,), check)
    assert [v.field for v in check.violations] == ["page_token"]


def test_cut_then_open_continues_after_the_last_row() -> None:
    request = learner_pb2.ListSessionsRequest(page_size=2, learner_id="l")
    page = open_page(request, (INT,))
    shown, next_token, resume = page.cut([10, 11, 12], lambda seq: (seq,))
    assert shown == [10, 11] and next_token == resume != ""
    follow = open_page(learner_pb2.ListSessionsRequest(page_size=2, learner_id="l", page_token=next_token), (INT,))
    assert follow.after == 11
    last, no_more, resume_last = follow.cut([12], lambda seq: (seq,))
    assert (last, no_more) == ([12], "") and resume_last != ""
    assert follow.cut([], lambda seq: (seq,)) == ([], "", "")
