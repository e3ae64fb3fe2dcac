//! Users and personal access tokens. A token's secret is shown once, at
//! creation, and stored only as its hash.

use crate::api::page::{PageQuery, Paged};
use crate::auth::{
    Admin, Caller, TOKEN_PREFIX, Viewer, random_secret, secret_hash, session_cookie,
};
use crate::error::{ApiError, ApiJson, ApiQuery, Problem};
use crate::passwords::{check_sign_in, validate_password};
use crate::state::{AppState, now};
use crate::throttle::ClientAddress;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use firebreak_core::Timestamp;
use firebreak_core::auth::{Role, Scope, validate_username};
use firebreak_store::{TokenRecord, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub name: String,
    pub role: Role,
    pub has_password: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        UserView {
            has_password: user.password_hash.is_some(),
            name: user.name,
            role: user.role,
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub name: String,
    pub role: Role,
    pub scope: Scope,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401, body = Problem)))]
pub async fn me(Viewer(caller): Viewer) -> ApiJson<Me> {
    ApiJson(Me {
        name: caller.user.name,
        role: caller.user.role,
        scope: caller.scope,
    })
}

#[utoipa::path(get, path = "/api/v1/users", tag = "auth", params(PageQuery), responses((status = 200, body = Vec<UserView>), (status = 400, body = Problem)))]
pub async fn list(
    _admin: Admin,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<UserView>, ApiError> {
    let users = state.run(|store| store.list_users()).await?;
    page.page(users.into_iter().map(UserView::from).collect(), &uri)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    /// At least 12 characters; without one the user signs in with tokens only.
    #[serde(default)]
    pub password: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "auth", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    Admin(admin): Admin,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<(StatusCode, ApiJson<UserView>), ApiError> {
    validate_username(&input.name).map_err(|e| ApiError::invalid("name", e))?;
    let password_hash = match &input.password {
        Some(password) => {
            validate_password(password)?;
            Some(state.passwords.hash(password.clone()).await?)
        }
        None => None,
    };
    let user = User {
        name: input.name,
        role: input.role,
        password_hash,
        created_at: now(),
    };
    let created = user.clone();
    let actor = admin.name().to_string();
    state
        .run(move |store| store.create_user(&user, &actor))
        .await?;
    Ok((StatusCode::CREATED, ApiJson(created.into())))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub password: String,
    /// The password being replaced: needed to change your own, unless you
    /// have none yet. Admins setting another user's password leave it out.
    #[serde(default)]
    pub current_password: Option<String>,
}

#[utoipa::path(put, path = "/api/v1/users/{name}/password", tag = "auth", request_body = PasswordChange,
    params(("name" = String, Path)),
    responses((status = 204, description = "Set; the user's other browser sessions are ended"),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem, description = "Too short, or the current password is missing or wrong"),
        (status = 429, body = Problem)))]
