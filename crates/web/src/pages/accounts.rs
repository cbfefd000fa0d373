//! Accounts, API tokens and the caller's own password.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::{Action, Role, Target, authorize};
use sunlight_store::accounts::{self, NewUser};
use sunlight_store::entity::{sub_commission, unit};
use sunlight_store::org::{self, UnitFilter};

use super::{
    FormPage, SecretPage, TablePage, form_response, render, render_status, require, see_other, table_response,
};
use crate::AppState;
use crate::auth::{Caller, FormData, StaffForm};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table};

fn role_label(lang: Lang, key: &str) -> String {
    lang.t(&format!("role-{}", key.replace('_', "-")))
}

pub async fn users(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    let list = accounts::list_users(&state.store, &caller.principal).await?;
    let units =
        org::list_units(&state.store, &caller.principal, &UnitFilter { include_inactive: true, ..Default::default() })
            .await?;
    let unit_names: HashMap<i64, String> = units.into_iter().map(|u| (u.id, u.name)).collect();
    let mut table = Table::new(
        lang,
        "users",
        &["col-login", "col-display-name", "col-role", "col-unit", "col-state", "col-actions"],
        "empty-users",
    );
    table.counted(lang, list.len() as u64);
    for u in list {
        let (label, confirm) = if u.active {
            (lang.t("action-deactivate"), lang.t("confirm-deactivate-user"))
        } else {
            (lang.t("action-activate"), lang.t("confirm-activate-user"))
        };
        let suffix = if u.active { "" } else { "?active=true" };
        table.rows.push(vec![
            Cell::Mono(u.login.clone()),
            Cell::Text(u.display_name.clone().unwrap_or_default()),
            Cell::Text(role_label(lang, &u.role)),
            Cell::Text(u.unit_id.and_then(|id| unit_names.get(&id).cloned()).unwrap_or_default()),
            Cell::Badge {
                class: if u.active { "on" } else { "off" },
                text: lang.t(if u.active { "state-active" } else { "state-inactive" }),
            },
            if caller.principal.user_id == Some(u.id) {
                Cell::Text(String::new())
            } else {
                Cell::Post { action: format!("/staff/users/{}/active{suffix}", u.id), label, confirm }
            },
        ]);
    }
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-users", "users"),
        actions: vec![("/staff/users/new".into(), lang.t("action-new-user"))],
        filter: None,
        table,
        create: None,
    };
    table_response(&page)
}

