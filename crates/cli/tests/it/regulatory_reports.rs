//! Each regime's report as its regulator asks for it, end to end: one
//! incident under the AI Act, NIS2, DORA, the FDA, the EU MDR and OSHA at
//! once drafts each regime's own sections and no other regime's, with the
//! organisation's identity from the deployment settings; and submitting one
//! stage starts the next stage's clock.

use crate::support::{assert_success, server_with_incident_and};
use jiff::{Span, Timestamp, tz::TimeZone};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn draft(server: &crate::support::Server, regime: &str, report: &str) -> Value {
    server.json(&[
        "report", "draft", "INC-1", "--regime", regime, "--type", report,
    ])
}

fn headings(report: &Value) -> BTreeSet<String> {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["heading"].as_str().unwrap().to_string())
        .collect()
}

fn section<'r>(report: &'r Value, starts: &str) -> &'r str {
    report["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["heading"].as_str().unwrap().starts_with(starts))
        .unwrap_or_else(|| panic!("no section `{starts}…` in {report:#}"))["text"]
        .as_str()
        .unwrap()
}

fn clock<'b>(board: &'b Value, regime: &str, report: &str) -> Option<&'b Value> {
    board
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["deadline"]["regime"] == regime && c["deadline"]["report"] == report)
}

#[test]
fn each_regime_drafts_its_own_sections_and_a_submitted_stage_starts_the_next_clock() {
    let dir = tempfile::tempdir().unwrap();
    let settings = dir.path().join("regulatory.json");
    std::fs::write(
        &settings,
        json!({"organisation": {
            "legal_name": "Acme Lending GmbH",
            "address": "Beispielstraße 1, 10115 Berlin",
            "contact_name": "Dana Roe",
            "contact_email": "incidents@acme.example",
            "contact_phone": "+49 30 1234567",
            "identifiers": {"LEI": "5299000J2N45DDNE4Y28"}
        }})
        .to_string(),
    )
    .unwrap();
    let server = server_with_incident_and(
        &dir.path().join("data"),
        &["--regulatory-config", settings.to_str().unwrap()],
    );
    // Aware an hour ago: the AI Act's reporting duty applies from 2 August 2026.
    let aware = (Timestamp::now() - jiff::SignedDuration::from_hours(1))
        .round(jiff::Unit::Second)
        .unwrap()
        .to_string();
    assert_success(
        &server.cli(&["incident", "set-time", "INC-1", "aware_at", &aware]),
        &["set-time aware_at"],
    );
    let summary = "The scoring model's update lowered approvals for applicants of group C.";
    assert_success(
        &server.cli(&["incident", "set", "INC-1", "--summary", summary]),
        &["incident set --summary"],
    );
    let answers = dir.path().join("answers.json");
    std::fs::write(
        &answers,
        json!({"questionnaire": {
            "jurisdictions": ["DE", "US"],
            "sectors": ["financial_entity", "essential_entity", "medical_device"],
            "roles": ["provider"],
            "high_risk_ai_system": "yes", "death": "no", "serious_harm_to_health": "yes",
            "critical_infrastructure_disruption": "no", "widespread_infringement": "no",
            "fundamental_rights_infringement": "no", "personal_data_breach": "no",
            "high_risk_to_data_subjects": "no", "significant_incident": "yes",
            "major_ict_incident": "yes", "serious_harm_to_property_or_environment": "no",
            "malfunction_could_cause_death_or_serious_harm": "yes",
            "remedial_action_needed": "no", "serious_public_health_threat": "no",
            "work_related_fatality": "no", "work_related_severe_injury": "yes"
        }})
        .to_string(),
    )
    .unwrap();
    let view = server.json(&[
        "regulatory",
        "assess",
        "INC-1",
        "--file",
        answers.to_str().unwrap(),
    ]);
    let applies: BTreeSet<&str> = view["assessment"]["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["applies"] == "yes")
        .map(|d| d["regime"].as_str().unwrap())
        .collect();
    for regime in [
        "eu_ai_act_art73",
        "nis2_art23",
        "dora_art19",
        "fda_21cfr803",
        "eu_mdr_art87",
        "osha_1904_39",
    ] {
        assert!(
            applies.contains(regime),
            "{regime} should apply: {applies:?}"
        );
    }

    // The AI Act report: the provider named as the settings give it, under
    // the role the questionnaire answered; the summary, not the title.
    let ai_act = draft(&server, "eu_ai_act_art73", "initial");
    let provider = section(&ai_act, "Provider: identity and contact");
    assert!(provider.contains("Acme Lending GmbH"), "{provider}");
    assert!(
        provider.contains("Dana Roe, incidents@acme.example"),
        "{provider}"
    );
    assert!(provider.contains("LEI: 5299000J2N45DDNE4Y28"), "{provider}");
    assert!(
        provider.contains("Role for the system: Provider"),
        "{provider}"
    );
    assert!(!provider.to_lowercase().contains("deployer"), "{provider}");
    let described = section(&ai_act, "Description of the serious incident");
    assert!(described.contains(summary), "{described}");
    assert!(
        !described.contains("Approval rate for group C fell"),
        "{described}"
    );
    let stage = section(&ai_act, "Report stage");
    assert!(
        stage.contains("Initial report (may be incomplete"),
        "{stage}"
    );
    // What the record cannot hold is marked to complete, saying what is asked.
    let measures = section(&ai_act, "Corrective measures");
    assert!(
        measures.starts_with("TODO: Corrective actions"),
        "{measures}"
    );
    let ai_act_headings = headings(&ai_act);

    // Every other regime: its own sections, none of the AI Act's.
    let own = [
        (
            "nis2_art23",
            "early_warning",
            "Suspected unlawful or malicious act (NIS2 Art. 23(4)(a))",
        ),
        (
            "nis2_art23",
            "notification",
            "Indicators of compromise (NIS2 Art. 23(4)(b))",
        ),
        (
            "dora_art19",
            "initial",
            "Classification criteria that triggered the report (Delegated Regulation (EU) 2024/1772)",
        ),
        (
            "fda_21cfr803",
            "mdr_report",
            "Section B. Adverse event or product problem (Form FDA 3500A)",
        ),
        (
            "eu_mdr_art87",
            "initial",
            "MIR 1. Administrative information: type of report and recipient (EU MDR Art. 87)",
        ),
        (
            "osha_1904_39",
            "report",
            "Type of reportable event: fatality, in-patient hospitalisation, amputation or loss of an eye (29 CFR 1904.39(b)(2))",
        ),
    ];
    let mut seen: Vec<(String, BTreeSet<String>)> =
        vec![("eu_ai_act_art73".into(), ai_act_headings.clone())];
    let mut notification = String::new();
    for (regime, report, heading) in own {
        let drafted = draft(&server, regime, report);
        if (regime, report) == ("nis2_art23", "notification") {
            notification = drafted["id"].as_str().unwrap().to_string();
        }
        let these = headings(&drafted);
        assert!(these.contains(heading), "{regime} {report}: {these:#?}");
        let foreign: Vec<&String> = these.intersection(&ai_act_headings).collect();
        assert!(
            foreign.is_empty(),
            "{regime} carries the AI Act's {foreign:?}"
        );
        assert!(
            !these
                .iter()
                .any(|h| h.contains("AI Act") || h.contains("Causal link between the AI system")),
            "{regime}: {these:#?}"
        );
        for (other, theirs) in &seen {
            if other != regime {
                let shared: Vec<&String> = these.intersection(theirs).collect();
                assert!(shared.is_empty(), "{regime} and {other} share {shared:?}");
            }
        }
        seen.push((regime.to_string(), these));
    }
    let osha = draft(&server, "osha_1904_39", "report");
    let event = section(&osha, "Type of reportable event");
    assert!(
        event.contains(
            "in-patient hospitalisation, an amputation or the loss of an eye (29 CFR 1904.39)? Yes"
        ),
        "{event}"
    );
    assert!(section(&osha, "Establishment name").contains("Acme Lending GmbH"));

    // Submitting the AI Act's initial report starts the follow-up, due
    // without undue delay: immediate, never overdue by itself.
    let before = server.json(&["deadlines", "INC-1"]);
    assert!(
        clock(&before, "eu_ai_act_art73", "follow_up").is_none(),
        "{before:#}"
    );
    let id = ai_act["id"].as_str().unwrap();
    server.json(&[
        "report",
        "submit",
        "INC-1",
        id,
        "--recipient",
        "BNetzA",
        "--reference",
        "AIA-2026-7",
    ]);
    let after = server.json(&["deadlines", "INC-1"]);
    let follow_up =
        clock(&after, "eu_ai_act_art73", "follow_up").expect("the follow-up clock runs");
    assert_eq!(follow_up["state"], "immediate", "{follow_up:#}");
    // The follow-up's draft names the initial report it follows.
    let next = draft(&server, "eu_ai_act_art73", "follow_up");
    let earlier = section(&next, "Report stage");
    assert!(earlier.contains("Follow-up report"), "{earlier}");
    assert!(earlier.contains("reference AIA-2026-7"), "{earlier}");

    // Submitting the NIS2 notification sets the final report one month later.
    let sent = server.json(&[
        "report",
        "submit",
        "INC-1",
        &notification,
        "--recipient",
        "BSI",
    ]);
    let sent_at: Timestamp = sent["submitted_at"].as_str().unwrap().parse().unwrap();
    let board = server.json(&["deadlines", "INC-1"]);
    let last = clock(&board, "nis2_art23", "final").expect("the final report's clock runs");
    let due: Timestamp = last["deadline"]["due_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let month_later = sent_at
        .to_zoned(TimeZone::UTC)
        .checked_add(Span::new().months(1))
        .unwrap()
        .timestamp();
    assert_eq!(due, month_later, "{last:#}");
}
