//! What a definition names on disk, checked when the monitor is created:
//! the source exists, the reference can be read, and every column the check
//! or the cohort reads is in the log. Each refusal names its field.

use super::glob;
use super::source::{Partition, SourceError, partitions};
use firebreak_core::monitor::{MonitorDefinition, ReferenceSpec};
use firebreak_core::{DomainError, FieldError};
use firebreak_forensics::{Cohort, TimeWindow, read_schema};
use std::path::Path;

fn columns_of(path: &Path) -> Result<Vec<String>, String> {
    read_schema(path)
        .map(|schema| schema.fields().iter().map(|f| f.name().clone()).collect())
        .map_err(|e| e.to_string())
}

/// The newest partition's first file and its columns, as the sample.
fn sample_partitions(
    found: Result<Vec<Partition>, SourceError>,
    sample: &mut Option<(String, Vec<String>)>,
    refuse: &mut impl FnMut(&str, String),
) {
    match found {
        Ok(found) => {
            if let Some(file) = found.last().and_then(|p| p.files.first()) {
                match columns_of(file) {
                    Ok(columns) => *sample = Some((file.display().to_string(), columns)),
                    Err(message) => refuse("source.path", message),
                }
            }
        }
        Err(error) => refuse("source.path", error.to_string()),
    }
}

/// Checks the files a definition names. Blocking: call off the async workers.
pub fn check_files(definition: &MonitorDefinition) -> Result<(), DomainError> {
    let mut problems: Vec<FieldError> = Vec::new();
    let mut refuse = |field: &str, message: String| problems.push(FieldError::new(field, message));
    let source = Path::new(&definition.source.path);
    // A sample of the log: the newest partition's first file, or the file.
    let mut sample: Option<(String, Vec<String>)> = None;
    if !source.is_absolute() {
        refuse(
            "source.path",
            format!(
                "`{}` is not an absolute path; the server reads it",
                source.display()
            ),
        );
    } else if glob::is_glob(&definition.source.path) {
        // A glob matching nothing yet is allowed (the silent-monitor
        // heartbeat watches it); one under no directory is a typo.
        let (base, _) = glob::split(source);
        if base.is_dir() {
            sample_partitions(glob::partitions(source), &mut sample, &mut refuse);
        } else {
            refuse(
                "source.path",
                format!(
                    "{} does not exist, so the glob {} can never match",
                    base.display(),
                    source.display()
                ),
            );
        }
    } else if !source.exists() {
        refuse(
            "source.path",
            format!("{} does not exist", source.display()),
        );
    } else if source.is_dir() {
        sample_partitions(partitions(source), &mut sample, &mut refuse);
    } else {
        match columns_of(source) {
            Ok(columns) => {
                let timestamp = definition
                    .source
                    .timestamp
                    .as_deref()
                    .unwrap_or("timestamp");
                if !columns.iter().any(|c| c == timestamp) {
                    refuse(
                        "source.timestamp",
                        format!(
                            "{} has no column `{timestamp}`; one growing file is windowed by its timestamp column",
                            source.display()
                        ),
                    );
                }
                sample = Some((source.display().to_string(), columns));
            }
            Err(message) => refuse("source.path", message),
        }
    }
    match &definition.reference {
        Some(ReferenceSpec::File(path)) => {
            let path = Path::new(path);
            if !path.is_absolute() || !path.is_file() {
                refuse(
                    "reference.file",
                    format!(
                        "{} is not an existing file (an absolute path)",
                        path.display()
                    ),
                );
            } else if let Err(message) = columns_of(path) {
                refuse("reference.file", message);
            }
        }
        Some(ReferenceSpec::Window(text)) => {
            if let Err(error) = TimeWindow::parse(text) {
                refuse("reference.window", error.to_string());
            }
        }
        _ => {}
    }
    let cohort_columns = match definition.cohort.as_deref().map(Cohort::parse) {
        Some(Ok(cohort)) => cohort.columns(),
        Some(Err(error)) => {
            refuse("where", error.to_string());
            Vec::new()
        }
        None => Vec::new(),
    };
    if let Some((file, columns)) = &sample {
        let named = definition
            .check
            .columns()
            .into_iter()
            .chain(cohort_columns.into_iter().map(|c| ("where", c)));
        for (field, column) in named {
            if !columns.contains(&column) {
                refuse(field, format!("{file} has no column `{column}`"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(problems))
    }
}
