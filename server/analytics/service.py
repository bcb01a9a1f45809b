"""AnalyticsService: event ingest, analytics queries and rule-5 reconciliation; its background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

from grpc import aio

from amauta.v1 import analytics_pb2, analytics_pb2_grpc
from server.analytics import convert
from server.rpc import paging
from server.analytics.config import AnalyticsConfig
from server.analytics.ingest import StreamIngest, events_batch, merge_errors
from server.analytics.validation import (cohort_query, effectiveness_query, export_query,
                                         performance_query, reconcile_query, row_errors)
from server.rpc.auth import Identity, Role
from server.rpc.authz import caller, require_learner_access
from server.rpc.errors import FieldViolation, invalid_argument, permission_denied
from server.runtime import Runtime
from stores.analytics import queries
from stores.analytics.aggregates import Aggregator
from stores.sync.analytics_relay import AnalyticsConsumer
from stores.analytics.events import event_store, set_retention
from stores.postgres.outbox import OutboxRelay
from stores.sync.reconcile import reconcile_report


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _require_reader(learner_id: str) -> Identity:
    """Analysts read every learner's analytics; otherwise the learner-record rule applies."""
    identity = caller()
    if identity.role is Role.ANALYST:
        return identity
    return require_learner_access(learner_id)


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    """Thin handlers: validate, authorise, one store call, convert."""

    def __init__(self, runtime: Runtime, config: AnalyticsConfig) -> None:
        self.stores = runtime.stores
        self.config = config
        self.events = event_store(runtime.stores.analytics)

    async def RecordEvents(self, request_iterator: AsyncIterator[analytics_pb2.RecordEventsRequest],
                           context: aio.ServicerContext[Any, Any]) -> analytics_pb2.RecordEventsResponse:
        return await StreamIngest(self.events, caller(), self.config.ingest).run(request_iterator)

    async def RecordEvent(self, request: analytics_pb2.RecordEventRequest,
                          context: aio.ServicerContext[Any, Any]) -> analytics_pb2.RecordEventResponse:
        rules = self.config.ingest.rules
        batch, struct_errors = events_batch([request.event], rules)
        valid, errors = row_errors(batch, rules, _now())
        errors = merge_errors(valid, errors, struct_errors)
        if errors:
            raise invalid_argument([FieldViolation(f"event.{f}", m) for _, f, m in errors])
        require_learner_access(request.event.learner_id)
        outcome = await self.events.record(batch)
        if outcome.invalid:
            raise invalid_argument([FieldViolation(f"event.{r.field}", r.message) for r in outcome.invalid])
        return analytics_pb2.RecordEventResponse(event_id=request.event.event_id,
                                                 duplicate=outcome.duplicates > 0)

    async def GetLearnerPerformance(self, request: analytics_pb2.GetLearnerPerformanceRequest,
                                    context: aio.ServicerContext[Any, Any]
                                    ) -> analytics_pb2.GetLearnerPerformanceResponse:
        args = performance_query(request, _now())
        _require_reader(args["learner_id"])
        points = await queries.learner_performance(self.stores.analytics, **args)
        return analytics_pb2.GetLearnerPerformanceResponse(points=[convert.performance_point(p) for p in points])

    async def GetContentEffectiveness(self, request: analytics_pb2.GetContentEffectivenessRequest,
                                      context: aio.ServicerContext[Any, Any]
                                      ) -> analytics_pb2.GetContentEffectivenessResponse:
        args = effectiveness_query(request, _now())
        size = paging.page_size(request.page_size)
        fingerprint = paging.filter_fingerprint(request)
        key = paging.decode_token(request.page_token, fingerprint)
        after, rank = None, 0
        if key is not None:
            try:
                after, rank = (float(key[0]), str(key[1])), int(key[2])
            except (IndexError, TypeError, ValueError):
                raise invalid_argument([FieldViolation("page_token", "malformed page token")]) from None
        rows = await queries.content_ranking(self.stores.analytics, limit=size + 1, after=after, **args)
        page = rows[:size]
        token = ""
        if len(rows) > size:
            last = page[-1]
            token = paging.encode_token([last.score, last.content_id, rank + len(page)], fingerprint)
        return analytics_pb2.GetContentEffectivenessResponse(
            items=[convert.ranked_content(c, rank + i + 1) for i, c in enumerate(page)],
            next_page_token=token)

    async def GetCohortStats(self, request: analytics_pb2.GetCohortStatsRequest,
                             context: aio.ServicerContext[Any, Any]) -> analytics_pb2.GetCohortStatsResponse:
        args = cohort_query(request, _now())
        stats = await queries.cohort_stats(self.stores.analytics, self.stores.postgres, **args)
        return convert.cohort_response(stats, args["percentiles"])

    async def ExportEvents(self, request: analytics_pb2.ExportEventsRequest,
                           context: aio.ServicerContext[Any, Any]) -> AsyncIterator[analytics_pb2.ExportEventsResponse]:
        fields, batch_size = export_query(request, _now())
        identity = caller()
        if identity.role is Role.NODE and fields["learner_id"] != identity.name:
            raise permission_denied(f"{identity.name} may export only its own events: set learner_id")
        async for rows in queries.export_events(self.stores.analytics, queries.ExportFilter(**fields),
                                                batch_size):
            yield analytics_pb2.ExportEventsResponse(events=[convert.learning_event(r) for r in rows])

    async def ReconcileAnalytics(self, request: analytics_pb2.ReconcileAnalyticsRequest,
                                 context: aio.ServicerContext[Any, Any]) -> analytics_pb2.ReconcileAnalyticsResponse:
        args = reconcile_query(request, _now())
        report = await reconcile_report(self.stores.postgres, self.stores.analytics, **args)
        return convert.reconcile_response(report)


def build(runtime: Runtime) -> AnalyticsServicer:
    """The AnalyticsService servicer of a node."""
    return AnalyticsServicer(runtime, AnalyticsConfig.from_env())


def workers(runtime: Runtime) -> None:
    """The analytics outbox relay, the raw-event TTL setting and the scheduled aggregation."""
    if not runtime.settings.analytics_enabled:
        return  # the analytics node relays and aggregates; outbox rows wait for it
    config = AnalyticsConfig.from_env()
    backend, postgres = runtime.stores.analytics, runtime.stores.postgres
    consumer = AnalyticsConsumer(postgres, event_store(backend))
    runtime.spawn("analytics-relay", OutboxRelay(postgres, consumer, batch_size=config.relay_batch).run())
    runtime.spawn("analytics-retention", set_retention(backend, config.event_ttl_days))
    if config.aggregate_seconds > 0:
        aggregator = Aggregator(backend, retention_days=config.event_ttl_days)
        runtime.spawn_singleton("analytics-aggregation", lambda: aggregator.run(config.aggregate_seconds))
