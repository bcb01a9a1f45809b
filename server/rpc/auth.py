"""Bearer-token authentication: tokens map to an identity and a role."""

from __future__ import annotations

import contextvars
import enum
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


class Role(enum.Enum):
    """What a caller may do; object-level rules live with each service."""

    ADMIN = "admin"        # everything, including erasure and manual corrections
    SERVICE = "service"    # trusted internal callers: all records, no admin-only methods
    NODE = "node"          # an AI node: only its own learner records
    ANALYST = "analyst"    # read-only analytics
    OBSERVER = "observer"  # may watch simulations


@dataclass(frozen=True)
class Identity:
    """The authenticated caller."""

    name: str
    role: Role

    @property
    def is_privileged(self) -> bool:
        """Admins and services may act on every learner's records."""
        return self.role in (Role.ADMIN, Role.SERVICE)


#: The identity of the RPC being served (set by the interceptor, server/rpc/interceptors.py).
current_identity: contextvars.ContextVar[Identity | None] = contextvars.ContextVar(
    "current_identity", default=None)


class AuthError(Exception):
    """The credentials are missing, unknown or expired."""


@dataclass(frozen=True)
class _Entry:
    digest: bytes
    identity: Identity
    expires_at: datetime | None


log = logging.getLogger("amauta.auth")

#: The tokens file is looked at (one stat) at most this often; a change is seen this quickly.
CHECK_SECONDS = 0.2


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _stamp(path: Path) -> tuple[int, int, int]:
    """What tells a changed file: a rename gives a new inode, a rewrite a new mtime or size."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


def _load(path: Path) -> list[_Entry]:
    """Parse a JSON file: {"tokens": [{"identity", "role", "token" | "sha256", "expires_at"?}]}."""
    doc = json.loads(path.read_text())
    entries = []
    for item in doc.get("tokens", []):
        digest = bytes.fromhex(item["sha256"]) if "sha256" in item else _digest(item["token"])
        expires = item.get("expires_at")
        entries.append(_Entry(
            digest, Identity(str(item["identity"]), Role(item["role"])),
            datetime.fromisoformat(expires.replace("Z", "+00:00")) if expires else None))
    return entries


class TokenRegistry:
    """Known tokens, held as SHA-256 digests; lookups compare in constant time.

    Loaded from a file, it follows the file: a lookup first re-reads it when its inode, mtime or size
    changed (checked at most every CHECK_SECONDS), and reload() (SIGHUP) re-reads it at once. A file
    that does not parse leaves the tokens as they were, and the error is logged.
    """

    def __init__(self, entries: list[_Entry], path: Path | None = None) -> None:
        self._entries = entries
        self._path = path
        self._stamp: tuple[int, int, int] | None = None
        self._next_check = 0.0
        self._lock = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> TokenRegistry:
        """Load a tokens file and follow its changes."""
        stamp = _stamp(path)  # before the read: a change during the read is seen at the next check
        registry = cls(_load(path), path)
        registry._stamp = stamp
        return registry

    def reload(self) -> bool:
        """Re-read the tokens file now; False (old tokens kept) when it is missing or does not parse."""
        if self._path is None:
            return False
        with self._lock:
            try:
                stamp = _stamp(self._path)
                entries = _load(self._path)
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.error("tokens file not reloaded, keeping the previous tokens",
                          extra={"path": str(self._path), "error": str(exc)})
                return False
            self._entries, self._stamp = entries, stamp
        log.info("tokens file reloaded", extra={"path": str(self._path), "tokens": len(entries)})
        return True

    def refresh(self) -> None:
        """Reload when the file changed since it was read (at most one stat per CHECK_SECONDS)."""
        if self._path is None:
            return
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + CHECK_SECONDS
        try:
            stamp = _stamp(self._path)
        except OSError:
            stamp = None
        if stamp != self._stamp and not self.reload():
            self._stamp = stamp  # a broken file is reported once per change, not at every check

    def authenticate(self, authorization: str | None, now: datetime | None = None) -> Identity:
        """Return the identity of an 'authorization: Bearer <token>' value or raise AuthError."""
        self.refresh()
        if not authorization:
            raise AuthError("missing bearer token")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("malformed authorization header")
        digest = _digest(token.strip())
        match = None
        for entry in self._entries:  # no early exit: timing does not reveal the position
            if hmac.compare_digest(entry.digest, digest):
                match = entry
        if match is None:
            raise AuthError("unknown token")
        if match.expires_at is not None and match.expires_at <= (now or datetime.now(timezone.utc)):
            raise AuthError("expired token")
        return match.identity


def ensure_admin_token(data_dir: Path) -> tuple[Path, Path]:
    """Create data_dir/admin.token (0600) and a tokens file holding its digest, once; return both paths."""
    data_dir.mkdir(parents=True, exist_ok=True)
    token_path = data_dir / "admin.token"
    tokens_path = data_dir / "tokens.json"
    if not token_path.exists():
        token = secrets.token_urlsafe(32)
        fd = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(token + "\n")
        doc = {"tokens": [{"identity": "admin", "role": "admin",
                           "sha256": _digest(token).hex()}]}
        fd = os.open(tokens_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=2)
    return token_path, tokens_path
