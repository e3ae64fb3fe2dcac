//! Reading conversation logs in every format, and each kind of bad input.

use std::path::{Path, PathBuf};

use super::*;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn read(path: &Path) -> Result<ConversationLog, ForensicsError> {
    read_conversations(path, &ConversationMapping::default(), None)
}

const CSV: &str = "conversation_id,turn,timestamp,input,output,model_version\n\
    c1,1,2026-03-01T10:00:00Z,hi,\"Hello,\nhow can I help?\",v3\n\
    c1,2,2026-03-01T10:01:00Z,dose?,The maximum dose is 4 g,v3\n";

#[test]
fn csv_logs_read_with_the_default_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let log = read(&write(dir.path(), "log.csv", CSV.as_bytes())).unwrap();
    assert_eq!(log.turns(), 2);
    assert_eq!(log.mapping.model_version.as_deref(), Some("model_version"));
    // Optional roles left at their default names may be absent.
    assert_eq!(
        (
            log.mapping.prompt_version.clone(),
            log.mapping.segment.clone()
        ),
        (None, None)
    );
    assert_eq!(
        log.timestamps().unwrap()[1] - log.timestamps().unwrap()[0],
        60_000_000_000
    );
    let outputs = log.texts("output").unwrap();
    assert_eq!(outputs.get(0), Some("Hello,\nhow can I help?"));
    assert_eq!(log.skipped_turns, 0);
}

#[test]
fn langfuse_timestamps_with_a_space_read_as_utc() {
    let dir = tempfile::tempdir().unwrap();
    let text = "conversation_id,timestamp,input,output\nc1,2024-05-29 13:46:19.963000,a,b\n";
    let log = read(&write(dir.path(), "log.csv", text.as_bytes())).unwrap();
    assert_eq!(log.timestamps().unwrap()[0], 1_716_990_379_963_000_000);
}

#[test]
fn a_timestamp_that_does_not_parse_names_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let text = "conversation_id,timestamp,input,output\nc1,2026-03-01,a,b\nc1,yesterday,a,b\n";
    let error = read(&write(dir.path(), "log.csv", text.as_bytes())).unwrap_err();
    assert!(
        matches!(&error, ForensicsError::BadValue { column, row: 1, .. } if column == "timestamp"),
        "{error}"
    );
    assert!(error.to_string().contains("`yesterday`"), "{error}");
}

#[test]
fn missing_columns_are_named_with_their_role() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "log.csv", CSV.as_bytes());
    let mapping = ConversationMapping {
        output: "response".to_string(),
        ..ConversationMapping::default()
    };
    let error = read_conversations(&path, &mapping, None)
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("has no column `response` for the model output"),
        "{error}"
    );
    // An optional role named explicitly must exist.
    let mapping = ConversationMapping {
        prompt_version: Some("template".to_string()),
        ..ConversationMapping::default()
    };
    let error = read_conversations(&path, &mapping, None)
        .unwrap_err()
        .to_string();
    assert!(
        error.ends_with("has no column `template` for the prompt version"),
        "{error}"
    );
}

#[test]
fn csv_rows_that_are_not_utf8_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = CSV.as_bytes().to_vec();
    bytes.extend(b"c2,1,2026-03-02T10:00:00Z,caf\xe9,bad,v3\n");
    bytes.extend(b"c2,2,2026-03-02T10:05:00Z,fine,ok,v4\n");
    let log = read(&write(dir.path(), "log.csv", &bytes)).unwrap();
    assert_eq!(log.turns(), 3);
    assert_eq!(log.skipped_turns, 1);
    // Line 5: the header, a row spanning lines 2–3, a row on line 4.
    assert_eq!(log.skipped[0].line, 5);
    assert!(
        log.skipped[0].reason.contains("not UTF-8"),
        "{:?}",
        log.skipped
    );
}

