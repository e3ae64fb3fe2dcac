//! Users, their tokens and their web sessions: each change sealed on the
//! record's own audit chain (see `access`) in the transaction that makes it.

use super::access::{SESSIONS, TOKENS, USERS, session_key};
use super::{ORG, corrupt, parse_optional_time, parse_time, touched};
use crate::sql::{OptionalExtension, Sql, params};
use crate::{SessionRecord, StoreError, StoreResult, TokenRecord, User};
use firebreak_core::Timestamp;

fn user_from_row(
    row: &crate::sql::Row,
) -> Result<(String, String, Option<String>, String), crate::sql::SqlError> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn build_user(
    (name, role, password_hash, created_at): (String, String, Option<String>, String),
) -> StoreResult<User> {
    Ok(User {
        name,
        role: role.parse().map_err(corrupt)?,
        password_hash,
        created_at: parse_time(&created_at)?,
    })
}

const TOKEN_COLUMNS: &str = "t.id, t.user_name, t.secret_hash, t.scope, t.description, t.created_at, t.expires_at, t.revoked_at";

type TokenRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn token_from_row(row: &crate::sql::Row) -> Result<TokenRow, crate::sql::SqlError> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn build_token(row: TokenRow) -> StoreResult<TokenRecord> {
    let (id, user, secret_hash, scope, description, created_at, expires_at, revoked_at) = row;
    Ok(TokenRecord {
        id,
        user,
        secret_hash,
        scope: scope.parse().map_err(corrupt)?,
        description,
        created_at: parse_time(&created_at)?,
        expires_at: parse_optional_time(expires_at)?,
        revoked_at: parse_optional_time(revoked_at)?,
    })
}

pub(super) fn create_user(t: &dyn Sql, user: &User, actor: &str) -> StoreResult<()> {
    let exists: bool = t.query_row(
        "SELECT EXISTS (SELECT 1 FROM users WHERE org_id = ?1 AND name = ?2)",
        params![ORG, user.name],
        |r| r.get(0),
    )?;
    if exists {
        return Err(StoreError::AlreadyExists(format!("user {}", user.name)));
    }
    t.execute(
            "INSERT INTO users (org_id, name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ORG, user.name, user.role.as_str(), user.password_hash, user.created_at.to_string()],
        )?;
    USERS.seal(
        t,
        &user.name,
        &format!("created as {}", user.role.as_str()),
        actor,
        user.created_at,
    )?;
    Ok(())
}

pub(super) fn find_user(c: &dyn Sql, name: &str) -> StoreResult<Option<User>> {
    c.query_row(
        "SELECT name, role, password_hash, created_at FROM users WHERE org_id = ?1 AND name = ?2",
        params![ORG, name],
        user_from_row,
    )
    .optional()?
    .map(build_user)
    .transpose()
}

pub(super) fn list_users(c: &dyn Sql) -> StoreResult<Vec<User>> {
    let mut statement = c.prepare(
        "SELECT name, role, password_hash, created_at FROM users WHERE org_id = ?1 ORDER BY name",
    )?;
    let rows = statement.query_map([ORG], user_from_row)?;
    rows.map(|row| build_user(row?)).collect()
}

pub(super) fn set_password(
    t: &dyn Sql,
    name: &str,
    password_hash: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<()> {
    let changed = t.execute(
        "UPDATE users SET password_hash = ?3 WHERE org_id = ?1 AND name = ?2",
        params![ORG, name, password_hash],
    )?;
    touched(changed, || format!("user {name}"))?;
    USERS.seal(t, name, "password set", actor, now)?;
    Ok(())
}

pub(super) fn create_token(t: &dyn Sql, token: &TokenRecord, actor: &str) -> StoreResult<()> {
    t.execute(
            "INSERT INTO tokens (org_id, id, user_name, secret_hash, scope, description, created_at, expires_at, revoked_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL)",
            params![
                ORG,
                token.id,
                token.user,
                token.secret_hash,
                token.scope.as_str(),
                token.description,
                token.created_at.to_string(),
                token.expires_at.map(|e| e.to_string()),
            ],
        )?;
    let action = format!("created for {} ({})", token.user, token.scope.as_str());
    TOKENS.seal(t, &token.id, &action, actor, token.created_at)?;
    Ok(())
}

pub(super) fn find_token(
    c: &dyn Sql,
    secret_hash: &str,
) -> StoreResult<Option<(TokenRecord, User)>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS}, u.name, u.role, u.password_hash, u.created_at
             FROM tokens t JOIN users u ON u.org_id = t.org_id AND u.name = t.user_name
             WHERE t.org_id = ?1 AND t.secret_hash = ?2"
    );
    let found = c
        .query_row(&sql, params![ORG, secret_hash], |row| {
            Ok((
                token_from_row(row)?,
                (row.get(8)?, row.get(9)?, row.get(10)?, row.get(11)?),
            ))
        })
        .optional()?;
    found
        .map(|(token, user)| Ok((build_token(token)?, build_user(user)?)))
        .transpose()
}

