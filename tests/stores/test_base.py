"""Store.status: a probe that raises anything is NOT_SERVING, a probe that returns is SERVING."""

from __future__ import annotations

import pytest

from stores.base import Store, StoreStatus
from stores.errors import StoreUnavailable


class Probe(Store):
    """A store whose ping raises the given exception, or returns when there is none."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def ping(self) -> None:
        if self.error is not None:
            raise self.error


async def test_a_ping_that_returns_is_serving() -> None:
    assert await Probe(None).status() is StoreStatus.SERVING


@pytest.mark.parametrize("error", [StoreUnavailable("down"), OSError("reset"), KeyError("bug")])
async def test_any_failure_of_the_probe_is_not_serving(error: Exception) -> None:
    assert await Probe(error).status() is StoreStatus.NOT_SERVING


def test_the_base_cannot_be_instantiated_without_its_lifecycle() -> None:
    with pytest.raises(TypeError):
        Store()  # type: ignore[abstract]
