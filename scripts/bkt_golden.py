"""Golden files for the BKT tests: pyBKT's per-step predictions and EM fit on synthetic learners.

pyBKT is a test-only reference and needs numpy<2 and scikit-learn<1.6, so run this script in a
throwaway venv, not in the service's:

    python3 -m venv "$BKTVENV"        # any throwaway directory outside the repository
    "$BKTVENV"/bin/pip install pyBKT 'numpy<2' 'scikit-learn<1.6'
    "$BKTVENV"/bin/python scripts/bkt_golden.py      # writes tests/stores/data/bkt_golden.json

Learners are simulated from known parameters with a fixed seed. The JSON holds the observations,
pyBKT's predictions under the generating parameters (correct_predictions: P(correct) of a step
before it is seen; state_predictions: P(known) before the step) and pyBKT's own EM fit.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from pyBKT.models import Model

SEED = 20240607
#: (name, prior, learn, guess, slip, learners, steps)
CASES = [("classic", 0.3, 0.15, 0.2, 0.1, 300, 20),
         ("hard", 0.1, 0.05, 0.25, 0.15, 300, 30),
         ("easy", 0.6, 0.3, 0.1, 0.05, 200, 15)]
OUT = Path(__file__).resolve().parent.parent / "tests" / "stores" / "data" / "bkt_golden.json"


def simulate(rng: np.random.Generator, prior: float, learn: float, guess: float, slip: float,
             learners: int, steps: int) -> list[list[int]]:
    """Answers of learners from the BKT generative model (no forgetting)."""
    out = []
    for _ in range(learners):
        known = rng.random() < prior
        seq = []
        for _ in range(steps):
            correct = rng.random() < ((1 - slip) if known else guess)
            seq.append(int(correct))
            if not known and rng.random() < learn:
                known = True
        out.append(seq)
    return out


def frame(skill: str, sequences: list[list[int]]) -> pd.DataFrame:
    """pyBKT's input format, one row per answer in order."""
    rows = []
    order = 0
    for user, seq in enumerate(sequences):
        for correct in seq:
            rows.append({"order_id": order, "user_id": f"u{user}", "skill_name": skill, "correct": correct})
            order += 1
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    cases = []
    for name, prior, learn, guess, slip, learners, steps in CASES:
        sequences = simulate(rng, prior, learn, guess, slip, learners, steps)
        df = frame(name, sequences)
        fitted = Model(seed=SEED, num_fits=5)
        fitted.fit(data=df)
        coef = fitted.coef_[name]
        # preload skips EM; its random As/pi_0 then overwrite learns and prior, so set the
        # parameters on the fitted model itself (predict reads prior, learns, forgets, guesses, slips).
        truth = Model(seed=SEED, num_fits=1)
        truth.fit(data=df, preload=True)
        truth.fit_model[name].update({"prior": prior, "learns": np.array([learn]),
                                      "forgets": np.array([0.0]), "guesses": np.array([guess]),
                                      "slips": np.array([slip])})
        pred = truth.predict(data=df).sort_values("order_id")
        cases.append({
            "name": name,
            "params": {"prior": prior, "learn": learn, "guess": guess, "slip": slip},
            "sequences": sequences,
            "correct_predictions": [round(float(v), 10) for v in pred["correct_predictions"]],
            "state_predictions": [round(float(v), 10) for v in pred["state_predictions"]],
            "pybkt_fit": {"prior": float(coef["prior"]), "learn": float(coef["learns"][0]),
                          "guess": float(coef["guesses"][0]), "slip": float(coef["slips"][0])},
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"generator": "scripts/bkt_golden.py", "seed": SEED, "pybkt": "1.4.3",
                               "cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT.name}: {sum(len(c['correct_predictions']) for c in cases)} predictions")


if __name__ == "__main__":
    main()
