"""CatalogService: datasets, content and variations, environments, bulk import and the generation queue.

Each RPC validates its request (one BadRequest for every bad field), authorises the caller, calls one
store method and converts the result. Reads are open to every authenticated role; writes need admin,
service or node; ValidateDataset and the generator-worker RPCs need admin or service.
"""

from __future__ import annotations

from amauta.v1 import catalog_pb2_grpc
from server.bootstrap import Catalog, Components
from server.catalog.content import ContentRpcs
from server.catalog.content_import import ImportRpcs
from server.catalog.datasets import DatasetRpcs
from server.catalog.environments import EnvironmentRpcs
from server.catalog.generation_queue import QueueRpcs


class CatalogServicer(DatasetRpcs, ContentRpcs, EnvironmentRpcs, ImportRpcs, QueueRpcs,
                      catalog_pb2_grpc.CatalogServiceServicer):
    """The CatalogService servicer over the catalog repositories and the generation queue."""

    def __init__(self, parts: Catalog) -> None:
        self.datasets = parts.datasets
        self.content = parts.content
        self.variations = parts.variations
        self.environments = parts.environments
        self.importer = parts.importer
        self.queue = parts.queue


def build(c: Components) -> CatalogServicer:
    """The servicer registered in server/services.py."""
    return CatalogServicer(c.catalog)


def workers(c: Components) -> None:
    """Background work: the reaper that re-queues generation jobs whose lease expired, the queue gauges."""
    c.runtime.spawn("generation-reaper", c.catalog.queue.reap_forever())
    c.runtime.spawn("generation-queue-gauges", c.catalog.queue.export_gauges_forever())
