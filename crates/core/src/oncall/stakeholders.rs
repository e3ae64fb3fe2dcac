//! Stakeholder lists: per system, who hears of its incidents in each
//! audience (internal, executives, customers, partners and deployers,
//! regulators), by email address or Slack member id. An update's
//! recipients are the lists of its incident's systems for its audience,
//! worked out when it is sent ([`recipients`]).

use super::contact::ContactKind;
use super::page::{EMAIL_HINT, SLACK_ID_HINT, is_email, is_slack_id};
use super::{Faults, OncallError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// At most this many addresses of one kind in one audience's list.
pub const MAX_LIST: usize = 500;

/// Who an update speaks to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The organisation's own staff beyond the responders.
    Internal,
    /// The board and senior management.
    Executives,
    /// The people the system serves.
    Customers,
    /// Partners and deployers of the system (AI Act Art. 26).
    Partners,
    /// Supervisory authorities, beyond the formal reports of the
    /// regulatory record.
    Regulators,
}

impl Audience {
    pub const ALL: [Audience; 5] = [
        Audience::Internal,
        Audience::Executives,
        Audience::Customers,
        Audience::Partners,
        Audience::Regulators,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Internal => "internal",
            Audience::Executives => "executives",
            Audience::Customers => "customers",
            Audience::Partners => "partners",
            Audience::Regulators => "regulators",
        }
    }

    /// The built-in template an update to this audience starts from when
    /// none is named.
    pub fn default_template(self) -> &'static str {
        match self {
            Audience::Internal => "internal_alert",
            Audience::Executives => "board_brief",
            Audience::Customers | Audience::Regulators => "holding_statement",
            Audience::Partners => "partner_bulletin",
        }
    }
}

impl std::str::FromStr for Audience {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Audience::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Audience::ALL.iter().map(|a| a.as_str()).collect();
                format!("unknown audience `{s}`; known: {}", known.join(", "))
            })
    }
}

/// One audience's list: email addresses and Slack member ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceList {
    #[serde(default)]
    pub email: Vec<String>,
    /// Slack member ids, messaged directly, e.g. `U024BE7LH`.
    #[serde(default)]
    pub slack: Vec<String>,
}

/// One kind of address in a list: its name, the addresses, what makes one
/// valid, and what a bad one is told.
type AddressKind<'a> = (&'a str, &'a [String], fn(&str) -> bool, &'a str);

impl AudienceList {
    fn check(&self, audience: Audience, faults: &mut Faults) {
        let lists: [AddressKind<'_>; 2] = [
            ("email", &self.email, is_email, EMAIL_HINT),
            ("slack", &self.slack, is_slack_id, SLACK_ID_HINT),
        ];
        for (kind, addresses, valid, hint) in lists {
            let field = format!("{}.{kind}", audience.as_str());
            if addresses.len() > MAX_LIST {
                faults.push(&field, format!("at most {MAX_LIST} addresses"));
            }
            for (i, address) in addresses.iter().enumerate() {
                if !valid(address) {
                    faults.push(format!("{field}[{i}]"), hint);
                } else if addresses[..i].contains(address) {
                    faults.push(
                        format!("{field}[{i}]"),
                        format!("`{address}` is listed twice"),
                    );
                }
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.email.is_empty() && self.slack.is_empty()
    }
}

/// A system's stakeholder lists, one per audience; an audience left out
/// hears nothing of the system's incidents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StakeholderLists {
    #[serde(default, skip_serializing_if = "AudienceList::is_empty")]
    pub internal: AudienceList,
    #[serde(default, skip_serializing_if = "AudienceList::is_empty")]
    pub executives: AudienceList,
    #[serde(default, skip_serializing_if = "AudienceList::is_empty")]
    pub customers: AudienceList,
    #[serde(default, skip_serializing_if = "AudienceList::is_empty")]
    pub partners: AudienceList,
    #[serde(default, skip_serializing_if = "AudienceList::is_empty")]
    pub regulators: AudienceList,
}

impl StakeholderLists {
    pub fn of(&self, audience: Audience) -> &AudienceList {
        match audience {
            Audience::Internal => &self.internal,
            Audience::Executives => &self.executives,
            Audience::Customers => &self.customers,
            Audience::Partners => &self.partners,
            Audience::Regulators => &self.regulators,
        }
    }

