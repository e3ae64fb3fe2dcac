//! What set the flagged outputs off: across every flagged turn, the words and phrases of the
//! user's input over-represented against the inputs of unflagged turns (the weighted log-odds
//! of [`super::ngrams`]) and the inputs most often answered with a flagged output; and for the
//! first flagged turns, the conversation up to each of them, so an investigator reads what led
//! there.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::ngrams::{NgramOptions, OverRepresented, over_represented};
use super::{ConversationLog, TextColumn};
use crate::ForensicsError;
use crate::table::NULL_TIMESTAMP;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriggerOptions {
    pub ngrams: NgramOptions,
    /// How many of the inputs most often answered with a flagged output to list.
    pub inputs: usize,
    /// How many flagged turns to show with their conversation up to them.
    pub excerpts: usize,
}

impl Default for TriggerOptions {
    fn default() -> Self {
        Self {
            ngrams: NgramOptions::default(),
            inputs: 10,
            excerpts: 5,
        }
    }
}

/// An input and how often it was answered with a flagged output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrequentInput {
    pub input: String,
    pub flagged: u64,
    pub turns: u64,
}

/// One turn of an excerpt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcerptTurn {
    /// RFC 3339, or `None` where the turn has no timestamp.
    pub timestamp: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
    pub flagged: bool,
}

/// A conversation from its start up to and including one flagged turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excerpt {
    pub conversation_id: String,
    pub turns: Vec<ExcerptTurn>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TriggerReport {
    /// Input n-grams over-represented among flagged turns (B) against unflagged ones (A).
    pub input_ngrams: Vec<OverRepresented>,
    /// The inputs answered with a flagged output most often, most first.
    pub frequent_inputs: Vec<FrequentInput>,
    /// The earliest flagged turns, each with its conversation up to it.
    pub excerpts: Vec<Excerpt>,
}

/// The triggers of the turns `flags` marks in `log`.
pub fn triggers(
    log: &ConversationLog,
    flags: &[bool],
    options: &TriggerOptions,
) -> Result<TriggerReport, ForensicsError> {
    log.check_flags(flags)?;
    let inputs = log.texts(&log.mapping.input)?;
    let of = |flagged: bool| {
        (0..log.turns())
            .filter(move |&row| flags[row] == flagged)
            .filter_map(move |row| inputs.get(row))
    };
    let input_ngrams = over_represented(of(false), of(true), &options.ngrams);
    Ok(TriggerReport {
        input_ngrams,
        frequent_inputs: frequent_inputs(inputs, flags, options.inputs),
        excerpts: excerpts(log, flags, options.excerpts)?,
    })
}

fn frequent_inputs(inputs: TextColumn<'_>, flags: &[bool], top: usize) -> Vec<FrequentInput> {
    // Counted per dictionary code: each distinct input once, whatever the log's size.
    let mut counts: HashMap<u32, (u64, u64)> = HashMap::new();
    for (row, &flagged) in flags.iter().enumerate() {
        if inputs.get(row).is_some() {
            let entry = counts.entry(inputs.codes[row]).or_default();
            entry.0 += u64::from(flagged);
            entry.1 += 1;
        }
    }
    let mut found: Vec<FrequentInput> = counts
        .into_iter()
        .filter(|(_, (flagged, _))| *flagged > 0)
        .map(|(code, (flagged, turns))| FrequentInput {
            input: inputs.dictionary[code as usize].clone(),
            flagged,
            turns,
        })
        .collect();
    found.sort_by(|a, b| {
        b.flagged
            .cmp(&a.flagged)
            .then_with(|| a.input.cmp(&b.input))
    });
    found.truncate(top);
    found
}

fn instant(nanos: i64) -> Option<String> {
    (nanos != NULL_TIMESTAMP)
        .then(|| jiff::Timestamp::from_nanosecond(i128::from(nanos)).ok())
        .flatten()
        .map(|at| at.to_string())
}

