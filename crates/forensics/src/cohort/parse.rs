//! Tokenizer and recursive-descent parser of the cohort grammar (see the module above).

use super::matching::compile_pattern;
use super::{Cohort, KeywordFileReader, Literal, Operator, keywords_of};
use crate::ForensicsError;

/// How deep parentheses may nest, and how many comparisons one expression may
/// hold: parsing, matching and dropping a cohort recurse over its tree, so
/// bigger input is refused instead of overflowing the stack.
pub const MAX_NESTING: usize = 32;
pub const MAX_COMPARISONS: usize = 256;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Operator(Operator),
    Open,
    Close,
    ListOpen,
    ListClose,
    Comma,
}

pub(super) fn parse(
    expression: &str,
    read: &KeywordFileReader<'_>,
) -> Result<Cohort, ForensicsError> {
    let tokens = tokenize(expression)?;
    let mut parser = Parser {
        expression,
        tokens,
        position: 0,
        depth: 0,
        comparisons: 0,
        read,
    };
    let cohort = parser.or_expression()?;
    if let Some((offset, _)) = parser.tokens.get(parser.position) {
        return Err(parser.error(*offset, "expected `and`, `or` or the end of the expression"));
    }
    Ok(cohort)
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
    // Inside `[...]`, commas and `]` end a bare word; outside they stay part of it, as before
    // lists existed.
    let mut in_list = false;
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
            '[' if in_list => return Err(error(offset, "lists do not nest")),
            '[' => {
                tokens.push((offset, Token::ListOpen));
                in_list = true;
                index += 1;
            }
            ']' if in_list => {
                tokens.push((offset, Token::ListClose));
                in_list = false;
                index += 1;
            }
            ',' if in_list => {
                tokens.push((offset, Token::Comma));
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
                let ends_word = |c: char| {
                    c.is_whitespace() || "()=!<>'\"".contains(c) || (in_list && "[],".contains(c))
                };
                let length = characters[index..]
                    .iter()
                    .take_while(|(_, c)| !ends_word(*c))
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

struct Parser<'a> {
    expression: &'a str,
    tokens: Vec<(usize, Token)>,
    position: usize,
    /// Parentheses open at the current token.
    depth: usize,
    comparisons: usize,
    read: &'a KeywordFileReader<'a>,
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

    fn token(&self, ahead: usize) -> Option<&(usize, Token)> {
        self.tokens.get(self.position + ahead)
    }

    fn keyword_at(&self, ahead: usize, word: &str) -> bool {
        matches!(self.token(ahead), Some((_, Token::Word(candidate))) if candidate.eq_ignore_ascii_case(word))
    }

    fn keyword(&self, word: &str) -> bool {
        self.keyword_at(0, word)
    }

    /// The error for a missing `what` at the current token, or at the end.
    fn expected(&self, what: &str) -> ForensicsError {
        match self.token(0) {
            Some((offset, _)) => self.error(*offset, &format!("expected {what}")),
            None => self.error(self.end_offset(), &format!("expected {what}")),
        }
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
        let mut left = self.negation()?;
        while self.keyword("and") {
            self.position += 1;
            let right = self.negation()?;
            left = Cohort::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `not` binds tighter than `and`. A run of them is folded by parity (in three-valued logic
    /// `not not x` is `x`), so no number of them can deepen the tree.
    fn negation(&mut self) -> Result<Cohort, ForensicsError> {
        let mut negations = 0;
        // `not == 3` compares a column named `not`.
        while self.keyword("not") && !matches!(self.token(1), Some((_, Token::Operator(_)))) {
            negations += 1;
            self.position += 1;
        }
        let inner = self.primary()?;
        Ok(if negations % 2 == 1 {
            Cohort::Not(Box::new(inner))
        } else {
            inner
        })
    }

    fn primary(&mut self) -> Result<Cohort, ForensicsError> {
        match self.token(0).cloned() {
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
                match self.token(0) {
                    Some((_, Token::Close)) => {
                        self.position += 1;
                        Ok(inner)
                    }
                    _ => Err(self.expected("`)`")),
                }
            }
            Some((offset, Token::Word(column))) => self.comparison(offset, column),
            Some((offset, _)) => Err(self.error(offset, "expected a column name or `(`")),
            None => Err(self.error(self.end_offset(), "expected a comparison")),
        }
    }

    fn comparison(&mut self, offset: usize, column: String) -> Result<Cohort, ForensicsError> {
        if self.comparisons == MAX_COMPARISONS {
            return Err(self.error(offset, &format!("more than {MAX_COMPARISONS} comparisons")));
        }
        self.comparisons += 1;
        self.position += 1;
        if let Some((_, Token::Operator(operator))) = self.token(0) {
            let operator = *operator;
            self.position += 1;
            let (value, quoted) = match self.token(0) {
                Some((_, Token::Word(value))) => (value.clone(), false),
                Some((_, Token::Quoted(value))) => (value.clone(), true),
                _ => return Err(self.expected("a value after the operator")),
            };
            self.position += 1;
            return Ok(Cohort::Compare {
                column,
                operator,
                value,
                quoted,
            });
        }
        let negated = self.keyword("not");
        if negated {
            self.position += 1;
        }
        let cohort = if self.keyword("in") {
            self.position += 1;
            Cohort::In {
                column,
                values: self.list()?,
            }
        } else if self.keyword("contains") {
            self.position += 1;
            self.contains(column)?
        } else if self.keyword("matches") {
            self.position += 1;
            self.matches(column)?
        } else if negated {
            return Err(self.expected("`in`, `contains` or `matches` after `not`"));
        } else {
            return Err(self.expected("an operator (==, !=, <, <=, >, >=, in, contains, matches)"));
        };
        Ok(if negated {
            Cohort::Not(Box::new(cohort))
        } else {
            cohort
        })
    }

    /// `[v, ...]`, a trailing comma allowed.
    fn list(&mut self) -> Result<Vec<Literal>, ForensicsError> {
        let Some((open, Token::ListOpen)) = self.token(0).cloned() else {
            return Err(self.expected("a list `[...]`"));
        };
        self.position += 1;
        let mut values = Vec::new();
        loop {
            match self.token(0) {
                Some((_, Token::ListClose)) => break,
                Some((_, Token::Word(value))) => values.push(Literal {
                    value: value.clone(),
                    quoted: false,
                }),
                Some((_, Token::Quoted(value))) => values.push(Literal {
                    value: value.clone(),
                    quoted: true,
                }),
                Some(_) => return Err(self.expected("a value or `]`")),
                None => return Err(self.error(open, "unterminated list: `[` without `]`")),
            }
            self.position += 1;
            match self.token(0) {
                Some((_, Token::Comma)) => self.position += 1,
                Some((_, Token::ListClose)) => {}
                Some(_) => return Err(self.expected("`,` or `]`")),
                None => return Err(self.error(open, "unterminated list: `[` without `]`")),
            }
        }
        self.position += 1;
        if values.is_empty() {
            return Err(self.error(open, "the list is empty"));
        }
        Ok(values)
    }

    /// After `contains`: `[case] 'text'` or `[case] any of [...]` / `any of @FILE`.
    fn contains(&mut self, column: String) -> Result<Cohort, ForensicsError> {
        // `case` is a keyword only where a value follows; `contains case` looks for "case".
        let case_sensitive = self.keyword("case")
            && (matches!(self.token(1), Some((_, Token::Quoted(_))))
                || (self.keyword_at(1, "any") && self.keyword_at(2, "of")));
        if case_sensitive {
            self.position += 1;
        }
        let any_of = if self.keyword("any") && self.keyword_at(1, "of") {
            self.position += 2;
            self.keywords()?
        } else {
            match self.token(0).cloned() {
                Some((offset, Token::Word(text) | Token::Quoted(text))) => {
                    if text.is_empty() {
                        return Err(self.error(offset, "empty text matches every row"));
                    }
                    self.position += 1;
                    vec![text]
                }
                _ => return Err(self.expected("the text to look for, or `any of`")),
            }
        };
        Ok(Cohort::Contains {
            column,
            any_of,
            case_sensitive,
        })
    }

    /// The keywords of `any of`: a list, or `@FILE` (`@'a path'` when it has spaces).
    fn keywords(&mut self) -> Result<Vec<String>, ForensicsError> {
        let (at, path) = match (self.token(0).cloned(), self.token(1).cloned()) {
            (Some((_, Token::ListOpen)), _) => {
                let open = self.token(0).map_or(0, |(offset, _)| *offset);
                let keywords: Vec<String> = self
                    .list()?
                    .into_iter()
                    .map(|literal| literal.value)
                    .collect();
                if keywords.iter().any(String::is_empty) {
                    return Err(self.error(open, "an empty keyword matches every row"));
                }
                return Ok(keywords);
            }
            (Some((at, Token::Word(word))), Some((_, Token::Quoted(path)))) if word == "@" => {
                self.position += 2;
                (at, path)
            }
            (Some((at, Token::Word(word))), _) if word.len() > 1 && word.starts_with('@') => {
                self.position += 1;
                (at, word[1..].to_string())
            }
            _ => return Err(self.expected("a list `[...]` or `@FILE` after `any of`")),
        };
        let keywords = keywords_of(&(self.read)(&path)?);
        if keywords.is_empty() {
            return Err(self.error(at, &format!("keyword file `{path}` has no keywords")));
        }
        Ok(keywords)
    }

    /// After `matches`: the pattern, compiled once here so a bad one is refused with its place.
    fn matches(&mut self, column: String) -> Result<Cohort, ForensicsError> {
        let (start, pattern) = match self.token(0).cloned() {
            // The pattern starts after the opening quote.
            Some((offset, Token::Quoted(pattern))) => (offset + 1, pattern),
            Some((offset, Token::Word(pattern))) => (offset, pattern),
            _ => return Err(self.expected("a regular expression")),
        };
        if let Err(error) = compile_pattern(&pattern) {
            let byte = match &error {
                ForensicsError::BadPattern { byte, .. } => *byte,
                _ => 0,
            };
            return Err(self.error(start + byte, &error.to_string()));
        }
        self.position += 1;
        Ok(Cohort::Matches { column, pattern })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cohort::matching::tests::{check, table};

    fn refusal(expression: &str) -> (usize, String) {
        match Cohort::parse(expression).unwrap_err() {
            ForensicsError::BadFilter {
                position, message, ..
            } => (position, message),
            other => panic!("{expression}: {other}"),
        }
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
        // The text operators count as comparisons, and `not` cannot deepen the tree.
        let long = vec!["prompt contains x"; MAX_COMPARISONS + 1].join(" or ");
        assert!(refusal(&long).1.contains("more than 256 comparisons"));
        let negated = format!("{}group == A", "not ".repeat(100_001));
        assert_eq!(
            Cohort::parse(&negated).unwrap(),
            Cohort::Not(Box::new(Cohort::parse("group == A").unwrap()))
        );
        let deep_not = format!("{}age > 1{}", "not (".repeat(40), ")".repeat(40));
        assert_eq!(refusal(&deep_not).0, 32 * 5 + 4);
    }

    #[test]
    fn errors_name_the_position() {
        assert_eq!(refusal("age >").0, 5);
        assert_eq!(refusal("age 30").0, 4);
        assert!(Cohort::parse("(age > 3").is_err());
        assert!(Cohort::parse("name == 'open").is_err());
        assert!(Cohort::parse("").is_err());
        assert_eq!(
            refusal("age not > 3"),
            (
                8,
                "expected `in`, `contains` or `matches` after `not`".to_string()
            )
        );
        assert_eq!(
            refusal("prompt contains"),
            (15, "expected the text to look for, or `any of`".to_string())
        );
        assert_eq!(
            refusal("prompt contains ''").1,
            "empty text matches every row"
        );
    }

    #[test]
    fn a_bad_regular_expression_names_itself_and_the_place() {
        let (position, message) = refusal("group == A and prompt matches 'ab(c'");
        // The expression's character 33 is the pattern's `(`, its character 2.
        assert_eq!(position, 33);
        assert!(
            message.starts_with("regular expression `ab(c` at character 2: unclosed group"),
            "{message}"
        );
        // Positions in the expression are bytes; in the pattern, characters.
        let (position, message) = refusal("prompt matches 'é[z-a]'");
        assert_eq!(position, "prompt matches 'é[".len());
        assert!(
            message.contains("`é[z-a]` at character 2: invalid character class range"),
            "{message}"
        );
        // Compiling to more than the size limit is refused, not attempted.
        let (_, message) = refusal("prompt matches '\\w{1000}{1000}'");
        assert!(
            message.contains("regular expression `\\w{1000}{1000}`"),
            "{message}"
        );
    }

    #[test]
    fn lists_are_closed_and_not_empty() {
        assert_eq!(
            refusal("group in ['A', 'B'"),
            (9, "unterminated list: `[` without `]`".to_string())
        );
        assert_eq!(refusal("group in [A B]").1, "expected `,` or `]`");
        assert_eq!(refusal("group in []").1, "the list is empty");
        assert_eq!(refusal("group in [[A]]").1, "lists do not nest");
        assert_eq!(refusal("group in A").1, "expected a list `[...]`");
        assert_eq!(
            refusal("prompt contains any of ['a', '']").1,
            "an empty keyword matches every row"
        );
        // Outside a list, brackets and commas stay part of a bare word, as before lists.
        assert_eq!(
            Cohort::parse("group == a,b[0]").unwrap(),
            Cohort::Compare {
                column: "group".to_string(),
                operator: Operator::Equal,
                value: "a,b[0]".to_string(),
                quoted: false,
            }
        );
    }

    #[test]
    fn keyword_files_are_read_by_the_caller_or_refused() {
        let error = Cohort::parse("prompt contains any of @/etc/passwd").unwrap_err();
        assert!(
            matches!(&error, ForensicsError::KeywordFileRefused { path } if path == "/etc/passwd"),
            "{error}"
        );
        let missing = |path: &str| super::super::read_keyword_file(path);
        let error = Cohort::parse_with_keyword_files(
            "prompt contains any of @no/such/keywords.txt",
            &missing,
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("cannot open no/such/keywords.txt:"),
            "{error}"
        );
        let comments_only = |_: &str| Ok("# nothing yet\n\n".to_string());
        let error =
            Cohort::parse_with_keyword_files("prompt contains any of @empty.txt", &comments_only)
                .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("keyword file `empty.txt` has no keywords"),
            "{error}"
        );
        assert_eq!(
            refusal("prompt contains any of words").1,
            "expected a list `[...]` or `@FILE` after `any of`"
        );
    }

    /// The new words are keywords only where a comparison can use them.
    #[test]
    fn new_keywords_leave_old_names_alone() {
        assert_eq!(Cohort::parse("not == 3").unwrap().columns(), ["not"]);
        assert_eq!(
            Cohort::parse("prompt contains case").unwrap(),
            Cohort::Contains {
                column: "prompt".to_string(),
                any_of: vec!["case".to_string()],
                case_sensitive: false,
            }
        );
        assert_eq!(
            Cohort::parse("prompt contains any").unwrap(),
            Cohort::Contains {
                column: "prompt".to_string(),
                any_of: vec!["any".to_string()],
                case_sensitive: false,
            }
        );
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
