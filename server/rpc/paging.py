"""List paging: page_size rules and opaque keyset page tokens bound to their filters."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from google.protobuf.message import Message

from server.rpc.errors import FieldViolation, invalid_argument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


def page_size(requested: int, default: int = DEFAULT_PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> int:
    """0 → default, over maximum → maximum, negative → INVALID_ARGUMENT."""
    if requested < 0:
        raise invalid_argument([FieldViolation("page_size", "must not be negative")])
    return default if requested == 0 else min(requested, maximum)


def filter_fingerprint(request: Message, exclude: tuple[str, ...] = ("page_size", "page_token")) -> str:
    """A short hash of the request's filter fields, so a token is only valid for the same query."""
    copy = type(request)()
    copy.CopyFrom(request)
    for name in exclude:
        if copy.DESCRIPTOR.fields_by_name.get(name) is not None:
            copy.ClearField(name)
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()[:12]


def encode_token(key: list[Any], fingerprint: str) -> str:
    """The opaque token that resumes after key."""
    raw = json.dumps({"k": key, "f": fingerprint}, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> list[Any] | None:
    """The key of a token ('' → None); INVALID_ARGUMENT when it is corrupt or from another query."""
    if not token:
        return None
    try:
        doc = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        key, fp = doc["k"], doc["f"]
    except (ValueError, KeyError, TypeError):
        raise invalid_argument([FieldViolation("page_token", "malformed page token")]) from None
    if fp != fingerprint or not isinstance(key, list):
        raise invalid_argument([FieldViolation("page_token", "page token belongs to a different query")])
    return key
