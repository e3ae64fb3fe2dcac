//! Credentials pasted into prompts or echoed by a model: the documented shapes of common
//! providers' keys, and high-entropy values assigned to a key-like name (`api_key = ...`).

use super::{Detector, PatternSpec, whole};

/// Raised whenever a pattern or a validation changes what is found.
pub const VERSION: u32 = 2;

const B: &str = r"(?-u:\b)";

/// Below this many bits per character a value reads as words, not as a random key.
const MIN_ENTROPY: f64 = 3.5;

/// The secrets detector.
pub fn detector() -> Detector {
    let spec = |entity: &str, regex: String, validate: super::Validate| PatternSpec {
        entity: entity.to_string(),
        regex,
        case_insensitive: false,
        validate,
    };
    let mut specs = vec![
        spec(
            "aws_access_key_id",
            format!("{B}(?:AKIA|ASIA)[0-9A-Z]{{16}}{B}"),
            whole,
        ),
        spec(
            "github_token",
            format!("{B}(?:gh[pousr]_[A-Za-z0-9]{{36}}|github_pat_[A-Za-z0-9_]{{82}}){B}"),
            whole,
        ),
        spec(
            "slack_token",
            format!("{B}xox[bpoas]-[0-9A-Za-z-]{{10,250}}"),
            whole,
        ),
        spec(
            "stripe_secret_key",
            format!("{B}(?:sk|rk)_live_[0-9A-Za-z]{{24,247}}{B}"),
            whole,
        ),
        spec(
            "openai_api_key",
            format!("{B}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{{32,200}}"),
            random_looking,
        ),
    ];
    specs.push(PatternSpec {
        entity: "generic_secret".to_string(),
        regex: format!(
            r#"{B}(?:api[_-]?key|api[_-]?secret|secret[_-]?key|client[_-]?secret|access[_-]?token|auth[_-]?token|password|passwd|token)["']?\s*[:=]\s*["']?[A-Za-z0-9_\-+/=.]{{16,200}}"#
        ),
        case_insensitive: true,
        validate: assigned_value,
    });
    Detector::new("secrets", VERSION, specs).expect("the secret patterns compile")
}

/// Shannon entropy in bits per byte.
fn entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for byte in text.bytes() {
        counts[usize::from(byte)] += 1;
    }
    let length = text.len() as f64;
    counts
        .iter()
        .filter(|count| **count > 0)
        .map(|count| {
            let share = f64::from(*count) / length;
            -share * share.log2()
        })
        .sum()
}

/// Letters and digits mixed at high entropy: `sk-...` also starts ordinary hyphenated words.
fn random_looking(found: &str) -> Option<(usize, usize)> {
    let has_digit = found.bytes().any(|b| b.is_ascii_digit());
    let has_letter = found.bytes().any(|b| b.is_ascii_alphabetic());
    (has_digit && has_letter && entropy(found) >= MIN_ENTROPY).then_some((0, found.len()))
}

/// Only the value of `name = value` is the secret, and only if it looks random.
fn assigned_value(found: &str) -> Option<(usize, usize)> {
    let separator = found.find([':', '='])?;
    let start = separator
        + 1
        + found[separator + 1..].find(|c: char| !c.is_whitespace() && c != '"' && c != '\'')?;
    let (value_start, value_end) = random_looking(&found[start..])?;
    Some((start + value_start, start + value_end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn found(text: &str) -> Vec<(&'static str, &str)> {
        static DETECTOR: OnceLock<Detector> = OnceLock::new();
        DETECTOR
            .get_or_init(detector)
            .find(text)
            .map(|m| (m.entity, &text[m.start..m.end]))
            .collect()
    }

    #[test]
    fn provider_key_shapes() {
        // AWS's and GitHub's documented example values, and made-up keys of the other shapes.
        let keys = [
            ("aws_access_key_id", "AKIAIOSFODNN7EXAMPLE"),
            ("github_token", "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"),
            (
                "slack_token",
                "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
            ),
            ("stripe_secret_key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
            ("openai_api_key", "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"),
        ];
        for (entity, key) in keys {
            assert_eq!(found(&format!("use {key} now")), [(entity, key)], "{key}");
        }
        assert!(found("AKIAIOSFODNN7EXAMPL").is_empty());
        assert!(found("ask-the-team-about-the-very-long-release-plan").is_empty());
    }

    #[test]
    fn high_entropy_values_of_key_like_names() {
        assert_eq!(
            found(r#"config: {"api_key": "9f8e7d6c5b4a39281706f5e4d3c2b1a0"}"#),
            [("generic_secret", "9f8e7d6c5b4a39281706f5e4d3c2b1a0")]
        );
        assert_eq!(
            found("PASSWORD=Tr0ub4dor3xK9mQ2vL8wZ"),
            [("generic_secret", "Tr0ub4dor3xK9mQ2vL8wZ")]
        );
        assert!(found("password = aaaaaaaaaaaaaaaaaaaa1").is_empty());
        assert!(found("the token: is-not-a-secret-at-all").is_empty());
    }
}
