//! What every crate's fuzz tests share: the case budget, and strategies that
//! make hostile input — arbitrary JSON, text rich in the characters parsers
//! branch on, and mutations of valid samples (bytes flipped, inserted,
//! deleted, truncated; JSON nodes replaced or removed), which reach far deeper
//! into a parser than random bytes do.
//!
//! The budget is `FIREBREAK_FUZZ_CASES` cases per target (default
//! [`DEFAULT_CASES`], sized so that all fuzz tests together stay under a
//! minute in a debug build); `bench/fuzz/run.sh` raises it for a long run.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value};

/// Cases per target when `FIREBREAK_FUZZ_CASES` is not set.
pub const DEFAULT_CASES: u32 = 256;

/// Cases per target: `FIREBREAK_FUZZ_CASES`, or [`DEFAULT_CASES`].
pub fn cases() -> u32 {
    match std::env::var("FIREBREAK_FUZZ_CASES") {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            panic!("FIREBREAK_FUZZ_CASES must be a whole number, got `{text}`")
        }),
        Err(_) => DEFAULT_CASES,
    }
}

/// The proptest configuration of a target whose case costs about `weight`
/// cheap cases (a request through the router, a whole analysis): it runs
/// `cases() / weight` cases, at least one. Failures are not persisted to
/// files; each one found becomes a named regression test instead.
/// The count is printed as `fuzz cases: N` (shown with `--nocapture`, which
/// `bench/fuzz/run.sh` reads).
pub fn config(weight: u32) -> Config {
    let cases = (cases() / weight.max(1)).max(1);
    eprintln!("fuzz cases: {cases}");
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text mixing arbitrary Unicode with the characters text formats branch on:
/// quotes, separators, brackets, markup, escapes and odd whitespace.
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                3 => proptest::sample::select(SPECIAL.chars().collect::<Vec<_>>()),
                2 => proptest::char::range('a', 'z'),
                1 => any::<char>(),
            ],
            0..64,
        )
        .prop_map(|characters| characters.into_iter().collect()),
    ]
}

const SPECIAL: &str =
    "\"'`,;:=!<>()[]{}#*_-+.|\\/&%$@~^?\n\r\t \u{0}\u{85}\u{a0}\u{2028}\u{feff}é0123456789";

/// Any JSON value, nested a few levels deep.
pub fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((text(), inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a byte string, at a position taken modulo its length.
#[derive(Debug, Clone)]
pub enum ByteEdit {
    Flip { at: usize, mask: u8 },
    Insert { at: usize, bytes: Vec<u8> },
    Delete { at: usize, length: usize },
    Duplicate { at: usize, length: usize },
    Truncate { at: usize },
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| ByteEdit::Flip { at, mask }),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(at, bytes)| ByteEdit::Insert { at, bytes }),
        (any::<usize>(), 1..64usize).prop_map(|(at, length)| ByteEdit::Delete { at, length }),
        (any::<usize>(), 1..64usize).prop_map(|(at, length)| ByteEdit::Duplicate { at, length }),
        any::<usize>().prop_map(|at| ByteEdit::Truncate { at }),
    ]
}

/// Applies `edits` to `bytes` in order.
pub fn apply_byte_edits(bytes: &[u8], edits: &[ByteEdit]) -> Vec<u8> {
    let mut bytes = bytes.to_vec();
    for edit in edits {
        let position = |at: usize, slack: usize| at % (bytes.len() + slack).max(1);
        match edit {
            ByteEdit::Flip { at, mask } => {
                if !bytes.is_empty() {
                    let at = position(*at, 0);
                    bytes[at] ^= mask;
                }
            }
            ByteEdit::Insert {
                at,
                bytes: inserted,
            } => {
                let at = position(*at, 1);
                bytes.splice(at..at, inserted.iter().copied());
            }
            ByteEdit::Delete { at, length } => {
                let at = position(*at, 1);
                let end = (at + length).min(bytes.len());
                bytes.drain(at..end);
            }
            ByteEdit::Duplicate { at, length } => {
                let at = position(*at, 1);
                let end = (at + length).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(end..end, copy);
            }
            ByteEdit::Truncate { at } => {
                let at = position(*at, 1);
                bytes.truncate(at);
            }
        }
    }
    bytes
}

/// A few byte edits (1 to 4) of some sample.
pub fn byte_edits() -> impl Strategy<Value = Vec<ByteEdit>> {
    proptest::collection::vec(byte_edit(), 1..5)
}

