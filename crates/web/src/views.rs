//! Typed view models shared by the staff pages: the workspace chrome, tables and
//! forms. A page is full HTML, or only its table when htmx asks for a partial.

use sunlight_domain::field::FieldErrors;
use sunlight_domain::policy::{Action, Principal, Role, Scope, Target, authorize};

use crate::auth::Caller;
use crate::error::field_message;
use crate::i18n::Lang;

/// The workspace around every staff page: top bar, navigation, language.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    pub user: String,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<NavGroup>,
    pub active: &'static str,
}

#[derive(Debug, Clone)]
pub struct NavGroup {
    pub label: String,
    pub items: Vec<NavItem>,
}

#[derive(Debug, Clone)]
pub struct NavItem {
    pub key: &'static str,
    pub href: &'static str,
    pub label: String,
}

impl Chrome {
    #[must_use]
    pub fn new(lang: Lang, caller: &Caller, title_key: &str, active: &'static str) -> Self {
        let user = caller.session.as_ref().map_or_else(
            || caller.principal.actor.clone(),
            |s| s.user.display_name.clone().unwrap_or_else(|| s.user.login.clone()),
        );
        Self {
            lang,
            title: lang.t(title_key),
            user,
            role: lang.t(&format!("role-{}", caller.principal.role.key().replace('_', "-"))),
            csrf: caller.csrf().to_owned(),
            nav: navigation(lang, caller.principal.role),
            active,
        }
    }

    #[must_use]
    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }
}

/// The left navigation, grouped as UI.md asks; later parts add their groups.
fn navigation(lang: Lang, role: Role) -> Vec<NavGroup> {
    let item = |key: &'static str, href: &'static str| NavItem { key, href, label: lang.t(&format!("nav-{key}")) };
    let mut groups = vec![NavGroup {
        label: lang.t("nav-group-organization"),
        items: vec![item("dashboard", "/staff"), item("units", "/staff/units"), item("persons", "/staff/persons")],
    }];
    if role == Role::CommissionAdmin {
        groups[0].items.insert(1, item("sub-commissions", "/staff/sub-commissions"));
    }
    groups.push(NavGroup {
        label: lang.t("nav-group-design"),
        items: vec![
            item("standards", "/staff/standards"),
            item("compliance", "/staff/compliance"),
            item("focus-items", "/staff/focus-items"),
            item("optimizations", "/staff/optimizations"),
            item("decomposition", "/staff/decomposition"),
        ],
    });
    let mut catalogue = vec![item("powers", "/staff/powers")];
    if matches!(role, Role::CommissionAdmin | Role::UnitAdmin) {
        catalogue.push(item("power-import", "/staff/powers/import"));
    }
    catalogue.push(item("flowcharts", "/staff/flowcharts"));
    catalogue.push(item("public-catalogue", "/catalogue"));
    groups.push(NavGroup { label: lang.t("nav-group-catalogue"), items: catalogue });
    groups.push(NavGroup {
        label: lang.t("nav-group-risks"),
        items: vec![
            item("risks", "/staff/risks"),
            item("risk-search", "/staff/risk-search"),
            item("measures", "/staff/measures"),
            item("risk-heatmap", "/staff/risk-heatmap"),
            item("risk-model", "/staff/risk-model"),
        ],
    });
    if matches!(role, Role::CommissionAdmin | Role::SubCommissionStaff | Role::Supervisor) {
        let mut items = vec![
            item("trading", "/staff/trading"),
            item("trading-releases", "/staff/trading/releases"),
            item("trading-alerts", "/staff/trading/alerts"),
        ];
        if role == Role::CommissionAdmin {
            items.push(item("trading-import", "/staff/trading/import"));
        }
        groups.push(NavGroup { label: lang.t("nav-group-trading"), items });
    }
    groups.push(NavGroup {
        label: lang.t("nav-group-cases"),
        items: if matches!(role, Role::CommissionAdmin | Role::UnitAdmin | Role::Cadre) {
            vec![item("cases", "/staff/cases"), item("case-new", "/staff/cases/new")]
        } else {
            vec![item("cases", "/staff/cases")]
        },
    });
    if role == Role::CommissionAdmin {
        groups.push(NavGroup { label: lang.t("nav-group-screens"), items: vec![item("screens", "/staff/screens")] });
    }
    if matches!(role, Role::CommissionAdmin | Role::SubCommissionStaff | Role::UnitAdmin) {
        groups.push(NavGroup {
            label: lang.t("nav-group-complaints"),
            items: vec![item("complaints", "/staff/complaints"), item("complaint-form", "/complaints/new")],
        });
    }
    if let Some(group) = supervision_nav(lang, role) {
        groups.push(group);
    }
    let mut system = vec![item("password", "/staff/account/password")];
    if matches!(role, Role::CommissionAdmin | Role::UnitAdmin) {
        system.insert(0, item("tokens", "/staff/tokens"));
    }
    if role == Role::CommissionAdmin {
        system.insert(0, item("audit", "/staff/audit"));
        system.insert(0, item("users", "/staff/users"));
    }
    groups.push(NavGroup { label: lang.t("nav-group-system"), items: system });
    groups
}

