//! Where a monitor's rows come from: the windows waiting past its
//! watermark (time partitions of a directory or of a glob's matches, or the
//! new rows of one growing file), its reference, and the SHA-256 of every
//! file read.

use super::glob;
use firebreak_core::monitor::{MonitorDefinition, ReferenceSpec, RunInput, parse_duration};
use firebreak_forensics::combine::concat;
use firebreak_forensics::{Cohort, ForensicsError, ReadOptions, Table, TimeWindow, read_log};
use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// One time partition: a subdirectory such as `date=2026-12-01`, or the
/// files of a glob under one directory, or one file a glob matches.
#[derive(Debug, Clone)]
pub struct Partition {
    pub name: String,
    /// Its time, read from the value after the last `=` (a date, a civil
    /// date-time taken as UTC, or an RFC 3339 instant).
    pub time: Option<Timestamp>,
    pub files: Vec<PathBuf>,
}

/// The rows of one window, ready to check.
pub struct Window {
    pub name: String,
    /// The watermark once this window is checked.
    pub watermark: String,
    pub current: Table,
    pub reference: Option<Table>,
    pub inputs: Vec<(PathBuf, RunInput)>,
    /// The newest row's time, for freshness.
    pub newest: Option<Timestamp>,
}

/// Why a window could not be read; names the file.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    Forensics(#[from] ForensicsError),
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Definition(String),
}

pub(super) fn is_log(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("parquet" | "csv")
    )
}

pub(super) fn file_error(path: &Path, error: impl std::fmt::Display) -> SourceError {
    SourceError::File {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

/// A civil date, date-time (UTC) or RFC 3339 instant.
pub fn parse_time(text: &str) -> Option<Timestamp> {
    text.parse::<Timestamp>().ok().or_else(|| {
        let civil = text.parse::<jiff::civil::DateTime>().ok().or_else(|| {
            text.parse::<jiff::civil::Date>()
                .ok()
                .map(|d| d.at(0, 0, 0, 0))
        })?;
        civil
            .to_zoned(jiff::tz::TimeZone::UTC)
            .ok()
            .map(|z| z.timestamp())
    })
}

/// The time a window's name gives: the value after its last `=` or `/`
/// (`hour=2026-03-01T08:00:00Z`, `day/2026-03-01`), without a file
/// extension (`2026-03-01.parquet`); None when that is no time.
pub fn window_time(window: &str) -> Option<Timestamp> {
    let value = window.rsplit(['=', '/']).next().unwrap_or(window);
    parse_time(value).or_else(|| parse_time(Path::new(value).file_stem()?.to_str()?))
}

/// The partitions of a directory in name order, each with its log files.
pub fn partitions(dir: &Path) -> Result<Vec<Partition>, SourceError> {
    let entries = std::fs::read_dir(dir).map_err(|e| file_error(dir, e))?;
    let mut partitions = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| file_error(dir, e))?;
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| file_error(&path, e))?
            .filter_map(|f| f.ok().map(|f| f.path()))
            .filter(|f| f.is_file() && is_log(f))
            .collect();
        if files.is_empty() {
            continue;
        }
        files.sort();
        partitions.push(Partition {
            time: window_time(&name),
            name,
            files,
        });
    }
    partitions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(partitions)
}

/// SHA-256 and size of a file, streamed.
pub fn hash_file(path: &Path) -> Result<(String, u64), SourceError> {
    let mut file = std::fs::File::open(path).map_err(|e| file_error(path, e))?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher).map_err(|e| file_error(path, e))?;
    Ok((format!("{:x}", hasher.finalize()), size))
}

fn input(path: &Path, role: &str) -> Result<(PathBuf, RunInput), SourceError> {
    let (sha256, size) = hash_file(path)?;
    Ok((
        path.to_path_buf(),
        RunInput {
            path: path.display().to_string(),
            role: role.to_string(),
            sha256,
            size,
        },
    ))
}

fn read_files(
    files: &[PathBuf],
    options: &ReadOptions,
    source: String,
) -> Result<Table, SourceError> {
    let tables = files
        .iter()
        .map(|file| read_log(file, options))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(concat(tables, source)?)
}

