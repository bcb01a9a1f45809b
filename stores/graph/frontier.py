"""The RecommendNext frontier: per learner, the content RecommendNext may offer, already scored.

RecommendNext offers unmastered content whose mandatory prerequisites are all mastered, ranked by
closeness to the learner's proficiency and the strength of the mastered prerequisites
(learning_paths.RECOMMEND is that ranking as one statement). Computed on every call, it scores every
entry point of the catalog for every learner. The frontier keeps the answer as
(Learner)-[:FRONTIER]->(Content) edges carrying the ranking inputs, so that a call reads the learner's
best edges and the best entry points by difficulty.

For learner l and content c, let M be the prerequisites of c that l has mastered (optional ones too).
c is *unlocked* when M is not empty and holds every mandatory prerequisite of c; an *entry point* has
no mandatory prerequisite. c is *specific* to l when l holds a skill c teaches or M is not empty. The
edge l → c exists when c is specific to l and is an entry point, or is unlocked and unmastered; its
`ready` says whether RecommendNext may offer it. An entry point without an edge is then one that l
knows nothing of: it scores what it scores at proficiency 0, from its difficulty alone, at read time.

Learner.frontier says whether the edges are current: 'ok' when they are. Every writer of an input marks
the learners it affects in (or before and after) the statement that changes the input:
- HAS_SKILL writes (GraphModel.write_edge_states) swap 'ok' for the writer's token; the relay then
  recomputes the edges the change can touch and restores 'ok' only while its token is still there;
- hand-set HAS_SKILL and catalog changes (prerequisites, TEACHES, difficulty, deletes) clear the mark.
A learner without 'ok' is answered by learning_paths.RECOMMEND from HAS_SKILL directly, and rebuilt by
the repair worker, whose writes are guarded by its own token the same way. A token older than
STALE_TOKEN_MS belongs to a writer that died; the worker takes such learners over.

The ranking is computed here in Python from a few compact reads, not in Cypher: per candidate the
statement form costs about 70 µs inside FalkorDB, the reads and this module a small part of that.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from stores import metrics
from stores.graph.base import GraphBackend, packable, packed, unpacked
from stores.ids import require_ids
from stores.tasks import stop_requested

__all__ = ["MASTERY_THRESHOLD", "TRUSTED", "W_DIFFICULTY", "W_STRENGTH", "ZPD_OFFSET", "Entry", "Frontier",
           "Item", "entry", "mastered", "new_token"]

#: Default proficiency at which content counts as mastered.
MASTERY_THRESHOLD = 0.8
#: Zone of proximal development: the ideal difficulty is this much above current proficiency.
ZPD_OFFSET = 0.1
#: RecommendNext score = W_DIFFICULTY · closeness + W_STRENGTH · prerequisite strength.
W_DIFFICULTY = 0.7
W_STRENGTH = 0.3
#: Learner.frontier of a learner whose frontier edges are current.
TRUSTED = "ok"
#: A writer's token this old is taken to belong to a writer that died.
STALE_TOKEN_MS = 30_000
#: Learners one repair round rebuilds.
REPAIR_BATCH = 50
#: Seconds between repair rounds that found nothing to do.
REPAIR_IDLE_SECONDS = 1.0
#: Entries ranked between two turns of the event loop (about 15 ms of CPU).
YIELD_EVERY = 2000
#: Entries per write statement.
WRITE_BATCH = 5000


class Item(NamedTuple):
    """What the ranking needs of one Content node."""

    difficulty: float
    need: int | None                                # mandatoryPrereqCount
    skills: tuple[str, ...]                         # what it TEACHES
    parents: tuple[tuple[str, float, bool], ...]    # (prerequisite, strength, optionalBypass)


class Entry(NamedTuple):
    """One (learner, content) result: whether the edge exists, and what it carries."""

    content_id: str
    keep: bool
    ready: bool
    unlocked: bool
    score: float
    gap: float
    prof: float
    strength: float


log = logging.getLogger(__name__)


def new_token() -> str:
    """A writer's token for Learner.frontier."""
    return uuid.uuid4().hex


def closeness(gap: float) -> float:
    """1 at the ideal difficulty, falling linearly to 0 one unit away from it."""
    off = abs(gap - ZPD_OFFSET)
    return 0.0 if off > 1.0 else 1.0 - off


def mastered(skills: Sequence[str], prof: Mapping[str, float], threshold: float = MASTERY_THRESHOLD) -> bool:
    """Content is mastered when it teaches a skill and every skill it teaches is at the threshold."""
    return bool(skills) and all(prof.get(s, 0.0) >= threshold for s in skills)


