"""Server TLS credentials from AMAUTA_TLS_CERT / AMAUTA_TLS_KEY, with mTLS when AMAUTA_TLS_CLIENT_CA is set."""

from __future__ import annotations

from pathlib import Path

import grpc

from server.config import Settings


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials, or None for plaintext; with a client CA every client must present a certificate."""
    if not settings.tls_cert and not settings.tls_key:
        return None
    if not (settings.tls_cert and settings.tls_key):
        raise SystemExit("AMAUTA_TLS_CERT and AMAUTA_TLS_KEY must be set together")
    pair = (Path(settings.tls_key).read_bytes(), Path(settings.tls_cert).read_bytes())
    client_ca = Path(settings.tls_client_ca).read_bytes() if settings.tls_client_ca else None
    return grpc.ssl_server_credentials([pair], root_certificates=client_ca,
                                       require_client_auth=client_ca is not None)
