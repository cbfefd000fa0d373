//! The portal's page of one published power (晒权): what it is, on what legal basis,
//! within what limits and fees, who exercises it, and the approved levels of its risk
//! points, each written in words beside its colour.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sunlight_domain::catalogue::Column;
use sunlight_domain::policy::Principal;
use sunlight_domain::risk::PublicRiskField;
use sunlight_store::org::UnitFilter;
use sunlight_store::{catalogue, org, risk};

use super::catalogue::{limit_text, type_label};
use super::risk::{key_label, level_cell};
use super::{paginate, render, yes_no};
use crate::AppState;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::import_text::column_label;
use crate::views::{Cell, Field, FieldKind, Form, Table};

#[derive(Template)]
#[template(path = "public_power.html")]
struct PublicPower {
    lang: Lang,
    county: String,
    name: String,
    facts: Vec<(String, String)>,
    legal_basis: Vec<String>,
    risks: Table,
    flowchart: Option<super::flowcharts::PublicFlowchart>,
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
    let flowchart = super::flowcharts::public_flowchart(&state, lang, &record.power).await?;
    let page = PublicPower { lang, county, name: record.power.name.clone(), facts, legal_basis, risks, flowchart };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "public_risks.html")]
struct PublicRisks {
    lang: Lang,
    county: String,
    filter: Form,
    table: Table,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RisksQuery {
    unit: String,
    level: String,
    page: String,
}

const RISKS_PER_PAGE: u64 = 50;

/// `GET /risks`: the public risk register, with the columns the county publishes.
pub async fn risks(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<RisksQuery>,
) -> Result<Response, AppError> {
    let page = q.page.parse().unwrap_or(1).max(1);
    let unit_id = q.unit.parse::<i64>().ok();
    let rank = q.level.parse::<i32>().ok();
    let model = risk::active_model(&state.store).await?;
    let units = org::list_units(&state.store, &Principal::system("portal"), &UnitFilter::default()).await?;
    let mut unit_options = vec![(String::new(), lang.t("option-any"))];
    unit_options.extend(units.iter().map(|u| (u.id.to_string(), u.name.clone())));
    let mut level_options = vec![(String::new(), lang.t("option-any"))];
    level_options.extend(
        model.levels().iter().map(|l| (l.rank.to_string(), super::risk::level_words(lang, &model, i32::from(l.rank)))),
    );
    let filter = Form::new(
        lang,
        "/risks".into(),
        vec![
            Field::new(lang, "unit", "field-unit", FieldKind::Select(unit_options)).value(q.unit.clone()),
            Field::new(lang, "level", "field-level", FieldKind::Select(level_options)).value(q.level.clone()),
        ],
        "action-filter",
    );
    let fields = &state.config.public_risk_fields;
    let keys: Vec<String> = fields.iter().map(|f| format!("col-public-risk-{}", f.key().replace('_', "-"))).collect();
    let key_refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let mut table = Table::new(lang, "public-risks", &key_refs, "empty-public-risks");
    let (rows, total) = risk::public_points(&state.store, unit_id, rank, page, RISKS_PER_PAGE).await?;
    table.counted(lang, total);
    for row in rows {
        table.rows.push(
            fields
                .iter()
                .map(|field| match field {
                    PublicRiskField::Unit => Cell::Text(row.unit.clone()),
                    PublicRiskField::Scope => Cell::Text(row.scope.clone()),
                    PublicRiskField::Kind => Cell::Text(key_label(lang, "risk-kind", &row.point.kind)),
                    PublicRiskField::Description => Cell::Text(row.point.description.clone()),
                    PublicRiskField::Level => level_cell(lang, &model, row.point.level_rank),
                    PublicRiskField::HolderTier => Cell::Text(key_label(lang, "tier", &row.point.holder_tier)),
                })
                .collect(),
        );
    }
    paginate(&mut table, "/risks", &[("unit", q.unit), ("level", q.level)], page, RISKS_PER_PAGE);
    let county = org::county_name(&state.store).await?.unwrap_or_default();
    Ok(render(&PublicRisks { lang, county, filter, table })?.into_response())
}