def entry(content_id: str, item: Item, items: Mapping[str, Item], prof: Mapping[str, float]) -> Entry:
    """The frontier entry of content for a learner with proficiencies prof (items: its prerequisites)."""
    mean = sum(prof.get(s, 0.0) for s in item.skills) / len(item.skills) if item.skills else 0.0
    held = any(s in prof for s in item.skills)
    done = mastered(item.skills, prof)
    got, strengths = 0, []
    for parent, strength, optional in item.parents:
        p = items.get(parent)
        if p is not None and mastered(p.skills, prof):
            strengths.append(strength)
            got += not optional
    unlocked = bool(strengths) and got == item.need
    is_entry = item.need == 0
    strength = sum(strengths) / len(strengths) if unlocked else 0.0
    gap = item.difficulty - mean
    score = W_DIFFICULTY * closeness(gap) + W_STRENGTH * strength
    keep = (held or bool(strengths)) and (is_entry or (unlocked and not done))
    return Entry(content_id, keep, not done and (unlocked or is_entry), unlocked, score, gap, mean, strength)


def _packed(dialect: str, what: str) -> str:
    return packed(dialect, f"collect({what})")


DIALECTS = ("falkordb", "neo4j")


def _proficiency(d: str) -> str:
    skill, learner = packable(d, "s.skillId"), packable(d, "id")
    return ("UNWIND $learners AS id MATCH (l:Learner {learnerId: id}) "
            "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s:Skill) "
            f"WITH l, id, collect([{skill}, h.proficiencyLevel]) AS skills "
            f"RETURN {_packed(d, f'[{learner}, l.frontier, skills]')} AS learners")


def _taught(d: str) -> str:
    skill, teacher, child = packable(d, "sid"), packable(d, "m.contentId"), packable(d, "d.contentId")
    return ("UNWIND $skills AS sid MATCH (:Skill {skillId: sid})<-[:TEACHES]-(m:Content) "
            "OPTIONAL MATCH (m)-[:PREREQUISITE_FOR]->(d:Content) "
            f"WITH sid, m, collect({child}) AS children "
            f"RETURN {_packed(d, f'[{skill}, {teacher}, children]')} AS taught")


def _items(d: str) -> str:
    content, skill, parent = packable(d, "id"), packable(d, "s.skillId"), packable(d, "p.contentId")
    return ("UNWIND $ids AS id MATCH (c:Content {contentId: id}) "
            f"WITH id, c, [(c)-[:TEACHES]->(s:Skill) | {skill}] AS skills, "
            f"[(p:Content)-[e:PREREQUISITE_FOR]->(c) | [{parent}, e.strength, e.optionalBypass]] AS parents "
            f"RETURN {_packed(d, f'[{content}, c.difficulty, c.mandatoryPrereqCount, skills, parents]')} AS items")


def _edges(d: str) -> str:
    learner, content = packable(d, "id"), packable(d, "c.contentId")
    row = f"[{learner}, {content}, f.score, f.gap, f.prof, f.strength, f.unlocked, f.ready]"
    return ("UNWIND $learners AS id MATCH (l:Learner {learnerId: id})-[f:FRONTIER]->(c:Content) "
            f"RETURN {_packed(d, row)} AS edges")


# Keyed by dialect like every packed statement: FalkorDB packs the list into one JSON text.
#: The learners' proficiencies and marks (a learner without HAS_SKILL has one [null, null] pair).
PROFICIENCY = {(d, ): _proficiency(d) for d in DIALECTS}
#: Content teaching each skill, with what it is a prerequisite of.
TAUGHT = {(d, ): _taught(d) for d in DIALECTS}
#: Item rows of content: difficulty, mandatoryPrereqCount, skills taught, incoming prerequisites.
ITEMS = {(d, ): _items(d) for d in DIALECTS}
#: The learners' frontier edges.
EDGES = {(d, ): _edges(d) for d in DIALECTS}

#: The catalog's version: every change of what the ranking reads of content bumps it (in
#: Frontier.distrust), so that a process may keep what it read of the catalog until then.
CATALOG_VERSION = "OPTIONAL MATCH (v:CatalogVersion {name: 'catalog'}) RETURN v.version AS version"
EXISTING = "UNWIND $ids AS id MATCH (c:Content {contentId: id}) RETURN count(c) AS n"
BUMP_CATALOG = ("MERGE (v:CatalogVersion {name: 'catalog'}) SET v.version = coalesce(v.version, 0) + 1 "
                "RETURN v.version AS version")

