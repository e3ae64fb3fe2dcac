use super::*;

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn mild() -> BTreeMap<String, String> {
    answers(&[
        ("harm_type", "none"),
        ("people_affected", "fewer_than_10"),
        ("reversibility", "reversible"),
        ("ai_act_risk_tier", "minimal"),
        ("blast_radius", "one_system"),
        ("regulatory_exposure", "none"),
    ])
}

#[test]
fn the_shipped_rubric_is_total_and_names_six_dimensions() {
    let rubric = Rubric::default_rubric();
    let keys: Vec<&str> = rubric.dimensions.iter().map(|d| d.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "harm_type",
            "people_affected",
            "reversibility",
            "ai_act_risk_tier",
            "blast_radius",
            "regulatory_exposure"
        ]
    );
}

#[test]
fn the_most_severe_answer_sets_the_suggestion_and_is_named() {
    let rubric = Rubric::default_rubric();
    let suggestion = rubric.suggest(&mild()).unwrap();
    assert_eq!(suggestion.severity, Severity::Sev4);
    assert_eq!(suggestion.drivers.len(), 6);

    let mut privacy = mild();
    privacy.insert("harm_type".into(), "privacy".into());
    privacy.insert("people_affected".into(), "10_to_999".into());
    let suggestion = rubric.suggest(&privacy).unwrap();
    assert_eq!(suggestion.severity, Severity::Sev2);
    assert_eq!(
        suggestion.drivers,
        [SeverityDriver {
            because: "harm_type=privacy".into(),
            severity: Severity::Sev2
        }]
    );
    assert_eq!(suggestion.rubric, "firebreak-default-1");
}

#[test]
fn a_rule_raises_a_combination_above_each_of_its_answers() {
    let rubric = Rubric::default_rubric();
    let mut many = mild();
    many.insert("reversibility".into(), "irreversible".into());
    many.insert("people_affected".into(), "1000_to_99999".into());
    let suggestion = rubric.suggest(&many).unwrap();
    assert_eq!(suggestion.severity, Severity::Sev1);
    assert_eq!(
        suggestion.drivers[0].because,
        "irreversible harm to a thousand people or more"
    );
}

#[test]
fn missing_unknown_and_wrong_answers_are_each_named() {
    let rubric = Rubric::default_rubric();
    let mut bad = mild();
    bad.remove("blast_radius");
    bad.insert("harm_type".into(), "bad_vibes".into());
    bad.insert("mood".into(), "grim".into());
    let DomainError::Invalid(problems) = rubric.suggest(&bad).unwrap_err() else {
        panic!("expected a field error")
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        ["answers.mood", "answers.harm_type", "answers.blast_radius"]
    );
    assert!(
        problems[1]
            .message
            .contains("expected one of none, financial")
    );
    assert!(problems[2].message.contains("How far does the fault reach"));
}

#[test]
fn a_rubric_that_is_not_total_is_refused_at_configuration() {
    let text = r#"{"version":"v","dimensions":[{"key":"harm","label":"Harm","levels":[
        {"key":"none","label":"None","severity":"sev4"},
        {"key":"injury","label":"Injury"}]}]}"#;
    let error = Rubric::parse(text).unwrap_err().to_string();
    assert_eq!(
        error,
        "dimensions[0].levels[1].severity: `harm=injury` suggests no severity: the rubric must suggest one for every answer"
    );
}

#[test]
fn rules_naming_what_the_rubric_lacks_and_duplicate_keys_are_refused() {
    let text = r#"{"version":"v","dimensions":[
        {"key":"harm","label":"Harm","levels":[{"key":"none","label":"None","severity":"sev4"}]},
        {"key":"harm","label":"Again","levels":[]}],
        "rules":[{"when":{"harm":["injury"],"reach":["wide"]},"severity":"sev1"}]}"#;
    let error = Rubric::parse(text).unwrap_err().to_string();
    assert!(
        error.contains("dimensions[1].key: `harm` is named twice"),
        "{error}"
    );
    assert!(
        error.contains("dimensions[1].levels: list at least one answer"),
        "{error}"
    );
    assert!(
        error.contains("rules[0].when.harm: `harm` has no answer `injury`"),
        "{error}"
    );
    assert!(
        error.contains("rules[0].when.reach: no dimension is called `reach`"),
        "{error}"
    );
}

#[test]
fn a_malformed_file_names_the_line() {
    let error = Rubric::parse("{\n  \"version\": 3\n}")
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("line 2 column"), "{error}");
}

fn incident(severity: Severity) -> Incident {
    serde_json::from_value(serde_json::json!({
        "number": 1, "title": "Leak", "summary": "", "kind": "real", "status": "triage",
        "severity": severity, "severity_rationale": "first guess", "systems": ["chat"],
        "model_versions": [], "harms": [], "people_affected": null, "tags": [],
        "times": {}, "roles": [], "merged_into": null
    }))
    .unwrap()
}

fn now() -> Timestamp {
    "2026-03-01T10:00:00Z".parse().unwrap()
}

#[test]
fn taking_the_suggestion_records_it_and_changes_the_severity() {
    let mut privacy = mild();
    privacy.insert("harm_type".into(), "privacy".into());
    let request = SeverityAssessmentRequest {
        answers: privacy,
        ..SeverityAssessmentRequest::default()
    };
    let change = assess(
        &incident(Severity::Sev3),
        &Rubric::default_rubric(),
        request,
        "ana",
        now(),
    )
    .unwrap();
    assert_eq!(change.incident.severity, Severity::Sev2);
    assert_eq!(
        change.incident.severity_rationale,
        "suggested by the severity rubric firebreak-default-1: harm_type=privacy"
    );
    let kinds: Vec<EventKind> = change.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::SeverityAssessed,
            EventKind::FieldChanged,
            EventKind::FieldChanged
        ]
    );
    assert_eq!(change.events[0].body["suggested"], "sev2");
    assert_eq!(change.events[0].body["chosen"], "sev2");
    assert_eq!(
        change.incident.severity_assessment.unwrap().suggested,
        Severity::Sev2
    );
}

#[test]
fn choosing_otherwise_needs_a_rationale_and_keeps_both_on_the_timeline() {
    let request = SeverityAssessmentRequest {
        answers: mild(),
        severity: Some(Severity::Sev2),
        rationale: None,
    };
    let rubric = Rubric::default_rubric();
    let error = assess(
        &incident(Severity::Sev3),
        &rubric,
        request.clone(),
        "ana",
        now(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        error,
        "rationale: the rubric suggests SEV4 Low; say why you chose SEV2 Major"
    );
    let request = SeverityAssessmentRequest {
        rationale: Some("the press is calling".into()),
        ..request
    };
    let change = assess(&incident(Severity::Sev3), &rubric, request, "ana", now()).unwrap();
    assert_eq!(change.events[0].body["suggested"], "sev4");
    assert_eq!(change.events[0].body["chosen"], "sev2");
    assert_eq!(change.incident.severity, Severity::Sev2);
    assert_eq!(change.incident.severity_rationale, "the press is calling");
}

#[test]
fn an_assessment_that_confirms_the_severity_changes_only_the_record_of_it() {
    let request = SeverityAssessmentRequest {
        answers: mild(),
        ..SeverityAssessmentRequest::default()
    };
    let change = assess(
        &incident(Severity::Sev4),
        &Rubric::default_rubric(),
        request,
        "ana",
        now(),
    )
    .unwrap();
    assert_eq!(change.events.len(), 1);
    assert_eq!(change.incident.severity_rationale, "first guess");
}
