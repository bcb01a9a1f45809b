"""Exception hierarchy of the store layer; servicers map these to gRPC status codes."""

from __future__ import annotations

from collections.abc import Mapping


class StoreError(Exception):
    """Base class of every error raised by a store module."""

    #: Stable UPPER_SNAKE reason carried to callers in google.rpc.ErrorInfo.
    reason: str = "STORE_ERROR"

    def __init__(self, message: str, *, reason: str | None = None,
                 metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})


class StoreUnavailable(StoreError):
    """The store cannot be reached or refused the connection; the call may be retried."""

    reason = "STORE_UNAVAILABLE"


class StoreStarting(StoreUnavailable):
    """The store answers but is not ready yet (loading its data set, starting up or in recovery)."""

    reason = "STORE_STARTING"


class NotFound(StoreError):
    """The addressed record does not exist."""

    reason = "NOT_FOUND"


class AlreadyExists(StoreError):
    """A record with the same unique key exists already."""

    reason = "ALREADY_EXISTS"


class Conflict(StoreError):
    """A concurrent change won: the caller's etag or expected version is stale."""

    reason = "ETAG_MISMATCH"


class PreconditionFailed(StoreError):
    """The system is not in a state that allows the operation."""

    reason = "FAILED_PRECONDITION"


class InvalidData(StoreError):
    """The store rejected a value as invalid (a CHECK or type constraint)."""

    reason = "INVALID_DATA"

    def __init__(self, message: str, *, field: str = "", reason: str | None = None,
                 metadata: Mapping[str, str] | None = None) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.field = field


class AccessDenied(StoreError):
    """A stored rule (ownership, an invitation) denies the caller what it asked for."""

    reason = "PERMISSION_DENIED"


class NotOwner(AccessDenied):
    """The caller may not change a resource it does not own (admin and service own everything)."""

    reason = "NOT_OWNER"


class LimitExceeded(StoreError):
    """A quota or capacity limit was reached."""

    reason = "LIMIT_EXCEEDED"


def not_found(resource: str, key: str) -> NotFound:
    """NotFound of one addressed resource: reason <RESOURCE>_NOT_FOUND, metadata resource and id (the
    ErrorInfo server/rpc/errors.py sends)."""
    return NotFound(f"{resource.replace('_', ' ')} {key!r} not found", reason=f"{resource.upper()}_NOT_FOUND",
                    metadata={"resource": resource, "id": key})


def request_id_reused(request_id: str, field: str) -> InvalidData:
    """The error of a request id used before for a different request (AIP-155 idempotency)."""
    return InvalidData(f"request_id {request_id!r} was used before for a different request", field=field,
                       reason="REQUEST_ID_REUSED", metadata={"request_id": request_id})
