"""Graph nodes (Learner, Skill, Content, Objective) and the HAS_SKILL, TEACHES and REQUIRES edges.

Labels and property names come from the fixed specs below, never from callers; every value is a
parameter. Times are epoch milliseconds. HAS_SKILL carries, besides the §4.5.1 properties,
observationCount, a version (bumped by every write, for optimistic concurrency), proficiencyLogOdds
(the exact state the BKT update works on) and the order key of the last assessment folded into it
(orderKeyTime, orderKeyId; see stores/postgres/skill_history.py and stores/sync/graph_relay.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stores.errors import NotFound
from stores.graph.base import GraphBackend, checked_label, packed, unpacked
from stores.graph.frontier import Frontier
from stores.graph.knowledge_tracing import DEFAULT_PARAMS, BKTParams, SkillState
from stores.ids import OrderKey, require_ids


@dataclass(frozen=True)
class NodeSpec:
    """One node label: its key property and the other properties the API exposes."""

    label: str
    key: str
    props: tuple[str, ...]
    #: Properties set only when the node is created (derived data kept by this module).
    on_create: str = ""


NODES = {
    "learner": NodeSpec("Learner", "learnerId", ("type",)),
    "skill": NodeSpec("Skill", "skillId", ("category",)),
    "content": NodeSpec("Content", "contentId", ("type", "difficulty"),
                        on_create=", n.mandatoryPrereqCount = 0"),
    "objective": NodeSpec("Objective", "objectiveId", ()),
}


def _returns(spec: NodeSpec) -> str:
    return ", ".join([f"n.{spec.key} AS id"] + [f"n.{p} AS {p}" for p in spec.props])


def _upsert_cypher(spec: NodeSpec) -> str:
    label = checked_label(spec.label)
    return (f"MERGE (n:{label} {{{spec.key}: $id}}) "
            f"ON CREATE SET n._created = true{spec.on_create} "
            "SET n += $props "
            "WITH n, coalesce(n._created, false) AS created REMOVE n._created "
            f"RETURN created, {_returns(spec)}")


def _get_cypher(spec: NodeSpec) -> str:
    return f"MATCH (n:{checked_label(spec.label)} {{{spec.key}: $id}}) RETURN {_returns(spec)}"


def _list_cypher(spec: NodeSpec) -> str:
    filters = " ".join(f"AND ($f_{p} IS NULL OR n.{p} = $f_{p})" for p in spec.props if p != "difficulty")
    if "difficulty" in spec.props:
        filters += (" AND ($dmin IS NULL OR n.difficulty >= $dmin)"
                    " AND ($dmax IS NULL OR n.difficulty <= $dmax)")
    return (f"MATCH (n:{checked_label(spec.label)}) WHERE ($after IS NULL OR n.{spec.key} > $after) {filters} "
            f"RETURN {_returns(spec)} ORDER BY id LIMIT $limit")


@dataclass(frozen=True)
class HasSkillRow:
    """A learner's HAS_SKILL edge to one skill, with the skill's category."""

    learner_id: str
    skill_id: str
    category: str
    proficiency_level: float
    last_assessed_ms: int
    growth_rate: float
    confidence_level: float
    observation_count: int


@dataclass(frozen=True)
class StoredParams:
    """A skill's BKT parameters as stored on its node (the defaults when never fitted)."""

    skill_id: str
    params: BKTParams
    fitted: bool = False
    log_likelihood: float = 0.0
    observation_count: int = 0
    fitted_at_ms: int | None = None


#: Outbox ids a COLLABORATED_WITH edge remembers (stores/graph/collaboration.py).
APPLIED_WINDOW = 64


@dataclass
class EdgeState:
    """What the relay needs of one (learner, skill) pair before applying observations."""

    learner_id: str
    skill_id: str
    params: BKTParams
    state: SkillState | None          # None: no HAS_SKILL yet
    version: int = 0
    #: Order key of the last assessment folded into the edge; None on an edge without one (written
    #: before order keys were stored), which the relay recomputes from history.
    last_key: OrderKey | None = None
    last_assessed_ms: int = 0


