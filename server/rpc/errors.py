"""API errors and their mapping to google.rpc.Status with ErrorInfo and BadRequest details."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc import aio
from grpc_status import rpc_status

from stores import errors as store_errors

DOMAIN = "amauta.v1"


@dataclass(frozen=True)
class FieldViolation:
    """One bad field of a request."""

    field: str
    description: str


@dataclass
class ApiError(Exception):
    """An error the caller should see with a precise status, reason and details."""

    code: grpc.StatusCode
    message: str
    reason: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    violations: Sequence[FieldViolation] = ()
    #: Seconds after which a retry may succeed (sent as google.rpc.RetryInfo).
    retry_after: float | None = None

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


def invalid_argument(violations: Sequence[FieldViolation]) -> ApiError:
    """INVALID_ARGUMENT listing every violated field."""
    names = ", ".join(v.field for v in violations)
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, f"invalid fields: {names}",
                    "INVALID_ARGUMENT", violations=tuple(violations))


def permission_denied(message: str, reason: str = "PERMISSION_DENIED",
                      metadata: Mapping[str, str] | None = None) -> ApiError:
    """PERMISSION_DENIED for an authenticated caller without the right."""
    return ApiError(grpc.StatusCode.PERMISSION_DENIED, message, reason, dict(metadata or {}))


_STORE_CODES: dict[type[store_errors.StoreError], grpc.StatusCode] = {
    store_errors.StoreUnavailable: grpc.StatusCode.UNAVAILABLE,
    store_errors.NotFound: grpc.StatusCode.NOT_FOUND,
    store_errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    store_errors.Conflict: grpc.StatusCode.ABORTED,
    store_errors.PreconditionFailed: grpc.StatusCode.FAILED_PRECONDITION,
    store_errors.InvalidData: grpc.StatusCode.INVALID_ARGUMENT,
    store_errors.LimitExceeded: grpc.StatusCode.RESOURCE_EXHAUSTED,
    store_errors.AccessDenied: grpc.StatusCode.PERMISSION_DENIED,
}


def from_store_error(exc: store_errors.StoreError) -> ApiError:
    """Map a store exception to the API error a caller sees; unknown store errors are INTERNAL."""
    code = grpc.StatusCode.INTERNAL
    for cls in type(exc).__mro__:
        if cls in _STORE_CODES:
            code = _STORE_CODES[cls]
            break
    violations: tuple[FieldViolation, ...] = ()
    if isinstance(exc, store_errors.InvalidData):
        violations = (FieldViolation(exc.field or "request", str(exc)),)
    message = str(exc) if code is not grpc.StatusCode.INTERNAL else "internal store error"
    return ApiError(code, message, exc.reason, exc.metadata, violations)


def to_status(error: ApiError) -> grpc.Status:
    """Encode an ApiError as a grpc.Status with rich details in the trailing metadata."""
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN,
                                       metadata=dict(error.metadata))
    details = [any_pb2.Any()]
    details[0].Pack(info)
    if error.violations:
        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations])
        packed = any_pb2.Any()
        packed.Pack(bad)
        details.append(packed)
    if error.retry_after is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.FromNanoseconds(int(error.retry_after * 1e9))
        packed = any_pb2.Any()
        packed.Pack(retry)
        details.append(packed)
    status = status_pb2.Status(code=getattr(code_pb2, error.code.name), message=error.message,
                               details=details)
    return rpc_status.to_status(status)


async def abort(context: aio.ServicerContext[Any, Any], error: ApiError) -> None:
    """End the call with error's status and details; raises AbortError, as context.abort() does."""
    status = to_status(error)
    await context.abort(status.code, status.details, status.trailing_metadata)
