//! Signed checkpoints over all chain heads.
//!
//! A hash chain alone cannot show that its newest events were cut off. A
//! checkpoint records every stream's head (length and hash) at a moment and is
//! signed with the server's ed25519 key; verification then refuses a stream that
//! is shorter than a checkpoint says, or whose event at that position differs.
//! Checkpoints are chained too, so removing one from the middle shows.

use crate::canonical::canonical_json;
use crate::timeline::{GENESIS, hex, sha256_hex};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChainHead {
    pub stream: String,
    pub seq: u64,
    pub hash: String,
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
    pub heads: Vec<ChainHead>,
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

/// The server's signing identity.
pub struct CheckpointSigner {
    key: SigningKey,
}

impl CheckpointSigner {
    /// `secret` must come from a cryptographically secure source.
    pub fn from_secret(secret: [u8; 32]) -> Self {
        Self {
            key: SigningKey::from_bytes(&secret),
        }
    }

    pub fn secret(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn public_key_hex(&self) -> String {
        hex(self.key.verifying_key().as_bytes())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.key.verifying_key().as_bytes())
    }

    /// Signs the next checkpoint after `previous`.
    pub fn sign(
        &self,
        previous: Option<&Checkpoint>,
        heads: Vec<ChainHead>,
        reason: &str,
        now: Timestamp,
    ) -> Checkpoint {
        let body = CheckpointBody {
            number: previous.map_or(1, |p| p.body.number + 1),
            created_at: now,
            reason: reason.to_string(),
            heads,
            prev_hash: previous.map_or_else(|| GENESIS.to_string(), |p| p.body.hash()),
            signer: self.fingerprint(),
        };
        let signature = self.key.sign(&body.signed_bytes());
        Checkpoint {
            body,
            public_key: self.public_key_hex(),
            signature: hex(&signature.to_bytes()),
        }
    }

    /// A detached signature (hex) over `bytes`, e.g. a bundle manifest.
    /// `domain` keeps a signature made for one purpose from passing for another.
    pub fn sign_detached(&self, domain: &str, bytes: &[u8]) -> String {
        hex(&self.key.sign(&domain_separated(domain, bytes)).to_bytes())
    }
}

fn domain_separated(domain: &str, bytes: &[u8]) -> Vec<u8> {
    let mut message = format!("{domain}\n").into_bytes();
    message.extend_from_slice(bytes);
    message
}

/// Checks a [`CheckpointSigner::sign_detached`] signature.
pub fn verify_detached(
    public_key_hex: &str,
    domain: &str,
    bytes: &[u8],
    signature_hex: &str,
) -> Result<(), String> {
    let key_bytes: [u8; 32] = parse_hex(public_key_hex)
        .and_then(|b| b.try_into().ok())
        .ok_or("the public key is not 32 bytes of hex")?;
    let key = VerifyingKey::from_bytes(&key_bytes)
        .map_err(|_| "the public key is not a valid ed25519 key")?;
    let signature: [u8; 64] = parse_hex(signature_hex.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature is not 64 bytes of hex")?;
    key.verify(
        &domain_separated(domain, bytes),
        &Signature::from_bytes(&signature),
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

    fn heads() -> Vec<ChainHead> {
        vec![ChainHead {
            stream: "INC-1".into(),
            seq: 3,
            hash: "ab".into(),
        }]
    }

    #[test]
    fn a_signed_checkpoint_verifies_and_an_edited_one_does_not() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let checkpoint = signer().sign(None, heads(), "on demand", now);
        assert_eq!(verify_signature(&checkpoint), Ok(()));
        let mut forged = checkpoint.clone();
        forged.body.heads[0].seq = 2;
        assert_eq!(
            verify_signature(&forged),
            Err("its signature does not match its content".into())
        );
    }

    #[test]
    fn checkpoints_chain_to_each_other() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let first = signer().sign(None, heads(), "a", now);
        let second = signer().sign(Some(&first), heads(), "b", now);
        assert_eq!(second.body.number, 2);
        assert_eq!(second.body.prev_hash, first.body.hash());
    }

    #[test]
    fn a_key_signed_by_another_signer_is_caught_by_fingerprint() {
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let mut checkpoint = signer().sign(None, heads(), "a", now);
        checkpoint.public_key = CheckpointSigner::from_secret([8; 32]).public_key_hex();
        assert_eq!(
            verify_signature(&checkpoint),
            Err("its public key does not match its signer fingerprint".into())
        );
    }
}
