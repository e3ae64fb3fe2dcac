//! Recurrence: an incident that happens again after an earlier one. Linking
//! the two puts the earlier post-mortem's actions in view of the new
//! responders and lets the metrics count how often a fix did not hold.
//! Candidates are suggested from what two incidents share: always a system,
//! and then a cause category, a harm or a similar title.

use crate::cause::CauseCategory;
use crate::error::DomainError;
use crate::incident::{Change, HarmCategory, Incident, Status, public_id};
use crate::timeline::{EventDraft, EventKind};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;
use utoipa::ToSchema;

/// How many candidates are suggested at most.
pub const MAX_CANDIDATES: usize = 5;

/// The word overlap at which two titles count as similar on their own.
const SIMILAR_TITLE: f64 = 0.3;

/// Words that say nothing about what went wrong, left out of the title
/// comparison so "the" in both titles does not make them alike.
const FILLER_WORDS: &[&str] = &[
    "and", "are", "for", "from", "has", "have", "its", "not", "the", "their", "this", "was",
    "were", "with", "after", "into", "over", "some", "than", "too",
];

/// An earlier incident, with the cause categories its post-mortem found.
#[derive(Debug, Clone, Copy)]
pub struct Earlier<'a> {
    pub incident: &'a Incident,
    pub causes: &'a [CauseCategory],
}

/// An earlier incident that may be the one recurring, and why.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Candidate {
    /// `INC-<n>`.
    pub incident: String,
    pub title: String,
    pub status: Status,
    pub shared_systems: Vec<String>,
    pub shared_causes: Vec<CauseCategory>,
    pub shared_harms: Vec<HarmCategory>,
    /// Word overlap of the two titles (Jaccard), 0 to 1.
    pub title_similarity: f64,
    /// The ranking: the title similarity, plus 0.5 for a shared cause
    /// category and 0.25 for a shared harm.
    pub score: f64,
}

/// The earlier incidents `current` may be a recurrence of, best first: each
/// shares a system with it and at least one of a cause category, a harm or
/// a similar title. Drills match drills and real incidents real ones;
/// declined and merged incidents, and the one already linked, are left out.
pub fn candidates(
    current: &Incident,
    current_causes: &[CauseCategory],
    earlier: &[Earlier<'_>],
) -> Vec<Candidate> {
    let title = title_words(&current.title);
    let mut found: Vec<Candidate> = earlier
        .iter()
        .filter(|e| {
            let i = e.incident;
            i.number < current.number
                && i.kind == current.kind
                && !matches!(i.status, Status::Declined | Status::Merged)
                && current.recurrence_of != Some(i.number)
        })
        .filter_map(|e| {
            let i = e.incident;
            let shared_systems = shared(&current.systems, &i.systems);
            if shared_systems.is_empty() {
                return None;
            }
            let shared_causes = shared(current_causes, e.causes);
            let shared_harms = shared(&current.harms, &i.harms);
            let title_similarity = jaccard(&title, &title_words(&i.title));
            if shared_causes.is_empty()
                && shared_harms.is_empty()
                && title_similarity < SIMILAR_TITLE
            {
                return None;
            }
            let score = title_similarity
                + if shared_causes.is_empty() { 0.0 } else { 0.5 }
                + if shared_harms.is_empty() { 0.0 } else { 0.25 };
            Some(Candidate {
                incident: i.public_id(),
                title: i.title.clone(),
                status: i.status,
                shared_systems,
                shared_causes,
                shared_harms,
                title_similarity,
                score,
            })
        })
        .collect();
    // Best first; of equals, the most recent.
    found.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| number_of(&b.incident).cmp(&number_of(&a.incident)))
    });
    found.truncate(MAX_CANDIDATES);
    found
}

fn number_of(id: &str) -> u64 {
    crate::incident::parse_public_id(id).unwrap_or(0)
}

fn shared<T: Clone + PartialEq>(ours: &[T], theirs: &[T]) -> Vec<T> {
    let mut both: Vec<T> = Vec::new();
    for item in ours {
        if theirs.contains(item) && !both.contains(item) {
            both.push(item.clone());
        }
    }
    both
}

fn title_words(title: &str) -> BTreeSet<String> {
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !FILLER_WORDS.contains(&w.as_str()))
        .collect()
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

