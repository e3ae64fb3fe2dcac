//! The sections each regulator asks for, per regime and report, as data
//! (`regulatory/templates.json`): a heading as the regulator's form or
//! article names it, what the regulator asks there, and which parts of the
//! record fill it. A deployment may replace a regime's templates and names
//! the organisation's identity once, in the [`RegulatoryConfig`].
//!
//! Filling a section from the record is the server's job; this module owns
//! the shapes, the shipped table and the checks that every report of every
//! regime has exactly one template.

use super::{GENERIC_REGIME, GENERIC_REPORTS, Question, RegimeTable, RegulatoryConfig};
use crate::error::{DomainError, Problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use utoipa::ToSchema;

/// A part of the record a section is filled from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Fill {
    /// The organisation's legal name, address and identifiers (configuration).
    Organisation,
    /// The organisation's contact person for the regulator (configuration).
    Contact,
    /// The data protection officer or other contact point (configuration).
    DataProtectionOfficer,
    /// The authorised representative in the Union (configuration).
    AuthorisedRepresentative,
    /// The organisation's role(s) as the applicability questionnaire answers them.
    Role,
    /// Names, versions and registration numbers of the systems involved.
    SystemIdentifiers,
    /// The inventory entries of the systems involved.
    Systems,
    /// The incident's summary as written by its responders; its title
    /// until there is one.
    Summary,
    /// The incident's moments: impact, detection, awareness, causal link.
    Moments,
    /// Jurisdictions and sectors from the questionnaire.
    Jurisdictions,
    /// Severity, harm categories and people affected.
    Impact,
    /// The number of people affected, alone.
    PeopleAffected,
    /// The answers given to these questions, in words.
    Answers(Vec<Question>),
    /// The RCA cause statement.
    Causes,
    /// Every forensic finding.
    Findings,
    /// The findings of one analysis (`fairness`, `decision`, `drift`).
    AnalysisFindings(String),
    /// Containment, control changes and actions taken.
    Containment,
    /// The whole timeline.
    Timeline,
    /// Evidence with its chain of custody.
    Custody,
    /// The report's stage in its regime's sequence, by name.
    Stage,
    /// The regime's reports already submitted, with their references.
    EarlierReports,
}

/// One section of a report template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateSection {
    /// As the regulator's form or article names it.
    pub heading: String,
    /// What the regulator asks here, shown as the to-do while the record
    /// has nothing for it.
    pub asks: String,
    /// Empty when the record never holds the answer (a patient's age).
    #[serde(default)]
    pub fill: Vec<Fill>,
}

/// The sections of some reports of one regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTemplate {
    /// A regime id of the regimes table, or `generic`.
    pub regime: String,
    /// The report ids this template serves; every one of the regime's when empty.
    #[serde(default)]
    pub reports: Vec<String>,
    /// The form or articles the sections follow.
    pub source: String,
    pub sections: Vec<TemplateSection>,
}

impl ReportTemplate {
    fn serves(&self, regime: &str, report: &str) -> bool {
        self.regime == regime
            && (self.reports.is_empty() || self.reports.iter().any(|r| r == report))
    }
}

/// The organisation that reports: deployment settings, written once and
/// filled into every report that asks for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Organisation {
    pub legal_name: String,
    pub address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    /// Name and contact details of the data protection officer (GDPR Art. 37).
    pub data_protection_officer: String,
    /// Name and address of the authorised representative in the Union.
    pub authorised_representative: String,
    /// Registration numbers by name, e.g. `LEI`, `EU MDR SRN`, `FDA establishment`.
    pub identifiers: BTreeMap<String, String>,
}

/// The versioned templates shipped with a build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateTable {
    pub version: String,
    pub templates: Vec<ReportTemplate>,
}

static BUILTIN: LazyLock<TemplateTable> = LazyLock::new(|| {
    // The file is part of the source and checked by the tests, so a failure
    // here is a build defect, not a runtime condition.
    let table: TemplateTable = serde_json::from_str(include_str!("templates.json"))
        .unwrap_or_else(|e| panic!("regulatory/templates.json is invalid: {e}"));
    check(&table.templates, RegimeTable::builtin(), "templates", true)
        .unwrap_or_else(|e| panic!("regulatory/templates.json is invalid: {e}"));
    table
});

impl TemplateTable {
    pub fn builtin() -> &'static TemplateTable {
        &BUILTIN
    }
}

/// The template a report of `regime`'s `report` type is drafted from: the
/// deployment's own when it has one, else the shipped one. An unknown regime
/// or report is refused with the ones there are.
pub fn template_for<'a>(
    config: &'a RegulatoryConfig,
    regime: &str,
    report: &str,
) -> Result<&'a ReportTemplate, DomainError> {
    super::record::report_names(RegimeTable::builtin(), regime, report)?;
    config
        .templates
        .iter()
        .chain(&TemplateTable::builtin().templates)
        .find(|t| t.serves(regime, report))
        .ok_or_else(|| {
            DomainError::field(
                "report",
                format!("no report template for {regime} `{report}`"),
            )
        })
}