fn nanos(at: Timestamp) -> i64 {
    i64::try_from(at.as_nanosecond()).unwrap_or(i64::MAX)
}

/// Reads what a monitor checks next. `Ok(None)` when nothing new is ready.
pub struct Reader<'a> {
    pub definition: &'a MonitorDefinition,
    pub label_delay: SignedDuration,
    pub now: Timestamp,
}

impl Reader<'_> {
    fn path(&self) -> &Path {
        Path::new(&self.definition.source.path)
    }

    fn timestamp_column(&self) -> String {
        self.definition
            .source
            .timestamp
            .clone()
            .unwrap_or_else(|| "timestamp".to_string())
    }

    fn cohort(&self, table: Table) -> Result<Table, SourceError> {
        match &self.definition.cohort {
            Some(expression) => Ok(Cohort::parse(expression)?.select(&table)?),
            None => Ok(table),
        }
    }

    /// The directory partitions are named under: a glob's fixed base.
    fn root(&self) -> PathBuf {
        if glob::is_glob(&self.definition.source.path) {
            glob::split(self.path()).0
        } else {
            self.path().to_path_buf()
        }
    }

    /// The partitions of a directory or glob source; None for one file.
    fn partitioned(&self) -> Option<Result<Vec<Partition>, SourceError>> {
        let path = &self.definition.source.path;
        if glob::is_glob(path) {
            Some(glob::partitions(Path::new(path)))
        } else if self.path().is_dir() {
            Some(partitions(self.path()))
        } else {
            None
        }
    }

    /// The next window past `watermark`, or None.
    pub fn next_window(&self, watermark: Option<&str>) -> Result<Option<Window>, SourceError> {
        let Some(all) = self.partitioned() else {
            return self.file_window(watermark);
        };
        let all = all?;
        let ready = self
            .now
            .saturating_sub(self.label_delay)
            .unwrap_or(self.now);
        // The next partition in name order, once its labels are due;
        // a later one never goes before it.
        let next = all
            .iter()
            .find(|p| watermark.is_none_or(|w| p.name.as_str() > w));
        let Some(partition) = next.filter(|p| p.time.is_none_or(|t| t <= ready)) else {
            return Ok(None);
        };
        self.partition_window(partition, &all).map(Some)
    }

    /// Every partition as a window, for a backfill (no file source).
    pub fn all_partitions(&self) -> Result<Vec<Partition>, SourceError> {
        self.partitioned().unwrap_or_else(|| {
            Err(SourceError::Definition(format!(
                "a backfill walks the partitions of a directory or glob; {} is one file",
                self.definition.source.path
            )))
        })
    }

    pub fn partition_window(
        &self,
        partition: &Partition,
        all: &[Partition],
    ) -> Result<Window, SourceError> {
        let mut inputs = partition
            .files
            .iter()
            .map(|f| input(f, "current"))
            .collect::<Result<Vec<_>, _>>()?;
        let current = read_files(
            &partition.files,
            &ReadOptions::default(),
            self.root().join(&partition.name).display().to_string(),
        )?;
        let newest = self.newest(&current).or(partition.time);
        let reference = self.reference(partition.time, Some(all), &mut inputs)?;
        Ok(Window {
            name: partition.name.clone(),
            watermark: partition.name.clone(),
            current: self.cohort(current)?,
            reference,
            inputs,
            newest,
        })
    }

    fn file_window(&self, watermark: Option<&str>) -> Result<Option<Window>, SourceError> {
        let start = match watermark {
            Some(w) => Some(
                parse_time(w)
                    .ok_or_else(|| {
                        SourceError::Definition(format!("stored watermark `{w}` is not a time"))
                    })?
                    .checked_add(SignedDuration::from_nanos(1))
                    .map_err(|e| SourceError::Definition(e.to_string()))?,
            ),
            None => None,
        };
        let end = self
            .now
            .saturating_sub(self.label_delay)
            .unwrap_or(self.now);
        let column = self.timestamp_column();
        let window = TimeWindow {
            start: start.map(nanos),
            end: Some(nanos(end)),
        };
        let path = self.path();
        let current = read_log(
            path,
            &ReadOptions {
                columns: None,
                window: Some((column.clone(), window)),
            },
        )?;
        if current.row_count == 0 {
            return Ok(None);
        }
        let (Some(first), Some(newest)) = (self.oldest(&current), self.newest(&current)) else {
            return Ok(None);
        };
        let mut inputs = vec![input(path, "current")?];
        let reference = self.reference(Some(first), None, &mut inputs)?;
        Ok(Some(Window {
            name: format!("{first}..{newest}"),
            watermark: newest.to_string(),
            current: self.cohort(current)?,
            reference,
            inputs,
            newest: Some(newest),
        }))
    }

    fn times(&self, table: &Table) -> Vec<i64> {
        let column = self.timestamp_column();
        match table.column(&column).map(|c| &c.values) {
            Ok(firebreak_forensics::ColumnValues::Timestamp { nanos }) => nanos
                .iter()
                .copied()
                .filter(|n| *n != firebreak_forensics::table::NULL_TIMESTAMP)
                .collect(),
            _ => Vec::new(),
        }
    }

    fn newest(&self, table: &Table) -> Option<Timestamp> {
        let max = self.times(table).into_iter().max()?;
        Timestamp::from_nanosecond(i128::from(max)).ok()
    }

    fn oldest(&self, table: &Table) -> Option<Timestamp> {
        let min = self.times(table).into_iter().min()?;
        Timestamp::from_nanosecond(i128::from(min)).ok()
    }

    /// The reference for a window starting at `start`.
    fn reference(
        &self,
        start: Option<Timestamp>,
        partitions: Option<&[Partition]>,
        inputs: &mut Vec<(PathBuf, RunInput)>,
    ) -> Result<Option<Table>, SourceError> {
        let span = match &self.definition.reference {
            None => return Ok(None),
            Some(ReferenceSpec::File(path)) => {
                let path = Path::new(path);
                inputs.push(input(path, "reference")?);
                let table = read_log(path, &ReadOptions::default())?;
                return Ok(Some(self.cohort(table)?));
            }
            Some(ReferenceSpec::Window(text)) => TimeWindow::parse(text)?,
            Some(ReferenceSpec::Rolling(span)) => {
                let span = parse_duration(span).map_err(SourceError::Definition)?;
                let start = start.ok_or_else(|| {
                    SourceError::Definition(
                        "a rolling reference needs windows with a time: partitions named by date \
                         (`date=2026-12-01`) or a timestamp column"
                            .to_string(),
                    )
                })?;
                TimeWindow {
                    start: Some(nanos(start.saturating_sub(span).unwrap_or(start))),
                    end: Some(nanos(start)),
                }
            }
        };
        let table = match partitions {
            Some(partitions) => {
                let files: Vec<PathBuf> = partitions
                    .iter()
                    .filter(|p| p.time.is_some_and(|t| span.contains(nanos(t))))
                    .flat_map(|p| p.files.iter().cloned())
                    .collect();
                for file in &files {
                    inputs.push(input(file, "reference")?);
                }
                read_files(&files, &ReadOptions::default(), "the reference".to_string())?
            }
            None => read_log(
                self.path(),
                &ReadOptions {
                    columns: None,
                    window: Some((self.timestamp_column(), span)),
                },
            )?,
        };
        Ok(Some(self.cohort(table)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(path: &Path, reference: Option<&str>) -> MonitorDefinition {
        let mut value = serde_json::json!({
            "name": "m", "system": "s", "schedule": "1m", "thresholds": ["rows < 1"],
            "source": {"path": path.display().to_string()},
            "check": {"kind": "volume"},
        });
        if let Some(span) = reference {
            value["reference"] = serde_json::json!({ "rolling": span });
        }
        serde_json::from_value(value).unwrap()
    }

    fn write(path: &Path, rows: &[(&str, u32)]) {
        let mut csv = String::from("timestamp,x\n");
        for (at, x) in rows {
            csv.push_str(&format!("{at},{x}\n"));
        }
        std::fs::write(path, csv).unwrap();
    }

    #[test]
    fn a_growing_file_is_read_past_its_watermark_with_a_rolling_reference() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("log.csv");
        write(
            &file,
            &[("2026-12-01T00:00:00Z", 1), ("2026-12-01T12:00:00Z", 2)],
        );
        let definition = definition(&file, Some("1d"));
        let reader = Reader {
            definition: &definition,
            label_delay: SignedDuration::ZERO,
            now: "2026-12-03T00:00:00Z".parse().unwrap(),
        };
        let first = reader.next_window(None).unwrap().unwrap();
        assert_eq!(first.current.row_count, 2);
        assert_eq!(first.watermark, "2026-12-01T12:00:00Z");
        assert!(
            reader
                .next_window(Some(&first.watermark))
                .unwrap()
                .is_none()
        );
        write(
            &file,
            &[
                ("2026-12-01T00:00:00Z", 1),
                ("2026-12-01T12:00:00Z", 2),
                ("2026-12-02T06:00:00Z", 3),
                // After `now`: not yet part of any window.
                ("2026-12-04T00:00:00Z", 4),
            ],
        );
        let second = reader.next_window(Some(&first.watermark)).unwrap().unwrap();
        assert_eq!(second.current.row_count, 1);
        assert_eq!(second.name, "2026-12-02T06:00:00Z..2026-12-02T06:00:00Z");
        // The day before the window's first row.
        assert_eq!(second.reference.unwrap().row_count, 1);
        assert_eq!(second.inputs[0].1.role, "current");
    }

    #[test]
    fn partitions_are_windows_in_name_order_and_a_corrupt_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        for day in ["2026-12-02", "2026-12-01"] {
            let partition = dir.path().join(format!("date={day}"));
            std::fs::create_dir_all(&partition).unwrap();
            write(
                &partition.join("part-0.csv"),
                &[(&format!("{day}T01:00:00Z"), 1)],
            );
        }
        let definition = definition(dir.path(), Some("1d"));
        let reader = Reader {
            definition: &definition,
            label_delay: SignedDuration::ZERO,
            now: "2026-12-03T00:00:00Z".parse().unwrap(),
        };
        let first = reader.next_window(None).unwrap().unwrap();
        assert_eq!(first.name, "date=2026-12-01");
        assert_eq!(
            first.reference.as_ref().unwrap().row_count,
            0,
            "nothing the day before"
        );
        let second = reader
            .next_window(Some("date=2026-12-01"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (second.name.as_str(), second.reference.unwrap().row_count),
            ("date=2026-12-02", 1)
        );
        let bad = dir.path().join("date=2026-12-03");
        std::fs::create_dir_all(&bad).unwrap();
        std::fs::write(bad.join("part-0.parquet"), b"garbage").unwrap();
        let error = reader
            .next_window(Some("date=2026-12-02"))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("date=2026-12-03/part-0.parquet"), "{error}");
        let delayed = Reader {
            label_delay: SignedDuration::from_hours(48),
            ..reader
        };
        assert!(
            delayed
                .next_window(Some("date=2026-12-01"))
                .unwrap()
                .is_none(),
            "labels not in yet"
        );
    }

    #[test]
    fn a_glob_of_files_is_one_window_per_file_past_the_watermark() {
        let dir = tempfile::tempdir().unwrap();
        for day in ["2026-12-01", "2026-12-02"] {
            write(
                &dir.path().join(format!("{day}.csv")),
                &[(&format!("{day}T01:00:00Z"), 1)],
            );
        }
        let pattern = dir.path().join("*.csv");
        let definition = definition(&pattern, Some("1d"));
        let reader = Reader {
            definition: &definition,
            label_delay: SignedDuration::ZERO,
            now: "2026-12-03T00:00:00Z".parse().unwrap(),
        };
        let first = reader.next_window(None).unwrap().unwrap();
        assert_eq!(
            (first.name.as_str(), first.current.row_count),
            ("2026-12-01.csv", 1)
        );
        let second = reader.next_window(Some(&first.watermark)).unwrap().unwrap();
        assert_eq!(second.name, "2026-12-02.csv");
        assert_eq!(second.reference.unwrap().row_count, 1, "the day before");
        assert!(
            reader
                .next_window(Some(&second.watermark))
                .unwrap()
                .is_none()
        );
        assert_eq!(reader.all_partitions().unwrap().len(), 2);
    }
}
