//! Accounts, sessions, log-in throttling and API tokens — and turning each into the
//! [`Principal`] the policy and the repositories act on.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Principal, Role, Scope, Target, authorize};

use crate::entity::{api_token, login_failure, session, supervisor_unit, unit, user_account};
use crate::{Store, StoreError, Write, password};

pub use crate::password::{MAX_LEN as PASSWORD_MAX_LEN, MIN_LEN as PASSWORD_MIN_LEN};

/// Failed log-ins allowed per account and per address in [`THROTTLE_WINDOW_SECS`].
pub const THROTTLE_LIMIT: u64 = 5;
pub const THROTTLE_WINDOW_SECS: i64 = 300;
/// How long a session lasts without a new log-in.
pub const SESSION_HOURS: i64 = 12;

/// The SHA-256 of a text, in hex: how secrets, codes and stored texts are fingerprinted.
pub(crate) fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A new account as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NewUser {
    pub login: String,
    pub password: String,
    pub role: String,
    pub unit_id: Option<i64>,
    pub sub_commission_id: Option<i64>,
    pub display_name: Option<String>,
    /// Units a supervisor is assigned to.
    pub supervised_unit_ids: Vec<i64>,
}

fn parse_login(raw: &str) -> Result<String, FieldError> {
    let login = raw.trim();
    if login.is_empty() {
        return Err(FieldError::new("required"));
    }
    if login.len() > 64 {
        return Err(FieldError::with_limit("too_long", 64));
    }
    if !login.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(FieldError::new("login_format"));
    }
    Ok(login.to_ascii_lowercase())
}

/// Creates an account. The commission creates every account.
pub async fn create_user(
    store: &Store,
    principal: &Principal,
    new: NewUser,
) -> Result<user_account::Model, StoreError> {
    authorize(principal, Action::ManageUsers, Target::County)?;
    let mut errors = FieldErrors::new();
    let login = errors.take("login", parse_login(&new.login));
    errors.take("password", password::check_strength(&new.password));
    let role: Option<Role> = errors.take("role", new.role.parse());
    if let Some(role) = role {
        if role.needs_unit() && new.unit_id.is_none() {
            errors.add("unit_id", FieldError::new("required"));
        }
        if role == Role::SubCommissionStaff && new.sub_commission_id.is_none() {
            errors.add("sub_commission_id", FieldError::new("required"));
        }
    }
    if let Some(unit_id) = new.unit_id
        && unit::Entity::find_by_id(unit_id).one(store.connection()).await?.is_none()
    {
        errors.add("unit_id", FieldError::new("not_found"));
    }
    let (Some(login), Some(role)) = (login, role) else {
        return Err(errors.into());
    };
    errors.into_result()?;
    let hash = password::hash(new.password).await?;
    let mut write = Write::begin(store, principal).await?;
    let now = write.now();
    let model = user_account::ActiveModel {
        login: Set(login),
        password_hash: Set(hash),
        role: Set(role.key().to_owned()),
        unit_id: Set(if role.needs_unit() || role == Role::Supervisor { new.unit_id } else { None }),
        sub_commission_id: Set(if role == Role::SubCommissionStaff { new.sub_commission_id } else { None }),
        display_name: Set(new.display_name.filter(|n| !n.trim().is_empty())),
        active: Set(true),
        created_at: Set(now),
        password_changed_at: Set(now),
        ..Default::default()
    }
    .insert(write.txn())
    .await
    .map_err(StoreError::unique("login"))?;
    if role == Role::Supervisor {
        for unit_id in &new.supervised_unit_ids {
            supervisor_unit::ActiveModel { user_id: Set(model.id), unit_id: Set(*unit_id) }.insert(write.txn()).await?;
        }
    }
    write.record("user.create", "user", model.id, None::<&()>, Some(&model))?;
    write.commit().await?;
    Ok(model)
}

/// Every account, for the commission's user page.
pub async fn list_users(store: &Store, principal: &Principal) -> Result<Vec<user_account::Model>, StoreError> {
    authorize(principal, Action::ManageUsers, Target::County)?;
    Ok(user_account::Entity::find().order_by_asc(user_account::Column::Login).all(store.connection()).await?)
}