pub(super) fn list_tokens(c: &dyn Sql, user: Option<&str>) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.org_id = ?1 AND (t.user_name = ?2 OR ?2 IS NULL)
             ORDER BY t.created_at, t.id"
        );
    let mut statement = c.prepare(&sql)?;
    let rows = statement.query_map(params![ORG, user], token_from_row)?;
    rows.map(|row| build_token(row?)).collect()
}

pub(super) fn revoke_token(
    t: &dyn Sql,
    id: &str,
    actor: &str,
    now: Timestamp,
) -> StoreResult<TokenRecord> {
    let revoked = t.execute(
        "UPDATE tokens SET revoked_at = ?3 WHERE org_id = ?1 AND id = ?2 AND revoked_at IS NULL",
        params![ORG, id, now.to_string()],
    )?;
    if revoked > 0 {
        TOKENS.seal(t, id, "revoked", actor, now)?;
    }
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM tokens t WHERE t.org_id = ?1 AND t.id = ?2");
    let row = t
        .query_row(&sql, params![ORG, id], token_from_row)
        .optional()?;
    build_token(row.ok_or_else(|| StoreError::NotFound(format!("token {id}")))?)
}

pub(super) fn create_session(
    t: &dyn Sql,
    session: &SessionRecord,
    now: Timestamp,
) -> StoreResult<()> {
    t.execute(
            "INSERT INTO sessions (org_id, id_hash, user_name, csrf_token, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![ORG, session.id_hash, session.user, session.csrf_token, session.expires_at.to_string()],
        )?;
    let action = format!("signed in as {}", session.user);
    SESSIONS.seal(
        t,
        session_key(&session.id_hash),
        &action,
        &session.user,
        now,
    )?;
    Ok(())
}

pub(super) fn delete_session(t: &dyn Sql, id_hash: &str, now: Timestamp) -> StoreResult<()> {
    let user: Option<String> = t
        .query_row(
            "DELETE FROM sessions WHERE org_id = ?1 AND id_hash = ?2 RETURNING user_name",
            params![ORG, id_hash],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(user) = user {
        SESSIONS.seal(t, session_key(id_hash), "signed out", &user, now)?;
    }
    Ok(())
}

pub(super) fn delete_user_sessions(
    t: &dyn Sql,
    user: &str,
    except_id_hash: Option<&str>,
    actor: &str,
    now: Timestamp,
) -> StoreResult<usize> {
    let ended: Vec<String> = {
        let mut statement = t.prepare(
                "DELETE FROM sessions WHERE org_id = ?1 AND user_name = ?2 AND id_hash IS DISTINCT FROM ?3
                 RETURNING id_hash",
            )?;
        statement
            .query_map(params![ORG, user, except_id_hash], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for id_hash in &ended {
        SESSIONS.seal(
            t,
            session_key(id_hash),
            "ended by a password change",
            actor,
            now,
        )?;
    }
    Ok(ended.len())
}

pub(super) fn user_count(c: &dyn Sql) -> StoreResult<u64> {
    Ok(
        c.query_row("SELECT count(*) FROM users WHERE org_id = ?1", [ORG], |r| {
            r.get::<_, i64>(0)
        })? as u64,
    )
}

pub(super) fn find_session(
    c: &dyn Sql,
    id_hash: &str,
    now: Timestamp,
) -> StoreResult<Option<(SessionRecord, User)>> {
    let found = c.query_row(
        "SELECT s.id_hash, s.user_name, s.csrf_token, s.expires_at, u.name, u.role, u.password_hash, u.created_at
         FROM sessions s JOIN users u ON u.org_id = s.org_id AND u.name = s.user_name
         WHERE s.org_id = ?1 AND s.id_hash = ?2",
        params![ORG, id_hash],
        |row| {
            Ok((
                (row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?),
                (row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?),
            ))
        },
    )
    .optional()?;
    let Some(((id_hash, user, csrf_token, expires_at), user_row)) = found else {
        return Ok(None);
    };
    let session = SessionRecord {
        id_hash,
        user,
        csrf_token,
        expires_at: parse_time(&expires_at)?,
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    Ok(Some((session, build_user(user_row)?)))
}
