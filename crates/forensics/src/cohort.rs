//! Cohort filters (decision D20): `column op value`, joined by `and` / `or` (`and` binds
//! tighter), with parentheses. Operators: `==` (or `=`), `!=`, `<`, `<=`, `>`, `>=`.
//! Values are numbers, quoted text (`'x'` or `"x"`), bare words, `true`/`false`, or instants
//! for timestamp columns. A row with a missing value never matches a comparison.

use crate::ForensicsError;
use crate::table::{ColumnValues, NULL_CODE, Table};

/// A parsed cohort expression.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cohort {
    Compare {
        column: String,
        operator: Operator,
        value: String,
        /// Whether the value was quoted, so it is text even if it looks like a number.
        quoted: bool,
    },
    And(Box<Cohort>, Box<Cohort>),
    Or(Box<Cohort>, Box<Cohort>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Operator {
    fn holds(self, ordering: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::{Equal, Greater, Less};
        match self {
            Self::Equal => ordering == Equal,
            Self::NotEqual => ordering != Equal,
            Self::Less => ordering == Less,
            Self::LessOrEqual => ordering != Greater,
            Self::Greater => ordering == Greater,
            Self::GreaterOrEqual => ordering != Less,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Operator(Operator),
    Open,
    Close,
}

/// How deep parentheses may nest, and how many comparisons one expression may
/// hold: parsing, matching and dropping a cohort recurse over its tree, so
/// bigger input is refused instead of overflowing the stack.
pub const MAX_NESTING: usize = 32;
pub const MAX_COMPARISONS: usize = 256;

struct Parser<'a> {
    expression: &'a str,
    tokens: Vec<(usize, Token)>,
    position: usize,
    /// Parentheses open at the current token.
    depth: usize,
    comparisons: usize,
}

impl Cohort {
    /// Parses a cohort expression; errors name the character where parsing stopped.
    pub fn parse(expression: &str) -> Result<Self, ForensicsError> {
        let tokens = tokenize(expression)?;
        let mut parser = Parser {
            expression,
            tokens,
            position: 0,
            depth: 0,
            comparisons: 0,
        };
        let cohort = parser.or_expression()?;
        if let Some((offset, _)) = parser.tokens.get(parser.position) {
            return Err(parser.error(*offset, "expected `and`, `or` or the end of the expression"));
        }
        Ok(cohort)
    }

    /// The columns the expression reads, each once, in order of appearance.
    pub fn columns(&self) -> Vec<String> {
        let mut columns = Vec::new();
        self.collect_columns(&mut columns);
        columns
    }

    fn collect_columns(&self, columns: &mut Vec<String>) {
        match self {
            Self::Compare { column, .. } => {
                if !columns.contains(column) {
                    columns.push(column.clone());
                }
            }
            Self::And(left, right) | Self::Or(left, right) => {
                left.collect_columns(columns);
                right.collect_columns(columns);
            }
        }
    }

    /// Which rows of `table` belong to the cohort.
    pub fn matches(&self, table: &Table) -> Result<Vec<bool>, ForensicsError> {
        match self {
            Self::And(left, right) => {
                let (left, right) = (left.matches(table)?, right.matches(table)?);
                Ok(left.iter().zip(right).map(|(a, b)| *a && b).collect())
            }
            Self::Or(left, right) => {
                let (left, right) = (left.matches(table)?, right.matches(table)?);
                Ok(left.iter().zip(right).map(|(a, b)| *a || b).collect())
            }
            Self::Compare {
                column,
                operator,
                value,
                quoted,
            } => compare(table, column, *operator, value, *quoted),
        }
    }

    /// The rows of `table` in the cohort, as a new table.
    pub fn select(&self, table: &Table) -> Result<Table, ForensicsError> {
        let rows: Vec<usize> = self
            .matches(table)?
            .iter()
            .enumerate()
            .filter(|(_, keep)| **keep)
            .map(|(row, _)| row)
            .collect();
        Ok(table.take(&rows, format!("{} where cohort", table.source)))
    }
}

fn compare(
    table: &Table,
    column: &str,
    operator: Operator,
    value: &str,
    quoted: bool,
) -> Result<Vec<bool>, ForensicsError> {
    let values = &table.column(column)?.values;
    let bad_value = |expected: &str| ForensicsError::BadValue {
        source_name: table.source.clone(),
        column: column.to_string(),
        row: 0,
        message: format!("cohort value `{value}` is not {expected}"),
    };
    Ok(match values {
        ColumnValues::Numeric {
            values: numbers,
            nulls,
            ..
        } => {
            let target = match value {
                "true" if !quoted => 1.0,
                "false" if !quoted => 0.0,
                _ if quoted => return Err(bad_value("a number")),
                _ => value.parse::<f64>().map_err(|_| bad_value("a number"))?,
            };
            numbers
                .iter()
                .enumerate()
                .map(|(row, number)| {
                    !nulls.as_ref().is_some_and(|nulls| nulls[row])
                        && number
                            .partial_cmp(&target)
                            .is_some_and(|ordering| operator.holds(ordering))
                })
                .collect()
        }
        ColumnValues::Categorical { codes, dictionary } => {
            // Compare each dictionary entry once, then look rows up by code.
            let per_code: Vec<bool> = dictionary
                .iter()
                .map(|entry| operator.holds(entry.as_str().cmp(value)))
                .collect();
            codes
                .iter()
                .map(|&code| code != NULL_CODE && per_code[code as usize])
                .collect()
        }
        ColumnValues::Timestamp { nanos } => {
            let target =
                crate::load::parse_instant(value).map_err(|_| bad_value("a date or instant"))?;
            nanos
                .iter()
                .map(|&stamp| {
                    stamp != crate::table::NULL_TIMESTAMP && operator.holds(stamp.cmp(&target))
                })
                .collect()
        }
    })
}

fn tokenize(expression: &str) -> Result<Vec<(usize, Token)>, ForensicsError> {
    let error = |position: usize, message: &str| ForensicsError::BadFilter {
        expression: expression.to_string(),
        position,
        message: message.to_string(),
    };
    let characters: Vec<(usize, char)> = expression.char_indices().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let (offset, character) = characters[index];
        let next = characters.get(index + 1).map(|(_, character)| *character);
        match character {
            _ if character.is_whitespace() => index += 1,
            '(' => {
                tokens.push((offset, Token::Open));
                index += 1;
            }
            ')' => {
                tokens.push((offset, Token::Close));
                index += 1;
            }
            '=' | '!' | '<' | '>' => {
                let (operator, width) = match (character, next) {
                    ('=', Some('=')) => (Operator::Equal, 2),
                    ('=', _) => (Operator::Equal, 1),
                    ('!', Some('=')) => (Operator::NotEqual, 2),
                    ('<', Some('=')) => (Operator::LessOrEqual, 2),
                    ('<', _) => (Operator::Less, 1),
                    ('>', Some('=')) => (Operator::GreaterOrEqual, 2),
                    ('>', _) => (Operator::Greater, 1),
                    _ => return Err(error(offset, "`!` must be followed by `=`")),
                };
                tokens.push((offset, Token::Operator(operator)));
                index += width;
            }
            '\'' | '"' => {
                let closing = characters[index + 1..]
                    .iter()
                    .position(|(_, candidate)| *candidate == character)
                    .ok_or_else(|| error(offset, "unterminated quoted value"))?;
                let text: String = characters[index + 1..index + 1 + closing]
                    .iter()
                    .map(|(_, c)| c)
                    .collect();
                tokens.push((offset, Token::Quoted(text)));
                index += closing + 2;
            }
            _ => {
                let length = characters[index..]
                    .iter()
                    .take_while(|(_, c)| !c.is_whitespace() && !"()=!<>'\"".contains(*c))
                    .count();
                let word: String = characters[index..index + length]
                    .iter()
                    .map(|(_, c)| c)
                    .collect();
                tokens.push((offset, Token::Word(word)));
                index += length;
            }
        }
    }
    if tokens.is_empty() {
        return Err(error(0, "empty expression"));
    }
    Ok(tokens)
}

impl Parser<'_> {
    fn error(&self, position: usize, message: &str) -> ForensicsError {
        ForensicsError::BadFilter {
            expression: self.expression.to_string(),
            position,
            message: message.to_string(),
        }
    }

    fn end_offset(&self) -> usize {
        self.expression.len()
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.position), Some((_, Token::Word(candidate))) if candidate.eq_ignore_ascii_case(word))
    }

    fn or_expression(&mut self) -> Result<Cohort, ForensicsError> {
        let mut left = self.and_expression()?;
        while self.keyword("or") {
            self.position += 1;
            let right = self.and_expression()?;
            left = Cohort::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expression(&mut self) -> Result<Cohort, ForensicsError> {
        let mut left = self.primary()?;
        while self.keyword("and") {
            self.position += 1;
            let right = self.primary()?;
            left = Cohort::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Cohort, ForensicsError> {
        match self.tokens.get(self.position).cloned() {
            Some((offset, Token::Open)) => {
                if self.depth == MAX_NESTING {
                    return Err(self.error(
                        offset,
                        &format!("parentheses nest deeper than {MAX_NESTING} levels"),
                    ));
                }
                self.position += 1;
                self.depth += 1;
                let inner = self.or_expression()?;
                self.depth -= 1;
                match self.tokens.get(self.position) {
                    Some((_, Token::Close)) => {
                        self.position += 1;
                        Ok(inner)
                    }
                    Some((offset, _)) => Err(self.error(*offset, "expected `)`")),
                    None => Err(self.error(self.end_offset(), "expected `)`")),
                }
            }
            Some((offset, Token::Word(column))) => {
                if self.comparisons == MAX_COMPARISONS {
                    return Err(
                        self.error(offset, &format!("more than {MAX_COMPARISONS} comparisons"))
                    );
                }
                self.comparisons += 1;
                self.position += 1;
                let operator = match self.tokens.get(self.position) {
                    Some((_, Token::Operator(operator))) => *operator,
                    Some((offset, _)) => {
                        return Err(
                            self.error(*offset, "expected an operator (==, !=, <, <=, >, >=)")
                        );
                    }
                    None => {
                        return Err(self.error(
                            self.end_offset(),
                            "expected an operator after the column name",
                        ));
                    }
                };
                self.position += 1;
                let (value, quoted) = match self.tokens.get(self.position) {
                    Some((_, Token::Word(value))) => (value.clone(), false),
                    Some((_, Token::Quoted(value))) => (value.clone(), true),
                    Some((offset, _)) => return Err(self.error(*offset, "expected a value")),
                    None => {
                        return Err(
                            self.error(self.end_offset(), "expected a value after the operator")
                        );
                    }
                };
                self.position += 1;
                Ok(Cohort::Compare {
                    column,
                    operator,
                    value,
                    quoted,
                })
            }
            Some((offset, _)) => Err(self.error(offset, "expected a column name or `(`")),
            None => Err(self.error(self.end_offset(), "expected a comparison")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{Column, NumericOrigin};

    fn table() -> Table {
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
                    values: ColumnValues::Categorical {
                        codes: vec![0, 1, 0, NULL_CODE],
                        dictionary: vec!["A".to_string(), "B".to_string()],
                    },
                },
            ],
        }
    }

    fn check(expression: &str, expected: &[bool]) {
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

    /// Found by fuzzing: a carriage return (or any whitespace but space, tab
    /// and newline) made an empty word the tokenizer never moved past, so
    /// it looped, allocating, until memory ran out.
    #[test]
    fn every_whitespace_separates_tokens() {
        check("age >= 30\r\n", &[false, true, false, true]);
        check("group\u{a0}==\u{2028}'A'", &[true, false, true, false]);
    }

    /// Found by fuzzing: deep parentheses and long chains of `and` overflowed
    /// the stack of the recursive parser, matcher and destructor.
    #[test]
    fn deep_or_long_expressions_are_refused() {
        let deep = format!("{}age > 1{}", "(".repeat(100_000), ")".repeat(100_000));
        let error = Cohort::parse(&deep).unwrap_err();
        assert!(
            matches!(error, ForensicsError::BadFilter { position: 32, .. }),
            "{error}"
        );
        let long = vec!["age > 1"; 100_000].join(" and ");
        let error = Cohort::parse(&long).unwrap_err();
        assert!(
            error.to_string().contains("more than 256 comparisons"),
            "{error}"
        );
        let most = vec!["age > 1"; MAX_COMPARISONS].join(" and ");
        let nested = format!(
            "{}{most}{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        assert_eq!(Cohort::parse(&nested).unwrap().columns(), ["age"]);
    }

    #[test]
    fn errors_name_the_position() {
        let error = Cohort::parse("age >").unwrap_err();
        assert!(
            matches!(error, ForensicsError::BadFilter { position: 5, .. }),
            "{error}"
        );
        let error = Cohort::parse("age 30").unwrap_err();
        assert!(
            matches!(error, ForensicsError::BadFilter { position: 4, .. }),
            "{error}"
        );
        assert!(Cohort::parse("(age > 3").is_err());
        assert!(Cohort::parse("name == 'open").is_err());
        assert!(Cohort::parse("").is_err());
    }

    #[test]
    fn unknown_columns_and_bad_values_are_errors() {
        let cohort = Cohort::parse("height > 3").unwrap();
        assert!(matches!(
            cohort.matches(&table()),
            Err(ForensicsError::MissingColumn { .. })
        ));
        let cohort = Cohort::parse("age > old").unwrap();
        assert!(matches!(
            cohort.matches(&table()),
            Err(ForensicsError::BadValue { .. })
        ));
    }
}
