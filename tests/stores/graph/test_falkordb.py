"""FalkorBackend: driver errors mapped to store errors, and the backend against the embedded FalkorDB."""

from __future__ import annotations

import uuid

import pytest
import redis.exceptions as rexc

from server.app import Node
from stores.errors import AlreadyExists, StoreError, StoreStarting, StoreUnavailable
from stores.graph import GraphSettings
from stores.graph.falkordb import FalkorBackend, translate


@pytest.mark.parametrize(("error", "kind", "reason"), [
    (rexc.BusyLoadingError("loading"), StoreStarting, "STORE_STARTING"),
    (rexc.ConnectionError("refused"), StoreUnavailable, "STORE_UNAVAILABLE"),
    (ConnectionRefusedError("refused"), StoreUnavailable, "STORE_UNAVAILABLE"),
    (rexc.ResponseError("Query timed out"), StoreUnavailable, "GRAPH_QUERY_TIMEOUT"),
    (rexc.ResponseError("unique constraint violation on node"), AlreadyExists, "ALREADY_EXISTS"),
    (rexc.ResponseError("Invalid input 'X'"), StoreError, "STORE_ERROR"),
])
def test_translate(error: Exception, kind: type[StoreError], reason: str) -> None:
    mapped = translate(error)
    assert (type(mapped), mapped.reason) == (kind, reason)


async def test_unique_constraints_hold_and_drop_all_empties_the_graph(node: Node) -> None:
    assert node.runtime is not None
    backend = FalkorBackend(GraphSettings(node.runtime.settings.graph_url, graph_name=f"fk_{uuid.uuid4().hex[:8]}"))
    await backend.open()
    try:
        await backend.run("CREATE (:Skill {skillId: 'warmup'})")  # the graph must exist for an index
        await backend.ensure_unique("Skill", "skillId")
        await backend.ensure_unique("Skill", "skillId")  # idempotent
        await backend.run("CREATE (:Skill {skillId: 's'})")
        with pytest.raises(AlreadyExists):
            await backend.run("CREATE (:Skill {skillId: 's'})")
        rows = await backend.run("MATCH (s:Skill) RETURN s.skillId AS id ORDER BY id")
        assert rows == [{"id": "s"}, {"id": "warmup"}]
        assert await backend.run("MATCH (s:Skill {skillId: $id}) RETURN s.skillId AS id", {"id": "s"}) == [{"id": "s"}]
        with pytest.raises(ValueError):
            await backend.ensure_index("Nope", "x")
        await backend.drop_all()
        assert await backend.run("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    finally:
        await backend.close()
