"""Learning paths (§4.5.2): prerequisites without cycles, closures, learning paths, recommendations.

Every PREREQUISITE_FOR a → b has mirrors b -[:NEEDS]-> a and, when mandatory, b -[:NEEDS_MANDATORY]-> a
(kept by SET_PREREQUISITE in the same statement): a closure is then a traversal along outgoing edges
of one type, which FalkorDB's algo.BFS and Neo4j's pruning variable-length expand both do in one
statement without enumerating paths (a `<-[:PREREQUISITE_FOR*]-` pattern explodes on dense DAGs).
The closure statement returns each member with its incoming edges, packed into one value (the
FalkorDB client parses every value in Python); depths, filters and the order are computed here.
Content is *mastered* by a
learner when it TEACHES at least one skill and the learner's proficiencyLevel is at or above the
threshold in every skill it teaches. Content.mandatoryPrereqCount (kept by this module) counts the
incoming PREREQUISITE_FOR edges without optionalBypass, so entry points are an index lookup.
"""

from __future__ import annotations

import asyncio
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from stores import metrics
from stores.errors import NotFound, PreconditionFailed
from stores.graph.base import GraphBackend, packable, packed, unpacked
from stores.graph.frontier import MASTERY_THRESHOLD, W_DIFFICULTY, W_STRENGTH, ZPD_OFFSET, Frontier
from stores.graph.locks import graph_lease


# Content and Edge are named tuples: a closure builds one per member and edge, and a tuple is built
# about three times faster than a frozen dataclass (a dense closure has thousands of edges).
class Content(NamedTuple):
    """A Content node."""

    content_id: str
    type: str
    difficulty: float


class Edge(NamedTuple):
    """A PREREQUISITE_FOR edge."""

    from_id: str
    to_id: str
    strength: float
    optional_bypass: bool
    average_transition_time: float


@dataclass
class Closure:
    """A prerequisite closure: its nodes with depth, the edges among them, and topological order."""

    target: Content
    nodes: dict[str, Content] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    mastery: dict[str, float] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    round_trips: int = 0


@dataclass(frozen=True)
class PathStep:
    """One step of a learning path."""

    content: Content
    mastery: float
    estimated_time: float
    bypassable: bool


@dataclass(frozen=True)
class Recommendation:
    """A recommended content item with its ranking inputs."""

    content: Content
    score: float
    difficulty_gap: float
    prerequisite_strength: float
    proficiency: float
    unlocked: bool      # True: follows mastered prerequisites; False: an entry point

    @property
    def reason(self) -> str:
        """Why it was recommended, in one sentence."""
        why = (f"its prerequisites are mastered (mean strength {self.prerequisite_strength:.2f})"
               if self.unlocked else "it has no mandatory prerequisites")
        return (f"Recommended because {why}, and its difficulty {self.content.difficulty:.2f} is "
                f"{self.difficulty_gap:+.2f} from your proficiency {self.proficiency:.2f} in its skills "
                f"(ideal: {ZPD_OFFSET:+.2f}).")


def _content(row: Mapping[str, Any], prefix: str = "") -> Content:
    return Content(row[f"{prefix}id"], row.get(f"{prefix}type") or "",
                   float(row.get(f"{prefix}difficulty") or 0.0))


def _edge(row: Mapping[str, Any]) -> Edge:
    return Edge(row["parent"], row["child"], float(row["strength"] or 0.0), bool(row["bypass"]),
                float(row["time"] or 0.0))


@dataclass(frozen=True)
class _Member:
    """A closure member: the content, its mastery (0 without a learner) and every incoming edge."""

    content: Content
    parents: list[Edge]
    mastery: float


def _members(rows: list[dict[str, Any]]) -> dict[str, _Member]:
    """A closure statement's members by id (none when its start node is missing)."""
    members: dict[str, _Member] = {}
    member: _Member | None = None
    for child, type_, difficulty, mastery, parent, strength, bypass, time in unpacked(rows, "members"):
        # A member's rows come one after another (one expansion each): look it up when the member changes.
        if member is None or member.content.content_id != child:
            member = members.get(child)
            if member is None:
                member = members[child] = _Member(Content(child, type_ or "", float(difficulty or 0.0)), [],
                                                  float(mastery or 0.0))
        if parent is not None:
            member.parents.append(Edge(parent, child, float(strength or 0.0), bool(bypass), float(time or 0.0)))
    return members