/// Every template names a known regime and report, has sections with
/// headings, and serves no report twice; with `complete`, every report of
/// every regime (and every generic report) has one.
pub(super) fn check(
    templates: &[ReportTemplate],
    table: &RegimeTable,
    field: &str,
    complete: bool,
) -> Result<(), DomainError> {
    let mut problems = Problems::default();
    let mut served: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (t, template) in templates.iter().enumerate() {
        let place = format!("{field}[{t}]");
        let report_ids: Vec<String> = if template.regime == GENERIC_REGIME {
            GENERIC_REPORTS
                .iter()
                .map(|(id, _)| id.to_string())
                .collect()
        } else if let Some(regime) = table.regime(&template.regime) {
            regime.reports.iter().map(|r| r.id.clone()).collect()
        } else {
            problems.push(
                format!("{place}.regime"),
                format!("unknown regime `{}`", template.regime),
            );
            continue;
        };
        for (r, report) in template.reports.iter().enumerate() {
            if !report_ids.contains(report) {
                problems.push(
                    format!("{place}.reports[{r}]"),
                    format!(
                        "`{}` has no report `{report}`, expected one of {}",
                        template.regime,
                        report_ids.join(", ")
                    ),
                );
            }
        }
        if template.sections.is_empty() {
            problems.push(format!("{place}.sections"), "a template needs a section");
        }
        for (s, section) in template.sections.iter().enumerate() {
            if section.heading.trim().is_empty() {
                problems.push(format!("{place}.sections[{s}].heading"), "empty heading");
            }
        }
        for report in report_ids
            .iter()
            .filter(|id| template.serves(&template.regime, id))
        {
            if let Some(first) = served.insert((template.regime.clone(), report.clone()), t) {
                problems.push(
                    format!("{place}.reports"),
                    format!(
                        "{} `{report}` already has the template {field}[{first}]",
                        template.regime
                    ),
                );
            }
        }
    }
    if complete {
        let generic = GENERIC_REPORTS
            .iter()
            .map(|(id, _)| (GENERIC_REGIME.to_string(), id.to_string()));
        let regimes = table.regimes.iter().flat_map(|regime| {
            regime
                .reports
                .iter()
                .map(|report| (regime.id.clone(), report.id.clone()))
        });
        for key in generic.chain(regimes) {
            if !served.contains_key(&key) {
                problems.push(
                    field.to_string(),
                    format!("no template for {} `{}`", key.0, key.1),
                );
            }
        }
    }
    problems.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_report_of_every_regime_has_one_template() {
        let table = TemplateTable::builtin();
        check(&table.templates, RegimeTable::builtin(), "templates", true).unwrap();
    }

    /// A regulator must never get another regulator's form: no heading of
    /// one regime's templates appears in another regime's.
    #[test]
    fn no_two_regimes_share_a_heading() {
        let mut owner: BTreeMap<&str, &str> = BTreeMap::new();
        for template in &TemplateTable::builtin().templates {
            if template.regime == GENERIC_REGIME {
                continue;
            }
            let headings: BTreeSet<&str> = template
                .sections
                .iter()
                .map(|s| s.heading.as_str())
                .collect();
            for heading in headings {
                let first = *owner.entry(heading).or_insert(&template.regime);
                assert_eq!(
                    first, template.regime,
                    "`{heading}` is in both {first} and {}",
                    template.regime
                );
            }
        }
    }

    #[test]
    fn a_deployment_template_replaces_the_shipped_one() {
        let mut config = RegulatoryConfig::default();
        let shipped = template_for(&config, "gdpr_art33", "notification").unwrap();
        assert!(shipped.sections[1].heading.contains("33(3)(a)"));
        config.templates.push(ReportTemplate {
            regime: "gdpr_art33".into(),
            reports: vec!["notification".into()],
            source: "the CNIL's online form".into(),
            sections: vec![TemplateSection {
                heading: "Your organisation".into(),
                asks: "Who you are".into(),
                fill: vec![Fill::Organisation],
            }],
        });
        config.check(RegimeTable::builtin()).unwrap();
        let own = template_for(&config, "gdpr_art33", "notification").unwrap();
        assert_eq!(own.source, "the CNIL's online form");
        // Its other report keeps the shipped template.
        let other = template_for(&config, "gdpr_art33", "further_information").unwrap();
        assert_ne!(other.source, "the CNIL's online form");
    }

    #[test]
    fn a_deployment_template_for_an_unknown_report_is_refused_by_name() {
        let mut config = RegulatoryConfig::default();
        config.templates.push(ReportTemplate {
            regime: "nis2_art23".into(),
            reports: vec!["closing".into()],
            source: String::new(),
            sections: vec![],
        });
        let error = config
            .check(RegimeTable::builtin())
            .unwrap_err()
            .to_string();
        assert!(error.contains("templates[0].reports[0]"), "{error}");
        assert!(error.contains("no report `closing`"), "{error}");
        assert!(error.contains("templates[0].sections"), "{error}");
    }
}
