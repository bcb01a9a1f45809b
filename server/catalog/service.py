"""CatalogService: datasets, content and variations, environments, bulk import and the generation queue.

Each RPC validates its request (one BadRequest for every bad field), authorises the caller, calls one
store method and converts the result. Reads are open to every authenticated role; writes need admin,
service or node; ValidateDataset and the generator-worker RPCs need admin or service.
"""

from __future__ import annotations

from amauta.v1 import catalog_pb2_grpc
from server.catalog.content import ContentRpcs
from server.catalog.datasets import DatasetRpcs
from server.catalog.environments import EnvironmentRpcs
from server.catalog.content_import import ImportRpcs
from server.catalog.generation_queue import QueueRpcs
from server.runtime import Runtime
from stores.postgres.datasets import DatasetStore
from stores.postgres.content import ContentStore
from stores.postgres.environments import EnvironmentStore
from stores.postgres.content_import import ContentImporter
from stores.redis.generation_queue import GenerationQueue
from stores.postgres.variations import VariationStore

#: Pending (queued or in-progress) generation jobs one identity may have.
PENDING_JOBS_PER_IDENTITY = 100


class CatalogServicer(DatasetRpcs, ContentRpcs, EnvironmentRpcs, ImportRpcs, QueueRpcs,
                      catalog_pb2_grpc.CatalogServiceServicer):
    """The CatalogService servicer over the catalog stores and the generation queue."""

    def __init__(self, runtime: Runtime) -> None:
        pg = runtime.stores.postgres
        self.datasets = DatasetStore(pg)
        self.content = ContentStore(pg)
        self.variations = VariationStore(pg)
        self.environments = EnvironmentStore(pg)
        self.importer = ContentImporter(pg)
        self.queue = GenerationQueue(runtime.stores.redis, pending_cap=PENDING_JOBS_PER_IDENTITY,
                                     content_exists=self.content.exists, spawn=runtime.spawn,
                                     stop=runtime.draining)


def build(runtime: Runtime) -> CatalogServicer:
    """The servicer registered in server/services.py."""
    return CatalogServicer(runtime)


def workers(runtime: Runtime) -> None:
    """Background work: the reaper that re-queues generation jobs whose lease expired, the queue gauges."""
    runtime.spawn("generation-reaper", GenerationQueue(runtime.stores.redis).reap_forever())
    runtime.spawn("generation-queue-gauges", GenerationQueue(runtime.stores.redis).export_gauges_forever())
