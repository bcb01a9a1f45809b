"""stop_requested: true once the task is cancelled, even after a driver swallowed the CancelledError."""

from __future__ import annotations

import asyncio

from stores.tasks import stop_requested


def test_outside_an_event_loop_nothing_is_requested() -> None:
    assert stop_requested() is False


async def test_a_running_task_is_not_asked_to_stop() -> None:
    assert stop_requested() is False


async def test_a_swallowed_cancellation_is_still_seen() -> None:
    seen: list[bool] = []
    started = asyncio.Event()

    async def loop() -> None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            pass  # as a driver that consumes the cancellation would
        seen.append(stop_requested())

    task = asyncio.create_task(loop())
    await started.wait()
    task.cancel()
    await task
    assert seen == [True]
