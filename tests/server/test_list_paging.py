"""Stable paging: a reader that tails a list while writers insert sees every committed row exactly once.

For every List RPC over PostgreSQL, six writers insert concurrently while one reader pages with
page_size 1 and, at the end of the list, keeps its resume_page_token and asks again. Rows commit in
any order the machine gives them; the reader must end with exactly the acknowledged rows, each once.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from google.protobuf import struct_pb2
from grpc import aio

from amauta.v1 import catalog_pb2, catalog_pb2_grpc, common_pb2, learner_pb2_grpc
from amauta.v1 import learner_pb2 as lpb
from server.app import Node
from tests.server.learner.helpers import insert_content
from tests.support import Tokens

WRITERS = 6
PER_WRITER = 25


def _struct(**values: Any) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


@dataclass
class Tail:
    """One tailing reader's view: every id it received, in order."""

    seen: list[str]
    #: Rows received while the writers were still writing.
    while_writing: int = 0


async def _tail(list_page: Callable[[str], Awaitable[tuple[list[str], str, str]]],
                writing: asyncio.Future[Any]) -> Tail:
    """Page with size 1 until the writers are done and a page comes back empty; at the end of the
    list, continue from the resume token of the last non-empty page."""
    tail = Tail([])
    token = ""
    while True:
        done = writing.done()  # read before the call: an empty page after this means nothing is left
        ids, next_token, resume = await list_page(token)
        tail.seen += ids
        if not writing.done():
            tail.while_writing += len(ids)
        token = next_token or resume or token
        if not ids:
            if done:
                return tail
            await asyncio.sleep(0.001)


async def _run(create: Callable[[int, int], Awaitable[str]],
               list_page: Callable[[str], Awaitable[tuple[list[str], str, str]]]) -> None:
    acknowledged: list[str] = []

    async def writer(w: int) -> None:
        for i in range(PER_WRITER):
            acknowledged.append(await create(w, i))
            await asyncio.sleep(0.01)  # leave the reader turns even when its page is the slower call

    writing = asyncio.ensure_future(asyncio.gather(*(writer(w) for w in range(WRITERS))))
    tail = await _tail(list_page, writing)
    await writing  # surfaces a writer's error
    assert len(acknowledged) == WRITERS * PER_WRITER
    repeated = len(tail.seen) - len(set(tail.seen))
    missed = set(acknowledged) - set(tail.seen)
    assert (repeated, len(missed)) == (0, 0), f"{repeated} repeated, {len(missed)} of {len(acknowledged)} missed"
    assert set(tail.seen) == set(acknowledged)  # nothing outside the filter either
    assert tail.while_writing >= 5, "the reader did not page while the writers wrote"


@pytest.fixture(scope="module")
def cat(channel: aio.Channel) -> catalog_pb2_grpc.CatalogServiceStub:
    return catalog_pb2_grpc.CatalogServiceStub(channel)


@pytest.fixture(scope="module")
def learn(channel: aio.Channel) -> learner_pb2_grpc.LearnerServiceStub:
    return learner_pb2_grpc.LearnerServiceStub(channel)


async def test_list_datasets(cat: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens) -> None:
    tag = "tail-" + uuid.uuid4().hex[:8]
    md = tokens.md("admin")

    async def create(w: int, i: int) -> str:
        reply = await cat.CreateDataset(catalog_pb2.CreateDatasetRequest(dataset=catalog_pb2.TrainingDataset(
            name=f"tail {w}-{i}", dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
            generation_method=_struct(kind="manual"), target_capabilities=[tag])), metadata=md)
        return reply.dataset.dataset_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await cat.ListDatasets(catalog_pb2.ListDatasetsRequest(
            page_size=1, page_token=token, target_capabilities=common_pb2.StringSetFilter(values=[tag])),
            metadata=md)
        return [d.dataset_id for d in r.datasets], r.next_page_token, r.resume_page_token

    await _run(create, page)


