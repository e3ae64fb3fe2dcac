#!/usr/bin/env python3
"""Daily partitions for the monitors bench: SYSTEMS systems, two days each, ROWS rows a day.

Usage: make_partitions.py DATA [SYSTEMS [ROWS [DISTINCT]]]   (defaults 50, 1_000_000, 25)
Writes DATA/logs/sys-NN/date=2026-11-01/part-0.parquet (yesterday, already checked) and
DATA/staged/sys-NN/date=2026-11-02/part-0.parquet (today's new partition, which run.sh moves
into logs/ to start the timed round). Columns as ../../shared/peer-bench/gen_data.py:
timestamp over the day, num_0..num_9 (num_9 ~1 % NaN), cat_0..cat_4 (cardinality 3/5/10/20/50),
group A/B/C, y_pred_proba, y_pred, y_true. Every tenth generated system drifts on the new day (num_0
+0.5 SD, num_1 scaled x1.5, cat_0 probabilities permuted, 2 % of cat_3 unseen values); the
others draw both days from one distribution. Each (system, day) has its own seed. Systems from
DISTINCT on hard-link the files of system (index mod DISTINCT), to halve the disk (9 GB at the
defaults otherwise); every monitor still reads and checks its own files in full.
"""
import os
import sys

import numpy as np
import pandas as pd

CARD = [3, 5, 10, 20, 50]
DAYS = ["2026-11-01", "2026-11-02"]


def drifted(system: int) -> bool:
    return system % 10 == 0


def make(rows: int, seed: int, day: str, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp(day)
    cols = {
        "timestamp": start
        + pd.to_timedelta(np.linspace(0, 86400, rows, endpoint=False), unit="s")
    }
    num = np.empty((rows, 10))
    num[:, 0] = rng.normal(0.5 if drift else 0.0, 1, rows)
    num[:, 1] = rng.normal(10, 3 if drift else 2, rows)
    num[:, 2] = rng.uniform(0, 100, rows)
    num[:, 3] = rng.exponential(3.0, rows)
    num[:, 4] = rng.lognormal(0, 0.5, rows)
    num[:, 5] = rng.normal(50, 10, rows)
    num[:, 6] = rng.gamma(2.0, 2.0, rows)
    num[:, 7] = rng.normal(-3, 1, rows)
    num[:, 8] = rng.integers(0, 1000, rows).astype(float)
    num[:, 9] = rng.normal(0, 1, rows)
    num[rng.random(rows) < 0.01, 9] = np.nan
    for j in range(10):
        cols[f"num_{j}"] = num[:, j]
    for j, k in enumerate(CARD):
        p = np.arange(k, 0, -1, dtype=float)
        p /= p.sum()
        if drift and j == 0:
            p = p[::-1]
        values = np.array([f"c{j}_{v}" for v in range(k)], dtype=object)
        cats = values[rng.choice(k, rows, p=p)]
        if drift and j == 3:
            unseen = rng.random(rows) < 0.02
            cats[unseen] = "c3_new"
        cols[f"cat_{j}"] = cats
    groups = np.array(["A", "B", "C"], dtype=object)
    cols["group"] = groups[rng.choice(3, rows, p=[0.6, 0.3, 0.1])]
    logit = 0.8 * num[:, 0] - 0.1 * (num[:, 1] - 10) + rng.normal(0, 1, rows)
    proba = 1 / (1 + np.exp(-logit))
    cols["y_pred_proba"] = proba
    cols["y_pred"] = (proba >= 0.5).astype(np.int64)
    cols["y_true"] = (rng.random(rows) < proba).astype(np.int64)
    return pd.DataFrame(cols)


def main() -> None:
    data = sys.argv[1]
    systems = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    distinct = int(sys.argv[4]) if len(sys.argv) > 4 else 25
    for system in range(systems):
        for index, day in enumerate(DAYS):
            area = "logs" if index == 0 else "staged"
            out = os.path.join(data, area, f"sys-{system:02}", f"date={day}", "part-0.parquet")
            if os.path.exists(out):
                continue
            os.makedirs(os.path.dirname(out), exist_ok=True)
            if system >= distinct:
                source = out.replace(f"sys-{system:02}", f"sys-{system % distinct:02}")
                source = source.replace("staged", "logs") if not os.path.exists(source) else source
                os.link(source, out)
                continue
            frame = make(rows, 1000 * system + index, day, index == 1 and drifted(system))
            frame.to_parquet(out + ".tmp", index=False)
            os.replace(out + ".tmp", out)
        print(f"sys-{system:02} written", flush=True)


if __name__ == "__main__":
    main()
