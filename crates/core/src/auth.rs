//! Who may do what. The auth role is a floor per route (D14); a token's scope can
//! only narrow what its user's role allows, never widen it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Auth roles, ordered: each one can do everything the ones before it can.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Responder,
    Commander,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Responder, Role::Commander, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Responder => "responder",
            Role::Commander => "commander",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role `{s}`, expected one of viewer, responder, commander, admin")
            })
    }
}

/// What a personal access token may be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Reading only, whatever the user's role.
    Read,
    /// Everything the user's role allows.
    Write,
    /// Only the control-state read endpoints: what serving code holds.
    ControlRead,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::ControlRead => "control_read",
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "control_read" => Ok(Scope::ControlRead),
            _ => Err(format!(
                "unknown scope `{s}`, expected read, write or control_read"
            )),
        }
    }
}

/// Whether a caller with `role` and `scope` may use a route that needs `floor`.
/// `mutating` routes are closed to read-scoped tokens; control-read tokens open
/// no ordinary route: only the control-read endpoints accept them.
pub fn permits(role: Role, scope: Scope, floor: Role, mutating: bool) -> bool {
    match scope {
        Scope::Write => role >= floor,
        Scope::Read => role >= floor && !mutating,
        Scope::ControlRead => false,
    }
}

pub const USERNAME_MAX_CHARS: usize = 64;

/// User names appear in timelines and role assignments, so they are kept plain.
pub fn validate_username(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= USERNAME_MAX_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err("must be 1 to 64 characters of letters, digits, '-', '_' or '.'".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_floors_and_read_scope_blocks_writes() {
        assert!(permits(Role::Admin, Scope::Write, Role::Viewer, true));
        assert!(!permits(Role::Viewer, Scope::Write, Role::Responder, false));
        assert!(permits(
            Role::Commander,
            Scope::Read,
            Role::Responder,
            false
        ));
        assert!(!permits(Role::Admin, Scope::Read, Role::Viewer, true));
        assert!(!permits(
            Role::Admin,
            Scope::ControlRead,
            Role::Viewer,
            false
        ));
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }
}