/// Deactivates or reactivates an account; a deactivated account's sessions end.
pub async fn set_user_active(
    store: &Store,
    principal: &Principal,
    user_id: i64,
    active: bool,
) -> Result<(), StoreError> {
    authorize(principal, Action::ManageUsers, Target::County)?;
    // An administrator locking himself out could leave the county with none.
    if !active && principal.user_id == Some(user_id) {
        return Err(StoreError::invalid("active", FieldError::new("cannot_deactivate_self")));
    }
    let before = user_account::Entity::find_by_id(user_id)
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("user"))?;
    let mut write = Write::begin(store, principal).await?;
    let mut model: user_account::ActiveModel = before.clone().into();
    model.active = Set(active);
    let after = model.update(write.txn()).await?;
    if !active {
        session::Entity::delete_many().filter(session::Column::UserId.eq(user_id)).exec(write.txn()).await?;
    }
    let action = if active { "user.activate" } else { "user.deactivate" };
    write.record(action, "user", user_id, Some(&before), Some(&after))?;
    write.commit().await
}

/// Who the log-in page should throttle.
#[derive(Debug, Clone)]
pub struct LoginAttempt<'a> {
    pub login: &'a str,
    pub password: &'a str,
    pub address: &'a str,
}

/// A new session: the cookie value (shown to the browser only) and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// Seconds until a throttled login or address may try again, or `None`.
pub async fn throttled_for(
    store: &Store,
    login: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>, StoreError> {
    let since = now - Duration::seconds(THROTTLE_WINDOW_SECS);
    for (column, value) in [(login_failure::Column::Login, login), (login_failure::Column::Address, address)] {
        let recent = login_failure::Entity::find()
            .filter(column.eq(value))
            .filter(login_failure::Column::At.gt(since))
            .order_by_desc(login_failure::Column::At)
            .limit(THROTTLE_LIMIT)
            .all(store.connection())
            .await?;
        if recent.len() as u64 >= THROTTLE_LIMIT
            && let Some(oldest) = recent.last()
        {
            let free_at = oldest.at + Duration::seconds(THROTTLE_WINDOW_SECS);
            let secs = (free_at - now).num_seconds().max(1);
            return Ok(Some(secs.unsigned_abs()));
        }
    }
    Ok(None)
}

/// Checks the password and opens a session, or counts a failure.
pub async fn log_in(store: &Store, attempt: LoginAttempt<'_>) -> Result<(user_account::Model, NewSession), StoreError> {
    let now = Utc::now();
    let login = attempt.login.trim().to_ascii_lowercase();
    if let Some(retry_after_secs) = throttled_for(store, &login, attempt.address, now).await? {
        return Err(StoreError::Throttled { retry_after_secs });
    }
    let user = user_account::Entity::find()
        .filter(user_account::Column::Login.eq(login.as_str()))
        .one(store.connection())
        .await?;
    let verified = match &user {
        Some(user) if user.active => password::verify(attempt.password.to_owned(), user.password_hash.clone()).await?,
        _ => {
            password::dummy_verify(attempt.password.to_owned()).await?;
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        // Failures are throttling data, not changes to the records: they are not chained.
        let login_key: String = login.chars().take(64).collect();
        let address_key: String = attempt.address.chars().take(64).collect();
        login_failure::ActiveModel {
            login: Set(login_key),
            address: Set(address_key),
            at: Set(now),
            ..Default::default()
        }
        .insert(store.connection())
        .await?;
        return Err(StoreError::BadCredentials);
    };
    let principal = principal_for_user(store, &user).await?;
    let session = open_session(store, &principal, user.id).await?;
    Ok((user, session))
}

async fn open_session(store: &Store, principal: &Principal, user_id: i64) -> Result<NewSession, StoreError> {
    let token = random_token();
    let csrf_token = random_token();
    let mut write = Write::begin(store, principal).await?;
    let expires_at = write.now() + Duration::hours(SESSION_HOURS);
    let model = session::ActiveModel {
        id: Set(sha256_hex(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf_token.clone()),
        created_at: Set(write.now()),
        expires_at: Set(expires_at),
    }
    .insert(write.txn())
    .await?;
    // The session id in the chain is the hash, never the cookie.
    write.record(
        "auth.login",
        "session",
        &model.id[..16],
        None::<&()>,
        Some(&serde_json::json!({"user_id": user_id})),
    )?;
    write.commit().await?;
    Ok(NewSession { token, csrf_token, expires_at })
}

/// An open session: who it belongs to and the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    pub session_id: String,
    pub user: user_account::Model,
    pub principal: Principal,
    pub csrf_token: String,
}

/// Finds the session behind a cookie value, if it is open and its account active.
pub async fn session_for(store: &Store, token: &str) -> Result<Option<ActiveSession>, StoreError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let id = sha256_hex(token);
    let Some(found) = session::Entity::find_by_id(id.clone()).one(store.connection()).await? else {
        return Ok(None);
    };
    if found.expires_at <= Utc::now() {
        return Ok(None);
    }
    let Some(user) = user_account::Entity::find_by_id(found.user_id).one(store.connection()).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let principal = principal_for_user(store, &user).await?;
    Ok(Some(ActiveSession { session_id: id, user, principal, csrf_token: found.csrf_token }))
}

/// Ends a session.
pub async fn log_out(store: &Store, session: &ActiveSession) -> Result<(), StoreError> {
    let mut write = Write::begin(store, &session.principal).await?;
    session::Entity::delete_by_id(session.session_id.clone()).exec(write.txn()).await?;
    write.record(
        "auth.logout",
        "session",
        &session.session_id[..16],
        Some(&serde_json::json!({"user_id": session.user.id})),
        None::<&()>,
    )?;
    write.commit().await
}

/// Changes the caller's own password after checking the current one; every other
/// session of the account ends.
pub async fn change_password(
    store: &Store,
    session: &ActiveSession,
    current: &str,
    new_password: &str,
) -> Result<(), StoreError> {
    authorize(&session.principal, Action::ChangeOwnPassword, Target::County)?;
    if !password::verify(current.to_owned(), session.user.password_hash.clone()).await? {
        return Err(StoreError::invalid("current_password", FieldError::new("wrong_password")));
    }
    password::check_strength(new_password).map_err(|e| StoreError::invalid("new_password", e))?;
    let hash = password::hash(new_password.to_owned()).await?;
    let mut write = Write::begin(store, &session.principal).await?;
    let mut model: user_account::ActiveModel = session.user.clone().into();
    model.password_hash = Set(hash);
    model.password_changed_at = Set(write.now());
    model.update(write.txn()).await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(session.user.id))
        .filter(session::Column::Id.ne(session.session_id.clone()))
        .exec(write.txn())
        .await?;
    write.record("user.password_change", "user", session.user.id, None::<&()>, None::<&()>)?;
    write.commit().await
}

