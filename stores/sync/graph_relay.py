"""The graph's outbox consumer: keeps Learner, Content, HAS_SKILL and COLLABORATED_WITH in step with PostgreSQL.

HAS_SKILL is the BKT fold of the (learner, skill) history in the order of stores/postgres/skill_history.py
(assessment_timestamp, then assessment_id), whatever order the outbox rows come in. Each edge keeps
the order key of the last assessment folded into it. An assessment that sorts after that key is
applied in O(1) (the fast path); the one with that very key is a redelivery and is skipped; one that
sorts before it (a transaction that committed late, an older timestamp recorded last, or a killed
relay's batch delivered again) makes the relay recompute the edge from the history in PostgreSQL.
A recompute is a pure function of the history, so effects are exactly once however often a row
comes. Node mirrors (profiles, content) keep the last applied id and ignore older rows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import groupby
from typing import Any, Protocol

from stores import metrics
from stores.errors import StoreError
from stores.graph.base import GraphBackend
from stores.graph.collaboration import Collaboration
from stores.graph.frontier import MASTERY_THRESHOLD, new_token
from stores.graph.knowledge_tracing import SkillState, fold
from stores.graph.learning_paths import LearningPaths
from stores.graph.model import APPLIED_WINDOW, EdgeState, GraphModel, delete_learners, mirror_contents, mirror_learners
from stores.ids import is_id
from stores.postgres.outbox import OutboxRow
from stores.postgres.skill_history import Observation, order_key

Pair = tuple[str, str]

log = logging.getLogger(__name__)

#: Rounds of optimistic retries when a manual correction races the relay on an edge.
WRITE_ATTEMPTS = 5
#: Longest id or skill name the consumer accepts from a payload.
MAX_ID_CHARS = 255


def epoch_ms(value: Any, fallback: datetime) -> int:
    """An ISO-8601 time from a payload as epoch milliseconds (fallback when absent or bad)."""
    when = fallback
    if isinstance(value, str) and value:
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            pass
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp() * 1000)


def _id(value: Any) -> str | None:
    # A payload id outside the grammar is skipped: the graph guard would refuse the whole batch.
    return value if is_id(value, MAX_ID_CHARS) else None


def _score(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return min(1.0, max(0.0, float(value)))


class HistorySource(Protocol):
    """Where the relay reads (learner, skill) histories from when it recomputes an edge."""

    async def histories(self, pairs: Sequence[Pair]) -> dict[Pair, list[Observation]]:
        """Each pair's observations in the history order (stores/postgres/skill_history.py)."""


def folded(edge: EdgeState, history: Sequence[Observation]) -> EdgeState | None:
    """The edge recomputed from its whole history (None for an empty one: nothing to fold)."""
    if not history:
        return None
    state = fold([o.score for o in history], edge.params)
    return EdgeState(edge.learner_id, edge.skill_id, edge.params, state, edge.version, history[-1].key,
                     max(o.at_ms for o in history))


def appended(edge: EdgeState, new: Sequence[Observation]) -> EdgeState:
    """The edge with observations that all sort after its last key folded in (the fast path)."""
    state = fold([o.score for o in new], edge.params, edge.state)
    return EdgeState(edge.learner_id, edge.skill_id, edge.params, state, edge.version, new[-1].key,
                     max(o.at_ms for o in new))


def crossed(before: SkillState | None, after: SkillState | None) -> bool:
    """Whether an update moved a proficiency across the mastery threshold (no edge: proficiency 0)."""
    if after is None:
        return True
    return (before is not None and before.proficiency >= MASTERY_THRESHOLD) != (after.proficiency >= MASTERY_THRESHOLD)


async def recompute_edges(model: GraphModel, source: HistorySource, pairs: Sequence[Pair], *,
                          cause: str = "late", token: str | None = None) -> int:
    """Set each pair's HAS_SKILL to the fold of its history; returns how many edges were written.

    The edge's version is read before the history: every assessment already folded into that version
    had committed before it was applied, so the history read afterwards contains it, and the
    conditional write cannot lose an assessment the relay applied meanwhile (it retries instead).
    """
    pending = list(dict.fromkeys(pairs))
    written_total = 0
    for _ in range(WRITE_ATTEMPTS):
        if not pending:
            return written_total
        edges = await model.read_edge_states(pending)
        histories = await source.histories(pending)
        changed = [e for pair in pending if (e := folded(edges[pair], histories[pair])) is not None]
        written = await model.write_edge_states(changed, token=token)
        written_total += len(written)
        metrics.EDGE_RECOMPUTES.labels(cause).inc(len(written))
        pending = [(e.learner_id, e.skill_id) for e in changed if (e.learner_id, e.skill_id) not in written]
    if pending:
        raise StoreError(f"HAS_SKILL kept changing under the recompute for {len(pending)} edges")
    return written_total


