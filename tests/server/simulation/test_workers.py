"""The simulation loops: a sync pass publishes its gauges, a failing pass is logged and retried."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

import pytest

from server.simulation.workers import run_reconciler, run_sync
from stores import metrics
from stores.redis import RedisSettings, RedisStore
from stores.redis.settings import SimulationSettings
from stores.sync.simulation_sync import SimulationSync
from stores.sync.simulations import SimulationDomain


async def _run_for(coro: Coroutine[Any, Any, None], seconds: float) -> asyncio.Task[None]:
    task = asyncio.create_task(coro)
    await asyncio.sleep(seconds)
    assert not task.done()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return task


async def test_a_sync_loop_sets_the_gauges_every_pass(domain: SimulationDomain) -> None:
    metrics.ACTIVE_SIMULATIONS.set(-1)
    settings = SimulationSettings(sync_seconds=0.05)
    await _run_for(run_sync(SimulationSync(domain), settings), 0.3)
    assert metrics.ACTIVE_SIMULATIONS._value.get() >= 0
    assert metrics.SYNC_LAG._value.get() >= 0


async def test_failing_passes_are_logged_and_the_loops_keep_running(domain: SimulationDomain,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    unreachable = RedisStore(RedisSettings("redis://127.0.0.1:1/0", socket_timeout=0.5))
    broken = SimulationSync(SimulationDomain(domain.postgres, unreachable, SimulationSettings()))
    settings = replace(SimulationSettings(), sync_seconds=0.05, reconcile_seconds=0.05)
    with caplog.at_level(logging.WARNING, logger="server.simulation.workers"):
        await _run_for(run_sync(broken, settings), 0.4)
        await _run_for(run_reconciler(broken, settings), 0.4)
    messages = [r.getMessage() for r in caplog.records]
    assert messages.count("simulation sync pass failed") >= 2
    assert "simulation reconciler pass failed" in messages
    await unreachable.close()
