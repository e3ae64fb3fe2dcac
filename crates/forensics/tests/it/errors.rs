use std::io::Write;

use firebreak_forensics::{FairnessOptions, ForensicsError, ReadOptions, fairness, read_log};

fn temp_file(suffix: &str, contents: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .suffix(suffix)
        .tempfile()
        .expect("temp file");
    file.write_all(contents).expect("write");
    file
}

#[test]
fn corrupt_parquet_names_the_file() {
    let file = temp_file(".parquet", b"PAR1 this is not parquet");
    let error = read_log(file.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(error, ForensicsError::CorruptParquet { .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains(&file.path().display().to_string())
    );
}

#[test]
fn ragged_csv_names_the_line() {
    let file = temp_file(".csv", b"a,b\n1,2\n3\n4,5\n");
    let error = read_log(file.path(), &ReadOptions::default()).unwrap_err();
    assert!(matches!(error, ForensicsError::BadCsv { .. }), "{error}");
    assert!(error.to_string().contains("line"), "{error}");
}

#[test]
fn empty_csv_is_refused() {
    let file = temp_file(".csv", b"");
    let error = read_log(file.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            error,
            ForensicsError::EmptyInput { .. } | ForensicsError::BadCsv { .. }
        ),
        "{error}"
    );
}

#[test]
fn header_only_csv_is_empty() {
    let file = temp_file(".csv", b"a,b\n");
    let error = read_log(file.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(error, ForensicsError::EmptyInput { .. }),
        "{error}"
    );
}

#[test]
fn csv_types_are_inferred() {
    let file = temp_file(
        ".csv",
        b"when,score,group,label\n2024-01-01T00:00:00,0.5,A,1\n2024-01-02T00:00:00,,B,0\n",
    );
    let table = read_log(file.path(), &ReadOptions::default()).expect("csv");
    let kinds: Vec<&str> = table
        .columns
        .iter()
        .map(|column| column.values.kind_name())
        .collect();
    assert_eq!(kinds, ["timestamp", "float", "text", "integer"]);
    assert!(table.column("score").unwrap().values.is_null(1));
}

#[test]
fn missing_file_and_column_are_named() {
    let error = read_log(
        std::path::Path::new("/nonexistent/log.parquet"),
        &ReadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(error, ForensicsError::Open { .. }), "{error}");
    let options = ReadOptions {
        columns: Some(vec!["no_such_column".to_string()]),
        window: None,
    };
    let error = read_log(&crate::fixture("log_small.parquet"), &options).unwrap_err();
    assert!(
        matches!(error, ForensicsError::MissingColumn { ref column, .. } if column == "no_such_column"),
        "{error}"
    );
}

#[test]
fn non_binary_label_names_column_and_row() {
    let file = temp_file(".csv", b"group,label,prediction\nA,1,1\nB,2,0\n");
    let table = read_log(file.path(), &ReadOptions::default()).expect("csv");
    let options = FairnessOptions {
        group_columns: vec!["group".to_string()],
        label: "label".to_string(),
        prediction: "prediction".to_string(),
        ..FairnessOptions::default()
    };
    let error = fairness(&table, &options).unwrap_err();
    assert!(
        matches!(error, ForensicsError::NotBinary { row: 1, ref column, .. } if column == "label"),
        "{error}"
    );
}

#[test]
fn text_label_is_a_wrong_type() {
    let file = temp_file(".csv", b"group,label,prediction\nA,yes,1\n");
    let table = read_log(file.path(), &ReadOptions::default()).expect("csv");
    let options = FairnessOptions {
        group_columns: vec!["group".to_string()],
        label: "label".to_string(),
        prediction: "prediction".to_string(),
        ..FairnessOptions::default()
    };
    assert!(matches!(
        fairness(&table, &options),
        Err(ForensicsError::WrongType { .. })
    ));
}