class GraphConsumer:
    """OutboxConsumer "graph": applies outbox rows to the graph store."""

    name = "graph"
    event_types = frozenset({"assessment_submit", "profile_upserted", "content_upserted",
                             "content_deleted", "collaboration", "learner_erased"})

    def __init__(self, graph: GraphBackend, histories: HistorySource) -> None:
        self.graph = graph
        self.histories = histories
        self.model = GraphModel(graph)
        self.paths = LearningPaths(graph, self.model.frontier)
        self.collaboration = Collaboration(graph)

    async def deliver(self, rows: Sequence[OutboxRow]) -> None:
        """Apply rows in order; consecutive rows of one type go to the store together."""
        for event_type, run in groupby(rows, key=lambda r: r.event_type):
            segment = list(run)
            handler = getattr(self, f"_on_{event_type}", None)
            if handler is not None:
                await handler(segment)

    async def _on_profile_upserted(self, rows: list[OutboxRow]) -> None:
        latest = {}
        for r in rows:
            if (lid := _id(r.payload.get("learner_id"))) is not None:
                latest[lid] = {"id": lid, "type": str(r.payload.get("learner_type") or ""),
                               "outbox": r.outbox_id}
        await mirror_learners(self.graph, list(latest.values()))

    async def _on_content_upserted(self, rows: list[OutboxRow]) -> None:
        latest = {}
        for r in rows:
            if (cid := _id(r.payload.get("content_id"))) is not None:
                latest[cid] = {"id": cid, "type": str(r.payload.get("content_type") or ""),
                               "difficulty": _score(r.payload.get("difficulty_level")),
                               "outbox": r.outbox_id}
        await mirror_contents(self.graph, list(latest.values()))

    async def _on_content_deleted(self, rows: list[OutboxRow]) -> None:
        for r in rows:
            if (cid := _id(r.payload.get("content_id"))) is not None:
                await self.paths.delete_content(cid)

    async def _on_learner_erased(self, rows: list[OutboxRow]) -> None:
        ids = [lid for r in rows if (lid := _id(r.payload.get("learner_id") or r.learner_id))]
        await delete_learners(self.graph, ids)

    async def _on_collaboration(self, rows: list[OutboxRow]) -> None:
        for r in rows:
            p = r.payload
            learners = [lid for x in (p.get("learner_ids") or []) if (lid := _id(x))]
            skills = [s for x in (p.get("complementary_skills") or []) if (s := _id(x))]
            await self.collaboration.record(
                r.outbox_id, learners, synergy=_score(p.get("synergy")) or 0.0,
                at_ms=epoch_ms(p.get("at"), r.created_at), skills=skills, window=APPLIED_WINDOW)

    async def _on_assessment_submit(self, rows: list[OutboxRow]) -> None:
        # Observations per (learner, skill), by order key (a row offered twice in a batch counts once).
        observations: dict[Pair, dict[tuple[int, str], Observation]] = {}
        # A batch names few distinct skills many times: each is checked against the id grammar once.
        usable: dict[str, bool] = {}
        for r in rows:
            learner = _id(r.payload.get("learner_id") or r.learner_id)
            scores = r.payload.get("skill_assessments")
            if learner is None or not isinstance(scores, dict):
                continue
            assessment = r.payload.get("assessment_id") or r.aggregate_id
            key = order_key(r.payload.get("assessment_timestamp"), str(assessment))
            at = epoch_ms(r.payload.get("assessment_timestamp"), r.created_at)
            for skill, raw in scores.items():
                score = _score(raw)
                if (ok := usable.get(skill)) is None:
                    ok = usable[skill] = _id(skill) is not None
                if not ok or score is None:
                    log.warning("outbox %s: skipping unusable skill score %r", r.outbox_id, skill)
                    continue
                observations.setdefault((learner, skill), {})[key] = Observation(key, score, at)
        pending = list(observations)
        # The learners written hold this token until their frontier is refreshed (stores/graph/frontier.py),
        # which needs to know where a proficiency crossed the mastery threshold.
        token = new_token()
        changes: dict[Pair, bool] = {}
        for _ in range(WRITE_ATTEMPTS):
            if not pending:
                break
            edges = await self.model.read_edge_states(pending)
            fast: list[EdgeState] = []
            late: list[Pair] = []
            for pair in pending:
                edge = edges[pair]
                new = sorted((o for o in observations[pair].values() if o.key != edge.last_key),
                             key=lambda o: o.key)
                if not new:
                    continue                      # a redelivery of the last assessment applied
                if edge.state is None or (edge.last_key is not None and new[0].key > edge.last_key):
                    fast.append(after := appended(edge, new))
                    changes[pair] = changes.get(pair, False) or crossed(edge.state, after.state)
                else:
                    late.append(pair)             # sorts before what the edge holds: recompute
                    changes[pair] = True
            written = await self.model.write_edge_states(fast, token=token)
            if late:
                await recompute_edges(self.model, self.histories, late, token=token)
            pending = [(e.learner_id, e.skill_id) for e in fast if (e.learner_id, e.skill_id) not in written]
        if pending:
            raise StoreError(f"HAS_SKILL kept changing under the relay for {len(pending)} edges")
        await self.model.frontier.refresh(token, changes)
        now = datetime.now(timezone.utc)
        latency = metrics.LEARNING_LATENCY.labels("assessment_processing")
        for r in rows:
            latency.observe(max(0.0, (now - r.created_at).total_seconds()))
