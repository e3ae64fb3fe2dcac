#!/usr/bin/env python3
"""Refusal corpus: turn a labelled TSV into a conversation log the CLI reads, and score the
CLI's report against the labels. Python 3 standard library only. Used by bench/refusals/run.sh.

  score.py log CORPUS.tsv LOG.csv      write the log: one turn per row, an hour apart
  score.py score CORPUS.tsv REPORT.json [--misses]

Each turn gets its own hour, and the report is asked for hourly buckets, so bucket i of the
report's rates is row i of the corpus: its `flagged` count (0 or 1) is the detector's verdict."""

import csv
import datetime
import json
import sys

START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def read_corpus(path):
    rows = []
    header = None
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                if header != ["label", "user", "assistant"]:
                    sys.exit(f"{path}:{number}: header must be label<TAB>user<TAB>assistant")
                continue
            if len(fields) != 3 or fields[0] not in ("refusal", "not_refusal"):
                sys.exit(f"{path}:{number}: want refusal|not_refusal<TAB>user<TAB>assistant")
            rows.append((number, fields[0] == "refusal", fields[1], fields[2]))
    return rows


def stamp(index):
    return (START + datetime.timedelta(hours=index)).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_log(corpus, log):
    rows = read_corpus(corpus)
    with open(log, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["conversation_id", "turn", "timestamp", "input", "output"])
        for index, (number, _, user, assistant) in enumerate(rows):
            out.writerow([f"line-{number}", 1, stamp(index), user, assistant])


def verdicts(rows, report):
    rates = report["rates"]
    if rates["granularity"] != "hour":
        sys.exit("the report must be hourly (--bucket hour)")
    by_start = {bucket["start"]: bucket for bucket in rates["buckets"]}
    flagged = []
    for index, _ in enumerate(rows):
        bucket = by_start.get(stamp(index))
        if bucket is None or bucket["turns"] != 1:
            sys.exit(f"no bucket of one turn at {stamp(index)}: is the log the corpus's?")
        flagged.append(bucket["flagged"] == 1)
    if sum(flagged) != rates["flagged"]:
        sys.exit("the buckets' flagged turns do not add up to the report's")
    return flagged


def ratio(a, b):
    return a / b if b else float("nan")


def score(corpus, report_path, misses):
    rows = read_corpus(corpus)
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    flagged = verdicts(rows, report)
    tp = fp = fn = tn = 0
    wrong = []
    for (number, refusal, user, assistant), flag in zip(rows, flagged):
        if refusal and flag:
            tp += 1
        elif refusal:
            fn += 1
            wrong.append(("missed", number, user, assistant))
        elif flag:
            fp += 1
            wrong.append(("false positive", number, user, assistant))
        else:
            tn += 1
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = ratio(2 * precision * recall, precision + recall)
    name = corpus.rsplit("/", 1)[-1]
    print(
        f"| {name} | {len(rows)} | {tp + fn} | {tp} | {fp} | {fn} | {tn} "
        f"| {precision:.1%} | {recall:.1%} | {f1:.3f} |"
    )
    if misses:
        for kind, number, user, assistant in wrong:
            print(f"  {kind} (line {number}): {assistant}    [user: {user}]")


def main(argv):
    if len(argv) == 4 and argv[1] == "log":
        write_log(argv[2], argv[3])
    elif len(argv) in (4, 5) and argv[1] == "score":
        score(argv[2], argv[3], argv[4:] == ["--misses"])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
