"""Request keys scoped per identity, digests for long keys, and claim inside a real transaction."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from stores.errors import InvalidData
from stores.postgres import PostgresStore
from stores.postgres.idempotency import claim, request_key


def test_request_keys_are_scoped_per_identity() -> None:
    assert request_key("node-a", "r1") == "node-a:r1"
    assert request_key("node-a", "r1") != request_key("node-b", "r1")


def test_a_key_longer_than_the_column_becomes_a_digest() -> None:
    fits = "x" * (200 - len("id:"))
    assert request_key("id", fits) == f"id:{fits}"
    long = fits + "y"
    assert request_key("id", long) == "sha256:" + hashlib.sha256(f"id:{long}".encode()).hexdigest()


async def test_claim_returns_the_first_resource_and_checks_the_fingerprint(pg: PostgresStore) -> None:
    request = f"claim-{uuid.uuid4()}"
    async with pg.transaction() as conn:
        assert await claim(conn, "test.claim", request, "res-1", "node-a", "fp") == "res-1"
    async with pg.transaction() as conn:
        assert await claim(conn, "test.claim", request, "res-2", "node-a", "fp") == "res-1"
        # An empty fingerprint (a key stored before fingerprints) matches anything.
        assert await claim(conn, "test.claim", request, "res-3", "node-a", "") == "res-1"
        # Another operation is another key.
        assert await claim(conn, "test.other", request, "res-4", "node-a", "fp") == "res-4"
    with pytest.raises(InvalidData) as caught:
        async with pg.transaction() as conn:
            await claim(conn, "test.claim", request, "res-5", "node-a", "other", field="items[0].request_id")
    assert caught.value.field == "items[0].request_id"


async def test_a_rolled_back_claim_leaves_no_key(pg: PostgresStore) -> None:
    request = f"rollback-{uuid.uuid4()}"
    with pytest.raises(RuntimeError):
        async with pg.transaction() as conn:
            await claim(conn, "test.claim", request, "lost", "node-a")
            raise RuntimeError("abandon")
    async with pg.transaction() as conn:
        assert await claim(conn, "test.claim", request, "kept", "node-a") == "kept"