def _edges_among(members: Mapping[str, _Member], ids: Iterable[str]) -> list[Edge]:
    """Every edge, optional or not, between two of ids, in the order the store returned them."""
    inside = set(ids)
    return [e for c, m in members.items() if c in inside for e in m.parents if e.from_id in inside]


# --- Cypher -------------------------------------------------------------------------------------

CONTENT_PAIR = ("OPTIONAL MATCH (a:Content {contentId: $from}) OPTIONAL MATCH (b:Content {contentId: $to}) "
                "RETURN a IS NOT NULL AS a, b IS NOT NULL AS b")

#: Children of a frontier (forward expansion, for the cycle check).
CHILDREN = ("UNWIND $frontier AS id "
            "MATCH (:Content {contentId: id})-[:PREREQUISITE_FOR]->(n:Content) "
            "RETURN id AS parent, n.contentId AS child")

#: Sets the edge and recounts the target's mandatory prerequisites in the same statement (a count
#: after MERGE in one statement does not see the new edge on FalkorDB, so count the others first),
#: and keeps the closure mirrors: NEEDS always, NEEDS_MANDATORY while the edge is mandatory.
SET_PREREQUISITE = (
    "MATCH (a:Content {contentId: $from}) MATCH (b:Content {contentId: $to}) "
    "OPTIONAL MATCH (p:Content)-[m:PREREQUISITE_FOR]->(b) WHERE m.optionalBypass = false AND p <> a "
    "WITH a, b, count(p) AS others "
    "MERGE (a)-[e:PREREQUISITE_FOR]->(b) ON CREATE SET e._created = true "
    "SET e.strength = $strength, e.optionalBypass = $bypass, e.averageTransitionTime = $time, "
    "b.mandatoryPrereqCount = others + CASE WHEN $bypass THEN 0 ELSE 1 END "
    "MERGE (b)-[:NEEDS]->(a) "
    "WITH a, b, e, coalesce(e._created, false) AS created REMOVE e._created "
    "WITH a, b, e, created "
    "OPTIONAL MATCH (b)-[old:NEEDS_MANDATORY]->(a) DELETE old "
    "WITH DISTINCT a, b, e, created "
    "FOREACH (_ IN CASE WHEN $bypass THEN [] ELSE [1] END | CREATE (b)-[:NEEDS_MANDATORY]->(a)) "
    "RETURN created, a.contentId AS parent, b.contentId AS child, e.strength AS strength, "
    "e.optionalBypass AS bypass, e.averageTransitionTime AS time")

GET_CONTENT = ("MATCH (c:Content {contentId: $id}) "
               "RETURN c.contentId AS id, c.type AS type, c.difficulty AS difficulty")

#: One row per (member, incoming edge), or (member, null) for a member without prerequisites: flat
#: rows collect several times faster in FalkorDB than a list of edges per member.
def _edge_row(dialect: str, mastery: str) -> str:
    return (f"[n.contentId, {packable(dialect, 'n.type')}, n.difficulty, {mastery}, p.contentId, e.strength, "
            "e.optionalBypass, e.averageTransitionTime]")


# No label on p: PREREQUISITE_FOR only ever joins two Content nodes (SET_PREREQUISITE matches both), and
# the label test per edge is about a tenth of the dense closure's time in FalkorDB.
_EDGES = "OPTIONAL MATCH (n)<-[e:PREREQUISITE_FOR]-(p) "


