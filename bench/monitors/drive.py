#!/usr/bin/env python3
"""Drives one scheduling round of a real `firebreak serve` over loopback.

Usage: drive.py URL TOKEN DATA [SYSTEMS]
Registers SYSTEMS systems (default 50) and two monitors on each: a drift monitor (Evidently
preset, every column but the timestamp, against the day before) reading a glob
(`logs/sys-NN/date=*/*.parquet`) and a quality monitor (missing rate, new categories, out-of-range
values, schema changes against the day before) reading the directory `logs/sys-NN`. Both run on the
server's scheduler every second. Round 0 checks yesterday's partition (no reference yet:
"insufficient data"); then run.sh's staged partitions for today are moved into place at once and
round 1 is timed: from the moment they arrive until every monitor has stored its run, as read
from the runs the server stored (started_at / finished_at). Prints RESULT {json}.
"""
import json
import os
import sys
import time
import urllib.request

URL, TOKEN, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
SYSTEMS = int(sys.argv[4]) if len(sys.argv) > 4 else 50


def call(method, path, body=None):
    request = urllib.request.Request(
        URL + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")


def monitors():
    return call("GET", "/api/v1/monitors?limit=1000")


def wait_runs(count, what):
    started = time.monotonic()
    while True:
        all_ = monitors()
        if len(all_) == 2 * SYSTEMS and all(m["status"]["runs"] >= count for m in all_):
            return time.monotonic() - started
        if time.monotonic() - started > 1800:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.2)


def parse(at):
    # RFC 3339 with nanoseconds: keep microseconds for datetime.
    from datetime import datetime

    head, _, tail = at.rstrip("Z").partition(".")
    micros = (tail + "000000")[:6]
    return datetime.fromisoformat(f"{head}.{micros}+00:00").timestamp()


def main():
    logs = os.path.join(os.path.abspath(DATA), "logs")
    common = {"schedule": "1s", "silent_after": "1h", "severity": "sev3"}
    for index in range(SYSTEMS):
        slug = f"sys-{index:02}"
        call("POST", "/api/v1/systems", {"slug": slug, "name": f"System {index}"})
        call("POST", "/api/v1/monitors", {
            **common,
            "name": f"{slug}-drift",
            "system": slug,
            "thresholds": ["share_of_drifted_columns > 0.15"],
            "source": {"path": f"{logs}/{slug}/date=*/*.parquet", "timestamp": "timestamp"},
            "reference": {"rolling": "1d"},
            "check": {"kind": "drift", "exclude": ["timestamp"]},
        })
        call("POST", "/api/v1/monitors", {
            **common,
            "name": f"{slug}-quality",
            "system": slug,
            "thresholds": ["missing_rate > 0.05", "new_category_rows > 1000"],
            "source": {"path": f"{logs}/{slug}", "timestamp": "timestamp"},
            "reference": {"rolling": "1d"},
            "check": {"kind": "quality"},
        })
    warm = wait_runs(1, "round 0")
    staged = os.path.join(os.path.abspath(DATA), "staged")
    arrived = time.time()
    for index in range(SYSTEMS):
        slug = f"sys-{index:02}"
        for name in os.listdir(os.path.join(staged, slug)):
            os.rename(os.path.join(staged, slug, name), os.path.join(logs, slug, name))
    waited = wait_runs(2, "round 1")
    runs = []
    for monitor in monitors():
        name = monitor["definition"]["name"]
        detail = call("GET", f"/api/v1/monitors/{name}")
        run = detail["runs"][-1]
        runs.append({
            "monitor": name,
            "window": run["window"],
            "state": run["state"],
            "started": parse(run["started_at"]),
            "finished": parse(run["finished_at"]),
            "incident": run.get("incident"),
        })
    first = min(r["started"] for r in runs)
    last = max(r["finished"] for r in runs)
    durations = sorted(r["finished"] - r["started"] for r in runs)
    states = {}
    for r in runs:
        states[r["state"]] = states.get(r["state"], 0) + 1
    by_kind = {}
    for r in runs:
        kind = r["monitor"].rsplit("-", 1)[1]
        by_kind.setdefault(kind, []).append(r["finished"] - r["started"])
    print("RESULT " + json.dumps({
        "monitors": len(runs),
        "round0_s": round(warm, 2),
        "round_first_start_to_last_finish_s": round(last - first, 2),
        "round_arrival_to_last_finish_s": round(last - arrived, 2),
        "round_arrival_to_all_seen_s": round(waited, 2),
        "run_s_median": round(durations[len(durations) // 2], 3),
        "run_s_max": round(durations[-1], 3),
        "run_s_mean_by_kind": {k: round(sum(v) / len(v), 3) for k, v in by_kind.items()},
        "run_s_by_monitor": {r["monitor"]: round(r["finished"] - r["started"], 3) for r in runs},
        "windows": sorted({r["window"] for r in runs}),
        "states": states,
        "incidents": sorted({r["incident"] for r in runs if r["incident"]}),
    }), flush=True)


if __name__ == "__main__":
    main()
