//! The acknowledgement link in a page message: a token naming the incident,
//! the paged user, the step and an expiry, signed with the server's ed25519
//! key ([`CheckpointSigner::sign_detached`], its own domain), so that
//! whoever holds the link can take that page as that user and nobody can
//! make one. The signing key may live in a KMS (a signing command), which
//! an HMAC could not use; a signature is checked with the public key alone.
//!
//! A link is used once: it acknowledges the incident, and an incident is
//! acknowledged once ([`super::acknowledge`] refuses a second time), so a
//! used link is refused afterwards. Token form, all URL-safe (user names are
//! letters, digits, `-`, `_`, `.`):
//! `<incident>.<round>.<level>.<expires, Unix seconds>.<user>.<signature hex>`.

use super::Notification;
use super::escalation::StepKey;
use crate::checkpoint::{CheckpointSigner, SignError, verify_detached};
use jiff::{SignedDuration, Timestamp};

/// Keeps an acknowledgement link from passing for any other signature.
const DOMAIN: &str = "firebreak acknowledgement link v1";
/// How long a link works after its message was due.
pub const ACK_LINK_VALIDITY: SignedDuration = SignedDuration::from_hours(24);

/// What an acknowledgement link grants: `user` may take the page of
/// incident `incident` (sent by step `step`) until `expires`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckClaim {
    pub incident: u64,
    pub user: String,
    pub step: StepKey,
    pub expires: Timestamp,
}

/// Why a link does not acknowledge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AckLinkError {
    #[error("this is not an acknowledgement link: {0}")]
    Malformed(&'static str),
    #[error("this link was not signed by this server")]
    Forged,
    #[error("this link expired at {0}")]
    Expired(Timestamp),
}

impl AckClaim {
    /// The claim of the link in `notification`, a message of step `step`
    /// of incident `incident`: valid for [`ACK_LINK_VALIDITY`] after the
    /// message was due, the same on every delivery attempt.
    pub fn for_notification(incident: u64, step: StepKey, notification: &Notification) -> Self {
        AckClaim {
            incident,
            user: notification.user.clone(),
            step,
            expires: notification
                .due
                .checked_add(ACK_LINK_VALIDITY)
                .unwrap_or(Timestamp::MAX),
        }
    }

    fn signed_part(&self) -> String {
        format!(
            "{}.{}.{}.{}.{}",
            self.incident,
            self.step.round,
            self.step.level,
            self.expires.as_second(),
            self.user
        )
    }

    /// The token: the claim and its signature by `signer`.
    pub fn token(&self, signer: &CheckpointSigner) -> Result<String, SignError> {
        let signed = self.signed_part();
        let signature = signer.sign_detached(DOMAIN, signed.as_bytes())?;
        Ok(format!("{signed}.{signature}"))
    }

    /// Reads `token` and checks its signature against `public_key_hex` and
    /// its expiry against `now`.
    pub fn verify(token: &str, public_key_hex: &str, now: Timestamp) -> Result<Self, AckLinkError> {
        let (signed, signature) = token
            .rsplit_once('.')
            .ok_or(AckLinkError::Malformed("no signature"))?;
        let mut parts = signed.splitn(5, '.');
        let mut number = |what: &'static str| {
            parts
                .next()
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u64>().ok())
                .ok_or(AckLinkError::Malformed(what))
        };
        let incident = number("no incident number")?;
        let round =
            u32::try_from(number("no round")?).map_err(|_| AckLinkError::Malformed("no round"))?;
        let level = usize::try_from(number("no level")?)
            .map_err(|_| AckLinkError::Malformed("no level"))?;
        let expires = i64::try_from(number("no expiry")?)
            .ok()
            .and_then(|s| Timestamp::from_second(s).ok())
            .ok_or(AckLinkError::Malformed("no expiry"))?;
        let user = parts
            .next()
            .filter(|u| crate::auth::validate_username(u).is_ok())
            .ok_or(AckLinkError::Malformed("no user"))?;
        let claim = AckClaim {
            incident,
            user: user.to_string(),
            step: StepKey { round, level },
            expires,
        };
        // Checked over the claim as read back, so that only the one spelling
        // the server signed passes (no leading zeros, no sign).
        if claim.signed_part() != signed {
            return Err(AckLinkError::Malformed("not in canonical form"));
        }
        verify_detached(public_key_hex, DOMAIN, signed.as_bytes(), signature)
            .map_err(|_| AckLinkError::Forged)?;
        if now >= claim.expires {
            return Err(AckLinkError::Expired(claim.expires));
        }
        Ok(claim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn claim() -> AckClaim {
        AckClaim {
            incident: 7,
            user: "alice.b".into(),
            step: StepKey { round: 0, level: 1 },
            expires: at("2026-03-02T10:00:00Z"),
        }
    }

    fn signer(seed: u8) -> CheckpointSigner {
        CheckpointSigner::from_secret([seed; 32])
    }

    #[test]
    fn a_signed_link_reads_back_until_it_expires() {
        let key = signer(1);
        let token = claim().token(&key).unwrap();
        assert!(token.starts_with("7.0.1.1772445600.alice.b."), "{token}");
        let now = at("2026-03-02T09:59:59Z");
        assert_eq!(
            AckClaim::verify(&token, &key.public_key_hex(), now),
            Ok(claim())
        );
        let later = at("2026-03-02T10:00:00Z");
        assert_eq!(
            AckClaim::verify(&token, &key.public_key_hex(), later),
            Err(AckLinkError::Expired(claim().expires))
        );
    }

    #[test]
    fn another_key_or_an_edited_claim_is_forged() {
        let token = claim().token(&signer(1)).unwrap();
        let now = at("2026-03-01T10:00:00Z");
        let other = signer(2).public_key_hex();
        assert_eq!(
            AckClaim::verify(&token, &other, now),
            Err(AckLinkError::Forged)
        );
        let key = signer(1).public_key_hex();
        let edited = token.replacen("7.0.1.", "8.0.1.", 1);
        assert_eq!(
            AckClaim::verify(&edited, &key, now),
            Err(AckLinkError::Forged)
        );
        let later = token.replacen("1772445600", "1772445601", 1);
        assert_eq!(
            AckClaim::verify(&later, &key, now),
            Err(AckLinkError::Forged)
        );
    }

    #[test]
    fn garbage_is_malformed_never_a_panic() {
        let key = signer(1).public_key_hex();
        let now = at("2026-03-01T10:00:00Z");
        let token = claim().token(&signer(1)).unwrap();
        let padded = token.replacen("7.", "07.", 1);
        for bad in [
            "",
            ".",
            "x",
            "1.2.3",
            "1.2.3.4.alice",
            "a.b.c.d.e.f",
            "1.0.0.99999999999999999999.u.ff",
            "1.0.0.5.bad/user.ff",
            &padded,
        ] {
            assert!(
                matches!(
                    AckClaim::verify(bad, &key, now),
                    Err(AckLinkError::Malformed(_))
                ),
                "{bad:?}"
            );
        }
    }
}
