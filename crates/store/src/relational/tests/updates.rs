//! Stakeholder lists and updates on both backends: lists validated and
//! sealed as on-call entries, an update's changes on its own chain and the
//! incident's timeline, one outbox message per recipient queued with the
//! send, and each delivery attempt on the timeline.

use super::*;
use crate::{DocumentChange, DocumentKind, OncallEntry, OncallKind, UPDATE_CHANNEL_PREFIX};
use firebreak_core::oncall::{ApprovalRule, Audience, StakeholderLists, Updates, recipients};
use firebreak_core::verify::Anchors;

fn lists(value: serde_json::Value) -> StakeholderLists {
    serde_json::from_value(value).unwrap()
}

/// Runs one operation on the incident's updates, as the server does.
fn change_updates(
    store: &Fresh,
    number: u64,
    now: Timestamp,
    operation: impl Fn(&Incident, &Updates) -> Result<firebreak_core::oncall::UpdateChange, DomainError>,
) -> StoreResult<Updates> {
    let (_, document) = store.change_document(
        number,
        DocumentKind::Updates,
        &mut |incident, current| {
            let updates: Updates = DocumentKind::Updates.decode(current)?.unwrap_or_default();
            Ok(DocumentChange::stakeholder_update(
                incident,
                operation(incident, &updates)?,
            ))
        },
        now,
    )?;
    Ok(serde_json::from_value(document).unwrap())
}

pub(super) fn an_update_is_sent_to_the_lists_through_the_outbox_and_on_the_timeline(under: Under) {
    let store = with_incidents(under, 1);
    let now = at("2026-03-01T10:00:00Z");
    let bad = OncallEntry::Stakeholders {
        system: "scoring".into(),
        lists: lists(json!({"executives": {"email": ["not an address"]}})),
    };
    match store.save_oncall(&bad, "admin", now) {
        Err(StoreError::Domain(DomainError::Invalid(fields))) => {
            assert_eq!(fields[0].field, "executives.email[0]");
        }
        other => panic!("{other:?}"),
    }
    let unknown = OncallEntry::Stakeholders {
        system: "nope".into(),
        lists: StakeholderLists::default(),
    };
    assert!(matches!(
        store.save_oncall(&unknown, "admin", now),
        Err(StoreError::NotFound(_))
    ));
    let entry = OncallEntry::Stakeholders {
        system: "scoring".into(),
        lists: lists(json!({"executives": {"email": ["ceo@example.org"], "slack": ["U024BE7LH"]}})),
    };
    assert!(store.save_oncall(&entry, "admin", now).unwrap());
    let slack: firebreak_core::oncall::Channel =
        serde_json::from_value(json!({"slug": "ops-slack", "kind": "slack"})).unwrap();
    let slack = OncallEntry::Channel(crate::StoredChannel {
        channel: slack,
        sealed_credential: "sealed".into(),
        sealed_webhook_secret: None,
    });
    assert!(store.save_oncall(&slack, "admin", now).unwrap());
    let config = store.oncall().unwrap();
    assert_eq!(
        config.stakeholders["scoring"].executives.email,
        ["ceo@example.org"]
    );

    change_updates(&store, 1, now, |incident, updates| {
        updates.draft(
            incident,
            Audience::Executives,
            "board_brief",
            ("INC-1 brief".into(), "Scores are zero.\n".into()),
            "alice",
            now,
        )
    })
    .unwrap();
    // SEV2: approval first.
    let send = |incident: &Incident, updates: &Updates| {
        let to = recipients(
            &incident.systems,
            &config.stakeholders,
            Audience::Executives,
        );
        updates.send(incident, 1, &ApprovalRule::default(), to, "alice", now)
    };
    assert!(matches!(
        change_updates(&store, 1, now, send),
        Err(StoreError::Domain(DomainError::Conflict { .. }))
    ));
    assert!(store.messages("update:email", 10).unwrap().is_empty());
    change_updates(&store, 1, now, |incident, updates| {
        updates.approve(incident, 1, "carol", now)
    })
    .unwrap();
    let sent = change_updates(&store, 1, now, send).unwrap();
    assert_eq!(sent.updates[0].recipients.len(), 2);

    let emails = store
        .messages(&format!("{UPDATE_CHANNEL_PREFIX}email"), 10)
        .unwrap();
    let slack = store.messages("update:slack", 10).unwrap();
    assert_eq!((emails.len(), slack.len()), (1, 1));
    assert_eq!(emails[0].target, "ceo@example.org");
    assert_eq!(emails[0].incident, Some(1));
    let payload: serde_json::Value = serde_json::from_str(&emails[0].payload).unwrap();
    assert_eq!(payload["subject"], "INC-1 brief");
    store
        .message_attempted(emails[0].id, Ok(None), None, now)
        .unwrap();

    let timeline = store.events("INC-1").unwrap();
    let actions: Vec<&str> = timeline
        .iter()
        .filter(|e| e.kind == EventKind::StakeholderUpdate)
        .map(|e| e.body["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["drafted", "approved", "sent"]);
    let sent_event = timeline
        .iter()
        .find(|e| e.body["action"] == "sent")
        .unwrap();
    assert_eq!(
        sent_event.body["recipients"][0]["address"],
        "ceo@example.org"
    );
    let attempt = timeline
        .iter()
        .find(|e| e.kind == EventKind::UpdateAttempt)
        .unwrap();
    assert_eq!(attempt.body["address"], "ceo@example.org");
    assert_eq!(attempt.body["result"], "delivered");
    assert_eq!(store.events("updates:INC-1").unwrap().len(), 3);
    assert_eq!(
        store.events("oncall:stakeholders:scoring").unwrap().len(),
        1
    );
    assert!(
        store
            .remove_oncall(OncallKind::Stakeholders, "scoring", "admin", now)
            .is_ok()
    );
    // The incident's Slack channel hears of the sent update (only), and
    // the channel a delivery reports is kept with its attempt.
    let posts = store.messages("notice:slack", 10).unwrap();
    assert_eq!(posts.len(), 1, "{posts:#?}");
    let post: serde_json::Value = serde_json::from_str(&posts[0].payload).unwrap();
    assert_eq!(post["action"], "post");
    assert_eq!(
        post["text"],
        "Stakeholder update sent to executives: INC-1 brief"
    );
    let created = json!({"slack_channel": {"id": "C1", "name": "inc-1"}});
    store
        .message_attempted(posts[0].id, Ok(Some(created.clone())), None, now)
        .unwrap();
    let told = store.events("INC-1").unwrap();
    let told = told
        .iter()
        .rfind(|e| e.kind == EventKind::NoticeAttempt)
        .unwrap();
    assert_eq!(told.body["slack_channel"], created["slack_channel"]);
    assert!(
        told.describe().ends_with("Slack channel #inc-1 created"),
        "{}",
        told.describe()
    );
    let report = verify(&store.ledger().unwrap(), Anchors::default());
    assert!(report.is_intact(), "{:?}", report.problems);
}
