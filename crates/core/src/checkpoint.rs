//! Signed checkpoints over the whole event log.
//!
//! A hash chain alone cannot show that its newest events were cut off. A
//! checkpoint signs the size of the global event log and the Merkle root over
//! it (`merkle`), with the server's ed25519 key; verification then refuses a
//! log shorter than a checkpoint says, or one whose first events no longer
//! hash to the signed root. Checkpoints are chained too, so removing one from
//! the middle shows, and witnesses outside the operator's control keep copies
//! so that removing the newest shows as well. Checkpoints written before the
//! Merkle log (`heads`) still verify as they did.
//!
//! The key may live behind a [`SignatureProvider`] (a KMS or HSM hook), so
//! the secret never has to sit beside the data it vouches for. A new key is
//! introduced by a checkpoint that carries the old key's endorsement
//! ([`KeyRotation`]), and verification follows the rotation.

use crate::canonical::canonical_json;
use crate::timeline::{GENESIS, hex, sha256_hex};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A stream's head, as the first checkpoints listed them one by one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChainHead {
    pub stream: String,
    pub seq: u64,
    pub hash: String,
}

/// The global event log at the moment of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogHead {
    /// How many events the log held: positions 1 to `size`.
    pub size: u64,
    /// RFC 6962 Merkle root over those events' leaves, hex.
    pub root: String,
}

/// The old key's endorsement of the key that signs this checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyRotation {
    /// The ed25519 public key (hex) that signed the checkpoints before.
    pub previous_public_key: String,
    /// Its signature (hex) over the rotation message naming the new fingerprint.
    pub endorsement: String,
}

/// What a checkpoint vouches for; the signature covers its canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CheckpointBody {
    /// Position among checkpoints, from 1.
    pub number: u64,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Why it was written, e.g. "status change INC-4" or "on demand".
    pub reason: String,
    /// Every stream's head: only in checkpoints written before the Merkle log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heads: Option<Vec<ChainHead>>,
    /// The event log this checkpoint commits to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogHead>,
    /// Present on the first checkpoint of a new signing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotation: Option<KeyRotation>,
    /// Hash of the previous checkpoint's body, or the genesis value.
    pub prev_hash: String,
    /// Fingerprint of the signing key (D18).
    pub signer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Checkpoint {
    pub body: CheckpointBody,
    /// The ed25519 public key, hex.
    pub public_key: String,
    /// The ed25519 signature over the body, hex.
    pub signature: String,
}

impl CheckpointBody {
    fn signed_bytes(&self) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("checkpoint bodies serialize");
        format!("firebreak-checkpoint-v1\n{}", canonical_json(&value)).into_bytes()
    }

    pub fn hash(&self) -> String {
        sha256_hex(&self.signed_bytes())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signing key could not sign: {0}")]
pub struct SignError(pub String);

/// Whatever holds the private key: the key itself, or a hook to a KMS or HSM
/// that signs on request and never hands the key out.
pub trait SignatureProvider: Send + Sync {
    fn public_key(&self) -> [u8; 32];
    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError>;
}

struct LocalKey(SigningKey);

impl SignatureProvider for LocalKey {
    fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        Ok(self.0.sign(message).to_bytes())
    }
}

/// The server's signing identity.
pub struct CheckpointSigner {
    provider: Box<dyn SignatureProvider>,
    public_key: [u8; 32],
}

/// What the old key signs to hand over to the key named by `fingerprint`.
pub fn rotation_message(fingerprint: &str) -> Vec<u8> {
    format!("firebreak-key-rotation-v1\n{fingerprint}").into_bytes()
}