#: Claims learners for a rebuild: the token replaces any mark but 'ok' (or every mark, with $all).
CLAIM = ("UNWIND $learners AS id MATCH (l:Learner {learnerId: id}) "
         "WHERE $all OR coalesce(l.frontier, '') <> 'ok' "
         "SET l.frontier = $token, l.frontierAt = $now RETURN l.learnerId AS id")

#: Deletes every frontier edge of the claimed learners (a rebuild writes them all again).
CLEAR = ("UNWIND $learners AS id MATCH (l:Learner {learnerId: id}) WHERE l.frontier = $token "
         "MATCH (l)-[f:FRONTIER]->() DELETE f RETURN count(f) AS deleted")

# Writes of learners still holding $token, by kind: rows are [learner, content, score, gap, prof,
# strength, unlocked, ready] (only the first two for a delete). Creating where there was no edge and
# setting where there is one is about twice as fast as deleting and creating every edge.
_OWNED = ("UNWIND $rows AS r MATCH (l:Learner {learnerId: r[0]}) WHERE l.frontier = $token "
          "MATCH (c:Content {contentId: r[1]}) ")
_VALUES = "score: r[2], gap: r[3], prof: r[4], strength: r[5], unlocked: r[6], ready: r[7]"
WRITES = {
    "create": _OWNED + f"CREATE (l)-[:FRONTIER {{{_VALUES}}}]->(c) RETURN count(*) AS written",
    "update": _OWNED + "MATCH (l)-[f:FRONTIER]->(c) SET f += {" + _VALUES + "} RETURN count(*) AS written",
    "delete": _OWNED + "MATCH (l)-[f:FRONTIER]->(c) DELETE f RETURN count(*) AS written",
}

#: Marks the learners current again, where $token is still theirs.
TRUST = ("UNWIND $learners AS id MATCH (l:Learner {learnerId: id}) WHERE l.frontier = $token "
         "SET l.frontier = 'ok' RETURN l.learnerId AS id")

#: Learners a change of the given content can affect: those holding a skill taught by the content or
#: by one of its prerequisites, and those with an edge to it.
DISTRUST = ("UNWIND $ids AS id MATCH (c:Content {contentId: id}) "
            "OPTIONAL MATCH (c)<-[:PREREQUISITE_FOR]-(p:Content) "
            "WITH c, collect(p) + [c] AS around UNWIND around AS x "
            "MATCH (x)-[:TEACHES]->(:Skill)<-[:HAS_SKILL]-(l:Learner) "
            "SET l.frontier = null RETURN count(DISTINCT l) AS marked")
DISTRUST_LINKED = ("UNWIND $ids AS id MATCH (:Content {contentId: id})<-[:FRONTIER]-(l:Learner) "
                   "SET l.frontier = null RETURN count(DISTINCT l) AS marked")

#: Learners whose edges are not current and that no live writer is working on.
UNTRUSTED = ("MATCH (l:Learner) WHERE l.frontier IS NULL "
             "OR (l.frontier <> 'ok' AND coalesce(l.frontierAt, 0) < $stale_before) "
             "RETURN l.learnerId AS id LIMIT $limit")

#: The learner's best ready edges, then the best entry points it has no edge to (proficiency 0), each
#: row with the learner's mark. RecommendNext merges the two lists.
RECOMMEND = (
    "MATCH (l:Learner {learnerId: $learner})-[f:FRONTIER]->(c:Content) WHERE f.ready "
    "RETURN c.contentId AS id, c.type AS type, c.difficulty AS difficulty, f.prof AS prof, f.gap AS gap, "
    "f.strength AS strength, f.unlocked AS unlocked, f.score AS score, l.frontier AS mark "
    "ORDER BY score DESC, id LIMIT $k "
    "UNION ALL "
    "MATCH (l:Learner {learnerId: $learner}) WITH l "
    "MATCH (c:Content) WHERE c.mandatoryPrereqCount = 0 AND NOT (l)-[:FRONTIER]->(c) "
    "WITH l, c, coalesce(c.difficulty, 0.0) AS gap "
    "RETURN c.contentId AS id, c.type AS type, c.difficulty AS difficulty, 0.0 AS prof, gap, 0.0 AS strength, "
    "false AS unlocked, "
    "$wd * CASE WHEN abs(gap - $zpd) > 1.0 THEN 0.0 ELSE 1.0 - abs(gap - $zpd) END AS score, "
    "l.frontier AS mark "
    "ORDER BY score DESC, id LIMIT $k")


MARK = "MATCH (l:Learner {learnerId: $learner}) RETURN l.frontier AS mark"


