//! On-call entries and paging on both backends: references checked, every
//! change sealed, an incident's escalation planned when it is declared,
//! each step paged once through the outbox, and an acknowledgement that
//! stops it.

use super::*;
use firebreak_core::auth::Role;
use firebreak_core::oncall::{self, AckVia, ContactMethods, EscalationPolicy, Schedule, Team};
use firebreak_core::verify::Anchors;

fn user(store: &Fresh, name: &str) {
    let user = User {
        name: name.into(),
        role: Role::Responder,
        password_hash: None,
        created_at: at("2026-03-01T00:00:00Z"),
    };
    store.create_user(&user, "admin").unwrap();
}

fn schedule(participants: &[&str]) -> Schedule {
    serde_json::from_value(json!({
        "slug": "ml-primary",
        "name": "ML primary",
        "time_zone": "Europe/London",
        "layers": [{
            "rotation": {"kind": "daily"},
            "handoff": "09:00",
            "start": "2026-03-01T09:00",
            "participants": participants,
        }],
    }))
    .unwrap()
}

fn policy(schedule: &str) -> EscalationPolicy {
    serde_json::from_value(json!({
        "slug": "scoring-policy",
        "name": "Scoring",
        "levels": [
            {"targets": [{"kind": "schedule", "schedule": schedule}], "timeout_minutes": 5},
            {"targets": [{"kind": "team", "team": "leads"}], "timeout_minutes": 5},
        ],
    }))
    .unwrap()
}

fn contacts(email: &str) -> ContactMethods {
    serde_json::from_value(json!({
        "email": email,
        "rules": [{"contact": "email"}],
    }))
    .unwrap()
}

fn fields(error: StoreError) -> Vec<String> {
    match error {
        StoreError::Domain(DomainError::Invalid(fields)) => {
            fields.into_iter().map(|f| f.field).collect()
        }
        other => panic!("expected a refusal naming fields, got {other:?}"),
    }
}

/// Configures alice and bob on a schedule, a team of carol, and a policy
/// for `scoring`.
fn configured(under: Under) -> Fresh {
    let store = with_incidents(under, 0);
    let now = at("2026-03-01T08:30:00Z");
    for name in ["alice", "bob", "carol"] {
        user(&store, name);
    }
    let refused = store
        .save_oncall(
            &OncallEntry::Schedule(schedule(&["alice", "mallory"])),
            "admin",
            now,
        )
        .unwrap_err();
    assert_eq!(fields(refused), ["layers[0].participants[1]"]);
    let save = |entry: OncallEntry| store.save_oncall(&entry, "admin", now).unwrap();
    assert!(save(OncallEntry::Schedule(schedule(&["alice", "bob"]))));
    assert!(
        !save(OncallEntry::Schedule(schedule(&["alice", "bob"]))),
        "saving the same again changes nothing"
    );
    let unknown_team = store
        .save_oncall(&OncallEntry::Policy(policy("ml-primary")), "admin", now)
        .unwrap_err();
    assert_eq!(fields(unknown_team), ["levels[1].targets[0].team"]);
    save(OncallEntry::Team(Team {
        slug: "leads".into(),
        members: vec!["carol".into()],
    }));
    save(OncallEntry::Policy(policy("ml-primary")));
    for (name, email) in [
        ("alice", "alice@example.org"),
        ("carol", "carol@example.org"),
    ] {
        save(OncallEntry::Contacts {
            user: name.into(),
            methods: contacts(email),
        });
    }
    let webhook: ContactMethods =
        serde_json::from_value(json!({"rules": [{"contact": "webhook"}]})).unwrap();
    let refused = store
        .save_oncall(
            &OncallEntry::Contacts {
                user: "bob".into(),
                methods: webhook,
            },
            "admin",
            now,
        )
        .unwrap_err();
    assert_eq!(fields(refused), ["rules[0].contact"]);
    save(OncallEntry::SystemPolicy {
        system: "scoring".into(),
        policy: "scoring-policy".into(),
    });
    assert!(matches!(
        store.remove_oncall(OncallKind::Policy, "scoring-policy", "admin", now),
        Err(StoreError::Domain(DomainError::Conflict { .. }))
    ));
    store
}

/// Pages what is due at `now` the way the scheduler does.
fn page_due(store: &Fresh, now: Timestamp) -> usize {
    let config = store.oncall().unwrap();
    let mut paged = 0;
    for state in store.due_pages(now, 10).unwrap() {
        let ack = state.incident.times.acknowledged_at;
        let over = oncall::escalation_over(&state.incident);
        let steps: Vec<_> = oncall::due_now(&state.plan, ack, over, &state.sent, now)
            .iter()
            .map(|step| oncall::page_step(step, &config.schedules, &config.teams, &config.contacts))
            .collect();
        paged += steps.len();
        store
            .record_pages(state.incident.number, &steps, now)
            .unwrap();
    }
    paged
}

