"""A generated corpus for PII parity with Presidio's pattern recognizers (bench/presidio,
docs/detectors.md): chat-like texts with personal data planted in the shapes people write it,
near-misses (a changed check digit, an unissued range) and distractors (versions, dates, order
numbers). Each line is {"id", "text", "planted": [{"kind", "variant", "start", "end"}]} with
character offsets, so a disagreement can be traced to the variant that caused it.
Deterministic for a seed. Usage: make_corpus.py [--seed 15] [--count 2000] > corpus.jsonl"""
import argparse
import json
import random

WORDS = ("please check the account my order was late and the support agent said that the "
         "refund would arrive next week thanks for the help with this").split()
DISTRACTORS = ["version 1.2.3.4", "on 2026-03-14", "order 55523", "at 10:30:45", "std::vec::Vec",
               "room 12-34", "v2.0", "ticket #4411", "pay 12.50 EUR", "code 1234 5678"]


def luhn_digit(body):
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit)
        if index % 2 == 0:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return str((10 - total % 10) % 10)


def card(rng, prefix, length):
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return body + luhn_digit(body)


def group(number, sizes, sep):
    parts, at = [], 0
    for size in sizes:
        parts.append(number[at:at + size])
        at += size
    return sep.join(parts)


def iban(rng, country, bban):
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def nums(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def spanish_letter(number):
    return "TRWAGMYFPDXBNJZSQVHLCKE"[number % 23]


def variants(rng):
    """(kind, variant, text) of one planted item."""
    user = rng.choice(["ana.lopez", "j.smith", "kim", "o.brien", "mario_rossi", "lee+ai"])
    host = rng.choice(["example.com", "mail.example.co.uk", "shop.example.de", "example.org"])
    visa = card(rng, "4", 16)
    amex = card(rng, rng.choice(["34", "37"]), 15)
    mc2 = card(rng, str(rng.randint(2221, 2720)), 16)
    cc_bad = visa[:-1] + str((int(visa[-1]) + 1) % 10)
    de = iban(rng, "DE", nums(rng, 18))
    gb = iban(rng, "GB", rng.choice(["WEST", "NWBK", "BARC"]) + nums(rng, 14))
    fr = iban(rng, "FR", nums(rng, 10) + "".join(rng.choice("ABCDEFGHJK0123456789") for _ in range(11)) + nums(rng, 2))
    area = rng.choice([a for a in range(1, 900) if a != 666])
    ssn = f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"
    npa = rng.choice(["212", "415", "617", "312", "206", "303"])
    line = f"{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    dni = rng.randint(10_000_000, 99_999_999)
    nie = rng.randint(0, 9_999_999)
    nie_prefix = rng.choice("XYZ")
    nie_number = int(str("XYZ".index(nie_prefix)) + f"{nie:07d}")
    nino = rng.choice(["AB", "JG", "CE", "PR", "WZ"]) + nums(rng, 6) + rng.choice("ABCD")
    octets = [rng.randint(1, 254) for _ in range(4)]
    ip4 = ".".join(map(str, octets))
    ip6 = ":".join(f"{rng.randint(0, 0xffff):x}" for _ in range(8))
    table = [
        ("email", "plain", f"{user}@{host}"),
        ("email", "trailing_period", f"{user}@{host}."),
        ("email", "apostrophe", f"o'brien@{host}"),
        ("email", "unknown_tld", f"{user}@example.internal"),
        ("email", "unicode", f"jörg@bücher.de"),
        ("payment_card", "visa_spaces", group(visa, [4, 4, 4, 4], " ")),
        ("payment_card", "visa_dashes", group(visa, [4, 4, 4, 4], "-")),
        ("payment_card", "visa_compact", visa),
        ("payment_card", "amex", group(amex, [4, 6, 5], " ")),
        ("payment_card", "mastercard_2_series", group(mc2, [4, 4, 4, 4], " ")),
        ("payment_card", "luhn_fails", group(cc_bad, [4, 4, 4, 4], " ")),
        ("payment_card", "visa_14_digits", card(rng, "4", 14)),
        ("payment_card", "mixed_separators", group(visa, [4, 4], " ") + "-" + group(visa[8:], [4, 4], " ")),
        ("iban", "de_spaces", group(de, [4, 4, 4, 4, 4, 2], " ")),
        ("iban", "gb_compact", gb),
        ("iban", "fr_spaces", group(fr, [4, 4, 4, 4, 4, 4, 3], " ")),
        ("iban", "dashes", group(de, [4, 4, 4, 4, 4, 2], "-")),
        ("iban", "lower_case", gb.lower()),
        ("iban", "checksum_fails", de[:-1] + str((int(de[-1]) + 1) % 10)),
        ("us_ssn", "dashes", ssn),
        ("us_ssn", "spaces", ssn.replace("-", " ")),
        ("us_ssn", "area_9xx", f"9{ssn[1:]}"),
        ("us_ssn", "zip_plus_4", f"{rng.randint(10000, 99999)}-{rng.randint(1000, 9999)}"),
        ("phone_number", "e164_uk", f"+44 20 7946 0{rng.randint(0, 999):03d}"),
        ("phone_number", "e164_us", f"+1 {npa} {line}"),
        ("phone_number", "nanp_parentheses", f"({npa}) {line}"),
        ("phone_number", "nanp_dashes", f"{npa}-{line}"),
        ("phone_number", "uk_national", f"020 7946 0{rng.randint(0, 999):03d}"),
        ("phone_number", "de_national", f"030 {rng.randint(2000000, 9999999)}"),
        ("phone_number", "fr_national", f"01 {nums(rng, 2)} {nums(rng, 2)} {nums(rng, 2)} {nums(rng, 2)}"),
        ("ip_address", "ipv4", ip4),
        ("ip_address", "ipv4_cidr", f"{octets[0]}.{octets[1]}.{octets[2]}.0/24"),
        ("ip_address", "ipv6_full", ip6),
        ("ip_address", "ipv6_compressed", f"2001:db8::{rng.randint(1, 0xffff):x}"),
        ("ip_address", "ipv6_zone", f"fe80::{rng.randint(1, 0xffff):x}%eth0"),
        ("ip_address", "ipv6_loopback", "::1"),
        ("ip_address", "ipv4_mapped", f"::ffff:{ip4}"),
        ("uk_nino", "spaced", f"{nino[:2]} {nino[2:4]} {nino[4:6]} {nino[6:8]} {nino[8]}"),
        ("uk_nino", "compact", nino),
        ("uk_nino", "lower_case", nino.lower()),
        ("es_dni", "dni", f"{dni}{spanish_letter(dni)}"),
        ("es_dni", "dni_dash", f"{dni}-{spanish_letter(dni)}"),
        ("es_dni", "nie", f"{nie_prefix}{nie:07d}{spanish_letter(nie_number)}"),
        ("es_dni", "nie_dashes", f"{nie_prefix}-{nie:07d}-{spanish_letter(nie_number)}"),
        ("es_dni", "dni_lower_letter", f"{dni}{spanish_letter(dni).lower()}"),
    ]
    return rng.choice(table)


def filler(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for index in range(args.count):
        text, planted = filler(rng, rng.randint(3, 12)), []
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            if rng.random() < 0.2:
                text += " " + rng.choice(DISTRACTORS)
            kind, variant, value = variants(rng)
            text += " " + rng.choice(["", "my ", "it is ", "use ", "("]) 
            start = len(text)
            text += value
            planted.append({"kind": kind, "variant": variant, "start": start, "end": len(text)})
            text += rng.choice(["", ".", ",", " ok", ")", " and", "!"]) + " " + filler(rng, rng.randint(2, 8))
        print(json.dumps({"id": index, "text": text, "planted": planted}, ensure_ascii=False))


if __name__ == "__main__":
    main()
