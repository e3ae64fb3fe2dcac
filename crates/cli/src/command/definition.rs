//! Definition files (schedules, policies, channels, change sources,
//! monitors): JSON, or TOML for files ending `.toml`, PUT by their slug; a
//! secret a definition needs is read from standard input, never a file.

use crate::InputError;
use crate::client::{Client, encode};
use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::Path;

/// A definition file as JSON, whichever format it is written in.
pub fn read(path: &Path) -> Result<Value> {
    let content = std::fs::read_to_string(path)
        .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
    let parsed = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    {
        toml::from_str::<Value>(&content).map_err(|e| format!("not TOML: {e}"))
    } else {
        serde_json::from_str::<Value>(&content).map_err(|e| format!("not JSON: {e}"))
    };
    Ok(parsed.map_err(|e| InputError(format!("{}: {e}", path.display())))?)
}

/// The definition's slug, which names it in the API's path.
pub fn slug_of(definition: &Value, path: &Path) -> Result<String> {
    definition["slug"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| InputError(format!("{}: no `slug`", path.display())).into())
}

/// PUTs a definition to `collection/<slug>` and answers the slug.
pub async fn put(
    client: &Client,
    collection: &str,
    definition: Value,
    file: &Path,
) -> Result<String> {
    let slug = slug_of(&definition, file)?;
    client
        .send(
            Method::PUT,
            &format!("{collection}/{}", encode(&slug)),
            Some(definition),
        )
        .await?;
    Ok(slug)
}

/// Sets `field` of a definition read from `file` to one line of standard
/// input, so a credential stays out of files and shell history; a file
/// that carries it already is refused.
pub fn secret_from_stdin(definition: &mut Value, file: &Path, field: &str) -> Result<()> {
    not_in_file(definition, file, field)?;
    let secret = super::read_secret_line(field)?;
    definition[field] = json!(secret.trim());
    Ok(())
}

fn not_in_file(definition: &Value, file: &Path, field: &str) -> Result<()> {
    if definition.get(field).is_some() {
        return Err(InputError(format!(
            "{}: `{field}` does not belong in a file; give it on standard input",
            file.display()
        ))
        .into());
    }
    Ok(())
}

/// [`secret_from_stdin`] for a secret that may be left out: the next line
/// of standard input, if there is one that is not empty.
pub fn optional_secret_from_stdin(definition: &mut Value, file: &Path, field: &str) -> Result<()> {
    not_in_file(definition, file, field)?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .with_context(|| format!("cannot read the {field} from standard input"))?;
    let secret = line.trim();
    if !secret.is_empty() {
        definition[field] = json!(secret);
    }
    Ok(())
}
