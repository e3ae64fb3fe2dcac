//! Fishbone (Ishikawa) diagrams as data: an effect, categories of causes,
//! causes with sub-causes, votes to prioritise them, and the causes chosen as
//! root causes. Drawing is the `report` crate's job.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::category::CauseCategory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Fishbone {
    pub effect: String,
    pub categories: Vec<FishboneCategory>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FishboneCategory {
    /// The label on the bone, e.g. "Infrastructure/Machine".
    pub name: String,
    pub category: CauseCategory,
    pub causes: Vec<FishboneCause>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FishboneCause {
    pub statement: String,
    pub evidence: Vec<String>,
    pub votes: u32,
    /// The team's estimate that this cause contributed, in [0, 1], when it
    /// prioritises by likelihood rather than votes.
    pub likelihood: Option<f64>,
    pub chosen_as_root_cause: bool,
    #[schema(no_recursion)]
    pub sub_causes: Vec<FishboneCause>,
}

/// The sets of categories a new diagram starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FishbonePreset {
    /// Data, Model, Process/Method, People, Infrastructure/Machine,
    /// Environment/Governance: the default for AI incidents.
    Ai,
    /// The classic manufacturing 6M.
    SixM,
}

impl FishbonePreset {
    pub fn categories(self) -> Vec<(&'static str, CauseCategory)> {
        match self {
            FishbonePreset::Ai => vec![
                ("Data", CauseCategory::Data),
                ("Model", CauseCategory::Model),
                ("Process/Method", CauseCategory::Process),
                ("People", CauseCategory::People),
                ("Infrastructure/Machine", CauseCategory::Infrastructure),
                ("Environment/Governance", CauseCategory::Governance),
            ],
            FishbonePreset::SixM => vec![
                ("Man", CauseCategory::People),
                ("Machine", CauseCategory::Infrastructure),
                ("Method", CauseCategory::Process),
                ("Material", CauseCategory::Data),
                ("Measurement", CauseCategory::Process),
                ("Mother Nature", CauseCategory::Governance),
            ],
        }
    }
}

/// A cause with where it sits, for ranked lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankedCause {
    pub category: String,
    /// Statements from the category's cause down to this one.
    pub path: Vec<String>,
    pub votes: u32,
    pub likelihood: Option<f64>,
    pub chosen_as_root_cause: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "finding")]
pub enum FishboneFinding {
    /// Causes were gathered but none has votes, a likelihood or a choice: a
    /// brainstorm without priorities.
    NoPriorities,
    /// Priorities exist but no cause was chosen as a root cause.
    NoRootCauseChosen,
}

impl Fishbone {
    pub fn new(effect: impl Into<String>, preset: FishbonePreset) -> Fishbone {
        Fishbone {
            effect: effect.into(),
            categories: preset
                .categories()
                .into_iter()
                .map(|(name, category)| FishboneCategory {
                    name: name.to_string(),
                    category,
                    causes: Vec::new(),
                })
                .collect(),
        }
    }

    /// Every cause and sub-cause, most votes first, then highest likelihood;
    /// ties keep diagram order.
    pub fn ranked_causes(&self) -> Vec<RankedCause> {
        let mut ranked = Vec::new();
        for category in &self.categories {
            for cause in &category.causes {
                collect(&category.name, cause, &mut Vec::new(), &mut ranked);
            }
        }
        ranked.sort_by(|a, b| {
            b.votes.cmp(&a.votes).then_with(|| {
                let likelihood = |cause: &RankedCause| cause.likelihood.unwrap_or(0.0);
                likelihood(b).total_cmp(&likelihood(a))
            })
        });
        ranked
    }

    pub fn root_causes(&self) -> Vec<RankedCause> {
        self.ranked_causes()
            .into_iter()
            .filter(|cause| cause.chosen_as_root_cause)
            .collect()
    }

    pub fn check(&self) -> Vec<FishboneFinding> {
        let causes = self.ranked_causes();
        if causes.is_empty() {
            return Vec::new();
        }
        let prioritised = causes.iter().any(|cause| {
            cause.votes > 0 || cause.likelihood.is_some() || cause.chosen_as_root_cause
        });
        if !prioritised {
            vec![FishboneFinding::NoPriorities]
        } else if !causes.iter().any(|cause| cause.chosen_as_root_cause) {
            vec![FishboneFinding::NoRootCauseChosen]
        } else {
            Vec::new()
        }
    }
}

fn collect(
    category: &str,
    cause: &FishboneCause,
    path: &mut Vec<String>,
    ranked: &mut Vec<RankedCause>,
) {
    path.push(cause.statement.clone());
    ranked.push(RankedCause {
        category: category.to_string(),
        path: path.clone(),
        votes: cause.votes,
        likelihood: cause.likelihood,
        chosen_as_root_cause: cause.chosen_as_root_cause,
    });
    for sub_cause in &cause.sub_causes {
        collect(category, sub_cause, path, ranked);
    }
    path.pop();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause(
        statement: &str,
        votes: u32,
        chosen: bool,
        sub_causes: Vec<FishboneCause>,
    ) -> FishboneCause {
        FishboneCause {
            statement: statement.into(),
            evidence: Vec::new(),
            votes,
            likelihood: None,
            chosen_as_root_cause: chosen,
            sub_causes,
        }
    }

    fn check(causes: Vec<FishboneCause>, expected_order: &[&str], expected: &[FishboneFinding]) {
        let mut fishbone = Fishbone::new("Chatbot leaked a customer's address", FishbonePreset::Ai);
        fishbone.categories[0].causes = causes;
        let order: Vec<String> = fishbone
            .ranked_causes()
            .into_iter()
            .map(|c| c.path.join(" > "))
            .collect();
        assert_eq!(order, expected_order);
        assert_eq!(fishbone.check(), expected);
    }

    #[test]
    fn causes_rank_by_votes_and_brainstorms_need_priorities() {
        check(vec![], &[], &[]);
        check(
            vec![cause(
                "PII in training data",
                0,
                false,
                vec![cause("No scrubbing step", 0, false, vec![])],
            )],
            &[
                "PII in training data",
                "PII in training data > No scrubbing step",
            ],
            &[FishboneFinding::NoPriorities],
        );
        check(
            vec![cause(
                "PII in training data",
                2,
                false,
                vec![cause("No scrubbing step", 5, false, vec![])],
            )],
            &[
                "PII in training data > No scrubbing step",
                "PII in training data",
            ],
            &[FishboneFinding::NoRootCauseChosen],
        );
        check(
            vec![cause("PII in training data", 0, true, vec![])],
            &["PII in training data"],
            &[],
        );
    }

    #[test]
    fn presets_map_onto_the_shared_categories() {
        let names: Vec<&str> = FishbonePreset::Ai
            .categories()
            .iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(
            names,
            [
                "Data",
                "Model",
                "Process/Method",
                "People",
                "Infrastructure/Machine",
                "Environment/Governance"
            ]
        );
        assert_eq!(FishbonePreset::SixM.categories().len(), 6);
    }
}