async def test_list_content(cat: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    ds = (await cat.CreateDataset(catalog_pb2.CreateDatasetRequest(dataset=catalog_pb2.TrainingDataset(
        name="tail content", dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
        generation_method=_struct(kind="manual"))), metadata=md)).dataset.dataset_id

    async def create(w: int, i: int) -> str:
        reply = await cat.CreateContent(catalog_pb2.CreateContentRequest(content=catalog_pb2.TrainingContent(
            dataset_id=ds, title=f"tail {w}-{i}", content_data=_struct(prompt="p"))), metadata=md)
        return reply.content.content_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await cat.ListContent(catalog_pb2.ListContentRequest(dataset_id=ds, page_size=1, page_token=token),
                                  metadata=md)
        return [c.content_id for c in r.contents], r.next_page_token, r.resume_page_token

    await _run(create, page)


async def test_list_variations(cat: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    ds = (await cat.CreateDataset(catalog_pb2.CreateDatasetRequest(dataset=catalog_pb2.TrainingDataset(
        name="tail variations", dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
        generation_method=_struct(kind="manual"))), metadata=md)).dataset.dataset_id
    root = (await cat.CreateContent(catalog_pb2.CreateContentRequest(content=catalog_pb2.TrainingContent(
        dataset_id=ds, title="root", content_data=_struct(prompt="p"))), metadata=md)).content.content_id
    # Half the writers vary the root, the others their own latest variation: several depths grow at once.
    latest: dict[int, str] = {}

    async def create(w: int, i: int) -> str:
        source = latest.get(w, root) if w % 2 else root
        reply = await cat.CreateVariation(catalog_pb2.CreateVariationRequest(
            source_content_id=source, variation_parameters=_struct(seed=i)),
                                          metadata=md)
        latest[w] = reply.content.content_id
        return reply.content.content_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await cat.ListVariations(catalog_pb2.ListVariationsRequest(content_id=root, page_size=1,
                                                                       page_token=token), metadata=md)
        return [v.content.content_id for v in r.variations], r.next_page_token, r.resume_page_token

    await _run(create, page)


async def test_list_environments(cat: catalog_pb2_grpc.CatalogServiceStub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    objective = "tail-" + uuid.uuid4().hex[:8]

    async def create(w: int, i: int) -> str:
        reply = await cat.CreateEnvironment(catalog_pb2.CreateEnvironmentRequest(
            environment=catalog_pb2.SimulationEnvironment(
                name=f"tail {w}-{i}", environment_type=common_pb2.ENVIRONMENT_TYPE_CONFLICT_RESOLUTION,
                environment_config=_struct(rounds=3), learning_objectives=[objective])), metadata=md)
        return reply.environment.environment_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await cat.ListEnvironments(catalog_pb2.ListEnvironmentsRequest(
            page_size=1, page_token=token, learning_objectives=common_pb2.StringSetFilter(values=[objective])),
            metadata=md)
        return [e.environment_id for e in r.environments], r.next_page_token, r.resume_page_token

    await _run(create, page)


async def test_list_learner_profiles(learn: learner_pb2_grpc.LearnerServiceStub, tokens: Tokens) -> None:
    md = tokens.md("admin")
    kind = "tail-" + uuid.uuid4().hex[:8]

    async def create(w: int, i: int) -> str:
        reply = await learn.CreateLearnerProfile(lpb.CreateLearnerProfileRequest(profile=lpb.LearnerProfile(
            learner_id=f"{kind}-{w}-{i}", learner_type=kind)), metadata=md)
        return reply.profile.profile_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await learn.ListLearnerProfiles(lpb.ListLearnerProfilesRequest(
            page_size=1, page_token=token, learner_type=kind), metadata=md)
        return [p.profile_id for p in r.profiles], r.next_page_token, r.resume_page_token

    await _run(create, page)


async def test_list_sessions(learn: learner_pb2_grpc.LearnerServiceStub, tokens: Tokens, node: Node) -> None:
    assert node.runtime is not None
    md = tokens.md("admin")
    learner = "tail-" + uuid.uuid4().hex[:8]
    # One content for every writer: its usage counters' row lock makes the starts wait for each other,
    # which is where sessions used to commit out of start_time order.
    content = await insert_content(node.runtime.stores.postgres)

    async def create(w: int, i: int) -> str:
        reply = await learn.StartSession(lpb.StartSessionRequest(
            learner_id=learner, session_type=common_pb2.SESSION_TYPE_TRAINING, content_id=content),
            metadata=md)
        return reply.session.session_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await learn.ListSessions(lpb.ListSessionsRequest(learner_id=learner, page_size=1, page_token=token),
                                     metadata=md)
        return [s.session_id for s in r.sessions], r.next_page_token, r.resume_page_token

    await _run(create, page)


async def test_list_assessments(learn: learner_pb2_grpc.LearnerServiceStub, tokens: Tokens, node: Node) -> None:
    assert node.runtime is not None
    md = tokens.md("admin")
    learner = "tail-" + uuid.uuid4().hex[:8]
    content = await insert_content(node.runtime.stores.postgres)
    session = (await learn.StartSession(lpb.StartSessionRequest(
        learner_id=learner, session_type=common_pb2.SESSION_TYPE_ASSESSMENT, content_id=content),
        metadata=md)).session.session_id

    async def create(w: int, i: int) -> str:
        reply = await learn.RecordAssessment(lpb.RecordAssessmentRequest(assessment=lpb.AssessmentResult(
            learner_id=learner, session_id=session, assessment_type="tail", results=_struct(score=0.5))),
            metadata=md)
        return reply.assessment.assessment_id

    async def page(token: str) -> tuple[list[str], str, str]:
        r = await learn.ListAssessments(lpb.ListAssessmentsRequest(learner_id=learner, page_size=1,
                                                                   page_token=token), metadata=md)
        return [a.assessment_id for a in r.assessments], r.next_page_token, r.resume_page_token

    await _run(create, page)
