"""Eraser across the four stores: every step recorded, a failing step resumed by the next call."""

from __future__ import annotations

import pytest

from server.runtime import Stores
from stores.errors import StoreUnavailable
from stores.graph.model import GraphModel
from stores.postgres.learners import LearnerStore
from stores.postgres.sessions import insert_session
from stores.redis.progress import progress_key
from stores.sync.erasure import STORES, Eraser
from stores.sync.progress import progress_store
from tests.server.learner.helpers import insert_environment, outbox_rows, unique


def _eraser(stores: Stores, **kwargs: object) -> Eraser:
    return Eraser(stores.postgres, progress_store(stores.redis, stores.postgres), stores.graph, stores.analytics,
                  **kwargs)  # type: ignore[arg-type]


async def _learner(stores: Stores) -> str:
    learner = unique("erase")
    await LearnerStore(stores.postgres).create({"learner_id": learner, "learner_type": "ai"}, request_id=None,
                                               identity="admin")
    async with stores.postgres.transaction() as conn:
        await insert_session(conn, learner_id=learner, session_type="simulation",
                             environment_id=await insert_environment(stores.postgres))
    await progress_store(stores.redis, stores.postgres).report(learner, percentage=10.0, objective=None)
    await GraphModel(stores.graph).upsert_node("learner", learner, {"type": "ai"})
    return learner


async def test_an_erasure_empties_every_store_and_records_each_step(stores: Stores) -> None:
    learner = await _learner(stores)
    eraser = _eraser(stores)
    assert await eraser.report(learner) is None
    report = await eraser.erase(learner, "admin")
    assert report.complete and [s.store for s in report.steps] == list(STORES)
    by_store = {s.store: s for s in report.steps}
    assert by_store["postgresql"].removed_count >= 2  # the profile and the session at least
    assert by_store["redis"].removed_count == 1
    # The node's graph relay may apply the learner_erased row first: the node is then gone already.
    assert by_store["graph"].detail.startswith("Learner nodes=")
    async with stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM learner_profiles WHERE learner_id = %s", (learner,))
        assert await cur.fetchone() == {"n": 0}
    assert await stores.redis.client.exists(progress_key(learner)) == 0
    assert not await GraphModel(stores.graph).exists("learner", learner)
    assert [r["event_type"] for r in await outbox_rows(stores.postgres, learner)] == ["learner_erased"]
    again = await eraser.erase(learner, "admin")  # a new pass of a complete job
    assert again.complete and {s.store: s.removed_count for s in again.steps}["redis"] == 1


async def test_a_failing_store_stops_the_pass_and_the_next_call_resumes_there(stores: Stores) -> None:
    learner = await _learner(stores)
    seen: list[str] = []

    async def graph_down(store: str) -> None:
        seen.append(store)
        if store == "graph":
            raise StoreUnavailable("graph unavailable")

    with pytest.raises(StoreUnavailable):
        await _eraser(stores, before_step=graph_down).erase(learner, "admin")
    partial = await _eraser(stores).report(learner)
    assert partial is not None and not partial.complete
    assert {s.store: s.done for s in partial.steps} == {"postgresql": True, "redis": True, "graph": False,
                                                         "clickhouse": False}
    resumed: list[str] = []

    async def record(store: str) -> None:
        resumed.append(store)

    assert (await _eraser(stores, before_step=record).erase(learner, "admin")).complete
    assert seen == ["postgresql", "redis", "graph"] and resumed == ["graph", "clickhouse"]