impl CheckpointSigner {
    /// `secret` must come from a cryptographically secure source.
    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self::from_provider(Box::new(LocalKey(SigningKey::from_bytes(&secret))))
    }

    pub fn from_provider(provider: Box<dyn SignatureProvider>) -> Self {
        let public_key = provider.public_key();
        Self {
            provider,
            public_key,
        }
    }

    pub fn public_key_hex(&self) -> String {
        hex(&self.public_key)
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_key)
    }

    /// Signs `message`, and checks the signature: a provider that answers
    /// with anything but a valid signature is refused, not trusted.
    fn sign_bytes(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let signature = self.provider.sign(message)?;
        let key = VerifyingKey::from_bytes(&self.public_key)
            .map_err(|_| SignError("the provider's public key is not an ed25519 key".into()))?;
        key.verify(message, &Signature::from_bytes(&signature))
            .map_err(|_| {
                SignError("the provider's signature does not verify with its public key".into())
            })?;
        Ok(signature)
    }

    /// Signs the next checkpoint after `previous`, over `log`.
    pub fn sign(
        &self,
        previous: Option<&Checkpoint>,
        log: LogHead,
        reason: &str,
        now: Timestamp,
    ) -> Result<Checkpoint, SignError> {
        self.sign_body(CheckpointBody {
            number: previous.map_or(1, |p| p.body.number + 1),
            created_at: now,
            reason: reason.to_string(),
            heads: None,
            log: Some(log),
            rotation: None,
            prev_hash: previous.map_or_else(|| GENESIS.to_string(), |p| p.body.hash()),
            signer: self.fingerprint(),
        })
    }

    /// Signs a checkpoint's body as it is.
    pub fn sign_body(&self, body: CheckpointBody) -> Result<Checkpoint, SignError> {
        let signature = self.sign_bytes(&body.signed_bytes())?;
        Ok(Checkpoint {
            body,
            public_key: self.public_key_hex(),
            signature: hex(&signature),
        })
    }

    /// This key's endorsement of the key named by `new_fingerprint`.
    pub fn endorse(&self, new_fingerprint: &str) -> Result<KeyRotation, SignError> {
        Ok(KeyRotation {
            previous_public_key: self.public_key_hex(),
            endorsement: hex(&self.sign_bytes(&rotation_message(new_fingerprint))?),
        })
    }

    /// A detached signature (hex) over `bytes`, e.g. a bundle manifest.
    /// `domain` keeps a signature made for one purpose from passing for another.
    pub fn sign_detached(&self, domain: &str, bytes: &[u8]) -> Result<String, SignError> {
        Ok(hex(&self.sign_bytes(&domain_separated(domain, bytes))?))
    }
}

fn domain_separated(domain: &str, bytes: &[u8]) -> Vec<u8> {
    let mut message = format!("{domain}\n").into_bytes();
    message.extend_from_slice(bytes);
    message
}

/// Checks that `rotation` is the previous key's endorsement of `new_signer`,
/// and names the previous key's fingerprint.
pub fn verify_rotation(rotation: &KeyRotation, new_signer: &str) -> Result<String, String> {
    let key = parse_key(&rotation.previous_public_key)?;
    let signature = parse_signature(&rotation.endorsement)?;
    key.verify(&rotation_message(new_signer), &signature)
        .map_err(|_| "the previous key's endorsement does not verify".to_string())?;
    Ok(fingerprint(key.as_bytes()))
}

fn parse_key(public_key_hex: &str) -> Result<VerifyingKey, String> {
    let key_bytes: [u8; 32] = parse_hex(public_key_hex)
        .and_then(|b| b.try_into().ok())
        .ok_or("the public key is not 32 bytes of hex")?;
    VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| "the public key is not a valid ed25519 key".into())
}