pub(super) fn a_declared_incident_pages_each_step_once_until_acknowledged(under: Under) {
    let store = configured(under);
    let declared = at("2026-03-01T10:00:00Z");
    let incident = store
        .declare_incident(declare_input("scores wrong"), "alice", declared)
        .unwrap();
    let state = store
        .page(incident.number)
        .unwrap()
        .expect("an escalation was planned");
    assert_eq!(state.plan.steps.len(), 2);
    assert_eq!(state.next_due, Some(declared));
    assert!(
        store
            .due_pages(at("2026-03-01T09:59:59Z"), 10)
            .unwrap()
            .is_empty()
    );

    assert_eq!(page_due(&store, declared), 1);
    assert_eq!(page_due(&store, declared), 0, "a step is paged once");
    // A second recording of the same step, as after a crash between the two
    // calls, queues nothing more.
    let again = store.page(incident.number).unwrap().unwrap();
    let config = store.oncall().unwrap();
    let first = oncall::page_step(
        &again.plan.steps[0],
        &config.schedules,
        &config.teams,
        &config.contacts,
    );
    store
        .record_pages(incident.number, &[first], declared)
        .unwrap();
    let emails = store.messages("page:email", 10).unwrap();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].target, "alice@example.org", "alice is on call");
    let timeline = store.events("INC-1").unwrap();
    let sent = timeline.iter().filter(|e| e.kind == EventKind::PageSent);
    assert_eq!(sent.count(), 1);
    assert!(timeline.iter().any(|e| e.kind == EventKind::PagePlanned));

    let level_two = at("2026-03-01T10:05:00Z");
    assert_eq!(page_due(&store, level_two), 1);
    let emails = store.messages("page:email", 10).unwrap();
    assert_eq!(emails.len(), 2, "{emails:?}");
    assert_eq!(emails[0].target, "carol@example.org");
    assert_eq!(emails[0].incident, Some(incident.number));
    store
        .message_attempted(
            emails[0].id,
            Err("connection refused".into()),
            Some(level_two),
            level_two,
        )
        .unwrap();
    let attempts: Vec<_> = store
        .events("INC-1")
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::PageAttempt)
        .collect();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].body["user"], "carol");

    let acked = store
        .acknowledge(
            incident.number,
            "carol",
            AckVia::Api,
            at("2026-03-01T10:06:00Z"),
        )
        .unwrap();
    assert_eq!(
        acked.times.acknowledged_at,
        Some(at("2026-03-01T10:06:00Z"))
    );
    assert!(matches!(
        store.acknowledge(
            incident.number,
            "carol",
            AckVia::Api,
            at("2026-03-01T10:07:00Z")
        ),
        Err(StoreError::Domain(DomainError::Conflict { .. }))
    ));
    assert_eq!(store.page(incident.number).unwrap().unwrap().next_due, None);
    assert!(
        store
            .due_messages(at("2026-03-01T11:00:00Z"), 10)
            .unwrap()
            .is_empty(),
        "the retry is withdrawn once someone has the page"
    );
    let report = verify(&store.ledger().unwrap(), Anchors::default());
    assert!(report.is_intact(), "{:?}", report.problems);
}

pub(super) fn removing_an_entry_is_sealed_and_refused_while_named(under: Under) {
    let store = configured(under);
    let now = at("2026-03-01T09:00:00Z");
    assert!(matches!(
        store.remove_oncall(OncallKind::Schedule, "ml-primary", "admin", now),
        Err(StoreError::Domain(DomainError::Conflict { .. }))
    ));
    store
        .remove_oncall(OncallKind::SystemPolicy, "scoring", "admin", now)
        .unwrap();
    store
        .remove_oncall(OncallKind::Policy, "scoring-policy", "admin", now)
        .unwrap();
    store
        .remove_oncall(OncallKind::Schedule, "ml-primary", "admin", now)
        .unwrap();
    assert!(matches!(
        store.remove_oncall(OncallKind::Schedule, "ml-primary", "admin", now),
        Err(StoreError::NotFound(_))
    ));
    let config = store.oncall().unwrap();
    assert!(config.schedules.is_empty() && config.policies.is_empty());
    assert_eq!(config.teams.len(), 1);
    assert_eq!(store.events("oncall:schedule:ml-primary").unwrap().len(), 2);
    // No policy any more: a new incident pages nobody.
    let incident = store
        .declare_incident(declare_input("quiet"), "alice", now)
        .unwrap();
    assert_eq!(store.page(incident.number).unwrap(), None);
    let report = verify(&store.ledger().unwrap(), Anchors::default());
    assert!(report.is_intact(), "{:?}", report.problems);
}

