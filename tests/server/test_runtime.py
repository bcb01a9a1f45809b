"""Runtime.cancel_tasks: a stop that always ends, even when a worker swallows its cancellation."""

from __future__ import annotations

import asyncio
import contextlib

from server.runtime import Runtime
from stores.tasks import stop_requested


async def _swallowing_call() -> None:
    """What a driver that catches CancelledError inside a call looks like to its caller."""
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(3600)


async def _careless_loop() -> None:
    while True:  # the pattern that hung node stops: the cancellation is gone after the call
        await _swallowing_call()


async def _careful_loop(rounds: list[int]) -> None:
    while not stop_requested():
        await _swallowing_call()
        rounds.append(1)


def _runtime() -> Runtime:
    return Runtime(settings=None, stores=None)  # type: ignore[arg-type]


async def test_a_loop_that_checks_stop_requested_ends_although_the_call_swallowed_the_cancel() -> None:
    runtime, rounds = _runtime(), []
    runtime.spawn("careful", _careful_loop(rounds))
    await asyncio.sleep(0.05)
    assert await runtime.cancel_tasks(timeout=2.0) == []
    assert rounds == [1]  # it noticed the stop right after the swallowed call


async def test_a_task_that_never_ends_is_named_and_left_behind_within_the_bound() -> None:
    runtime = _runtime()
    stuck = runtime.spawn("careless", _careless_loop())
    runtime.spawn("well-behaved", asyncio.sleep(3600))
    await asyncio.sleep(0.05)
    started = asyncio.get_running_loop().time()
    assert await runtime.cancel_tasks(timeout=0.3) == ["careless"]
    assert asyncio.get_running_loop().time() - started < 2.0
    assert runtime.tasks == []
    assert not stuck.done()
    stuck.get_coro().close()  # type: ignore[union-attr]  # end it for the test session's loop
    await asyncio.sleep(0)


def test_stop_requested_is_false_outside_a_task() -> None:
    assert stop_requested() is False
