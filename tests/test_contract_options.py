"""The Go, Java and C# file options of every .proto: set, and unchanged (buf breaking skips them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf import descriptor_pool

from amauta.v1 import analytics_pb2, catalog_pb2, common_pb2, graph_pb2, learner_pb2, operations_pb2, simulation_pb2  # noqa: F401

PROTOS = sorted((Path(__file__).resolve().parent.parent / "protos" / "amauta" / "v1").glob("*.proto"))
EXPECTED = {"go_package": "github.com/amauta/amauta-node/gen/go/amauta/v1;amautav1",
            "java_package": "org.amauta.v1", "java_multiple_files": True, "csharp_namespace": "Amauta.V1"}


def test_every_proto_is_imported_here() -> None:
    assert len(PROTOS) == 7


@pytest.mark.parametrize("proto", PROTOS, ids=lambda p: p.name)
def test_file_options(proto: Path) -> None:
    options = descriptor_pool.Default().FindFileByName(f"amauta/v1/{proto.name}").GetOptions()
    assert {name: getattr(options, name) for name in EXPECTED} == EXPECTED
