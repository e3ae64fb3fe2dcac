//! OpenTelemetry GenAI spans exported as JSON Lines (OTLP/JSON, as the collector's file
//! exporter writes them: a line is an export request with `resourceSpans`, or a single span).
//! Each span with `gen_ai.*` attributes is one turn; other spans are passed over.
//!
//! Content is read from the semantic conventions as of v1.37 (`gen_ai.input.messages` and
//! `gen_ai.output.messages`, messages of text parts) and from the earlier forms still emitted:
//! the events `gen_ai.user.message` and `gen_ai.choice` (v1.36 and before) and the indexed
//! attributes `gen_ai.prompt.N.content` / `gen_ai.completion.N.content` (OpenLLMetry).

use std::path::Path;

use serde_json::{Map, Value};

use super::jsonl::{RowsBuilder, finish, for_each_line};
use super::{ConversationMapping, Read};
use crate::ForensicsError;
use crate::table::format_timestamp;

/// Attributes that become the turn's roles, not columns of their own.
const CONTENT_PREFIXES: [&str; 4] = [
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.prompt",
    "gen_ai.completion",
];

pub(super) fn read_spans(
    path: &Path,
    mapping: &ConversationMapping,
) -> Result<Read, ForensicsError> {
    let mut rows = RowsBuilder::default();
    let (mut skipped_turns, mut skipped) = (0, Vec::new());
    let mut lines_read = 0u64;
    for_each_line(path, &mut skipped_turns, &mut skipped, |line, value| {
        lines_read += 1;
        let bad = |message: &str| ForensicsError::BadJsonLine {
            path: path.to_path_buf(),
            line,
            message: message.to_string(),
        };
        let Value::Object(object) = value else {
            return Err(bad("expected an OTLP export request or a span"));
        };
        if let Some(resources) = object.get("resourceSpans") {
            for resource in resources
                .as_array()
                .ok_or_else(|| bad("`resourceSpans` is not a list"))?
            {
                let resource_attributes = attributes(resource.pointer("/resource/attributes"));
                let scopes = resource
                    .get("scopeSpans")
                    .or_else(|| resource.get("instrumentationLibrarySpans"))
                    .and_then(Value::as_array);
                for scope in scopes.into_iter().flatten() {
                    for span in scope
                        .get("spans")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                    {
                        if let Some(row) = turn_of(span, &resource_attributes, mapping) {
                            rows.push(row);
                        }
                    }
                }
            }
        } else if let Some(row) = turn_of(&Value::Object(object), &Map::new(), mapping) {
            rows.push(row);
        }
        Ok(())
    })?;
    finish(
        path,
        rows,
        skipped_turns,
        skipped,
        "lines not UTF-8; no span has gen_ai.* attributes",
    )
    .map_err(|error| match error {
        ForensicsError::EmptyInput { path } if lines_read > 0 => ForensicsError::NoReadableTurns {
            path,
            skipped: 0,
            reason: "no span has gen_ai.* attributes".to_string(),
        },
        other => other,
    })
}

/// One span as a row: its roles under the mapping's column names, then every other attribute
/// of the span and its resource under its own name. `None` for a span that is not GenAI.
fn turn_of(
    span: &Value,
    resource: &Map<String, Value>,
    mapping: &ConversationMapping,
) -> Option<Map<String, Value>> {
    let own = attributes(span.get("attributes"));
    if !own.keys().any(|key| key.starts_with("gen_ai.")) {
        return None;
    }
    let events: Vec<(String, Map<String, Value>)> = span
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|event| {
            let name = event
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            (name.to_string(), attributes(event.get("attributes")))
        })
        .collect();
    let attributes = own;
    let text = |key: &str| attributes.get(key).and_then(Value::as_str);
    let conversation = text("gen_ai.conversation.id")
        .or_else(|| text("session.id"))
        .or_else(|| span.get("traceId").and_then(Value::as_str))
        .or_else(|| span.get("trace_id").and_then(Value::as_str));
    let start = span
        .get("startTimeUnixNano")
        .or_else(|| span.get("start_time_unix_nano"))
        .and_then(|value| match value {
            Value::String(text) => text.parse::<i64>().ok(),
            other => other.as_i64(),
        });
    let mut row = Map::new();
    let mut set = |column: &str, value: Option<String>| {
        row.insert(column.to_string(), value.map_or(Value::Null, Value::String));
    };
    set(&mapping.conversation_id, conversation.map(str::to_string));
    set(&mapping.timestamp, start.map(format_timestamp));
    set(&mapping.input, input_text(&attributes, &events));
    set(&mapping.output, output_text(&attributes, &events));
    if let Some(column) = &mapping.model_version {
        let model = text("gen_ai.response.model").or_else(|| text("gen_ai.request.model"));
        set(column, model.map(str::to_string));
    }
    for (key, value) in resource.iter().chain(&attributes) {
        if !CONTENT_PREFIXES
            .iter()
            .any(|prefix| key.starts_with(prefix))
        {
            row.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Some(row)
}

/// OTLP attributes (a list of `{key, value: {stringValue | intValue | ...}}`), or a plain
/// object as some exporters write them, as one JSON object.
fn attributes(value: Option<&Value>) -> Map<String, Value> {
    match value {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|entry| {
                let key = entry.get("key")?.as_str()?;
                Some((key.to_string(), any_value(entry.get("value")?)))
            })
            .collect(),
        Some(Value::Object(object)) => object.clone(),
        _ => Map::new(),
    }
}

