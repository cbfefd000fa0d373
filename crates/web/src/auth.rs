//! Who is calling: a browser session (cookie + CSRF token) or a machine client
//! (`Authorization: Bearer sl_…`), turned into the policy's [`Principal`].

use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use sunlight_domain::policy::Principal;
use sunlight_store::accounts::{self, ActiveSession};

use crate::AppState;
use crate::error::AppError;
use crate::i18n::cookie;

/// The session cookie; its value is a random 256-bit token, stored only hashed.
pub const SESSION_COOKIE: &str = "sunlight_session";
/// The pre-session CSRF cookie of the log-in form (double submit).
pub const LOGIN_CSRF_COOKIE: &str = "sunlight_login_csrf";
/// The form field and header that carry the CSRF token.
pub const CSRF_FIELD: &str = "_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// Present for browser sessions, absent for API tokens.
    pub session: Option<ActiveSession>,
}

impl Caller {
    /// The CSRF token forms must carry (empty for API tokens, which need none).
    #[must_use]
    pub fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.csrf_token.as_str())
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Constant-time comparison, so a token cannot be guessed byte by byte.
#[must_use]
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && !a.is_empty() && a.bytes().zip(b.bytes()).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn resolve(parts: &Parts, state: &AppState) -> Result<Option<Caller>, AppError> {
    if let Some(secret) = bearer(&parts.headers) {
        let principal = accounts::principal_for_token(&state.store, secret).await?.ok_or(AppError::Unauthenticated)?;
        return Ok(Some(Caller { principal, session: None }));
    }
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some(session) = accounts::session_for(&state.store, &token).await? else {
        return Ok(None);
    };
    // JSON clients using the browser session prove it is not a forged request with
    // the header; forms prove it with the field (checked by `StaffForm`).
    if is_unsafe(&parts.method) && parts.uri.path().starts_with("/api/") {
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !same_token(sent, &session.csrf_token) {
            return Err(AppError::Csrf);
        }
    }
    Ok(Some(Caller { principal: session.principal.clone(), session: Some(session) }))
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Self>() {
            return Ok(caller.clone());
        }
        let state = AppState::from_ref(state);
        let caller = resolve(parts, &state).await?.ok_or(AppError::Unauthenticated)?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// A caller who may or may not be logged in (public pages show the log-in link).
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl<S> FromRequestParts<S> for MaybeCaller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(Self(resolve(parts, &state).await.ok().flatten()))
    }
}

/// A submitted form, as ordered pairs (a multi-select sends a name several times).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    #[must_use]
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    #[must_use]
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// A checkbox: present and not "false"/"0".
    #[must_use]
    pub fn flag(&self, name: &str) -> bool {
        self.0.iter().any(|(k, v)| k == name && !matches!(v.as_str(), "" | "false" | "0" | "off"))
    }

    /// An optional id field: empty means none; anything else must be a number.
    pub fn id(&self, name: &str) -> Result<Option<i64>, sunlight_domain::field::FieldError> {
        let raw = self.get(name).trim();
        if raw.is_empty() {
            return Ok(None);
        }
        raw.parse().map(Some).map_err(|_| sunlight_domain::field::FieldError::new("not_a_number"))
    }

    fn parse(body: &[u8]) -> Result<Self, AppError> {
        serde_urlencoded::from_bytes(body).map(Self).map_err(|e| AppError::BadRequest("bad_form", e.to_string()))
    }
}

/// A staff form post: an authenticated caller whose form carries the session's
/// CSRF token. Every page `POST` takes this, so none can be forged cross-site.
pub struct StaffForm {
    pub caller: Caller,
    pub form: FormData,
}

impl<S> FromRequest<S> for StaffForm
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let caller = Caller::from_request_parts(&mut parts, state).await?;
        let limit = AppState::from_ref(state).config.body_limit;
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| AppError::PayloadTooLarge)?;
        let form = FormData::parse(&bytes)?;
        if !same_token(form.get(CSRF_FIELD), caller.csrf()) {
            return Err(AppError::Csrf);
        }
        Ok(Self { caller, form })
    }
}

/// The log-in form: no session yet, so the CSRF token is a cookie the form repeats.
pub struct LoginForm(pub FormData);

impl<S> FromRequest<S> for LoginForm
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = cookie(request.headers(), LOGIN_CSRF_COOKIE).unwrap_or_default();
        let limit = AppState::from_ref(state).config.body_limit;
        let bytes = axum::body::to_bytes(request.into_body(), limit).await.map_err(|_| AppError::PayloadTooLarge)?;
        let form = FormData::parse(&bytes)?;
        if !same_token(form.get(CSRF_FIELD), &expected) {
            return Err(AppError::Csrf);
        }
        Ok(Self(form))
    }
}

/// A `Set-Cookie` value with the attributes every Sunlight cookie gets.
#[must_use]
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}")
}
