//! The portal's page of one published power (晒权): what it is, on what legal basis,
//! within what limits and fees, who exercises it, and the approved levels of its risk
//! points, each written in words beside its colour.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use sunlight_domain::catalogue::Column;
use sunlight_store::{catalogue, org, risk};

use super::catalogue::{limit_text, type_label, yes_no};
use super::render;
use super::risk::{key_label, level_cell};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::import_text::column_label;
use crate::views::{Cell, Table};

#[derive(Template)]
#[template(path = "public_power.html")]
struct PublicPower {
    lang: Lang,
    county: String,
    name: String,
    facts: Vec<(String, String)>,
    legal_basis: Vec<String>,
    risks: Table,
}

/// `GET /catalogue/{id}`: a published, public power; anything else is not found.
pub async fn power(State(state): State<AppState>, lang: Lang, Path(id): Path<i64>) -> Result<Response, AppError> {
    let record = catalogue::get_public_power(&state.store, id).await?;
    let parts = record.draft.parts();
    let facts = vec![
        (column_label(lang, Column::Code), record.power.code.clone()),
        (column_label(lang, Column::Type), type_label(lang, parts.power_type)),
        (column_label(lang, Column::Unit), record.unit_name.clone()),
        (column_label(lang, Column::Section), record.draft.cell(Column::Section).unwrap_or_default()),
        (column_label(lang, Column::LegalLimit), limit_text(lang, &record.draft, Column::LegalLimit)),
        (column_label(lang, Column::PromisedLimit), limit_text(lang, &record.draft, Column::PromisedLimit)),
        (column_label(lang, Column::Fee), yes_no(lang, parts.fee.is_charged())),
        (column_label(lang, Column::FeeStandard), parts.fee.standard().unwrap_or_default().to_owned()),
        (column_label(lang, Column::UnitHead), yes_no(lang, parts.unit_head)),
    ]
    .into_iter()
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let legal_basis = parts.legal_basis.references().iter().map(ToString::to_string).collect();
    let model = risk::active_model(&state.store).await?;
    let mut risks = Table::new(
        lang,
        "power-risks",
        &["col-portal-risk-level", "col-portal-risk-kind", "col-portal-risk-description"],
        "empty-portal-risks",
    );
    for point in risk::public_points_of_power(&state.store, id).await? {
        risks.rows.push(vec![
            level_cell(lang, &model, point.level_rank),
            Cell::Text(key_label(lang, "risk-kind", &point.kind)),
            Cell::Text(point.description.clone()),
        ]);
    }
    let county = org::county_name(&state.store).await?.unwrap_or_default();
    let page = PublicPower { lang, county, name: record.power.name.clone(), facts, legal_basis, risks };
    Ok(render(&page)?.into_response())
}
