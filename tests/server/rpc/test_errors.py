"""API errors: store errors mapped to status codes, rich details in the status, INTERNAL hiding its text."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2

from server.rpc.errors import (
    DOMAIN,
    ApiError,
    FieldViolation,
    from_store_error,
    invalid_argument,
    permission_denied,
    to_status,
)
from stores import errors as store_errors


@pytest.mark.parametrize(("error", "code"), [
    (store_errors.StoreStarting("x"), grpc.StatusCode.UNAVAILABLE),
    (store_errors.NotFound("x"), grpc.StatusCode.NOT_FOUND),
    (store_errors.AlreadyExists("x"), grpc.StatusCode.ALREADY_EXISTS),
    (store_errors.Conflict("x"), grpc.StatusCode.ABORTED),
    (store_errors.PreconditionFailed("x"), grpc.StatusCode.FAILED_PRECONDITION),
    (store_errors.LimitExceeded("x"), grpc.StatusCode.RESOURCE_EXHAUSTED),
    (store_errors.NotOwner("x"), grpc.StatusCode.PERMISSION_DENIED),
])
def test_store_errors_map_to_their_status_code_with_reason_and_metadata(
        error: store_errors.StoreError, code: grpc.StatusCode) -> None:
    error.metadata["id"] = "k"
    api = from_store_error(error)
    assert (api.code, api.reason, dict(api.metadata), api.message) == (code, error.reason, {"id": "k"}, "x")


def test_invalid_data_names_its_field_or_the_request() -> None:
    named = from_store_error(store_errors.InvalidData("bad id", field="skill_id"))
    assert [(v.field, v.description) for v in named.violations] == [("skill_id", "bad id")]
    unnamed = from_store_error(store_errors.InvalidData("bad"))
    assert [v.field for v in unnamed.violations] == ["request"]


def test_an_unknown_store_error_is_internal_without_its_text() -> None:
    api = from_store_error(store_errors.StoreError("password=hunter2 in a driver message"))
    assert (api.code, api.message) == (grpc.StatusCode.INTERNAL, "internal store error")


def test_helpers_build_the_documented_reasons() -> None:
    bad = invalid_argument([FieldViolation("a", "x"), FieldViolation("b.c", "y")])
    assert (bad.code, bad.reason, bad.message) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT",
                                                   "invalid fields: a, b.c")
    missing = from_store_error(store_errors.not_found("dataset", "d1"))
    assert (missing.code, missing.reason, dict(missing.metadata)) == (
        grpc.StatusCode.NOT_FOUND, "DATASET_NOT_FOUND", {"resource": "dataset", "id": "d1"})
    denied = permission_denied("no", "NOT_OWNER", {"id": "x"})
    assert (denied.code, denied.reason, str(denied)) == (grpc.StatusCode.PERMISSION_DENIED, "NOT_OWNER",
                                                         "PERMISSION_DENIED: no")


def _details(status: grpc.Status) -> status_pb2.Status:
    (key, value), = [kv for kv in status.trailing_metadata if kv[0] == "grpc-status-details-bin"]
    assert key == "grpc-status-details-bin"
    return status_pb2.Status.FromString(value)


def test_the_status_carries_error_info_bad_request_and_retry_info() -> None:
    error = ApiError(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", "RATE_LIMITED", {"identity": "n"},
                     [FieldViolation("f", "d")], retry_after=1.5)
    status = to_status(error)
    assert (status.code, status.details) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down")
    info, bad, retry = (error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest(),
                        error_details_pb2.RetryInfo())
    packed = _details(status).details
    assert packed[0].Unpack(info) and packed[1].Unpack(bad) and packed[2].Unpack(retry)
    assert (info.reason, info.domain, dict(info.metadata)) == ("RATE_LIMITED", DOMAIN, {"identity": "n"})
    assert [(v.field, v.description) for v in bad.field_violations] == [("f", "d")]
    assert retry.retry_delay.ToNanoseconds() == 1_500_000_000


def test_a_plain_error_carries_only_error_info() -> None:
    assert len(_details(to_status(from_store_error(store_errors.not_found("x", "y")))).details) == 1
