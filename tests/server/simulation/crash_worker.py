"""A process that runs one simulation use case on given stores and dies at the checkpoint named by AMAUTA_SIM_FAULT (crash tests).

Usage: python -m tests.server.simulation.crash_worker start|end <environment id> <simulation id> <learner>...
Store URLs come from CRASH_POSTGRES_URL and CRASH_REDIS_URL. Exit code 70 means it crashed at the fault.
"""

from __future__ import annotations

import asyncio
import os
import sys

from server.config import simulation_settings
from stores.postgres import PostgresSettings, PostgresStore
from stores.redis import RedisSettings, RedisStore
from stores.sync.simulations import SimulationDomain, StartSpec


async def main(action: str, environment_id: str, simulation_id: str, learners: list[str]) -> None:
    pg = PostgresStore(PostgresSettings(os.environ["CRASH_POSTGRES_URL"], min_size=1, max_size=2))
    redis = RedisStore(RedisSettings(os.environ["CRASH_REDIS_URL"]))
    await pg.open()
    fault = os.environ["AMAUTA_SIM_FAULT"]

    def checkpoint(point: str) -> None:
        if point == fault:
            os._exit(70)  # no cleanup, as a killed process

    domain = SimulationDomain(pg, redis, simulation_settings(os.environ), checkpoint=checkpoint)
    if action == "start":
        await domain.start(StartSpec(simulation_id, environment_id, learners, None, {"phase": "p"}, None, "crash"))
    else:
        await domain.end(simulation_id, [], actor="crash", check=lambda _: None)
    await pg.close()
    await redis.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
