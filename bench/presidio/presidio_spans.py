"""Presidio's spans on a corpus of make_corpus.py, as JSON Lines {"id", "entity", "start",
"end"} (character offsets, entities named as Firebreak names them). Pattern recognizers only,
instantiated directly, no NLP engine and no spaCy model; the phone recognizer (python-phonenumbers,
not a pattern recognizer) is included because phone numbers are an entity both support.
tldextract, which the e-mail recognizer validates domains with, is kept offline on its bundled
suffix list so the result does not depend on the network.
Usage: presidio_spans.py corpus.jsonl > presidio.jsonl"""
import json
import sys

import tldextract

OFFLINE = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
tldextract.extract = OFFLINE  # the e-mail recognizer calls tldextract.extract

from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    CreditCardRecognizer,
    EmailRecognizer,
    EsNieRecognizer,
    EsNifRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UsSsnRecognizer,
)

# Presidio's entity → Firebreak's.
RECOGNIZERS = [
    (EmailRecognizer(), "EMAIL_ADDRESS", "email"),
    (CreditCardRecognizer(), "CREDIT_CARD", "payment_card"),
    (PhoneRecognizer(), "PHONE_NUMBER", "phone_number"),
    (IbanRecognizer(), "IBAN_CODE", "iban"),
    (IpRecognizer(), "IP_ADDRESS", "ip_address"),
    (UsSsnRecognizer(), "US_SSN", "us_ssn"),
    (UkNinoRecognizer(), "UK_NINO", "uk_nino"),
    (EsNifRecognizer(supported_language="en"), "ES_NIF", "es_dni"),
    (EsNieRecognizer(supported_language="en"), "ES_NIE", "es_dni"),
]

for line in open(sys.argv[1], encoding="utf-8"):
    item = json.loads(line)
    spans = set()
    for recognizer, entity, name in RECOGNIZERS:
        for result in recognizer.analyze(item["text"], entities=[entity], nlp_artifacts=None):
            spans.add((name, result.start, result.end))
    for name, start, end in sorted(spans, key=lambda span: (span[1], span[0])):
        print(json.dumps({"id": item["id"], "entity": name, "start": start, "end": end}))
