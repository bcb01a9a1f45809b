"""DisabledBackend: healthy, and every call is UNAVAILABLE naming the node that holds the analytics."""

from __future__ import annotations

import pyarrow as pa
import pytest

from stores.analytics.base import AnalyticsSettings
from stores.analytics.disabled import DisabledBackend
from stores.base import StoreStatus
from stores.errors import StoreUnavailable


async def test_a_node_without_analytics_is_healthy_and_refuses_every_call() -> None:
    backend = DisabledBackend(AnalyticsSettings())
    try:
        await backend.open()
        assert await backend.status() is StoreStatus.SERVING
        calls = [backend.execute("SELECT 1"), backend.query("SELECT 1"),
                 backend.insert("learning_events", pa.table({"a": [1]})),
                 backend.query_input("SELECT * FROM {input}", pa.table({"a": [1]}))]
        for call in calls:
            with pytest.raises(StoreUnavailable) as caught:
                await call
            assert (caught.value.reason, caught.value.metadata) == ("ANALYTICS_OFF", {"analytics_node": ""})
            assert str(caught.value) == "analytics is off on this node"
        backend.analytics_node = "10.0.0.5:50051"
        with pytest.raises(StoreUnavailable, match=r"the analytics node serves on 10\.0\.0\.5:50051"):
            await backend.query("SELECT 1")
    finally:
        await backend.close()
