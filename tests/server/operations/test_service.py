"""RunConsistencyChecks: each rule detects a planted inconsistency, and repair fixes what it can."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import grpc
import pytest
from grpc import aio

from amauta.v1 import (
    common_pb2,
    learner_pb2,
    learner_pb2_grpc,
    operations_pb2,
    operations_pb2_grpc,
    simulation_pb2,
    simulation_pb2_grpc,
)
from server.app import Node
from stores.redis.simulations import keys
from tests.support import Tokens

R = operations_pb2


@pytest.fixture
def ops(channel: aio.Channel) -> operations_pb2_grpc.OperationsServiceStub:
    return operations_pb2_grpc.OperationsServiceStub(channel)


async def _run(ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens, rule: int,
               repair: bool = False) -> operations_pb2.ConsistencyRuleReport:
    reply = await ops.RunConsistencyChecks(R.RunConsistencyChecksRequest(
        rules=[rule], repair=repair, max_examples=1000), metadata=tokens.md("admin"), timeout=60)
    assert len(reply.reports) == 1 and reply.reports[0].rule == rule
    report = reply.reports[0]
    assert report.status != R.CONSISTENCY_CHECK_STATUS_ERROR, report.error_message
    return report


def _ids(report: operations_pb2.ConsistencyRuleReport, kind: str) -> set[str]:
    return {i for f in report.findings if f.kind == kind for i in f.example_ids}


async def _eventually(probe: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await probe():
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.2)


async def _catalog(node: Node, *, validated: bool = True) -> tuple[str, str, str]:
    """A dataset, one content item and one active environment, written directly."""
    assert node.runtime is not None
    async with node.runtime.stores.postgres.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO training_datasets (name, dataset_type, generation_method, validation_status)"
            " VALUES ('ops', 'ethical_dilemmas', '{}', %s) RETURNING dataset_id::text AS id",
            ("validated" if validated else "pending",))
        dataset = (await cur.fetchone())["id"]
        cur = await conn.execute(
            "INSERT INTO training_content (dataset_id, title, content_data, difficulty_level)"
            " VALUES (%s, 'ops', '{}', 0.4) RETURNING content_id::text AS id", (dataset,))
        content = (await cur.fetchone())["id"]
        cur = await conn.execute(
            "INSERT INTO simulation_environments (name, environment_type, environment_config,"
            " max_participants) VALUES ('ops', 'conflict_resolution', '{}', 4)"
            " RETURNING environment_id::text AS id")
        environment = (await cur.fetchone())["id"]
    return dataset, content, environment


async def test_bad_requests_are_rejected(ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    for request in (R.RunConsistencyChecksRequest(rules=[0]),
                    R.RunConsistencyChecksRequest(rules=[1, 1]),
                    R.RunConsistencyChecksRequest(max_examples=5000)):
        with pytest.raises(aio.AioRpcError) as err:
            await ops.RunConsistencyChecks(request, metadata=tokens.md("admin"))
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_all_rules_run_by_default(ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    reply = await ops.RunConsistencyChecks(R.RunConsistencyChecksRequest(), metadata=tokens.md("admin"),
                                           timeout=60)
    assert [r.rule for r in reply.reports] == [1, 2, 3, 4, 5]
    assert all(r.status != R.CONSISTENCY_CHECK_STATUS_ERROR for r in reply.reports), reply


async def test_rule_1_postgres_session_without_redis_is_abandoned(
        node: Node, channel: aio.Channel, ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    assert node.runtime is not None
    _, _, environment = await _catalog(node)
    sims = simulation_pb2_grpc.SimulationServiceStub(channel)
    started = await sims.StartSimulation(simulation_pb2.StartSimulationRequest(
        environment_id=environment, participants=["ops-p1", "ops-p2"]), metadata=tokens.md("admin"))
    sim_id = started.simulation.simulation_id
    await node.runtime.stores.redis.client.delete(*keys(sim_id))  # Redis state lost
    async with node.runtime.stores.postgres.connection() as conn:  # and older than the start grace
        await conn.execute("UPDATE simulations SET start_time = now() - interval '10 minutes'"
                           " WHERE simulation_id = %s", (sim_id,))
        await conn.execute("UPDATE learning_sessions SET start_time = now() - interval '10 minutes'"
                           " WHERE session_metadata->>'simulation_id' = %s", (sim_id,))
    report = await _run(ops, tokens, R.CONSISTENCY_RULE_SESSION_INTEGRITY)
    assert sim_id in _ids(report, "postgres_without_redis")
    repaired = await _run(ops, tokens, R.CONSISTENCY_RULE_SESSION_INTEGRITY, repair=True)
    assert sim_id in _ids(repaired, "postgres_without_redis")
    assert repaired.repair_count >= 1
    again = await _run(ops, tokens, R.CONSISTENCY_RULE_SESSION_INTEGRITY)
    assert sim_id not in _ids(again, "postgres_without_redis")


async def test_rule_2_assessment_of_another_learners_session(
        node: Node, ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    assert node.runtime is not None
    async with node.runtime.stores.postgres.transaction() as conn:
        cur = await conn.execute("INSERT INTO learning_sessions (learner_id, session_type, completion_status)"
                                 " VALUES ('ops-owner', 'practice', 'completed') RETURNING session_id")
        session = (await cur.fetchone())["session_id"]
        cur = await conn.execute(
            "INSERT INTO assessment_results (learner_id, session_id, assessment_type, results)"
            " VALUES ('ops-intruder', %s, 'quiz', '{}') RETURNING assessment_id::text AS id", (session,))
        planted = (await cur.fetchone())["id"]
    report = await _run(ops, tokens, R.CONSISTENCY_RULE_ASSESSMENT_COMPLETENESS)
    assert planted in _ids(report, "assessment_session_of_other_learner")
    assert report.status == R.CONSISTENCY_CHECK_STATUS_FINDINGS
    # Not repairable safely: repair leaves it and says so through the status.
    repaired = await _run(ops, tokens, R.CONSISTENCY_RULE_ASSESSMENT_COMPLETENESS, repair=True)
    assert planted in _ids(repaired, "assessment_session_of_other_learner")
    async with node.runtime.stores.postgres.connection() as conn:
        await conn.execute("DELETE FROM assessment_results WHERE assessment_id = %s", (planted,))


async def test_rule_3_session_on_unvalidated_content(
        node: Node, ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    assert node.runtime is not None
    dataset, content, _ = await _catalog(node)
    async with node.runtime.stores.postgres.transaction() as conn:
        cur = await conn.execute(
            "INSERT INTO learning_sessions (learner_id, session_type, content_id, completion_status)"
            " VALUES ('ops-l3', 'training', %s, 'in_progress') RETURNING session_id::text AS id", (content,))
        session = (await cur.fetchone())["id"]
        await conn.execute("UPDATE training_datasets SET validation_status = 'rejected' WHERE dataset_id = %s",
                           (dataset,))
    report = await _run(ops, tokens, R.CONSISTENCY_RULE_CONTENT_VALIDATION)
    assert session in _ids(report, "session_uses_unvalidated_content")


async def test_rule_4_profile_missing_in_graph_is_resent(
        node: Node, ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    assert node.runtime is not None
    learner = f"ops-l4-{uuid.uuid4().hex[:6]}"
    async with node.runtime.stores.postgres.connection() as conn:  # no outbox row: the graph never hears
        await conn.execute("INSERT INTO learner_profiles (learner_id, learner_type) VALUES (%s, 'planted')",
                           (learner,))
    report = await _run(ops, tokens, R.CONSISTENCY_RULE_PROFILE_COHERENCE)
    assert learner in _ids(report, "learner_missing_in_graph")
    repaired = await _run(ops, tokens, R.CONSISTENCY_RULE_PROFILE_COHERENCE, repair=True)
    assert any(f.kind == "learner_missing_in_graph" and f.repaired_count >= 1 for f in repaired.findings)
    graph = node.runtime.stores.graph

    async def in_graph() -> bool:
        rows = await graph.run("MATCH (l:Learner {learnerId: $id}) RETURN l.type AS type", {"id": learner})
        return rows == [{"type": "planted"}]

    await _eventually(in_graph)
    again = await _run(ops, tokens, R.CONSISTENCY_RULE_PROFILE_COHERENCE)
    assert learner not in _ids(again, "learner_missing_in_graph")


async def test_rule_5_deleted_analytics_row_is_detected_and_redelivered(
        node: Node, channel: aio.Channel, ops: operations_pb2_grpc.OperationsServiceStub, tokens: Tokens) -> None:
    assert node.runtime is not None
    _, content, _ = await _catalog(node)
    learners = learner_pb2_grpc.LearnerServiceStub(channel)
    started = await learners.StartSession(learner_pb2.StartSessionRequest(
        learner_id="ops-l5", session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=content),
        metadata=tokens.md("admin"))
    session_id = started.session.session_id
    async with node.runtime.stores.postgres.connection() as conn:
        cur = await conn.execute("SELECT event_id::text AS id FROM analytics_outbox WHERE aggregate_id = %s"
                                 " AND event_type = 'session_start'", (session_id,))
        event_id = (await cur.fetchone())["id"]
    analytics = node.runtime.stores.analytics

    async def stored() -> bool:
        rows = await analytics.query("SELECT count() AS n FROM learning_events WHERE event_id = {e:String}",
                                     {"e": event_id})
        return int(rows[0]["n"]) == 1

    await _eventually(stored)
    await analytics.execute("ALTER TABLE learning_events DELETE WHERE event_id = {e:String} SETTINGS mutations_sync = 2", {"e": event_id})
    report = await _run(ops, tokens, R.CONSISTENCY_RULE_ANALYTICS_ACCURACY)
    assert event_id in _ids(report, "source_row_missing_in_clickhouse")
    await _run(ops, tokens, R.CONSISTENCY_RULE_ANALYTICS_ACCURACY, repair=True)
    await _eventually(stored)
    again = await _run(ops, tokens, R.CONSISTENCY_RULE_ANALYTICS_ACCURACY)
    assert event_id not in _ids(again, "source_row_missing_in_clickhouse")


async def test_cli_check_prints_a_table_and_json(node: Node, data_root, tokens: Tokens, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import os
    import sys

    token_file = tmp_path / "admin.token"
    token_file.write_text(tokens.by_key["admin"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("AMAUTA_")}
    base = [sys.executable, "-m", "server.cli", "check", "--address", f"127.0.0.1:{node.port}",
            "--token-file", str(token_file), "--rule", "assessment_completeness", "--rule", "content_validation"]
    for extra in ([], ["--json"]):
        proc = await asyncio.create_subprocess_exec(*base, *extra, env=env, stdout=asyncio.subprocess.PIPE,
                                                    stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode in (0, 1), err.decode()
        text = out.decode()
        if extra:
            doc = json.loads(text)
            assert [r["rule"] for r in doc["reports"]] == ["CONSISTENCY_RULE_ASSESSMENT_COMPLETENESS",
                                                           "CONSISTENCY_RULE_CONTENT_VALIDATION"]
        else:
            assert "assessment_completeness" in text and "content_validation" in text and "status" in text
