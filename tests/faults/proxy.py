"""An asyncio TCP proxy between the node and a store that injects latency, blackholes and resets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field


@dataclass
class FaultProxy:
    """Forwards 127.0.0.1:port → upstream; `mode` is "pass", "latency", "blackhole" or "reset"."""

    upstream_host: str
    upstream_port: int
    mode: str = "pass"
    latency_s: float = 0.0
    port: int = 0
    _server: asyncio.base_events.Server | None = None
    _links: set[asyncio.Task[None]] = field(default_factory=set)
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        """Listen on an ephemeral loopback port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def open_connections(self) -> int:
        """Client connections currently proxied (for leak checks)."""
        return len(self._writers) // 2

    def set_mode(self, mode: str, latency_s: float = 0.0) -> None:
        """Change the fault; "reset" also aborts every open connection at once."""
        self.mode, self.latency_s = mode, latency_s
        if mode == "reset":
            for writer in list(self._writers):
                _abort(writer)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "reset":
            _abort(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            _abort(writer)
            return
        self._writers |= {writer, up_writer}
        pumps = [asyncio.create_task(self._pump(reader, up_writer)),
                 asyncio.create_task(self._pump(up_reader, writer))]
        self._links.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in pumps:
                task.cancel()
                self._links.discard(task)
            for w in (writer, up_writer):
                self._writers.discard(w)
                with contextlib.suppress(Exception):
                    w.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            while self.mode == "blackhole":  # hold the bytes: the peer sees silence, not an error
                await asyncio.sleep(0.05)
            if self.mode == "latency" and self.latency_s:
                await asyncio.sleep(self.latency_s)
            if self.mode == "reset":
                _abort(writer)
                return
            writer.write(data)
            await writer.drain()

    async def stop(self) -> None:
        """Close the listener and every link."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            _abort(writer)
        for task in list(self._links):
            task.cancel()
        await asyncio.gather(*self._links, return_exceptions=True)


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with RST (SO_LINGER 0) so the peer sees a reset, not a clean FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort()
