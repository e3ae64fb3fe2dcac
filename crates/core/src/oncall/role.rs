//! Role notifications: whoever is given a role on an incident (commander,
//! ML lead, legal liaison …) is told, once by each contact method their
//! notification rules name (the rules' delays are for pages, not here).

use super::{ContactKind, ContactMethods};
use crate::incident::CommandRole;
use crate::timeline::{Event, EventKind};
use std::collections::BTreeMap;

/// One user given one role by one sealed event, and how they can be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleNotice {
    /// The position of the `role_changed` event on the incident's timeline,
    /// so that each assignment is told once and a later one again.
    pub seq: u64,
    pub role: CommandRole,
    pub user: String,
    /// Each contact method with an address, in the order of the user's
    /// rules; empty when the user cannot be told.
    pub reach: Vec<(ContactKind, String)>,
}

/// The notices that `events` call for: one per role given to a user
/// (removals tell nobody).
pub fn role_notices(
    events: &[Event],
    contacts: &BTreeMap<String, ContactMethods>,
) -> Vec<RoleNotice> {
    events
        .iter()
        .filter(|e| e.kind == EventKind::RoleChanged)
        .filter_map(|e| {
            let role = serde_json::from_value::<CommandRole>(e.body["role"].clone()).ok()?;
            let user = e.body["to"].as_str()?.to_string();
            Some(RoleNotice {
                seq: e.seq,
                role,
                reach: reach(contacts.get(&user)),
                user,
            })
        })
        .collect()
}

fn reach(methods: Option<&ContactMethods>) -> Vec<(ContactKind, String)> {
    let mut reach: Vec<(ContactKind, String)> = Vec::new();
    for rule in methods.map_or(&[][..], |m| &m.rules) {
        let address = methods.and_then(|m| m.address(rule.contact));
        if let Some(address) = address
            && !reach.iter().any(|(kind, _)| *kind == rule.contact)
        {
            reach.push((rule.contact, address.to_string()));
        }
    }
    reach
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oncall::NotificationRule;
    use serde_json::{Value, json};

    fn event(seq: u64, kind: EventKind, body: Value) -> Event {
        Event {
            stream: "INC-1".into(),
            seq,
            kind,
            occurred_at: "2026-03-01T10:00:00Z".parse().unwrap(),
            recorded_at: "2026-03-01T10:00:00Z".parse().unwrap(),
            actor: "carol".into(),
            body,
            state_hash: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn contacts() -> BTreeMap<String, ContactMethods> {
        let rule = |contact, delay_minutes| NotificationRule {
            contact,
            delay_minutes,
        };
        let alice = ContactMethods {
            email: Some("alice@example.org".into()),
            slack_user_id: Some("U1".into()),
            webhook_url: Some("https://hooks.example.org/alice".into()),
            phone: None,
            rules: vec![
                rule(ContactKind::Slack, 0),
                rule(ContactKind::Email, 5),
                rule(ContactKind::Slack, 10),
                rule(ContactKind::Webhook, 0),
                rule(ContactKind::SmsWebhook, 0),
            ],
        };
        BTreeMap::from([("alice".to_string(), alice)])
    }

    #[test]
    fn a_given_role_reaches_each_contact_of_the_rules_once_without_delay() {
        let events = [event(
            7,
            EventKind::RoleChanged,
            json!({"role": "ml_lead", "from": [], "to": "alice"}),
        )];
        let notices = role_notices(&events, &contacts());
        assert_eq!(
            notices,
            vec![RoleNotice {
                seq: 7,
                role: CommandRole::MlLead,
                user: "alice".into(),
                reach: vec![
                    (ContactKind::Slack, "U1".into()),
                    (ContactKind::Email, "alice@example.org".into()),
                    (
                        ContactKind::Webhook,
                        "https://hooks.example.org/alice".into()
                    )
                ],
            }]
        );
    }

    #[test]
    fn removals_and_other_events_tell_nobody_and_unknown_users_cannot_be_reached() {
        let events = [
            event(
                3,
                EventKind::RoleChanged,
                json!({"role": "commander", "from": ["alice"], "to": null}),
            ),
            event(4, EventKind::Note, json!({"text": "alice"})),
            event(
                5,
                EventKind::RoleChanged,
                json!({"role": "legal_liaison", "from": [], "to": "dave"}),
            ),
        ];
        let notices = role_notices(&events, &contacts());
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].user, "dave");
        assert_eq!(notices[0].role, CommandRole::LegalLiaison);
        assert!(notices[0].reach.is_empty());
    }
}
