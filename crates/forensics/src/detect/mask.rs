//! Masking: every span a detector finds replaced by its entity in brackets
//! (`[EMAIL]`, `[PAYMENT_CARD]`), the one transformation a text goes
//! through before a sample of conversations leaves the evidence vault.

use super::Detector;

/// `text` with each span any of `detectors` finds replaced by `[ENTITY]`;
/// where spans overlap, the one starting first (the longer on a tie) wins.
pub fn mask(text: &str, detectors: &[Detector]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = detectors
        .iter()
        .flat_map(|detector| detector.find(text))
        .map(|found| (found.start, found.end, found.entity))
        .collect();
    if spans.is_empty() {
        return text.to_string();
    }
    spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, entity) in spans {
        if start < at {
            continue;
        }
        masked.push_str(&text[at..start]);
        masked.push('[');
        masked.push_str(&entity.to_uppercase());
        masked.push(']');
        at = end;
    }
    masked.push_str(&text[at..]);
    masked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{pii, secrets};

    #[test]
    fn each_found_span_becomes_its_entity_and_the_rest_stays() {
        let detectors = [pii::detector(), secrets::detector()];
        let text = "Write to jane.doe@example.com or call, card 4111 1111 1111 1111 — thanks";
        let masked = mask(text, &detectors);
        assert!(masked.contains("Write to [EMAIL] or call"), "{masked}");
        assert!(masked.contains("card [PAYMENT_CARD] — thanks"), "{masked}");
        assert!(
            !masked.contains("example.com") && !masked.contains("4111"),
            "{masked}"
        );
        assert_eq!(mask("nothing here", &detectors), "nothing here");
    }
}
