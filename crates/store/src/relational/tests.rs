use super::*;
use crate::SqliteStore;
use crate::test_backends::{Fresh, Under};
use crate::{IncidentFilter, PageRequest};
use firebreak_core::incident::{Severity, Status, TransitionRequest};
use firebreak_core::timeline::EventDraft;
use firebreak_core::verify::{Anchors, verify};

fn checkpoint_request(force: bool) -> CheckpointRequest<'static> {
    CheckpointRequest {
        reason: "test",
        force,
        witnesses: &[],
        rotation: None,
    }
}

fn pinned(fingerprint: &str) -> Anchors<'_> {
    Anchors {
        pinned_fingerprint: Some(fingerprint),
        witnessed: None,
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn store(under: Under) -> Fresh {
    Fresh::new(under)
}

fn details(name: &str, depends_on: &[&str]) -> SystemDetails {
    serde_json::from_value(json!({
        "name": name,
        "model_versions": [{"version": "v1", "known_good": true}],
        "depends_on": depends_on,
    }))
    .unwrap()
}

fn declare_input(title: &str) -> DeclareIncident {
    serde_json::from_value(json!({
        "title": title,
        "severity": "sev2",
        "severity_rationale": "r",
        "systems": ["scoring"],
        "detected_at": "2026-03-01T09:00:00Z",
    }))
    .unwrap()
}

fn with_incidents(under: Under, n: usize) -> Fresh {
    let store = store(under);
    store
        .register_system(
            "scoring",
            details("Scoring", &[]),
            "admin",
            at("2026-03-01T08:00:00Z"),
        )
        .unwrap();
    for i in 0..n {
        store
            .declare_incident(
                declare_input(&format!("incident {i}")),
                "alice",
                at("2026-03-01T10:00:00Z"),
            )
            .unwrap();
    }
    store
}

fn a_refused_change_writes_nothing(under: Under) {
    let store = with_incidents(under, 1);
    let before = store.events("INC-1").unwrap().len();
    let err = store
        .change_incident(
            1,
            &mut |incident, _| {
                incident.transition(
                    TransitionRequest {
                        to: Status::Closed,
                        reason: None,
                        occurred_at: None,
                        merged_into: None,
                        override_reason: None,
                    },
                    "bob",
                    at("2026-03-01T11:00:00Z"),
                )
            },
            at("2026-03-01T11:00:00Z"),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::Domain(DomainError::Conflict { .. })
    ));
    assert_eq!(store.events("INC-1").unwrap().len(), before);
    assert_eq!(store.get_incident(1).unwrap().status, Status::Triage);
}

fn changes_append_chained_events_and_verify(under: Under) {
    let store = with_incidents(under, 1);
    let now = at("2026-03-01T11:00:00Z");
    store
        .change_incident(
            1,
            &mut |incident, _| {
                incident.transition(
                    TransitionRequest {
                        to: Status::Contained,
                        reason: None,
                        occurred_at: None,
                        merged_into: None,
                        override_reason: None,
                    },
                    "bob",
                    now,
                )
            },
            now,
        )
        .unwrap();
    let events = store.events("INC-1").unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    let signer = CheckpointSigner::from_secret([3; 32]);
    store
        .write_checkpoint(&signer, checkpoint_request(false), now)
        .unwrap()
        .unwrap();
    assert!(
        store
            .write_checkpoint(&signer, checkpoint_request(false), now)
            .unwrap()
            .is_none(),
        "nothing changed"
    );
    let fingerprint = signer.fingerprint();
    let report = verify(&store.ledger().unwrap(), pinned(&fingerprint));
    assert!(report.is_intact(), "{:?}", report.problems);
    assert_eq!(report.streams, 2);
}

fn a_dependency_cycle_is_refused_and_nothing_changes(under: Under) {
    let store = store(under);
    let now = at("2026-03-01T08:00:00Z");
    store
        .register_system("db", details("DB", &[]), "admin", now)
        .unwrap();
    store
        .register_system("scoring", details("Scoring", &["db"]), "admin", now)
        .unwrap();
    let patch = SystemPatch {
        depends_on: Some(vec!["scoring".into()]),
        ..SystemPatch::default()
    };
    let err = store.update_system("db", patch, "admin", now).unwrap_err();
    assert_eq!(
        err.to_string(),
        "depends_on: dependency cycle: db -> scoring -> db"
    );
    assert!(
        store
            .get_system("db")
            .unwrap()
            .details
            .depends_on
            .is_empty()
    );
    assert_eq!(store.events("system:db").unwrap().len(), 1);
}

