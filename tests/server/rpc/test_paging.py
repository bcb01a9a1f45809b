"""Page sizes and page tokens: defaults, caps, tokens bound to their query, corrupt tokens named."""

from __future__ import annotations

import grpc
import pytest

from amauta.v1 import catalog_pb2
from server.rpc.errors import ApiError
from server.rpc.paging import (DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, decode_token, encode_token, filter_fingerprint,
                               page_size)


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
