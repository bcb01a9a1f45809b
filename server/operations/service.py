"""OperationsService: on-demand consistency checks, plus the scheduled run that feeds the metrics."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from grpc import aio

from amauta.v1 import operations_pb2, operations_pb2_grpc
from server.bootstrap import Components
from server.rpc import convert
from server.rpc.validation import Checker
from stores import metrics
from stores.sync import consistency
from stores.tasks import stop_requested

log = logging.getLogger(__name__)

_RULE = operations_pb2.ConsistencyRule
_STATUS = {"passed": operations_pb2.CONSISTENCY_CHECK_STATUS_PASSED,
           "findings": operations_pb2.CONSISTENCY_CHECK_STATUS_FINDINGS,
           "repaired": operations_pb2.CONSISTENCY_CHECK_STATUS_REPAIRED,
           "error": operations_pb2.CONSISTENCY_CHECK_STATUS_ERROR}
MAX_EXAMPLES = 1000


def to_report(report: consistency.RuleReport, limit: int) -> operations_pb2.ConsistencyRuleReport:
    """One rule's outcome as its message."""
    return operations_pb2.ConsistencyRuleReport(
        rule=cast(operations_pb2.ConsistencyRule, convert.enum_from_db(_RULE.DESCRIPTOR, report.rule)),
        status=_STATUS[report.status],
        finding_count=report.count, repair_count=report.repaired, error_message=report.error,
        duration_ms=report.duration_ms,
        example_ids=[i for f in report.findings for i in f.ids][:limit],
        findings=[operations_pb2.ConsistencyFinding(
            kind=f.kind, count=len(f.ids), example_ids=f.examples(limit), repaired_count=f.repaired,
            repair_action=f.repair_action) for f in report.findings])


def record_metrics(reports: list[consistency.RuleReport]) -> None:
    """Publish per-rule findings for the alert rules."""
    for report in reports:
        if not report.error:
            metrics.CONSISTENCY_FINDINGS.labels(report.rule).set(report.count)


class OperationsServicer(operations_pb2_grpc.OperationsServiceServicer):
    """Admin operations (the role gate in server.rpc.policy admits admins only)."""

    def __init__(self, targets: consistency.CheckTargets) -> None:
        self.targets = targets

    async def RunConsistencyChecks(
            self, request: operations_pb2.RunConsistencyChecksRequest,
            context: aio.ServicerContext[Any, Any]) -> operations_pb2.RunConsistencyChecksResponse:
        check = Checker()
        rules = [check.enum(rule, _RULE.DESCRIPTOR, f"rules[{i}]") for i, rule in enumerate(request.rules)]
        if len(set(rules)) != len(rules):
            check.fail("rules", "must not repeat a rule")
        check.number(request.max_examples, "max_examples", 0, MAX_EXAMPLES)
        check.done()
        limit = request.max_examples or 10
        started = convert.to_timestamp(convert.utcnow())
        reports = await consistency.run(self.targets, [r for r in rules if r] or consistency.RULES,
                                        repair=request.repair)
        record_metrics(reports)
        return operations_pb2.RunConsistencyChecksResponse(
            reports=[to_report(r, limit) for r in reports], started_at=started,
            finished_at=convert.to_timestamp(convert.utcnow()))


def build(c: Components) -> OperationsServicer:
    """The servicer registered for OperationsService."""
    return OperationsServicer(c.consistency_targets())


async def _scheduled(targets: consistency.CheckTargets, interval: float) -> None:
    while not stop_requested():
        await asyncio.sleep(interval)
        try:
            record_metrics(await consistency.run(targets))
            metrics.CONTENT_QUALITY.set(await consistency.recent_quality(targets.postgres))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("scheduled consistency check failed", exc_info=True)


def workers(c: Components) -> None:
    """The scheduled consistency run (report only; repairs are an operator's decision)."""
    interval = c.runtime.settings.consistency_interval_seconds
    if interval > 0:
        targets = c.consistency_targets()
        c.runtime.spawn_singleton("consistency-checks", lambda: _scheduled(targets, interval))