fn listing_filters_and_paginates_newest_first(under: Under) {
    let store = with_incidents(under, 5);
    let first = store
        .list_incidents(
            &IncidentFilter::default(),
            PageRequest {
                after: None,
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(
        first.items.iter().map(|i| i.number).collect::<Vec<_>>(),
        [5, 4]
    );
    let second = store
        .list_incidents(
            &IncidentFilter::default(),
            PageRequest {
                after: first.next_cursor,
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(
        second.items.iter().map(|i| i.number).collect::<Vec<_>>(),
        [3, 2]
    );
    let text = IncidentFilter {
        text: Some("INCIDENT 3".into()),
        ..IncidentFilter::default()
    };
    let found = store
        .list_incidents(
            &text,
            PageRequest {
                after: None,
                limit: 10,
            },
        )
        .unwrap();
    assert_eq!(found.items.len(), 1);
    let none = IncidentFilter {
        severities: vec![Severity::Sev1],
        system: Some("scoring".into()),
        ..IncidentFilter::default()
    };
    assert!(
        store
            .list_incidents(
                &none,
                PageRequest {
                    after: None,
                    limit: 10
                }
            )
            .unwrap()
            .items
            .is_empty()
    );
    let by_system = IncidentFilter {
        system: Some("scoring".into()),
        ..IncidentFilter::default()
    };
    assert_eq!(
        store
            .list_incidents(
                &by_system,
                PageRequest {
                    after: None,
                    limit: 10
                }
            )
            .unwrap()
            .items
            .len(),
        5
    );
}

#[test]
fn data_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("firebreak.db")).unwrap();
    let now = at("2026-03-01T08:00:00Z");
    store
        .register_system("scoring", details("Scoring", &[]), "admin", now)
        .unwrap();
    for title in ["one", "two"] {
        store
            .declare_incident(declare_input(title), "alice", at("2026-03-01T10:00:00Z"))
            .unwrap();
    }
    drop(store);
    let reopened = SqliteStore::open(&dir.path().join("firebreak.db")).unwrap();
    assert_eq!(reopened.all_incidents().unwrap().len(), 2);
    assert!(SqliteStore::open_existing(&dir.path().join("missing.db")).is_err());
}

fn tokens_and_users_round_trip(under: Under) {
    let store = store(under);
    let now = at("2026-03-01T08:00:00Z");
    let user = User {
        name: "alice".into(),
        role: firebreak_core::auth::Role::Responder,
        password_hash: None,
        created_at: now,
    };
    store.create_user(&user, "admin").unwrap();
    assert!(matches!(
        store.create_user(&user, "admin"),
        Err(StoreError::AlreadyExists(_))
    ));
    let token = TokenRecord {
        id: "tok1".into(),
        user: "alice".into(),
        secret_hash: "h".into(),
        scope: firebreak_core::auth::Scope::Read,
        description: "ci".into(),
        created_at: now,
        expires_at: None,
        revoked_at: None,
    };
    store.create_token(&token, "alice").unwrap();
    let (found, owner) = store.find_token("h").unwrap().unwrap();
    assert_eq!((found.id.as_str(), owner.name.as_str()), ("tok1", "alice"));
    let revoked = store.revoke_token("tok1", "alice", now).unwrap();
    assert!(!revoked.is_usable(now));
    assert!(matches!(
        store.revoke_token("nope", "alice", now),
        Err(StoreError::NotFound(_))
    ));
}

mod containment_and_alerts {
    use super::*;
    use firebreak_core::alert::{
        AlertSource, AlertStatus, MatchOp, Matcher, RouteAction, RoutingRule,
    };
    use firebreak_core::control::EvidenceDecision;
    use std::collections::BTreeMap;

    pub(super) fn integration(store: &dyn Store, action: RouteAction) -> Integration {
        let integration = Integration {
            id: "int_1".into(),
            name: "prometheus".into(),
            source: AlertSource::Pagerduty,
            key_hash: "hash".into(),
            rules: vec![RoutingRule {
                matchers: vec![Matcher {
                    label: "model".into(),
                    op: MatchOp::Regex,
                    value: "scor.*".into(),
                }],
                system: "scoring".into(),
                severity: None,
                action,
            }],
            mapping: BTreeMap::new(),
            created_at: at("2026-03-01T08:00:00Z"),
            revoked_at: None,
        };
        store.create_integration(&integration, "admin").unwrap();
        integration
    }

    pub(super) fn alert(key: &str, status: AlertStatus) -> IncomingAlert {
        IncomingAlert {
            source: AlertSource::Pagerduty,
            dedup_key: key.into(),
            status,
            summary: "Approval rate drift".into(),
            severity: firebreak_core::incident::Severity::Sev2,
            labels: BTreeMap::from([("model".to_string(), "scoring-v2".to_string())]),
            annotations: BTreeMap::new(),
            starts_at: None,
            ends_at: None,
            generator_url: None,
        }
    }

    pub(super) fn an_alert_upstream_is_proposed_to_the_open_incident_and_linked_once(under: Under) {
        let store = store(under);
        let registered = at("2026-03-01T08:00:00Z");
        store
            .register_system("scoring", details("Scoring", &[]), "admin", registered)
            .unwrap();
        store
            .register_system(
                "loan-offers",
                details("Loan offers", &["scoring"]),
                "admin",
                registered,
            )
            .unwrap();
        let mut input = declare_input("Offers to group C fell");
        input.systems = vec!["loan-offers".into()];
        let now = at("2026-03-01T09:30:00Z");
        store.declare_incident(input, "alice", now).unwrap();
        // Recorded only: the alert on `scoring` joins no incident, and the
        // open incident downstream of it is told.
        let integration = integration(&*store, RouteAction::Record);
        let outcome = store
            .ingest_alert(&integration, alert("k1", AlertStatus::Firing), now)
            .unwrap();
        let alert_id = outcome.alert.unwrap().id;
        let events = store.events("INC-1").unwrap();
        let proposed = events.last().unwrap();
        assert_eq!(proposed.kind, EventKind::AlertProposed);
        assert_eq!(proposed.body["upstream"], json!(["scoring", "loan-offers"]));
        // A repeat of the same alert is not proposed again.
        store
            .ingest_alert(&integration, alert("k1", AlertStatus::Firing), now)
            .unwrap();
        assert_eq!(store.events("INC-1").unwrap().len(), events.len());

        let linked = store.link_alert(alert_id, 1, "ana", now).unwrap();
        assert_eq!(linked.incident.as_deref(), Some("INC-1"));
        let last = store.events("INC-1").unwrap().pop().unwrap();
        assert_eq!(
            (last.kind, last.actor.as_str()),
            (EventKind::AlertLinked, "ana")
        );
        let again = store.link_alert(alert_id, 1, "ana", now).unwrap_err();
        assert!(
            matches!(again, StoreError::Domain(DomainError::Conflict { .. })),
            "{again}"
        );
        assert!(matches!(
            store.link_alert(99, 1, "ana", now),
            Err(StoreError::NotFound(_))
        ));
    }

    pub(super) fn a_person_declares_from_an_alert_acknowledges_and_resolves_it(under: Under) {
        let store = store(under);
        let now = at("2026-03-01T09:00:00Z");
        store
            .register_system("scoring", details("Scoring", &[]), "admin", now)
            .unwrap();
        let integration = integration(&*store, RouteAction::Record);
        let alert_id = store
            .ingest_alert(&integration, alert("k1", AlertStatus::Firing), now)
            .unwrap()
            .alert
            .unwrap()
            .id;
        assert_eq!(store.last_event("INC-1").unwrap(), None);
        let (incident, linked) = store
            .declare_from_alert(alert_id, declare_input("Scores drift"), "ana", now)
            .unwrap();
        assert_eq!(linked.incident, Some(incident.public_id()));
        assert_eq!(incident.times.detected_at, Some(now), "when the alert came");
        assert_eq!(
            incident.detection_source,
            Some(firebreak_core::incident::DetectionSource::ExternalAlert)
        );
        let last = store.last_event("INC-1").unwrap().unwrap();
        assert_eq!(
            (last.kind, last.actor.as_str()),
            (EventKind::AlertLinked, "ana")
        );
        // The alert is taken: a second declaration from it declares nothing.
        let again = store
            .declare_from_alert(alert_id, declare_input("Again"), "ana", now)
            .unwrap_err();
        assert!(
            matches!(again, StoreError::Domain(DomainError::Conflict { .. })),
            "{again}"
        );
        assert!(matches!(
            store.get_incident(2),
            Err(StoreError::NotFound(_))
        ));

        let acknowledged = store
            .set_alert_status(alert_id, AlertStatus::Acknowledged, "bo", now)
            .unwrap();
        assert_eq!(acknowledged.alert.status, AlertStatus::Acknowledged);
        let last = store.last_event("INC-1").unwrap().unwrap();
        assert_eq!(
            (last.kind, last.actor.as_str()),
            (EventKind::AlertAcknowledged, "bo")
        );
        let twice = store
            .set_alert_status(alert_id, AlertStatus::Acknowledged, "bo", now)
            .unwrap_err();
        assert!(
            matches!(twice, StoreError::Domain(DomainError::Conflict { .. })),
            "{twice}"
        );
        let resolved = store
            .set_alert_status(alert_id, AlertStatus::Resolved, "bo", now)
            .unwrap();
        assert_eq!(resolved.alert.ends_at, Some(now));
        assert_eq!(
            store.last_event("INC-1").unwrap().unwrap().kind,
            EventKind::AlertResolved
        );
        assert!(store.alerts(true, 10).unwrap().is_empty());
        assert!(matches!(
            store.set_alert_status(99, AlertStatus::Resolved, "bo", now),
            Err(StoreError::NotFound(_))
        ));
    }

    pub(super) fn alerts_deduplicate_declare_once_and_resolve_on_the_timeline(under: Under) {
        let store = store(under);
        store
            .register_system(
                "scoring",
                details("Scoring", &[]),
                "admin",
                at("2026-03-01T08:00:00Z"),
            )
            .unwrap();
        let integration = integration(&*store, RouteAction::Declare);
        let now = at("2026-03-01T09:00:00Z");
        let first = store
            .ingest_alert(&integration, alert("k1", AlertStatus::Firing), now)
            .unwrap();
        assert_eq!(first.declared.as_ref().unwrap().public_id(), "INC-1");
        assert_eq!(
            first.declared.as_ref().unwrap().detection_source,
            Some(firebreak_core::incident::DetectionSource::ExternalAlert),
            "an alert from outside found it"
        );
        let repeat = store
            .ingest_alert(&integration, alert("k1", AlertStatus::Firing), now)
            .unwrap();
        assert!(repeat.declared.is_none());
        assert_eq!(repeat.alert.unwrap().occurrences, 2);
        let other = store
            .ingest_alert(&integration, alert("k2", AlertStatus::Firing), now)
            .unwrap();
        assert!(other.declared.is_none(), "attaches to the open incident");
        assert_eq!(other.alert.unwrap().incident.as_deref(), Some("INC-1"));
        store
            .ingest_alert(&integration, alert("k1", AlertStatus::Resolved), now)
            .unwrap();
        let kinds: Vec<_> = store
            .events("INC-1")
            .unwrap()
            .iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                EventKind::Declared,
                EventKind::AlertLinked,
                EventKind::AlertLinked,
                EventKind::AlertResolved
            ]
        );
        let ignored = store
            .ingest_alert(&integration, alert("k1", AlertStatus::Resolved), now)
            .unwrap();
        assert!(
            ignored.alert.is_none(),
            "resolve without an open alert is ignored"
        );
        let reopened = store
            .ingest_alert(&integration, alert("k1", AlertStatus::Firing), now)
            .unwrap();
        assert_ne!(
            reopened.alert.unwrap().id,
            first.alert.unwrap().id,
            "a trigger after resolve opens a new alert"
        );
        assert!(verify(&store.ledger().unwrap(), Anchors::default()).is_intact());
    }

    pub(super) fn containment_changes_the_incident_and_the_control_state_together(under: Under) {
        let store = with_incidents(under, 1);
        let now = at("2026-03-01T11:00:00Z");
        let request = ContainmentRequest {
            system: "scoring".into(),
            mode: ControlMode::PinnedVersion {
                model_version: "v1".into(),
            },
            reason: "roll back".into(),
            evidence: None,
        };
        let refused = store.contain(1, &request, "bob", now).unwrap_err();
        assert!(refused.to_string().contains("evidence"), "{refused}");
        assert_eq!(
            store
                .control_state(Namespace::Production, "scoring")
                .unwrap()
                .version,
            0,
            "nothing written"
        );
        let request = ContainmentRequest {
            evidence: Some(EvidenceDecision::Preserved {
                reference: "snapshot-1".into(),
            }),
            ..request
        };
        let (incident, state) = store.contain(1, &request, "bob", now).unwrap();
        assert_eq!(incident.status.as_str(), "contained");
        assert_eq!(state.version, 1);
        assert_eq!(
            store
                .control_state(Namespace::Production, "scoring")
                .unwrap(),
            state
        );
        assert_eq!(
            store
                .control_state(Namespace::Drill, "scoring")
                .unwrap()
                .version,
            0
        );
        let restored = store
            .set_control(
                Namespace::Production,
                "scoring",
                ControlMode::Normal,
                "fixed",
                "bob",
                now,
            )
            .unwrap();
        assert_eq!(restored.version, 2);
        let report = verify(&store.ledger().unwrap(), Anchors::default());
        assert!(report.is_intact(), "{:?}", report.problems);
    }
}

