"""LearnerService pages: commit-order keys in tokens bound to the filters, and the resume token."""

from __future__ import annotations

import pytest

from amauta.v1 import learner_pb2
from server.learner.paging import close_page, open_page
from server.rpc import paging
from server.rpc.errors import ApiError


def test_a_first_page_fetches_one_extra_row() -> None:
    page = open_page(learner_pb2.ListSessionsRequest(page_size=2))
    assert (page.size, page.after, page.fetch) == (2, None, 3)


def test_close_then_open_continues_after_the_last_row() -> None:
    request = learner_pb2.ListSessionsRequest(page_size=2, learner_id="l")
    page = open_page(request)
    shown, next_token, resume = close_page([10, 11, 12], page, lambda seq: seq)
    assert shown == [10, 11] and next_token == resume != ""
    follow = open_page(learner_pb2.ListSessionsRequest(page_size=2, learner_id="l", page_token=next_token))
    assert follow.after == 11
    last, no_more, resume_last = close_page([12], follow, lambda seq: seq)
    assert (last, no_more) == ([12], "") and resume_last != ""
    assert close_page([], follow, lambda seq: seq) == ([], "", "")


def test_a_token_of_another_filter_or_shape_is_refused() -> None:
    token = close_page([1, 2], open_page(learner_pb2.ListSessionsRequest(page_size=1, learner_id="a")),
                       lambda s: s)[1]
    with pytest.raises(ApiError):
        open_page(learner_pb2.ListSessionsRequest(page_size=1, learner_id="b", page_token=token))
    request = learner_pb2.ListSessionsRequest()
    for key in (["x"], [1, 2], [True]):
        bad = learner_pb2.ListSessionsRequest(page_token=paging.encode_token(key, paging.filter_fingerprint(request)))
        with pytest.raises(ApiError) as caught:
            open_page(bad)
        assert caught.value.violations[0].field == "page_token"
