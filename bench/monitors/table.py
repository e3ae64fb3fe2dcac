#!/usr/bin/env python3
"""Prints run.sh's results as the tables in RESULTS.md. Usage: table.py results.jsonl"""
import json
import sys

records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
fb = next(r for r in records if r.get("tool") == "firebreak")
peer = [r for r in records if r.get("tool") == "evidently" and not r.get("total")]
peer_total = next((r for r in records if r.get("tool") == "evidently" and r.get("total")), None)

print("| Firebreak, one scheduling round | value |")
print("|---|---|")
print(f"| monitors run | {fb['monitors']} (windows {', '.join(fb['windows'])}) |")
print(f"| round: first run started to last run stored | {fb['round_first_start_to_last_finish_s']} s |")
print(f"| round: partitions arrived to last run stored | {fb['round_arrival_to_last_finish_s']} s |")
print(f"| server peak RSS (VmHWM, whole life) | {fb['server_peak_rss_mb']} MiB |")
print(f"| one run: median / max | {fb['run_s_median']} s / {fb['run_s_max']} s |")
for kind, mean in sorted(fb["run_s_mean_by_kind"].items()):
    print(f"| one {kind} run, mean | {mean} s |")
print(f"| states | {', '.join(f'{k} {v}' for k, v in sorted(fb['states'].items()))} |")
print(f"| incidents declared | {len(fb['incidents'])} |")

if peer:
    print()
    print("| check | Evidently (s) | Firebreak run (s) | ratio |")
    print("|---|---|---|---|")
    ratios = {}
    for record in peer:
        ours = fb["run_s_by_monitor"][record["monitor"]]
        ratio = record["wall_s"] / ours
        ratios.setdefault(record["monitor"].rsplit("-", 1)[1], []).append((record["wall_s"], ours))
        print(f"| {record['monitor']} | {record['wall_s']} | {ours} | {ratio:.0f}x |")
    print()
    estimate = 0.0
    for kind, pairs in sorted(ratios.items()):
        theirs = sum(p[0] for p in pairs) / len(pairs)
        ours = sum(p[1] for p in pairs) / len(pairs)
        estimate += theirs * fb["monitors"] / 2
        print(f"- {kind}: Evidently {theirs:.1f} s a check vs Firebreak {ours:.2f} s a run "
              f"({theirs / ours:.0f}x), over {len(pairs)} of the {fb['monitors'] // 2} {kind} checks")
    print(f"- Evidently peak RSS over its {peer_total['checks']} checks: {peer_total['peak_rss_mb']} MiB")
    print(f"- a whole round as Evidently reports, one after another, extrapolated from the subset: "
          f"{estimate:.0f} s ({estimate / 60:.1f} min), against Firebreak's {fb['round_first_start_to_last_finish_s']} s "
          f"({estimate / fb['round_first_start_to_last_finish_s']:.0f}x)")
