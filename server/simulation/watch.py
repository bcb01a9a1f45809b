"""Watch fan-out: one Redis reader per watched simulation per process, bounded queues per subscriber.

A watch sends a snapshot (or resumes after a token), catches up from the stream with XRANGE, one batch
at a time and only as fast as it writes, until it reaches the end of the stream or the feed's read
position; then it attaches to the feed: the feed's single blocking XREAD fans each entry out to every
attached subscriber without awaiting any of them. A feed starts where a subscriber found the end of
the stream, never at an old token, so it never pours history into a queue. A subscriber whose queue
reaches its limit is dropped by the feed (which moves on), delivers what it has queued, and goes back
to reading history from its own position: however far behind, it converges, or, once history was
trimmed past it, gets a reset and a new snapshot. Every entry carries its version, and a subscriber
delivers only version last+1: older entries are duplicates (skipped), a jump is a gap (trimmed
history: reset + new snapshot), a newer id with an older version means the stream was recreated.

WatchSimulation is registered with a pass-through response serializer (see service.add_to_server):
every message of a watch is written as its encoded bytes. The feed encodes a delta once and queues
the same bytes for every subscriber, so fan-out costs one encoding per entry, not one per watcher.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, NamedTuple

import grpc
from grpc import aio

from amauta.v1 import simulation_pb2 as pb
from server.rpc.errors import ApiError, from_store_error, to_status
from server.runtime import Runtime
from server.simulation import convert as conv
from stores import metrics
from stores.errors import StoreError
from stores.redis.settings import SimulationSettings
from stores.redis.simulations import (
    Entry,
    LiveSimulations,
    LiveState,
    StreamReader,
    missing,
    parse_token,
    token_version,
)
from stores.tasks import stop_requested

log = logging.getLogger(__name__)

_HEARTBEAT = object()
_RESPONSIVENESS = metrics.LEARNING_LATENCY.labels("collaboration_responsiveness")


class Delta(NamedTuple):
    """A stream entry as the feed queues it: parsed once, encoded once, shared by every subscriber."""

    entry: Entry
    at: tuple[int, int]
    data: bytes


def _delta(entry: Entry) -> Delta:
    return Delta(entry, parse_token(entry.id) or (0, 0), conv.delta(entry).SerializeToString())


#: An item of a subscriber queue: a Delta or the heartbeat marker.
Item = Any


class Reset(Exception):
    """The watch must reset (reason is a SimulationResetReason)."""

    def __init__(self, reason: int, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class Subscriber:
    """One watch stream's bounded queue and terminal state."""

    __slots__ = ("items", "limit", "stall", "waiter", "terminal", "behind", "in_write", "writes", "abort_task",
                 "context", "member", "sending")

    def __init__(self, limit: int, stall_seconds: float, context: aio.ServicerContext[Any, Any] | None,
                 member: str = "") -> None:
        self.items: collections.deque[Item] = collections.deque()
        self.limit = limit
        self.stall = stall_seconds
        self.waiter: asyncio.Future[None] | None = None
        self.terminal: ApiError | None = None
        #: The queue overflowed: the feed dropped this subscriber, which must catch up from history.
        self.behind = False
        self.in_write = False
        self.writes = 0
        self.abort_task: asyncio.Task[None] | None = None
        self.context = context
        #: The learner whose participation is the watcher's only right to read (a node); '' for roles
        #: that read every simulation. Its leave ends the watch.
        self.member = member
        #: Messages taken from the queue and not yet written: they count against the limit.
        self.sending = 0

    def push(self, deltas: list[Delta]) -> bool:
        """Queue what one read of the feed brought, without waiting, as far as the queue has room;
        False when the subscriber ended or overflowed (it then leaves the feed and catches up from
        history by itself, after what was queued)."""
        if self.terminal is not None or self.behind:
            return False
        room = self.limit - len(self.items) - self.sending
        if room < len(deltas):
            self.items.extend(deltas[:max(room, 0)])
            self.behind = True
            self._wake()
            return False
        self.items.extend(deltas)
        self._wake()
        return True

    def beat(self) -> None:
        """Queue a heartbeat unless messages are waiting anyway."""
        if self.terminal is None and not self.items:
            self.items.append(_HEARTBEAT)
            self._wake()

    def fail(self, error: ApiError) -> None:
        """End the stream with error: at once if it waits, or after a stall if it is stuck in a write."""
        if self.terminal is not None:
            return
        self.terminal = error
        self._wake()
        if self.in_write:
            writes = self.writes
            asyncio.get_running_loop().call_later(self.stall, self._stalled, writes)

    def _stalled(self, writes: int) -> None:
        if self.in_write and self.writes == writes and self.abort_task is None and self.context is not None:
            self.abort_task = asyncio.ensure_future(self._abort())

    async def _abort(self) -> None:
        assert self.terminal is not None and self.context is not None
        status = to_status(self.terminal)
        try:
            await self.context.abort(status.code, status.details, status.trailing_metadata)
        except BaseException:  # AbortError (expected) or the call ended meanwhile
            pass

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    async def wait(self) -> None:
        """Wait until an item or a terminal state arrives."""
        if self.items or self.terminal is not None:
            return
        self.waiter = asyncio.get_running_loop().create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None