fn parse_signature(signature_hex: &str) -> Result<Signature, String> {
    let signature: [u8; 64] = parse_hex(signature_hex.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature is not 64 bytes of hex")?;
    Ok(Signature::from_bytes(&signature))
}

/// Checks a [`CheckpointSigner::sign_detached`] signature.
pub fn verify_detached(
    public_key_hex: &str,
    domain: &str,
    bytes: &[u8],
    signature_hex: &str,
) -> Result<(), String> {
    parse_key(public_key_hex)?
        .verify(
            &domain_separated(domain, bytes),
            &parse_signature(signature_hex)?,
        )
        .map_err(|_| "the signature does not match the content".to_string())
}

/// SHA-256 of the raw public key, hex: how a key is named and pinned.
pub fn fingerprint(public_key: &[u8]) -> String {
    sha256_hex(public_key)
}

pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Checks a checkpoint's signature against the key it names, and that the key
/// matches its declared fingerprint.
pub fn verify_signature(checkpoint: &Checkpoint) -> Result<(), String> {
    let key_bytes: [u8; 32] = parse_hex(&checkpoint.public_key)
        .and_then(|b| b.try_into().ok())
        .ok_or("its public key is not 32 bytes of hex")?;
    if fingerprint(&key_bytes) != checkpoint.body.signer {
        return Err("its public key does not match its signer fingerprint".into());
    }
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| "its public key is not a valid ed25519 key")?;
    let signature: [u8; 64] = parse_hex(&checkpoint.signature)
        .and_then(|b| b.try_into().ok())
        .ok_or("its signature is not 64 bytes of hex")?;
    key.verify(
        &checkpoint.body.signed_bytes(),
        &Signature::from_bytes(&signature),
    )
    .map_err(|_| "its signature does not match its content".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> CheckpointSigner {
        CheckpointSigner::from_secret([7; 32])
    }

    fn log() -> LogHead {
        LogHead {
            size: 3,
            root: "ab".into(),
        }
    }

    fn at() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_an_edited_one_does_not() {
        let checkpoint = signer().sign(None, log(), "on demand", at()).unwrap();
        assert_eq!(verify_signature(&checkpoint), Ok(()));
        let mut forged = checkpoint.clone();
        forged.body.log.as_mut().unwrap().size = 2;
        assert_eq!(
            verify_signature(&forged),
            Err("its signature does not match its content".into())
        );
    }

    #[test]
    fn checkpoints_chain_to_each_other() {
        let first = signer().sign(None, log(), "a", at()).unwrap();
        let second = signer().sign(Some(&first), log(), "b", at()).unwrap();
        assert_eq!(second.body.number, 2);
        assert_eq!(second.body.prev_hash, first.body.hash());
    }

    #[test]
    fn a_key_signed_by_another_signer_is_caught_by_fingerprint() {
        let mut checkpoint = signer().sign(None, log(), "a", at()).unwrap();
        checkpoint.public_key = CheckpointSigner::from_secret([8; 32]).public_key_hex();
        assert_eq!(
            verify_signature(&checkpoint),
            Err("its public key does not match its signer fingerprint".into())
        );
    }

    #[test]
    fn a_legacy_body_signs_the_same_bytes_it_always_did() {
        let legacy = r#"{"number":1,"created_at":"2026-01-01T00:00:00Z","reason":"a","heads":[],"prev_hash":"00","signer":"ff"}"#;
        let body: CheckpointBody = serde_json::from_str(legacy).unwrap();
        assert_eq!(body.heads, Some(Vec::new()));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::from_str::<serde_json::Value>(legacy).unwrap()
        );
    }

    #[test]
    fn a_rotation_verifies_only_for_the_endorsed_key() {
        let old = signer();
        let new = CheckpointSigner::from_secret([9; 32]);
        let rotation = old.endorse(&new.fingerprint()).unwrap();
        assert_eq!(
            verify_rotation(&rotation, &new.fingerprint()),
            Ok(old.fingerprint())
        );
        let stranger = CheckpointSigner::from_secret([10; 32]);
        assert!(verify_rotation(&rotation, &stranger.fingerprint()).is_err());
    }

    struct Lying;
    impl SignatureProvider for Lying {
        fn public_key(&self) -> [u8; 32] {
            signer().public_key
        }
        fn sign(&self, _: &[u8]) -> Result<[u8; 64], SignError> {
            Ok([0; 64])
        }
    }

    #[test]
    fn a_provider_that_answers_a_bad_signature_is_refused() {
        let lying = CheckpointSigner::from_provider(Box::new(Lying));
        assert!(lying.sign(None, log(), "a", at()).is_err());
    }
}
