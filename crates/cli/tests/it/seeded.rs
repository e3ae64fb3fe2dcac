//! A realistic record for the tests that look at every page of the web UI
//! (`accessibility.rs`): something in every part of every page.

use crate::support::{Server, assert_success, start_receiver};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

pub const PASSWORD: &str = "correct horse battery";
const PUBLIC_URL: &str = "http://firebreak.test";

/// What the pages' path parameters are on the seeded record.
pub struct Seeded {
    pub server: Server,
    pub ack_token: String,
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path.to_string_lossy().into_owned()
}

/// A record with something in every part of every page: two systems, a
/// SEV2 incident paged through an escalation policy (its acknowledgement
/// link caught from a stand-in for Slack), roles, notes, containment, RCA
/// artifacts with diagrams, a fairness finding with charts, a post-mortem
/// draft, a regulatory assessment with clocks, a report draft and a
/// regulator's inquiry, a monitor, an FMEA worksheet, an alert and a few
/// tokens.
pub fn seed(dir: &Path) -> Seeded {
    let (slack, received) = start_receiver(false);
    let slack_api = slack.trim_end_matches("/flags");
    let server = Server::start_with(
        &dir.join("data"),
        &[
            "--public-url",
            PUBLIC_URL,
            "--slack-token",
            "xoxb-test",
            "--slack-api-url",
            slack_api,
        ],
    );
    let ok = |args: &[&str]| assert_success(&server.cli(args), args);
    ok(&[
        "system",
        "register",
        "scoring",
        "--name",
        "Credit scoring",
        "--purpose",
        "Scores consumer credit applications",
        "--owner-team",
        "risk-ml",
        "--eu-risk",
        "high",
        "--model-version",
        "v1:known-good",
        "--model-version",
        "v2",
    ]);
    ok(&[
        "system",
        "register",
        "hiring-screener-with-a-long-identifier",
        "--name",
        "Hiring screener",
        "--depends-on",
        "scoring",
    ]);
    // A change before the incident, for "what changed before this".
    ok(&[
        "change",
        "record",
        "--system",
        "scoring",
        "--kind",
        "model_promoted",
        "--from",
        "v1",
        "--to",
        "v2",
        "--link",
        "https://ci.example.com/runs/88",
        "--at",
        "2026-02-28T16:00:00Z",
        "--description",
        "Retrained on February data",
    ]);
    server.add_user("alice", "admin", PASSWORD);
    for (name, role) in [("carol", "responder"), ("sam", "responder")] {
        ok(&["user", "add", name, "--role", role]);
    }
    let contact = write(
        dir,
        "carol.toml",
        "slack_user_id = \"U024BE7LH\"\n[[rules]]\ncontact = \"slack\"\n",
    );
    ok(&["oncall", "contact", "carol", &contact]);
    let schedule = json!({
        "slug": "ml-primary", "name": "ML primary", "time_zone": "Europe/Berlin",
        "layers": [{"rotation": {"kind": "weekly"}, "handoff": "09:00",
                    "start": "2026-01-05T09:00", "participants": ["carol"]}],
    });
    let policy = json!({
        "slug": "scoring-policy", "name": "Credit scoring", "repeat": 1,
        "levels": [{"targets": [{"kind": "schedule", "schedule": "ml-primary"}], "timeout_seconds": 3600}],
    });
    for (kind, entry) in [("schedule", schedule), ("escalation", policy)] {
        let file = write(dir, &format!("{kind}.json"), &entry.to_string());
        ok(&["oncall", kind, "add", &file]);
    }
    ok(&[
        "oncall",
        "escalation",
        "attach",
        "scoring",
        "scoring-policy",
    ]);
    let declared = server.json(&[
        "incident",
        "declare",
        "--title",
        "Approval rate for group C fell after the February retrain",
        "--severity",
        "sev2",
        "--rationale",
        "thousands of applicants in group C denied credit",
        "--system",
        "scoring",
        "--harm",
        "discrimination_bias",
        "--impact-started",
        "2026-03-01T08:00:00Z",
        "--detected",
        "2026-03-01T09:00:00Z",
    ]);
    assert_eq!(declared["id"], "INC-1");

    for (role, user) in [
        ("commander", "alice"),
        ("scribe", "sam"),
        ("ml_lead", "carol"),
    ] {
        ok(&["incident", "assign", "INC-1", role, user]);
    }
    for (text, kind) in [
        (
            "Approval rate for group C fell from 41% to 18% between https://dashboards.example.org/d/approvals-by-group?from=2026-02-27&to=2026-03-01&var-model=scoring-v2 readings",
            "note",
        ),
        ("Route group C to human review until fixed", "decision"),
    ] {
        ok(&["incident", "note", "INC-1", text, "--kind", kind]);
    }
    ok(&[
        "incident",
        "contain",
        "INC-1",
        "--system",
        "scoring",
        "--action",
        "human-review",
        "--reason",
        "bias against group C",
    ]);

    let mut log = String::from("timestamp,decision_id,group,label,approved,score\n");
    for i in 0..300 {
        let group = ["A", "B", "C"][i % 3];
        let label = i % 2;
        let approved = if group == "C" {
            usize::from(i % 7 == 0)
        } else {
            label
        };
        let score = if approved == 1 { 0.8 } else { 0.2 };
        log.push_str(&format!(
            "2026-03-{:02}T10:00:00Z,d{i},{group},{label},{approved},{score}\n",
            1 + i / 40
        ));
    }
    let log = write(dir, "decisions.csv", &log);
    ok(&[
        "evidence",
        "add",
        "INC-1",
        &log,
        "--description",
        "decision log, March",
    ]);
    let finding = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/incidents/INC-1/findings", server.url))
        .bearer_auth(&server.token)
        .json(&json!({
            "title": "Approval gap for group C",
            "request": {"analysis": "fairness", "log": "EV-1", "group": ["group"], "label": "label", "prediction": "approved", "score": "score"},
        }))
        .send()
        .unwrap();
    assert_eq!(finding.status(), 201, "{}", finding.text().unwrap());

    let why = |statement: &str, category: &str, causes: Vec<Value>| json!({ "statement": statement, "category": category, "evidence": [], "causes": causes });
    let whys = json!({ "symptom": "Group C approvals fell", "whys": [why(
        "The model scored group C lower",
        "model",
        vec![why("A postcode feature went missing in the retrain", "data",
            vec![why("No fairness gate in the release pipeline", "process", vec![])])],
    )] });
    let swiss = json!({"hazard": "Biased denials reach applicants", "layers": [
        {"name": "Fairness review", "holes": [{"description": "Skipped for a hotfix", "kind": "active_failure", "findings": [], "on_trajectory": true}]},
        {"name": "Kill switch", "holes": []}]});
    let causes = json!({
        "proximate_cause": {"statement": "Model v2 down-weighted the postcode feature", "category": "model", "supported_by": []},
        "root_causes": [{"statement": "No fairness gate in the release pipeline", "category": "process", "supported_by": []}],
        "contributing_factors": [{"statement": "Drift alert thresholds were never tuned", "category": "technology", "supported_by": []}]
    });
    for (kind, body) in [
        ("five_whys", whys),
        ("swiss_cheese", swiss),
        ("cause_statement", causes),
    ] {
        let file = write(dir, &format!("{kind}.json"), &body.to_string());
        ok(&["rca", "put", "INC-1", kind, "main", "--file", &file]);
    }
    let tree = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../rca/tests/fixtures/scram/models/Theatre/theatre.xml");
    ok(&[
        "rca",
        "put",
        "INC-1",
        "fault_tree",
        "main",
        "--file",
        tree.to_str().unwrap(),
    ]);
    let sheet = write(
        dir,
        "fmea.json",
        r#"{"rows": [{"item": "Scoring", "failure_mode": "Data drift", "effect": "Wrong denials", "cause": "Upstream change",
            "prevention_controls": "Schema contract", "detection_controls": "Drift monitor", "severity": 8, "occurrence": 5,
            "detection": 7, "actions": [{"id": "act-1", "title": "Add a daily drift test", "kind": "preventive",
            "owner": "alice", "due": "2026-04-15", "impact": "high", "effort": "low", "addresses": null,
            "success_criterion": "drift alert within 24 hours", "status": "open"}]}]}"#,
    );
    ok(&["rca", "fmea", "put", "scoring", "main", "--file", &sheet]);
    ok(&["postmortem", "draft", "INC-1"]);

    let aware = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(20);
    let aware = aware.round(jiff::Unit::Second).unwrap().to_string();
    ok(&["incident", "set-time", "INC-1", "aware_at", &aware]);
    let answers = json!({"questionnaire": {
        "jurisdictions": ["DE"], "sectors": [], "roles": ["provider"],
        "high_risk_ai_system": "yes", "death": "no", "serious_harm_to_health": "no",
        "critical_infrastructure_disruption": "no", "widespread_infringement": "no",
        "fundamental_rights_infringement": "yes", "personal_data_breach": "yes",
        "high_risk_to_data_subjects": "no", "significant_incident": "no", "major_ict_incident": "no",
        "serious_harm_to_property_or_environment": "no",
        "malfunction_could_cause_death_or_serious_harm": "no", "remedial_action_needed": "no",
        "serious_public_health_threat": "no"
    }});
    let answers = write(dir, "answers.json", &answers.to_string());
    ok(&["regulatory", "assess", "INC-1", "--file", &answers]);
    ok(&[
        "report",
        "draft",
        "INC-1",
        "--regime",
        "gdpr_art33",
        "--type",
        "notification",
    ]);
    ok(&[
        "inquiry",
        "open",
        "INC-1",
        "--regulator",
        "BaFin",
        "--reference",
        "GZ 2026/114",
        "--received",
        "2026-03-02T09:00:00Z",
        "--within",
        "72h",
        "--question",
        "Which applicants were affected?",
        "--question",
        "What did the fairness audit find?",
    ]);
    ok(&[
        "inquiry",
        "answer",
        "INC-1",
        "Q1",
        "1",
        "--text",
        "About 1,200 applicants in group C.",
    ]);

    let logs = dir.join("logs/date=2026-03-01");
    std::fs::create_dir_all(&logs).unwrap();
    let mut partition = String::from("timestamp,group,label,approved\n");
    for i in 0..200 {
        let group = if i % 2 == 0 { "A" } else { "B" };
        partition.push_str(&format!(
            "2026-03-01T{:02}:{:02}:00Z,{group},{},{}\n",
            (i / 60) % 24,
            i % 60,
            (i / 2) % 2,
            (i / 2) % 2
        ));
    }
    write(&logs, "part-0.csv", &partition);
    let monitor = format!(
        "name = \"scoring-fairness\"\nsystem = \"scoring\"\nschedule = \"1h\"\nseverity = \"sev2\"\n\
         thresholds = [\"dpd > 0.2\"]\naction = \"record\"\n\
         [source]\npath = \"{}\"\n\
         [check]\nkind = \"fairness\"\ngroup = [\"group\"]\nlabel = \"label\"\nprediction = \"approved\"\n",
        dir.join("logs").display()
    );
    let monitor = write(dir, "monitor.toml", &monitor);
    ok(&["monitor", "add", &monitor]);

    let rules = json!([{ "matchers": [{ "label": "model", "op": "=~", "value": "screener-.*" }],
                         "system": "hiring-screener-with-a-long-identifier", "action": "record" }]);
    let rules = write(dir, "rules.json", &rules.to_string());
    let integration = server.json(&[
        "integration",
        "create",
        "--name",
        "monitoring",
        "--source",
        "generic",
        "--rules-file",
        &rules,
    ]);
    let alert = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/ingest/generic", server.url))
        .bearer_auth(integration["key"].as_str().unwrap())
        .json(&json!({
            "summary": "Screener rejection rate above 70% for applicants from one university",
            "severity": "warning",
            "labels": {"model": "screener-v7"},
        }))
        .send()
        .unwrap();
    assert!(alert.status().is_success(), "{}", alert.status());
    for (description, scope) in [("serving", "control_read"), ("ci", "read")] {
        ok(&[
            "token",
            "create",
            "--description",
            description,
            "--scope",
            scope,
        ]);
    }
    // INC-1 is acknowledged by now; a second page waits for its answer.
    let paged = server.json(&[
        "incident",
        "declare",
        "--title",
        "Scores missing for applicants without a credit history",
        "--severity",
        "sev3",
        "--rationale",
        "a few hundred applications stuck in review",
        "--system",
        "scoring",
    ]);
    assert_eq!(paged["id"], "INC-2");
    let ack_token = wait_for_ack_token(&received, "INC-2");
    Seeded { server, ack_token }
}

/// The token of the acknowledgement link in the page for `incident` the
/// stand-in for Slack received.
fn wait_for_ack_token(
    received: &std::sync::Mutex<Vec<crate::support::Received>>,
    incident: &str,
) -> String {
    let paged_for = format!("paged for {incident} ");
    let started = Instant::now();
    let prefix = format!("{PUBLIC_URL}/ack/");
    loop {
        let found = received.lock().unwrap().iter().find_map(|r| {
            let body: Value = serde_json::from_str(&r.body).ok()?;
            let text = body["text"].as_str().filter(|t| t.contains(&paged_for))?;
            let start = text.find(&prefix)? + prefix.len();
            text[start..].split_whitespace().next().map(str::to_string)
        });
        if let Some(token) = found {
            return token;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no page for {incident} with an acknowledgement link reached the stand-in for Slack"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
