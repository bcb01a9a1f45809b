"""A node process driven the way users and other nodes drive it: admin token, real channel, real data."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psutil
from google.protobuf import struct_pb2, timestamp_pb2
from grpc import aio

from amauta.v1 import (
    analytics_pb2,
    analytics_pb2_grpc,
    catalog_pb2,
    catalog_pb2_grpc,
    common_pb2,
    learner_pb2,
    learner_pb2_grpc,
)
from tests.process import ServeProcess, embedded_pids


def admin_md(data_dir: Path) -> tuple[tuple[str, str]]:
    """Metadata with the admin token the node wrote on its first start."""
    return (("authorization", f"Bearer {(data_dir / 'admin.token').read_text().strip()}"),)


def endpoints(data_dir: Path) -> dict[str, str]:
    """The store URLs the node recorded."""
    return dict(json.loads((data_dir / "endpoints.json").read_text()))


def kill_everything(node: ServeProcess) -> None:
    """SIGKILL the node and every embedded server of its data directory: a machine crash."""
    node.proc.kill()
    node.proc.wait(30)
    node.log.close()
    for pid in embedded_pids(node.data_dir):
        try:
            psutil.Process(pid).kill()
        except psutil.Error:
            pass


def _struct(**values: object) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(values)
    return s


async def create_dataset(channel: aio.Channel, md: tuple[tuple[str, str]]) -> str:
    reply = await catalog_pb2_grpc.CatalogServiceStub(channel).CreateDataset(catalog_pb2.CreateDatasetRequest(
        dataset=catalog_pb2.TrainingDataset(name=f"lifecycle {uuid.uuid4().hex[:6]}",
                                            dataset_type=common_pb2.DATASET_TYPE_ETHICAL_DILEMMAS,
                                            generation_method=_struct(kind="manual"))), metadata=md, timeout=30)
    return reply.dataset.dataset_id


async def import_content(channel: aio.Channel, md: tuple[tuple[str, str]], dataset_id: str, count: int,
                         ) -> catalog_pb2.ImportContentResponse:
    async def stream() -> AsyncIterator[catalog_pb2.ImportContentRequest]:
        yield catalog_pb2.ImportContentRequest(header=catalog_pb2.ImportHeader(
            dataset_id=dataset_id, request_id=uuid.uuid4().hex))
        for start in range(0, count, 2000):
            yield catalog_pb2.ImportContentRequest(items=catalog_pb2.ImportItems(items=[
                catalog_pb2.TrainingContent(title=f"item {i}", content_data=_struct(prompt=f"p{i}"),
                                            tags=[f"t{i % 7}"], learning_objectives=[f"o{i % 11}"])
                for i in range(start, min(count, start + 2000))]))

    return await catalog_pb2_grpc.CatalogServiceStub(channel).ImportContent(stream(), metadata=md, timeout=900)


async def content_count(channel: aio.Channel, md: tuple[tuple[str, str]], dataset_id: str) -> int:
    stub = catalog_pb2_grpc.CatalogServiceStub(channel)
    token, total = "", 0
    while True:
        page = await stub.ListContent(catalog_pb2.ListContentRequest(
            dataset_id=dataset_id, page_size=1000, page_token=token), metadata=md, timeout=60)
        total += len(page.contents)
        token = page.next_page_token
        if not token:
            return total


async def create_learners(channel: aio.Channel, md: tuple[tuple[str, str]], learners: Iterable[str]) -> None:
    stub = learner_pb2_grpc.LearnerServiceStub(channel)
    sem = asyncio.Semaphore(16)

    async def one(learner: str) -> None:
        async with sem:
            await stub.CreateLearnerProfile(learner_pb2.CreateLearnerProfileRequest(
                profile=learner_pb2.LearnerProfile(learner_id=learner, learner_type="node")),
                metadata=md, timeout=30)
            await stub.ReportProgress(learner_pb2.ReportProgressRequest(
                learner_id=learner, progress_percentage=42.5), metadata=md, timeout=30)

    await asyncio.gather(*(one(learner) for learner in learners))


async def record_events(channel: aio.Channel, md: tuple[tuple[str, str]], learners: list[str], count: int) -> None:
    """count events spread over learners (event i belongs to learners[i % len(learners)])."""
    base = datetime.now(timezone.utc) - timedelta(days=1)

    async def stream() -> AsyncIterator[analytics_pb2.RecordEventsRequest]:
        for start in range(0, count, 5000):
            events = []
            for i in range(start, min(count, start + 5000)):
                ts = timestamp_pb2.Timestamp()
                ts.FromDatetime(base + timedelta(milliseconds=i))
                events.append(analytics_pb2.LearningEvent(
                    timestamp=ts, event_id=f"ev-{i}", learner_id=learners[i % len(learners)],
                    event_type=common_pb2.EVENT_TYPE_INTERACTION, success_indicator=i % 2 == 0,
                    difficulty_level=0.5))
            yield analytics_pb2.RecordEventsRequest(batch_id=f"b-{start}", events=events)

    await analytics_pb2_grpc.AnalyticsServiceStub(channel).RecordEvents(stream(), metadata=md, timeout=900)


async def exported(channel: aio.Channel, md: tuple[tuple[str, str]], learner: str) -> int:
    total = 0
    async for reply in analytics_pb2_grpc.AnalyticsServiceStub(channel).ExportEvents(
            analytics_pb2.ExportEventsRequest(learner_id=learner), metadata=md, timeout=120):
        total += len(reply.events)
    return total


async def progress(channel: aio.Channel, md: tuple[tuple[str, str]], learner: str) -> float:
    reply = await learner_pb2_grpc.LearnerServiceStub(channel).GetProgress(
        learner_pb2.GetProgressRequest(learner_id=learner), metadata=md, timeout=30)
    return reply.progress.progress_percentage
