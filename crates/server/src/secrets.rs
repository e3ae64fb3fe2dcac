//! Secrets at rest (D28). Channel credentials are sealed with
//! ChaCha20-Poly1305 under a 32-byte key before the store sees them, and
//! opened only to deliver. The key comes from `FIREBREAK_SECRET_KEY` (hex),
//! which every instance sharing a PostgreSQL database must be given, or
//! from `<data-dir>/secret-key`, made on first start with mode 0600.
//!
//! A sealed value is `v1:` and the base64 of nonce, ciphertext and tag. The
//! place it belongs to (e.g. `channel:ops-teams`) is authenticated with it,
//! so a value copied from one channel to another does not open there.

use crate::SetupError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use firebreak_core::checkpoint::parse_hex;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use std::path::Path;

/// The key file's name in the data directory.
pub const SECRET_KEY_FILE: &str = "secret-key";

const VERSION: &str = "v1:";

/// Why a sealed value did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the stored credential is not a sealed value")]
    Malformed,
    #[error(
        "the stored credential does not open with this server's secret key \
         (every instance must have the same FIREBREAK_SECRET_KEY); save it again"
    )]
    WrongKey,
}

/// Seals and opens credentials under one key.
pub struct SecretBox {
    key: LessSafeKey,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    pub fn from_key(key: [u8; 32]) -> SecretBox {
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &key)
            .expect("ChaCha20-Poly1305 takes 32-byte keys");
        SecretBox {
            key: LessSafeKey::new(unbound),
        }
    }

    /// A box with a fresh key, for a state that is not started from a data
    /// directory (tests); `prepare` replaces it.
    pub fn random() -> SecretBox {
        SecretBox::from_key(random_key().expect("the operating system gives random bytes"))
    }

    /// The key from `hex` when given (the environment), else from the data
    /// directory's key file, made on first start.
    pub fn load(data_dir: &Path, hex: Option<&str>) -> Result<SecretBox, SetupError> {
        if let Some(hex) = hex {
            return key_from_hex(hex).map(SecretBox::from_key).ok_or_else(|| {
                SetupError::BadSecretKey {
                    place: "FIREBREAK_SECRET_KEY".into(),
                }
            });
        }
        let path = data_dir.join(SECRET_KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => key_from_hex(&text).map(SecretBox::from_key).ok_or_else(|| {
                SetupError::BadSecretKey {
                    place: path.display().to_string(),
                }
            }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = random_key().map_err(|source| SetupError::File {
                    path: path.clone(),
                    source,
                })?;
                crate::write_private(&path, &format!("{}\n", firebreak_core::timeline::hex(&key)))?;
                Ok(SecretBox::from_key(key))
            }
            Err(source) => Err(SetupError::File { path, source }),
        }
    }

    /// `plain` sealed for `place`.
    pub fn seal(&self, plain: &str, place: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).expect("the operating system gives random bytes");
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(place.as_bytes()),
                &mut data,
            )
            .expect("sealing fails only for inputs longer than 256 GiB");
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&data);
        format!("{VERSION}{}", STANDARD_NO_PAD.encode(sealed))
    }

    /// The plain text of a value sealed for `place`.
    pub fn open(&self, sealed: &str, place: &str) -> Result<String, SecretError> {
        let bytes = sealed
            .strip_prefix(VERSION)
            .and_then(|b64| STANDARD_NO_PAD.decode(b64).ok())
            .filter(|b| b.len() >= NONCE_LEN + CHACHA20_POLY1305.tag_len())
            .ok_or(SecretError::Malformed)?;
        let (nonce, rest) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SecretError::Malformed)?;
        let mut data = rest.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(place.as_bytes()), &mut data)
            .map_err(|_| SecretError::WrongKey)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SecretError::Malformed)
    }
}

fn key_from_hex(text: &str) -> Option<[u8; 32]> {
    parse_hex(text.trim()).and_then(|bytes| bytes.try_into().ok())
}

fn random_key() -> std::io::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    getrandom::getrandom(&mut key).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_place() {
        let keys = SecretBox::from_key([7; 32]);
        let sealed = keys.seal("R0UTING-KEY", "channel:pd");
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("R0UTING"));
        assert_eq!(keys.open(&sealed, "channel:pd").unwrap(), "R0UTING-KEY");
        assert_eq!(
            keys.open(&sealed, "channel:other"),
            Err(SecretError::WrongKey),
            "moved to another channel"
        );
        let other = SecretBox::from_key([8; 32]);
        assert_eq!(
            other.open(&sealed, "channel:pd"),
            Err(SecretError::WrongKey)
        );
        assert_ne!(
            sealed,
            keys.seal("R0UTING-KEY", "channel:pd"),
            "fresh nonce"
        );
    }

    #[test]
    fn tampered_or_foreign_values_are_refused() {
        let keys = SecretBox::from_key([7; 32]);
        let sealed = keys.seal("secret", "channel:x");
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(keys.open(&tampered, "channel:x").is_err());
        assert_eq!(keys.open("plain", "channel:x"), Err(SecretError::Malformed));
        assert_eq!(
            keys.open("v1:AAAA", "channel:x"),
            Err(SecretError::Malformed)
        );
    }

    #[test]
    fn the_key_file_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = SecretBox::load(dir.path(), None).unwrap();
        let sealed = first.seal("x", "p");
        let again = SecretBox::load(dir.path(), None).unwrap();
        assert_eq!(again.open(&sealed, "p").unwrap(), "x");
        let hex = std::fs::read_to_string(dir.path().join(SECRET_KEY_FILE)).unwrap();
        let from_env = SecretBox::load(dir.path(), Some(&hex)).unwrap();
        assert_eq!(from_env.open(&sealed, "p").unwrap(), "x");
        assert!(matches!(
            SecretBox::load(dir.path(), Some("nothex")),
            Err(SetupError::BadSecretKey { .. })
        ));
    }
}
