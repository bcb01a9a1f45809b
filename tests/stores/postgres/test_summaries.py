"""learner_summaries: refreshed concurrently, and right against the rows it summarises."""

from __future__ import annotations

import uuid

from server.app import Node
from stores.postgres import summaries


async def test_refresh_reflects_sessions_and_assessments(node: Node) -> None:
    assert node.runtime is not None
    pg = node.runtime.stores.postgres
    learner = f"sum-{uuid.uuid4().hex[:8]}"
    async with pg.transaction() as conn:
        await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES (%s, 'analytical')",
                           (learner,))
        for status, duration in (("completed", 60), ("completed", 120), ("abandoned", 30)):
            cur = await conn.execute(
                "INSERT INTO learning_sessions (learner_id, session_type, completion_status, duration,"
                " end_time) VALUES (%s, 'practice', %s, %s, now()) RETURNING session_id",
                (learner, status, duration))
            session = (await cur.fetchone())["session_id"]
        await conn.execute(
            "INSERT INTO assessment_results (learner_id, session_id, assessment_type, results, confidence_level)"
            " VALUES (%s, %s, 'quiz', '{}', 0.8)", (learner, session))
    assert await summaries.get(pg, learner) is None  # not refreshed yet
    await summaries.refresh(pg)
    row = await summaries.get(pg, learner)
    assert row is not None
    assert (row["sessions_total"], row["sessions_completed"], row["assessments_total"]) == (3, 2, 1)
    assert row["avg_duration_seconds"] == 70.0
    assert abs(row["avg_confidence"] - 0.8) < 1e-9
