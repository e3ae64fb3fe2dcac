#!/usr/bin/env python3
"""The bench's checks as Evidently reports, one after another in one process.

Usage: evidently_round.py DATA SYSTEM...   (e.g. sys-00 sys-01)
For each system: today's partition (logs/SYS/date=2026-11-02, moved there by the timed round)
against yesterday's (date=2026-11-01), as the Firebreak monitors read them:
  drift   = Report([DataDriftPreset()]) over every column but the timestamp (types inferred);
  quality = Report([DataSummaryPreset()]) over the same columns (missing values, categories,
            ranges per column), with the reference.
Each check loads both partitions itself, as each Firebreak monitor run does. Prints one
RESULT {json} per check (wall seconds, drifted share or the row count) and one for the total.
"""
import json
import os
import resource
import sys
import time

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset, DataSummaryPreset

DATA, SYSTEMS = sys.argv[1], sys.argv[2:]


def load(system, day):
    path = os.path.join(DATA, "logs", system, f"date={day}", "part-0.parquet")
    return pd.read_parquet(path).drop(columns=["timestamp"])


def check(system, kind):
    started = time.perf_counter()
    reference, current = load(system, "2026-11-01"), load(system, "2026-11-02")
    ref = Dataset.from_pandas(reference, data_definition=DataDefinition())
    cur = Dataset.from_pandas(current, data_definition=DataDefinition())
    preset = DataDriftPreset() if kind == "drift" else DataSummaryPreset()
    snapshot = Report([preset]).run(cur, ref)
    summary = snapshot.dict()
    wall = time.perf_counter() - started
    result = {"tool": "evidently", "monitor": f"{system}-{kind}", "wall_s": round(wall, 3)}
    if kind == "drift":
        for metric in summary.get("metrics", []):
            if "DriftedColumnsCount" in str(metric.get("metric_name", "")):
                result["drifted_share"] = metric["value"].get("share")
    print("RESULT " + json.dumps(result), flush=True)
    return wall


def main():
    total = 0.0
    checks = 0
    for system in SYSTEMS:
        for kind in ("drift", "quality"):
            total += check(system, kind)
            checks += 1
    print("RESULT " + json.dumps({
        "tool": "evidently",
        "total": True,
        "checks": checks,
        "wall_s": round(total, 3),
        "per_check_s": round(total / checks, 3),
        "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }), flush=True)


if __name__ == "__main__":
    main()
