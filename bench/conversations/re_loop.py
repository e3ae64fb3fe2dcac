"""The Python floor for bench/conversations: read the same CSV with the csv module and scan every
output with `re`, the way a quick investigation script would. Mode `pii`: email, payment card
(with the Luhn check), phone number and IBAN (with its mod-97 check); mode `keywords`: the 30
phrases of keywords.txt as one case-insensitive alternation. Prints RESULT {json}."""
import csv
import json
import re
import sys
import time

mode, path = sys.argv[1], sys.argv[2]
csv.field_size_limit(1 << 30)
start = time.perf_counter()

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
PHONE = re.compile(r"\+\d{1,3}[ -]?\d{1,4}(?:[ -]?\d{2,4}){2,4}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")


def luhn(digits):
    total, double = 0, False
    for d in reversed(digits):
        n = int(d)
        if double:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
        double = not double
    return total % 10 == 0


def iban_ok(text):
    s = text.replace(" ", "")
    s = s[4:] + s[:4]
    return int("".join(str(int(c, 36)) for c in s)) % 97 == 1


def has_pii(text):
    if EMAIL.search(text) or PHONE.search(text):
        return True
    for m in CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 13 <= len(digits) <= 19 and luhn(digits):
            return True
    return any(iban_ok(m.group()) for m in IBAN.finditer(text))


phrases = [l.strip() for l in open(sys.argv[3]) if l.strip() and not l.startswith("#")] if mode == "keywords" else []
KEYWORDS = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b", re.I) if phrases else None
flagged = turns = 0
per_day = {}
with open(path, newline="") as f:
    for row in csv.DictReader(f):
        turns += 1
        text = row["output"]
        hit = has_pii(text) if mode == "pii" else bool(KEYWORDS.search(text))
        if hit:
            flagged += 1
            day = row["timestamp"][:10]
            per_day[day] = per_day.get(day, 0) + 1
print("RESULT " + json.dumps({"mode": mode, "turns": turns, "flagged": flagged,
                              "seconds": time.perf_counter() - start}))
