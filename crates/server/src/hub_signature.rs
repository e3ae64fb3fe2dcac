//! The WebSub signature GitHub (`X-Hub-Signature-256`) and Jira's admin
//! webhooks (`X-Hub-Signature`) put on their calls: `sha256=<hex>`, the
//! HMAC-SHA256 of the raw body under the shared secret, compared in
//! constant time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Whether `given` (the header's value) signs `body` under `secret`.
pub fn valid(given: Option<&str>, secret: &str, body: &[u8]) -> bool {
    let Some(given) = given
        .and_then(|v| v.strip_prefix("sha256="))
        .and_then(decode_hex)
    else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_secrets_signature_of_this_body_passes() {
        // GitHub's documented example: secret "It's a Secret to Everybody",
        // body "Hello, World!".
        let signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(valid(
            Some(signature),
            "It's a Secret to Everybody",
            b"Hello, World!"
        ));
        assert!(!valid(Some(signature), "another secret", b"Hello, World!"));
        assert!(!valid(
            Some(signature),
            "It's a Secret to Everybody",
            b"Hello"
        ));
        assert!(!valid(None, "It's a Secret to Everybody", b"Hello, World!"));
        assert!(!valid(Some("sha256=zz"), "s", b""));
        assert!(!valid(Some("sha1=00"), "s", b""));
    }
}
