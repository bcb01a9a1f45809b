"""The learner model: graph relay throughput (recorded assessments → HAS_SKILL) against raw UNWIND MERGE,
and how the service's BKT compares with pyBKT on the committed golden file.

Relay: assessment_results rows and their outbox rows are committed in one go into a fresh node, then
the time until the graph relay has none pending is measured; once in history order (the fast path),
once with a share of assessments carrying an older timestamp (each makes the relay recompute that
edge from PostgreSQL). Raw, in the same run: the same number of HAS_SKILL writes as plain UNWIND
MERGE batches of 1,000 on the falkordb client (no BKT, no PostgreSQL, no version check).

pyBKT: mean and max absolute difference of the predictions (P(correct) and P(known) of each step)
under the same parameters, with and without forgetting, and the AUC on held-out simulated learners
of the service's own EM fit against pyBKT's (tests/stores/data/bkt_golden.json, scripts/bkt_golden.py).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from falkordb.asyncio import FalkorDB

from bench.harness import Result
from bench.node import BenchNode
from stores.graph.knowledge_tracing import BKTParams, fit_best, replay

SEED = 13
T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)
GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "stores" / "data" / "bkt_golden.json"


def _auc(labels: list[int], scores: list[float]) -> float:
    ranked = sorted(zip(scores, labels, strict=True))
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        rank_sum += (i + 1 + j) / 2 * sum(1 for _, y in ranked[i:j] if y == 1)
        i = j
    pos = sum(labels)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * (len(labels) - pos))


def pybkt_comparison() -> list[Result]:
    """Differences to pyBKT per golden case group, and held-out AUC of both fits."""
    golden = json.loads(GOLDEN.read_text())
    groups: dict[str, list[float]] = {"no forgetting": [], "forgetting": []}
    aucs: dict[str, dict[str, float]] = {}
    for case in golden["cases"] + golden["runs"]:
        p = case["params"]
        params = BKTParams(p["prior"], p["learn"], p["guess"], p["slip"], p["forget"])
        correct, known = replay(params, case["sequences"])
        group = groups["forgetting" if p["forget"] > 0 else "no forgetting"]
        group += [abs(a - b) for a, b in zip(correct, case["correct_predictions"], strict=True)]
        group += [abs(a - b) for a, b in zip(known, case["state_predictions"], strict=True)]
        if "held_out" in case:
            fit = fit_best(case["sequences"], forgets=p["forget"] > 0)
            ours, _ = replay(fit.params, case["held_out"])
            labels = [a for s in case["held_out"] for a in s]
            # Ties (learners sharing a prefix) count half for both; scikit-learn's figure for pyBKT, in
            # the file, breaks them by pyBKT's float noise instead.
            aucs[case["name"]] = {"service": round(_auc(labels, ours), 4),
                                  "pybkt": round(_auc(labels, case["pybkt_held_out_predictions"]), 4),
                                  "pybkt_sklearn": round(case["pybkt_held_out_auc"], 4),
                                  "fit_max_param_diff": round(max(abs(getattr(fit.params, k) - case["pybkt_fit"][k])
                                                                  for k in case["pybkt_fit"]), 4)}
    out = []
    for name, diffs in groups.items():
        out.append(Result(f"BKT vs pyBKT predictions, {name}", 1, 0.0, unit="-", count=len(diffs),
                          notes={"mean_abs_diff": sum(diffs) / len(diffs), "max_abs_diff": max(diffs)}))
    out.append(Result("BKT held-out AUC, service vs pyBKT fit", 1, 0.0, unit="-", notes=aucs))
    return out


def history(rows: int, learners: int, skills: list[str], late_share: float,
            rng: random.Random) -> list[dict[str, Any]]:
    """Assessments in record order; late_share of them carry a timestamp before earlier records'."""
    out = []
    for i in range(rows):
        at = T0 + timedelta(milliseconds=10 * i)
        if rng.random() < late_share:
            at -= timedelta(seconds=rng.uniform(1, 60))
        learner = f"lm-learner-{rng.randrange(learners)}"
        out.append({"assessment_id": str(uuid.uuid4()), "learner_id": learner,
                    "assessment_timestamp": at.isoformat(),
                    "skill_assessments": {s: float(rng.random() < 0.6) for s in rng.sample(skills, 3)}})
    return out


async def relay_rate(dsn: str, rows: list[dict[str, Any]]) -> float:
    """Assessments per second from committed rows to nothing pending for the graph relay."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        async with conn.transaction():
            cur = conn.cursor()
            await cur.executemany(
                "INSERT INTO assessment_results (assessment_id, learner_id, assessment_type, results,"
                " skill_assessments, assessment_timestamp) VALUES (%s, %s, 'quiz', '{}', %s::jsonb, %s)",
                [(r["assessment_id"], r["learner_id"], json.dumps(r["skill_assessments"]),
                  r["assessment_timestamp"]) for r in rows])
            await cur.executemany(
                "INSERT INTO analytics_outbox (event_type, aggregate_id, learner_id, payload)"
                " VALUES ('assessment_submit', %s, %s, %s::jsonb)",
                [(r["assessment_id"], r["learner_id"], json.dumps(r)) for r in rows])
        started = time.perf_counter()
        while True:
            cur = await conn.execute("SELECT count(*) FROM outbox_pending WHERE consumer = 'graph'")
            row = await cur.fetchone()
            if not row or row[0] == 0:
                break
            await asyncio.sleep(0.01)
        return len(rows) / (time.perf_counter() - started)


async def run(quick: bool) -> list[Result]:
    """Relay throughput in a fresh node, raw UNWIND MERGE in the same run, then the pyBKT figures."""
    rng = random.Random(SEED)
    rows, learners = (3000, 300) if quick else (20000, 2000)
    skills = [f"lm-skill-{i}" for i in range(30)]
    node = BenchNode()
    results: list[Result] = []
    try:
        dsn = node.endpoints["postgres"]
        in_order = await relay_rate(dsn, history(rows, learners, skills, 0.0, rng))
        late = await relay_rate(dsn, history(rows, learners, skills, 0.05, rng))
        parts = urlsplit(node.endpoints["graph"])
        db = FalkorDB(host=parts.hostname, port=parts.port,
                      password=unquote(parts.password) if parts.password else None)
        graph = db.select_graph("amauta")
        obs = [{"l": f"lm-learner-{rng.randrange(learners)}", "s": rng.choice(skills), "p": rng.random()}
               for _ in range(rows * 3)]
        started = time.perf_counter()
        for i in range(0, len(obs), 1000):
            await graph.query("UNWIND $rows AS r MATCH (l:Learner {learnerId: r.l}) MATCH (s:Skill {skillId: r.s})"
                              " MERGE (l)-[h:HAS_SKILL]->(s) SET h.proficiencyLevel = r.p", {"rows": obs[i:i + 1000]})
        raw = rows / (time.perf_counter() - started)
        baseline = "raw UNWIND MERGE of the same HAS_SKILL writes (3 per assessment), batches of 1,000"
        results.append(Result("learner model: relay, history order", 1, in_order, unit="assess/s", count=rows,
                              raw_rate=raw, baseline=baseline))
        results.append(Result("learner model: relay, 5% older timestamps", 1, late, unit="assess/s", count=rows,
                              raw_rate=raw, baseline=baseline,
                              notes={"recompute": "each late assessment recomputes its edges from PostgreSQL"}))
    finally:
        node.stop()
    return results + pybkt_comparison()