pub(super) fn an_incident_declared_by_an_alert_is_paged_and_a_drill_is_not(under: Under) {
    use super::containment_and_alerts::{alert, integration};
    use firebreak_core::alert::{AlertStatus, RouteAction};
    let store = configured(under);
    let key = integration(&*store, RouteAction::Declare);
    let now = at("2026-03-01T10:00:00Z");
    let outcome = store
        .ingest_alert(&key, alert("drift-1", AlertStatus::Firing), now)
        .unwrap();
    let declared = outcome.declared.expect("the alert declares an incident");
    let page = store
        .page(declared.number)
        .unwrap()
        .expect("and pages for it");
    assert_eq!(page.plan.severity, declared.severity);
    assert_eq!(page.next_due, Some(now));

    let mut drill = declare_input("a drill");
    drill.kind = firebreak_core::incident::IncidentKind::Drill;
    let drill = store.declare_incident(drill, "alice", now).unwrap();
    assert_eq!(
        store.page(drill.number).unwrap(),
        None,
        "drills page nobody (D11)"
    );
    // The page log: paged incidents only, newest first, as many as asked.
    let later = store
        .declare_incident(declare_input("worse"), "alice", now)
        .unwrap();
    let numbers = |limit| -> Vec<u64> {
        let pages = store.recent_pages(limit).unwrap();
        pages.iter().map(|p| p.incident.number).collect()
    };
    assert_eq!(numbers(10), [later.number, declared.number]);
    assert_eq!(numbers(1), [later.number]);
}

fn set_severity(store: &Fresh, severity: &str, now: Timestamp) {
    let patch: firebreak_core::incident::IncidentPatch =
        serde_json::from_value(json!({"severity": severity, "severity_rationale": "it got worse"}))
            .unwrap();
    store
        .change_incident(
            1,
            &mut |incident, _| incident.edit(patch.clone(), "bob", &[], now),
            now,
        )
        .unwrap();
}

pub(super) fn a_raise_in_severity_replans_the_escalation_from_now(under: Under) {
    let store = configured(under);
    let declared = at("2026-03-01T10:00:00Z");
    let incident = store
        .declare_incident(declare_input("scores wrong"), "alice", declared)
        .unwrap();
    assert_eq!(page_due(&store, declared), 1, "level 1 of the SEV2 plan");

    // The scheduler reads level 2 of the old plan as due; the raise lands
    // before it records it.
    let raised = at("2026-03-01T10:05:00Z");
    let config = store.oncall().unwrap();
    let old = store.page(incident.number).unwrap().unwrap();
    let stale = oncall::page_step(
        &old.plan.steps[1],
        &config.schedules,
        &config.teams,
        &config.contacts,
    );
    set_severity(&store, "sev1", raised);
    let state = store.page(incident.number).unwrap().unwrap();
    assert_eq!(state.plan.generation, 1);
    assert_eq!(state.plan.triggered_at, raised);
    assert!(state.sent.is_empty());
    let planned: Vec<_> = store
        .events("INC-1")
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == EventKind::PagePlanned)
        .collect();
    assert_eq!(planned.len(), 2);
    assert_eq!(
        planned[1].body["reason"],
        "severity raised from sev2 to sev1"
    );
    store
        .record_pages(incident.number, &[stale], raised)
        .unwrap();
    assert_eq!(
        store.messages("page:email", 10).unwrap().len(),
        1,
        "the old plan's level 2 is not paged"
    );
    assert_eq!(
        store.page(incident.number).unwrap().unwrap().next_due,
        Some(raised)
    );

    assert_eq!(page_due(&store, raised), 1, "level 1 is paged again");
    let emails = store.messages("page:email", 10).unwrap();
    assert_eq!(emails.len(), 2, "{emails:?}");
    assert!(emails.iter().all(|m| m.target == "alice@example.org"));
    assert_ne!(emails[0].idempotency_key, emails[1].idempotency_key);
    assert_eq!(page_due(&store, at("2026-03-01T10:09:59Z")), 0);
    assert_eq!(page_due(&store, at("2026-03-01T10:10:00Z")), 1);
    assert_eq!(
        store.messages("page:email", 10).unwrap()[0].target,
        "carol@example.org"
    );

    // Lowering the severity leaves the plan as it is.
    set_severity(&store, "sev3", at("2026-03-01T10:08:00Z"));
    assert_eq!(
        store
            .page(incident.number)
            .unwrap()
            .unwrap()
            .plan
            .generation,
        1
    );
    let report = verify(&store.ledger().unwrap(), Anchors::default());
    assert!(report.is_intact(), "{:?}", report.problems);
}
