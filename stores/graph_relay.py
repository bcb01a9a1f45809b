"""The graph's outbox consumer: keeps Learner, Content, HAS_SKILL and COLLABORATED_WITH in step with PostgreSQL.

Rows arrive in outbox_id order (one active relay per consumer) but a killed relay delivers its last
batch again, and a transaction that commits late can deliver a lower id after a higher one. Every
edge therefore remembers the last APPLIED_WINDOW outbox ids applied to it and skips those: effects
are exactly once. Node mirrors (profiles, content) keep the last applied id and ignore older rows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import groupby
from typing import Any

from stores.collaboration import Collaboration
from stores.errors import StoreError
from stores.graph.base import GraphBackend
from stores.graph_model import (APPLIED_WINDOW, EdgeState, GraphModel, delete_learners, mirror_contents,
                                mirror_learners)
from stores.ids import is_id
from stores.knowledge_tracing import SkillState, update
from stores.learning_paths import LearningPaths
from stores import metrics
from stores.outbox import OutboxRow

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


class GraphConsumer:
    """OutboxConsumer "graph": applies outbox rows to the graph store."""

    name = "graph"
    event_types = frozenset({"assessment_submit", "profile_upserted", "content_upserted",
                             "content_deleted", "collaboration", "learner_erased"})

    def __init__(self, graph: GraphBackend) -> None:
        self.graph = graph
        self.model = GraphModel(graph)
        self.paths = LearningPaths(graph)
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
        # Observations per (learner, skill), in outbox order.
        observations: dict[tuple[str, str], list[tuple[int, float, int]]] = {}
        for r in rows:
            learner = _id(r.payload.get("learner_id") or r.learner_id)
            scores = r.payload.get("skill_assessments")
            if learner is None or not isinstance(scores, dict):
                continue
            at = epoch_ms(r.payload.get("assessment_timestamp"), r.created_at)
            for skill, raw in scores.items():
                score = _score(raw)
                if _id(skill) is None or score is None:
                    log.warning("outbox %s: skipping unusable skill score %r", r.outbox_id, skill)
                    continue
                observations.setdefault((learner, skill), []).append((r.outbox_id, score, at))
        pending = list(observations)
        for _ in range(WRITE_ATTEMPTS):
            if not pending:
                return
            states = await self.model.read_edge_states(
                {pair: [o[0] for o in observations[pair]] for pair in pending})
            changed = [e for pair in pending if (e := self._apply(states[pair], observations[pair]))]
            written = await self.model.write_edge_states(changed)
            pending = [(e.learner_id, e.skill_id) for e in changed
                       if (e.learner_id, e.skill_id) not in written]
        if pending:
            raise StoreError(f"HAS_SKILL kept changing under the relay for {len(pending)} edges")
        now = datetime.now(timezone.utc)
        for r in rows:
            metrics.LEARNING_LATENCY.labels("assessment_processing").observe(
                max(0.0, (now - r.created_at).total_seconds()))

    @staticmethod
    def _apply(edge: EdgeState, observations: list[tuple[int, float, int]]) -> EdgeState | None:
        """Fold the observations the edge has not applied yet; None when nothing is new."""
        state = edge.state or SkillState.initial(edge.params)
        new_ids, last = [], 0
        for outbox_id, score, at in observations:
            if outbox_id in edge.skip or outbox_id in new_ids:
                continue
            state = update(state, score, edge.params)
            new_ids.append(outbox_id)
            last = max(last, at)
        if not new_ids:
            return None
        return EdgeState(edge.learner_id, edge.skill_id, edge.params, state, edge.version, edge.skip,
                         new_ids, last)