def _closure(dialect: str, mirror: str, *, learner: bool) -> str:
    """The statement collecting the closure of $id along mirror, with or without $learner's mastery."""
    if dialect == "falkordb":
        start = (f"CALL algo.BFS(c, {'-1' if learner else '$depth'}, '{mirror}') YIELD nodes "
                 "UNWIND [c] + nodes AS n ")
    else:
        # DISTINCT end nodes of a variable-length expand: Neo4j prunes it to a breadth-first walk.
        start = f"UNWIND [c] + COLLECT {{ MATCH (c)-[:{mirror}*]->(m:Content) RETURN DISTINCT m }} AS n "
    if not learner:
        return ("MATCH (c:Content {contentId: $id}) " + start + _EDGES
                + f"RETURN {packed(dialect, 'collect(' + _edge_row(dialect, '0.0') + ')')} AS members")
    return ("MATCH (l:Learner {learnerId: $learner}) MATCH (c:Content {contentId: $id}) " + start
            + "OPTIONAL MATCH (n)-[:TEACHES]->(s:Skill) "
            "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s) "
            "WITH n, count(s) AS taught, min(coalesce(h.proficiencyLevel, 0.0)) AS lowest "
            "WITH n, CASE WHEN taught = 0 THEN 0.0 ELSE lowest END AS mastery " + _EDGES
            + f"RETURN {packed(dialect, 'collect(' + _edge_row(dialect, 'mastery') + ')')} AS members")


#: Closure mirrors: NEEDS_MANDATORY for mandatory-only closures, NEEDS for every prerequisite.
MIRRORS = {True: "NEEDS_MANDATORY", False: "NEEDS"}
#: The closure of $id along a mirror within $depth levels (-1: all), keyed by (dialect,
#: mandatory_only): every member (the target too) with every incoming PREREQUISITE_FOR (optional ones
#: too: they order the members), as one list; FalkorDB packs it into one JSON text. Neo4j has no
#: variable-length bound taken from a parameter: it returns the whole closure and the depth is cut here.
CLOSURE = {(dialect, only): _closure(dialect, mirror, learner=False)
           for dialect in ("falkordb", "neo4j") for only, mirror in MIRRORS.items()}
#: As CLOSURE over every level, with each member's mastery by $learner (the smallest proficiency over
#: the skills it teaches; 0 when it teaches none).
CLOSURE_WITH_MASTERY = {(dialect, only): _closure(dialect, mirror, learner=True)
                        for dialect in ("falkordb", "neo4j") for only, mirror in MIRRORS.items()}

#: The target content and the learner, with the target's mastery.
TARGET_WITH_MASTERY = (
    "OPTIONAL MATCH (l:Learner {learnerId: $learner}) "
    "OPTIONAL MATCH (c:Content {contentId: $id}) "
    "WITH l, c "
    "OPTIONAL MATCH (c)-[:TEACHES]->(s:Skill) "
    "OPTIONAL MATCH (l)-[h:HAS_SKILL]->(s) "
    "WITH l IS NOT NULL AS learner, c, count(s) AS taught, min(coalesce(h.proficiencyLevel, 0.0)) AS lowest "
    "RETURN learner, c.contentId AS id, c.type AS type, c.difficulty AS difficulty, "
    "CASE WHEN taught = 0 THEN 0.0 ELSE lowest END AS mastery")

_RANK = (
    "OPTIONAL MATCH (c)-[:TEACHES]->(cs:Skill) "
    "OPTIONAL MATCH (l)-[ch:HAS_SKILL]->(cs) "
    "WITH c, strength, unlocked, count(cs) AS taught, min(coalesce(ch.proficiencyLevel, 0.0)) AS lowest, "
    "avg(coalesce(ch.proficiencyLevel, 0.0)) AS mean "
    "WHERE taught = 0 OR lowest < $theta "
    "WITH c, strength, unlocked, coalesce(mean, 0.0) AS prof, coalesce(c.difficulty, 0.0) - coalesce(mean, 0.0) AS gap "
    "WITH c, strength, unlocked, prof, gap, "
    "CASE WHEN abs(gap - $zpd) > 1.0 THEN 0.0 ELSE 1.0 - abs(gap - $zpd) END AS closeness "
    "RETURN c.contentId AS id, c.type AS type, c.difficulty AS difficulty, prof, gap, strength, unlocked, "
    "$wd * closeness + $ws * strength AS score "
    "ORDER BY score DESC, id LIMIT $k")

