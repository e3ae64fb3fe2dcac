//! CSV conversation logs through the crate's loader. The CSV reader refuses a whole file for
//! one row that is not UTF-8, so such rows are found first (records split the way RFC 4180
//! quotes them, so a quoted newline stays inside its row), skipped and counted, and the rest is
//! read from memory.

use std::io::Read as _;
use std::path::Path;

use super::{MAX_LISTED_SKIPS, Read, skip};
use crate::ForensicsError;
use crate::load::{ReadOptions, read_csv_bytes, read_log};

const CHUNK: usize = 1 << 20;

pub(super) fn read_csv(path: &Path) -> Result<Read, ForensicsError> {
    if is_utf8(path)? {
        return Ok(Read::whole(read_log(path, &ReadOptions::default())?));
    }
    let open_error = |source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(open_error)?;
    let (mut skipped_turns, mut skipped) = (0, Vec::with_capacity(MAX_LISTED_SKIPS));
    let mut kept = Vec::with_capacity(bytes.len());
    for record in records(&bytes) {
        let text = &bytes[record.start..record.end];
        match std::str::from_utf8(text) {
            Ok(_) => kept.extend_from_slice(text),
            Err(_) if record.line == 1 => {
                return Err(ForensicsError::BadCsv {
                    path: path.to_path_buf(),
                    line: Some(1),
                    message: "the header is not UTF-8".to_string(),
                });
            }
            Err(error) => {
                let reason = format!("not UTF-8 at byte {} of the row", error.valid_up_to());
                skip(&mut skipped_turns, &mut skipped, record.line, reason);
            }
        }
    }
    let table = read_csv_bytes(path, kept).map_err(|error| match error {
        ForensicsError::EmptyInput { path } => ForensicsError::NoReadableTurns {
            path,
            skipped: skipped_turns,
            reason: "rows not UTF-8".to_string(),
        },
        other => other,
    })?;
    Ok(Read {
        table,
        skipped_turns,
        skipped,
    })
}

/// Whether the whole file is UTF-8, read in chunks so a large log is not held in memory.
fn is_utf8(path: &Path) -> Result<bool, ForensicsError> {
    let open_error = |source| ForensicsError::Open {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(open_error)?;
    let mut buffer = vec![0u8; CHUNK];
    // Bytes of a character cut by the end of the last chunk, carried to the next.
    let mut carried = 0;
    loop {
        let read = file.read(&mut buffer[carried..]).map_err(open_error)?;
        let filled = carried + read;
        if read == 0 {
            return Ok(carried == 0);
        }
        match std::str::from_utf8(&buffer[..filled]) {
            Ok(_) => carried = 0,
            // Cut at the end: keep the incomplete character for the next read.
            Err(error) if error.error_len().is_none() => {
                let valid = error.valid_up_to();
                buffer.copy_within(valid..filled, 0);
                carried = filled - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// One CSV record: `bytes[start..end]` with its line terminator, starting on `line` (from 1).
struct Record {
    start: usize,
    end: usize,
    line: u64,
}

/// The records of a CSV file: a newline ends one unless it is inside quotes (a doubled quote
/// inside quotes toggles twice, so it needs no case of its own).
fn records(bytes: &[u8]) -> Vec<Record> {
    let mut records = Vec::new();
    let (mut start, mut line, mut start_line, mut quoted) = (0, 1u64, 1u64, false);
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' => {
                line += 1;
                if !quoted {
                    records.push(Record {
                        start,
                        end: index + 1,
                        line: start_line,
                    });
                    start = index + 1;
                    start_line = line;
                }
            }
            _ => {}
        }
    }
    if start < bytes.len() {
        records.push(Record {
            start,
            end: bytes.len(),
            line: start_line,
        });
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_newlines_stay_in_their_record() {
        let text = b"a,b\n1,\"x\ny\"\n2,\"say \"\"hi\"\"\"\n3,z";
        let lines: Vec<(u64, &[u8])> = records(text)
            .iter()
            .map(|record| (record.line, &text[record.start..record.end]))
            .collect();
        assert_eq!(
            lines,
            [
                (1, &b"a,b\n"[..]),
                (2, &b"1,\"x\ny\"\n"[..]),
                (4, &b"2,\"say \"\"hi\"\"\"\n"[..]),
                (5, &b"3,z"[..]),
            ]
        );
    }

    #[test]
    fn utf8_is_checked_across_chunk_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        // A two-byte character straddling the first chunk's end.
        let mut bytes = vec![b'a'; CHUNK - 1];
        bytes.extend("é".as_bytes());
        std::fs::write(&path, &bytes).unwrap();
        assert!(is_utf8(&path).unwrap());
        bytes.push(0xff);
        std::fs::write(&path, &bytes).unwrap();
        assert!(!is_utf8(&path).unwrap());
        std::fs::write(&path, [b'a', 0xc3]).unwrap();
        assert!(!is_utf8(&path).unwrap());
    }
}
