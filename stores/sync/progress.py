"""Learning sessions and the progress hash: a session commits in PostgreSQL, then counts in Redis.

The order is rule 4's: PostgreSQL is the record, the hash a cache. A count that fails is logged and
left to the next read, which rebuilds the hash from PostgreSQL with the session included.
"""

from __future__ import annotations

from typing import Any

from stores.postgres import PostgresStore
from stores.postgres.activity import ActivityReader
from stores.postgres.sessions import Session, SessionQuery, SessionStore, Started
from stores.redis import RedisStore
from stores.redis.progress import Clock, ProgressStore, utc_now


def progress_store(redis: RedisStore, postgres: PostgresStore, clock: Clock = utc_now) -> ProgressStore:
    """The progress hashes of redis, rebuilt from postgres when lost."""
    return ProgressStore(redis, ActivityReader(postgres), clock)


class LearnerSessions:
    """SessionStore whose starts and ends are counted in the learner's progress hash once committed."""

    def __init__(self, sessions: SessionStore, progress: ProgressStore) -> None:
        self.sessions = sessions
        self.progress = progress

    async def start(self, *, learner_id: str, session_type: str, content_id: str | None,
                    environment_id: str | None, session_config: dict[str, Any] | None,
                    session_metadata: dict[str, Any] | None, request_id: str | None,
                    identity: str, fingerprint: str = "") -> Started:
        """Start a session (SessionStore.start); a replayed request_id counts nothing again."""
        started = await self.sessions.start(
            learner_id=learner_id, session_type=session_type, content_id=content_id,
            environment_id=environment_id, session_config=session_config, session_metadata=session_metadata,
            request_id=request_id, identity=identity, fingerprint=fingerprint)
        if not started.replayed:
            session = started.session
            await self.progress.session_started(session.learner_id, session.session_id, session.start_time,
                                                started.objective)
        return started

    async def end(self, session_id: str, *, status: str, performance_data: dict[str, Any] | None,
                  learning_outcomes: dict[str, Any] | None, feedback: dict[str, Any] | None,
                  learner_id: str | None) -> Session:
        """End a session in progress (SessionStore.end), then count it."""
        session = await self.sessions.end(session_id, status=status, performance_data=performance_data,
                                          learning_outcomes=learning_outcomes, feedback=feedback,
                                          learner_id=learner_id)
        await self.progress.session_ended(session.learner_id, session.session_id, session.end_time,
                                          completed=status == "completed")
        return session

    async def get(self, session_id: str, learner_id: str | None) -> Session:
        """One session (SessionStore.get)."""
        return await self.sessions.get(session_id, learner_id)

    async def list(self, query: SessionQuery) -> list[Session]:
        """One page in commit order (SessionStore.list)."""
        return await self.sessions.list(query)