#: Unmastered content whose mandatory prerequisites are all mastered, best first: content unlocked
#: by mastered content, and entry points (no mandatory prerequisites).
RECOMMEND = (
    "MATCH (l:Learner {learnerId: $learner})-[h:HAS_SKILL]->(s:Skill)<-[:TEACHES]-(m:Content) "
    "WHERE h.proficiencyLevel >= $theta "
    "WITH l, m, count(DISTINCT s) AS strong "
    "MATCH (m)-[:TEACHES]->(t:Skill) "
    "WITH l, m, strong, count(DISTINCT t) AS taught WHERE strong = taught "
    "MATCH (m)-[e:PREREQUISITE_FOR]->(c:Content) "
    "WITH l, c, sum(CASE WHEN e.optionalBypass THEN 0 ELSE 1 END) AS got, avg(e.strength) AS strength "
    "WHERE got = c.mandatoryPrereqCount "
    "WITH l, c, strength, true AS unlocked "
    + _RANK +
    " UNION ALL "
    # Bind the learner once, then scan the entry points by index (a Cartesian product would look
    # the learner up again per entry point on FalkorDB).
    "MATCH (l:Learner {learnerId: $learner}) WITH l "
    "MATCH (c:Content) WHERE c.mandatoryPrereqCount = 0 "
    "WITH l, c, 0.0 AS strength, false AS unlocked "
    + _RANK)

#: Deletes content and recounts the mandatory prerequisites of its former dependents.
DELETE_CONTENT = (
    "MATCH (c:Content {contentId: $id}) "
    "OPTIONAL MATCH (c)-[:PREREQUISITE_FOR]->(d:Content) "
    "WITH c, collect(d.contentId) AS dependents "
    "DETACH DELETE c "
    "RETURN dependents")

RECOUNT = ("UNWIND $ids AS id MATCH (b:Content {contentId: id}) "
           "OPTIONAL MATCH (p:Content)-[m:PREREQUISITE_FOR]->(b) WHERE m.optionalBypass = false "
           "WITH b, count(p) AS n SET b.mandatoryPrereqCount = n RETURN count(b) AS recounted")


def ranked(rows: Iterable[Mapping[str, Any]], k: int) -> list[Recommendation]:
    """The k best of RECOMMEND's (or the frontier's) rows: each content once, at its best score."""
    best: dict[str, Recommendation] = {}
    for r in rows:
        rec = Recommendation(_content(r), float(r["score"]), float(r["gap"]), float(r["strength"] or 0.0),
                             float(r["prof"]), bool(r["unlocked"]))
        if r["id"] not in best or rec.score > best[r["id"]].score:
            best[r["id"]] = rec
    return sorted(best.values(), key=lambda x: (-x.score, x.content.content_id))[:k]


# --- algorithms ---------------------------------------------------------------------------------

