//! Where the checkpoint signing key comes from. The audited data must not
//! hold the key that vouches for it, so besides a file (by default in the data
//! directory, for a zero-set-up start, with a loud warning) the key can come
//! from a file elsewhere, from the environment, or from a command that signs
//! on request, a KMS or HSM hook that never hands the key out.

use crate::SetupError;
use firebreak_core::checkpoint::{CheckpointSigner, SignError, SignatureProvider, parse_hex};
use firebreak_core::timeline::hex;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One place a signing key can be found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A file holding the 32-byte secret as hex; made on first start when it
    /// does not exist.
    File(PathBuf),
    /// The secret as hex, e.g. from `FIREBREAK_SIGNING_KEY`.
    Secret(String),
    /// A program run through `sh -c`: `CMD public-key` prints the ed25519
    /// public key as hex; `CMD sign` reads the message on standard input and
    /// prints the signature as hex.
    Command(String),
}

impl KeySource {
    /// What to call it in messages, without the secret.
    pub fn describe(&self) -> String {
        match self {
            KeySource::File(path) => path.display().to_string(),
            KeySource::Secret(_) => "the key given in the environment".into(),
            KeySource::Command(command) => format!("the signing command `{command}`"),
        }
    }

    /// Whether this key sits inside `data_dir`, beside what it vouches for.
    pub fn is_inside(&self, data_dir: &Path) -> bool {
        let KeySource::File(path) = self else {
            return false;
        };
        let absolute = |p: &Path| {
            std::fs::canonicalize(p)
                .or_else(|_| std::path::absolute(p))
                .unwrap_or_else(|_| p.to_path_buf())
        };
        let key_dir = path.parent().map(absolute).unwrap_or_default();
        key_dir.starts_with(absolute(data_dir))
    }

    pub fn load(&self) -> Result<CheckpointSigner, SetupError> {
        match self {
            KeySource::File(path) => load_or_create_key(path),
            KeySource::Secret(text) => secret_from_hex(text)
                .map(CheckpointSigner::from_secret)
                .ok_or_else(|| SetupError::BadKey {
                    place: self.describe(),
                }),
            KeySource::Command(command) => {
                let provider = CommandSigner::start(command)?;
                Ok(CheckpointSigner::from_provider(Box::new(provider)))
            }
        }
    }
}

fn secret_from_hex(text: &str) -> Option<[u8; 32]> {
    parse_hex(text.trim()).and_then(|bytes| bytes.try_into().ok())
}

fn load_or_create_key(path: &Path) -> Result<CheckpointSigner, SetupError> {
    match std::fs::read_to_string(path) {
        Ok(text) => secret_from_hex(&text)
            .map(CheckpointSigner::from_secret)
            .ok_or_else(|| SetupError::BadKey {
                place: path.display().to_string(),
            }),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::getrandom(&mut secret).map_err(|e| SetupError::File {
                path: path.into(),
                source: std::io::Error::other(e.to_string()),
            })?;
            crate::write_private(path, &format!("{}\n", hex(&secret)))?;
            Ok(CheckpointSigner::from_secret(secret))
        }
        Err(source) => Err(SetupError::File {
            path: path.into(),
            source,
        }),
    }
}

/// Signs by running the operator's command for each signature.
struct CommandSigner {
    command: String,
    public_key: [u8; 32],
}

impl CommandSigner {
    fn start(command: &str) -> Result<CommandSigner, SetupError> {
        let refused = |why: String| SetupError::SigningCommand {
            command: command.to_string(),
            why,
        };
        let output = run(command, "public-key", &[]).map_err(refused)?;
        let public_key = parse_hex(output.trim())
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| refused("`public-key` did not print 64 hex characters".into()))?;
        Ok(CommandSigner {
            command: command.to_string(),
            public_key,
        })
    }
}

/// Runs `command verb` with `input` on standard input; its standard output,
/// or why it failed.
fn run(command: &str, verb: &str, input: &[u8]) -> Result<String, String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} {verb}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run it: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .map_err(|e| format!("cannot write to it: {e}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| format!("it did not finish: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`{verb}` exited with {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("`{verb}` printed something not UTF-8"))
}

impl SignatureProvider for CommandSigner {
    fn public_key(&self) -> [u8; 32] {
        self.public_key
    }

    fn sign(&self, message: &[u8]) -> Result<[u8; 64], SignError> {
        let output = run(&self.command, "sign", message).map_err(SignError)?;
        parse_hex(output.trim())
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| SignError("`sign` did not print 128 hex characters".into()))
    }
}
