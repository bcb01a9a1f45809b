"""Checker rules specific to simulations (ids, participants, resume tokens, mask paths, end states)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from amauta.v1 import common_pb2
from server.rpc.validation import Checker
from stores.redis.simulations import parse_token

_SIMULATION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_MAX_MASK_PATHS = 100
_MAX_PATH_DEPTH = 32


class SimulationChecker(Checker):
    """The shared Checker plus the simulation fields."""

    def simulation_id(self, value: str, field: str, *, required: bool = True) -> str | None:
        """1 to 64 characters of [A-Za-z0-9_-]; None when empty and optional."""
        if not value:
            if required:
                self.fail(field, "is required")
            return None
        if not _SIMULATION_ID.match(value):
            self.fail(field, "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'")
        return value

    def participants(self, values: Iterable[str], field: str) -> list[str]:
        """At least one learner id, each an id of the grammar, no duplicates."""
        items = self.ids(values, field)
        if not items:
            self.fail(field, "needs at least one participant")
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item in seen:
                self.fail(f"{field}[{i}]", f"duplicate participant {item!r}")
            seen.add(item)
        return items

    def learner_ids(self, values: Iterable[str], field: str, *, required: bool) -> list[str]:
        """Learner ids (invitations): each a short id, no duplicates; at least one when required."""
        items = self.strings(values, field, max_chars=self.limits.short_chars)
        if required and not items:
            self.fail(field, "needs at least one learner id")
        if len(set(items)) != len(items):
            self.fail(field, "must not repeat a learner id")
        return items

    def resume_token(self, value: str, field: str) -> str:
        """Empty, or a token from an earlier watch message (`<ms>-<version>`)."""
        if value and parse_token(value) is None:
            self.fail(field, "malformed resume token")
        return value

    def mask_paths(self, paths: Iterable[str], field: str) -> list[str]:
        """Dot-separated key paths into current_state: non-empty keys, bounded count and depth, no repeats."""
        out: list[str] = []
        for i, path in enumerate(paths):
            parts = path.split(".")
            if len(out) >= _MAX_MASK_PATHS:
                self.fail(field, f"must have at most {_MAX_MASK_PATHS} paths")
                break
            if not path or any(not p for p in parts) or len(path) > self.limits.item_chars or "\x00" in path:
                self.fail(f"{field}.paths[{i}]", "must be dot-separated non-empty keys")
            elif len(parts) > _MAX_PATH_DEPTH:
                self.fail(f"{field}.paths[{i}]", f"must be at most {_MAX_PATH_DEPTH} keys deep")
            elif path not in out:
                out.append(path)
        return out

    def end_status(self, value: int, field: str, *, default: str) -> str:
        """An ending CompletionStatus as its database string; UNSPECIFIED gives default, IN_PROGRESS fails."""
        if value == common_pb2.COMPLETION_STATUS_UNSPECIFIED:
            return default
        if value == common_pb2.COMPLETION_STATUS_IN_PROGRESS:
            self.fail(field, "must be COMPLETED, ABANDONED or FAILED")
            return default
        return self.enum(value, common_pb2.CompletionStatus.DESCRIPTOR, field) or default

    def version(self, value: int, field: str) -> int:
        """A non-negative version (0 means no check)."""
        if value < 0:
            self.fail(field, "must not be negative")
        return value