def topological_order(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm, ties broken by id; raises ValueError on a cycle."""
    ids = set(nodes)
    indegree = dict.fromkeys(ids, 0)
    children: dict[str, list[str]] = {n: [] for n in ids}
    for a, b in set(edges):
        if a in ids and b in ids:
            children[a].append(b)
            indegree[b] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        n = heapq.heappop(ready)
        order.append(n)
        for m in children[n]:
            indegree[m] -= 1
            if indegree[m] == 0:
                heapq.heappush(ready, m)
    if len(order) != len(ids):
        raise ValueError("cycle among prerequisites")
    return order


def reachable(start: Iterable[str], edges: Iterable[Edge], *, mandatory_only: bool) -> set[str]:
    """Nodes reachable backwards (child → parent) from start."""
    parents: dict[str, list[str]] = {}
    for e in edges:
        if not (mandatory_only and e.optional_bypass):
            parents.setdefault(e.to_id, []).append(e.from_id)
    seen = set(start)
    stack = list(seen)
    while stack:
        for p in parents.get(stack.pop(), ()):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


class LearningPaths:
    """Domain methods over PREREQUISITE_FOR and the learner's mastery of content."""

    def __init__(self, graph: GraphBackend, frontier: Frontier | None = None) -> None:
        self.graph = graph
        # The cycle check and the write are two steps; the asyncio lock serialises them within
        # this process, the graph lease across every node writing to the same graph.
        self._write_lock = asyncio.Lock()
        # Shared with the GraphModel where there is one: each Frontier keeps its own catalog cache.
        self.frontier = frontier or Frontier(graph)

    async def set_prerequisite(self, from_id: str, to_id: str, *, strength: float, optional_bypass: bool,
                               average_transition_time: float) -> tuple[Edge, bool]:
        """MERGE the edge unless it would close a cycle (PreconditionFailed naming the path)."""
        async with self._write_lock, graph_lease(self.graph, "prerequisites"):
            rows = await self.graph.run(CONTENT_PAIR, {"from": from_id, "to": to_id})
            for found, cid in ((rows[0]["a"], from_id), (rows[0]["b"], to_id)):
                if not found:
                    raise NotFound(f"content {cid!r} not found", reason="CONTENT_NOT_FOUND",
                                   metadata={"resource": "content", "id": cid})
            cycle = await self._path(to_id, from_id)
            if cycle is not None:
                path = [from_id, *cycle]
                raise PreconditionFailed(
                    f"prerequisite {from_id} -> {to_id} would close the cycle {' -> '.join(path)}",
                    reason="PREREQUISITE_CYCLE", metadata={"path": ",".join(path)})
            # Before and after: a rebuild between the two marks would read the old edge and call it current.
            await self.frontier.distrust([to_id])
            rows = await self.graph.run(SET_PREREQUISITE, {
                "from": from_id, "to": to_id, "strength": strength, "bypass": optional_bypass,
                "time": average_transition_time})
            await self.frontier.distrust([to_id])
        return _edge(rows[0]), bool(rows[0]["created"])

    async def _path(self, start: str, goal: str) -> list[str] | None:
        """A shortest PREREQUISITE_FOR path start → … → goal, by forward frontier expansion."""
        if start == goal:
            return [start]
        via: dict[str, str] = {start: ""}
        frontier = [start]
        while frontier:
            nxt = []
            for row in await self.graph.run(CHILDREN, {"frontier": frontier}):
                child = row["child"]
                if child in via:
                    continue
                via[child] = row["parent"]
                if child == goal:
                    path = [child]
                    while via[path[-1]]:
                        path.append(via[path[-1]])
                    return path[::-1]
                nxt.append(child)
            frontier = nxt
        return None

    async def prerequisites(self, content_id: str, *, mandatory_only: bool = False,
                            max_depth: int = 0) -> Closure:
        """Transitive prerequisites with their fewest-step depth, in topological order (one round trip)."""
        members = _members(await self.graph.run(CLOSURE[(self.graph.dialect, mandatory_only)], {
            "id": content_id, "depth": max_depth or -1}))
        if not members:  # algo.BFS yields no row for a node without prerequisites, or a missing one
            rows = await self.graph.run(GET_CONTENT, {"id": content_id})
            if not rows:
                raise NotFound(f"content {content_id!r} not found", reason="CONTENT_NOT_FOUND",
                               metadata={"resource": "content", "id": content_id})
            return Closure(_content(rows[0]), round_trips=2)
        closure = Closure(members[content_id].content, round_trips=1)
        depth = {content_id: 0}
        frontier, level = [content_id], 0
        while frontier and (max_depth == 0 or level < max_depth):
            level += 1
            nxt = []
            for child in frontier:
                for e in members[child].parents:
                    if e.from_id in members and e.from_id not in depth and not (mandatory_only and e.optional_bypass):
                        depth[e.from_id] = level
                        nxt.append(e.from_id)
            frontier = nxt
        for pid, d in depth.items():
            if d:
                closure.nodes[pid] = members[pid].content
                closure.depth[pid] = d
        among = _edges_among(members, depth.keys())
        closure.edges = [e for e in among if not (mandatory_only and e.optional_bypass)]
        # The filter chose the nodes; the order obeys every edge among them, optional ones too.
        closure.order = topological_order(closure.nodes, ((e.from_id, e.to_id) for e in among))
        return closure

    async def learning_path(self, learner_id: str, target_id: str, *, threshold: float = MASTERY_THRESHOLD,
                            include_optional: bool = False) -> tuple[list[PathStep], int]:
        """Content still to master before (and including) target, in topological order; (steps, round trips).

        The walk stops at mastered content: what only mastered content needs is not on the path.
        """
        rows = await self.graph.run(TARGET_WITH_MASTERY, {"learner": learner_id, "id": target_id})
        row: dict[str, Any] = rows[0] if rows else {"learner": False, "id": None}
        if not row["learner"]:
            raise NotFound(f"learner {learner_id!r} not found", reason="LEARNER_NOT_FOUND",
                           metadata={"resource": "learner", "id": learner_id})
        if row["id"] is None:
            raise NotFound(f"content {target_id!r} not found", reason="CONTENT_NOT_FOUND",
                           metadata={"resource": "content", "id": target_id})
        target = _content(row)
        if float(row["mastery"]) >= threshold:
            return [], 1
        # The closure holds every prerequisite of the walk's kind; the walk then stops at mastery here.
        members = _members(await self.graph.run(CLOSURE_WITH_MASTERY[(self.graph.dialect, not include_optional)], {
            "learner": learner_id, "id": target_id}))
        nodes = {target_id: target}
        mastery = {target_id: float(row["mastery"])}
        edges: list[Edge] = []
        frontier = [target_id]
        while frontier:
            nxt = []
            for child in frontier:
                for e in members[child].parents if child in members else ():  # none: no prerequisites
                    parent = members.get(e.from_id)
                    if parent is None or (e.optional_bypass and not include_optional) or parent.mastery >= threshold:
                        continue  # mastered: neither on the path nor expanded
                    edges.append(e)
                    if e.from_id not in nodes:
                        nodes[e.from_id] = parent.content
                        mastery[e.from_id] = parent.mastery
                        nxt.append(e.from_id)
            frontier = nxt
        mandatory = reachable([target_id], edges, mandatory_only=True) if include_optional else set(nodes)
        # The walk may have followed mandatory edges only; every edge among the steps orders them.
        order = topological_order(nodes, ((e.from_id, e.to_id) for e in _edges_among(members, nodes)))
        into: dict[str, float] = {}
        for e in edges:
            into[e.to_id] = max(into.get(e.to_id, 0.0), e.average_transition_time)
        steps = [PathStep(nodes[c], mastery[c], into.get(c, 0.0), c not in mandatory) for c in order]
        return steps, 2

    async def recommend(self, learner_id: str, k: int, *,
                        threshold: float = MASTERY_THRESHOLD) -> list[Recommendation]:
        """Up to k unmastered items whose mandatory prerequisites are mastered, best first.

        From the learner's frontier when it is current (stores/graph/frontier.py), else from HAS_SKILL.
        """
        rows = await self.frontier.recommend(learner_id, k) if threshold == MASTERY_THRESHOLD else None
        metrics.RECOMMEND_ANSWERS.labels("history" if rows is None else "frontier").inc()
        if rows is None:
            rows = await self.graph.run(RECOMMEND, {
                "learner": learner_id, "theta": threshold, "zpd": ZPD_OFFSET, "wd": W_DIFFICULTY,
                "ws": W_STRENGTH, "k": k})
        if not rows:
            await self._require_learner(learner_id)
        return ranked(rows, k)

    async def _require_learner(self, learner_id: str) -> None:
        rows = await self.graph.run("OPTIONAL MATCH (l:Learner {learnerId: $id}) RETURN l IS NOT NULL AS found",
                                    {"id": learner_id})
        if not rows[0]["found"]:
            raise NotFound(f"learner {learner_id!r} not found", reason="LEARNER_NOT_FOUND",
                           metadata={"resource": "learner", "id": learner_id})

    async def delete_content(self, content_id: str) -> bool:
        """DETACH DELETE a Content node and recount its dependents; False when it did not exist."""
        async with self._write_lock:
            await self.frontier.distrust([content_id, *(r["child"] for r in await self.graph.run(
                CHILDREN, {"frontier": [content_id]}))])
            rows = await self.graph.run(DELETE_CONTENT, {"id": content_id})
            if not rows:
                return False
            dependents = rows[0]["dependents"] or []
            if dependents:
                await self.graph.run(RECOUNT, {"ids": dependents})
                await self.frontier.distrust(dependents)
        return True
