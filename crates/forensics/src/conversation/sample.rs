//! A sample of flagged turns for people to review: drawn at random within
//! each model version (stratified, each version's share of the sample
//! proportional to its share of flagged turns, and at least one turn from
//! every version that has any), with every input and output masked by the
//! PII and secrets detectors ([`crate::detect::mask`]) before it leaves the
//! analysis. The seed is part of the request, so the server's recomputation
//! draws the same turns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::ConversationLog;
use crate::ForensicsError;
use crate::detect::{Detector, mask::mask, pii, secrets};
use crate::table::NULL_TIMESTAMP;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SampleOptions {
    /// How many flagged turns to draw; 0 draws none.
    pub size: usize,
    pub seed: u64,
}

/// One drawn turn, masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampledTurn {
    pub conversation_id: String,
    /// The model version it was drawn within (`-` where none was logged).
    pub stratum: String,
    pub timestamp: Option<String>,
    pub input: Option<String>,
    pub output: Option<String>,
}

/// A stratum: how many flagged turns it has and how many were drawn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stratum {
    pub stratum: String,
    pub flagged: u64,
    pub drawn: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSample {
    pub seed: u64,
    /// The detectors that masked it, with their versions, e.g. `pii v2`.
    pub masked_with: Vec<String>,
    pub strata: Vec<Stratum>,
    pub turns: Vec<SampledTurn>,
}

impl ReviewSample {
    /// The sample as JSON Lines, a turn a line: what is kept as evidence.
    pub fn to_jsonl(&self) -> String {
        self.turns
            .iter()
            .map(|turn| serde_json::to_string(turn).expect("a sampled turn serialises") + "\n")
            .collect()
    }
}

/// Sizes per stratum: proportional to `counts`, at least one where a
/// stratum has any (when `size` allows), largest remainders first.
fn allocate(counts: &[u64], size: usize) -> Vec<usize> {
    let total: u64 = counts.iter().sum();
    let size = size.min(total as usize);
    if size == 0 {
        return vec![0; counts.len()];
    }
    let quotas: Vec<f64> = counts
        .iter()
        .map(|&count| size as f64 * count as f64 / total as f64)
        .collect();
    let mut sizes: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let non_empty = counts.iter().filter(|&&c| c > 0).count();
    if size >= non_empty {
        for (index, &count) in counts.iter().enumerate() {
            if count > 0 && sizes[index] == 0 {
                sizes[index] = 1;
            }
        }
    }
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| {
        let remainder = |i: usize| quotas[i] - quotas[i].floor();
        remainder(b).total_cmp(&remainder(a)).then(a.cmp(&b))
    });
    // Hand out what flooring left over, then take back what the minimum of
    // one added, never below one for a stratum that has turns.
    let mut given: usize = sizes.iter().sum();
    for &index in order.iter().cycle().take(counts.len() * 2) {
        if given >= size {
            break;
        }
        if (sizes[index] as u64) < counts[index] {
            sizes[index] += 1;
            given += 1;
        }
    }
    for &index in order.iter().rev() {
        if given <= size {
            break;
        }
        if sizes[index] > 1 {
            sizes[index] -= 1;
            given -= 1;
        }
    }
    sizes
}

