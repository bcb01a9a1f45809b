"""The simulation background loops: run the sync and reconciler passes and publish their metrics."""

from __future__ import annotations

import asyncio
import logging

from stores import metrics
from stores.redis.settings import SimulationSettings
from stores.sync.simulation_sync import SimulationSync
from stores.tasks import stop_requested

log = logging.getLogger(__name__)


async def run_sync(sync: SimulationSync, settings: SimulationSettings) -> None:
    """Every sync_seconds: copy live state into PostgreSQL; active, hung and lag gauges."""
    while not stop_requested():
        try:
            report = await sync.sync_once()
            metrics.ACTIVE_SIMULATIONS.set(report.active)
            metrics.HUNG_SIMULATIONS.set(len(report.hung))
            metrics.SYNC_LAG.set(report.lag_seconds)
            if report.abandoned_hung:
                metrics.FAILED_SIMULATIONS.inc(len(report.abandoned_hung))
                log.warning("abandoned hung simulations", extra={"simulations": report.abandoned_hung})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("simulation sync pass failed", exc_info=True)
        await asyncio.sleep(settings.sync_seconds)


async def run_reconciler(sync: SimulationSync, settings: SimulationSettings) -> None:
    """Every reconcile_seconds: repair rule-1 findings and log them."""
    while not stop_requested():
        await asyncio.sleep(settings.reconcile_seconds)
        try:
            report = await sync.reconcile_once()
            if report.abandoned:
                metrics.FAILED_SIMULATIONS.inc(len(report.abandoned))
            if report.findings or report.redis_ends_finished or report.orphaned:
                log.warning("simulation reconciler repaired findings", extra={
                    "adopted": report.adopted, "orphaned": report.orphaned,
                    "start_incomplete": report.start_incomplete, "redis_state_lost": report.redis_state_lost,
                    "stray_sessions": len(report.stray_sessions), "redis_ends_finished": report.redis_ends_finished})
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("simulation reconciler pass failed", exc_info=True)