    /// Refuses malformed addresses, repeats and overlong lists, each named
    /// by its field, e.g. `executives.email[2]`.
    pub fn validate(&self) -> Result<(), OncallError> {
        let mut faults = Faults::default();
        for audience in Audience::ALL {
            self.of(audience).check(audience, &mut faults);
        }
        faults.into_result()
    }
}

/// One recipient of an update, and the systems whose lists name them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UpdateRecipient {
    /// `email` or `slack`.
    pub contact: ContactKind,
    pub address: String,
    pub systems: Vec<String>,
}

/// Everyone `audience` reaches across the lists of `systems`, each address
/// once (with every system that lists it), in the order the systems and
/// their lists give them: email first, then Slack.
pub fn recipients(
    systems: &[String],
    lists: &BTreeMap<String, StakeholderLists>,
    audience: Audience,
) -> Vec<UpdateRecipient> {
    let mut found: Vec<UpdateRecipient> = Vec::new();
    for contact in [ContactKind::Email, ContactKind::Slack] {
        for system in systems {
            let Some(list) = lists.get(system).map(|l| l.of(audience)) else {
                continue;
            };
            let addresses = match contact {
                ContactKind::Email => &list.email,
                _ => &list.slack,
            };
            for address in addresses {
                match found
                    .iter_mut()
                    .find(|r| r.contact == contact && &r.address == address)
                {
                    Some(known) if !known.systems.contains(system) => {
                        known.systems.push(system.clone());
                    }
                    Some(_) => {}
                    None => found.push(UpdateRecipient {
                        contact,
                        address: address.clone(),
                        systems: vec![system.clone()],
                    }),
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lists(value: serde_json::Value) -> StakeholderLists {
        serde_json::from_value(value).unwrap()
    }

    fn faults(value: serde_json::Value) -> Vec<(String, String)> {
        match lists(value).validate() {
            Ok(()) => Vec::new(),
            Err(error) => error
                .fields()
                .into_iter()
                .map(|f| (f.field, f.message))
                .collect(),
        }
    }

    #[test]
    fn lists_name_each_bad_address_by_audience_and_position() {
        let found = faults(json!({
            "executives": {"email": ["ceo@example.org", "not an address", "ceo@example.org"]},
            "partners": {"slack": ["U024BE7LH", "u-lower"]},
        }));
        let fields: Vec<&str> = found.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "executives.email[1]",
                "executives.email[2]",
                "partners.slack[1]"
            ]
        );
        assert!(found[1].1.contains("twice"), "{found:?}");
        assert!(faults(json!({"internal": {"email": ["a@b.org"], "slack": ["U1"]}})).is_empty());
    }

    #[test]
    fn unknown_audiences_and_fields_are_refused_when_read() {
        let unknown = serde_json::from_value::<StakeholderLists>(json!({"press": {}}));
        assert!(unknown.unwrap_err().to_string().contains("press"));
        assert_eq!(
            "board".parse::<Audience>().unwrap_err(),
            "unknown audience `board`; known: internal, executives, customers, partners, regulators"
        );
    }

    #[test]
    fn recipients_merge_the_systems_lists_once_per_address() {
        let by_system = BTreeMap::from([
            (
                "scoring".to_string(),
                lists(
                    json!({"executives": {"email": ["ceo@x.org", "cfo@x.org"], "slack": ["U1"]}}),
                ),
            ),
            (
                "ranker".to_string(),
                lists(
                    json!({"executives": {"email": ["ceo@x.org"]}, "customers": {"email": ["c@x.org"]}}),
                ),
            ),
        ]);
        let systems = [
            "scoring".to_string(),
            "ranker".to_string(),
            "gone".to_string(),
        ];
        let found = recipients(&systems, &by_system, Audience::Executives);
        let flat: Vec<(ContactKind, &str, usize)> = found
            .iter()
            .map(|r| (r.contact, r.address.as_str(), r.systems.len()))
            .collect();
        assert_eq!(
            flat,
            [
                (ContactKind::Email, "ceo@x.org", 2),
                (ContactKind::Email, "cfo@x.org", 1),
                (ContactKind::Slack, "U1", 1)
            ]
        );
        assert!(recipients(&systems, &by_system, Audience::Regulators).is_empty());
    }
}