/// A key per row: SplitMix64's finaliser (Steele et al. 2014) over the seed
/// and the row, so rows ordered by it are a random permutation the seed
/// repeats.
fn draw_key(seed: u64, row: usize) -> u64 {
    let mut mixed = seed ^ (row as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    mixed ^ (mixed >> 31)
}

fn detectors() -> [Detector; 2] {
    [pii::detector(), secrets::detector()]
}

/// Draws `options.size` of the turns `flags` marks in `log`, masked.
pub fn review_sample(
    log: &ConversationLog,
    flags: &[bool],
    options: &SampleOptions,
) -> Result<ReviewSample, ForensicsError> {
    log.check_flags(flags)?;
    let versions = match &log.mapping.model_version {
        Some(column) if log.table.column(column).is_ok() => Some(log.texts(column)?),
        _ => None,
    };
    let mut strata: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for row in (0..log.turns()).filter(|&row| flags[row]) {
        let stratum = versions.and_then(|v| v.get(row)).unwrap_or("-");
        strata.entry(stratum.to_string()).or_default().push(row);
    }
    let counts: Vec<u64> = strata.values().map(|rows| rows.len() as u64).collect();
    let sizes = allocate(&counts, options.size);
    let detectors = detectors();
    let (conversations, inputs, outputs) = (
        log.texts(&log.mapping.conversation_id)?,
        log.texts(&log.mapping.input)?,
        log.texts(&log.mapping.output)?,
    );
    let timestamps = log.timestamps()?;
    let mut turns = Vec::new();
    let mut described = Vec::new();
    for ((stratum, mut rows), &size) in strata.into_iter().zip(&sizes) {
        described.push(Stratum {
            stratum: stratum.clone(),
            flagged: rows.len() as u64,
            drawn: size as u64,
        });
        // Ordered by a random key per row, the first `size` rows are the draw.
        rows.sort_by_key(|&row| draw_key(options.seed, row));
        let mut drawn: Vec<usize> = rows[..size].to_vec();
        drawn.sort_by_key(|&row| (timestamps[row], row));
        for row in drawn {
            turns.push(SampledTurn {
                conversation_id: conversations.get(row).unwrap_or("").to_string(),
                stratum: stratum.clone(),
                timestamp: (timestamps[row] != NULL_TIMESTAMP)
                    .then(|| jiff::Timestamp::from_nanosecond(i128::from(timestamps[row])).ok())
                    .flatten()
                    .map(|at| at.to_string()),
                input: inputs.get(row).map(|text| mask(text, &detectors)),
                output: outputs.get(row).map(|text| mask(text, &detectors)),
            });
        }
    }
    Ok(ReviewSample {
        seed: options.seed,
        masked_with: detectors
            .iter()
            .map(|d| format!("{} v{}", d.name(), d.version()))
            .collect(),
        strata: described,
        turns,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::ConversationMapping;

    #[test]
    fn sizes_follow_the_strata_with_at_least_one_each() {
        assert_eq!(allocate(&[90, 10], 10), [9, 1]);
        assert_eq!(allocate(&[98, 2], 10), [9, 1]);
        assert_eq!(allocate(&[5, 5, 5], 4), [2, 1, 1]);
        assert_eq!(allocate(&[3, 0], 10), [3, 0]);
        assert_eq!(allocate(&[10, 10], 0), [0, 0]);
    }

    #[test]
    fn a_sample_draws_within_each_version_masks_and_repeats_with_its_seed() {
        let mut csv = String::from("conversation_id,timestamp,input,output,model_version\n");
        for i in 0..40 {
            let version = if i < 30 { "v3" } else { "v4" };
            csv.push_str(&format!(
                "c{i},2026-03-01T{:02}:00:00Z,mail me at user{i}@example.com,dose {i},{version}\n",
                i % 24
            ));
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.csv");
        std::fs::write(&path, csv).unwrap();
        let log =
            crate::conversation::read_conversations(&path, &ConversationMapping::default(), None)
                .unwrap();
        let flags = vec![true; 40];
        let options = SampleOptions { size: 8, seed: 7 };
        let sample = review_sample(&log, &flags, &options).unwrap();
        assert_eq!(
            sample.strata,
            [
                Stratum {
                    stratum: "v3".into(),
                    flagged: 30,
                    drawn: 6
                },
                Stratum {
                    stratum: "v4".into(),
                    flagged: 10,
                    drawn: 2
                },
            ]
        );
        assert_eq!(sample.turns.len(), 8);
        for turn in &sample.turns {
            assert_eq!(
                turn.input.as_deref(),
                Some("mail me at [EMAIL]"),
                "{turn:?}"
            );
        }
        assert_eq!(
            sample.masked_with,
            [
                format!("pii v{}", crate::detect::pii::VERSION),
                format!("secrets v{}", crate::detect::secrets::VERSION)
            ]
        );
        assert_eq!(review_sample(&log, &flags, &options).unwrap(), sample);
        let other = review_sample(&log, &flags, &SampleOptions { size: 8, seed: 8 }).unwrap();
        assert_ne!(other.turns, sample.turns);
        assert_eq!(sample.to_jsonl().lines().count(), 8);
    }
}
