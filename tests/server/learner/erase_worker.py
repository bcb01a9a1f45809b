"""Runs one erasure in its own process and pauses before a given store step, so a test can kill it there.

Environment: AMAUTA_TEST_PG, AMAUTA_TEST_REDIS, AMAUTA_TEST_GRAPH (store URLs), ERASE_LEARNER,
ERASE_PAUSE_AT (a store name). Prints "PAUSED <store>" once it waits.
"""

from __future__ import annotations

import asyncio
import os
import tempfile

from stores.analytics import AnalyticsSettings
from stores.analytics import create_backend as create_analytics
from stores.graph import GraphSettings
from stores.graph import create_backend as create_graph
from stores.postgres import PostgresSettings, PostgresStore
from stores.redis import RedisSettings, RedisStore
from stores.sync.erasure import Eraser
from stores.sync.progress import progress_store


async def main() -> None:
    postgres = PostgresStore(PostgresSettings(os.environ["AMAUTA_TEST_PG"], min_size=1, max_size=4))
    redis = RedisStore(RedisSettings(os.environ["AMAUTA_TEST_REDIS"]))
    graph = create_graph(GraphSettings(os.environ["AMAUTA_TEST_GRAPH"]))
    # Never opened: the process is killed before the ClickHouse step (chdb allows one directory per
    # process, and the test node's engine lives in another process).
    analytics = create_analytics(AnalyticsSettings(path=tempfile.mkdtemp()))
    for store in (postgres, redis, graph):
        await store.open()
    pause_at = os.environ["ERASE_PAUSE_AT"]

    async def pause(store: str) -> None:
        if store == pause_at:
            print(f"PAUSED {store}", flush=True)
            await asyncio.Event().wait()

    await Eraser(postgres, progress_store(redis, postgres), graph, analytics, before_step=pause).erase(
        os.environ["ERASE_LEARNER"], "erase-worker")


if __name__ == "__main__":
    asyncio.run(main())