class Feed:
    """The one reader of a simulation's stream in this process."""

    def __init__(self, hub: WatchHub, simulation_id: str) -> None:
        self.hub = hub
        self.simulation_id = simulation_id
        self.subscribers: set[Subscriber] = set()
        self.position: tuple[int, int] | None = None
        self.task: asyncio.Task[None] | None = None

    def attach(self, sub: Subscriber, cursor: str, at_tail: bool) -> bool:
        """Attach a subscriber whose delivered history ends at cursor; False when the feed has read
        past cursor, or is not reading yet and cursor is not known to be the stream's end (the
        subscriber must catch up first: a feed started at an old token would flood its queue)."""
        at = parse_token(cursor) or (0, 0)
        if self.task is None:
            if not at_tail:
                return False
            self.position = at
            self.task = asyncio.create_task(self._run(), name=f"simulation-feed-{self.simulation_id}")
        elif self.position is not None and at < self.position:
            return False
        self.subscribers.add(sub)
        return True

    def detach(self, sub: Subscriber) -> None:
        """Remove a subscriber; the last one stops the reader."""
        self.subscribers.discard(sub)
        if not self.subscribers:
            self.stop()

    def stop(self) -> None:
        """Stop reading and forget this feed."""
        if self.hub.feeds.get(self.simulation_id) is self:
            del self.hub.feeds[self.simulation_id]
        if self.task is not None and self.task is not asyncio.current_task():
            self.task.cancel()

    async def _run(self) -> None:
        settings = self.hub.settings
        try:
            reader = await self.hub.reader()
            while self.subscribers and not stop_requested():
                assert self.position is not None
                after = f"{self.position[0]}-{self.position[1]}"
                entries = await reader.read(self.simulation_id, after, block_ms=int(settings.heartbeat_seconds * 1000),
                                            count=settings.read_batch)
                if not entries:
                    if not await self.hub.live.stream_exists(self.simulation_id):
                        self._fail_all(ApiError(grpc.StatusCode.UNAVAILABLE,
                                                "the simulation's stream disappeared; resume to learn its state",
                                                "SIMULATION_STREAM_LOST"))
                        return
                    for sub in list(self.subscribers):
                        sub.beat()
                    continue
                deltas = [_delta(entry) for entry in entries]
                for sub in list(self.subscribers):
                    if not sub.push(deltas):
                        self.subscribers.discard(sub)
                self.position = max(self.position, deltas[-1].at)
                if any(d.entry.kind == "ended" for d in deltas):
                    return
        except asyncio.CancelledError:
            raise
        except StoreError as exc:
            self._fail_all(from_store_error(exc))
        except Exception:
            log.exception("simulation feed %s failed", self.simulation_id)
            self._fail_all(ApiError(grpc.StatusCode.UNAVAILABLE, "watch feed failed; resume", "WATCH_FEED_FAILED"))
        finally:
            self.subscribers.clear()
            if self.hub.feeds.get(self.simulation_id) is self:
                del self.hub.feeds[self.simulation_id]

    def _fail_all(self, error: ApiError) -> None:
        for sub in list(self.subscribers):
            sub.fail(error)