#[test]
fn a_log_of_only_bad_rows_or_none_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let header = "conversation_id,timestamp,input,output\n";
    let empty = read(&write(dir.path(), "empty.csv", header.as_bytes())).unwrap_err();
    assert!(
        matches!(empty, ForensicsError::EmptyInput { .. }),
        "{empty}"
    );
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend(b"c1,2026-03-01,\xff,x\n");
    let error = read(&write(dir.path(), "bad.csv", &bytes)).unwrap_err();
    assert!(
        matches!(error, ForensicsError::NoReadableTurns { skipped: 1, .. }),
        "{error}"
    );
    let error = read(&write(dir.path(), "empty.jsonl", b"\n\n")).unwrap_err();
    assert!(
        matches!(error, ForensicsError::EmptyInput { .. }),
        "{error}"
    );
}

#[test]
fn json_lines_read_skip_bad_utf8_and_name_the_line_that_does_not_parse() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = br#"{"conversation_id": "c1", "timestamp": "2026-03-01T10:00:00Z", "input": "hi", "output": "hello", "thumbs_down": false, "turn": 1}"#.to_vec();
    bytes.extend(b"\n{\"conversation_id\": \"c1\", \"input\": \"\xc3\x28\"}\n");
    bytes.extend(br#"{"conversation_id": "c2", "timestamp": "2026-03-01T11:00:00Z", "input": "x", "output": "y", "thumbs_down": true}"#);
    let log = read(&write(dir.path(), "log.jsonl", &bytes)).unwrap();
    assert_eq!(
        (log.turns(), log.skipped_turns, log.skipped[0].line),
        (2, 1, 2)
    );
    let thumbs = Cohort::parse("thumbs_down == true").unwrap();
    assert_eq!(thumbs.matches(&log.table).unwrap(), [false, true]);
    bytes.extend(b"\n{\"conversation_id\": \"c3\", \"input\": }\n");
    let error = read(&write(dir.path(), "broken.jsonl", &bytes)).unwrap_err();
    assert!(
        matches!(error, ForensicsError::BadJsonLine { line: 4, .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("JSON line 4 does not parse"),
        "{error}"
    );
}

#[test]
fn otel_genai_spans_are_turns_in_current_and_earlier_conventions() {
    let current = serde_json::json!({"resourceSpans": [{
        "resource": {"attributes": [{"key": "service.version", "value": {"stringValue": "2.4"}}]},
        "scopeSpans": [{"spans": [
            {"traceId": "t1", "spanId": "s1", "name": "chat gpt-x",
             "startTimeUnixNano": "1772359200000000000",
             "attributes": [
                {"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-x"}},
                {"key": "gen_ai.response.model", "value": {"stringValue": "gpt-x-2026-02"}},
                {"key": "gen_ai.conversation.id", "value": {"stringValue": "conv-7"}},
                {"key": "gen_ai.usage.output_tokens", "value": {"intValue": "12"}},
                {"key": "gen_ai.input.messages", "value": {"stringValue":
                    "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"Be kind\"}]},{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"How much paracetamol?\"}]}]"}},
                {"key": "gen_ai.output.messages", "value": {"stringValue":
                    "[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"The maximum dose is 4 g a day.\"}],\"finish_reason\":\"stop\"}]"}}
             ]},
            {"traceId": "t1", "spanId": "s2", "name": "db query", "startTimeUnixNano": "1772359200000000000",
             "attributes": [{"key": "db.system", "value": {"stringValue": "postgresql"}}]}
        ]}]
    }]});
    let legacy = serde_json::json!({
        "traceId": "t2", "spanId": "s3", "startTimeUnixNano": 1772359260000000000_i64,
        "attributes": {"gen_ai.request.model": "gpt-old", "gen_ai.prompt.0.role": "user",
                       "gen_ai.prompt.0.content": "hello", "gen_ai.completion.0.content": "hi there"},
        "events": [{"name": "gen_ai.choice", "attributes": []}]
    });
    let events = serde_json::json!({
        "traceId": "t3", "spanId": "s4", "startTimeUnixNano": "1772359320000000000",
        "attributes": [{"key": "gen_ai.request.model", "value": {"stringValue": "gpt-y"}}],
        "events": [
            {"name": "gen_ai.user.message", "attributes": [{"key": "content", "value": {"stringValue": "ping"}}]},
            {"name": "gen_ai.choice", "attributes": [{"key": "message", "value": {"stringValue": "{\"content\":\"pong\"}"}}]}
        ]
    });
    let text = format!("{current}\n{legacy}\n{events}\n");
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "spans.jsonl", text.as_bytes());
    assert_eq!(LogFormat::detect(&path).unwrap(), LogFormat::OtelJsonLines);
    let log = read(&path).unwrap();
    assert_eq!(log.turns(), 3, "the database span is not a turn");
    let column = |name: &str| {
        let texts = log.texts(name).unwrap();
        (0..3)
            .map(|row| texts.get(row).map(str::to_string))
            .collect::<Vec<_>>()
    };
    let some = |values: [&str; 3]| values.map(|value| Some(value.to_string())).to_vec();
    assert_eq!(
        column("input"),
        some(["How much paracetamol?", "hello", "ping"])
    );
    assert_eq!(
        column("output"),
        some(["The maximum dose is 4 g a day.", "hi there", "pong"])
    );
    assert_eq!(
        column("model_version"),
        some(["gpt-x-2026-02", "gpt-old", "gpt-y"])
    );
    assert_eq!(column("conversation_id"), some(["conv-7", "t2", "t3"]));
    assert_eq!(column("service.version")[0].as_deref(), Some("2.4"));
    assert_eq!(log.timestamps().unwrap()[0], 1_772_359_200_000_000_000);
    // Attributes are ordinary columns for cohorts.
    let tokens = Cohort::parse("gen_ai.usage.output_tokens > 10").unwrap();
    assert_eq!(tokens.matches(&log.table).unwrap(), [true, false, false]);
    let only_db = "{\"spanId\": \"s\", \"attributes\": []}\n";
    let error = read(&write(dir.path(), "db.jsonl", only_db.as_bytes())).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no span has gen_ai.* attributes"),
        "{error}"
    );
}

