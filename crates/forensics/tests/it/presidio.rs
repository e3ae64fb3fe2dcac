//! PII parity with Presidio's pattern recognizers (issue #15, `bench/presidio/`): on a generated
//! corpus, the same entities at the same offsets for the entity types both support. Where the
//! two legitimately differ, each difference is traced to the planted variant that caused it and
//! must be one of [`KNOWN`], whose reasons docs/detectors.md gives; anything else fails.
//!
//! `committed_corpus_agrees` runs everywhere on the committed corpus and Presidio's committed
//! spans. `presidio_still_answers_the_same` runs Presidio itself (`FIREBREAK_PRESIDIO_PYTHON`, a
//! Python with `presidio-analyzer`, as `scripts/test` installs it) and checks that the committed
//! spans are what it answers today; skipped without it unless `FIREBREAK_REQUIRE_PRESIDIO=1`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use firebreak_forensics::detect::pii;

/// The differences the docs explain: entity, which side alone reports it, and the planted
/// variant or the kind of difference ([`label`]).
const KNOWN: &[(&str, Side, &str)] = &[
    // Presidio validates the domain against the public suffix list.
    ("email", Side::Firebreak, "unknown_tld"),
    // Presidio takes any Luhn-valid 13 to 17 digits and misses Mastercard's 2-series.
    ("payment_card", Side::Presidio, "visa_14_digits"),
    ("payment_card", Side::Presidio, "mixed_separators"),
    ("payment_card", Side::Firebreak, "mastercard_2_series"),
    // Presidio reads a card right after another number (`ticket #4411 3713 ...`) as one run
    // of digits, which fails the Luhn check, and misses the card; Luhn-valid runs inside IBANs
    // and other numbers.
    ("payment_card", Side::Firebreak, "amex"),
    ("payment_card", Side::Firebreak, "visa_dashes"),
    ("payment_card", Side::Presidio, INSIDE_OTHER),
    ("payment_card", Side::Firebreak, INSIDE_OTHER),
    // Dashes are not the IBAN's print format (ISO 13616: groups of four, spaces).
    ("iban", Side::Presidio, "dashes"),
    // Presidio takes spaces or dots, 5-4 (a ZIP+4 code) and areas 9xx (never SSNs).
    ("us_ssn", Side::Presidio, "spaces"),
    ("us_ssn", Side::Presidio, "zip_plus_4"),
    ("us_ssn", Side::Presidio, "area_9xx"),
    // Presidio (python-phonenumbers) knows national plans of eight regions, and finds numbers
    // in the digits of cards, IP addresses, SSNs; its span takes an unclosed `(` before the
    // number or a digit of the word before; after another number it finds none.
    ("phone_number", Side::Presidio, "de_national"),
    ("phone_number", Side::Presidio, "fr_national"),
    ("phone_number", Side::Presidio, INSIDE_OTHER),
    ("phone_number", Side::Presidio, OFFSETS),
    ("phone_number", Side::Firebreak, OFFSETS),
    ("phone_number", Side::Firebreak, "uk_national"),
    // Presidio's span takes a CIDR prefix length, and `::ffff:` before an IPv4 address;
    // Firebreak's is the IPv4 address.
    ("ip_address", Side::Presidio, OFFSETS),
    ("ip_address", Side::Firebreak, OFFSETS),
    // Firebreak wants two groups written out; `::1` is the loopback address.
    ("ip_address", Side::Presidio, "ipv6_loopback"),
    // Presidio allows a dash only before the letter: it reports the DNI-shaped tail of
    // `X-1234567-L` when that happens to check, or nothing.
    ("es_dni", Side::Firebreak, "nie_dashes"),
    ("es_dni", Side::Firebreak, OFFSETS),
    ("es_dni", Side::Presidio, OFFSETS),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Firebreak,
    Presidio,
}

type Span = (u64, String, usize, usize);

struct Planted {
    kind: String,
    variant: String,
    start: usize,
    end: usize,
}

fn fixtures() -> PathBuf {
    crate::fixture("presidio")
}

fn read_corpus(path: &Path) -> Vec<(u64, String, Vec<Planted>)> {
    let text = std::fs::read_to_string(path).expect("the corpus");
    text.lines()
        .map(|line| {
            let item: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            let planted = item["planted"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Planted {
                    kind: p["kind"].as_str().unwrap().to_string(),
                    variant: p["variant"].as_str().unwrap().to_string(),
                    start: p["start"].as_u64().unwrap() as usize,
                    end: p["end"].as_u64().unwrap() as usize,
                })
                .collect();
            let id = item["id"].as_u64().unwrap();
            (id, item["text"].as_str().unwrap().to_string(), planted)
        })
        .collect()
}