class WatchHub:
    """Every watch of this process; one Feed per watched simulation."""

    def __init__(self, runtime: Runtime, live: LiveSimulations, settings: SimulationSettings) -> None:
        self.runtime = runtime
        self.live = live
        self.settings = settings
        self.feeds: dict[str, Feed] = {}
        self.subscribers: set[Subscriber] = set()
        self._reader: StreamReader | None = None
        self._drain_task: asyncio.Task[Any] | None = None

    async def reader(self) -> StreamReader:
        """The dedicated blocking-read client (created on first use)."""
        if self._reader is None:
            self._reader = await self.live.reader()
        return self._reader

    def _ensure_drain_watch(self) -> None:
        if self._drain_task is None:
            self._drain_task = self.runtime.spawn("simulation-watch-drain", self._watch_drain())

    async def _watch_drain(self) -> None:
        try:
            await self.runtime.draining.wait()
            self.drain()
            await asyncio.Event().wait()  # keep the reader until the node stops the task
        finally:
            if self._reader is not None:
                await self._reader.close()

    def drain(self) -> None:
        """End every watch with UNAVAILABLE (the node is draining)."""
        error = _draining()
        for sub in list(self.subscribers):
            sub.fail(error)
        for feed in list(self.feeds.values()):
            feed.stop()

    def _feed(self, simulation_id: str) -> Feed:
        feed = self.feeds.get(simulation_id)
        if feed is None:
            feed = self.feeds[simulation_id] = Feed(self, simulation_id)
        return feed

    async def serve(self, simulation_id: str, resume_token: str, current: LiveState | None,
                    context: aio.ServicerContext[Any, Any], member: str = "") -> None:
        """Run one watch, writing each message's bytes with context.write: a message goes straight to
        the transport instead of through every interceptor's generator (this is the hot path of fan-out).
        A member watch ends with PERMISSION_DENIED after the member's leave entry."""
        sub = Subscriber(self.settings.queue_limit, self.settings.write_stall_seconds, context, member)
        # The writes run in a task of their own (cancelled with the call's): the call's task resumes
        # through every interceptor's frames, which it would do after each write.
        await asyncio.ensure_future(self._write(sub, simulation_id, resume_token, current, context))

    async def _write(self, sub: Subscriber, simulation_id: str, resume_token: str, current: LiveState | None,
                     context: aio.ServicerContext[Any, Any]) -> None:
        messages = self.watch(simulation_id, resume_token, current, sub)
        try:
            async for batch in messages:
                # A batch counts against the queue limit until it is written.
                sub.sending = len(batch)
                for message in batch:
                    if sub.terminal is not None:
                        break  # the rest is dropped: the client resumes from its last token
                    sub.in_write = True
                    try:
                        await context.write(message)
                    except Exception:
                        if sub.abort_task is not None:  # cut off from outside while stuck in this write
                            return
                        raise
                    sub.in_write = False
                    sub.writes += 1
                sub.sending = 0
        finally:
            sub.in_write = False
            await messages.aclose()
            if sub.abort_task is not None:
                await asyncio.shield(sub.abort_task)

    async def watch(self, simulation_id: str, resume_token: str, current: LiveState | None,
                    sub: Subscriber) -> AsyncGenerator[list[bytes], None]:
        """The encoded messages of one watch, in batches; current is the hash read at authorisation
        (None once ended)."""
        if self.runtime.draining.is_set():
            raise _draining()
        self._ensure_drain_watch()
        self.subscribers.add(sub)
        metrics.WATCHERS.inc()
        cursor = Cursor(resume_token, token_version(resume_token))
        try:
            if resume_token and current is not None and cursor.version > current.version:
                cursor = Cursor("", 0)  # a token from the future: the stream was recreated
                yield [conv.reset(pb.SIMULATION_RESET_REASON_STREAM_RECREATED,
                                  "the stream was recreated after the resume token; a snapshot follows"
                                  ).SerializeToString()]
            elif resume_token and current is None and not await self.live.stream_exists(simulation_id):
                raise missing(simulation_id)
            while True:
                try:
                    # A snapshot's token is the stream's end as of the read (the hash and the stream
                    # change in one atomic step); a resume token may be far behind.
                    at_tail = not cursor.token
                    if not cursor.token:
                        state = current if current is not None else await self.live.get(simulation_id)
                        if state is None:
                            raise missing(simulation_id)
                        cursor = Cursor(state.last_event_id, state.version)
                        yield [conv.snapshot(state).SerializeToString()]
                    current = None  # a later reset reads afresh
                    async for batch in self._stream(sub, simulation_id, cursor, at_tail):
                        yield batch
                    return
                except Reset as reset:
                    self._detach(sub, simulation_id)
                    sub.items.clear()
                    sub.behind = False
                    cursor = Cursor("", 0)
                    yield [conv.reset(reset.reason, str(reset)).SerializeToString()]
        finally:
            self._detach(sub, simulation_id)
            self.subscribers.discard(sub)
            metrics.WATCHERS.dec()

    def _detach(self, sub: Subscriber, simulation_id: str) -> None:
        feed = self.feeds.get(simulation_id)
        if feed is not None and sub in feed.subscribers:
            feed.detach(sub)

    async def _stream(self, sub: Subscriber, simulation_id: str, cursor: Cursor,
                      at_tail: bool) -> AsyncIterator[list[bytes]]:
        """Deltas after cursor: history by XRANGE until the feed's position (or the stream's end) is
        reached, then the feed's queue, and back to history whenever the queue overflows; heartbeats
        while idle; returns after the end entry. at_tail: cursor is the stream's end as just read.
        Each batch is what one read of history brought, or all a slow reader has queued."""
        # A batch of history is held in memory while it is written, so it is bounded like the queue.
        batch = min(self.settings.read_batch, sub.limit)
        while True:
            read_to = cursor.token
            while not self._attach(sub, simulation_id, read_to, at_tail):
                entries = await self.live.read_after(simulation_id, read_to, batch)
                if not entries and read_to and self._feed_ahead(simulation_id, read_to):
                    # Nothing after the token, yet the feed has read past it: not the same stream.
                    raise Reset(pb.SIMULATION_RESET_REASON_STREAM_RECREATED,
                                "the stream was recreated; a snapshot follows")
                taken = _Taken()
                for entry in entries:
                    read_to = entry.id
                    if not taken.add(sub, cursor, entry, parse_token(entry.id) or (0, 0), None):
                        break
                if taken.messages:
                    yield taken.messages
                taken.raise_error()
                if taken.ended:
                    return
                at_tail = len(entries) < batch
                if sub.terminal is not None:
                    raise sub.terminal
            at_tail = False
            while True:
                if sub.terminal is not None:
                    raise sub.terminal  # queued items are dropped: the client resumes from its last token
                if not sub.items:
                    if sub.behind:
                        break  # everything queued is delivered: continue from history
                    await sub.wait()
                    continue
                taken = _Taken()
                while sub.items:
                    item = sub.items.popleft()
                    if item is _HEARTBEAT:
                        taken.messages.append(conv.heartbeat(cursor.token, cursor.version).SerializeToString())
                    elif not taken.add(sub, cursor, item.entry, item.at, item.data):
                        break
                if taken.messages:
                    yield taken.messages
                taken.raise_error()
                if taken.ended:
                    return
            sub.behind = False

    def _attach(self, sub: Subscriber, simulation_id: str, cursor: str, at_tail: bool) -> bool:
        """Attach to the simulation's feed (starting one only at the stream's end); no await between
        the check and the attach, so nothing falls between history and feed."""
        feed = self.feeds.get(simulation_id)
        if feed is None:
            if not at_tail:
                return False
            feed = self._feed(simulation_id)
        return feed.attach(sub, cursor, at_tail)

    def _feed_ahead(self, simulation_id: str, cursor: str) -> bool:
        feed = self.feeds.get(simulation_id)
        at = parse_token(cursor) or (0, 0)
        return feed is not None and feed.position is not None and feed.position > at