fn user_form(lang: Lang, new: &NewUser, units: &[unit::Model], scs: &[sub_commission::Model]) -> Form {
    // Nothing is preselected: the highest role must be a choice, not a default.
    let mut roles = vec![(String::new(), lang.t("option-choose"))];
    roles.extend(Role::ALL.iter().map(|r| (r.key().to_owned(), role_label(lang, r.key()))));
    let mut unit_options = vec![(String::new(), lang.t("option-none"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let mut sc_options = vec![(String::new(), lang.t("option-none"))];
    sc_options.extend(scs.iter().map(|s| (s.id.to_string(), s.name.clone())));
    let supervised: Vec<(String, String)> = units.iter().map(|u| (u.id.to_string(), u.name.clone())).collect();
    let fields = vec![
        Field::new(lang, "login", "field-login", FieldKind::Text)
            .required()
            .value(&new.login)
            .help(lang.t("help-login")),
        Field::new(lang, "display_name", "field-display-name", FieldKind::Text)
            .value(new.display_name.clone().unwrap_or_default()),
        Field::new(lang, "password", "field-password", FieldKind::Password).required().help(lang.t("help-password")),
        Field::new(lang, "role", "field-role", FieldKind::Select(roles)).required().value(&new.role),
        Field::new(lang, "unit_id", "field-unit", FieldKind::Select(unit_options))
            .value(new.unit_id.map(|i| i.to_string()).unwrap_or_default())
            .help(lang.t("help-user-unit")),
        Field::new(lang, "sub_commission_id", "field-sub-commission", FieldKind::Select(sc_options))
            .value(new.sub_commission_id.map(|i| i.to_string()).unwrap_or_default()),
        Field::new(lang, "supervised_unit_ids", "field-supervised-units", FieldKind::MultiSelect(supervised))
            .values(new.supervised_unit_ids.iter().map(ToString::to_string).collect()),
    ];
    let mut form = Form::new(lang, "/staff/users".into(), fields, "action-save");
    form.cancel = Some(("/staff/users".into(), lang.t("action-cancel")));
    form
}

async fn user_form_page(
    state: &AppState,
    lang: Lang,
    caller: &Caller,
    new: &NewUser,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    let scs = org::list_sub_commissions(&state.store, &caller.principal).await?;
    let form = user_form(lang, new, &units, &scs).with_errors(lang, errors);
    form_response(lang, caller, "page-new-user", "users", form, status)
}

pub async fn new_user(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    require(&caller, Action::ManageUsers, Target::County)?;
    user_form_page(&state, lang, &caller, &NewUser::default(), &FieldErrors::new(), StatusCode::OK).await
}

fn new_user_from(form: &FormData, errors: &mut FieldErrors) -> NewUser {
    let supervised = form
        .all("supervised_unit_ids")
        .into_iter()
        .filter_map(|v| {
            let parsed = v.parse().ok();
            if parsed.is_none() {
                errors.add("supervised_unit_ids", FieldError::new("not_a_number"));
            }
            parsed
        })
        .collect();
    NewUser {
        login: form.get("login").to_owned(),
        password: form.get("password").to_owned(),
        role: form.get("role").to_owned(),
        unit_id: errors.take("unit_id", form.id("unit_id")).flatten(),
        sub_commission_id: errors.take("sub_commission_id", form.id("sub_commission_id")).flatten(),
        display_name: Some(form.get("display_name").to_owned()).filter(|n| !n.trim().is_empty()),
        supervised_unit_ids: supervised,
    }
}

pub async fn create_user(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageUsers, Target::County)?;
    let mut errors = FieldErrors::new();
    let new = new_user_from(&form, &mut errors);
    if !errors.is_empty() {
        return user_form_page(&state, lang, &caller, &new, &errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match accounts::create_user(&state.store, &caller.principal, new.clone()).await.map_err(AppError::from) {
        Ok(_) => Ok(see_other("/staff/users")),
        Err(AppError::Invalid(errors)) => {
            user_form_page(&state, lang, &caller, &new, &errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Conflict(field)) => {
            let errors = FieldErrors::from((field, FieldError::new("already_exists")));
            user_form_page(&state, lang, &caller, &new, &errors, StatusCode::CONFLICT).await
        }
        Err(other) => Err(other),
    }
}

pub async fn set_user_active(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    StaffForm { caller, .. }: StaffForm,
) -> Result<Response, AppError> {
    let active = q.get("active").is_some_and(|v| v == "true");
    accounts::set_user_active(&state.store, &caller.principal, id, active).await?;
    Ok(see_other("/staff/users"))
}

// ---------------------------------------------------------------- API tokens

fn token_form(lang: Lang, units: &[unit::Model], name: &str, unit_id: &str) -> Form {
    let mut options = vec![(String::new(), lang.t("option-choose"))];
    options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    Form::new(
        lang,
        "/staff/tokens".into(),
        vec![
            Field::new(lang, "name", "field-token-name", FieldKind::Text)
                .required()
                .value(name)
                .help(lang.t("help-token-name")),
            Field::new(lang, "unit_id", "field-unit", FieldKind::Select(options)).required().value(unit_id),
        ],
        "action-create-token",
    )
}

async fn manageable_units(state: &AppState, caller: &Caller) -> Result<Vec<unit::Model>, AppError> {
    let units = org::list_units(&state.store, &caller.principal, &UnitFilter::default()).await?;
    Ok(units
        .into_iter()
        .filter(|u| authorize(&caller.principal, Action::ManageApiTokens, Target::Unit(u.id)).is_ok())
        .collect())
}

pub async fn tokens(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    let units = manageable_units(&state, &caller).await?;
    if units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let list = accounts::list_tokens(&state.store, &caller.principal).await?;
    let unit_names: HashMap<i64, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut table = Table::new(
        lang,
        "tokens",
        &["col-name", "col-unit", "col-created", "col-created-by", "col-state", "col-actions"],
        "empty-tokens",
    );
    table.counted(lang, list.len() as u64);
    for t in list {
        let revoked = t.revoked_at.is_some();
        table.rows.push(vec![
            Cell::Text(t.name.clone()),
            Cell::Text(unit_names.get(&t.unit_id).cloned().unwrap_or_default()),
            Cell::Text(t.created_at.with_timezone(&crate::views::shanghai()).format("%Y-%m-%d %H:%M").to_string()),
            Cell::Text(t.created_by.clone()),
            Cell::Badge {
                class: if revoked { "off" } else { "on" },
                text: lang.t(if revoked { "state-revoked" } else { "state-active" }),
            },
            if revoked {
                Cell::Text(String::new())
            } else {
                Cell::Post {
                    action: format!("/staff/tokens/{}/revoke", t.id),
                    label: lang.t("action-revoke"),
                    confirm: lang.t("confirm-revoke-token"),
                }
            },
        ]);
    }
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-tokens", "tokens"),
        actions: Vec::new(),
        filter: None,
        table,
        create: Some(token_form(lang, &units, "", "")),
    };
    table_response(&page)
}

pub async fn create_token(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    require(&caller, Action::ManageApiTokens, Target::County)?;
    let mut errors = FieldErrors::new();
    let unit_id = errors.take("unit_id", form.id("unit_id")).flatten();
    let name = form.get("name");
    let result = match unit_id {
        Some(unit_id) if errors.is_empty() => {
            accounts::create_token(&state.store, &caller.principal, unit_id, name).await.map_err(AppError::from)
        }
        None if errors.is_empty() => {
            Err(AppError::Invalid(FieldErrors::from(("unit_id", FieldError::new("required")))))
        }
        _ => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok((_, secret)) => {
            let page = SecretPage {
                c: Chrome::new(lang, &caller, "page-token-created", "tokens"),
                notice: lang.t("notice-token-once"),
                secret,
                back: "/staff/tokens".into(),
            };
            Ok(render(&page)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let units = manageable_units(&state, &caller).await?;
            let form = token_form(lang, &units, name, form.get("unit_id")).with_errors(lang, &errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage { c: Chrome::new(lang, &caller, "page-tokens", "tokens"), intro: None, form },
            )
        }
        Err(other) => Err(other),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StaffForm { caller, .. }: StaffForm,
) -> Result<Response, AppError> {
    accounts::revoke_token(&state.store, &caller.principal, id).await?;
    Ok(see_other("/staff/tokens"))
}

// ---------------------------------------------------------------- own password

fn password_form(lang: Lang) -> Form {
    Form::new(
        lang,
        "/staff/account/password".into(),
        vec![
            Field::new(lang, "current_password", "field-current-password", FieldKind::Password).required(),
            Field::new(lang, "new_password", "field-new-password", FieldKind::Password)
                .required()
                .help(lang.t("help-password")),
            Field::new(lang, "confirm_password", "field-confirm-password", FieldKind::Password).required(),
        ],
        "action-change-password",
    )
}

pub async fn password_page(lang: Lang, caller: Caller) -> Result<Response, AppError> {
    if caller.session.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(render(&FormPage {
        c: Chrome::new(lang, &caller, "page-password", "password"),
        intro: Some(lang.t("intro-password")),
        form: password_form(lang),
    })?
    .into_response())
}

pub async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    StaffForm { caller, form }: StaffForm,
) -> Result<Response, AppError> {
    let Some(session) = caller.session.as_ref() else {
        return Err(AppError::Forbidden);
    };
    let new_password = form.get("new_password");
    let result = if new_password == form.get("confirm_password") {
        accounts::change_password(&state.store, session, form.get("current_password"), new_password)
            .await
            .map_err(AppError::from)
    } else {
        Err(AppError::Invalid(FieldErrors::from(("confirm_password", FieldError::new("passwords_differ")))))
    };
    match result {
        Ok(()) => {
            let page = FormPage {
                c: Chrome::new(lang, &caller, "page-password", "password"),
                intro: Some(lang.t("notice-password-changed")),
                form: password_form(lang),
            };
            Ok(render(&page)?.into_response())
        }
        Err(AppError::Invalid(errors)) => {
            let form = password_form(lang).with_errors(lang, &errors);
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FormPage { c: Chrome::new(lang, &caller, "page-password", "password"), intro: None, form },
            )
        }
        Err(other) => Err(other),
    }
}
