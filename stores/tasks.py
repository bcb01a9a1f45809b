"""Background loops that end when asked to, even when a driver swallows the CancelledError."""

from __future__ import annotations

import asyncio


def stop_requested() -> bool:
    """True once the running task has been cancelled.

    A driver that catches CancelledError inside a call (and returns, or raises something else)
    consumes the cancellation: the next await is not interrupted again. The task's cancelling()
    count survives that, so every long-running loop tests it before each round.
    """
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running event loop: nothing to cancel
        return False
    return task is not None and task.cancelling() > 0


__all__ = ["stop_requested"]
