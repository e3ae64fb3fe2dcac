#!/usr/bin/env python3
"""ruptures on the series changepoints_bench wrote (series.csv): PELT with the l2 cost, as it is
commonly run, with two penalties, scored the way Firebreak's calibration tests score it.

  ruptures_bic:       pen = 2 sigma^2 ln(n), sigma = median |first difference| / (0.6745 sqrt 2)
  ruptures_fb_pen:    pen = beta sigma^2, beta = Firebreak's penalty for that series (its
                      Bonferroni threshold over the log's series and places), same sigma

Both with min_size=3 (Firebreak's shortest regime) and jump=1 (every place considered). A series
Firebreak does not test (fewer than 6 values, or constant) is skipped, and so is one whose sigma is
0 (ruptures would cut it everywhere). Seconds count the noise estimate and fit + predict only.
Prints one RESULT {json} line per variant.

Usage: ruptures_bench.py OUT_DIR SET
"""
import csv
import json
import math
import sys
import time
from collections import defaultdict

import numpy as np
import ruptures as rpt


def load(path):
    series = defaultdict(lambda: {"buckets": [], "values": []})
    logs = {}
    for row in csv.DictReader(open(path)):
        key = (int(row["log"]), row["series"])
        entry = series[key]
        entry["buckets"].append(int(row["bucket"]))
        entry["values"].append(float(row["value"]))
        entry["shifted"] = row["series_shifted"] == "1"
        entry["designated"] = row["designated"] == "1"
        entry["penalty"] = float(row["firebreak_penalty"]) if row["firebreak_penalty"] else None
        logs[int(row["log"])] = int(row["shift_start"]) if row["shift_start"] else None
    return series, logs


def mad_sigma(values):
    return float(np.median(np.abs(np.diff(values)))) / (0.6745 * math.sqrt(2.0))


def run(series, logs, penalty_of):
    found_points = {}
    seconds = 0.0
    for key, entry in series.items():
        values = np.asarray(entry["values"])
        if entry["penalty"] is None:
            found_points[key] = []
            continue
        started = time.perf_counter()
        sigma = mad_sigma(values)
        if sigma > 0:
            penalty = penalty_of(entry, sigma, len(values))
            breaks = rpt.Pelt(model="l2", min_size=3, jump=1).fit(values).predict(pen=penalty)[:-1]
        else:
            breaks = []
        seconds += time.perf_counter() - started
        found_points[key] = [entry["buckets"][index] for index in breaks]
    quiet = quiet_alarmed = shifted = found = reported = reported_true = 0
    alarms = defaultdict(int)
    found_in = defaultdict(bool)
    for key, entry in series.items():
        log = key[0]
        start = logs[log]
        for bucket in found_points[key]:
            alarms[log] += 1
            if start is not None and entry["shifted"] and abs(bucket - start) <= 1:
                reported_true += 1
                found_in[log] |= entry["designated"]
    for log, start in logs.items():
        reported += alarms[log]
        if start is None:
            quiet += 1
            quiet_alarmed += alarms[log] > 0
        else:
            shifted += 1
            found += found_in[log]
    return {
        "logs": len(logs),
        "series": len(series),
        "false_alarm_rate": round(quiet_alarmed / quiet, 4),
        "recall": round(found / shifted, 4),
        "precision": round(reported_true / max(reported, 1), 4),
        "change_points": reported,
        "seconds": round(seconds, 6),
    }


def main():
    out, set_name = sys.argv[1], sys.argv[2]
    series, logs = load(f"{out}/series.csv")
    variants = {
        "ruptures_bic": lambda entry, sigma, n: 2.0 * sigma * sigma * math.log(n),
        "ruptures_fb_pen": lambda entry, sigma, n: entry["penalty"] * sigma * sigma,
    }
    for tool, penalty_of in variants.items():
        result = {"tool": tool, "set": set_name, **run(series, logs, penalty_of)}
        print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