fn concurrent_writers_share_commits_and_a_refused_one_spoils_nothing(under: Under) {
    let store = with_incidents(under, 1);
    let store = std::sync::Arc::new(store);
    let now = at("2026-03-01T11:00:00Z");
    let threads: Vec<_> = (0..8)
        .map(|writer| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let text = format!("writer {writer} note {i}");
                    store
                        .change_incident(
                            1,
                            &mut |incident, _| {
                                incident.add_entry(EventKind::Note, &text, None, "bob", now)
                            },
                            now,
                        )
                        .unwrap();
                    // Interleave a refused change: it must not take the batch down.
                    let refused = store.change_incident(
                        1,
                        &mut |incident, _| {
                            incident.transition(
                                TransitionRequest {
                                    to: Status::Closed,
                                    reason: None,
                                    occurred_at: None,
                                    merged_into: None,
                                    override_reason: None,
                                },
                                "bob",
                                now,
                            )
                        },
                        now,
                    );
                    assert!(refused.is_err());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let events = store.events("INC-1").unwrap();
    assert_eq!(events.len(), 1 + 8 * 25);
    assert!(
        events
            .iter()
            .enumerate()
            .all(|(i, e)| e.seq == i as u64 + 1)
    );
    assert!(verify(&store.ledger().unwrap(), Anchors::default()).is_intact());
}

mod changes;
mod oncall;

mod integrity {
    use super::*;
    use crate::Store;
    use firebreak_core::auth::Role;

    fn note(store: &dyn Store, text: &str) -> Vec<Event> {
        let now = at("2026-03-01T10:00:00Z");
        store
            .change_incident(
                1,
                &mut |i, _| i.add_entry(EventKind::Note, text, None, "alice", now),
                now,
            )
            .unwrap()
            .1
    }

    pub(super) fn concurrent_writers_each_get_their_own_event_back(under: Under) {
        let store = with_incidents(under, 1);
        let store = std::sync::Arc::new(store);
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..10)
                        .map(|n| {
                            let text = format!("writer {w} note {n}");
                            let events = note(&**store, &text);
                            assert_eq!(events.len(), 1);
                            assert_eq!(events[0].body["text"], text.as_str());
                        })
                        .count()
                })
            })
            .collect();
        let total: usize = writers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(total, 80);
        let report = verify(&store.ledger().unwrap(), Anchors::default());
        assert!(report.is_intact(), "{:?}", report.problems);
    }

    /// Every read and write the other tests leave out, once, so that each
    /// query runs on every backend.
    pub(super) fn every_remaining_operation_runs(under: Under) {
        use firebreak_core::evidence::{CustodyAction, NewEvidence};
        let store = with_incidents(under, 1);
        let now = at("2026-03-01T10:00:00Z");
        // Sessions and tokens of one user, listed with and without a filter.
        let user = User {
            name: "alice".into(),
            role: Role::Responder,
            password_hash: None,
            created_at: now,
        };
        store.create_user(&user, "admin").unwrap();
        store
            .set_password("alice", "argon2-hash", "alice", now)
            .unwrap();
        assert_eq!(store.list_users().unwrap().len(), 1);
        assert_eq!(store.user_count().unwrap(), 1);
        for id in ["aaaaaaaaaaaaaaaa1", "bbbbbbbbbbbbbbbb2"] {
            let session = SessionRecord {
                id_hash: id.into(),
                user: "alice".into(),
                csrf_token: "c".into(),
                expires_at: at("2026-03-02T10:00:00Z"),
            };
            store.create_session(&session, now).unwrap();
        }
        assert!(
            store
                .find_session("aaaaaaaaaaaaaaaa1", now)
                .unwrap()
                .is_some()
        );
        let ended = store
            .delete_user_sessions("alice", Some("aaaaaaaaaaaaaaaa1"), "alice", now)
            .unwrap();
        assert_eq!(ended, 1);
        assert!(
            store
                .find_session("bbbbbbbbbbbbbbbb2", now)
                .unwrap()
                .is_none()
        );
        let token = TokenRecord {
            id: "tok_a".into(),
            user: "alice".into(),
            secret_hash: "secret-hash".into(),
            scope: firebreak_core::auth::Scope::Read,
            description: "d".into(),
            created_at: now,
            expires_at: None,
            revoked_at: None,
        };
        store.create_token(&token, "alice").unwrap();
        assert_eq!(store.list_tokens(None).unwrap().len(), 1);
        assert_eq!(store.list_tokens(Some("alice")).unwrap().len(), 1);
        assert_eq!(store.list_tokens(Some("bob")).unwrap().len(), 0);

        // Control states and hooks.
        store
            .set_control(
                Namespace::Production,
                "scoring",
                ControlMode::Disabled,
                "r",
                "alice",
                now,
            )
            .unwrap();
        assert_eq!(
            store
                .control_state(Namespace::Production, "scoring")
                .unwrap()
                .mode,
            ControlMode::Disabled
        );
        assert_eq!(
            store.control_states(Namespace::Production).unwrap().len(),
            1
        );
        let hook = ControlHook {
            id: "hook_1".into(),
            system: "scoring".into(),
            url: "http://127.0.0.1:9/hook".into(),
            secret: "s".into(),
            created_at: now,
        };
        store.add_control_hook(&hook, "alice").unwrap();
        assert_eq!(store.control_hooks(None).unwrap().len(), 1);
        assert_eq!(store.control_hooks(Some("scoring")).unwrap().len(), 1);
        store.delete_control_hook("hook_1", "alice", now).unwrap();
        assert!(store.control_hooks(None).unwrap().is_empty());

        // Evidence, its custody and its content.
        let sha256 = "ab".repeat(32);
        let item = store
            .add_evidence(
                1,
                NewEvidence {
                    sha256: sha256.clone(),
                    size: 3,
                    filename: "log.csv".into(),
                    media_type: "text/csv".into(),
                    description: "decisions".into(),
                },
                "alice",
                now,
            )
            .unwrap();
        store
            .evidence_custody(&item.id, CustodyAction::Viewed, "bob", now)
            .unwrap();
        assert_eq!(store.evidence(&item.id).unwrap().sha256, sha256);
        assert_eq!(store.incident_evidence(1).unwrap().len(), 1);
        assert!(store.content_in_use(&sha256).unwrap());
        assert_eq!(store.live_content().unwrap(), vec![sha256.clone()]);
        let damaged = store
            .record_damaged_content(&sha256, "bytes changed", now)
            .unwrap();
        assert_eq!(damaged, vec![item.id.clone()]);

        // An incident document, one page of a timeline, proofs and the outbox.
        store
            .change_document(
                1,
                DocumentKind::Postmortem,
                &mut |_, current| {
                    assert!(current.is_none());
                    Ok(crate::DocumentChange::with_event(
                        json!({"summary": "s"}),
                        EventDraft::by("alice", EventKind::Note, now, json!({"text": "draft"})),
                    ))
                },
                now,
            )
            .unwrap();
        assert!(
            store
                .document(1, DocumentKind::Postmortem)
                .unwrap()
                .is_some()
        );
        assert_eq!(store.documents(DocumentKind::Postmortem).unwrap().len(), 1);
        let all = store.events("INC-1").unwrap();
        let page = store.events_page("INC-1", Some(1), 2).unwrap();
        assert_eq!(page, all[1..3].to_vec());
        let signer = CheckpointSigner::from_secret([5; 32]);
        let witnesses = vec!["file:/tmp/witness.jsonl".to_string()];
        let request = CheckpointRequest {
            reason: "test",
            force: false,
            witnesses: &witnesses,
            rotation: None,
        };
        let checkpoint = store
            .write_checkpoint(&signer, request, now)
            .unwrap()
            .unwrap();
        let size = checkpoint.body.log.unwrap().size;
        let proofs = store
            .inclusion_proofs(size, &[("INC-1".to_string(), 1)])
            .unwrap();
        assert_eq!(proofs.len(), 1);
        let due = store.due_messages(now, 10).unwrap();
        assert_eq!(due.len(), 1);
        store
            .message_attempted(
                due[0].id,
                Err("refused".into()),
                Some(at("2026-03-01T10:01:00Z")),
                now,
            )
            .unwrap();
        assert!(store.due_messages(now, 10).unwrap().is_empty());
        let later = at("2026-03-01T10:02:00Z");
        store
            .message_attempted(due[0].id, Ok(None), None, later)
            .unwrap();
        let sent = store.messages(crate::WITNESS_CHANNEL, 10).unwrap();
        assert_eq!((sent[0].attempts, sent[0].delivered_at), (2, Some(later)));
        let report = verify(&store.ledger().unwrap(), pinned(&signer.fingerprint()));
        assert!(report.is_intact(), "{:?}", report.problems);
    }

    /// Two copies for one witness leave in order: the second waits while
    /// the first is pending, failed attempts included.
    pub(super) fn messages_to_one_receiver_leave_in_order(under: Under) {
        let store = with_incidents(under, 1);
        let signer = CheckpointSigner::from_secret([6; 32]);
        let witnesses = vec!["file:/tmp/witness.jsonl".to_string()];
        let now = at("2026-03-01T10:00:00Z");
        for _ in 0..2 {
            note(&*store, "more");
            let request = CheckpointRequest {
                reason: "test",
                force: true,
                witnesses: &witnesses,
                rotation: None,
            };
            store.write_checkpoint(&signer, request, now).unwrap();
        }
        let due = store.due_messages(now, 10).unwrap();
        assert_eq!(due.len(), 1, "the second copy waits for the first");
        let first = due[0].id;
        let retry = at("2026-03-01T10:01:00Z");
        store
            .message_attempted(first, Err("down".into()), Some(retry), now)
            .unwrap();
        assert!(
            store
                .due_messages(retry, 10)
                .unwrap()
                .iter()
                .all(|m| m.id == first)
        );
        store
            .message_attempted(first, Ok(None), None, retry)
            .unwrap();
        let next = store.due_messages(retry, 10).unwrap();
        assert_eq!(next.len(), 1);
        assert!(next[0].id > first);
    }

    pub(super) fn checkpoints_cover_the_log_and_resume_from_their_frontier(under: Under) {
        let store = with_incidents(under, 2);
        let signer = CheckpointSigner::from_secret([4; 32]);
        let now = at("2026-03-01T10:00:00Z");
        let first = store
            .write_checkpoint(&signer, checkpoint_request(false), now)
            .unwrap()
            .unwrap();
        for n in 0..5 {
            note(&*store, &format!("note {n}"));
        }
        let second = store
            .write_checkpoint(&signer, checkpoint_request(false), now)
            .unwrap()
            .unwrap();
        let (a, b) = (first.body.log.unwrap(), second.body.log.unwrap());
        assert_eq!(b.size, a.size + 5);
        let fingerprint = signer.fingerprint();
        let report = verify(&store.ledger().unwrap(), pinned(&fingerprint));
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(report.unsigned, None);
        note(&*store, "after");
        let tail = verify(&store.ledger().unwrap(), pinned(&fingerprint)).unsigned;
        assert_eq!(tail.unwrap().events, 1);
    }

    pub(super) fn a_role_raised_in_sql_breaks_the_user_s_audit_chain(under: Under) {
        let store = store(under);
        let now = at("2026-03-01T10:00:00Z");
        let user = User {
            name: "mallory".into(),
            role: Role::Viewer,
            password_hash: None,
            created_at: now,
        };
        store.create_user(&user, "admin").unwrap();
        let session = SessionRecord {
            id_hash: "0123456789abcdef0123".into(),
            user: "mallory".into(),
            csrf_token: "c".into(),
            expires_at: at("2026-03-02T10:00:00Z"),
        };
        store.create_session(&session, now).unwrap();
        store.delete_session(&session.id_hash, now).unwrap();
        assert!(verify(&store.ledger().unwrap(), Anchors::default()).is_intact());
        store.behind_firebreak("UPDATE users SET role = 'admin' WHERE name = 'mallory'");
        let report = verify(&store.ledger().unwrap(), Anchors::default());
        assert_eq!(report.problems[0].place, "user:mallory");
        assert!(report.problems[0].message.contains("record altered"));
        store.behind_firebreak(
            "INSERT INTO tokens (org_id, id, user_name, secret_hash, scope, description, created_at)
             VALUES (1, 'tok_planted', 'mallory', 'x', 'write', 'planted', '2026-03-01T10:00:00Z')",
        );
        let report = verify(&store.ledger().unwrap(), Anchors::default());
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.place == "token:tok_planted"
                    && p.message == "a record exists without any timeline event"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn a_database_from_before_the_log_is_carried_over_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("firebreak.db");
        {
            let connection = rusqlite::Connection::open(&path).unwrap();
            for (index, migration) in crate::sqlite::MIGRATIONS.iter().enumerate().take(5) {
                connection.execute_batch(migration).unwrap();
                connection
                    .pragma_update(None, "user_version", (index + 1) as i64)
                    .unwrap();
            }
            connection
                .execute(
                    "INSERT INTO users (org_id, name, role, created_at) VALUES (1, 'old', 'admin', '2026-01-01T00:00:00Z')",
                    [],
                )
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let report = verify(&store.ledger().unwrap(), Anchors::default());
        assert!(report.is_intact(), "{:?}", report.problems);
        assert_eq!(store.events("user:old").unwrap().len(), 1);
    }
}

