"""What the client subcommands share: the node's address, its admin token and a channel to it."""

from __future__ import annotations

import argparse
from pathlib import Path

import grpc

from server.config import Settings


def add_target_args(parser: argparse.ArgumentParser) -> None:
    """--address and --token-file, with defaults from the node's settings."""
    parser.add_argument("--address", default="", help="node address (default: AMAUTA_GRPC_ADDRESS)")
    parser.add_argument("--token-file", default="",
                        help="bearer token file (default: $AMAUTA_DATA_DIR/admin.token)")


def metadata(args: argparse.Namespace, settings: Settings) -> tuple[tuple[str, str]]:
    """Authorization metadata from --token-file or the data directory's admin.token."""
    path = Path(args.token_file) if args.token_file else settings.data_dir / "admin.token"
    return (("authorization", f"Bearer {path.read_text().strip()}"),)


def channel(args: argparse.Namespace, settings: Settings) -> grpc.Channel:
    """A blocking channel to the node; TLS when the node's certificate is configured (trusted as CA)."""
    address = args.address or settings.grpc_address
    options = [("grpc.max_send_message_length", settings.max_message_bytes),
               ("grpc.max_receive_message_length", settings.max_message_bytes)]
    if settings.tls_cert:
        creds = grpc.ssl_channel_credentials(root_certificates=Path(settings.tls_cert).read_bytes())
        return grpc.secure_channel(address, creds, options=options)
    return grpc.insecure_channel(address, options=options)