/// Sets a password without the current one: the command line's reset.
pub async fn reset_password(
    store: &Store,
    principal: &Principal,
    login: &str,
    new_password: &str,
) -> Result<(), StoreError> {
    authorize(principal, Action::ManageUsers, Target::County)?;
    password::check_strength(new_password).map_err(|e| StoreError::invalid("password", e))?;
    let user = user_account::Entity::find()
        .filter(user_account::Column::Login.eq(login.trim().to_ascii_lowercase()))
        .one(store.connection())
        .await?
        .ok_or_else(|| StoreError::not_found("user"))?;
    let hash = password::hash(new_password.to_owned()).await?;
    let mut write = Write::begin(store, principal).await?;
    let id = user.id;
    let mut model: user_account::ActiveModel = user.into();
    model.password_hash = Set(hash);
    model.password_changed_at = Set(write.now());
    model.update(write.txn()).await?;
    session::Entity::delete_many().filter(session::Column::UserId.eq(id)).exec(write.txn()).await?;
    write.record("user.password_reset", "user", id, None::<&()>, None::<&()>)?;
    write.commit().await
}

/// The principal of an account: its role and the units it may see.
pub async fn principal_for_user(store: &Store, user: &user_account::Model) -> Result<Principal, StoreError> {
    let role: Role = user
        .role
        .parse()
        .map_err(|_| StoreError::Internal(format!("account {} has unknown role {}", user.login, user.role)))?;
    let scope = match role {
        Role::CommissionAdmin => Scope::All,
        Role::SubCommissionStaff => {
            let ids: Vec<i64> = match user.sub_commission_id {
                Some(sc) => {
                    unit::Entity::find()
                        .select_only()
                        .column(unit::Column::Id)
                        .filter(unit::Column::SubCommissionId.eq(sc))
                        .into_tuple()
                        .all(store.connection())
                        .await?
                }
                None => Vec::new(),
            };
            Scope::Units(ids.into_iter().collect())
        }
        Role::UnitAdmin | Role::Cadre => Scope::Units(user.unit_id.into_iter().collect()),
        Role::Supervisor => {
            let ids: Vec<i64> = supervisor_unit::Entity::find()
                .select_only()
                .column(supervisor_unit::Column::UnitId)
                .filter(supervisor_unit::Column::UserId.eq(user.id))
                .into_tuple()
                .all(store.connection())
                .await?;
            Scope::Units(ids.into_iter().collect::<BTreeSet<_>>())
        }
    };
    Ok(Principal { actor: format!("user:{}", user.login), user_id: Some(user.id), role, scope, is_token: false })
}

