//! Public and session pages: home, log-in, log-out, language, health, metrics.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::policy::Principal;
use sunlight_store::accounts::{self, LoginAttempt};
use sunlight_store::{audit, figures, org};

use super::{render, see_other};
use crate::AppState;
use crate::auth::{Caller, LOGIN_CSRF_COOKIE, LoginForm, MaybeCaller, SESSION_COOKIE, set_cookie};
use crate::error::AppError;
use crate::i18n::{LANG_COOKIE, Lang};

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    lang: Lang,
    county: String,
    /// (label, value), every value counted from the records.
    figures: Vec<(String, i64)>,
    head: String,
    records: i64,
}

/// The county's headline figures on the portal, in the report's order.
const HEADLINE_FIGURES: &[&str] = &[
    "pilot_units",
    "powers",
    "unit_head_powers",
    "risk_points",
    "risk_points_level_1",
    "risk_points_level_2",
    "risk_points_level_3",
    "trading_projects",
];

pub async fn home(State(state): State<AppState>, lang: Lang) -> Result<Response, AppError> {
    let public = Principal::system("portal");
    let counts = org::counts(&state.store, &public).await?;
    let all = figures::figures(&state.store, &public, None).await?;
    let units = i64::try_from(counts.units).unwrap_or(i64::MAX);
    let mut headline = vec![(lang.t("figure-units"), units)];
    headline.extend(
        HEADLINE_FIGURES
            .iter()
            .filter_map(|key| all.get(key).map(|value| (lang.t(&format!("figure-{}", key.replace('_', "-"))), value))),
    );
    let (records, head) = audit::head(&state.store).await?;
    let county_name = org::county_name(&state.store).await?.unwrap_or_default();
    let page = Home { lang, county: county_name, figures: headline, head, records };
    Ok(render(&page)?.into_response())
}

pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let body = state.metrics.render(state.store.pool_stats());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], body).into_response()
}

pub async fn set_language(Path(tag): Path<String>, headers: HeaderMap) -> Response {
    let lang = Lang::from_tag(&tag).unwrap_or_default();
    // Back to where the user was, but only on this site.
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_owned()))
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or_else(|| "/".to_owned());
    let cookie = format!("{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000", lang.tag());
    ([(header::SET_COOKIE, cookie)], see_other(&back)).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    lang: Lang,
    csrf: String,
    next: String,
    login: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only paths on this site: `next` must not send the user elsewhere.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/staff".to_owned()
    }
}

fn login_response(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    next: &str,
    login: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let csrf = hex::encode(rand::random::<[u8; 32]>());
    let page = LoginPage { lang, csrf: csrf.clone(), next: safe_next(next), login: login.to_owned(), error };
    let cookie = set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, state.config.secure_cookies);
    Ok((status, [(header::SET_COOKIE, cookie)], render(&page)?).into_response())
}

pub async fn login_page(
    State(state): State<AppState>,
    lang: Lang,
    MaybeCaller(caller): MaybeCaller,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = q.next.unwrap_or_default();
    if caller.is_some_and(|c| c.session.is_some()) {
        return Ok(see_other(&safe_next(&next)));
    }
    login_response(&state, lang, StatusCode::OK, &next, "", None)
}

pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    LoginForm(form): LoginForm,
) -> Result<Response, AppError> {
    let login = form.get("login");
    let next = form.get("next");
    let attempt = LoginAttempt { login, password: form.get("password"), address: &address.ip().to_string() };
    match accounts::log_in(&state.store, attempt).await {
        Ok((_, session)) => {
            let max_age = (session.expires_at - chrono::Utc::now()).num_seconds();
            let cookie = set_cookie(SESSION_COOKIE, &session.token, max_age, state.config.secure_cookies);
            Ok(([(header::SET_COOKIE, cookie)], see_other(&safe_next(next))).into_response())
        }
        Err(sunlight_store::StoreError::BadCredentials) => {
            login_response(&state, lang, StatusCode::UNAUTHORIZED, next, login, Some(lang.t("error-bad-credentials")))
        }
        Err(sunlight_store::StoreError::Throttled { retry_after_secs }) => {
            let message = lang.t_args("error-throttled", &[("seconds", retry_after_secs.into())]);
            let mut response = login_response(&state, lang, StatusCode::TOO_MANY_REQUESTS, next, login, Some(message))?;
            if let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn logout(State(state): State<AppState>, form: crate::auth::StaffForm) -> Result<Response, AppError> {
    let Caller { session, .. } = form.caller;
    if let Some(session) = session {
        accounts::log_out(&state.store, &session).await?;
    }
    let cookie = set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    Ok(([(header::SET_COOKIE, cookie)], see_other("/login")).into_response())
}
