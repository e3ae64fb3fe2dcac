//! A source given as a glob (`/logs/date=*/*.parquet`, `/logs/*.csv`):
//! `*` (any run of characters) and `?` (one character) within one path
//! segment, never across a `/`. The files it matches become partitions
//! like a directory's: grouped by their directory below the glob's fixed
//! base when the wildcards reach into directories, else one file each.

use super::source::{Partition, SourceError, file_error, is_log, window_time};
use std::path::{Component, Path, PathBuf};

/// Whether a source path is a glob.
pub fn is_glob(path: &str) -> bool {
    path.contains(['*', '?'])
}

/// Whether `name` (one path segment) matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let (pattern, name): (Vec<char>, Vec<char>) =
        (pattern.chars().collect(), name.chars().collect());
    // Greedy with one backtrack point: the last `*` seen.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, n));
                p += 1;
            }
            Some('?') => (p, n) = (p + 1, n + 1),
            Some(c) if *c == name[n] => (p, n) = (p + 1, n + 1),
            _ => match star {
                Some((star_p, star_n)) => {
                    (p, n) = (star_p + 1, star_n + 1);
                    star = Some((star_p, star_n + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// The glob's leading directory without a wildcard, and the segments after it.
pub fn split(pattern: &Path) -> (PathBuf, Vec<String>) {
    let mut base = PathBuf::new();
    let mut rest = Vec::new();
    for component in pattern.components() {
        let text = component.as_os_str().to_string_lossy();
        if rest.is_empty() && !(matches!(component, Component::Normal(_)) && is_glob(&text)) {
            base.push(component);
        } else {
            rest.push(text.into_owned());
        }
    }
    // The last segment names files, even without a wildcard.
    if rest.is_empty()
        && let Some(last) = base.file_name().map(|n| n.to_string_lossy().into_owned())
    {
        base.pop();
        rest.push(last);
    }
    (base, rest)
}

/// The files matching `pattern`, as partitions in name order. Refuses a
/// base directory that cannot be read, naming it; a glob matching nothing
/// yet has no partitions.
pub fn partitions(pattern: &Path) -> Result<Vec<Partition>, SourceError> {
    let (base, segments) = split(pattern);
    let mut paths = vec![base.clone()];
    for (depth, segment) in segments.iter().enumerate() {
        let last = depth + 1 == segments.len();
        let mut next = Vec::new();
        for dir in &paths {
            let entries = match std::fs::read_dir(dir) {
                Ok(entries) => entries,
                // Below the base, a directory may come and go.
                Err(_) if depth > 0 => continue,
                Err(error) => return Err(file_error(dir, error)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| file_error(dir, e))?;
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                let wanted = if last {
                    path.is_file() && is_log(&path)
                } else {
                    path.is_dir()
                };
                if wanted && matches(segment, &name) {
                    next.push(path);
                }
            }
        }
        paths = next;
    }
    paths.sort();
    let mut found: Vec<Partition> = Vec::new();
    for file in paths {
        let relative = file.strip_prefix(&base).unwrap_or(&file);
        let name = match relative.parent().filter(|_| segments.len() > 1) {
            Some(dir) => dir.display().to_string(),
            None => relative.display().to_string(),
        };
        match found.last_mut() {
            Some(partition) if partition.name == name => partition.files.push(file),
            _ => {
                found.push(Partition {
                    time: window_time(&name),
                    name,
                    files: vec![file],
                });
            }
        }
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_question_marks_match_within_a_segment() {
        for (pattern, name) in [
            ("*", "a.csv"),
            ("*.csv", "a.csv"),
            ("date=*", "date=2026-12-01"),
            ("part-?.parquet", "part-0.parquet"),
            ("a*b*c", "aXbYbZc"),
            ("*", ""),
            ("exact", "exact"),
        ] {
            assert!(matches(pattern, name), "{pattern} ~ {name}");
        }
        for (pattern, name) in [
            ("*.csv", "a.parquet"),
            ("part-?.parquet", "part-10.parquet"),
            ("a*b*c", "aXbYbZ"),
            ("?", ""),
            ("exact", "exactly"),
        ] {
            assert!(!matches(pattern, name), "{pattern} !~ {name}");
        }
    }

    #[test]
    fn the_base_is_the_leading_directory_without_a_wildcard() {
        let (base, rest) = split(Path::new("/logs/app/date=*/*.parquet"));
        assert_eq!(
            (base, rest),
            (
                PathBuf::from("/logs/app"),
                vec!["date=*".into(), "*.parquet".into()]
            )
        );
        let (base, rest) = split(Path::new("/logs/*.csv"));
        assert_eq!((base, rest), (PathBuf::from("/logs"), vec!["*.csv".into()]));
    }

    #[test]
    fn matches_become_partitions_by_directory_or_by_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for day in ["2026-12-02", "2026-12-01"] {
            let partition = root.join(format!("date={day}"));
            std::fs::create_dir_all(&partition).unwrap();
            for part in ["part-0.csv", "part-1.csv", "notes.txt"] {
                std::fs::write(partition.join(part), "timestamp,x\n").unwrap();
            }
            std::fs::write(root.join(format!("{day}.csv")), "timestamp,x\n").unwrap();
        }
        std::fs::create_dir_all(root.join("other")).unwrap();
        let by_dir = partitions(&root.join("date=*/*.csv")).unwrap();
        let names: Vec<_> = by_dir.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["date=2026-12-01", "date=2026-12-02"]);
        assert_eq!(by_dir[0].files.len(), 2, "notes.txt is not a log");
        assert_eq!(
            by_dir[0].time,
            Some("2026-12-01T00:00:00Z".parse().unwrap())
        );
        let by_file = partitions(&root.join("*.csv")).unwrap();
        let names: Vec<_> = by_file.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["2026-12-01.csv", "2026-12-02.csv"]);
        assert_eq!(
            by_file[1].time,
            Some("2026-12-02T00:00:00Z".parse().unwrap())
        );
        assert!(
            partitions(&root.join("date=*/*.parquet"))
                .unwrap()
                .is_empty()
        );
        let error = partitions(&root.join("missing/*.csv"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing"), "{error}");
    }
}
