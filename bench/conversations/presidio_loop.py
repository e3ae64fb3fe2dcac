"""Presidio's pattern recognizers on the same log as re_loop.py: the first TURNS outputs (Presidio
takes milliseconds a turn, an hour for a million) scanned by the recognizers for the entities
re_loop.py's `pii` mode looks for: e-mail, credit card, phone (python-phonenumbers) and IBAN,
instantiated directly, no NLP engine. Prints RESULT {json} with the turns, the flagged turns and
the seconds; run.sh scales the seconds to the whole log.
Usage: presidio_loop.py LOG.csv TURNS (with the Python of bench/presidio/install.sh)"""
import csv
import itertools
import json
import sys
import time

import tldextract

tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    PhoneRecognizer,
)

path, limit = sys.argv[1], int(sys.argv[2])
RECOGNIZERS = [(EmailRecognizer(), "EMAIL_ADDRESS"), (CreditCardRecognizer(), "CREDIT_CARD"),
               (PhoneRecognizer(), "PHONE_NUMBER"), (IbanRecognizer(), "IBAN_CODE")]
csv.field_size_limit(1 << 30)
start = time.perf_counter()
flagged = turns = 0
with open(path, newline="") as f:
    for row in itertools.islice(csv.DictReader(f), limit):
        turns += 1
        text = row["output"]
        if any(r.analyze(text, entities=[e], nlp_artifacts=None) for r, e in RECOGNIZERS):
            flagged += 1
print("RESULT " + json.dumps({"mode": "pii", "turns": turns, "flagged": flagged,
                              "seconds": time.perf_counter() - start}))
