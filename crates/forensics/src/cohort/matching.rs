//! Evaluating a cohort over a table, in SQL's three-valued logic: a comparison with a missing
//! value is unknown, and `not` keeps it unknown, so negating a filter never selects rows the
//! filter could not judge. Text predicates run once per distinct dictionary value, not per row.

use regex::{Regex, RegexBuilder};

use super::{Cohort, Literal, Operator};
use crate::ForensicsError;
use crate::table::{ColumnValues, NULL_CODE, NULL_TIMESTAMP, Table};

/// Compiled regular expressions larger than this are refused, so a hostile pattern such as
/// `\w{1000}{1000}` fails to compile instead of exhausting memory. Large enough for keyword
/// lists of some thousands of words.
pub(super) const REGEX_SIZE_LIMIT: usize = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Truth {
    False,
    True,
    Unknown,
}

impl Truth {
    fn of(known: bool) -> Self {
        if known { Self::True } else { Self::False }
    }

    fn and(self, other: Self) -> Self {
        match (self, other) {
            (Self::False, _) | (_, Self::False) => Self::False,
            (Self::True, Self::True) => Self::True,
            _ => Self::Unknown,
        }
    }

    fn or(self, other: Self) -> Self {
        match (self, other) {
            (Self::True, _) | (_, Self::True) => Self::True,
            (Self::False, Self::False) => Self::False,
            _ => Self::Unknown,
        }
    }

    fn not(self) -> Self {
        match self {
            Self::False => Self::True,
            Self::True => Self::False,
            Self::Unknown => Self::Unknown,
        }
    }
}

/// The truth of `cohort` for every row of `table`.
pub(super) fn truth(cohort: &Cohort, table: &Table) -> Result<Vec<Truth>, ForensicsError> {
    match cohort {
        Cohort::And(left, right) => {
            let (left, right) = (truth(left, table)?, truth(right, table)?);
            Ok(left.into_iter().zip(right).map(|(a, b)| a.and(b)).collect())
        }
        Cohort::Or(left, right) => {
            let (left, right) = (truth(left, table)?, truth(right, table)?);
            Ok(left.into_iter().zip(right).map(|(a, b)| a.or(b)).collect())
        }
        Cohort::Not(inner) => Ok(truth(inner, table)?.into_iter().map(Truth::not).collect()),
        Cohort::Compare {
            column,
            operator,
            value,
            quoted,
        } => compare_any(
            table,
            column,
            *operator,
            &[Literal {
                value: value.clone(),
                quoted: *quoted,
            }],
        ),
        Cohort::In { column, values } => compare_any(table, column, Operator::Equal, values),
        Cohort::Contains {
            column,
            any_of,
            case_sensitive,
        } => text_matches(table, column, &contains_regex(any_of, *case_sensitive)?),
        Cohort::Matches { column, pattern } => {
            text_matches(table, column, &compile_pattern(pattern)?)
        }
    }
}

/// A regular expression finding any of `keywords` as plain text.
pub(super) fn contains_regex(
    keywords: &[String],
    case_sensitive: bool,
) -> Result<Regex, ForensicsError> {
    let alternatives: Vec<String> = keywords.iter().map(|k| regex::escape(k)).collect();
    let pattern = alternatives.join("|");
    RegexBuilder::new(&pattern)
        .case_insensitive(!case_sensitive)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        // Escaped text has no syntax errors: only the size limit can refuse it.
        .map_err(|error| {
            ForensicsError::InvalidOptions(format!(
                "the {} keywords of `contains` are too many to search at once: {error}",
                keywords.len()
            ))
        })
}

/// Compiles a `matches` pattern; a refusal names the pattern and the character where it is
/// wrong.
pub(super) fn compile_pattern(pattern: &str) -> Result<Regex, ForensicsError> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|error| pattern_error(pattern, &error))
}

/// Where and why `pattern` does not compile. The `regex` crate's error is only text, so a
/// syntax error is parsed again by `regex-syntax`, whose error has the span.
fn pattern_error(pattern: &str, error: &regex::Error) -> ForensicsError {
    let (byte, message) = match error {
        regex::Error::CompiledTooBig(limit) => (
            0,
            format!("compiles to more than {limit} bytes; use a simpler expression"),
        ),
        _ => match regex_syntax::Parser::new().parse(pattern) {
            Err(regex_syntax::Error::Parse(error)) => {
                (error.span().start.offset, error.kind().to_string())
            }
            Err(regex_syntax::Error::Translate(error)) => {
                (error.span().start.offset, error.kind().to_string())
            }
            _ => (0, error.to_string()),
        },
    };
    ForensicsError::BadPattern {
        pattern: pattern.to_string(),
        byte,
        character: pattern[..byte].chars().count(),
        message,
    }
}

