"""buf.gen.yaml produces Go and TypeScript stubs of every .proto and service (into a temporary folder).

The TypeScript stubs are also type-checked with tsc (strict). The plugins are local programs (Debian
protoc-gen-go and protoc-gen-go-grpc, npm protoc-gen-es and typescript under tools/stubgen). Without them the test is skipped, unless AMAUTA_TEST_STUBS=require (CI, make
check-stubs), where a missing plugin fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pool

from tests.test_contract_options import EXPECTED, PROTOS

ROOT = Path(__file__).resolve().parent.parent
NPM_BIN = ROOT / "tools" / "stubgen" / "node_modules" / ".bin"
PLUGINS = ("protoc-gen-go", "protoc-gen-go-grpc", "protoc-gen-es", "tsc")
PATH = f"{NPM_BIN}{os.pathsep}{os.environ.get('PATH', '')}"


def missing_plugins() -> list[str]:
    return [name for name in PLUGINS if shutil.which(name, path=PATH) is None]


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = missing_plugins()
    if missing:
        message = f"protoc plugins not installed: {', '.join(missing)} (see buf.gen.yaml)"
        if os.environ.get("AMAUTA_TEST_STUBS") == "require":
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path_factory.mktemp("stubs")
    buf = Path(sys.executable).with_name("buf")
    result = subprocess.run([str(buf), "generate", "--template", "buf.gen.yaml", "-o", str(out)], cwd=ROOT,
                            env={**os.environ, "PATH": PATH}, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def services() -> list[str]:
    pool = descriptor_pool.Default()
    return [name for proto in PROTOS
            for name in pool.FindFileByName(f"amauta/v1/{proto.name}").services_by_name]


def test_go_stubs(stubs: Path) -> None:
    package = EXPECTED["go_package"].split(";")[1]
    for proto in PROTOS:
        text = (stubs / "go" / "amauta" / "v1" / f"{proto.stem}.pb.go").read_text()
        assert f"\npackage {package}\n" in text
    for service in services():
        stem = next(p.stem for p in PROTOS if f"service {service} " in p.read_text())
        grpc_go = (stubs / "go" / "amauta" / "v1" / f"{stem}_grpc.pb.go").read_text()
        assert f"func New{service}Client(" in grpc_go and f"func Register{service}Server(" in grpc_go


def test_typescript_stubs(stubs: Path) -> None:
    for proto in PROTOS:
        assert (stubs / "ts" / "amauta" / "v1" / f"{proto.stem}_pb.ts").stat().st_size > 0
    generated = "".join(p.read_text() for p in (stubs / "ts" / "amauta" / "v1").glob("*_pb.ts"))
    for service in services():
        assert f"export const {service}: GenService<" in generated, service


def test_typescript_stubs_compile(stubs: Path) -> None:
    # Node's module resolution walks up from the generated files: lend them the tools' node_modules.
    (stubs / "node_modules").symlink_to(NPM_BIN.parent, target_is_directory=True)
    (stubs / "tsconfig.json").write_text(json.dumps({
        "compilerOptions": {"strict": True, "noEmit": True, "target": "ES2022", "module": "NodeNext",
                            "moduleResolution": "NodeNext", "skipLibCheck": True},
        "include": ["ts/**/*.ts"]}))
    result = subprocess.run([str(NPM_BIN / "tsc"), "-p", str(stubs / "tsconfig.json")], capture_output=True,
                            text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
