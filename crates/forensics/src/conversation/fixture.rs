//! A generated chatbot log for the analyses' tests: 40 days from 2026-03-01, 150–250 turns a
//! day; model v3 answers until 2026-03-21, when v4 is released and raises the share of outputs
//! giving dosage advice from 4 % to 15 % and lowers refusals from 10 % to 3 %; the prompt moves
//! from p7 to p8 on 2026-03-31 without changing either.

use serde_json::{Map, Value, json};

use super::jsonl::RowsBuilder;
use super::{ConversationLog, ConversationMapping, FlagRule};
use crate::timeseries::changepoints::simulate::Rng;

pub(super) const RELEASE_DAY: usize = 20;
pub(super) const PROMPT_DAY: usize = 30;
const DAYS: usize = 40;

const DOSAGE: [&str; 2] = [
    "For an adult the maximum dose is 4 g of paracetamol a day.",
    "You can take 1000 mg every 6 hours, up to a daily dose of 4 g.",
];
const REFUSAL: &str = "I'm sorry, but I can't give medical advice. Please consult your doctor.";
const ORDINARY: [&str; 3] = [
    "Rest, drink water and see how you feel tomorrow.",
    "A cool cloth on the forehead often helps with a fever.",
    "If the pain lasts more than three days, see a pharmacist.",
];

/// Turns flagged by the dosage-advice lexicon in the model's output.
pub(super) fn dosage() -> FlagRule {
    FlagRule {
        detector: Some("medical_dosage".to_string()),
        ..FlagRule::default()
    }
}

pub(super) fn release_log(seed: u64) -> ConversationLog {
    let mut rng = Rng::new(seed);
    let mut rows = RowsBuilder::default();
    let start = jiff::Timestamp::from_second(1_772_323_200).unwrap(); // 2026-03-01T00:00:00Z
    for day in 0..DAYS {
        let turns = 150 + (rng.uniform() * 100.0) as usize;
        let released = day >= RELEASE_DAY;
        let (dosage, refusal) = if released { (0.15, 0.03) } else { (0.04, 0.10) };
        for turn in 0..turns {
            let draw = rng.uniform();
            let pick = |options: &[&'static str], rng: &mut Rng| {
                options[(rng.uniform() * options.len() as f64) as usize % options.len()]
            };
            let output = if draw < dosage {
                pick(&DOSAGE, &mut rng)
            } else if draw < dosage + refusal {
                REFUSAL
            } else {
                pick(&ORDINARY, &mut rng)
            };
            let at = start
                + jiff::SignedDuration::from_secs((day * 86_400 + turn * (86_400 / turns)) as i64);
            let row: Map<String, Value> = json!({
                "conversation_id": format!("c{day}-{}", turn / 3),
                "turn": turn % 3 + 1,
                "timestamp": at.to_string(),
                "input": "My head hurts: what is the maximum dose of paracetamol?",
                "output": output,
                "model_version": if released { "v4" } else { "v3" },
                "prompt_version": if day >= PROMPT_DAY { "p8" } else { "p7" },
                "segment": if turn % 4 == 0 { "pharmacy" } else { "consumer" },
            })
            .as_object()
            .cloned()
            .unwrap();
            rows.push(row);
        }
    }
    ConversationLog::from_table(
        rows.finish("generated".to_string()),
        &ConversationMapping::default(),
    )
    .unwrap()
}
