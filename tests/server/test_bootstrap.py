"""server/bootstrap.py: the composition root builds every component once, on the runtime's stores."""

from __future__ import annotations

from server.app import Node
from server.bootstrap import PENDING_JOBS_PER_IDENTITY, bootstrap
from server.config import Settings
from server.runtime import Runtime, Stores
from stores.analytics import AnalyticsSettings
from stores.analytics.disabled import DisabledBackend
from stores.postgres import PostgresSettings, PostgresStore
from stores.redis import RedisSettings, RedisStore


def test_components_share_the_runtime_stores(node: Node) -> None:
    assert node.runtime is not None
    c = bootstrap(node.runtime)
    s = node.runtime.stores
    assert c.stores is s
    assert c.catalog.datasets.pg is c.catalog.content.pg is c.catalog.environments.pg is s.postgres
    for repository in (c.learner.profiles, c.learner.assessments, c.learner.sessions.sessions, c.graph.histories):
        assert repository.postgres is s.postgres
    assert c.catalog.queue.client is s.redis.client and c.learner.progress.redis is s.redis
    assert c.graph.model.graph is s.graph and c.graph.paths.graph is s.graph
    assert c.analytics.events.backend is s.analytics


def test_one_instance_of_each_shared_component(node: Node) -> None:
    assert node.runtime is not None
    c = bootstrap(node.runtime)
    # The queue checks content through the same repository the catalog servicer writes with.
    assert c.catalog.queue.content_exists == c.catalog.content.exists
    assert c.catalog.queue.pending_cap == PENDING_JOBS_PER_IDENTITY
    # Sessions count in the same progress store the learner servicer reads and erasure clears.
    assert c.learner.sessions.progress is c.learner.progress is c.learner.eraser.progress
    # The consistency rules read the simulations the sync worker reconciles.
    assert c.consistency_targets().simulations is c.simulation.sync
    assert c.simulation.sync.domain is c.simulation.domain
    assert c.graph.fitter.model is c.graph.model
    # Each call composes anew: nothing is cached in a module-global registry.
    again = bootstrap(node.runtime)
    assert again.analytics.events is not c.analytics.events
    assert again.simulation.domain is not c.simulation.domain


def test_composing_touches_no_store(node: Node) -> None:
    # Port 9 (discard) has no store: composing must not connect, the node composes before its stores open.
    # (The FalkorDB client connects when it is built, so the graph is the node's own.)
    assert node.runtime is not None
    settings = Settings()
    stores = Stores(postgres=PostgresStore(PostgresSettings("postgresql://127.0.0.1:9/none")),
                    redis=RedisStore(RedisSettings("redis://127.0.0.1:9")),
                    graph=node.runtime.stores.graph,
                    analytics=DisabledBackend(AnalyticsSettings()))
    c = bootstrap(Runtime(settings, stores))
    assert c.runtime.tasks == []  # no worker started either: that is services.start_workers' job
