"""A chatbot conversation log for bench/conversations: N turns over 30 days, about 500 bytes of
text a turn, one output in twenty with personal data (an email, a payment card, a phone number
or an IBAN) and one in twenty-five with a keyword of keywords.txt. Deterministic for a seed.
Usage: make_log.py N OUT.csv"""
import csv
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
words = ("the model answered a question about the weather the bank account the order status "
         "shipping times opening hours refunds and the return policy of the shop in general").split()
pii = [
    "write to ana.lopez{}@example.com and she will answer",
    "my card is 4111 1111 1111 1111 valid until next year",
    "call me on +44 20 7946 0{:03d} after six",
    "the transfer goes to DE89 3704 0044 0532 0130 00 today",
]
keywords = [line.strip() for line in open(sys.argv[3] if len(sys.argv) > 3 else "keywords.txt")
            if line.strip() and not line.startswith("#")]
with open(out, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["conversation_id", "timestamp", "input", "output", "model_version"])
    for i in range(n):
        day = i * 30 // n
        second = (i * 2_592_000 // n) % 86_400
        text = " ".join(rng.choice(words) for _ in range(38))
        output = text
        draw = rng.random()
        if draw < 0.05:
            output = text[:200] + " " + rng.choice(pii).format(i % 1000) + " " + text[200:]
        elif draw < 0.09:
            output = text[:150] + " " + rng.choice(keywords) + " " + text[150:]
        w.writerow([
            f"c{i // 4}",
            f"2026-03-{day + 1:02d}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z",
            " ".join(rng.choice(words) for _ in range(20)),
            output,
            "v4" if day >= 15 else "v3",
        ])
