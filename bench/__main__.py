"""`python -m bench [--quick] [names...]`: run benchmarks, print one table, write bench/results/latest.json."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import platform
import sys
import time
from pathlib import Path

from bench.harness import BARE, NOOP, Result

#: Benchmark modules in report order; each has `async def run(quick: bool) -> list[Result]`.
SUITES = ["bench.startup", "bench.catalog", "bench.learner", "bench.analytics", "bench.simulation",
          "bench.graph", "bench.learner_model"]


def _goal(r: Result) -> str:
    """The goal and, where the benchmark judged it (notes.goal_met), whether this run met it."""
    met = r.notes.get("goal_met")
    if met is None:
        return r.goal
    return f"{r.goal}: {'met' if met else 'NOT MET'}" if r.goal else ("met" if met else "NOT MET")


def table(results: list[Result]) -> str:
    """A plain-text table of results."""
    head = (f"{'operation':44} {'conc':>5} {'rate':>12} {'unit':>8} {'p50 ms':>8} {'p99 ms':>8} {'raw':>12}"
            f" {'ratio':>6} {'/noop':>6} {'/bare':>6}  goal")
    lines = [head, "-" * len(head)]
    for r in results:
        raw = f"{r.raw_rate:12.1f}" if r.raw_rate else f"{'-':>12}"
        ratio = f"{r.ratio:6.2f}" if r.ratio else f"{'-':>6}"
        ceilings = " ".join(f"{r.ceiling_ratios[c]:6.2f}" if c in r.ceiling_ratios else f"{'-':>6}"
                            for c in (NOOP, BARE))
        lines.append(f"{r.operation[:44]:44} {r.concurrency:5d} {r.rate:12.1f} {r.unit:>8} "
                     f"{r.p50_ms:8.2f} {r.p99_ms:8.2f} {raw} {ratio} {ceilings}  {_goal(r)}")
    return "\n".join(lines)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="CI-sized run")
    parser.add_argument("suites", nargs="*", help="subset of: " + ", ".join(s.split(".")[-1] for s in SUITES))
    args = parser.parse_args(argv)
    chosen = [s for s in SUITES if (not args.suites or s.split(".")[-1] in args.suites)
              and importlib.util.find_spec(s) is not None]
    results: list[Result] = []
    for name in chosen:
        module = importlib.import_module(name)
        results.extend(await module.run(args.quick))
    print(table(results))
    out = Path(__file__).with_name("results") / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                               "quick": args.quick, "machine": platform.machine(),
                               "results": [r.as_dict() for r in results]}, indent=2))
    print(f"\nwritten: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
