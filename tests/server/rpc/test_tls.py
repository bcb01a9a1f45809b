"""TLS credentials: plaintext without files, both files or neither, mTLS with a client CA."""

from __future__ import annotations

import subprocess
from pathlib import Path

import grpc
import pytest

from server.config import Settings
from server.rpc.tls import server_credentials


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tls")
    key, cert = directory / "server.key", directory / "server.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True)
    return cert, key


def test_no_files_means_plaintext() -> None:
    assert server_credentials(Settings()) is None


def test_a_certificate_needs_its_key_and_the_key_its_certificate(pair: tuple[Path, Path]) -> None:
    cert, key = pair
    with pytest.raises(SystemExit, match="must be set together"):
        server_credentials(Settings(tls_cert=str(cert)))
    with pytest.raises(SystemExit, match="must be set together"):
        server_credentials(Settings(tls_key=str(key)))


def test_a_pair_with_or_without_a_client_ca_gives_credentials(pair: tuple[Path, Path]) -> None:
    cert, key = pair
    assert isinstance(server_credentials(Settings(tls_cert=str(cert), tls_key=str(key))), grpc.ServerCredentials)
    mtls = server_credentials(Settings(tls_cert=str(cert), tls_key=str(key), tls_client_ca=str(cert)))
    assert isinstance(mtls, grpc.ServerCredentials)


def test_a_missing_file_is_an_error_at_start(tmp_path: Path, pair: tuple[Path, Path]) -> None:
    cert, _ = pair
    with pytest.raises(FileNotFoundError):
        server_credentials(Settings(tls_cert=str(cert), tls_key=str(tmp_path / "absent.key")))