/// `samples[i]` mutated by a few byte edits, with the index of the sample.
pub fn mutated_bytes(samples: Vec<Vec<u8>>) -> impl Strategy<Value = (usize, Vec<u8>)> {
    assert!(!samples.is_empty(), "mutations need a sample");
    (0..samples.len(), byte_edits())
        .prop_map(move |(index, edits)| (index, apply_byte_edits(&samples[index], &edits)))
}

/// One change to a JSON document, at the node reached by walking `path`
/// (each step taken modulo the number of children).
#[derive(Debug, Clone)]
pub enum JsonEdit {
    Replace { path: Vec<usize>, with: Value },
    Remove { path: Vec<usize> },
}

/// Applies `edit` to `document`; a path that ends on a leaf stops there.
pub fn apply_json_edit(document: &mut Value, edit: &JsonEdit) {
    let (path, replacement) = match edit {
        JsonEdit::Replace { path, with } => (path, Some(with)),
        JsonEdit::Remove { path } => (path, None),
    };
    let mut node = document;
    for (depth, step) in path.iter().enumerate() {
        let last = depth + 1 == path.len();
        let children = match node {
            Value::Array(items) => items.len(),
            Value::Object(entries) => entries.len(),
            _ => 0,
        };
        if children == 0 {
            break;
        }
        let index = step % children;
        if last && replacement.is_none() {
            match node {
                Value::Array(items) => {
                    items.remove(index);
                }
                Value::Object(entries) => {
                    let key = entries.keys().nth(index).cloned().expect("index in range");
                    entries.remove(&key);
                }
                _ => unreachable!("a node with children"),
            }
            return;
        }
        node = match node {
            Value::Array(items) => &mut items[index],
            Value::Object(entries) => entries.values_mut().nth(index).expect("index in range"),
            _ => unreachable!("a node with children"),
        };
    }
    if let Some(with) = replacement {
        *node = with.clone();
    }
}

fn json_edit() -> impl Strategy<Value = JsonEdit> {
    let path = proptest::collection::vec(any::<usize>(), 0..6);
    prop_oneof![
        3 => (path.clone(), json()).prop_map(|(path, with)| JsonEdit::Replace { path, with }),
        1 => path.prop_map(|path| JsonEdit::Remove { path }),
    ]
}

/// `samples[i]` with a few nodes replaced by arbitrary JSON or removed.
pub fn mutated_json(samples: Vec<Value>) -> impl Strategy<Value = Value> {
    assert!(!samples.is_empty(), "mutations need a sample");
    (
        0..samples.len(),
        proptest::collection::vec(json_edit(), 1..4),
    )
        .prop_map(move |(index, edits)| {
            let mut document = samples[index].clone();
            for edit in &edits {
                apply_json_edit(&mut document, edit);
            }
            document
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn byte_edits_apply_at_positions_modulo_the_length() {
        let edits = [
            ByteEdit::Flip { at: 5, mask: 0x20 },
            ByteEdit::Delete { at: 0, length: 1 },
            ByteEdit::Insert {
                at: 7,
                bytes: b"!".to_vec(),
            },
            ByteEdit::Duplicate { at: 0, length: 2 },
        ];
        assert_eq!(apply_byte_edits(b"abcdef", &edits), b"b!b!cdeF".to_vec());
        assert_eq!(
            apply_byte_edits(b"abc", &[ByteEdit::Truncate { at: 5 }]),
            b"a".to_vec()
        );
        assert_eq!(
            apply_byte_edits(b"", &[ByteEdit::Flip { at: 3, mask: 1 }]),
            b"".to_vec()
        );
    }

    #[test]
    fn json_edits_reach_nested_nodes() {
        let mut document = json!({"a": [1, {"b": 2}], "c": 3});
        apply_json_edit(
            &mut document,
            &JsonEdit::Replace {
                path: vec![0, 1, 0],
                with: json!("x"),
            },
        );
        assert_eq!(document, json!({"a": [1, {"b": "x"}], "c": 3}));
        apply_json_edit(&mut document, &JsonEdit::Remove { path: vec![1] });
        assert_eq!(document, json!({"a": [1, {"b": "x"}]}));
        apply_json_edit(
            &mut document,
            &JsonEdit::Replace {
                path: vec![],
                with: json!(null),
            },
        );
        assert_eq!(document, json!(null));
    }
}
