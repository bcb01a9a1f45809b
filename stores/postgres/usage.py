"""Consistency rule 3 (only validated content and active environments are used) and usage counters.

Learner sessions and simulations call these inside their own transactions, so the check, the
session row and the counters commit together. Counters change in SQL, never read-modify-write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg

from stores.errors import PreconditionFailed, not_found

# Counters read leniently (a JSON 3 or 3.0 both count) and default to 0 when missing.
_ATTEMPTS = "COALESCE((usage_statistics->>'attempts')::numeric::bigint, 0)"
_COMPLETIONS = "COALESCE((usage_statistics->>'completions')::numeric::bigint, 0)"


@dataclass(frozen=True)
class Usable:
    """What a session needs to know about the content or environment it uses."""

    content_id: str | None = None
    dataset_id: str | None = None
    content_type: str = ""          # the dataset's dataset_type
    difficulty_level: float | None = None
    learning_objectives: list[str] = field(default_factory=list)
    environment_id: str | None = None
    environment_type: str = ""
    max_participants: int = 1


async def ensure_usable(conn: psycopg.AsyncConnection[Any], *, content_id: str | None = None,
                        environment_id: str | None = None, lock: bool = False) -> Usable:
    """Rule 3: NOT_FOUND for unknown ids; FAILED_PRECONDITION unless the dataset is validated and the
    environment active. `lock` takes a share lock so a concurrent change cannot slip in before commit."""
    suffix = " FOR SHARE" if lock else ""
    values: dict[str, Any] = {}
    if content_id is not None:
        cur = await conn.execute(
            "SELECT c.content_id::text, c.dataset_id::text, c.difficulty_level, c.learning_objectives,"
            " d.validation_status, d.dataset_type FROM training_content c"
            " JOIN training_datasets d ON d.dataset_id = c.dataset_id WHERE c.content_id = %s" + suffix,
            (content_id,))
        row = await cur.fetchone()
        if row is None:
            raise not_found("content", content_id)
        if row["validation_status"] != "validated":
            raise PreconditionFailed(
                f"content {content_id!r} belongs to a dataset that is {row['validation_status']}, not validated",
                reason="CONTENT_NOT_VALIDATED", metadata={"content_id": content_id,
                                                          "validation_status": row["validation_status"]})
        values.update(content_id=row["content_id"], dataset_id=row["dataset_id"],
                      content_type=row["dataset_type"],
                      difficulty_level=float(row["difficulty_level"]) if row["difficulty_level"] is not None else None,
                      learning_objectives=list(row["learning_objectives"] or []))
    if environment_id is not None:
        cur = await conn.execute(
            "SELECT environment_id::text, environment_type, active_status, max_participants,"
            " learning_objectives FROM simulation_environments WHERE environment_id = %s" + suffix,
            (environment_id,))
        row = await cur.fetchone()
        if row is None:
            raise not_found("environment", environment_id)
        if not row["active_status"]:
            raise PreconditionFailed(f"environment {environment_id!r} is inactive",
                                     reason="ENVIRONMENT_INACTIVE",
                                     metadata={"environment_id": environment_id})
        values.update(environment_id=row["environment_id"], environment_type=row["environment_type"],
                      max_participants=int(row["max_participants"] or 1))
        if not values.get("learning_objectives"):
            values["learning_objectives"] = list(row["learning_objectives"] or [])
    return Usable(**values)


async def count_start(conn: psycopg.AsyncConnection[Any], *, content_id: str | None = None,
                      environment_id: str | None = None) -> None:
    """A session started: content attempts +1 (success_rate recomputed), its dataset's usage_count +1,
    environment usage_count +1. Each is one UPDATE whose row lock serialises concurrent starts."""
    if content_id is not None:
        await conn.execute(
            "UPDATE training_content SET usage_statistics = jsonb_build_object("
            f" 'attempts', {_ATTEMPTS} + 1, 'completions', {_COMPLETIONS},"
            f" 'success_rate', round({_COMPLETIONS}::numeric / ({_ATTEMPTS} + 1), 4))"
            " WHERE content_id = %s", (content_id,))
        await conn.execute(
            "UPDATE training_datasets SET usage_count = COALESCE(usage_count, 0) + 1 WHERE dataset_id ="
            " (SELECT dataset_id FROM training_content WHERE content_id = %s)", (content_id,))
    if environment_id is not None:
        await conn.execute("UPDATE simulation_environments SET usage_count = COALESCE(usage_count, 0) + 1"
                           " WHERE environment_id = %s", (environment_id,))


async def count_end(conn: psycopg.AsyncConnection[Any], *, content_id: str | None, completed: bool) -> None:
    """A session ended: completions +1 when completed; success_rate = completions / attempts."""
    if content_id is None:
        return
    await conn.execute(
        "UPDATE training_content SET usage_statistics = jsonb_build_object("
        f" 'attempts', GREATEST({_ATTEMPTS}, 1),"
        f" 'completions', {_COMPLETIONS} + %(inc)s,"
        f" 'success_rate', round(({_COMPLETIONS} + %(inc)s)::numeric / GREATEST({_ATTEMPTS}, 1), 4))"
        " WHERE content_id = %(id)s", {"inc": 1 if completed else 0, "id": content_id})