/// An OTLP `AnyValue` as plain JSON (64-bit integers arrive as strings in OTLP/JSON).
fn any_value(value: &Value) -> Value {
    let Some(object) = value.as_object() else {
        return value.clone();
    };
    if let Some(text) = object.get("stringValue") {
        return text.clone();
    }
    if let Some(integer) = object.get("intValue") {
        return match integer {
            Value::String(text) => text.parse::<i64>().map_or(integer.clone(), Value::from),
            other => other.clone(),
        };
    }
    for key in ["doubleValue", "boolValue"] {
        if let Some(value) = object.get(key) {
            return value.clone();
        }
    }
    if let Some(values) = value
        .pointer("/arrayValue/values")
        .and_then(Value::as_array)
    {
        return Value::Array(values.iter().map(any_value).collect());
    }
    if let Some(values) = value.pointer("/kvlistValue/values") {
        return Value::Object(attributes(Some(values)));
    }
    value.clone()
}

/// The last user message the span sent.
fn input_text(
    attributes: &Map<String, Value>,
    events: &[(String, Map<String, Value>)],
) -> Option<String> {
    if let Some(messages) = attributes.get("gen_ai.input.messages") {
        return messages_text(messages, "user").pop();
    }
    if let Some(text) = indexed_content(attributes, "gen_ai.prompt", "user") {
        return Some(text);
    }
    events
        .iter()
        .rev()
        .find(|(name, _)| name == "gen_ai.user.message")
        .and_then(|(_, event)| event.get("content").map(content_text))
        .or_else(|| attributes.get("gen_ai.prompt").map(content_text))
}

/// What the model answered: its messages' text, joined.
fn output_text(
    attributes: &Map<String, Value>,
    events: &[(String, Map<String, Value>)],
) -> Option<String> {
    if let Some(messages) = attributes.get("gen_ai.output.messages") {
        let texts = messages_text(messages, "assistant");
        return (!texts.is_empty()).then(|| texts.join("\n"));
    }
    if let Some(text) = indexed_content(attributes, "gen_ai.completion", "assistant") {
        return Some(text);
    }
    let choices: Vec<String> = events
        .iter()
        .filter(|(name, _)| name == "gen_ai.choice")
        .filter_map(|(_, event)| {
            let message = event.get("message").map(parse_if_text);
            message
                .as_ref()
                .and_then(|message| message.get("content"))
                .or_else(|| event.get("content"))
                .map(content_text)
        })
        .collect();
    if !choices.is_empty() {
        return Some(choices.join("\n"));
    }
    attributes.get("gen_ai.completion").map(content_text)
}

/// The text of each message of `role` in a message list (a JSON array, or its text).
fn messages_text(messages: &Value, role: &str) -> Vec<String> {
    let messages = parse_if_text(messages);
    messages
        .as_array()
        .into_iter()
        .flatten()
        .filter(|message| {
            message
                .get("role")
                .and_then(Value::as_str)
                .is_none_or(|r| r == role)
        })
        .filter_map(|message| {
            if let Some(parts) = message.get("parts").and_then(Value::as_array) {
                let texts: Vec<&str> = parts
                    .iter()
                    .filter(|part| {
                        part.get("type")
                            .and_then(Value::as_str)
                            .is_none_or(|t| t == "text")
                    })
                    .filter_map(|part| part.get("content").and_then(Value::as_str))
                    .collect();
                return (!texts.is_empty()).then(|| texts.join("\n"));
            }
            message.get("content").map(content_text)
        })
        .collect()
}

/// `PREFIX.N.content` of the highest N whose `PREFIX.N.role` is `role` (or has no role).
fn indexed_content(attributes: &Map<String, Value>, prefix: &str, role: &str) -> Option<String> {
    let mut best: Option<(u64, String)> = None;
    for (key, value) in attributes {
        let Some(index) = key
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.strip_suffix(".content"))
            .and_then(|index| index.parse::<u64>().ok())
        else {
            continue;
        };
        let role_key = format!("{prefix}.{index}.role");
        let matches_role = attributes
            .get(&role_key)
            .and_then(Value::as_str)
            .is_none_or(|given| given == role);
        if matches_role && best.as_ref().is_none_or(|(best, _)| index > *best) {
            best = Some((index, content_text(value)));
        }
    }
    best.map(|(_, text)| text)
}

/// A JSON value held as text (`"[{...}]"`) parsed; anything else as it is.
fn parse_if_text(value: &Value) -> Value {
    match value {
        Value::String(text) if text.trim_start().starts_with(['[', '{']) => {
            serde_json::from_str(text).unwrap_or_else(|_| value.clone())
        }
        other => other.clone(),
    }
}

fn content_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
