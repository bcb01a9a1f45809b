"""The id grammar at the API: every service names the offending id field and changes nothing."""

from __future__ import annotations

import uuid

import grpc
import pytest
from grpc import aio

from amauta.v1 import (
    analytics_pb2,
    analytics_pb2_grpc,
    common_pb2,
    graph_pb2,
    graph_pb2_grpc,
    learner_pb2,
    learner_pb2_grpc,
    simulation_pb2,
    simulation_pb2_grpc,
)
from stores.ids import id_problem
from tests.support import Tokens, bad_fields

BAD = [" lead", "trail ", "nbsp\u00a0", "\u3000wide", "tab\tin", "nl\nin", "del\x7f", "c1\x85", "x" * 101, ""]
GOOD = ["plain", "in side", "q\\b", "q'", "\u200fmark", "é🙂", "x" * 100]


def test_the_grammar() -> None:
    assert [id_problem(v) is None for v in BAD] == [False] * len(BAD)
    assert [id_problem(v) for v in GOOD] == [None] * len(GOOD)
    assert id_problem("o" * 255, 255) is None and id_problem("o" * 256, 255) is not None


@pytest.mark.parametrize("value", BAD[:-1])
async def test_bad_ids_are_invalid_argument_naming_the_field(channel: aio.Channel, tokens: Tokens, pg,
                                                             value: str) -> None:
    md = tokens.md("admin")
    calls = [
        (learner_pb2_grpc.LearnerServiceStub(channel).CreateLearnerProfile(learner_pb2.CreateLearnerProfileRequest(
            profile=learner_pb2.LearnerProfile(learner_id=value, learner_type="t")), metadata=md),
         "profile.learner_id"),
        (simulation_pb2_grpc.SimulationServiceStub(channel).StartSimulation(simulation_pb2.StartSimulationRequest(
            simulation_id=f"ids-{uuid.uuid4().hex[:8]}", environment_id=str(uuid.uuid4()),
            participants=["fine", value]), metadata=md), "participants[1]"),
        (graph_pb2_grpc.GraphServiceStub(channel).FindCollaborators(graph_pb2.FindCollaboratorsRequest(
            learner_id="fine", skill_ids=["ok", value]), metadata=md), "skill_ids[1]"),
        (graph_pb2_grpc.GraphServiceStub(channel).UpsertSkillNode(graph_pb2.UpsertSkillNodeRequest(
            node=graph_pb2.SkillNode(skill_id=value)), metadata=md), "node.skill_id"),
        (analytics_pb2_grpc.AnalyticsServiceStub(channel).GetLearnerPerformance(
            analytics_pb2.GetLearnerPerformanceRequest(learner_id=value, metric_type=common_pb2.METRIC_TYPE_ACCURACY),
            metadata=md), "learner_id"),
    ]
    for call, field in calls:
        with pytest.raises(aio.AioRpcError) as err:
            await call
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (field, err.value.details())
        assert field in bad_fields(err.value), (field, bad_fields(err.value))
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM learner_profiles WHERE learner_id = %s", (value,))
        assert (await cur.fetchone())["n"] == 0
