"""AnalyticsService: event ingest, analytics queries and rule-5 reconciliation; its background workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

from grpc import aio

from amauta.v1 import analytics_pb2, analytics_pb2_grpc
from server.analytics import convert
from server.analytics.ingest import StreamIngest, events_batch, merge_errors
from server.analytics.validation import (
    cohort_query,
    effectiveness_query,
    export_query,
    performance_query,
    reconcile_query,
    row_errors,
)
from server.bootstrap import Analytics, Components
from server.rpc import paging
from server.rpc.errors import FieldViolation, invalid_argument
from server.rpc.policy import caller, require_analytics_reader, require_export_scope, require_learner_access
from server.runtime import Stores
from stores.analytics import queries
from stores.analytics.aggregates import Aggregator
from stores.analytics.events import set_retention
from stores.postgres.outbox import OutboxRelay
from stores.sync.analytics_relay import AnalyticsConsumer
from stores.sync.cohorts import cohort_stats
from stores.sync.reconcile import reconcile_report


def _now() -> datetime:
    return datetime.now(timezone.utc)


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    """Thin handlers: validate, authorise, one store call, convert."""

    def __init__(self, stores: Stores, parts: Analytics) -> None:
        self.stores = stores
        self.config = parts.config
        self.events = parts.events

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
        require_analytics_reader(args["learner_id"])
        points = await queries.learner_performance(self.stores.analytics, **args)
        return analytics_pb2.GetLearnerPerformanceResponse(points=[convert.performance_point(p) for p in points])

    async def GetContentEffectiveness(self, request: analytics_pb2.GetContentEffectivenessRequest,
                                      context: aio.ServicerContext[Any, Any]
                                      ) -> analytics_pb2.GetContentEffectivenessResponse:
        args = effectiveness_query(request, _now())
        # The key carries the rank of the page's last item, so that ranks go on across pages.
        asked = paging.open_page(request, (paging.NUMBER, paging.TEXT, paging.INT))
        after, rank = (asked.key[:2], asked.key[2]) if asked.key else (None, 0)
        rows = await queries.content_ranking(self.stores.analytics, limit=asked.fetch, after=after, **args)
        page, token, _ = asked.cut(rows, lambda c: (c.score, c.content_id, rank + asked.size))
        return analytics_pb2.GetContentEffectivenessResponse(
            items=[convert.ranked_content(c, rank + i + 1) for i, c in enumerate(page)],
            next_page_token=token)

    async def GetCohortStats(self, request: analytics_pb2.GetCohortStatsRequest,
                             context: aio.ServicerContext[Any, Any]) -> analytics_pb2.GetCohortStatsResponse:
        args = cohort_query(request, _now())
        stats = await cohort_stats(self.stores.analytics, self.stores.postgres, **args)
        return convert.cohort_response(stats, args["percentiles"])

    async def ExportEvents(self, request: analytics_pb2.ExportEventsRequest,
                           context: aio.ServicerContext[Any, Any]) -> AsyncIterator[analytics_pb2.ExportEventsResponse]:
        fields, batch_size = export_query(request, _now())
        require_export_scope(fields["learner_id"])
        async for rows in queries.export_events(self.stores.analytics, queries.ExportFilter(**fields),
                                                batch_size):
            yield analytics_pb2.ExportEventsResponse(events=[convert.learning_event(r) for r in rows])

    async def ReconcileAnalytics(self, request: analytics_pb2.ReconcileAnalyticsRequest,
                                 context: aio.ServicerContext[Any, Any]) -> analytics_pb2.ReconcileAnalyticsResponse:
        args = reconcile_query(request, _now())
        report = await reconcile_report(self.stores.postgres, self.stores.analytics, **args)
        return convert.reconcile_response(report)


def build(c: Components) -> AnalyticsServicer:
    """The AnalyticsService servicer of a node."""
    return AnalyticsServicer(c.stores, c.analytics)


def workers(c: Components) -> None:
    """The analytics outbox relay, the raw-event TTL setting and the scheduled aggregation."""
    runtime = c.runtime
    if not runtime.settings.analytics_enabled:
        return  # the analytics node relays and aggregates; outbox rows wait for it
    config = c.analytics.config
    backend, postgres = c.stores.analytics, c.stores.postgres
    consumer = AnalyticsConsumer(postgres, c.analytics.events)
    runtime.spawn("analytics-relay", OutboxRelay(postgres, consumer, batch_size=config.relay_batch).run())
    runtime.spawn("analytics-retention", set_retention(backend, config.event_ttl_days))
    if config.aggregate_seconds > 0:
        aggregator = Aggregator(backend, retention_days=config.event_ttl_days)
        runtime.spawn_singleton("analytics-aggregation", lambda: aggregator.run(config.aggregate_seconds))