_HAS_SKILL_FIELDS = (
    "l.learnerId AS learner_id, s.skillId AS skill_id, s.category AS category, "
    "h.proficiencyLevel AS proficiency_level, h.lastAssessed AS last_assessed, "
    "h.growthRate AS growth_rate, h.confidenceLevel AS confidence_level, "
    "h.observationCount AS observation_count")

LEARNER_SKILLS = (
    "MATCH (l:Learner {learnerId: $learner}) "
    "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s:Skill) "
    "WHERE ($category IS NULL OR s.category = $category) "
    "AND ($min IS NULL OR h.proficiencyLevel >= $min) "
    f"RETURN {_HAS_SKILL_FIELDS} ORDER BY skill_id")

SET_HAS_SKILL = (
    "MATCH (l:Learner {learnerId: $learner}) MATCH (s:Skill {skillId: $skill}) "
    "MERGE (l)-[h:HAS_SKILL]->(s) "
    # The learner's frontier is no longer current (stores/graph/frontier.py); the repair worker rebuilds it.
    "SET l.frontier = null, "
    "h.proficiencyLevel = $p, h.growthRate = $g, h.confidenceLevel = $c, h.lastAssessed = $t, "
    "h.proficiencyLogOdds = null, h.observationCount = coalesce(h.observationCount, 0), "
    # A hand-set edge is the base of the assessments that come after it: give it an order key.
    "h.orderKeyTime = coalesce(h.orderKeyTime, 0), h.orderKeyId = coalesce(h.orderKeyId, ''), "
    "h.version = coalesce(h.version, 0) + 1 "
    f"RETURN {_HAS_SKILL_FIELDS}")

_EDGE_STATE = ("[p[0], h.proficiencyLevel, h.proficiencyLogOdds, h.growthRate, h.observationCount, h.version, "
               "h.orderKeyTime, h.orderKeyId]")

#: Stored state of (learner, skill) pairs ($pairs: [position, learner, skill] lists, which the FalkorDB
#: backend sends in one piece), collected into one list keyed by
#: dialect (FalkorDB packs it into one JSON text: its client parses each value in Python). Both ends
#: are looked up by index first, so the edge is found by expand-into (10x faster on FalkorDB than
#: traversing from the skill).
READ_EDGE_STATES = {
    (dialect, ): ("UNWIND $pairs AS p "
                  "OPTIONAL MATCH (s:Skill {skillId: p[2]}) "
                  "OPTIONAL MATCH (l:Learner {learnerId: p[1]}) "
                  "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s) "
                  f"RETURN {packed(dialect, f'collect({_EDGE_STATE})')} AS states")
    for dialect in ("falkordb", "neo4j")}

#: BKT parameters of the given skills that were fitted (the others use the defaults).
FITTED_PARAMS = (
    "UNWIND $skills AS sid MATCH (s:Skill {skillId: sid}) WHERE s.bktFitted = true "
    "RETURN sid AS skill, s.bktPrior AS prior, s.bktLearn AS learn, s.bktGuess AS guess, s.bktSlip AS slip, "
    "s.bktForget AS forget")

