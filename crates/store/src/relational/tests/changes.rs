//! Changes and change sources on both backends.

use super::*;
use crate::{ChangeQuery, StoredChangeSource};
use firebreak_core::change::webhook::{ChangeRule, ChangeSource, Provider};
use firebreak_core::change::{ChangeKind, ChangeOrigin, NewChange};

fn deploy(system: &str, when: &str, external: Option<&str>) -> NewChange {
    NewChange {
        system: system.into(),
        kind: ChangeKind::Deploy,
        version_from: Some("v3".into()),
        version_to: Some("v4".into()),
        by: None,
        at: Some(at(when)),
        link: None,
        description: "release".into(),
        external_id: external.map(str::to_string),
    }
}

pub(super) fn changes_are_numbered_sealed_listed_and_recorded_once(under: Under) {
    let store = with_incidents(under, 0);
    let now = at("2026-03-02T12:00:00Z");
    store
        .register_system("features", details("Features", &[]), "admin", now)
        .unwrap();
    let (first, new) = store
        .record_change(
            deploy("scoring", "2026-03-01T09:00:00Z", None),
            ChangeOrigin::Api,
            "ci",
            now,
        )
        .unwrap();
    assert!(new);
    assert_eq!((first.id.as_str(), first.by.as_str()), ("CH-1", "ci"));
    let (second, _) = store
        .record_change(
            deploy(
                "features",
                "2026-03-02T09:00:00Z",
                Some("github:deployment_status:7"),
            ),
            ChangeOrigin::Github,
            "github",
            now,
        )
        .unwrap();
    // A retried delivery answers the change already recorded.
    let (again, new) = store
        .record_change(
            deploy(
                "features",
                "2026-03-02T09:00:00Z",
                Some("github:deployment_status:7"),
            ),
            ChangeOrigin::Github,
            "github",
            now,
        )
        .unwrap();
    assert!(!new);
    assert_eq!(again, second);
    // An unknown system is refused naming it, and nothing is written.
    let refused = store
        .record_change(
            deploy("nope", "2026-03-02T09:00:00Z", None),
            ChangeOrigin::Api,
            "ci",
            now,
        )
        .unwrap_err();
    assert!(
        refused.to_string().contains("unknown system \"nope\""),
        "{refused}"
    );

    let all = |systems: &[&str], from: Option<&str>| {
        store
            .changes(&ChangeQuery {
                systems: systems.iter().map(|s| s.to_string()).collect(),
                from: from.map(at),
                until: None,
                limit: 10,
            })
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(all(&[], None), ["CH-2", "CH-1"]);
    assert_eq!(all(&["scoring"], None), ["CH-1"]);
    assert_eq!(all(&["scoring", "features"], None), ["CH-2", "CH-1"]);
    assert_eq!(all(&[], Some("2026-03-02T00:00:00Z")), ["CH-2"]);
    assert_eq!(store.change("CH-2").unwrap(), second);
    assert!(matches!(store.change("CH-9"), Err(StoreError::NotFound(_))));
    assert_eq!(store.events("change:CH-1").unwrap().len(), 1);

    let signer = CheckpointSigner::from_secret([3; 32]);
    store
        .write_checkpoint(&signer, checkpoint_request(false), now)
        .unwrap();
    let report = verify(&store.ledger().unwrap(), pinned(&signer.fingerprint()));
    assert!(report.is_intact(), "{:?}", report.problems);
}

pub(super) fn a_change_source_is_checked_sealed_and_removed(under: Under) {
    let store = with_incidents(under, 0);
    let now = at("2026-03-02T12:00:00Z");
    let mut stored = StoredChangeSource {
        source: ChangeSource {
            slug: "credit-repo".into(),
            provider: Provider::Github,
            url: None,
            poll_seconds: None,
            rules: vec![ChangeRule {
                matchers: vec![],
                system: "nope".into(),
                kind: ChangeKind::Deploy,
            }],
        },
        sealed_secret: "sealed-bytes".into(),
        registry: Default::default(),
    };
    let refused = store.save_change_source(&stored, "admin", now).unwrap_err();
    assert!(refused.to_string().contains("rules[0].system"), "{refused}");
    stored.source.rules[0].system = "scoring".into();
    assert!(store.save_change_source(&stored, "admin", now).unwrap());
    assert!(!store.save_change_source(&stored, "admin", now).unwrap());
    assert_eq!(store.change_source("credit-repo").unwrap(), stored);
    assert_eq!(store.change_sources().unwrap(), [stored.clone()]);
    // The chain binds the secret without carrying it.
    let events = store.events("change-source:credit-repo").unwrap();
    assert_eq!(events.len(), 2);
    assert!(!events[0].body.to_string().contains("sealed-bytes"));
    store
        .remove_change_source("credit-repo", "admin", now)
        .unwrap();
    assert!(matches!(
        store.change_source("credit-repo"),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.remove_change_source("credit-repo", "admin", now),
        Err(StoreError::NotFound(_))
    ));
    let signer = CheckpointSigner::from_secret([3; 32]);
    store
        .write_checkpoint(&signer, checkpoint_request(false), now)
        .unwrap();
    let report = verify(&store.ledger().unwrap(), pinned(&signer.fingerprint()));
    assert!(report.is_intact(), "{:?}", report.problems);
}
