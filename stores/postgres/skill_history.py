"""The one order of a learner's assessments of a skill, and the histories read in it.

A (learner, skill) history is every numeric score of the skill in the learner's assessment_results
rows, clamped to [0, 1], ordered by assessment_timestamp and then assessment_id (a row without a
timestamp sorts last, as PostgreSQL orders NULLs). The graph relay's online update, its recompute of
an edge and EM (stores/sync/skill_fitting.py) all use this order, so the HAS_SKILL edge is the BKT fold
of exactly the history that the fit sees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from itertools import groupby

from stores.ids import OrderKey
from stores.postgres import PostgresStore

#: (assessment_timestamp in microseconds since the epoch, assessment_id): compares as the SQL ORDER BY
#: does (a UUID's canonical lower-case text sorts like its bytes).
#: Key time of an assessment without a timestamp: after every real one.
NO_TIME = 2**62

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_SCORE = "LEAST(1.0, GREATEST(0.0, (a.skill_assessments ->> {skill})::float8))"
_SCORED = ("a.skill_assessments ? {skill} AND jsonb_typeof(a.skill_assessments -> {skill}) = 'number'")
ORDER = "a.assessment_timestamp, a.assessment_id"

#: One skill's history for every learner (EM).
SKILL_HISTORY = (
    f"SELECT a.learner_id, {_SCORE.format(skill='%(skill)s')} AS score FROM assessment_results a"
    f" WHERE {_SCORED.format(skill='%(skill)s')} ORDER BY a.learner_id, {ORDER}")
#: Histories of (learner, skill) pairs, pair i in the order of the i-th elements of both arrays.
PAIR_HISTORIES = (
    "SELECT p.i, a.assessment_id::text AS assessment_id, a.assessment_timestamp AS at,"
    f" {_SCORE.format(skill='p.skill')} AS score"
    " FROM unnest(%(learners)s::text[], %(skills)s::text[]) WITH ORDINALITY AS p(learner, skill, i)"
    f" JOIN assessment_results a ON a.learner_id = p.learner WHERE {_SCORED.format(skill='p.skill')}"
    f" ORDER BY p.i, {ORDER}")
#: Learners with at least one score of the skill (the edges a fit recomputes).
SKILL_LEARNERS = (f"SELECT DISTINCT a.learner_id FROM assessment_results a WHERE {_SCORED.format(skill='%(skill)s')}"
                  " ORDER BY a.learner_id")


@dataclass(frozen=True)
class Observation:
    """One score of a (learner, skill) history."""

    key: OrderKey
    score: float
    at_ms: int          # the assessment's time, epoch milliseconds (lastAssessed)


def micros(when: datetime) -> int:
    """Microseconds since the epoch, in integer arithmetic."""
    aware = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return (aware - _EPOCH) // timedelta(microseconds=1)


def order_key(when: datetime | str | None, assessment_id: str) -> OrderKey:
    """The sort key of an assessment from its timestamp (a datetime, ISO-8601 text or None) and id."""
    if isinstance(when, str):
        try:
            when = datetime.fromisoformat(when)
        except ValueError:
            when = None
    return (micros(when) if isinstance(when, datetime) else NO_TIME, assessment_id)


async def skill_history(postgres: PostgresStore, skill_id: str) -> list[list[float]]:
    """Every learner's scores of skill_id, one sequence per learner, in the history order."""
    async with postgres.connection() as conn:
        cur = await conn.execute(SKILL_HISTORY, {"skill": skill_id})
        rows = await cur.fetchall()
    return [[float(r["score"]) for r in group] for _, group in groupby(rows, key=lambda r: r["learner_id"])]


async def skill_learners(postgres: PostgresStore, skill_id: str) -> list[str]:
    """Learners with at least one score of skill_id."""
    async with postgres.connection() as conn:
        cur = await conn.execute(SKILL_LEARNERS, {"skill": skill_id})
        return [r["learner_id"] for r in await cur.fetchall()]


class PostgresHistories:
    """The (learner, skill) histories in assessment_results."""

    def __init__(self, postgres: PostgresStore) -> None:
        self.postgres = postgres

    async def histories(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Observation]]:
        """Each pair's history in order (an empty list for a pair without scores)."""
        out: dict[tuple[str, str], list[Observation]] = {pair: [] for pair in pairs}
        if not pairs:
            return out
        async with self.postgres.connection() as conn:
            cur = await conn.execute(PAIR_HISTORIES, {"learners": [learner for learner, _ in pairs],
                                                      "skills": [s for _, s in pairs]})
            rows = await cur.fetchall()
        for r in rows:
            at = r["at"]
            out[pairs[int(r["i"]) - 1]].append(Observation(
                order_key(at, r["assessment_id"]), float(r["score"]),
                micros(at) // 1000 if at is not None else 0))
        return out