pub async fn set_password(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    let own = caller.name() == name;
    if !own && caller.user.role < Role::Admin {
        return Err(ApiError::Forbidden(
            "only admins may set another user's password".into(),
        ));
    }
    validate_password(&change.password)?;
    if own {
        let current = caller.user.password_hash.clone();
        if current.is_some() {
            let sent = change.current_password.clone().ok_or_else(|| {
                ApiError::invalid(
                    "current_password",
                    "is required to change your own password",
                )
            })?;
            if !state.passwords.verify(sent, current).await? {
                return Err(ApiError::invalid("current_password", "is wrong"));
            }
        }
    }
    let hash = state.passwords.hash(change.password).await?;
    // The session making the change (if any) stays; every other one ends,
    // so whoever knew the old password is signed out.
    let keep = own
        .then(|| session_cookie(&headers).map(secret_hash))
        .flatten();
    let actor = caller.name().to_string();
    state
        .run(move |store| {
            store.set_password(&name, &hash, &actor, now())?;
            store.delete_user_sessions(&name, keep.as_deref(), &actor, now())
        })
        .await?;
    state.caches.forget_tokens();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub user: String,
    pub scope: Scope,
    pub description: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl From<TokenRecord> for TokenView {
    fn from(t: TokenRecord) -> Self {
        TokenView {
            id: t.id,
            user: t.user,
            scope: t.scope,
            description: t.description,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: TokenView,
    /// The secret: shown this once, never again.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub description: String,
    #[serde(default = "write_scope")]
    pub scope: Scope,
    /// Days until it expires; absent for a token valid until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

fn write_scope() -> Scope {
    Scope::Write
}

/// Creates a token for `user`; used by the API and by first start.
pub fn new_token(
    user: &str,
    description: &str,
    scope: Scope,
    expires_at: Option<Timestamp>,
) -> (TokenRecord, String) {
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let id = format!("tok_{}", &secret_hash(&secret)[..12]);
    let record = TokenRecord {
        id,
        user: user.to_string(),
        secret_hash: secret_hash(&secret),
        scope,
        description: description.to_string(),
        created_at: now(),
        expires_at,
        revoked_at: None,
    };
    (record, secret)
}

#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = Problem)))]
pub async fn create_token(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewToken>,
) -> Result<(StatusCode, ApiJson<CreatedToken>), ApiError> {
    let created = issue_token(&state, caller.name(), input).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

/// Creates a token for `user` as `input` asks, sealed on its audit chain;
/// the API and the tokens page both create tokens through it.
pub(crate) async fn issue_token(
    state: &AppState,
    user: &str,
    input: NewToken,
) -> Result<CreatedToken, ApiError> {
    if input.description.trim().is_empty() {
        return Err(ApiError::invalid(
            "description",
            "say what the token is for",
        ));
    }
    let expires_at = match input.expires_in_days {
        None => None,
        Some(0) => return Err(ApiError::invalid("expires_in_days", "must be at least 1")),
        Some(days) => Some(
            jiff::SignedDuration::from_hours(24)
                .checked_mul(i32::try_from(days).unwrap_or(i32::MAX))
                .and_then(|span| now().checked_add(span).ok())
                .ok_or_else(|| ApiError::invalid("expires_in_days", "is too far in the future"))?,
        ),
    };
    let (record, secret) = new_token(user, input.description.trim(), input.scope, expires_at);
    let stored = record.clone();
    let actor = user.to_string();
    state
        .run(move |store| store.create_token(&stored, &actor))
        .await?;
    Ok(CreatedToken {
        token: record.into(),
        secret,
    })
}

/// A user name and password, exchanged for a token of that user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordSignIn {
    pub user: String,
    pub password: String,
    /// What the token is for, e.g. "firebreak CLI on laptop-7".
    pub description: String,
    #[serde(default = "write_scope")]
    pub scope: Scope,
    /// Days until it expires; absent for a token valid until revoked.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// How `firebreak login` gets a CLI token for someone who has a password and
/// no token yet: the same checks and throttling as the web sign-in form, and
/// the same answer for an unknown user as for a wrong password.
#[utoipa::path(post, path = "/api/v1/sessions/token", tag = "auth", request_body = PasswordSignIn,
    security(()),
    responses((status = 201, body = CreatedToken), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn token_from_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    ApiJson(input): ApiJson<PasswordSignIn>,
) -> Result<(StatusCode, ApiJson<CreatedToken>), ApiError> {
    let user = check_sign_in(&state, address, input.user, input.password).await?;
    let request = NewToken {
        description: input.description,
        scope: input.scope,
        expires_in_days: input.expires_in_days,
    };
    let created = issue_token(&state, &user.name, request).await?;
    Ok((StatusCode::CREATED, ApiJson(created)))
}

#[utoipa::path(get, path = "/api/v1/tokens", tag = "auth", params(PageQuery), responses((status = 200, body = Vec<TokenView>), (status = 400, body = Problem)))]
pub async fn list_tokens(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    ApiQuery(page): ApiQuery<PageQuery>,
    uri: Uri,
) -> Result<Paged<TokenView>, ApiError> {
    let tokens = visible_tokens(&state, &caller).await?;
    page.page(tokens.into_iter().map(TokenView::from).collect(), &uri)
}

/// The tokens `caller` may see and revoke: their own, or every one for an
/// admin.
pub(crate) async fn visible_tokens(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<TokenRecord>, ApiError> {
    let only = (caller.user.role != Role::Admin).then(|| caller.name().to_string());
    state
        .run(move |store| store.list_tokens(only.as_deref()))
        .await
}

#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "auth", params(("id" = String, Path)),
    responses((status = 200, body = TokenView), (status = 404, body = Problem)))]
pub async fn revoke_token(
    Viewer(caller): Viewer,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<ApiJson<TokenView>, ApiError> {
    Ok(ApiJson(
        revoke_visible_token(&state, &caller, id).await?.into(),
    ))
}

/// Revokes token `id` if `caller` may manage it; one they may not is as
/// unknown as one that does not exist.
pub(crate) async fn revoke_visible_token(
    state: &AppState,
    caller: &Caller,
    id: String,
) -> Result<TokenRecord, ApiError> {
    let visible = visible_tokens(state, caller)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("token {id} not found")))?;
    let actor = caller.name().to_string();
    let revoked = state
        .run(move |store| store.revoke_token(&visible.id, &actor, now()))
        .await?;
    state.caches.forget_tokens();
    Ok(revoked)
}