fn read_spans(text: &str) -> BTreeSet<Span> {
    text.lines()
        .map(|line| {
            let span: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            (
                span["id"].as_u64().unwrap(),
                span["entity"].as_str().unwrap().to_string(),
                span["start"].as_u64().unwrap() as usize,
                span["end"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

/// Firebreak's spans in characters, as Presidio counts.
fn firebreak_spans(corpus: &[(u64, String, Vec<Planted>)]) -> BTreeSet<Span> {
    let detector = pii::detector();
    let mut spans = BTreeSet::new();
    for (id, text, _) in corpus {
        for found in detector.find(text) {
            let (start, end) = found.char_span(text);
            spans.insert((*id, found.entity.to_string(), start, end));
        }
    }
    spans
}

fn overlaps(a: &Span, b: &Span) -> bool {
    a.0 == b.0 && a.1 == b.1 && a.2 < b.3 && b.2 < a.3
}

/// Why a span only one side reports differs: [`OFFSETS`] when the other side reports the same
/// entity over part of it, [`INSIDE_OTHER`] when it falls in a value of another kind, or the
/// variant of the value it falls in (`unplanted` when none).
fn label<'c>(planted: &'c [Planted], span: &Span, other: &BTreeSet<Span>) -> &'c str {
    let Some(value) = planted.iter().find(|p| p.start < span.3 && span.2 < p.end) else {
        return "unplanted";
    };
    if value.kind != span.1 {
        INSIDE_OTHER
    } else if other.iter().any(|theirs| overlaps(theirs, span)) {
        OFFSETS
    } else {
        value.variant.as_str()
    }
}

/// Both report the entity, over different characters.
const OFFSETS: &str = "offsets";
/// Reported inside a value of another kind (the digits of a card or an IP address).
const INSIDE_OTHER: &str = "inside another entity";

/// Per entity, the spans both report and those only one side does; fails on a difference
/// [`KNOWN`] does not explain.
fn compare(corpus: &[(u64, String, Vec<Planted>)], presidio: &BTreeSet<Span>) -> String {
    let firebreak = firebreak_spans(corpus);
    let by_id: BTreeMap<u64, &[Planted]> = corpus
        .iter()
        .map(|(id, _, planted)| (*id, planted.as_slice()))
        .collect();
    // entity → [both, only Firebreak, only Presidio]
    let mut table: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let mut differences: BTreeMap<(String, Side, String), usize> = BTreeMap::new();
    for span in firebreak.union(presidio) {
        let row = table.entry(span.1.clone()).or_default();
        let (side, other) = match (firebreak.contains(span), presidio.contains(span)) {
            (true, true) => {
                row[0] += 1;
                continue;
            }
            (true, false) => {
                row[1] += 1;
                (Side::Firebreak, presidio)
            }
            _ => {
                row[2] += 1;
                (Side::Presidio, &firebreak)
            }
        };
        let variant = label(by_id[&span.0], span, other).to_string();
        *differences
            .entry((span.1.clone(), side, variant))
            .or_default() += 1;
    }
    let mut report =
        String::from("| entity | both | only Firebreak | only Presidio |\n|---|---:|---:|---:|\n");
    for (entity, [both, only_firebreak, only_presidio]) in &table {
        report.push_str(&format!(
            "| {entity} | {both} | {only_firebreak} | {only_presidio} |\n"
        ));
    }
    report.push_str("\n| entity | only | variant | spans |\n|---|---|---|---:|\n");
    for ((entity, side, variant), count) in &differences {
        report.push_str(&format!("| {entity} | {side:?} | {variant} | {count} |\n"));
    }
    let unexplained: Vec<_> = differences
        .keys()
        .filter(|(entity, side, variant)| {
            !KNOWN.contains(&(entity.as_str(), *side, variant.as_str()))
        })
        .collect();
    assert!(
        unexplained.is_empty(),
        "differences docs/detectors.md does not explain: {unexplained:?}\n{report}"
    );
    let planted_kinds: BTreeSet<&str> = corpus
        .iter()
        .flat_map(|(_, _, planted)| planted.iter().map(|p| p.kind.as_str()))
        .collect();
    for kind in planted_kinds {
        assert!(
            table.get(kind).is_some_and(|row| row[0] > 0),
            "no {kind} found by both: the parity would be vacuous\n{report}"
        );
    }
    report
}

#[test]
fn committed_corpus_agrees() {
    let corpus = read_corpus(&fixtures().join("corpus.jsonl"));
    let presidio = read_spans(
        &std::fs::read_to_string(fixtures().join("presidio.jsonl")).expect("Presidio's spans"),
    );
    println!("{}", compare(&corpus, &presidio));
}

/// The Python with Presidio, or `None` (skipped) when none is named and none is required.
fn presidio_python() -> Option<String> {
    let required = std::env::var("FIREBREAK_REQUIRE_PRESIDIO").is_ok_and(|v| v == "1");
    let python = std::env::var("FIREBREAK_PRESIDIO_PYTHON")
        .ok()
        .filter(|python| {
            Command::new(python)
                .args(["-c", "import presidio_analyzer"])
                .status()
                .is_ok_and(|status| status.success())
        });
    if python.is_none() {
        assert!(
            !required,
            "FIREBREAK_REQUIRE_PRESIDIO=1 but FIREBREAK_PRESIDIO_PYTHON names no Python with presidio-analyzer: run scripts/test, which installs it"
        );
        eprintln!("skipped: FIREBREAK_PRESIDIO_PYTHON names no Python with presidio-analyzer");
    }
    python
}

#[test]
fn presidio_still_answers_the_same() {
    let Some(python) = presidio_python() else {
        return;
    };
    let bench = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../bench/presidio");
    let run = |program: &str, args: &[&Path]| {
        let output = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|error| panic!("{program}: {error}"));
        assert!(
            output.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let corpus = run(&python, &[&bench.join("make_corpus.py")]);
    let committed = std::fs::read_to_string(fixtures().join("corpus.jsonl")).unwrap();
    assert!(
        corpus == committed,
        "make_corpus.py no longer writes the committed corpus"
    );
    let spans = run(
        &python,
        &[
            &bench.join("presidio_spans.py"),
            &fixtures().join("corpus.jsonl"),
        ],
    );
    let committed = std::fs::read_to_string(fixtures().join("presidio.jsonl")).unwrap();
    assert!(
        spans == committed,
        "Presidio answers differently from its committed spans: rerun bench/presidio/run.sh"
    );
}
