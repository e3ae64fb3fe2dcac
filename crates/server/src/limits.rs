//! Size limits on what clients send, in one place: the request body limit of
//! every route but evidence uploads, and the length of every text field.
//!
//! Text fields are checked by name wherever a request is decoded (`ApiJson`
//! bodies, `CsrfForm` forms, multipart fields), so a new field is limited
//! without anyone remembering to: short fields (titles, names, …) to
//! [`SHORT_TEXT_CHARS`], every other string to [`TEXT_CHARS`]. A longer one is
//! refused with 422 naming the field.

use crate::error::ApiError;
use serde_json::Value;

/// The body limit of every route but evidence and log uploads (413 beyond).
pub const BODY_LIMIT_BYTES: usize = 4 * 1024 * 1024;
/// Titles, names, slugs, headings, labels, tags.
pub const SHORT_TEXT_CHARS: usize = 200;
/// Notes, summaries, rationales, descriptions, reasons and every other string.
pub const TEXT_CHARS: usize = 20_000;

/// Fields (and arrays of strings) held to [`SHORT_TEXT_CHARS`].
const SHORT_FIELDS: &[&str] = &[
    "title",
    "name",
    "slug",
    "heading",
    "owner",
    "version",
    "model_version",
    "model_versions",
    "tags",
    "systems",
    "depends_on",
    "label",
    "template",
    "username",
    "user",
    "to",
    "from",
    "custodian",
    "recipient",
    "q",
];

/// The most characters `field` may hold.
pub fn max_chars(field: &str) -> usize {
    if SHORT_FIELDS.contains(&field) {
        SHORT_TEXT_CHARS
    } else {
        TEXT_CHARS
    }
}

/// The name a path ends in: `text` of `sections[2].text`, `tags` of `tags[1]`.
fn field_name(path: &str) -> &str {
    let mut name = path;
    while let Some(open) = name.rfind('[').filter(|_| name.ends_with(']')) {
        name = &name[..open];
    }
    name.rsplit('.').next().unwrap_or(name)
}

/// Refuses `text` when it is longer than `field` allows.
pub fn check_text(field: &str, text: &str) -> Result<(), ApiError> {
    let limit = max_chars(field_name(field));
    // Counting characters only when the bytes could be over the limit keeps
    // this cheap for the common short string.
    if text.len() > limit && text.chars().count() > limit {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {limit} characters"),
        ));
    }
    Ok(())
}

/// A text part of a multipart form (whose body has no overall limit), read
/// only as far as its limit allows.
pub async fn read_text_part(
    part: &mut axum::extract::multipart::Field<'_>,
    field: &str,
) -> Result<String, ApiError> {
    let max_bytes = max_chars(field) * 4;
    let mut bytes = Vec::new();
    while let Some(chunk) = part
        .chunk()
        .await
        .map_err(|e| ApiError::bad_request(Some(field), format!("cannot be read: {e}")))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > max_bytes {
            return Err(ApiError::invalid(
                field,
                format!("must be at most {} characters", max_chars(field)),
            ));
        }
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| ApiError::bad_request(Some(field), "is not UTF-8 text"))?;
    check_text(field, &text)?;
    Ok(text)
}

/// Checks every string in a JSON body; the error names the field by its path
/// (`sections[2].text`).
pub fn check_json_texts(value: &Value) -> Result<(), ApiError> {
    check_at(value, "")
}

fn check_at(value: &Value, path: &str) -> Result<(), ApiError> {
    match value {
        Value::String(text) => check_text(if path.is_empty() { "body" } else { path }, text),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_at(item, &format!("{path}[{i}]"))),
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            check_text(&child, key)?;
            check_at(item, &child)
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn refused_field(value: Value) -> Option<String> {
        match check_json_texts(&value) {
            Err(ApiError::Invalid(errors)) => Some(errors[0].field.clone()),
            _ => None,
        }
    }

    #[test]
    fn titles_are_short_and_notes_are_longer() {
        let title = "t".repeat(SHORT_TEXT_CHARS + 1);
        assert_eq!(
            refused_field(json!({ "title": title })).as_deref(),
            Some("title")
        );
        let note = "n".repeat(SHORT_TEXT_CHARS + 1);
        assert_eq!(refused_field(json!({ "text": note })), None);
        let note = "n".repeat(TEXT_CHARS + 1);
        assert_eq!(
            refused_field(json!({ "text": note })).as_deref(),
            Some("text")
        );
    }

    #[test]
    fn nested_fields_are_named_by_path() {
        let long = "x".repeat(TEXT_CHARS + 1);
        let body =
            json!({"sections": [{"heading": "a", "text": "b"}, {"heading": "c", "text": long}]});
        assert_eq!(refused_field(body).as_deref(), Some("sections[1].text"));
        let tag = "x".repeat(SHORT_TEXT_CHARS + 1);
        assert_eq!(
            refused_field(json!({"tags": ["ok", tag]})).as_deref(),
            Some("tags[1]")
        );
    }

    #[test]
    fn characters_are_counted_not_bytes() {
        let title = "é".repeat(SHORT_TEXT_CHARS);
        assert!(check_text("title", &title).is_ok());
    }
}
