"""`amauta-node import FILE.jsonl`: a real subprocess driving ImportContent against the test node."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from server.app import Node
from stores.postgres import PostgresStore
from tests.server.catalog.support import Catalog


async def _run(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "server.cli", *args, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_cli_imports_a_jsonl_file_reports_bad_lines_and_resumes(
        cat: Catalog, node: Node, pg: PostgresStore, tmp_path: Path) -> None:
    ds = await cat.dataset()
    lines = [json.dumps({"title": f"cli {i}", "contentData": {"n": i}, "tags": ["cli"]}) for i in range(3000)]
    lines[10] = "{not json"
    lines[20] = json.dumps({"title": "bad", "contentData": {"n": 1}, "difficultyLevel": 3})
    lines[30] = json.dumps({"noSuchField": 1})
    data = tmp_path / "items.jsonl"
    data.write_text("\n".join(lines) + "\n\n")
    token = tmp_path / "token"
    token.write_text(cat.tokens.by_key["admin"] + "\n")
    env = {**os.environ, "AMAUTA_GRPC_ADDRESS": f"127.0.0.1:{node.port}", "AMAUTA_DATA_DIR": str(tmp_path / "d"),
           "AMAUTA_LOG_LEVEL": "WARNING"}
    args = ["import", str(data), "--dataset", ds.dataset_id, "--token-file", str(token)]
    code, out, err = await _run(args, env)
    assert code == 2, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert (summary["lines"], summary["unparsable"], summary["received"], summary["imported"],
            summary["rejected"], summary["duplicates"]) == (3000, 2, 2998, 2997, 1, 0)
    problems = [line for line in err.splitlines() if line.startswith("line ")]
    assert [p.split(":", 1)[0] for p in problems] == ["line 11", "line 21", "line 31"]  # input order
    assert problems[1].startswith("line 21: difficulty_level: ")
    assert "difficulty_level: difficulty_level" not in err
    assert "3000/3000" in err and "item/s" in err  # tqdm's progress: count, rate (and ETA)
    async with pg.connection() as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM training_content WHERE dataset_id = %s", (ds.dataset_id,))
        assert (await cur.fetchone())["n"] == 2997
    code, out, err = await _run(args, env)  # the same command again: same request id, nothing new
    summary = json.loads(out.strip().splitlines()[-1])
    assert code == 2 and summary["imported"] == 0 and summary["duplicates"] == 2997
    code, _, err = await _run(["import", str(data), "--dataset", ds.dataset_id, "--token-file", str(tmp_path / "nope")], env)
    assert code == 1 and "nope" in err
