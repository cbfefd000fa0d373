//! The audit log for the commission: filter by actor, action, entity.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use sunlight_store::audit::{self, AuditFilter};

use super::{TablePage, paginate, table_response};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::{Cell, Chrome, Field, FieldKind, Form, Table};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    page: Option<u64>,
}

const PER_PAGE: u64 = 50;

fn some(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let filter = AuditFilter {
        actor: some(&q.actor),
        action: some(&q.action),
        entity: some(&q.entity),
        entity_id: some(&q.entity_id),
    };
    let page = q.page.unwrap_or(1).max(1);
    let found = audit::list(&state.store, &caller.principal, &filter, page, PER_PAGE).await?;
    let mut table = Table::new(
        lang,
        "audit",
        &["col-seq", "col-at", "col-actor", "col-action", "col-entity", "col-hash"],
        "empty-audit",
    );
    table.counted(lang, found.total);
    for record in found.records {
        table.rows.push(vec![
            Cell::Mono(record.seq.to_string()),
            Cell::Text(crate::views::local_time(&record.at)),
            Cell::Text(record.actor),
            Cell::Text(action_words(lang, &record.action)),
            Cell::Text(format!("{} #{}", record.entity, record.entity_id)),
            Cell::Mono(record.hash[..16].to_owned()),
        ]);
    }
    let query = [
        ("actor", q.actor.clone()),
        ("action", q.action.clone()),
        ("entity", q.entity.clone()),
        ("entity_id", q.entity_id.clone()),
    ];
    paginate(&mut table, "/staff/audit", &query, page, PER_PAGE);
    let filter = Form::new(
        lang,
        "/staff/audit".into(),
        vec![
            Field::new(lang, "actor", "field-actor", FieldKind::Text).value(q.actor),
            Field::new(lang, "action", "field-action", FieldKind::Text).value(q.action),
            Field::new(lang, "entity", "field-entity", FieldKind::Text).value(q.entity),
            Field::new(lang, "entity_id", "field-entity-id", FieldKind::Text).value(q.entity_id),
        ],
        "action-filter",
    );
    let page = TablePage {
        c: Chrome::new(lang, &caller, "page-audit", "audit"),
        actions: Vec::new(),
        filter: Some(filter),
        table,
        create: None,
    };
    table_response(&page)
}

/// The action in words, with its code (what the filter matches) beside it.
fn action_words(lang: Lang, action: &str) -> String {
    let key = format!("audit-{}", action.replace(['.', '_'], "-"));
    let words = lang.t(&key);
    if words == key { action.to_owned() } else { format!("{words} ({action})") }
}
