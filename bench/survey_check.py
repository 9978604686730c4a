"""Checks fupin-stats' linearised ratio and standard error against samplics' TaylorEstimator.

Generates a stratified cluster sample with a fixed seed (counties as strata, villages as PSUs,
households; a rare clustered 错退 and a common 认可 with some unasked households), runs
`cargo run -p fupin-stats --example survey_estimate` on it, estimates the same ratios with
samplics, and prints both and the differences. Run through bench/survey_check.sh.
"""

import csv
import io
import json
import math
import os
import random
import subprocess
import sys

import numpy as np
from samplics.estimation import TaylorEstimator
from samplics.utils.types import PopParam

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTCOMES = ["错退", "认可"]


def sample(seed=2017):
    rng = random.Random(seed)
    rows = []
    for county in range(4):
        villages = rng.randint(2, 6)
        for v in range(villages):
            # Villages differ: a few got 错退 badly wrong, satisfaction varies by village.
            wrong = 0.15 if rng.random() < 0.15 else 0.01
            satisfied = rng.uniform(0.85, 0.99)
            weight = round(rng.uniform(20, 80), 2)
            for _ in range(rng.randint(6, 12)):
                asked = rng.random() < 0.9
                rows.append({
                    "stratum": f"县{county}",
                    "psu": f"村{v}",
                    "weight": weight,
                    "错退": int(rng.random() < wrong),
                    "认可": (int(rng.random() < satisfied) if asked else ""),
                })
    return rows


def ours(rows):
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["stratum", "psu", "weight"] + OUTCOMES, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    env = dict(os.environ, CARGO_TARGET_DIR=os.path.join(ROOT, "target", "stats-helper"))
    out = subprocess.run(
        ["cargo", "run", "-q", "-p", "fupin-stats", "--example", "survey_estimate"],
        input=buf.getvalue(), capture_output=True, text=True, cwd=ROOT, env=env, check=True,
    )
    return json.loads(out.stdout)


def peer(rows, column):
    y = np.array([float(r[column]) if r[column] != "" else 0.0 for r in rows])
    x = np.array([1.0 if r[column] != "" else 0.0 for r in rows])
    est = TaylorEstimator(PopParam.ratio)
    est.estimate(
        y=y, x=x,
        samp_weight=np.array([r["weight"] for r in rows]),
        stratum=np.array([r["stratum"] for r in rows]),
        psu=np.array([f'{r["stratum"]}/{r["psu"]}' for r in rows]),
    )
    return float(est.point_est), float(est.stderror)


def main():
    rows = sample()
    mine = ours(rows)
    worst = 0.0
    print(f"{len(rows)} households; columns: estimate, standard error")
    for c in OUTCOMES:
        r, se = peer(rows, c)
        e = mine[c]
        my_se = math.sqrt(e["variance"])
        d_r, d_se = e["estimate"] - r, my_se - se
        worst = max(worst, abs(d_r), abs(d_se))
        print(f"{c}: fupin {e['estimate']:.10f} ± {my_se:.10f}  samplics {r:.10f} ± {se:.10f}  "
              f"diff {d_r:+.2e} {d_se:+.2e}  (fupin KG 95% [{e['ci'][0]:.4f}, {e['ci'][1]:.4f}], "
              f"deff {e['deff']}, df {e['df']})")
    ok = worst < 1e-9
    print("agree to 1e-9" if ok else f"DISAGREE: worst difference {worst:.3e}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
