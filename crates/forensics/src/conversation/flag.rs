//! Which turns are flagged: those where a detector finds something in the text it scans, or
//! where a cohort expression holds, or, given both, where both do.

use super::{ConversationLog, TextColumn, refusal};
use crate::ForensicsError;
use crate::cohort::Cohort;
use crate::detect::{self, Detector};
use crate::parallel;
use crate::table::NULL_CODE;

/// Which text of a turn a detector scans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextSide {
    Input,
    /// The model's output: what the model is answerable for.
    #[default]
    Output,
    /// Either text.
    Both,
}

/// What makes a turn flagged. Kept as data (names and a parsed expression) so that a request
/// can carry it and a finding can say how its turns were flagged.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlagRule {
    /// A built-in detector ([`detector_named`]): `pii`, `secrets`, a lexicon such as
    /// `medical_dosage`, or `refusal`.
    pub detector: Option<String>,
    #[serde(default)]
    pub scan: TextSide,
    /// A cohort expression over the log's columns, e.g. `output contains 'mg'`.
    pub cohort: Option<Cohort>,
}

/// A built-in detector by name: those of [`detect::by_name`], and `refusal`
/// ([`refusal::detector`]).
pub fn detector_named(name: &str) -> Result<Detector, ForensicsError> {
    if name == refusal::NAME {
        return Ok(refusal::detector());
    }
    detect::by_name(name).map_err(|error| match error {
        ForensicsError::UnknownDetector { name, known } => ForensicsError::UnknownDetector {
            name,
            known: format!("{known}, {}", refusal::NAME),
        },
        other => other,
    })
}

impl FlagRule {
    /// Flags the turns where the detector `name` finds something in the `scan` text.
    pub fn detector(name: &str, scan: TextSide) -> Self {
        Self {
            detector: Some(name.to_string()),
            scan,
            cohort: None,
        }
    }

    /// The rule in words, for a report's heading.
    pub fn describe(&self) -> String {
        let side = match self.scan {
            TextSide::Input => "the user input",
            TextSide::Output => "the model output",
            TextSide::Both => "the user input or the model output",
        };
        let detector = self
            .detector
            .as_ref()
            .map(|name| format!("detector `{name}` finds something in {side}"));
        let cohort = self.cohort.as_ref().map(|cohort| {
            format!(
                "the cohort expression on columns {} holds",
                cohort.columns().join(", ")
            )
        });
        match (detector, cohort) {
            (Some(detector), Some(cohort)) => format!("{detector} and {cohort}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "nothing".to_string(),
        }
    }

    /// Whether each turn of `log` is flagged.
    pub fn flags(&self, log: &ConversationLog) -> Result<Vec<bool>, ForensicsError> {
        let detector = self.detector.as_deref().map(detector_named).transpose()?;
        self.flags_with(log, detector.as_ref())
    }

    /// [`FlagRule::flags`] with a detector built by the caller (a lexicon a deployment
    /// extended) in place of the named one.
    pub fn flags_with(
        &self,
        log: &ConversationLog,
        detector: Option<&Detector>,
    ) -> Result<Vec<bool>, ForensicsError> {
        if detector.is_none() && self.cohort.is_none() {
            return Err(ForensicsError::InvalidOptions(
                "flag turns by a detector, a cohort expression, or both".to_string(),
            ));
        }
        let mut flags = match &self.cohort {
            Some(cohort) => cohort.matches(&log.table)?,
            None => vec![true; log.turns()],
        };
        if let Some(detector) = detector {
            let sides = match self.scan {
                TextSide::Input => vec![&log.mapping.input],
                TextSide::Output => vec![&log.mapping.output],
                TextSide::Both => vec![&log.mapping.input, &log.mapping.output],
            };
            let mut found = vec![false; log.turns()];
            for side in sides {
                let texts = log.texts(side)?;
                let found_in = scan(detector, &texts);
                for (found, &code) in found.iter_mut().zip(texts.codes) {
                    *found = *found || (code != NULL_CODE && found_in[code as usize]);
                }
            }
            for (flag, found) in flags.iter_mut().zip(found) {
                *flag &= found;
            }
        }
        Ok(flags)
    }
}

/// Whether the detector finds something in each dictionary entry a turn uses: repeated texts
/// (canned answers) are scanned once, entries no turn uses (after a cohort narrowed the log)
/// never, and the entries are spread over the cores.
fn scan(detector: &Detector, texts: &TextColumn) -> Vec<bool> {
    let mut used = vec![false; texts.dictionary.len()];
    for &code in texts.codes {
        if code != NULL_CODE {
            used[code as usize] = true;
        }
    }
    parallel::per_part(texts.dictionary, |offset, part| {
        part.iter()
            .zip(&used[offset..])
            .map(|(text, &used)| used && detector.find(text).next().is_some())
            .collect::<Vec<bool>>()
    })
    .concat()
}