fn excerpts(
    log: &ConversationLog,
    flags: &[bool],
    how_many: usize,
) -> Result<Vec<Excerpt>, ForensicsError> {
    let timestamps = log.timestamps()?;
    let conversations = log.texts(&log.mapping.conversation_id)?;
    let (inputs, outputs) = (
        log.texts(&log.mapping.input)?,
        log.texts(&log.mapping.output)?,
    );
    // The earliest flagged turns, in time order (row order among equals).
    let mut flagged: Vec<usize> = (0..log.turns()).filter(|&row| flags[row]).collect();
    flagged.sort_by_key(|&row| (timestamps[row], row));
    flagged.truncate(how_many);
    // Every turn of the chosen conversations, found in one pass.
    let chosen: BTreeMap<u32, usize> = flagged
        .iter()
        .map(|&row| (conversations.codes[row], row))
        .collect();
    let mut members: HashMap<u32, Vec<usize>> = HashMap::new();
    for row in 0..log.turns() {
        let code = conversations.codes[row];
        if chosen.contains_key(&code) {
            members.entry(code).or_default().push(row);
        }
    }
    Ok(flagged
        .into_iter()
        .map(|row| {
            let code = conversations.codes[row];
            let mut turns: Vec<usize> = members
                .get(&code)
                .into_iter()
                .flatten()
                .copied()
                .filter(|&other| (timestamps[other], other) <= (timestamps[row], row))
                .collect();
            turns.sort_by_key(|&other| (timestamps[other], other));
            Excerpt {
                conversation_id: conversations.get(row).unwrap_or("").to_string(),
                turns: turns
                    .into_iter()
                    .map(|turn| ExcerptTurn {
                        timestamp: instant(timestamps[turn]),
                        input: inputs.get(turn).map(str::to_string),
                        output: outputs.get(turn).map(str::to_string),
                        flagged: flags[turn],
                    })
                    .collect(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::ConversationMapping;

    const LOG: &str = "conversation_id,timestamp,input,output\n\
        c1,2026-03-01T10:00:00Z,hello,Hi there\n\
        c1,2026-03-01T10:01:00Z,what is the max dose of paracetamol,The maximum dose is 4 g\n\
        c2,2026-03-01T11:00:00Z,hello,Hi there\n\
        c2,2026-03-01T11:01:00Z,weather tomorrow,Sunny\n\
        c3,2026-03-01T12:00:00Z,what is the max dose of ibuprofen,The maximum dose is 1.2 g\n\
        c1,2026-03-01T13:00:00Z,thanks,You are welcome\n";

    fn log() -> ConversationLog {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, LOG).unwrap();
        crate::conversation::read_conversations(&path, &ConversationMapping::default(), None)
            .unwrap()
    }

    #[test]
    fn inputs_of_flagged_turns_and_the_conversation_up_to_each_are_reported() {
        let log = log();
        let flags = [false, true, false, false, true, false];
        let options = TriggerOptions {
            ngrams: NgramOptions {
                min_count: 2,
                ..NgramOptions::default()
            },
            ..TriggerOptions::default()
        };
        let report = triggers(&log, &flags, &options).unwrap();
        let grams: Vec<&str> = report
            .input_ngrams
            .iter()
            .map(|g| g.ngram.as_str())
            .collect();
        assert!(grams.contains(&"max dose"), "{grams:?}");
        assert!(!grams.contains(&"hello"), "{grams:?}");
        assert_eq!(report.frequent_inputs.len(), 2);
        assert_eq!(report.frequent_inputs[0].flagged, 1);
        // c1 up to its flagged turn: the greeting, then the dose; not the thanks after it.
        let first = &report.excerpts[0];
        assert_eq!(first.conversation_id, "c1");
        let said: Vec<(Option<&str>, bool)> = first
            .turns
            .iter()
            .map(|t| (t.input.as_deref(), t.flagged))
            .collect();
        assert_eq!(
            said,
            [
                (Some("hello"), false),
                (Some("what is the max dose of paracetamol"), true)
            ]
        );
        assert_eq!(
            first.turns[0].timestamp.as_deref(),
            Some("2026-03-01T10:00:00Z")
        );
        assert_eq!(report.excerpts[1].conversation_id, "c3");
        assert_eq!(report.excerpts[1].turns.len(), 1);
    }

    #[test]
    fn flags_for_another_log_are_refused() {
        let error = triggers(&log(), &[true], &TriggerOptions::default()).unwrap_err();
        assert!(
            error.to_string().contains("1 flags for the 6 turns"),
            "{error}"
        );
    }
}