/// Electronic supervision (网上监察): each entry where the policy lets the role in.
fn supervision_nav(lang: Lang, role: Role) -> Option<NavGroup> {
    let item = |key: &'static str, href: &'static str| NavItem { key, href, label: lang.t(&format!("nav-{key}")) };
    // The role's rights, asked of the policy with the widest scope: units narrow
    // what a page shows, not whether it is in the menu.
    let person = Principal { actor: String::new(), user_id: None, role, scope: Scope::All, is_token: false };
    let may = |action: Action| authorize(&person, action, Target::County).is_ok();
    let mut items = Vec::new();
    if may(Action::ViewSupervision) {
        items.push(item("supervision", "/staff/supervision"));
        items.push(item("supervision-alerts", "/staff/supervision/alerts"));
        items.push(item("supervision-rates", "/staff/supervision/rates"));
    }
    if may(Action::ManageSupervisionRules) {
        items.push(item("supervision-rules", "/staff/supervision/rules"));
    }
    if may(Action::ManageCalendar) {
        items.push(item("calendar", "/staff/calendar"));
    }
    if may(Action::ManageSupervisionRules) {
        items.push(item("supervision-outbox", "/staff/supervision/outbox"));
    }
    (!items.is_empty()).then(|| NavGroup { label: lang.t("nav-group-supervision"), items })
}

/// One cell of a table.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(String),
    Mono(String),
    Link {
        href: String,
        text: String,
    },
    Badge {
        class: &'static str,
        text: String,
    },
    /// A risk level: a swatch of its colour (SVG, so no inline style) and its words.
    Level {
        colour: String,
        text: String,
    },
    /// A button that posts (with the CSRF token) after the user confirms.
    Post {
        action: String,
        label: String,
        confirm: String,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub id: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub total: u64,
    pub empty: String,
    pub count_text: String,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub pager_label: String,
    pub prev_label: String,
    pub next_label: String,
    /// A link to the whole list when only its start is shown.
    pub more: Option<(String, String)>,
}

impl Table {
    #[must_use]
    pub fn new(lang: Lang, id: &'static str, column_keys: &[&str], empty_key: &str) -> Self {
        Self {
            id,
            columns: column_keys.iter().map(|k| lang.t(k)).collect(),
            empty: lang.t(empty_key),
            pager_label: lang.t("pager"),
            prev_label: lang.t("pager-prev"),
            next_label: lang.t("pager-next"),
            ..Self::default()
        }
    }

    /// Sets the total and the "N records" line.
    pub fn counted(&mut self, lang: Lang, total: u64) {
        self.total = total;
        self.count_text = lang.t_args("table-count", &[("count", total.into())]);
    }
}

/// What kind of input a form field is.
#[derive(Debug, Clone)]
pub enum FieldKind {
    Text,
    Password,
    Number,
    Checkbox,
    /// Several lines (descriptions, a list typed one item per line, JSON).
    TextArea,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    Select(Vec<(String, String)>),
    MultiSelect(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub values: Vec<String>,
    pub required: bool,
    pub error: Option<String>,
    pub help: Option<String>,
}

impl Field {
    #[must_use]
    pub fn new(lang: Lang, name: &'static str, label_key: &str, kind: FieldKind) -> Self {
        Self {
            name,
            label: lang.t(label_key),
            kind,
            value: String::new(),
            values: Vec::new(),
            required: false,
            error: None,
            help: None,
        }
    }

    #[must_use]
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    #[must_use]
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    #[must_use]
    pub fn values(mut self, values: Vec<String>) -> Self {
        self.values = values;
        self
    }

    #[must_use]
    pub fn help(mut self, text: String) -> Self {
        self.help = Some(text);
        self
    }

    #[must_use]
    pub fn is_checked(&self) -> bool {
        matches!(self.value.as_str(), "true" | "on" | "1")
    }

    #[must_use]
    pub fn is_selected(&self, option: &str) -> bool {
        self.value == option || self.values.iter().any(|v| v == option)
    }
}

/// A form: fields with values and errors, where it posts, and the summary of errors.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<Field>,
    pub submit: String,
    pub cancel: Option<(String, String)>,
    pub summary: Vec<String>,
    pub summary_heading: String,
}

impl Form {
    #[must_use]
    pub fn new(lang: Lang, action: String, fields: Vec<Field>, submit_key: &str) -> Self {
        Self {
            action,
            fields,
            submit: lang.t(submit_key),
            cancel: None,
            summary: Vec::new(),
            summary_heading: String::new(),
        }
    }

    /// Puts each error next to its field and into the summary at the top.
    #[must_use]
    pub fn with_errors(mut self, lang: Lang, errors: &FieldErrors) -> Self {
        for (name, error) in errors.iter() {
            let message = field_message(lang, error);
            match self.fields.iter_mut().find(|f| f.name == name.as_str()) {
                Some(field) => {
                    self.summary.push(format!("{}{}{message}", field.label, lang.t("colon")));
                    field.error = Some(message);
                }
                None => self.summary.push(format!("{name}{}{message}", lang.t("colon"))),
            }
        }
        self.summary_heading = lang.t_args("errors-heading", &[("count", self.summary.len().into())]);
        self
    }
}

/// An audit timestamp (UTC, RFC 3339) shown in Asia/Shanghai as `2026-11-25 16:00:00`.
#[must_use]
pub fn local_time(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map_or_else(|_| rfc3339.to_owned(), |t| t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M:%S").to_string())
}

/// China has one time zone and no daylight saving: a fixed +08:00 is exact.
#[must_use]
pub fn shanghai() -> chrono::FixedOffset {
    use chrono::Offset;
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| chrono::Utc.fix())
}