/// Rows whose text `regex` finds something in; only text columns have text.
fn text_matches(table: &Table, column: &str, regex: &Regex) -> Result<Vec<Truth>, ForensicsError> {
    match &table.column(column)?.values {
        ColumnValues::Categorical { codes, dictionary } => {
            // Each distinct text once, spread over the cores.
            let per_code = crate::parallel::per_part(dictionary, |_, part| {
                part.iter()
                    .map(|entry| Truth::of(regex.is_match(entry)))
                    .collect::<Vec<Truth>>()
            })
            .concat();
            Ok(by_code(codes, &per_code))
        }
        other => Err(ForensicsError::WrongType {
            source_name: table.source.clone(),
            column: column.to_string(),
            found: other.kind_name().to_string(),
            expected: "text for `contains` and `matches`".to_string(),
        }),
    }
}

fn by_code(codes: &[u32], per_code: &[Truth]) -> Vec<Truth> {
    codes
        .iter()
        .map(|&code| {
            if code == NULL_CODE {
                Truth::Unknown
            } else {
                per_code[code as usize]
            }
        })
        .collect()
}

/// Rows where `column operator value` holds for at least one of `values`.
fn compare_any(
    table: &Table,
    column: &str,
    operator: Operator,
    values: &[Literal],
) -> Result<Vec<Truth>, ForensicsError> {
    let bad_value = |value: &str, expected: &str| ForensicsError::BadValue {
        source_name: table.source.clone(),
        column: column.to_string(),
        row: 0,
        message: format!("cohort value `{value}` is not {expected}"),
    };
    Ok(match &table.column(column)?.values {
        ColumnValues::Numeric {
            values: numbers,
            nulls,
            ..
        } => {
            let targets = values
                .iter()
                .map(|Literal { value, quoted }| match value.as_str() {
                    "true" if !quoted => Ok(1.0),
                    "false" if !quoted => Ok(0.0),
                    _ if *quoted => Err(bad_value(value, "a number")),
                    _ => value
                        .parse::<f64>()
                        .map_err(|_| bad_value(value, "a number")),
                })
                .collect::<Result<Vec<f64>, _>>()?;
            numbers
                .iter()
                .enumerate()
                .map(|(row, number)| {
                    if nulls.as_ref().is_some_and(|nulls| nulls[row]) {
                        return Truth::Unknown;
                    }
                    // A logged NaN is a value that compares false, not a missing one.
                    Truth::of(targets.iter().any(|target| {
                        number
                            .partial_cmp(target)
                            .is_some_and(|ordering| operator.holds(ordering))
                    }))
                })
                .collect()
        }
        ColumnValues::Categorical { codes, dictionary } => {
            // Compare each dictionary entry once, then look rows up by code.
            let per_code: Vec<Truth> = dictionary
                .iter()
                .map(|entry| {
                    Truth::of(
                        values
                            .iter()
                            .any(|literal| operator.holds(entry.as_str().cmp(&literal.value))),
                    )
                })
                .collect();
            by_code(codes, &per_code)
        }
        ColumnValues::Timestamp { nanos } => {
            let targets = values
                .iter()
                .map(|literal| {
                    crate::load::parse_instant(&literal.value)
                        .map_err(|_| bad_value(&literal.value, "a date or instant"))
                })
                .collect::<Result<Vec<i64>, _>>()?;
            nanos
                .iter()
                .map(|&stamp| {
                    if stamp == NULL_TIMESTAMP {
                        Truth::Unknown
                    } else {
                        Truth::of(
                            targets
                                .iter()
                                .any(|target| operator.holds(stamp.cmp(target))),
                        )
                    }
                })
                .collect()
        }
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::table::{Column, NumericOrigin};

    /// Four rows; row 2 has no age, row 3 no group and no prompt.
    pub(in crate::cohort) fn table() -> Table {
        let text = |codes: Vec<u32>, dictionary: &[&str]| ColumnValues::Categorical {
            codes,
            dictionary: dictionary.iter().map(|entry| entry.to_string()).collect(),
        };
        Table {
            source: "test".to_string(),
            row_count: 4,
            columns: vec![
                Column {
                    name: "age".to_string(),
                    values: ColumnValues::Numeric {
                        values: vec![20.0, 35.0, f64::NAN, 50.0],
                        nulls: Some(vec![false, false, true, false]),
                        origin: NumericOrigin::Integer,
                    },
                },
                Column {
                    name: "group".to_string(),
                    values: text(vec![0, 1, 0, NULL_CODE], &["A", "B"]),
                },
                Column {
                    name: "prompt".to_string(),
                    values: text(
                        vec![0, 1, 2, NULL_CODE],
                        &[
                            "What DOSAGE of ibuprofen?",
                            "Is my loan approved?",
                            "Résumé tips, ÉCOLE (2024)",
                        ],
                    ),
                },
            ],
        }
    }

    pub(in crate::cohort) fn check(expression: &str, expected: &[bool]) {
        let cohort = Cohort::parse(expression).unwrap();
        assert_eq!(cohort.matches(&table()).unwrap(), expected, "{expression}");
    }

    #[test]
    fn comparisons_and_precedence() {
        check("age >= 30", &[false, true, false, true]);
        check("group == 'A'", &[true, false, true, false]);
        check("group = A and age < 30", &[true, false, false, false]);
        check(
            "group == B or group == A and age > 100",
            &[false, true, false, false],
        );
        check(
            "(group == B or group == A) and age > 30",
            &[false, true, false, false],
        );
        check("group != A", &[false, true, false, false]);
    }

    #[test]
    fn contains_ignores_case_unless_asked() {
        check("prompt contains 'dosage'", &[true, false, false, false]);
        check("prompt contains dosage", &[true, false, false, false]);
        // Unicode simple case folding, not only ASCII.
        check("prompt contains 'école'", &[false, false, true, false]);
        check(
            "prompt contains case 'dosage'",
            &[false, false, false, false],
        );
        check(
            "prompt contains case 'DOSAGE'",
            &[true, false, false, false],
        );
        check("prompt not contains 'loan'", &[true, false, true, false]);
    }

    #[test]
    fn contains_any_of_a_list_or_a_file() {
        check(
            "prompt contains any of ['dosage', 'LOAN']",
            &[true, true, false, false],
        );
        check(
            "prompt contains case any of ['dosage', 'loan']",
            &[false, true, false, false],
        );
        let files = |path: &str| {
            assert_eq!(path, "lists/medical words.txt");
            Ok("# medical\n\n  ibuprofen  \nparacetamol\n".to_string())
        };
        let cohort = Cohort::parse_with_keyword_files(
            "prompt contains any of @'lists/medical words.txt'",
            &files,
        )
        .unwrap();
        assert_eq!(
            cohort,
            Cohort::Contains {
                column: "prompt".to_string(),
                any_of: vec!["ibuprofen".to_string(), "paracetamol".to_string()],
                case_sensitive: false,
            }
        );
        assert_eq!(
            cohort.matches(&table()).unwrap(),
            [true, false, false, false]
        );
        let bare =
            Cohort::parse_with_keyword_files("prompt contains any of @words.txt", &|path: &str| {
                Ok(format!("{path}\n"))
            })
            .unwrap();
        assert_eq!(cohort.columns(), bare.columns());
    }

    #[test]
    fn matches_is_a_regular_expression_found_anywhere() {
        check(
            "prompt matches '\\(\\d{4}\\)'",
            &[false, false, true, false],
        );
        check("prompt matches '^Is '", &[false, true, false, false]);
        check("prompt matches 'dosage'", &[false, false, false, false]);
        check("prompt matches '(?i)dosage'", &[true, false, false, false]);
        check("prompt not matches '^Is '", &[true, false, true, false]);
    }

    #[test]
    fn in_lists_compare_with_each_value() {
        check("group in [A, 'B']", &[true, true, true, false]);
        check("group not in ['B']", &[true, false, true, false]);
        check("age in [20, 50,]", &[true, false, false, true]);
        check("age not in [20]", &[false, true, false, true]);
        check(
            "prompt in ['Is my loan approved?']",
            &[false, true, false, false],
        );
    }

    /// Missing values are unknown, as in SQL: `not` does not turn them into matches, but a
    /// false side of `and` (or a true side of `or`) still decides the row.
    #[test]
    fn not_keeps_unknown_unknown() {
        check("not group == A", &[false, true, false, false]);
        check("not (group == A)", &[false, true, false, false]);
        check("not not group == A", &[true, false, true, false]);
        check("not age > 30", &[true, false, false, false]);
        check("not (age > 30 and group == B)", &[true, false, true, false]);
        check(
            "not (age > 30 or group == A)",
            &[false, false, false, false],
        );
        check("not age > 30 and group == A", &[true, false, false, false]);
        check("group == B or not age > 30", &[true, true, false, false]);
    }

    #[test]
    fn text_operators_need_text_columns() {
        let cohort = Cohort::parse("age contains '2'").unwrap();
        let error = cohort.matches(&table()).unwrap_err();
        assert!(
            matches!(error, ForensicsError::WrongType { ref column, .. } if column == "age"),
            "{error}"
        );
        assert!(
            Cohort::parse("age in ['x']")
                .unwrap()
                .matches(&table())
                .is_err()
        );
    }

    /// A stored cohort is not parsed again, so its pattern is checked when it runs.
    #[test]
    fn a_stored_bad_pattern_is_refused_when_it_runs() {
        let stored = Cohort::Matches {
            column: "prompt".to_string(),
            pattern: "ab(c".to_string(),
        };
        let error = stored.matches(&table()).unwrap_err();
        assert!(
            matches!(error, ForensicsError::BadPattern { character: 2, .. }),
            "{error}"
        );
    }

    #[test]
    fn existing_serialized_shapes_still_read() {
        let stored = r#"{"and":[{"compare":{"column":"group","operator":"equal","value":"A","quoted":true}},{"compare":{"column":"age","operator":"less","value":"30","quoted":false}}]}"#;
        let cohort: Cohort = serde_json::from_str(stored).unwrap();
        assert_eq!(cohort, Cohort::parse("group == 'A' and age < 30").unwrap());
        assert_eq!(serde_json::to_string(&cohort).unwrap(), stored);
        let new = Cohort::parse("not prompt contains any of [a, b] or group in [A]").unwrap();
        let round_trip: Cohort =
            serde_json::from_str(&serde_json::to_string(&new).unwrap()).unwrap();
        assert_eq!(round_trip, new);
    }
}
