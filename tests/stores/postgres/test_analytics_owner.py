"""The analytics ownership record: the session node owns it; a second embedded engine is refused."""

from __future__ import annotations

import pytest

from stores.errors import PreconditionFailed
from stores.postgres import PostgresStore, analytics_owner
from stores.postgres.analytics_owner import AnalyticsOwnedElsewhere


async def test_the_node_that_embeds_chdb_is_recorded(pg: PostgresStore) -> None:
    owner = await analytics_owner.current(pg)
    assert owner is not None
    assert owner.owner_id and owner.node_address.startswith("127.0.0.1:")


async def test_the_owner_refreshes_its_heartbeat(pg: PostgresStore) -> None:
    before = await analytics_owner.current(pg)
    assert before is not None
    await analytics_owner.claim(pg, before.owner_id, before.node_address)
    after = await analytics_owner.current(pg)
    assert after is not None
    assert (after.owner_id, after.node_address) == (before.owner_id, before.node_address)
    assert after.heartbeat_at >= before.heartbeat_at


async def test_another_engine_is_refused_and_changes_nothing(pg: PostgresStore) -> None:
    before = await analytics_owner.current(pg)
    assert before is not None
    with pytest.raises(AnalyticsOwnedElsewhere) as caught:
        await analytics_owner.claim(pg, "other-host:/elsewhere/chdb", "10.0.0.9:50051")
    err = caught.value
    assert isinstance(err, PreconditionFailed)
    assert err.reason == "ANALYTICS_OWNED_ELSEWHERE"
    assert err.metadata == {"owner": before.owner_id, "node_address": before.node_address}
    assert "AMAUTA_CLICKHOUSE_URL" in str(err) and "AMAUTA_ANALYTICS=off" in str(err)
    after = await analytics_owner.current(pg)
    assert after is not None and after.owner_id == before.owner_id