class _Taken:
    """Messages taken for one write batch (counted against the queue's limit while written), and what
    ends it: the end entry, or an error (a reset, a member's leave, the watch's end) raised once the
    messages before it are written."""

    __slots__ = ("ended", "error", "messages")

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.error: BaseException | None = None
        self.ended = False

    def add(self, sub: Subscriber, cursor: Cursor, entry: Entry, at: tuple[int, int], data: bytes | None) -> bool:
        """Take entry if it is next (data: its encoding, made here when None); False once the batch
        is over."""
        try:
            if sub.terminal is not None:
                raise sub.terminal
            if cursor.accept(entry, at):
                if data is None:
                    data = conv.delta(entry).SerializeToString()
                else:  # from the feed: the time it spent in the queue is the collaboration's lag
                    _RESPONSIVENESS.observe(max(0.0, time.time() - entry.time_ms / 1000))
                self.messages.append(data)
                if entry.kind == "ended":
                    self.ended = True
                    return False
                _check_member(sub, entry)
        except (Reset, ApiError) as exc:
            self.error = exc
            return False
        return True

    def raise_error(self) -> None:
        """Raise what ended the batch, if an error did (its messages are written by then)."""
        if self.error is not None:
            raise self.error


class Cursor:
    """The last token and version a watch delivered, and the continuity rule for the next entry."""

    __slots__ = ("token", "version", "_at")

    def __init__(self, token: str, version: int) -> None:
        self.token = token
        self.version = version
        self._at = parse_token(token) or (0, 0)

    def accept(self, entry: Entry, at: tuple[int, int]) -> bool:
        """True when entry (whose id parses to at) is the next one to send (and it becomes the cursor);
        False for one delivered already or a 'started' marker; Reset on a gap or a recreated stream."""
        if at <= self._at:
            return False
        if entry.version == self.version + 1:
            self.token, self.version, self._at = entry.id, entry.version, at
            return entry.kind != "started"
        if entry.version > self.version + 1:
            raise Reset(pb.SIMULATION_RESET_REASON_HISTORY_TRIMMED,
                        f"history after version {self.version} was trimmed; a snapshot follows")
        raise Reset(pb.SIMULATION_RESET_REASON_STREAM_RECREATED, "the stream was recreated; a snapshot follows")


def _check_member(sub: Subscriber, entry: Entry) -> None:
    """End a member's watch once its member left: it has no right to read what follows."""
    if sub.member and entry.kind == "left" and entry.learner_id == sub.member:
        raise ApiError(grpc.StatusCode.PERMISSION_DENIED,
                       f"{sub.member} left the simulation and may no longer watch it", "ACCESS_REVOKED")


def _draining() -> ApiError:
    return ApiError(grpc.StatusCode.UNAVAILABLE, "the node is draining; resume the watch on another node",
                    "DRAINING")
