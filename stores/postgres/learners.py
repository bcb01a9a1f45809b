"""Learner profiles (learner_profiles): create, read, list and versioned update, each with its outbox row."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from stores.errors import AlreadyExists, Conflict, NotFound, not_found
from stores.postgres import PostgresStore, idempotency, outbox
from stores.postgres.sql import Range, Where, commit_ordered

#: JSONB columns of a profile.
JSON_FIELDS = ("current_capabilities", "learning_style", "performance_metrics", "learning_goals",
               "preferences", "constraints")
#: Columns an update may set; the only names ever spliced into SQL text.
MUTABLE_FIELDS = ("learner_type", *JSON_FIELDS, "last_activity")

_COLUMNS = ("profile_id::text AS profile_id, learner_id, learner_type, " + ", ".join(JSON_FIELDS)
            + ", created_at, updated_at, last_activity, profile_version")


def utc_iso(value: datetime) -> str:
    """ISO-8601 UTC text with a 'Z' suffix, as outbox payloads carry times."""
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def json_value(value: dict[str, Any] | None) -> Jsonb | None:
    """A dict as a JSONB parameter; None stays SQL NULL."""
    return Jsonb(value) if value is not None else None


@dataclass(frozen=True)
class Profile:
    """One learner_profiles row."""

    profile_id: str
    learner_id: str
    learner_type: str
    current_capabilities: dict[str, Any] | None
    learning_style: dict[str, Any] | None
    performance_metrics: dict[str, Any] | None
    learning_goals: dict[str, Any] | None
    preferences: dict[str, Any] | None
    constraints: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    last_activity: datetime | None
    profile_version: int
    #: Commit-order position (migration postgres/0120); set on rows read by a list, else None.
    list_seq: int | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Profile:
        """Build from a row selected with _COLUMNS."""
        return cls(**{**row, "profile_version": int(row["profile_version"] or 1)})


@dataclass(frozen=True)
class ProfileQuery:
    """Filters and keyset position of ListLearnerProfiles."""

    limit: int
    learner_type: str | None = None
    #: Only this learner (a node caller's scope).
    learner_id: str | None = None
    last_activity_from: datetime | None = None
    last_activity_to: datetime | None = None
    #: list_seq of the last row of the previous page.
    after: int | None = None


async def touch_activity(conn: psycopg.AsyncConnection[Any], learner_id: str, at: datetime | None) -> None:
    """Move a profile's last_activity forward to at (no-op without a profile or when it is older).

    Activity bookkeeping is not a profile edit: profile_version and updated_at stay, so an activity
    never makes a caller's etag stale.
    """
    await conn.execute("UPDATE learner_profiles SET last_activity = GREATEST(last_activity, COALESCE(%s, now()))"
                       " WHERE learner_id = %s", (at, learner_id))


def _upserted(profile: Profile) -> dict[str, Any]:
    return {"learner_id": profile.learner_id, "learner_type": profile.learner_type}


class LearnerStore:
    """Profiles in PostgreSQL; every write appends profile_upserted in the same transaction (rule 4)."""

    def __init__(self, postgres: PostgresStore) -> None:
        self.postgres = postgres

    async def create(self, values: dict[str, Any], *, request_id: str | None, identity: str,
                     fingerprint: str = "") -> Profile:
        """Insert a profile (learner_id, learner_type and JSON fields in values); ALREADY_EXISTS on a duplicate."""
        async with self.postgres.transaction() as conn:
            profile_id = str(uuid.uuid4())
            if request_id:
                winner = await idempotency.claim(conn, "learner.create_profile", request_id, profile_id, identity,
                                                 fingerprint)
                if winner != profile_id:
                    return await _by_profile_id(conn, winner)
            cur = await conn.execute(
                "INSERT INTO learner_profiles (profile_id, learner_id, learner_type, " + ", ".join(JSON_FIELDS)
                + ", last_activity) VALUES (%s, %s, %s, " + ", ".join(["%s"] * len(JSON_FIELDS))
                + ", %s) ON CONFLICT (learner_id) DO NOTHING RETURNING " + _COLUMNS,
                (profile_id, values["learner_id"], values["learner_type"],
                 *(json_value(values.get(f)) for f in JSON_FIELDS), values.get("last_activity")))
            row = await cur.fetchone()
            if row is None:
                raise AlreadyExists(f"a profile for learner {values['learner_id']!r} exists",
                                    reason="LEARNER_PROFILE_EXISTS",
                                    metadata={"learner_id": values["learner_id"]})
            profile = Profile.from_row(row)
            await outbox.append(conn, "profile_upserted", profile.learner_id, _upserted(profile),
                                learner_id=profile.learner_id)
        return profile

    async def get(self, learner_id: str) -> Profile:
        """The profile of learner_id; NOT_FOUND when there is none."""
        async with self.postgres.connection() as conn:
            cur = await conn.execute(f"SELECT {_COLUMNS} FROM learner_profiles WHERE learner_id = %s",
                                     (learner_id,))
            row = await cur.fetchone()
        if row is None:
            raise _missing(learner_id)
        return Profile.from_row(row)

    async def list(self, query: ProfileQuery) -> list[Profile]:
        """One page in commit order (list_seq)."""
        where = Where()
        where.equals("learner_type", query.learner_type)
        where.equals("learner_id", query.learner_id)
        where.within("last_activity", Range(query.last_activity_from, query.last_activity_to, end_exclusive=True))
        rows = await commit_ordered(self.postgres, _COLUMNS, "learner_profiles", where, query.after, query.limit)
        return [Profile.from_row(r) for r in rows]

    async def update(self, learner_id: str, changes: dict[str, Any], etag: int | None) -> Profile:
        """Set changes (MUTABLE_FIELDS only) and bump profile_version in one statement; ABORTED on a stale etag."""
        names = [name for name in MUTABLE_FIELDS if name in changes]
        if not names or len(names) != len(changes):
            raise ValueError(f"changes must be a non-empty subset of {MUTABLE_FIELDS}")
        assignments = ", ".join(f"{name} = %({name})s" for name in names)
        params: dict[str, Any] = {name: json_value(changes[name]) if name in JSON_FIELDS else changes[name]
                                  for name in names}
        params.update(learner_id=learner_id, etag=etag)
        check = " AND COALESCE(profile_version, 1) = %(etag)s" if etag is not None else ""
        async with self.postgres.transaction() as conn:
            cur = await conn.execute(
                f"UPDATE learner_profiles SET {assignments}, profile_version = COALESCE(profile_version, 1) + 1,"
                f" updated_at = now() WHERE learner_id = %(learner_id)s{check} RETURNING {_COLUMNS}", params)
            row = await cur.fetchone()
            if row is None:
                cur = await conn.execute("SELECT profile_version FROM learner_profiles WHERE learner_id = %s",
                                         (learner_id,))
                current = await cur.fetchone()
                if current is None:
                    raise _missing(learner_id)
                raise Conflict(f"etag {etag} is stale: profile_version is {current['profile_version']}",
                               reason="ETAG_MISMATCH",
                               metadata={"current_version": str(current["profile_version"])})
            profile = Profile.from_row(row)
            await outbox.append(conn, "profile_upserted", profile.learner_id, _upserted(profile),
                                learner_id=profile.learner_id)
        return profile


async def _by_profile_id(conn: psycopg.AsyncConnection[Any], profile_id: str) -> Profile:
    cur = await conn.execute(f"SELECT {_COLUMNS} FROM learner_profiles WHERE profile_id = %s", (profile_id,))
    row = await cur.fetchone()
    if row is None:  # the first result was erased since
        raise NotFound(f"profile {profile_id!r} of this request no longer exists",
                       reason="LEARNER_PROFILE_NOT_FOUND", metadata={"profile_id": profile_id})
    return Profile.from_row(row)


def _missing(learner_id: str) -> NotFound:
    return not_found("learner_profile", learner_id)


async def learner_ids_of_type(postgres: PostgresStore, learner_type: str) -> list[str]:
    """The ids of every learner profile of learner_type (a cohort), from the read pool."""
    async with postgres.read_connection() as conn:
        cur = await conn.execute("SELECT learner_id FROM learner_profiles WHERE learner_type = %s", (learner_type,))
        return [r["learner_id"] for r in await cur.fetchall()]