#[test]
fn parquet_logs_read_through_the_loader() {
    use arrow_array::{RecordBatch, StringArray, TimestampNanosecondArray};
    use std::sync::Arc;
    let batch = RecordBatch::try_from_iter([
        (
            "conversation_id",
            Arc::new(StringArray::from(vec!["c1", "c2"])) as _,
        ),
        (
            "timestamp",
            Arc::new(TimestampNanosecondArray::from(vec![0, 1_000]).with_timezone("UTC")) as _,
        ),
        ("input", Arc::new(StringArray::from(vec!["a", "b"])) as _),
        (
            "output",
            Arc::new(StringArray::from(vec!["x", "I cannot help with that"])) as _,
        ),
    ])
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.parquet");
    let mut writer = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&path).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let log = read(&path).unwrap();
    assert_eq!(log.turns(), 2);
    let refusals = FlagRule {
        detector: Some("refusal".to_string()),
        ..FlagRule::default()
    };
    assert_eq!(refusals.flags(&log).unwrap(), [false, true]);
}

#[test]
fn flag_rules_combine_a_detector_and_a_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let log = read(&write(dir.path(), "log.csv", CSV.as_bytes())).unwrap();
    let dosage = FlagRule {
        detector: Some("medical_dosage".to_string()),
        ..FlagRule::default()
    };
    assert_eq!(dosage.flags(&log).unwrap(), [false, true]);
    let on_input = FlagRule {
        scan: TextSide::Input,
        ..dosage.clone()
    };
    assert_eq!(on_input.flags(&log).unwrap(), [false, false]);
    let both = FlagRule {
        cohort: Some(Cohort::parse("conversation_id == 'c2'").unwrap()),
        ..dosage.clone()
    };
    assert_eq!(both.flags(&log).unwrap(), [false, false]);
    assert!(both.describe().contains("medical_dosage") && both.describe().contains(" and "));
    let cohort_only = FlagRule {
        cohort: Some(Cohort::parse("output contains 'HELP'").unwrap()),
        ..FlagRule::default()
    };
    assert_eq!(cohort_only.flags(&log).unwrap(), [true, false]);
    assert!(FlagRule::default().flags(&log).is_err());
    let unknown = FlagRule {
        detector: Some("dosage".to_string()),
        ..FlagRule::default()
    };
    let error = unknown.flags(&log).unwrap_err().to_string();
    assert!(
        error.contains("refusal") && error.contains("medical_dosage"),
        "{error}"
    );
}
