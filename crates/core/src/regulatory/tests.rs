//! Table tests of applicability and deadlines through one `check` helper that
//! renders decisions and clocks as text.

use super::*;
use jiff::{SignedDuration, Span};
use serde_json::{Value, json};
use std::fmt::Write;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// One incident as the tests describe it: answers on top of a questionnaire
/// where every yes/no question is answered no, the incident is in Germany and
/// the organisation has no role or sector until a case gives it one.
struct Case {
    answers: Value,
    triggers: ClockTriggers,
    submissions: Vec<Submission>,
    config: Value,
    now: Option<Timestamp>,
}

impl Case {
    fn new(answers: Value, aware_at: &str) -> Self {
        Case {
            answers,
            triggers: ClockTriggers {
                aware_at: at(aware_at),
                classified_major_at: None,
                causal_link_at: None,
                personal_data_aware_at: None,
            },
            submissions: vec![],
            config: json!({}),
            now: None,
        }
    }

    fn questionnaire(&self) -> Questionnaire {
        let mut all = json!({"jurisdictions": ["DE"], "sectors": [], "roles": []});
        for name in [
            "high_risk_ai_system",
            "death",
            "serious_harm_to_health",
            "critical_infrastructure_disruption",
            "widespread_infringement",
            "fundamental_rights_infringement",
            "serious_harm_to_property_or_environment",
            "personal_data_breach",
            "high_risk_to_data_subjects",
            "significant_incident",
            "major_ict_incident",
            "malfunction_could_cause_death_or_serious_harm",
            "remedial_action_needed",
            "serious_public_health_threat",
            "work_related_fatality",
            "work_related_severe_injury",
        ] {
            all[name] = json!("no");
        }
        for (name, answer) in self.answers.as_object().unwrap() {
            all[name] = answer.clone();
        }
        serde_json::from_value(all).unwrap()
    }

    fn config(&self) -> RegulatoryConfig {
        serde_json::from_value(self.config.clone()).unwrap()
    }

    /// The decisions and clocks as text: regimes that do not apply are left
    /// out, so each case shows only what it is about.
    fn render(&self) -> Result<String, DomainError> {
        let table = RegimeTable::builtin();
        let questionnaire = self.questionnaire();
        let config = self.config();
        let decisions =
            decide_applicability(table, &questionnaire, &config, self.triggers.aware_at)?;
        let deadlines = compute_deadlines(
            table,
            &decisions,
            &questionnaire,
            &self.triggers,
            &self.submissions,
            &config,
        )?;
        let mut out = format!("reportable: {}\n", wire_name(&reportable(&decisions)));
        for decision in decisions.iter().filter(|d| d.applies != Answer::No) {
            write!(out, "{}: {}", decision.regime, wire_name(&decision.applies)).unwrap();
            if !decision.because.is_empty() {
                let because: Vec<String> = decision
                    .because
                    .iter()
                    .map(|f| format!("{}={}", f.question, f.answer))
                    .collect();
                write!(out, " because {}", because.join(", ")).unwrap();
            }
            if !decision.unanswered.is_empty() {
                write!(out, " unanswered {}", decision.unanswered.join(", ")).unwrap();
            }
            out.push('\n');
            for deadline in deadlines.iter().filter(|d| d.regime == decision.regime) {
                write!(
                    out,
                    "  {}: due {}, {}",
                    deadline.report,
                    deadline.due_at,
                    describe(&deadline.rule)
                )
                .unwrap();
                if !deadline.assumed_unanswered.is_empty() {
                    write!(
                        out,
                        ", assuming unanswered {}",
                        deadline.assumed_unanswered.join(", ")
                    )
                    .unwrap();
                }
                if let Some(submitted_at) = deadline.submitted_at {
                    write!(out, ", submitted {submitted_at}").unwrap();
                }
                if let Some(now) = self.now {
                    let status = deadline.status(now);
                    let fraction = status
                        .elapsed_fraction
                        .map_or_else(|| "-".to_string(), |f| format!("{f:.2}"));
                    write!(out, ", {} {fraction}", wire_name(&status.level)).unwrap();
                }
                out.push('\n');
            }
        }
        Ok(out)
    }
}

fn describe(rule: &DeadlineRule) -> String {
    let from = match &rule.from {
        None => "clock start".to_string(),
        Some(Anchor::Trigger(trigger)) => wire_name(trigger),
        Some(Anchor::Report { report }) => format!("report {report}"),
    };
    let within = match rule.within {
        Period::Immediately => "immediately".to_string(),
        Period::Hours(n) => format!("{n} hours"),
        Period::CalendarDays(n) => format!("{n} calendar days"),
        Period::WorkingDays(n) => format!("{n} working days"),
        Period::Months(n) => format!("{n} months"),
    };
    format!("{within} after {from}")
}

/// The expected text as written in the test, without its common indentation
/// and the blank first and last lines.
fn trim_indent(text: &str) -> String {
    let lines: Vec<&str> = text
        .trim_start_matches('\n')
        .trim_end_matches([' ', '\n'])
        .lines()
        .collect();
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| format!("{}\n", line.get(indent..).unwrap_or("")))
        .collect()
}

