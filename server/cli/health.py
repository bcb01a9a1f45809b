"""`amauta-node health`: the node's grpc.health.v1 status, for container healthchecks; the version."""

from __future__ import annotations

import argparse
import sys
from importlib import metadata

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.cli import client as cli_client
from server.config import Settings

#: A wildcard bind address is reached through loopback from inside the same container.
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]", "": "127.0.0.1"}


def version() -> str:
    """The installed amauta-node version ('unknown' when run from a tree that is not installed)."""
    try:
        return metadata.version("amauta-node")
    except metadata.PackageNotFoundError:
        return "unknown"


def probe_address(grpc_address: str) -> str:
    """The address a local probe dials for a configured bind address."""
    if grpc_address.startswith("unix:"):
        return grpc_address
    host, _, port = grpc_address.rpartition(":")
    return f"{_WILDCARDS.get(host, host)}:{port}"


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when the service is SERVING, 1 otherwise (unreachable, NOT_SERVING or unknown)."""
    args.address = args.address or probe_address(settings.grpc_address)
    try:
        with cli_client.channel(args, settings) as channel:
            # types-grpcio-health-checking's HealthStub declares its constructor only.
            reply = health_pb2_grpc.HealthStub(channel).Check(  # type: ignore[attr-defined]
                health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout)
    except grpc.RpcError as exc:
        print(f"amauta-node health: {args.address}: {exc.code().name}: {exc.details()}",
              file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{args.service or 'node'}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `health` on the amauta-node command line."""
    parser = subparsers.add_parser("health", help="exit 0 when the node (or one store) is SERVING")
    parser.add_argument("--address", default="",
                        help="node address (default: AMAUTA_GRPC_ADDRESS, wildcard hosts as loopback)")
    parser.add_argument("--service", default="",
                        help="health service name, e.g. amauta.store.postgres (default: the whole node)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds before giving up")
    parser.set_defaults(func=run)