#: Conditional write of new states: only where the edge's version is still the one read. $rows are
#: lists in EDGE_STATE_ROW order (sent in one piece, like READ_EDGE_STATES's pairs); returns the
#: positions written, as one list packed like READ_EDGE_STATES.
EDGE_STATE_ROW = ("i", "learner", "skill", "version", "p", "lo", "g", "c", "n", "t", "kt", "ki")
_R = {name: f"r[{i}]" for i, name in enumerate(EDGE_STATE_ROW)}
WRITE_EDGE_STATES = {
    (dialect, ): ("UNWIND $rows AS r "
                  "MERGE (l:Learner {{learnerId: {learner}}}) "
                  "MERGE (s:Skill {{skillId: {skill}}}) "
                  "MERGE (l)-[h:HAS_SKILL]->(s) "
                  "WITH r, l, h WHERE coalesce(h.version, 0) = {version} "
                  # A current frontier takes the writer's token; any other mark becomes "not current".
                  "SET l.frontier = CASE WHEN l.frontier IN ['ok', $token] AND $token IS NOT NULL THEN $token END, "
                  "l.frontierAt = $now, "
                  "h.proficiencyLevel = {p}, h.proficiencyLogOdds = {lo}, h.growthRate = {g}, "
                  "h.confidenceLevel = {c}, h.observationCount = {n}, "
                  "h.lastAssessed = CASE WHEN coalesce(h.lastAssessed, 0) > {t} THEN h.lastAssessed ELSE {t} END, "
                  "h.orderKeyTime = {kt}, h.orderKeyId = {ki}, h.appliedOutboxIds = null, h.lastOutboxId = null, "
                  "h.version = {version} + 1 ").format(**_R)
                 + f"RETURN {packed(dialect, 'collect(' + _R['i'] + ')')} AS written"
    for dialect in ("falkordb", "neo4j")}

SKILL_PARAMS = (
    "MATCH (s:Skill {skillId: $skill}) RETURN s.skillId AS skill_id, s.bktPrior AS prior, "
    "s.bktLearn AS learn, s.bktGuess AS guess, s.bktSlip AS slip, s.bktForget AS forget, s.bktFitted AS fitted, "
    "s.bktLogLikelihood AS ll, s.bktObservationCount AS n, s.bktFittedAt AS at")

SET_SKILL_PARAMS = (
    "MATCH (s:Skill {skillId: $skill}) SET s.bktPrior = $prior, s.bktLearn = $learn, "
    "s.bktGuess = $guess, s.bktSlip = $slip, s.bktForget = $forget, s.bktFitted = true, s.bktLogLikelihood = $ll, "
    "s.bktObservationCount = $n, s.bktFittedAt = timestamp() "
    "RETURN s.skillId AS skill_id, s.bktPrior AS prior, s.bktLearn AS learn, s.bktGuess AS guess, "
    "s.bktSlip AS slip, s.bktForget AS forget, s.bktFitted AS fitted, s.bktLogLikelihood AS ll, "
    "s.bktObservationCount AS n, s.bktFittedAt AS at")

LINK_CONTENT_SKILL = (
    "MATCH (c:Content {contentId: $content}) MATCH (s:Skill {skillId: $skill}) "
    "MERGE (c)-[t:TEACHES]->(s) SET t.weight = $weight "
    "RETURN c.contentId AS content_id, s.skillId AS skill_id, t.weight AS weight")

_CHILDREN = "MATCH (:Content {contentId: $id})-[:PREREQUISITE_FOR]->(d:Content) RETURN d.contentId AS child"

LINK_OBJECTIVE_SKILL = (
    "MATCH (o:Objective {objectiveId: $objective}) MATCH (s:Skill {skillId: $skill}) "
    "MERGE (o)-[r:REQUIRES]->(s) SET r.requiredProficiency = $required "
    "RETURN o.objectiveId AS objective_id, s.skillId AS skill_id, r.requiredProficiency AS required")

EXISTS = {kind: f"OPTIONAL MATCH (n:{checked_label(spec.label)} {{{spec.key}: $id}}) "
                f"RETURN n IS NOT NULL AS found" for kind, spec in NODES.items()}


def params_from(row: Mapping[str, Any]) -> BKTParams:
    """A skill's parameters from prior/learn/guess/slip columns; defaults where unset."""
    d = DEFAULT_PARAMS

    def pick(key: str, default: float) -> float:
        return default if row.get(key) is None else float(row[key])

    return BKTParams(pick("prior", d.prior), pick("learn", d.learn), pick("guess", d.guess),
                     pick("slip", d.slip), pick("forget", d.forget))


