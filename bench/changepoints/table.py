#!/usr/bin/env python3
"""Prints run.sh's results.jsonl as one Markdown table per set: false alarms per log, recall and
precision for each tool, the detection seconds over all series and the ratio tool / Firebreak."""
import json
import sys


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    for set_name in dict.fromkeys(r["set"] for r in rows):
        at = [r for r in rows if r["set"] == set_name]
        ours = next(r for r in at if r["tool"] == "firebreak")
        print(f"\n## {set_name}: {ours['logs']} logs (half with one 3-SD shift), {ours['series']} series")
        print("| tool | logs without a shift with any change point | recall (shift found within one bucket) | precision | change points | detection s | time / Firebreak |")
        print("|---|---|---|---|---|---|---|")
        for r in at:
            ratio = f"{r['seconds'] / ours['seconds']:.0f}x" if r is not ours else ""
            print(f"| {r['tool']} | {100 * r['false_alarm_rate']:.2f} % | {100 * r['recall']:.2f} % | "
                  f"{r['precision']:.3f} | {r['change_points']} | {r['seconds']:.4f} | {ratio} |")


if __name__ == "__main__":
    main()
