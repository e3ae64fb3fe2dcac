#!/usr/bin/env python3
"""Prints the benchmark table from run.sh's results.jsonl: per size, each tool's whole-process wall
time and peak RSS, the compute phase it reports, and the ratio peer / Firebreak for both."""
import json
import sys


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    for size in dict.fromkeys(r["size"] for r in rows):
        at = {r["label"]: r for r in rows if r["size"] == size}
        fb = at.get("firebreak", {})
        fb_drift, fb_fair = fb.get("drift_s"), fb.get("fair_s")
        print(f"\n## {size} rows  (Firebreak: drift {fb_drift} s incl. Parquet decoding, fairness {fb_fair} s"
              f" + {fb.get('fairness_load_s')} s load, process {fb.get('wall_s')} s, {fb.get('peak_rss_mb')} MiB)")
        print("| tool | task | process wall s | compute s | peak RSS MiB | wall ratio | compute ratio | RSS ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for label, r in at.items():
            if label in ("firebreak", "firebreak_csv"):
                task = "drift+fairness" + (" (CSV)" if label.endswith("csv") else "")
                print(f"| {label} | {task} | {r['wall_s']} | {r.get('drift_s')} + {r.get('fair_s')} | {r['peak_rss_mb']} | | | |")
                continue
            if label == "floor":
                pairs = [("drift", r.get("drift_s"), fb_drift), ("fairness", r.get("fair_s"), fb_fair)]
            elif label == "fairlearn":
                pairs = [("fairness", r.get("compute_s"), fb_fair)]
            else:
                pairs = [("drift", r.get("compute_s"), fb_drift)]
            for task, compute, ours in pairs:
                ratio = f"{compute / ours:.0f}x" if compute and ours else "-"
                wall_ratio = f"{r['wall_s'] / fb['wall_s']:.0f}x" if fb.get("wall_s") else "-"
                rss_ratio = f"{r['peak_rss_mb'] / fb['peak_rss_mb']:.1f}x" if fb.get("peak_rss_mb") else "-"
                print(f"| {label} | {task} | {r['wall_s']} | {compute} | {r['peak_rss_mb']} | {wall_ratio} | {ratio} | {rss_ratio} |")


if __name__ == "__main__":
    main()