def _has_skill(row: Mapping[str, Any]) -> HasSkillRow:
    return HasSkillRow(row["learner_id"], row["skill_id"], row.get("category") or "",
                       float(row["proficiency_level"] or 0.0), int(row["last_assessed"] or 0),
                       float(row["growth_rate"] or 0.0), float(row["confidence_level"] or 0.0),
                       int(row["observation_count"] or 0))


def _stored_params(row: Mapping[str, Any]) -> StoredParams:
    fitted = bool(row.get("fitted"))
    return StoredParams(row["skill_id"], params_from(row), fitted, float(row.get("ll") or 0.0),
                        int(row.get("n") or 0), int(row["at"]) if fitted and row.get("at") else None)


class GraphModel:
    """Domain methods over the node and skill edges of the graph."""

    def __init__(self, graph: GraphBackend) -> None:
        self.graph = graph
        self.frontier = Frontier(graph)

    async def exists(self, kind: str, node_id: str) -> bool:
        """True when the node of kind ('learner', 'skill', 'content', 'objective') exists."""
        rows = await self.graph.run(EXISTS[kind], {"id": node_id})
        return bool(rows and rows[0]["found"])

    async def require(self, kind: str, node_id: str) -> None:
        """NotFound unless the node exists."""
        if not await self.exists(kind, node_id):
            raise NotFound(f"{kind} {node_id!r} not found", reason=f"{kind.upper()}_NOT_FOUND",
                           metadata={"resource": kind, "id": node_id})

    async def upsert_node(self, kind: str, node_id: str, props: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
        """MERGE a node by its key and set props; returns (node, created)."""
        spec = NODES[kind]
        require_ids(spec.key, [node_id])
        values = {p: props[p] for p in spec.props if p in props}
        if kind == "content":  # difficulty ranks it in RecommendNext; before and after, see LearningPaths
            await self.frontier.distrust([node_id])
        rows = await self.graph.run(_upsert_cypher(spec), {"id": node_id, "props": values})
        row = dict(rows[0])
        created = bool(row.pop("created"))
        if kind == "content" and not created:  # new content has no edges: no learner is affected
            await self.frontier.distrust([node_id])
        return row, created

    async def get_node(self, kind: str, node_id: str) -> dict[str, Any]:
        """The node's properties; NotFound when missing."""
        rows = await self.graph.run(_get_cypher(NODES[kind]), {"id": node_id})
        if not rows:
            raise NotFound(f"{kind} {node_id!r} not found", reason=f"{kind.upper()}_NOT_FOUND",
                           metadata={"resource": kind, "id": node_id})
        return rows[0]

    async def list_nodes(self, kind: str, *, after: str | None, limit: int,
                         filters: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """Up to limit nodes with id > after, ordered by id; filters: exact props, dmin/dmax."""
        spec = NODES[kind]
        filters = dict(filters or {})
        params: dict[str, Any] = {"after": after, "limit": limit}
        for p in spec.props:
            if p != "difficulty":
                params[f"f_{p}"] = filters.get(p)
        if "difficulty" in spec.props:
            params["dmin"], params["dmax"] = filters.get("dmin"), filters.get("dmax")
        return await self.graph.run(_list_cypher(spec), params)

    async def link_content_skill(self, content_id: str, skill_id: str, weight: float) -> dict[str, Any]:
        """MERGE (Content)-[:TEACHES {weight}]->(Skill); NotFound when either node is missing."""
        # What content teaches decides its mastery, so also what it unlocks: mark before and after.
        around = [content_id, *(r["child"] for r in await self.graph.run(_CHILDREN, {"id": content_id}))]
        await self.frontier.distrust(around)
        rows = await self.graph.run(LINK_CONTENT_SKILL, {"content": content_id, "skill": skill_id,
                                                         "weight": weight})
        await self.frontier.distrust(around)
        if not rows:
            await self.require("content", content_id)
            await self.require("skill", skill_id)
        return rows[0]

    async def link_objective_skill(self, objective_id: str, skill_id: str, required: float) -> dict[str, Any]:
        """MERGE (Objective)-[:REQUIRES {requiredProficiency}]->(Skill); NotFound when a node is missing."""
        rows = await self.graph.run(LINK_OBJECTIVE_SKILL, {"objective": objective_id, "skill": skill_id,
                                                           "required": required})
        if not rows:
            await self.require("objective", objective_id)
            await self.require("skill", skill_id)
        return rows[0]

    async def learner_skills(self, learner_id: str, *, category: str | None = None,
                             min_proficiency: float | None = None) -> list[HasSkillRow]:
        """A learner's HAS_SKILL edges ordered by skill id; NotFound when the learner is missing."""
        rows = await self.graph.run(LEARNER_SKILLS, {"learner": learner_id, "category": category,
                                                     "min": min_proficiency})
        if not rows:
            await self.require("learner", learner_id)
        return [_has_skill(r) for r in rows if r["skill_id"] is not None]

    async def set_has_skill(self, learner_id: str, skill_id: str, *, proficiency: float, growth: float,
                            confidence: float, at_ms: int) -> HasSkillRow:
        """Overwrite (or create) one HAS_SKILL by hand; observationCount is kept."""
        rows = await self.graph.run(SET_HAS_SKILL, {"learner": learner_id, "skill": skill_id,
                                                    "p": proficiency, "g": growth, "c": confidence,
                                                    "t": at_ms})
        if not rows:
            await self.require("learner", learner_id)
            await self.require("skill", skill_id)
        return _has_skill(rows[0])

    async def skill_parameters(self, skill_id: str) -> StoredParams:
        """A skill's BKT parameters; NotFound when the skill is missing."""
        rows = await self.graph.run(SKILL_PARAMS, {"skill": skill_id})
        if not rows:
            await self.require("skill", skill_id)
        return _stored_params(rows[0])

    async def store_skill_parameters(self, skill_id: str, params: BKTParams, *, log_likelihood: float,
                                     observations: int) -> StoredParams:
        """Store fitted parameters on the Skill node."""
        rows = await self.graph.run(SET_SKILL_PARAMS, {
            "skill": skill_id, "prior": params.prior, "learn": params.learn, "guess": params.guess,
            "slip": params.slip, "forget": params.forget, "ll": log_likelihood, "n": observations})
        if not rows:
            await self.require("skill", skill_id)
        return _stored_params(rows[0])

    async def read_edge_states(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], EdgeState]:
        """State, parameters, version and last order key of each (learner, skill) pair."""
        states = unpacked(await self.graph.run(READ_EDGE_STATES[(self.graph.dialect, )], {"pairs": [
            [i, learner, skill] for i, (learner, skill) in enumerate(pairs)]}), "states")
        # Parameters after the edges: a fit stores its parameters before it recomputes the edges, so
        # a writer that read an edge the recompute already wrote also reads the new parameters.
        skills = sorted({s for _, s in pairs})
        fitted = {r["skill"]: params_from(r) for r in await self.graph.run(FITTED_PARAMS, {"skills": skills})}
        out: dict[tuple[str, str], EdgeState] = {}
        for i, p, lo, g, n, version, kt, ki in states:
            learner, skill = pairs[i]
            params = fitted.get(skill, DEFAULT_PARAMS)
            state = None
            if p is not None:
                # confidence is not an input of the update (it is recomputed from n and P(known))
                state = SkillState(float(p), float(g or 0.0), 0.0, int(n or 0), float(lo) if lo is not None else None)
            key = (int(kt), str(ki)) if kt is not None and ki is not None else None
            out[(learner, skill)] = EdgeState(learner, skill, params, state, int(version or 0), key)
        return out

    async def write_edge_states(self, edges: Sequence[EdgeState], *, token: str | None = None) -> set[tuple[str, str]]:
        """Write states where the version is unchanged since the read; returns the pairs written.

        Each learner written loses its current frontier mark: to token when given (the writer then
        refreshes the frontier under it, Frontier.refresh), else to "not current".
        """
        # Each distinct id once (in first-seen order): a batch repeats its learners and skills.
        require_ids("learnerId", dict.fromkeys(e.learner_id for e in edges))
        require_ids("skillId", dict.fromkeys(e.skill_id for e in edges))
        ready = [e for e in edges if e.state is not None and e.last_key is not None]
        if not ready:
            return set()
        written = unpacked(await self.graph.run(WRITE_EDGE_STATES[(self.graph.dialect, )], {
            "token": token, "now": int(time.time() * 1000), "rows": [
            [i, e.learner_id, e.skill_id, e.version, e.state.proficiency, e.state.logit(), e.state.growth_rate,
             e.state.confidence, e.state.observations, e.last_assessed_ms, e.last_key[0], e.last_key[1]]
            for i, e in enumerate(ready) if e.state is not None and e.last_key is not None]}), "written")
        return {(ready[i].learner_id, ready[i].skill_id) for i in written}

#: Learner nodes mirrored from PostgreSQL profiles; an older outbox row never overwrites a newer one.
MIRROR_LEARNERS = (
    "UNWIND $rows AS r MERGE (n:Learner {learnerId: r.id}) "
    "WITH n, r WHERE coalesce(n.lastOutboxId, 0) < r.outbox "
    "SET n.type = r.type, n.lastOutboxId = r.outbox RETURN count(n) AS applied")

#: Content nodes mirrored from PostgreSQL training content.
MIRROR_CONTENTS = (
    "UNWIND $rows AS r MERGE (n:Content {contentId: r.id}) ON CREATE SET n.mandatoryPrereqCount = 0 "
    "WITH n, r WHERE coalesce(n.lastOutboxId, 0) < r.outbox "
    "WITH n, r, coalesce(n.difficulty, -1.0) <> coalesce(r.difficulty, -1.0) AS moved "
    "SET n.type = r.type, n.difficulty = r.difficulty, n.lastOutboxId = r.outbox "
    "RETURN r.id AS id, moved")

#: Mirrored content whose difficulty the rows change.
MOVED_CONTENTS = (
    "UNWIND $rows AS r MATCH (n:Content {contentId: r.id}) "
    "WHERE coalesce(n.lastOutboxId, 0) < r.outbox AND coalesce(n.difficulty, -1.0) <> coalesce(r.difficulty, -1.0) "
    "RETURN r.id AS id")

DELETE_LEARNERS = "UNWIND $ids AS id MATCH (n:Learner {learnerId: id}) DETACH DELETE n RETURN count(*) AS deleted"


async def mirror_learners(graph: GraphBackend, rows: Sequence[Mapping[str, Any]]) -> None:
    """MERGE Learner nodes from profile rows {id, type, outbox}; one row per learner."""
    if rows:
        require_ids("learnerId", [r["id"] for r in rows])
        await graph.run(MIRROR_LEARNERS, {"rows": list(rows)})


async def mirror_contents(graph: GraphBackend, rows: Sequence[Mapping[str, Any]]) -> None:
    """MERGE Content nodes from content rows {id, type, difficulty, outbox}; one row per content."""
    if rows:
        require_ids("contentId", [r["id"] for r in rows])
        # A new difficulty re-ranks the content in RecommendNext: mark the learners it concerns before
        # and after the write, as LearningPaths does.
        frontier = Frontier(graph)
        await frontier.distrust([r["id"] for r in await graph.run(MOVED_CONTENTS, {"rows": list(rows)})])
        applied = await graph.run(MIRROR_CONTENTS, {"rows": list(rows)})
        await frontier.distrust([r["id"] for r in applied if r["moved"]])


async def delete_learners(graph: GraphBackend, learner_ids: Sequence[str]) -> None:
    """DETACH DELETE Learner nodes with every relationship (erasure)."""
    if learner_ids:
        await graph.run(DELETE_LEARNERS, {"ids": list(learner_ids)})
