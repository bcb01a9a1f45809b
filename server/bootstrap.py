"""The one composition root: every repository, use case and background component of a node, built once.

Servicers and workers receive what they use from here; none of them builds a store of its own, and
nothing is looked up in a module-global registry. Building touches no store: the node composes before
its stores open (the gRPC server answers NODE_STARTING meanwhile).
"""

from __future__ import annotations

from dataclasses import dataclass

from server.analytics.config import AnalyticsConfig
from server.runtime import Runtime, Stores
from server.simulation.watch import WatchHub
from stores.analytics.events import EventStore
from stores.graph.collaboration import Collaboration
from stores.graph.learning_paths import LearningPaths
from stores.graph.model import GraphModel
from stores.graph.skill_gaps import SkillGaps
from stores.postgres.assessments import AssessmentStore
from stores.postgres.content import ContentStore
from stores.postgres.content_import import ContentImporter
from stores.postgres.datasets import DatasetStore
from stores.postgres.environments import EnvironmentStore
from stores.postgres.learners import LearnerStore
from stores.postgres.sessions import SessionStore
from stores.postgres.skill_history import PostgresHistories
from stores.postgres.variations import VariationStore
from stores.redis.generation_queue import GenerationQueue
from stores.redis.progress import ProgressStore
from stores.redis.settings import SimulationSettings
from stores.sync.consistency import CheckTargets
from stores.sync.erasure import Eraser
from stores.sync.progress import LearnerSessions, progress_store
from stores.sync.simulation_sync import SimulationSync
from stores.sync.simulations import SimulationDomain
from stores.sync.skill_fitting import SkillFitter

#: Pending (queued or in-progress) generation jobs one identity may have.
PENDING_JOBS_PER_IDENTITY = 100


@dataclass(frozen=True)
class Catalog:
    """The catalog repositories (PostgreSQL) and the generation queue (Redis)."""

    datasets: DatasetStore
    content: ContentStore
    variations: VariationStore
    environments: EnvironmentStore
    importer: ContentImporter
    queue: GenerationQueue


@dataclass(frozen=True)
class Learner:
    """Profiles, sessions and assessments (PostgreSQL), progress (Redis) and erasure (every store)."""

    profiles: LearnerStore
    sessions: LearnerSessions
    assessments: AssessmentStore
    progress: ProgressStore
    eraser: Eraser


@dataclass(frozen=True)
class Analytics:
    """The analytics settings and the process's one event writer (ingest and relay share it, so that
    their duplicate lookups never race)."""

    config: AnalyticsConfig
    events: EventStore


@dataclass(frozen=True)
class Simulation:
    """Live simulations: the cross-store domain, its watch hub and the Redis → PostgreSQL sync."""

    settings: SimulationSettings
    domain: SimulationDomain
    hub: WatchHub
    sync: SimulationSync


@dataclass(frozen=True)
class Graph:
    """The graph's domain modules, the assessment histories the relay reads and the skill fitter."""

    model: GraphModel
    paths: LearningPaths
    gaps: SkillGaps
    collaboration: Collaboration
    histories: PostgresHistories
    fitter: SkillFitter


@dataclass(frozen=True)
class Components:
    """Everything a node's servicers and workers use."""

    runtime: Runtime
    catalog: Catalog
    learner: Learner
    analytics: Analytics
    simulation: Simulation
    graph: Graph

    @property
    def stores(self) -> Stores:
        """The node's open stores."""
        return self.runtime.stores

    def consistency_targets(self) -> CheckTargets:
        """What the consistency rules read."""
        s = self.stores
        return CheckTargets(s.postgres, s.graph, s.analytics, self.simulation.sync)


def bootstrap(runtime: Runtime) -> Components:
    """Build every component of a node once, on its (not yet opened) stores."""
    s = runtime.stores
    content = ContentStore(s.postgres)
    catalog = Catalog(
        datasets=DatasetStore(s.postgres), content=content, variations=VariationStore(s.postgres),
        environments=EnvironmentStore(s.postgres), importer=ContentImporter(s.postgres),
        queue=GenerationQueue(s.redis, pending_cap=PENDING_JOBS_PER_IDENTITY, content_exists=content.exists,
                              spawn=runtime.spawn, stop=runtime.draining))
    progress = progress_store(s.redis, s.postgres)
    learner = Learner(
        profiles=LearnerStore(s.postgres), sessions=LearnerSessions(SessionStore(s.postgres), progress),
        assessments=AssessmentStore(s.postgres), progress=progress,
        eraser=Eraser(s.postgres, progress, s.graph, s.analytics))
    settings = runtime.settings.simulation
    domain = SimulationDomain(s.postgres, s.redis, settings)
    simulation = Simulation(settings=settings, domain=domain, hub=WatchHub(runtime, domain.live, settings),
                            sync=SimulationSync(domain))
    model = GraphModel(s.graph)
    graph = Graph(model=model, paths=LearningPaths(s.graph, model.frontier), gaps=SkillGaps(s.graph),
                  collaboration=Collaboration(s.graph), histories=PostgresHistories(s.postgres),
                  fitter=SkillFitter(s.postgres, model, spawn=runtime.spawn))
    return Components(runtime=runtime, catalog=catalog, learner=learner,
                      analytics=Analytics(runtime.settings.analytics, EventStore(s.analytics)),
                      simulation=simulation, graph=graph)
