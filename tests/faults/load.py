"""A mixed client load that records every acknowledged write, for checks after faults."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass, field

import grpc
from grpc import aio

from amauta.v1 import graph_pb2, graph_pb2_grpc, learner_pb2, learner_pb2_grpc

ALLOWED = {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


@dataclass
class History:
    """Acknowledged writes and the status codes seen."""

    profiles: list[str] = field(default_factory=list)
    progress: dict[str, float] = field(default_factory=dict)
    skills: list[str] = field(default_factory=list)
    codes: Counter[str] = field(default_factory=Counter)


class MixedLoad:
    """Profiles (PostgreSQL), progress (Redis) and skills (graph), a few calls in flight."""

    def __init__(self, target: str, md: tuple[tuple[str, str], ...], deadline: float = 2.0,
                 options: tuple[tuple[str, object], ...] = ()) -> None:
        self.target, self.md, self.deadline, self.options = target, md, deadline, options
        self.history = History()
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _one(self, call: aio.UnaryUnaryMultiCallable, request: object) -> bool:
        try:
            await call(request, metadata=self.md, timeout=self.deadline)
        except aio.AioRpcError as exc:
            self.history.codes[exc.code().name] += 1
            return False
        self.history.codes["OK"] += 1
        return True

    async def _worker(self, channel: aio.Channel, n: int) -> None:
        learners = learner_pb2_grpc.LearnerServiceStub(channel)
        graph = graph_pb2_grpc.GraphServiceStub(channel)
        i = 0
        while not self._stop.is_set():
            i += 1
            learner = f"fault-{n}-{uuid.uuid4().hex[:8]}"
            if await self._one(learners.CreateLearnerProfile, learner_pb2.CreateLearnerProfileRequest(
                    profile=learner_pb2.LearnerProfile(learner_id=learner, learner_type="fault"))):
                self.history.profiles.append(learner)
                value = float(i % 100)
                if await self._one(learners.ReportProgress, learner_pb2.ReportProgressRequest(
                        learner_id=learner, progress_percentage=value)):
                    self.history.progress[learner] = value
            skill = f"skill-{n}-{i}"
            if await self._one(graph.UpsertSkillNode, graph_pb2.UpsertSkillNodeRequest(
                    node=graph_pb2.SkillNode(skill_id=skill, category="fault"))):
                self.history.skills.append(skill)
            await asyncio.sleep(0.01)

    async def start(self, workers: int = 4) -> None:
        self._channel = aio.insecure_channel(self.target, options=list(self.options))
        self._tasks = [asyncio.create_task(self._worker(self._channel, n)) for n in range(workers)]

    async def stop(self) -> History:
        self._stop.set()
        await asyncio.gather(*self._tasks)
        await self._channel.close()
        return self.history


async def verify(target: str, md: tuple[tuple[str, str], ...], history: History) -> None:
    """Every acknowledged write is readable."""
    async with aio.insecure_channel(target) as channel:
        learners = learner_pb2_grpc.LearnerServiceStub(channel)
        graph = graph_pb2_grpc.GraphServiceStub(channel)
        for learner in history.profiles:
            reply = await learners.GetLearnerProfile(learner_pb2.GetLearnerProfileRequest(learner_id=learner),
                                                     metadata=md, timeout=10)
            assert reply.profile.learner_id == learner
        for learner, value in history.progress.items():
            reply = await learners.GetProgress(learner_pb2.GetProgressRequest(learner_id=learner),
                                               metadata=md, timeout=10)
            assert reply.progress.progress_percentage == value, learner
        for skill in history.skills:
            reply = await graph.GetSkillNode(graph_pb2.GetSkillNodeRequest(skill_id=skill), metadata=md,
                                             timeout=10)
            assert reply.node.skill_id == skill
