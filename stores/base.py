"""Common base of every store: lifecycle and health."""

from __future__ import annotations

import abc
import enum


class StoreStatus(enum.Enum):
    """Health of one store as seen by the node."""

    SERVING = "serving"
    NOT_SERVING = "not_serving"


class Store(abc.ABC):
    """A backing store with an explicit lifecycle."""

    #: Short name used in health service names, metrics and logs.
    name: str = "store"

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect (or start pools); raises StoreUnavailable when the store cannot be reached."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release every connection; safe to call twice."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Run one cheap round trip; raises StoreUnavailable on failure."""

    async def status(self) -> StoreStatus:
        """SERVING when a round trip succeeds, NOT_SERVING otherwise."""
        try:
            await self.ping()
        except Exception:  # any failure of a probe means not serving
            return StoreStatus.NOT_SERVING
        return StoreStatus.SERVING