mod monitors;
mod updates;

// The conformance suite: every test above that takes a backend, on each.
macro_rules! on_every_backend {
    ($($test:ident => $($path:ident)::+),* $(,)?) => {
        mod on_sqlite {
            use super::*;
            $(
                #[test]
                fn $test() {
                    super::$($path)::+(Under::Sqlite);
                }
            )*
        }

        mod on_postgres {
            use super::*;
            $(
                #[test]
                fn $test() {
                    if let Some(under) = Under::postgres() {
                        super::$($path)::+(under);
                    }
                }
            )*
        }
    };
}

on_every_backend! {
    integrity_every_remaining_operation_runs => integrity::every_remaining_operation_runs,
    a_refused_change_writes_nothing => a_refused_change_writes_nothing,
    changes_append_chained_events_and_verify => changes_append_chained_events_and_verify,
    a_dependency_cycle_is_refused_and_nothing_changes => a_dependency_cycle_is_refused_and_nothing_changes,
    listing_filters_and_paginates_newest_first => listing_filters_and_paginates_newest_first,
    tokens_and_users_round_trip => tokens_and_users_round_trip,
    containment_and_alerts_alerts_deduplicate_declare_once_and_resolve_on_the_timeline => containment_and_alerts::alerts_deduplicate_declare_once_and_resolve_on_the_timeline,
    containment_and_alerts_a_person_declares_from_an_alert_acknowledges_and_resolves_it => containment_and_alerts::a_person_declares_from_an_alert_acknowledges_and_resolves_it,
    containment_and_alerts_an_alert_upstream_is_proposed_to_the_open_incident_and_linked_once => containment_and_alerts::an_alert_upstream_is_proposed_to_the_open_incident_and_linked_once,
    containment_and_alerts_containment_changes_the_incident_and_the_control_state_together => containment_and_alerts::containment_changes_the_incident_and_the_control_state_together,
    concurrent_writers_share_commits_and_a_refused_one_spoils_nothing => concurrent_writers_share_commits_and_a_refused_one_spoils_nothing,
    integrity_concurrent_writers_each_get_their_own_event_back => integrity::concurrent_writers_each_get_their_own_event_back,
    integrity_checkpoints_cover_the_log_and_resume_from_their_frontier => integrity::checkpoints_cover_the_log_and_resume_from_their_frontier,
    integrity_messages_to_one_receiver_leave_in_order => integrity::messages_to_one_receiver_leave_in_order,
    integrity_a_role_raised_in_sql_breaks_the_user_s_audit_chain => integrity::a_role_raised_in_sql_breaks_the_user_s_audit_chain,
    monitors_are_listed_paused_and_deleted => monitors::monitors_are_listed_paused_and_deleted,
    monitors_a_breach_declares_with_evidence_and_finding_and_recovery_resolves => monitors::a_breach_declares_with_evidence_and_finding_and_recovery_resolves,
    oncall_a_declared_incident_pages_each_step_once_until_acknowledged => oncall::a_declared_incident_pages_each_step_once_until_acknowledged,
    oncall_removing_an_entry_is_sealed_and_refused_while_named => oncall::removing_an_entry_is_sealed_and_refused_while_named,
    oncall_a_raise_in_severity_replans_the_escalation_from_now => oncall::a_raise_in_severity_replans_the_escalation_from_now,
    oncall_an_incident_declared_by_an_alert_is_paged_and_a_drill_is_not => oncall::an_incident_declared_by_an_alert_is_paged_and_a_drill_is_not,
    updates_an_update_is_sent_to_the_lists_through_the_outbox_and_on_the_timeline => updates::an_update_is_sent_to_the_lists_through_the_outbox_and_on_the_timeline,
    changes_are_numbered_sealed_listed_and_recorded_once => changes::changes_are_numbered_sealed_listed_and_recorded_once,
    changes_a_change_source_is_checked_sealed_and_removed => changes::a_change_source_is_checked_sealed_and_removed,
}