impl Incident {
    /// Links this incident as a recurrence of `earlier`, or with `None`
    /// removes the link; the change is on the timeline with its reason.
    pub fn link_recurrence(
        &self,
        earlier: Option<&Incident>,
        reason: Option<&str>,
        actor: &str,
        now: Timestamp,
    ) -> Result<Change, DomainError> {
        let to = match earlier {
            Some(earlier) if earlier.number == self.number => {
                return Err(DomainError::field(
                    "of",
                    format!("{} cannot be a recurrence of itself", self.public_id()),
                ));
            }
            Some(earlier) if earlier.number > self.number => {
                return Err(DomainError::field(
                    "of",
                    format!(
                        "{} was declared after {}; a recurrence links to an earlier incident",
                        earlier.public_id(),
                        self.public_id()
                    ),
                ));
            }
            Some(earlier) => Some(earlier.number),
            None => None,
        };
        if to == self.recurrence_of {
            return Err(DomainError::field(
                "of",
                match to {
                    Some(n) => format!(
                        "{} is already linked as a recurrence of {}",
                        self.public_id(),
                        public_id(n)
                    ),
                    None => format!("{} is not linked as a recurrence", self.public_id()),
                },
            ));
        }
        let mut next = self.clone();
        next.recurrence_of = to;
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        let body = json!({
            "field": "recurrence_of",
            "from": self.recurrence_of.map(public_id),
            "to": to.map(public_id),
            "reason": reason,
        });
        Ok(Change {
            incident: next,
            events: vec![EventDraft::by(actor, EventKind::FieldChanged, now, body)],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::IncidentKind;

    fn incident(number: u64, title: &str, systems: &[&str], harms: &[HarmCategory]) -> Incident {
        let incident: Incident = serde_json::from_value(json!({
            "number": number, "title": title, "summary": "", "kind": "real", "status": "closed",
            "severity": "sev2", "severity_rationale": "", "systems": systems, "model_versions": [],
            "harms": harms, "people_affected": null, "tags": [], "times": {}, "roles": [],
            "merged_into": null,
        }))
        .unwrap();
        incident
    }

    fn now() -> Timestamp {
        "2026-03-01T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn an_earlier_incident_on_the_same_system_with_a_shared_cause_or_harm_or_title_is_suggested() {
        let bias = [HarmCategory::DiscriminationBias];
        let current = incident(
            9,
            "Credit model declines group C again",
            &["scoring"],
            &bias,
        );
        let alike = incident(3, "Credit model declines group C", &["scoring"], &[]);
        let same_harm = incident(5, "Scores shifted overnight", &["scoring", "kyc"], &bias);
        let same_cause = incident(6, "Latency spike", &["scoring"], &[]);
        let other_system = incident(4, "Credit model declines group C", &["chatbot"], &bias);
        let unrelated = incident(7, "Latency spike", &["scoring"], &[]);
        let later = incident(12, "Credit model declines group C", &["scoring"], &bias);
        let mut drill = incident(2, "Credit model declines group C", &["scoring"], &bias);
        drill.kind = IncidentKind::Drill;
        let data = [CauseCategory::Data];
        let none: [CauseCategory; 0] = [];
        let earlier = [
            Earlier {
                incident: &alike,
                causes: &none,
            },
            Earlier {
                incident: &same_harm,
                causes: &none,
            },
            Earlier {
                incident: &same_cause,
                causes: &data,
            },
            Earlier {
                incident: &other_system,
                causes: &data,
            },
            Earlier {
                incident: &unrelated,
                causes: &none,
            },
            Earlier {
                incident: &later,
                causes: &data,
            },
            Earlier {
                incident: &drill,
                causes: &data,
            },
        ];
        let found = candidates(&current, &data, &earlier);
        let ids: Vec<&str> = found.iter().map(|c| c.incident.as_str()).collect();
        assert_eq!(ids, ["INC-3", "INC-6", "INC-5"]);
        // 4 shared words of 5: credit, model, declines, group ("c" is too
        // short; "again" is in one title only).
        assert!(
            (found[0].title_similarity - 4.0 / 5.0).abs() < 1e-9,
            "{found:?}"
        );
        assert_eq!(found[1].shared_causes, [CauseCategory::Data]);
        assert_eq!(found[2].shared_harms, bias);
        assert_eq!(found[2].shared_systems, ["scoring"]);
    }

    #[test]
    fn the_incident_already_linked_is_not_suggested_again() {
        let mut current = incident(9, "Credit model declines group C", &["scoring"], &[]);
        let earlier = incident(3, "Credit model declines group C", &["scoring"], &[]);
        current.recurrence_of = Some(3);
        let found = candidates(
            &current,
            &[],
            &[Earlier {
                incident: &earlier,
                causes: &[],
            }],
        );
        assert!(found.is_empty());
    }

    #[test]
    fn linking_records_the_link_and_its_reason_and_unlinking_removes_it() {
        let current = incident(9, "Declines again", &["scoring"], &[]);
        let earlier = incident(3, "Declines", &["scoring"], &[]);
        let linked = current
            .link_recurrence(Some(&earlier), Some(" same sampling bug "), "carol", now())
            .unwrap();
        assert_eq!(linked.incident.recurrence_of, Some(3));
        assert_eq!(
            linked.events[0].body,
            json!({"field": "recurrence_of", "from": null, "to": "INC-3", "reason": "same sampling bug"})
        );
        let unlinked = linked
            .incident
            .link_recurrence(None, None, "carol", now())
            .unwrap();
        assert_eq!(unlinked.incident.recurrence_of, None);
        assert_eq!(unlinked.events[0].body["from"], "INC-3");
    }

    #[test]
    fn a_link_to_itself_a_later_incident_or_no_change_is_refused_naming_the_field() {
        let current = incident(9, "Declines", &["scoring"], &[]);
        let later = incident(11, "Declines", &["scoring"], &[]);
        let refused = |earlier: Option<&Incident>| {
            current
                .link_recurrence(earlier, None, "carol", now())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            refused(Some(&current)),
            "of: INC-9 cannot be a recurrence of itself"
        );
        assert_eq!(
            refused(Some(&later)),
            "of: INC-11 was declared after INC-9; a recurrence links to an earlier incident"
        );
        assert_eq!(refused(None), "of: INC-9 is not linked as a recurrence");
    }
}