fn check(case: Case, expected: &str) {
    let actual = match case.render() {
        Ok(text) => text,
        Err(e) => format!("error: {e}\n"),
    };
    let expected = trim_indent(expected);
    assert_eq!(actual, expected, "\nactual:\n{actual}");
}

fn ai_act_provider(extra: Value) -> Value {
    let mut answers = json!({"roles": ["provider"], "high_risk_ai_system": "yes"});
    for (name, answer) in extra.as_object().unwrap() {
        answers[name] = answer.clone();
    }
    answers
}

// ---- EU AI Act Art. 73 and 26(5) ------------------------------------------

#[test]
fn ai_act_serious_harm_gives_fifteen_days_from_awareness() {
    check(
        Case::new(
            ai_act_provider(json!({"serious_harm_to_health": "yes"})),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-16T10:00:00Z, 15 calendar days after aware_at
        ",
    );
}

#[test]
fn ai_act_death_gives_ten_days_from_awareness() {
    check(
        Case::new(
            ai_act_provider(json!({"death": "yes"})),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, death=yes
          initial: due 2026-09-11T10:00:00Z, 10 calendar days after aware_at
        ",
    );
}

#[test]
fn ai_act_widespread_infringement_or_critical_infrastructure_gives_two_days() {
    for answer in [
        "widespread_infringement",
        "critical_infrastructure_disruption",
    ] {
        check(
            Case::new(
                ai_act_provider(json!({answer: "yes", "death": "yes"})),
                "2026-09-01T10:00:00Z",
            ),
            &format!(
                "
                reportable: yes
                eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, death=yes, {answer}=yes
                  initial: due 2026-09-03T10:00:00Z, 2 calendar days after aware_at
                "
            )
            ,
        );
    }
}

#[test]
fn ai_act_causal_link_makes_the_report_due_immediately_within_the_day_limit() {
    let mut early_link = Case::new(
        ai_act_provider(json!({"serious_harm_to_health": "yes"})),
        "2026-09-01T10:00:00Z",
    );
    early_link.triggers.causal_link_at = Some(at("2026-09-04T08:00:00Z"));
    early_link.now = Some(at("2026-09-04T09:00:00Z"));
    check(
        early_link,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-04T08:00:00Z, immediately after causal_link_at, immediate -
        ",
    );

    // A link established after the day limit does not extend it.
    let mut late_link = Case::new(
        ai_act_provider(json!({"serious_harm_to_health": "yes"})),
        "2026-09-01T10:00:00Z",
    );
    late_link.triggers.causal_link_at = Some(at("2026-09-20T08:00:00Z"));
    check(
        late_link,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-16T10:00:00Z, 15 calendar days after aware_at
        ",
    );
}

#[test]
fn ai_act_unanswered_death_binds_the_shorter_limit_and_says_so() {
    check(
        Case::new(
            ai_act_provider(json!({"serious_harm_to_health": "yes", "death": "unknown"})),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-11T10:00:00Z, 10 calendar days after aware_at, assuming unanswered death
        ",
    );
}

#[test]
fn ai_act_combined_report_settles_the_initial_clock() {
    let mut case = Case::new(
        ai_act_provider(json!({"death": "yes"})),
        "2026-09-01T10:00:00Z",
    );
    case.submissions = vec![Submission {
        regime: "eu_ai_act_art73".into(),
        report: "combined_initial_and_final".into(),
        at: at("2026-09-06T10:00:00Z"),
    }];
    case.now = Some(at("2026-09-30T00:00:00Z"));
    check(
        case,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, death=yes
          initial: due 2026-09-11T10:00:00Z, 10 calendar days after aware_at, submitted 2026-09-06T10:00:00Z, half_elapsed 0.50
          follow_up: due 2026-09-06T10:00:00Z, immediately after report initial, submitted 2026-09-06T10:00:00Z, immediate -
        ",
    );
}

/// Art. 73(5): an incomplete initial report is followed by a complete one.
/// The follow-up has no clock before the initial report goes out, is due
/// without undue delay from its submission (never overdue by itself), and
/// the final report settles it.
#[test]
fn ai_act_initial_report_starts_the_follow_up_clock_and_the_final_stops_it() {
    let answers = ai_act_provider(json!({"serious_harm_to_health": "yes"}));
    let mut before = Case::new(answers.clone(), "2026-09-01T10:00:00Z");
    before.now = Some(at("2026-09-03T10:00:00Z"));
    check(
        before,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-16T10:00:00Z, 15 calendar days after aware_at, on_track 0.13
        ",
    );
    let initial = Submission {
        regime: "eu_ai_act_art73".into(),
        report: "initial".into(),
        at: at("2026-09-04T16:30:00Z"),
    };
    let mut sent = Case::new(answers.clone(), "2026-09-01T10:00:00Z");
    sent.submissions = vec![initial.clone()];
    sent.now = Some(at("2026-09-20T10:00:00Z"));
    check(
        sent,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-16T10:00:00Z, 15 calendar days after aware_at, submitted 2026-09-04T16:30:00Z, on_track 0.22
          follow_up: due 2026-09-04T16:30:00Z, immediately after report initial, immediate -
        ",
    );
    let mut settled = Case::new(answers, "2026-09-01T10:00:00Z");
    settled.submissions = vec![
        initial,
        Submission {
            regime: "eu_ai_act_art73".into(),
            report: "final".into(),
            at: at("2026-10-02T09:00:00Z"),
        },
    ];
    settled.now = Some(at("2026-10-05T10:00:00Z"));
    check(
        settled,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, serious_harm_to_health=yes
          initial: due 2026-09-16T10:00:00Z, 15 calendar days after aware_at, submitted 2026-09-04T16:30:00Z, on_track 0.22
          follow_up: due 2026-09-04T16:30:00Z, immediately after report initial, submitted 2026-10-02T09:00:00Z, immediate -
        ",
    );
}

#[test]
fn ai_act_deployer_informs_the_provider_immediately() {
    check(
        Case::new(
            json!({"roles": ["deployer"], "high_risk_ai_system": "yes", "fundamental_rights_infringement": "yes"}),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: yes
        eu_ai_act_art26_5: yes because jurisdictions=DE (EU), roles=deployer, high_risk_ai_system=yes, fundamental_rights_infringement=yes
          inform_provider: due 2026-09-01T10:00:00Z, immediately after clock start
        ",
    );
}

#[test]
fn ai_act_applicability_date_can_be_moved_by_configuration() {
    let answers = ai_act_provider(json!({"death": "yes"}));
    check(
        Case::new(answers.clone(), "2026-08-01T21:59:59Z"),
        "
        reportable: no
        ",
    );
    // 2 August 2026 begins at 22:00 UTC the day before in Berlin.
    let mut berlin = Case::new(answers.clone(), "2026-08-01T22:00:00Z");
    berlin.config = json!({"time_zone": "Europe/Berlin"});
    check(
        berlin,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, death=yes
          initial: due 2026-08-11T22:00:00Z, 10 calendar days after aware_at
        ",
    );
    let mut postponed = Case::new(answers, "2027-03-01T10:00:00Z");
    postponed.config = json!({"regimes": {"eu_ai_act_art73": {"applies_from": "2027-12-02"}}});
    check(
        postponed,
        "
        reportable: no
        ",
    );
}

// ---- GDPR ---------------------------------------------------------------------

#[test]
fn gdpr_breach_runs_seventy_two_hours_from_personal_data_awareness() {
    let mut case = Case::new(
        json!({"jurisdictions": ["FR", "US"], "personal_data_breach": "yes"}),
        "2026-05-04T09:00:00Z",
    );
    case.triggers.personal_data_aware_at = Some(at("2026-05-05T15:30:00Z"));
    check(
        case,
        "
        reportable: yes
        gdpr_art33: yes because jurisdictions=FR (EEA), personal_data_breach=yes
          notification: due 2026-05-08T15:30:00Z, 72 hours after clock start
        ",
    );
    // Unrecorded, the personal-data moment defaults to awareness (D9).
    check(
        Case::new(
            json!({"jurisdictions": ["NO"], "personal_data_breach": "yes", "high_risk_to_data_subjects": "yes"}),
            "2026-05-04T09:00:00Z",
        ),
        "
        reportable: yes
        gdpr_art33: yes because jurisdictions=NO (EEA), personal_data_breach=yes
          notification: due 2026-05-07T09:00:00Z, 72 hours after clock start
        gdpr_art34: yes because jurisdictions=NO (EEA), personal_data_breach=yes, high_risk_to_data_subjects=yes
          communication: due 2026-05-04T09:00:00Z, immediately after clock start
        ",
    );
}

// ---- NIS2 ---------------------------------------------------------------------

#[test]
fn nis2_final_report_is_one_month_after_the_notification() {
    let answers = json!({"sectors": ["essential_entity"], "significant_incident": "yes"});
    check(
        Case::new(answers.clone(), "2026-01-29T12:00:00Z"),
        "
        reportable: yes
        nis2_art23: yes because jurisdictions=DE (EU), sectors=essential_entity, significant_incident=yes
          early_warning: due 2026-01-30T12:00:00Z, 24 hours after clock start
          notification: due 2026-02-01T12:00:00Z, 72 hours after clock start
          final: due 2026-03-01T12:00:00Z, 1 months after report notification
        ",
    );
    // A notification sent early moves the final report earlier; one month
    // from 30 January ends on the last day of February.
    let mut sent = Case::new(answers, "2026-01-29T12:00:00Z");
    sent.submissions = vec![Submission {
        regime: "nis2_art23".into(),
        report: "notification".into(),
        at: at("2026-01-30T09:00:00Z"),
    }];
    check(
        sent,
        "
        reportable: yes
        nis2_art23: yes because jurisdictions=DE (EU), sectors=essential_entity, significant_incident=yes
          early_warning: due 2026-01-30T12:00:00Z, 24 hours after clock start
          notification: due 2026-02-01T12:00:00Z, 72 hours after clock start, submitted 2026-01-30T09:00:00Z
          final: due 2026-02-28T09:00:00Z, 1 months after report notification
        ",
    );
}

// ---- OSHA ---------------------------------------------------------------------

fn osha(extra: Value) -> Value {
    let mut answers = json!({"jurisdictions": ["US"]});
    for (name, answer) in extra.as_object().unwrap() {
        answers[name] = answer.clone();
    }
    answers
}

/// 29 CFR 1904.39(a): 8 hours for a death, 24 hours for an in-patient
/// hospitalisation, amputation or loss of an eye, both from learning of it.
/// Hours are elapsed time: across New York's spring change (2026-03-08,
/// 02:00 EST becomes 03:00 EDT) 8 hours from 00:00 EST end at 09:00 EDT.
#[test]
fn osha_gives_eight_hours_for_a_death_and_a_day_for_a_severe_injury() {
    let mut death = Case::new(
        osha(json!({"work_related_fatality": "yes"})),
        "2026-03-08T05:00:00Z",
    );
    death.config = json!({"time_zone": "America/New_York"});
    check(
        death,
        "
        reportable: yes
        osha_1904_39: yes because jurisdictions=US, work_related_fatality=yes
          report: due 2026-03-08T13:00:00Z, 8 hours after clock start
        ",
    );
    check(
        Case::new(
            osha(json!({"work_related_severe_injury": "yes"})),
            "2026-03-08T05:00:00Z",
        ),
        "
        reportable: yes
        osha_1904_39: yes because jurisdictions=US, work_related_severe_injury=yes
          report: due 2026-03-09T05:00:00Z, 24 hours after clock start
        ",
    );
    // Before anyone asked about a death, the 8 hours bind.
    check(
        Case::new(
            osha(json!({"work_related_severe_injury": "yes", "work_related_fatality": "unknown"})),
            "2026-03-08T05:00:00Z",
        ),
        "
        reportable: yes
        osha_1904_39: yes because jurisdictions=US, work_related_severe_injury=yes
          report: due 2026-03-08T13:00:00Z, 8 hours after clock start, assuming unanswered work_related_fatality
        ",
    );
    // Outside the US it does not apply.
    check(
        Case::new(
            json!({"work_related_fatality": "yes"}),
            "2026-03-08T05:00:00Z",
        ),
        "
        reportable: no
        ",
    );
}

// ---- DORA ---------------------------------------------------------------------

#[test]
fn dora_initial_is_four_hours_after_classification_and_at_most_a_day_after_awareness() {
    let answers = json!({"jurisdictions": ["IE"], "sectors": ["financial_entity"], "major_ict_incident": "yes"});
    let cases = [
        // Unrecorded classification defaults to awareness (D9).
        (
            None,
            "2026-06-01T12:00:00Z",
            "4 hours after classified_major_at",
        ),
        (
            Some("2026-06-01T10:00:00Z"),
            "2026-06-01T14:00:00Z",
            "4 hours after classified_major_at",
        ),
        (
            Some("2026-06-02T06:00:00Z"),
            "2026-06-02T08:00:00Z",
            "24 hours after aware_at",
        ),
    ];
    for (classified, initial_due, rule) in cases {
        let mut case = Case::new(answers.clone(), "2026-06-01T08:00:00Z");
        case.triggers.classified_major_at = classified.map(at);
        let intermediate_due = at(initial_due) + SignedDuration::from_hours(72);
        let final_due = intermediate_due
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(Span::new().months(1))
            .unwrap()
            .timestamp();
        check(
            case,
            &format!(
                "
                reportable: yes
                dora_art19: yes because jurisdictions=IE (EU), sectors=financial_entity, major_ict_incident=yes
                  initial: due {initial_due}, {rule}
                  intermediate: due {intermediate_due}, 72 hours after report initial
                  final: due {final_due}, 1 months after report intermediate
                "
            )
            ,
        );
    }
}

// ---- FDA 21 CFR 803 -------------------------------------------------------------

fn fda_device(extra: Value) -> Value {
    let mut answers = json!({
        "jurisdictions": ["US"],
        "sectors": ["medical_device"],
        "roles": ["provider"],
        "serious_harm_to_health": "yes",
    });
    for (name, answer) in extra.as_object().unwrap() {
        answers[name] = answer.clone();
    }
    answers
}

#[test]
fn fda_report_is_thirty_calendar_days() {
    check(
        Case::new(fda_device(json!({})), "2026-03-06T15:00:00Z"),
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-04-05T15:00:00Z, 30 calendar days after clock start
        ",
    );
}

#[test]
fn fda_remedial_action_gives_five_working_days_across_a_weekend() {
    // Friday afternoon: the next five working days end the following Friday.
    check(
        Case::new(
            fda_device(json!({"remedial_action_needed": "yes"})),
            "2026-03-06T15:00:00Z",
        ),
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-03-13T15:00:00Z, 5 working days after clock start
        ",
    );
    // Aware on a Saturday: Monday is the first working day.
    check(
        Case::new(
            fda_device(json!({"remedial_action_needed": "yes"})),
            "2026-03-07T15:00:00Z",
        ),
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-03-13T15:00:00Z, 5 working days after clock start
        ",
    );
}

#[test]
fn fda_working_days_skip_a_configured_holiday_in_the_configured_zone() {
    let answers = fda_device(json!({"remedial_action_needed": "yes"}));
    // Thursday 2 July 2026, 10:00 in New York; 3 July is the observed
    // Independence Day.
    let mut holiday = Case::new(answers.clone(), "2026-07-02T14:00:00Z");
    holiday.config = json!({"regimes": {"fda_21cfr803": {
        "time_zone": "America/New_York",
        "holidays": ["2026-07-03"],
    }}});
    check(
        holiday,
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-07-10T14:00:00Z, 5 working days after clock start
        ",
    );
    // Without the configured day the US calendar skips it all the same (Fri 3
    // July is observed for Independence Day on Saturday), so the due day
    // stays Friday 10 July, no longer Thursday 9 July as before calendars.
    let mut no_holiday = Case::new(answers, "2026-07-02T14:00:00Z");
    no_holiday.config = json!({"regimes": {"fda_21cfr803": {"time_zone": "America/New_York"}}});
    check(
        no_holiday,
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-07-10T14:00:00Z, 5 working days after clock start
        ",
    );
}

#[test]
fn working_days_keep_the_wall_clock_across_berlin_spring_change_and_easter() {
    // Friday 27 March 2026, 10:00 CET. Clocks go forward on Sunday 29 March;
    // Good Friday (3 April) and Easter Monday (6 April) are holidays.
    let mut case = Case::new(
        fda_device(json!({"remedial_action_needed": "yes"})),
        "2026-03-27T09:00:00Z",
    );
    case.config = json!({"regimes": {"fda_21cfr803": {
        "time_zone": "Europe/Berlin",
        "holidays": ["2026-04-03", "2026-04-06"],
    }}});
    check(
        case,
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-04-07T08:00:00Z, 5 working days after clock start
        ",
    );
}

#[test]
fn working_days_keep_the_wall_clock_across_berlin_autumn_change() {
    // Friday 23 October 2026, 10:00 CEST; clocks go back on Sunday 25 October.
    let mut case = Case::new(
        fda_device(json!({"remedial_action_needed": "yes"})),
        "2026-10-23T08:00:00Z",
    );
    case.config = json!({"time_zone": "Europe/Berlin"});
    check(
        case,
        "
        reportable: yes
        fda_21cfr803: yes because jurisdictions=US, sectors=medical_device, roles=provider, serious_harm_to_health=yes
          mdr_report: due 2026-10-30T09:00:00Z, 5 working days after clock start
        ",
    );
}

mod working_days;

// ---- EU MDR Art. 87 ---------------------------------------------------------------

fn mdr_device(extra: Value) -> Value {
    let mut answers = json!({"sectors": ["medical_device"], "roles": ["provider"]});
    for (name, answer) in extra.as_object().unwrap() {
        answers[name] = answer.clone();
    }
    answers
}

#[test]
fn mdr_gives_ten_days_for_death_or_serious_harm_and_two_for_a_public_health_threat() {
    // A malfunction alone is not a serious incident under the MDR.
    check(
        Case::new(
            mdr_device(json!({"malfunction_could_cause_death_or_serious_harm": "yes"})),
            "2026-02-02T08:00:00Z",
        ),
        "
        reportable: no
        ",
    );
    for answer in ["death", "serious_harm_to_health"] {
        check(
            Case::new(mdr_device(json!({answer: "yes"})), "2026-02-02T08:00:00Z"),
            &format!(
                "
                reportable: yes
                eu_mdr_art87: yes because jurisdictions=DE (EU), sectors=medical_device, roles=provider, {answer}=yes
                  initial: due 2026-02-12T08:00:00Z, 10 calendar days after aware_at
                "
            ),
        );
    }
    check(
        Case::new(
            mdr_device(json!({"serious_public_health_threat": "yes"})),
            "2026-02-02T08:00:00Z",
        ),
        "
        reportable: yes
        eu_mdr_art87: yes because jurisdictions=DE (EU), sectors=medical_device, roles=provider, serious_public_health_threat=yes
          initial: due 2026-02-04T08:00:00Z, 2 calendar days after aware_at
        ",
    );
}

#[test]
fn mdr_report_is_due_immediately_once_the_causal_link_is_recorded() {
    let mut case = Case::new(
        mdr_device(
            json!({"serious_public_health_threat": "no", "death": "no", "serious_harm_to_health": "yes"}),
        ),
        "2026-02-02T08:00:00Z",
    );
    case.triggers.causal_link_at = Some(at("2026-02-05T08:00:00Z"));
    check(
        case,
        "
        reportable: yes
        eu_mdr_art87: yes because jurisdictions=DE (EU), sectors=medical_device, roles=provider, serious_harm_to_health=yes
          initial: due 2026-02-05T08:00:00Z, immediately after causal_link_at
        ",
    );
}

#[test]
fn calendar_days_keep_the_wall_clock_across_berlin_changes_and_hours_do_not() {
    // Saturday 28 March 2026, 12:00 CET: two days later is 12:00 CEST, 47 hours.
    let answers = json!({
        "sectors": ["medical_device"],
        "roles": ["provider"],
        "serious_public_health_threat": "yes",
        "personal_data_breach": "yes",
    });
    let mut spring = Case::new(answers.clone(), "2026-03-28T11:00:00Z");
    spring.config = json!({"time_zone": "Europe/Berlin"});
    check(
        spring,
        "
        reportable: yes
        gdpr_art33: yes because jurisdictions=DE (EEA), personal_data_breach=yes
          notification: due 2026-03-31T11:00:00Z, 72 hours after clock start
        eu_mdr_art87: yes because jurisdictions=DE (EU), sectors=medical_device, roles=provider, serious_public_health_threat=yes
          initial: due 2026-03-30T10:00:00Z, 2 calendar days after aware_at
        ",
    );
    // Saturday 24 October 2026, 12:00 CEST: two days later is 12:00 CET, 49 hours.
    let mut autumn = Case::new(answers, "2026-10-24T10:00:00Z");
    autumn.config = json!({"time_zone": "Europe/Berlin"});
    check(
        autumn,
        "
        reportable: yes
        gdpr_art33: yes because jurisdictions=DE (EEA), personal_data_breach=yes
          notification: due 2026-10-27T10:00:00Z, 72 hours after clock start
        eu_mdr_art87: yes because jurisdictions=DE (EU), sectors=medical_device, roles=provider, serious_public_health_threat=yes
          initial: due 2026-10-26T11:00:00Z, 2 calendar days after aware_at
        ",
    );
}

// ---- Edits, clock status, crossings -------------------------------------------

#[test]
fn edited_aware_at_recomputes_the_deadlines() {
    let answers = ai_act_provider(json!({"death": "yes", "personal_data_breach": "yes"}));
    let before = Case::new(answers.clone(), "2026-09-10T10:00:00Z");
    let after = Case::new(answers, "2026-09-08T07:30:00Z");
    check(
        after,
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=DE (EU), roles=provider, high_risk_ai_system=yes, death=yes
          initial: due 2026-09-18T07:30:00Z, 10 calendar days after aware_at
        gdpr_art33: yes because jurisdictions=DE (EEA), personal_data_breach=yes
          notification: due 2026-09-11T07:30:00Z, 72 hours after clock start
        ",
    );

    let compute = |case: &Case| {
        let table = RegimeTable::builtin();
        let questionnaire = case.questionnaire();
        let decisions = decide_applicability(
            table,
            &questionnaire,
            &RegulatoryConfig::default(),
            case.triggers.aware_at,
        )
        .unwrap();
        compute_deadlines(
            table,
            &decisions,
            &questionnaire,
            &case.triggers,
            &[],
            &RegulatoryConfig::default(),
        )
        .unwrap()
    };
    let answers = ai_act_provider(json!({"death": "yes", "personal_data_breach": "yes"}));
    let mut edited = Case::new(answers, "2026-09-08T07:30:00Z");
    edited.triggers.personal_data_aware_at = Some(at("2026-09-10T10:00:00Z"));
    let changes = deadline_changes(&compute(&before), &compute(&edited));
    // The GDPR clock runs from its own recorded moment, so only Art. 73 moves.
    assert_eq!(
        changes,
        [DeadlineChange {
            regime: "eu_ai_act_art73".into(),
            report: "initial".into(),
            before: Some(at("2026-09-20T10:00:00Z")),
            after: Some(at("2026-09-18T07:30:00Z")),
        }]
    );
}

#[test]
fn clock_warns_at_half_eighty_percent_and_overdue() {
    let statuses = [
        ("2026-05-04T09:00:00Z", "on_track 0.00"),
        ("2026-05-05T20:59:59Z", "on_track 0.50"),
        ("2026-05-05T21:00:00Z", "half_elapsed 0.50"),
        ("2026-05-06T18:36:00Z", "eighty_percent_elapsed 0.80"),
        ("2026-05-07T09:00:00Z", "overdue 1.00"),
        ("2026-05-08T21:00:00Z", "overdue 1.50"),
    ];
    for (now, expected) in statuses {
        let mut case = Case::new(
            json!({"personal_data_breach": "yes"}),
            "2026-05-04T09:00:00Z",
        );
        case.now = Some(at(now));
        check(
            case,
            &format!(
                "
                reportable: yes
                gdpr_art33: yes because jurisdictions=DE (EEA), personal_data_breach=yes
                  notification: due 2026-05-07T09:00:00Z, 72 hours after clock start, {expected}
                "
            ),
        );
    }
}

#[test]
fn crossings_fire_once_and_stop_at_submission() {
    let deadline = Deadline {
        regime: "gdpr_art33".into(),
        report: "notification".into(),
        report_name: "Notification".into(),
        applies: Answer::Yes,
        incomplete_allowed: true,
        started_at: at("2026-05-04T09:00:00Z"),
        due_at: at("2026-05-07T09:00:00Z"),
        rule: RegimeTable::builtin().regime("gdpr_art33").unwrap().reports[0].deadline[0].clone(),
        assumed_unanswered: vec![],
        submitted_at: None,
        latest_at: None,
    };
    let levels = |since: &str, now: &str, deadline: &Deadline| -> Vec<(ClockLevel, String)> {
        deadline
            .crossed_between(at(since), at(now))
            .into_iter()
            .map(|c| (c.level, c.at.to_string()))
            .collect()
    };
    assert_eq!(
        levels("2026-05-04T09:00:00Z", "2026-05-06T00:00:00Z", &deadline),
        [(ClockLevel::HalfElapsed, "2026-05-05T21:00:00Z".to_string())]
    );
    assert_eq!(
        levels("2026-05-06T00:00:00Z", "2026-05-08T00:00:00Z", &deadline),
        [
            (
                ClockLevel::EightyPercentElapsed,
                "2026-05-06T18:36:00Z".to_string()
            ),
            (ClockLevel::Overdue, "2026-05-07T09:00:00Z".to_string()),
        ]
    );
    assert_eq!(
        levels("2026-05-08T00:00:00Z", "2026-05-09T00:00:00Z", &deadline),
        []
    );

    let submitted = Deadline {
        submitted_at: Some(at("2026-05-06T12:00:00Z")),
        ..deadline
    };
    assert_eq!(
        levels("2026-05-06T00:00:00Z", "2026-05-08T00:00:00Z", &submitted),
        []
    );
    let status = submitted.status(at("2026-05-09T00:00:00Z"));
    assert_eq!(status.level, ClockLevel::HalfElapsed);
    assert_eq!(status.elapsed_fraction, Some(51.0 / 72.0));

    // "Immediately" is reached at the trigger and never turns overdue.
    let immediately = Deadline {
        due_at: submitted.started_at,
        rule: RegimeTable::builtin().regime("gdpr_art34").unwrap().reports[0].deadline[0].clone(),
        submitted_at: None,
        ..submitted
    };
    assert_eq!(
        immediately.crossings(),
        [Crossing {
            level: ClockLevel::Immediate,
            at: at("2026-05-04T09:00:00Z")
        }]
    );
}

// ---- Applicability and reportable -------------------------------------------------

#[test]
fn applicability_decisions() {
    // Outside the EU the AI Act does not apply, whatever happened.
    check(
        Case::new(
            ai_act_provider(json!({"jurisdictions": ["US"], "death": "yes"})),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: no
        ",
    );
    // A high-risk system with no harm answered yet: unknown, naming what to ask.
    check(
        Case::new(
            ai_act_provider(json!({"death": "unknown", "serious_harm_to_health": "unknown"})),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: unknown
        eu_ai_act_art73: unknown unanswered death, serious_harm_to_health
          initial: due 2026-09-11T10:00:00Z, 10 calendar days after aware_at, assuming unanswered death
        ",
    );
    // An unanswered question that cannot change the outcome is not asked.
    check(
        Case::new(
            ai_act_provider(json!({"jurisdictions": ["US"], "death": "unknown"})),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: no
        ",
    );
    // Nothing answered at all: every regime is open.
    let blank: Questionnaire = Questionnaire::default();
    let decisions = decide_applicability(
        RegimeTable::builtin(),
        &blank,
        &RegulatoryConfig::default(),
        at("2026-09-01T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(reportable(&decisions), Answer::Unknown);
    let art73 = &decisions[0];
    assert_eq!(
        art73.unanswered,
        [
            "critical_infrastructure_disruption",
            "death",
            "fundamental_rights_infringement",
            "high_risk_ai_system",
            "jurisdictions",
            "roles",
            "serious_harm_to_health",
            "serious_harm_to_property_or_environment",
            "widespread_infringement",
        ]
    );
    // A role and a sector at once: both regimes apply, each for its reasons.
    check(
        Case::new(
            json!({
                "jurisdictions": ["EU"],
                "roles": ["provider", "deployer"],
                "sectors": ["important_entity", "financial_entity"],
                "high_risk_ai_system": "yes",
                "serious_harm_to_property_or_environment": "yes",
                "significant_incident": "yes",
            }),
            "2026-09-01T10:00:00Z",
        ),
        "
        reportable: yes
        eu_ai_act_art73: yes because jurisdictions=EU, roles=provider, high_risk_ai_system=yes, serious_harm_to_property_or_environment=yes
          initial: due 2026-09-16T10:00:00Z, 15 calendar days after aware_at
        eu_ai_act_art26_5: yes because jurisdictions=EU, roles=deployer, high_risk_ai_system=yes, serious_harm_to_property_or_environment=yes
          inform_provider: due 2026-09-01T10:00:00Z, immediately after clock start
        nis2_art23: yes because jurisdictions=EU, sectors=important_entity, significant_incident=yes
          early_warning: due 2026-09-02T10:00:00Z, 24 hours after clock start
          notification: due 2026-09-04T10:00:00Z, 72 hours after clock start
          final: due 2026-10-04T10:00:00Z, 1 months after report notification
        ",
    );
}

// ---- Refusals and the table itself -----------------------------------------------

#[test]
fn refusals_name_the_field() {
    let mut zone = Case::new(json!({}), "2026-09-01T10:00:00Z");
    zone.config = json!({"regimes": {"fda_21cfr803": {"time_zone": "Europe/Atlantis"}}});
    check(
        zone,
        "
        error: regimes.fda_21cfr803.time_zone: unknown IANA time zone `Europe/Atlantis`
        ",
    );
    let mut default_zone = Case::new(json!({}), "2026-09-01T10:00:00Z");
    default_zone.config = json!({"time_zone": "CET+1"});
    check(
        default_zone,
        "
        error: time_zone: unknown IANA time zone `CET+1`
        ",
    );
    let mut regime = Case::new(json!({}), "2026-09-01T10:00:00Z");
    regime.config = json!({"regimes": {"hipaa": {}}});
    check(
        regime,
        "
        error: regimes.hipaa: unknown regime, expected one of eu_ai_act_art73, eu_ai_act_art26_5, gdpr_art33, gdpr_art34, nis2_art23, dora_art19, fda_21cfr803, eu_mdr_art87, osha_1904_39
        ",
    );
    check(
        Case::new(json!({"jurisdictions": ["de"]}), "2026-09-01T10:00:00Z"),
        "
        error: jurisdictions[0]: `de` is not an ISO 3166-1 alpha-2 code, EU or EEA
        ",
    );
    let mut submission = Case::new(json!({}), "2026-09-01T10:00:00Z");
    submission.submissions = vec![Submission {
        regime: "nis2_art23".into(),
        report: "initial".into(),
        at: at("2026-09-01T12:00:00Z"),
    }];
    check(
        submission,
        "
        error: submissions[0].report: `nis2_art23` has no report `initial`
        ",
    );
}

#[test]
fn a_report_of_a_regime_that_does_not_apply_is_refused() {
    let table = RegimeTable::builtin();
    let case = Case::new(
        json!({"personal_data_breach": "yes"}),
        "2026-09-01T10:00:00Z",
    );
    let decisions = decide_applicability(
        table,
        &case.questionnaire(),
        &case.config(),
        case.triggers.aware_at,
    )
    .unwrap();
    let record = RegulatoryRecord::default();
    let now = at("2026-09-01T12:00:00Z");
    let draft_with = |regime: &str, report: &str, reason: Option<&str>| {
        draft_report(
            &record,
            &decisions,
            table,
            regime,
            report,
            vec![],
            reason,
            "carol",
            now,
        )
    };
    let draft = |regime: &str, report: &str| draft_with(regime, report, None);
    let (_, drafted, _) = draft("gdpr_art33", "notification").unwrap();
    assert_eq!(drafted.id, "R-1");
    match draft("eu_ai_act_art73", "initial") {
        Err(DomainError::Conflict { message, .. }) => assert!(
            message.starts_with("EU AI Act Art. 73: serious incident report by the provider does not apply to this incident (roles: not provider"),
            "{message}"
        ),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // With a reason it is drafted anyway, the reason on the report and the
    // timeline; a blank reason is no reason.
    assert!(draft_with("eu_ai_act_art73", "initial", Some("  ")).is_err());
    let (_, anyway, event) = draft_with(
        "eu_ai_act_art73",
        "initial",
        Some("the market surveillance authority asked for one"),
    )
    .unwrap();
    assert_eq!(
        anyway.drafted_although_not_applicable.as_deref(),
        Some("the market surveillance authority asked for one")
    );
    assert_eq!(
        event.body["drafted_although_not_applicable"],
        "the market surveillance authority asked for one"
    );
    // A regime that applies records no override.
    let (_, applying, _) = draft_with("gdpr_art33", "notification", Some("not needed")).unwrap();
    assert_eq!(applying.drafted_although_not_applicable, None);
    // Undecided regimes and generic reports may be drafted.
    let unknown = decide_applicability(
        table,
        &Questionnaire::default(),
        &case.config(),
        case.triggers.aware_at,
    )
    .unwrap();
    draft_report(
        &record,
        &unknown,
        table,
        "eu_ai_act_art73",
        "initial",
        vec![],
        None,
        "carol",
        now,
    )
    .unwrap();
    draft("generic", "adverse_event").unwrap();
}

#[test]
fn questions_answer_and_are_asked_by_the_regimes_that_use_them() {
    let mut questionnaire = Questionnaire::default();
    for question in Question::ALL {
        questionnaire.set_answer(question, Answer::Yes);
        assert_eq!(questionnaire.answer(question), Answer::Yes);
        assert!(
            RegimeTable::builtin()
                .regimes
                .iter()
                .any(|r| r.asks(question)),
            "{question:?} decides no regime"
        );
    }
    let gdpr = RegimeTable::builtin().regime("gdpr_art33").unwrap();
    assert!(gdpr.asks(Question::PersonalDataBreach));
    assert!(!gdpr.asks(Question::Death));
}

#[test]
fn builtin_table_parses_and_round_trips() {
    let table = RegimeTable::builtin();
    assert_eq!(table.regimes.len(), 9);
    let text = serde_json::to_string(table).unwrap();
    assert_eq!(&RegimeTable::from_json(&text).unwrap(), table);
}

#[test]
fn table_refuses_forward_report_references_and_unknown_settlements() {
    let table = json!({
        "version": "test",
        "jurisdiction_groups": {},
        "regimes": [{
            "id": "chain",
            "name": "Chain",
            "version": 1,
            "jurisdiction": "EU",
            "source": "",
            "notes": "",
            "applies_from": null,
            "clock_start": "aware_at",
            "applies_when": {"all": []},
            "reports": [
                {"id": "final", "name": "Final", "satisfies": ["interim"],
                 "deadline": [{"from": {"report": "first"}, "within": {"months": 1}}]},
                {"id": "first", "name": "First", "deadline": [{"within": {"hours": 24}}]}
            ]
        }]
    });
    assert_eq!(
        RegimeTable::from_json(&table.to_string())
            .unwrap_err()
            .to_string(),
        "regimes[0].reports[0].deadline: `first` is not a report listed before `final`; \
         regimes[0].reports[0].satisfies: no report `interim` in `chain`"
    );
}