def _same(stored: list[Any] | None, values: list[Any]) -> bool:
    """Whether a stored edge already carries values (floats come back through JSON text)."""
    return stored is not None and all(
        a == b if isinstance(b, bool) else abs(float(a) - b) <= 1e-12 for a, b in zip(stored, values, strict=True))


def _now_ms() -> int:
    return int(time.time() * 1000)


class Frontier:
    """Keeps and reads the FRONTIER edges (see the module docstring)."""

    def __init__(self, graph: GraphBackend) -> None:
        self.graph = graph
        # What this process read of the catalog, valid while the catalog's version is _version.
        self._version: int | None = None
        self._items: dict[str, Item] = {}
        self._teachers: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}

    async def recommend(self, learner_id: str, k: int) -> list[dict[str, Any]] | None:
        """The frontier's rows for RecommendNext (best first within each part); None when the learner's
        frontier is not current, or the learner is missing."""
        rows = await self.graph.run(RECOMMEND, {"learner": learner_id, "k": k, "zpd": ZPD_OFFSET,
                                                "wd": W_DIFFICULTY})
        if not rows:  # nothing to offer, or no such learner: the mark tells which
            rows = await self.graph.run(MARK, {"learner": learner_id})
            return [] if rows and rows[0]["mark"] == TRUSTED else None
        return rows if all(r["mark"] == TRUSTED for r in rows) else None

    async def refresh(self, token: str, changes: Mapping[tuple[str, str], bool]) -> set[str]:
        """Recompute the edges that changed (learner, skill) pairs can touch, for the learners still
        holding token, and mark them current; returns those learners.

        changes maps each pair to whether its proficiency crossed MASTERY_THRESHOLD (or the edge is
        new): only then can the mastery of content teaching the skill, and what it unlocks, change.
        Otherwise only the proficiency of that content moves.
        """
        skills_of: dict[str, dict[str, bool]] = {}
        for (learner, skill), crossed in changes.items():
            skills_of.setdefault(learner, {})[skill] = crossed
        if not skills_of:
            return set()
        return await self._recompute(token, skills_of, full=False)

    async def rebuild(self, learner_ids: Sequence[str], *, force: bool = False) -> set[str]:
        """Rebuild the whole frontier of learners that are not current (every one, with force);
        returns those rebuilt."""
        if not learner_ids:
            return set()
        require_ids("learnerId", learner_ids)
        token = new_token()
        claimed = await self.graph.run(CLAIM, {"learners": list(learner_ids), "token": token, "now": _now_ms(),
                                               "all": force})
        ids = [r["id"] for r in claimed]
        if not ids:
            return set()
        await self.graph.run(CLEAR, {"learners": ids, "token": token})
        return await self._recompute(token, dict.fromkeys(ids), full=True)

    async def repair(self, limit: int = REPAIR_BATCH) -> int:
        """Rebuild up to limit learners that are not current and that no live writer holds."""
        rows = await self.graph.run(UNTRUSTED, {"stale_before": _now_ms() - STALE_TOKEN_MS, "limit": limit})
        rebuilt = len(await self.rebuild([r["id"] for r in rows]))
        metrics.FRONTIER_REBUILDS.inc(rebuilt)
        return rebuilt

    async def run(self, idle_seconds: float = REPAIR_IDLE_SECONDS) -> None:
        """Repair forever (the node's "graph-frontier-repair" worker); store outages are logged and retried."""
        while not stop_requested():
            try:
                if await self.repair() == 0:
                    await asyncio.sleep(idle_seconds)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("frontier repair failed; retrying")
                await asyncio.sleep(1.0)

    async def distrust(self, content_ids: Sequence[str]) -> None:
        """Mark every learner a change of the content can affect as not current."""
        if content_ids:
            ids = list(dict.fromkeys(content_ids))
            # Content that does not exist yet is in no process's cache: creating it bumps nothing.
            if (await self.graph.run(EXISTING, {"ids": ids}))[0]["n"]:
                await self.graph.run(BUMP_CATALOG, {})
            await self.graph.run(DISTRUST, {"ids": ids})
            await self.graph.run(DISTRUST_LINKED, {"ids": ids})

    async def _recompute(self, token: str, skills_of: Mapping[str, Mapping[str, bool] | None], *,
                         full: bool) -> set[str]:
        """Entries of each learner's candidates (full: of every skill it holds), written under token
        where they differ from the stored edges."""
        profs: dict[str, dict[str, float]] = {}
        for learner, mark, held in unpacked(await self.graph.run(
                PROFICIENCY[(self.graph.dialect, )], {"learners": list(skills_of)}), "learners"):
            if mark == token:
                profs[learner] = {s: float(p or 0.0) for s, p in held if s is not None}
        if not profs:
            return set()
        # Read after the HAS_SKILL writes: a catalog change bumps the version before it marks the
        # learners it affects, so a stale cache here means a mark that voids this token.
        await self._sync_catalog()
        wanted = {learner: dict.fromkeys(profs[learner], True) if full else dict(skills_of[learner] or {})
                  for learner in profs}
        teachers = await self._taught({sid for skills in wanted.values() for sid in skills})
        stored: dict[str, dict[str, list[Any]]] = {}
        if not full:  # a rebuild starts from no edges
            for learner, cid, *values in unpacked(await self.graph.run(
                    EDGES[(self.graph.dialect, )], {"learners": list(profs)}), "edges"):
                stored.setdefault(learner, {})[cid] = values
        everything = {c for skills in wanted.values() for sid in skills for m, children in teachers.get(sid, ())
                      for c in (m, *children)}
        items = await self._load_items(everything)
        candidates: dict[str, set[str]] = {}
        for learner, skills in wanted.items():
            mine = stored.get(learner, {})
            found: set[str] = set()
            for sid, crossed in skills.items():
                for m, children in teachers.get(sid, ()):
                    if crossed:  # m's mastery may have changed, and with it what m unlocks
                        found.add(m)
                        found.update(children)
                    elif m in mine or ((item := items.get(m)) is not None and item.need == 0):
                        found.add(m)  # its proficiency moved; an entry point may have become specific
            candidates[learner] = found
        writes: dict[str, list[list[Any]]] = {kind: [] for kind in WRITES}
        ranked = 0
        for learner, ids in candidates.items():
            # The ranking runs on the node's event loop, beside the RPCs: a rebuild of REPAIR_BATCH
            # learners ranks some 150k entries (about a second of CPU), so let the loop in regularly.
            if ranked >= YIELD_EVERY:
                ranked = 0
                await asyncio.sleep(0)
            ranked += len(ids)
            prof, mine = profs[learner], stored.get(learner, {})
            for cid in ids:
                if (item := items.get(cid)) is None:
                    continue                     # deleted meanwhile
                e = entry(cid, item, items, prof)
                values = [e.score, e.gap, e.prof, e.strength, e.unlocked, e.ready]
                old = mine.get(cid)
                if e.keep and old is None:
                    writes["create"].append([learner, cid, *values])
                elif e.keep and not _same(old, values):
                    writes["update"].append([learner, cid, *values])
                elif not e.keep and old is not None:
                    writes["delete"].append([learner, cid])
        for kind, rows in writes.items():
            for i in range(0, len(rows), WRITE_BATCH):
                await self.graph.run(WRITES[kind], {"rows": rows[i:i + WRITE_BATCH], "token": token})
        return {r["id"] for r in await self.graph.run(TRUST, {"learners": list(profs), "token": token})}

    async def _sync_catalog(self) -> None:
        """Forget what was read of the catalog when its version moved."""
        rows = await self.graph.run(CATALOG_VERSION, {})
        version = rows[0]["version"] if rows else None
        if version != self._version:
            self._version, self._items, self._teachers = version, {}, {}

    async def _taught(self, skills: set[str]) -> dict[str, tuple[tuple[str, tuple[str, ...]], ...]]:
        """For each skill, the content teaching it with what that content is a prerequisite of."""
        missing = sorted(skills - self._teachers.keys())
        if missing:
            found: dict[str, list[tuple[str, tuple[str, ...]]]] = {sid: [] for sid in missing}
            rows = await self.graph.run(TAUGHT[(self.graph.dialect, )], {"skills": missing})
            for sid, m, children in unpacked(rows, "taught"):
                found[sid].append((m, tuple(children)))
            self._teachers.update((sid, tuple(v)) for sid, v in found.items())
        return {sid: self._teachers[sid] for sid in skills}

    async def _load_items(self, ids: set[str]) -> dict[str, Item]:
        """Items of the content, and of their prerequisites (whose skills decide their mastery)."""
        for _ in range(2):
            missing = sorted(ids - self._items.keys())
            if missing:
                for cid, difficulty, need, skills, parents in unpacked(await self.graph.run(
                        ITEMS[(self.graph.dialect, )], {"ids": missing}), "items"):
                    self._items[cid] = Item(float(difficulty or 0.0), None if need is None else int(need),
                                            tuple(skills), tuple((p, float(s or 0.0), bool(o)) for p, s, o in parents))
            ids = ids | {p for cid in ids if cid in self._items for p, _, _ in self._items[cid].parents}
        return self._items
