use std::sync::Arc;

use arrow_array::{Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use firebreak_forensics::find_decision;
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// A log of 3,000 decisions sorted by id, in row groups of 1,000.
fn sorted_log() -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new()
        .suffix(".parquet")
        .tempfile()
        .expect("temp file");
    let schema = Arc::new(Schema::new(vec![
        Field::new("decision_id", DataType::Utf8, false),
        Field::new("score", DataType::Float64, false),
        Field::new("model_version", DataType::Utf8, false),
    ]));
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(1000))
        .build();
    let mut writer = ArrowWriter::try_new(
        file.reopen().expect("reopen"),
        Arc::clone(&schema),
        Some(properties),
    )
    .expect("writer");
    let ids: Vec<String> = (0..3000).map(|index| format!("d{index:05}")).collect();
    let scores: Vec<f64> = (0..3000).map(|index| f64::from(index) / 3000.0).collect();
    let versions: Vec<&str> = (0..3000)
        .map(|index| if index < 1500 { "v1" } else { "v2" })
        .collect();
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(ids)),
            Arc::new(Float64Array::from(scores)),
            Arc::new(StringArray::from(versions)),
        ],
    )
    .expect("batch");
    writer.write(&batch).expect("write");
    writer.close().expect("close");
    file
}

#[test]
fn lookup_reads_only_the_row_group_that_can_hold_the_id() {
    let file = sorted_log();
    let record = find_decision(file.path(), "decision_id", "d02500")
        .expect("lookup")
        .expect("found");
    assert_eq!(record.row, 2500);
    assert_eq!((record.row_groups_read, record.row_groups_total), (1, 3));
    assert_eq!(record.values["model_version"], "v2");
    assert_eq!(record.values["score"], 2500.0 / 3000.0);
}

#[test]
fn unknown_id_is_none() {
    let file = sorted_log();
    assert!(
        find_decision(file.path(), "decision_id", "x1")
            .expect("lookup")
            .is_none()
    );
}
