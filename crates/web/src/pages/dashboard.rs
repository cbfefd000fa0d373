//! The workspace's first page: the figures of the caller's units, each linking to
//! the records behind it.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use sunlight_domain::policy::{Action, Target, authorize};
use sunlight_store::{audit, org};

use super::render;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::views::Chrome;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    c: Chrome,
    county: String,
    figures: Vec<(String, String, String)>,
    head: String,
    records: i64,
}

pub async fn show(State(state): State<AppState>, lang: Lang, caller: Caller) -> Result<Response, AppError> {
    let counts = org::counts(&state.store, &caller.principal).await?;
    let (records, head) = audit::head(&state.store).await?;
    let figure = |key: &str, value: u64, href: &str| (lang.t(key), format_count(value), href.to_owned());
    let mut figures = vec![
        figure("figure-units", counts.units, "/staff/units"),
        figure("figure-pilot-units", counts.pilot_units, "/staff/units?pilot=true"),
        figure("figure-sections", counts.sections, "/staff/units"),
        figure("figure-positions", counts.positions, "/staff/units"),
        figure("figure-hot-positions", counts.hot_positions, "/staff/units"),
        figure("figure-persons", counts.persons, "/staff/persons"),
    ];
    // The report's figures, for those who may read them (the commission).
    if authorize(&caller.principal, Action::ViewFigures, Target::County).is_ok() {
        for (key, value) in sunlight_store::figures::figures(&state.store, &caller.principal, None).await?.0 {
            if key == "pilot_units" {
                continue; // shown above
            }
            let label_key = format!("figure-{}", key.replace('_', "-"));
            figures.push(figure(&label_key, u64::try_from(value).unwrap_or_default(), figure_href(key)));
        }
    }
    let page = Dashboard {
        c: Chrome::new(lang, &caller, "page-dashboard", "dashboard"),
        county: org::county_name(&state.store).await?.unwrap_or_default(),
        figures,
        head,
        records,
    };
    Ok(render(&page)?.into_response())
}

/// Where the records behind a figure are listed.
fn figure_href(key: &str) -> &'static str {
    match key {
        "standards" => "/staff/standards",
        "focus_items" => "/staff/focus-items",
        "optimized_processes" | "steps_removed" => "/staff/optimizations",
        "decomposed_powers" => "/staff/decomposition",
        "flowcharts_published" => "/staff/flowcharts?state=published",
        "alerts_open" => "/staff/supervision/alerts?open=true",
        _ => "/staff",
    }
}

/// Thousands separators, as UI.md asks.
#[must_use]
pub fn format_count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(super::format_count(0), "0");
        assert_eq!(super::format_count(1557), "1,557");
        assert_eq!(super::format_count(1_000_000), "1,000,000");
    }
}