/// A token as listed: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub unit_id: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<api_token::Model> for TokenInfo {
    fn from(m: api_token::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            unit_id: m.unit_id,
            created_at: m.created_at,
            created_by: m.created_by,
            revoked_at: m.revoked_at,
        }
    }
}

/// Issues a token for a unit's machine client. The secret is returned once and
/// only its hash is stored.
pub async fn create_token(
    store: &Store,
    principal: &Principal,
    unit_id: i64,
    name: &str,
) -> Result<(TokenInfo, String), StoreError> {
    authorize(principal, Action::ManageApiTokens, Target::Unit(unit_id))?;
    let name = sunlight_domain::text::Name::parse(name).map_err(|e| StoreError::invalid("name", e))?;
    if unit::Entity::find_by_id(unit_id).one(store.connection()).await?.is_none() {
        return Err(StoreError::invalid("unit_id", FieldError::new("not_found")));
    }
    let secret = format!("sl_{}", random_token());
    let mut write = Write::begin(store, principal).await?;
    let model = api_token::ActiveModel {
        name: Set(name.to_string()),
        unit_id: Set(unit_id),
        token_hash: Set(sha256_hex(&secret)),
        created_at: Set(write.now()),
        created_by: Set(principal.actor.clone()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(write.txn())
    .await?;
    let info = TokenInfo::from(model);
    write.record("token.create", "api_token", info.id, None::<&()>, Some(&info))?;
    write.commit().await?;
    Ok((info, secret))
}

/// Tokens of the units the caller may manage.
pub async fn list_tokens(store: &Store, principal: &Principal) -> Result<Vec<TokenInfo>, StoreError> {
    let mut query = api_token::Entity::find().order_by_desc(api_token::Column::Id);
    if let Some(ids) = principal.scope.unit_ids() {
        query = query.filter(api_token::Column::UnitId.is_in(ids));
    }
    let tokens = query.all(store.connection()).await?;
    Ok(tokens
        .into_iter()
        .filter(|t| authorize(principal, Action::ManageApiTokens, Target::Unit(t.unit_id)).is_ok())
        .map(TokenInfo::from)
        .collect())
}

pub async fn revoke_token(store: &Store, principal: &Principal, token_id: i64) -> Result<(), StoreError> {
    let before = api_token::Entity::find_by_id(token_id)
        .one(store.connection())
        .await?
        .filter(|t| principal.scope.contains(t.unit_id))
        .ok_or_else(|| StoreError::not_found("api_token"))?;
    authorize(principal, Action::ManageApiTokens, Target::Unit(before.unit_id))?;
    if before.revoked_at.is_some() {
        return Ok(());
    }
    let mut write = Write::begin(store, principal).await?;
    let mut model: api_token::ActiveModel = before.clone().into();
    model.revoked_at = Set(Some(write.now()));
    let after = model.update(write.txn()).await?;
    write.record(
        "token.revoke",
        "api_token",
        token_id,
        Some(&TokenInfo::from(before)),
        Some(&TokenInfo::from(after)),
    )?;
    write.commit().await
}

/// How long a token found valid is believed without asking the database again. A
/// revoke through this server applies at once ([`TokenCache::changed`]); this
/// bounds how long another server sharing a PostgreSQL database goes on accepting
/// a token revoked elsewhere.
const TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(2);

/// Tokens found valid, by the SHA-256 of their secret (the secret itself is never
/// kept): every pushed batch and every action of a unit's system names its token,
/// and looking it up was a database round trip per request.
#[derive(Debug, Default)]
pub(crate) struct TokenCache {
    generation: AtomicU64,
    kept: Mutex<HashMap<String, (u64, Instant, Principal)>>,
}

impl TokenCache {
    /// Called after a write that changed a token has committed.
    pub(crate) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.kept.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn get(&self, hash: &str) -> Option<Principal> {
        let generation = self.generation();
        let kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.get(hash)
            .filter(|(g, at, _)| *g == generation && at.elapsed() < TOKEN_TTL)
            .map(|(_, _, principal)| principal.clone())
    }

    /// Keeps what was read under `generation`, unless a change committed since.
    fn keep(&self, hash: String, generation: u64, principal: &Principal) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation() != generation {
            return;
        }
        // Bounded: expired entries go first, and past a thousand tokens in two
        // seconds (a flood of distinct valid tokens) nothing more is kept.
        if kept.len() >= 1_000 {
            kept.retain(|_, (_, at, _)| at.elapsed() < TOKEN_TTL);
            if kept.len() >= 1_000 {
                return;
            }
        }
        kept.insert(hash, (generation, Instant::now(), principal.clone()));
    }
}

/// The principal behind a bearer token: its unit only, machine-client rights only.
pub async fn principal_for_token(store: &Store, secret: &str) -> Result<Option<Principal>, StoreError> {
    if !secret.starts_with("sl_") || secret.len() > 100 {
        return Ok(None);
    }
    let hash = sha256_hex(secret);
    let cache = &store.cases.tokens;
    if let Some(principal) = cache.get(&hash) {
        return Ok(Some(principal));
    }
    let generation = cache.generation();
    // `all` on the unique hash, not `one`: `one` binds a LIMIT, and SQLite plans a
    // statement with a bound LIMIT anew each time; this one runs for every request.
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(hash.as_str()))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(store.connection())
        .await?
        .into_iter()
        .next();
    let principal = found.map(|t| Principal {
        actor: format!("token:{}#{}", t.name, t.id),
        user_id: None,
        role: Role::UnitAdmin,
        scope: Scope::Units(BTreeSet::from([t.unit_id])),
        is_token: true,
    });
    if let Some(principal) = &principal {
        cache.keep(hash, generation, principal);
    }
    Ok(principal)
}

/// Removes expired sessions and old throttling rows; returns how many went.
pub async fn sweep(store: &Store) -> Result<u64, StoreError> {
    let now = Utc::now();
    let sessions =
        session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(now)).exec(store.connection()).await?;
    let failures = login_failure::Entity::delete_many()
        .filter(login_failure::Column::At.lte(now - Duration::seconds(THROTTLE_WINDOW_SECS)))
        .exec(store.connection())
        .await?;
    Ok(sessions.rows_affected + failures.rows_affected)
}

/// How many accounts exist (the demo builder and `serve --demo` check it).
pub async fn count_users<C: ConnectionTrait>(db: &C) -> Result<u64, StoreError> {
    Ok(user_account::Entity::find().count(db).await?)
}
