//! Every route, who may use it, and the router built from the same list.
//!
//! [`TABLE`] is the route × role matrix: the router registers exactly these routes
//! (a test compares them), and the matrix test asks every `GET` as every role and
//! checks the answer against the access written here.

use axum::Router;
use axum::routing::{MethodRouter, get, post, put};
use sunlight_domain::policy::Role;

use crate::{AppState, api, assets, pages};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in account.
    Staff,
    /// Only these roles (others get 403).
    Roles(&'static [Role]),
}

const COMMISSION: Access = Access::Roles(&[Role::CommissionAdmin]);
const UNIT_STAFF: Access = Access::Roles(&[Role::CommissionAdmin, Role::UnitAdmin]);
/// Those who move powers through their lifecycle: the unit submits, the commission and
/// its sub-commissions check.
const CATALOGUE_FLOW: Access = Access::Roles(&[Role::CommissionAdmin, Role::SubCommissionStaff, Role::UnitAdmin]);
/// Who takes part in the risk workflows: the unit records, the commission and the
/// sub-commissions review and approve.
const RISK_WORKFLOW: Access = Access::Roles(&[Role::CommissionAdmin, Role::UnitAdmin, Role::SubCommissionStaff]);
/// Who watches the trading centre's county-wide data: the commission, its
/// sub-commissions and the supervisors.
const VIEW_TRADING: Access = Access::Roles(&[Role::CommissionAdmin, Role::SubCommissionStaff, Role::Supervisor]);

/// Who watches online handling (网上监察): the commission, its sub-commissions, the
/// unit admins (their unit) and the supervisors (their units).
const SUPERVISION: Access =
    Access::Roles(&[Role::CommissionAdmin, Role::SubCommissionStaff, Role::UnitAdmin, Role::Supervisor]);
/// Who moves supervision alerts: the unit explains, the commission and the
/// sub-commissions close and escalate.
const ALERT_HANDLERS: Access = Access::Roles(&[Role::CommissionAdmin, Role::SubCommissionStaff, Role::UnitAdmin]);

/// Who handles complaints: the commission, the sub-commissions (their units) and the
/// unit admins (those routed to their unit).
const COMPLAINTS: Access = Access::Roles(&[Role::CommissionAdmin, Role::SubCommissionStaff, Role::UnitAdmin]);

/// Who creates and moves cases in the online hall (also API tokens).
const HANDLE_CASES: Access = Access::Roles(&[Role::CommissionAdmin, Role::UnitAdmin, Role::Cadre]);

#[derive(Debug, Clone, Copy)]
pub struct RouteEntry {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

const fn r(method: &'static str, path: &'static str, access: Access) -> RouteEntry {
    RouteEntry { method, path, access }
}

pub const TABLE: &[RouteEntry] = &[
    r("GET", "/", Access::Public),
    r("GET", "/healthz", Access::Public),
    r("GET", "/metrics", Access::Public),
    r("GET", "/assets/{*path}", Access::Public),
    r("GET", "/lang/{tag}", Access::Public),
    r("GET", "/login", Access::Public),
    r("POST", "/login", Access::Public),
    r("POST", "/logout", Access::Staff),
    r("GET", "/api/openapi.json", Access::Public),
    r("GET", "/api/docs", Access::Public),
    // staff workspace
    r("GET", "/staff", Access::Staff),
    r("GET", "/staff/sub-commissions", COMMISSION),
    r("GET", "/staff/sub-commissions/new", COMMISSION),
    r("POST", "/staff/sub-commissions", COMMISSION),
    r("GET", "/staff/sub-commissions/{id}/edit", COMMISSION),
    r("POST", "/staff/sub-commissions/{id}", COMMISSION),
    r("GET", "/staff/units", Access::Staff),
    r("GET", "/staff/units/new", COMMISSION),
    r("POST", "/staff/units", COMMISSION),
    r("GET", "/staff/units/{id}", Access::Staff),
    r("GET", "/staff/units/{id}/edit", COMMISSION),
    r("POST", "/staff/units/{id}", COMMISSION),
    r("POST", "/staff/units/{id}/active", COMMISSION),
    r("POST", "/staff/units/{id}/sections", UNIT_STAFF),
    r("POST", "/staff/units/{id}/positions", UNIT_STAFF),
    r("POST", "/staff/units/{id}/persons", UNIT_STAFF),
    r("GET", "/staff/sections/{id}/edit", UNIT_STAFF),
    r("POST", "/staff/sections/{id}", UNIT_STAFF),
    r("GET", "/staff/positions/{id}/edit", UNIT_STAFF),
    r("POST", "/staff/positions/{id}", UNIT_STAFF),
    r("GET", "/staff/persons", Access::Staff),
    r("GET", "/staff/exports/units.xlsx", Access::Staff),
    r("GET", "/staff/exports/persons.xlsx", Access::Staff),
    r("GET", "/staff/persons/{id}/edit", UNIT_STAFF),
    r("POST", "/staff/persons/{id}", UNIT_STAFF),
    r("GET", "/staff/users", COMMISSION),
    r("GET", "/staff/users/new", COMMISSION),
    r("POST", "/staff/users", COMMISSION),
    r("POST", "/staff/users/{id}/active", COMMISSION),
    r("GET", "/staff/tokens", UNIT_STAFF),
    r("POST", "/staff/tokens", UNIT_STAFF),
    r("POST", "/staff/tokens/{id}/revoke", UNIT_STAFF),
    r("GET", "/staff/audit", COMMISSION),
    // power catalogue
    r("GET", "/catalogue", Access::Public),
    r("GET", "/catalogue/{id}", Access::Public),
    r("GET", "/risks", Access::Public),
    r("GET", "/staff/powers", Access::Staff),
    r("POST", "/staff/powers", UNIT_STAFF),
    r("GET", "/staff/powers/new", UNIT_STAFF),
    r("GET", "/staff/powers/import", UNIT_STAFF),
    r("POST", "/staff/powers/import", UNIT_STAFF),
    r("POST", "/staff/powers/import/confirm", UNIT_STAFF),
    r("GET", "/staff/powers/template.xlsx", Access::Staff),
    r("GET", "/staff/powers/{id}", Access::Staff),
    r("POST", "/staff/powers/{id}", UNIT_STAFF),
    r("GET", "/staff/powers/{id}/edit", UNIT_STAFF),
    r("POST", "/staff/powers/{id}/actions", CATALOGUE_FLOW),
    r("GET", "/staff/powers/{id}/versions", Access::Staff),
    r("GET", "/staff/exports/powers.xlsx", Access::Staff),
    r("GET", "/staff/standards", Access::Staff),
    r("GET", "/staff/standards/new", COMMISSION),
    r("POST", "/staff/standards", COMMISSION),
    r("GET", "/staff/standards/{id}/edit", COMMISSION),
    r("POST", "/staff/standards/{id}", COMMISSION),
    r("GET", "/staff/compliance", Access::Staff),
    r("POST", "/staff/compliance", UNIT_STAFF),
    r("GET", "/staff/focus-items", Access::Staff),
    r("POST", "/staff/focus-items", UNIT_STAFF),
    r("GET", "/staff/focus-items/{id}/edit", UNIT_STAFF),
    r("POST", "/staff/focus-items/{id}", UNIT_STAFF),
    r("POST", "/staff/focus-items/{id}/delete", UNIT_STAFF),
    r("GET", "/staff/optimizations", Access::Staff),
    r("GET", "/staff/optimizations/new", UNIT_STAFF),
    r("POST", "/staff/optimizations", UNIT_STAFF),
    r("GET", "/staff/optimizations/{id}", Access::Staff),
    r("GET", "/staff/decomposition", Access::Staff),
    r("POST", "/staff/decomposition", UNIT_STAFF),
    r("GET", "/staff/account/password", Access::Staff),
    r("POST", "/staff/account/password", Access::Staff),
    // risk register
    r("GET", "/staff/risks", Access::Staff),
    r("POST", "/staff/risks", UNIT_STAFF),
    r("GET", "/staff/risks/new", UNIT_STAFF),
    r("GET", "/staff/risks/{id}", Access::Staff),
    r("POST", "/staff/risks/{id}", UNIT_STAFF),
    r("GET", "/staff/risks/{id}/edit", UNIT_STAFF),
    r("POST", "/staff/risks/{id}/steps", RISK_WORKFLOW),
    r("POST", "/staff/risks/{id}/levels", RISK_WORKFLOW),
    r("POST", "/staff/risks/{id}/measures", UNIT_STAFF),
    r("GET", "/staff/measures", Access::Staff),
    r("POST", "/staff/measures/{id}/status", UNIT_STAFF),
    r("GET", "/staff/risk-search", Access::Staff),
    r("GET", "/staff/risk-model", Access::Staff),
    r("POST", "/staff/risk-model", COMMISSION),
    r("POST", "/staff/risk-model/preview", COMMISSION),
    r("GET", "/staff/risk-heatmap", Access::Staff),
    // trading centre data
    r("GET", "/staff/trading/releases", VIEW_TRADING),
    r("GET", "/staff/trading/releases/{id}", VIEW_TRADING),
    r("GET", "/staff/trading/releases/{id}/compiled.json", VIEW_TRADING),
    r("GET", "/staff/trading/parties/{id}", VIEW_TRADING),
    r("GET", "/staff/trading/import", COMMISSION),
    r("POST", "/staff/trading/import", COMMISSION),
    // JSON API
    r("GET", "/api/v1/me", Access::Staff),
    r("GET", "/api/v1/sub-commissions", Access::Staff),
    r("POST", "/api/v1/sub-commissions", COMMISSION),
    r("GET", "/api/v1/units", Access::Staff),
    r("POST", "/api/v1/units", COMMISSION),
    r("GET", "/api/v1/units/{id}", Access::Staff),
    r("PUT", "/api/v1/units/{id}", COMMISSION),
    r("POST", "/api/v1/units/{id}/deactivate", COMMISSION),
    r("GET", "/api/v1/units/{id}/sections", Access::Staff),
    r("POST", "/api/v1/units/{id}/sections", UNIT_STAFF),
    r("GET", "/api/v1/units/{id}/positions", Access::Staff),
    r("POST", "/api/v1/units/{id}/positions", UNIT_STAFF),
    r("GET", "/api/v1/persons", Access::Staff),
    r("POST", "/api/v1/units/{id}/persons", UNIT_STAFF),
    r("PUT", "/api/v1/persons/{id}", UNIT_STAFF),
    r("GET", "/api/v1/users", COMMISSION),
    r("GET", "/api/v1/audit", COMMISSION),
    r("GET", "/api/v1/powers", Access::Staff),
    r("POST", "/api/v1/powers", UNIT_STAFF),
    r("GET", "/api/v1/powers/{id}", Access::Staff),
    r("PUT", "/api/v1/powers/{id}", UNIT_STAFF),
    r("POST", "/api/v1/powers/{id}/actions", CATALOGUE_FLOW),
    r("GET", "/api/v1/standards", Access::Staff),
    r("POST", "/api/v1/standards", COMMISSION),
    r("GET", "/api/v1/compliance", Access::Staff),
    r("POST", "/api/v1/compliance", UNIT_STAFF),
    r("GET", "/api/v1/focus-items", Access::Staff),
    r("POST", "/api/v1/focus-items", UNIT_STAFF),
    r("GET", "/api/v1/optimizations", Access::Staff),
    r("POST", "/api/v1/optimizations", UNIT_STAFF),
    r("GET", "/api/v1/decomposition", Access::Staff),
    r("POST", "/api/v1/decomposition", UNIT_STAFF),
    // Also API tokens (which the policy lets read their unit's figures).
    r("GET", "/api/v1/figures", COMMISSION),
    r("GET", "/api/v1/risks", Access::Staff),
    r("POST", "/api/v1/risks", UNIT_STAFF),
    r("GET", "/api/v1/risks/{id}", Access::Staff),
    r("POST", "/api/v1/risks/{id}/steps", RISK_WORKFLOW),
    r("POST", "/api/v1/risks/{id}/levels", RISK_WORKFLOW),
    r("GET", "/api/v1/risks/{id}/measures", Access::Staff),
    r("POST", "/api/v1/risks/{id}/measures", UNIT_STAFF),
    r("GET", "/api/v1/risk-model", Access::Staff),
    // trading centre: dashboard and red-flag alerts
    r("GET", "/staff/trading", VIEW_TRADING),
    r("POST", "/staff/trading/run", COMMISSION),
    r("GET", "/staff/trading/alerts", VIEW_TRADING),
    r("GET", "/staff/trading/alerts/{id}", VIEW_TRADING),
    r("POST", "/staff/trading/alerts/{id}/transition", COMMISSION),
    r("GET", "/api/v1/trading/alerts", VIEW_TRADING),
    r("GET", "/api/v1/trading/alerts/{id}", VIEW_TRADING),
    r("POST", "/api/v1/trading/alerts/{id}/transition", COMMISSION),
    r("GET", "/api/v1/trading/dashboard", VIEW_TRADING),
    r("GET", "/api/v1/trading/releases", VIEW_TRADING),
    r("GET", "/api/v1/trading/releases/{id}", VIEW_TRADING),
    r("GET", "/api/v1/trading/parties/{id}", VIEW_TRADING),
    // display screens and the touch kiosk (两屏)
    r("GET", "/staff/screens", COMMISSION),
    r("POST", "/staff/screens", COMMISSION),
    r("GET", "/staff/screens/new", COMMISSION),
    r("GET", "/staff/screens/{id}/edit", COMMISSION),
    r("POST", "/staff/screens/{id}", COMMISSION),
    r("GET", "/screen/{id}", Access::Public),
    r("GET", "/screen/{id}/data", Access::Public),
    r("GET", "/kiosk", Access::Public),
    r("GET", "/kiosk/units/{id}", Access::Public),
    r("GET", "/kiosk/powers/{id}", Access::Public),
    r("GET", "/kiosk/case", Access::Public),
    // complaints and reports (群众举报)
    r("GET", "/complaints/new", Access::Public),
    r("POST", "/complaints", Access::Public),
    r("GET", "/complaints/status", Access::Public),
    r("GET", "/staff/complaints", COMPLAINTS),
    r("GET", "/staff/complaints/{id}", COMPLAINTS),
    r("GET", "/staff/complaints/{id}/attachments/{n}", COMPLAINTS),
    r("POST", "/staff/complaints/{id}/transition", COMPLAINTS),
    r("GET", "/api/v1/complaints", COMPLAINTS),
    r("GET", "/api/v1/complaints/{id}", COMPLAINTS),
    r("POST", "/api/v1/complaints/{id}/transition", COMPLAINTS),
    // flowcharts (流程图): the unit uploads and publishes, every account reads
    r("GET", "/staff/flowcharts", Access::Staff),
    r("GET", "/staff/flowcharts/upload", UNIT_STAFF),
    r("POST", "/staff/flowcharts/upload", UNIT_STAFF),
    r("GET", "/staff/flowcharts/{id}", Access::Staff),
    r("POST", "/staff/flowcharts/{id}/versions/{version}/publish", UNIT_STAFF),
    r("GET", "/api/v1/flowcharts", Access::Staff),
    r("GET", "/api/v1/flowcharts/{id}", Access::Staff),
    r("GET", "/api/v1/flowcharts/{id}/bpmn", Access::Staff),
    r("GET", "/api/v1/flowcharts/{id}/svg", Access::Staff),
    r("POST", "/api/v1/powers/{code}/flowchart", UNIT_STAFF),
    r("POST", "/api/v1/flowcharts/{id}/versions/{version}/publish", UNIT_STAFF),
    // electronic supervision (网上监察): alerts, rates, rules, outbox, calendar
    r("GET", "/staff/supervision", SUPERVISION),
    r("GET", "/staff/supervision/alerts", SUPERVISION),
    r("GET", "/staff/supervision/alerts/{id}", SUPERVISION),
    r("POST", "/staff/supervision/alerts/{id}/transition", ALERT_HANDLERS),
    r("GET", "/staff/supervision/rates", SUPERVISION),
    r("GET", "/staff/supervision/rules", COMMISSION),
    r("POST", "/staff/supervision/rules", COMMISSION),
    r("GET", "/staff/supervision/outbox", COMMISSION),
    r("GET", "/staff/calendar", COMMISSION),
    r("POST", "/staff/calendar/days", COMMISSION),
    r("POST", "/staff/calendar/days/{id}/delete", COMMISSION),
    r("POST", "/staff/calendar/import", COMMISSION),
    r("GET", "/staff/calendar/export.csv", COMMISSION),
    r("POST", "/staff/calendar/office-hours", COMMISSION),
    // Also API tokens, which read their unit.
    r("GET", "/api/v1/supervision/alerts", SUPERVISION),
    r("GET", "/api/v1/supervision/alerts/{id}", SUPERVISION),
    r("POST", "/api/v1/supervision/alerts/{id}/transition", ALERT_HANDLERS),
    r("GET", "/api/v1/rates", SUPERVISION),
    r("GET", "/api/v1/supervision/rules", SUPERVISION),
    r("PUT", "/api/v1/supervision/rules", COMMISSION),
    // The calendar is public knowledge: every account and token reads it.
    r("GET", "/api/v1/calendar/{year}", Access::Staff),
    r("PUT", "/api/v1/calendar/{year}", COMMISSION),
    r("PUT", "/api/v1/office-hours", COMMISSION),
    // online handling (网上办理): pushed events, cases, actions (also API tokens)
    r("POST", "/api/v1/events", UNIT_STAFF),
    r("GET", "/api/v1/cases", Access::Staff),
    r("POST", "/api/v1/cases", HANDLE_CASES),
    r("GET", "/api/v1/cases.xes", Access::Staff),
    r("GET", "/api/v1/cases/{number}", Access::Staff),
    r("POST", "/api/v1/cases/{number}/actions", HANDLE_CASES),
    // the online hall's pages (网上办理) and the applicant's look-up
    r("GET", "/staff/cases", Access::Staff),
    r("GET", "/staff/cases/new", HANDLE_CASES),
    r("POST", "/staff/cases", HANDLE_CASES),
    r("GET", "/staff/cases/{number}", Access::Staff),
    r("POST", "/staff/cases/{number}/actions", HANDLE_CASES),
    r("GET", "/cases/status", Access::Public),
];

/// Records what it registers so the test can hold it against [`TABLE`].
struct Builder {
    router: Router<AppState>,
    registered: Vec<(&'static str, &'static str)>,
}

impl Builder {
    fn add(mut self, path: &'static str, methods: &[&'static str], handler: MethodRouter<AppState>) -> Self {
        self.registered.extend(methods.iter().map(|m| (*m, path)));
        self.router = self.router.route(path, handler);
        self
    }
}

/// The router and the (method, path) pairs it serves.
pub fn build() -> (Router<AppState>, Vec<(&'static str, &'static str)>) {
    let b = Builder { router: Router::new(), registered: Vec::new() };
    let b = b
        .add("/", &["GET"], get(pages::public::home))
        .add("/healthz", &["GET"], get(pages::public::healthz))
        .add("/metrics", &["GET"], get(pages::public::metrics))
        .add("/assets/{*path}", &["GET"], get(assets::serve))
        .add("/lang/{tag}", &["GET"], get(pages::public::set_language))
        .add("/login", &["GET", "POST"], get(pages::public::login_page).post(pages::public::login))
        .add("/logout", &["POST"], post(pages::public::logout))
        .add("/api/openapi.json", &["GET"], get(api::openapi_json))
        .add("/api/docs", &["GET"], get(api::docs))
        .add("/staff", &["GET"], get(pages::dashboard::show))
        .add(
            "/staff/sub-commissions",
            &["GET", "POST"],
            get(pages::org::sub_commissions).post(pages::org::create_sub_commission),
        )
        .add("/staff/sub-commissions/new", &["GET"], get(pages::org::new_sub_commission))
        .add("/staff/sub-commissions/{id}/edit", &["GET"], get(pages::org::edit_sub_commission))
        .add("/staff/sub-commissions/{id}", &["POST"], post(pages::org::update_sub_commission))
        .add("/staff/units", &["GET", "POST"], get(pages::org::units).post(pages::org::create_unit))
        .add("/staff/units/new", &["GET"], get(pages::org::new_unit))
        .add("/staff/units/{id}", &["GET", "POST"], get(pages::org::unit).post(pages::org::update_unit))
        .add("/staff/units/{id}/edit", &["GET"], get(pages::org::edit_unit))
        .add("/staff/units/{id}/active", &["POST"], post(pages::org::set_unit_active))
        .add("/staff/units/{id}/sections", &["POST"], post(pages::org::create_section))
        .add("/staff/units/{id}/positions", &["POST"], post(pages::org::create_position))
        .add("/staff/units/{id}/persons", &["POST"], post(pages::org::create_person))
        .add("/staff/sections/{id}/edit", &["GET"], get(pages::org::edit_section))
        .add("/staff/sections/{id}", &["POST"], post(pages::org::update_section))
        .add("/staff/positions/{id}/edit", &["GET"], get(pages::org::edit_position))
        .add("/staff/positions/{id}", &["POST"], post(pages::org::update_position))
        .add("/staff/persons", &["GET"], get(pages::org::persons))
        .add("/staff/exports/units.xlsx", &["GET"], get(pages::org::export_units))
        .add("/staff/exports/persons.xlsx", &["GET"], get(pages::org::export_persons))
        .add("/staff/persons/{id}/edit", &["GET"], get(pages::org::edit_person))
        .add("/staff/persons/{id}", &["POST"], post(pages::org::update_person))
        .add("/staff/users", &["GET", "POST"], get(pages::accounts::users).post(pages::accounts::create_user))
        .add("/staff/users/new", &["GET"], get(pages::accounts::new_user))
        .add("/staff/users/{id}/active", &["POST"], post(pages::accounts::set_user_active))
        .add("/staff/tokens", &["GET", "POST"], get(pages::accounts::tokens).post(pages::accounts::create_token))
        .add("/staff/tokens/{id}/revoke", &["POST"], post(pages::accounts::revoke_token))
        .add("/staff/audit", &["GET"], get(pages::audit::list))
        .add(
            "/staff/account/password",
            &["GET", "POST"],
            get(pages::accounts::password_page).post(pages::accounts::change_password),
        )
        .add("/api/v1/me", &["GET"], get(api::org::me))
        .add(
            "/api/v1/sub-commissions",
            &["GET", "POST"],
            get(api::org::list_sub_commissions).post(api::org::create_sub_commission),
        )
        .add("/api/v1/units", &["GET", "POST"], get(api::org::list_units).post(api::org::create_unit))
        .add("/api/v1/units/{id}", &["GET", "PUT"], get(api::org::get_unit).put(api::org::update_unit))
        .add("/api/v1/units/{id}/deactivate", &["POST"], post(api::org::deactivate_unit))
        .add(
            "/api/v1/units/{id}/sections",
            &["GET", "POST"],
            get(api::org::list_sections).post(api::org::create_section),
        )
        .add(
            "/api/v1/units/{id}/positions",
            &["GET", "POST"],
            get(api::org::list_positions).post(api::org::create_position),
        )
        .add("/api/v1/persons", &["GET"], get(api::org::list_persons))
        .add("/api/v1/units/{id}/persons", &["POST"], post(api::org::create_person))
        .add("/api/v1/persons/{id}", &["PUT"], put(api::org::update_person))
        .add("/api/v1/users", &["GET"], get(api::org::list_users))
        .add("/api/v1/audit", &["GET"], get(api::org::audit));
    let b = catalogue_routes(b);
    let b = design_routes(b);
    let b = risk_routes(b);
    let b = trading_alert_routes(b);
    let b = trading_routes(b);
    let b = screen_routes(b);
    let b = complaint_routes(b);
    let b = flowchart_routes(b);
    let b = supervision_routes(b);
    let b = case_routes(b);
    (b.router, b.registered)
}

/// Flowcharts (流程图): the staff pages and the JSON API.
fn flowchart_routes(b: Builder) -> Builder {
    use pages::flowcharts as f;
    b.add("/staff/flowcharts", &["GET"], get(f::list))
        .add("/staff/flowcharts/upload", &["GET", "POST"], get(f::upload_page).post(f::upload))
        .add("/staff/flowcharts/{id}", &["GET"], get(f::detail))
        .add("/staff/flowcharts/{id}/versions/{version}/publish", &["POST"], post(f::publish))
        .add("/api/v1/flowcharts", &["GET"], get(api::flowcharts::list))
        .add("/api/v1/flowcharts/{id}", &["GET"], get(api::flowcharts::get))
        .add("/api/v1/flowcharts/{id}/bpmn", &["GET"], get(api::flowcharts::bpmn))
        .add("/api/v1/flowcharts/{id}/svg", &["GET"], get(api::flowcharts::svg))
        .add("/api/v1/powers/{code}/flowchart", &["POST"], post(api::flowcharts::import))
        .add("/api/v1/flowcharts/{id}/versions/{version}/publish", &["POST"], post(api::flowcharts::publish))
}

/// Electronic supervision (网上监察) around the rules' alerts, and the calendar.
fn supervision_routes(b: Builder) -> Builder {
    use pages::{calendar as cal, supervision as s, supervision_admin as sa};
    b.add("/staff/supervision", &["GET"], get(s::console))
        .add("/staff/supervision/alerts", &["GET"], get(s::list))
        .add("/staff/supervision/alerts/{id}", &["GET"], get(s::alert))
        .add("/staff/supervision/alerts/{id}/transition", &["POST"], post(s::transition))
        .add("/staff/supervision/rates", &["GET"], get(sa::rates_page))
        .add("/staff/supervision/rules", &["GET", "POST"], get(sa::rules).post(sa::save_rules))
        .add("/staff/supervision/outbox", &["GET"], get(sa::outbox_page))
        .add("/staff/calendar", &["GET"], get(cal::show))
        .add("/staff/calendar/days", &["POST"], post(cal::save_day))
        .add("/staff/calendar/days/{id}/delete", &["POST"], post(cal::remove_day))
        .add("/staff/calendar/import", &["POST"], post(cal::import))
        .add("/staff/calendar/export.csv", &["GET"], get(cal::export))
        .add("/staff/calendar/office-hours", &["POST"], post(cal::save_hours))
        .add("/api/v1/supervision/alerts", &["GET"], get(api::supervision::list_alerts))
        .add("/api/v1/supervision/alerts/{id}", &["GET"], get(api::supervision::get_alert))
        .add("/api/v1/supervision/alerts/{id}/transition", &["POST"], post(api::supervision::transition))
        .add("/api/v1/rates", &["GET"], get(api::supervision::rates))
        .add(
            "/api/v1/supervision/rules",
            &["GET", "PUT"],
            get(api::supervision::get_rules).put(api::supervision::put_rules),
        )
        .add("/api/v1/calendar/{year}", &["GET", "PUT"], get(api::calendar::get_year).put(api::calendar::put_year))
        .add("/api/v1/office-hours", &["PUT"], put(api::calendar::put_office_hours))
}

/// Online handling (网上办理): events from units' systems, the hall's cases.
fn case_routes(b: Builder) -> Builder {
    use api::cases as c;
    b.add("/api/v1/events", &["POST"], post(c::push_events))
        .add("/api/v1/cases", &["GET", "POST"], get(c::list).post(c::create))
        .add("/api/v1/cases.xes", &["GET"], get(c::export_xes))
        .add("/api/v1/cases/{number}", &["GET"], get(c::get))
        .add("/api/v1/cases/{number}/actions", &["POST"], post(c::act))
        .add("/staff/cases", &["GET", "POST"], get(pages::cases::list).post(pages::cases::create))
        .add("/staff/cases/new", &["GET"], get(pages::cases::new_case))
        .add("/staff/cases/{number}", &["GET"], get(pages::cases::detail))
        .add("/staff/cases/{number}/actions", &["POST"], post(pages::cases::act))
        .add("/cases/status", &["GET"], get(pages::cases::public_status))
}

/// Complaints and reports (群众举报): the public form and status, the staff pages.
fn complaint_routes(b: Builder) -> Builder {
    use pages::complaints as c;
    b.add("/complaints/new", &["GET"], get(c::new_complaint))
        .add("/complaints", &["POST"], post(c::submit))
        .add("/complaints/status", &["GET"], get(c::status))
        .add("/staff/complaints", &["GET"], get(c::list))
        .add("/staff/complaints/{id}", &["GET"], get(c::detail))
        .add("/staff/complaints/{id}/attachments/{n}", &["GET"], get(c::attachment))
        .add("/staff/complaints/{id}/transition", &["POST"], post(c::transition))
        .add("/api/v1/complaints", &["GET"], get(api::complaints::list))
        .add("/api/v1/complaints/{id}", &["GET"], get(api::complaints::get))
        .add("/api/v1/complaints/{id}/transition", &["POST"], post(api::complaints::transition))
}

/// The trading centre's dashboard and red-flag alerts (一中心预警).
fn trading_alert_routes(b: Builder) -> Builder {
    use pages::trading_alerts as t;
    b.add("/staff/trading", &["GET"], get(t::dashboard))
        .add("/staff/trading/run", &["POST"], post(t::run))
        .add("/staff/trading/alerts", &["GET"], get(t::alerts))
        .add("/staff/trading/alerts/{id}", &["GET"], get(t::alert))
        .add("/staff/trading/alerts/{id}/transition", &["POST"], post(t::transition))
        .add("/api/v1/trading/alerts", &["GET"], get(api::trading_alerts::list_alerts))
        .add("/api/v1/trading/alerts/{id}", &["GET"], get(api::trading_alerts::get_alert))
        .add("/api/v1/trading/alerts/{id}/transition", &["POST"], post(api::trading_alerts::transition))
        .add("/api/v1/trading/dashboard", &["GET"], get(api::trading_alerts::dashboard))
}

/// Display screens and the touch kiosk (两屏).
fn screen_routes(b: Builder) -> Builder {
    use pages::screens as s;
    b.add("/staff/screens", &["GET", "POST"], get(s::list).post(s::create))
        .add("/staff/screens/new", &["GET"], get(s::new))
        .add("/staff/screens/{id}/edit", &["GET"], get(s::edit))
        .add("/staff/screens/{id}", &["POST"], post(s::update))
        .add("/screen/{id}", &["GET"], get(s::screen))
        .add("/screen/{id}/data", &["GET"], get(s::data))
        .add("/kiosk", &["GET"], get(s::kiosk))
        .add("/kiosk/units/{id}", &["GET"], get(s::kiosk_unit))
        .add("/kiosk/powers/{id}", &["GET"], get(s::kiosk_power))
        .add("/kiosk/case", &["GET"], get(s::kiosk_case))
}

/// The trading centre's data (一中心): processes, parties, the OCDS upload.
fn trading_routes(b: Builder) -> Builder {
    use pages::trading as t;
    b.add("/staff/trading/releases", &["GET"], get(t::releases))
        .add("/staff/trading/releases/{id}", &["GET"], get(t::release))
        .add("/staff/trading/releases/{id}/compiled.json", &["GET"], get(t::compiled_json))
        .add("/staff/trading/parties/{id}", &["GET"], get(t::party))
        .add("/staff/trading/import", &["GET", "POST"], get(t::import_page).post(t::import_upload))
        .add("/api/v1/trading/releases", &["GET"], get(api::trading::list_releases))
        .add("/api/v1/trading/releases/{id}", &["GET"], get(api::trading::get_release))
        .add("/api/v1/trading/parties/{id}", &["GET"], get(api::trading::get_party))
}

/// The risk register (风险防控).
fn risk_routes(b: Builder) -> Builder {
    b.add("/staff/risks", &["GET", "POST"], get(pages::risk::risks).post(pages::risk::create_risk))
        .add("/staff/risks/new", &["GET"], get(pages::risk::new_risk))
        .add("/staff/risks/{id}", &["GET", "POST"], get(pages::risk::risk_page).post(pages::risk::update_risk))
        .add("/staff/risks/{id}/edit", &["GET"], get(pages::risk::edit_risk))
        .add("/staff/risks/{id}/steps", &["POST"], post(pages::risk::record_step))
        .add("/staff/risks/{id}/levels", &["POST"], post(pages::risk::decide_level))
        .add("/staff/risks/{id}/measures", &["POST"], post(pages::risk::create_measure))
        .add("/staff/measures", &["GET"], get(pages::risk::measures))
        .add("/staff/measures/{id}/status", &["POST"], post(pages::risk::set_measure_status))
        .add("/staff/risk-search", &["GET"], get(pages::risk::risk_search))
        .add("/staff/risk-model", &["GET", "POST"], get(pages::risk::risk_model).post(pages::risk::publish_model))
        .add("/staff/risk-model/preview", &["POST"], post(pages::risk::preview_model))
        .add("/staff/risk-heatmap", &["GET"], get(pages::risk::heatmap))
        .add("/api/v1/risks", &["GET", "POST"], get(api::risk::list_risks).post(api::risk::create_risk))
        .add("/api/v1/risks/{id}", &["GET"], get(api::risk::get_risk))
        .add("/api/v1/risks/{id}/steps", &["POST"], post(api::risk::record_step))
        .add("/api/v1/risks/{id}/levels", &["POST"], post(api::risk::decide_level))
        .add(
            "/api/v1/risks/{id}/measures",
            &["GET", "POST"],
            get(api::risk::list_measures).post(api::risk::create_measure),
        )
        .add("/api/v1/risk-model", &["GET"], get(api::risk::risk_model))
}

/// The design records (设计科学化) and the figures.
fn design_routes(b: Builder) -> Builder {
    b.add("/staff/standards", &["GET", "POST"], get(pages::design::standards).post(pages::design::create_standard))
        .add("/staff/standards/new", &["GET"], get(pages::design::new_standard))
        .add("/staff/standards/{id}/edit", &["GET"], get(pages::design::edit_standard))
        .add("/staff/standards/{id}", &["POST"], post(pages::design::update_standard))
        .add(
            "/staff/compliance",
            &["GET", "POST"],
            get(pages::design::compliance).post(pages::design::record_compliance),
        )
        .add(
            "/staff/focus-items",
            &["GET", "POST"],
            get(pages::design::focus_items).post(pages::design::create_focus_item),
        )
        .add("/staff/focus-items/{id}/edit", &["GET"], get(pages::design::edit_focus_item))
        .add("/staff/focus-items/{id}", &["POST"], post(pages::design::update_focus_item))
        .add("/staff/focus-items/{id}/delete", &["POST"], post(pages::design::delete_focus_item))
        .add(
            "/staff/optimizations",
            &["GET", "POST"],
            get(pages::design::optimizations).post(pages::design::create_optimization),
        )
        .add("/staff/optimizations/new", &["GET"], get(pages::design::new_optimization))
        .add("/staff/optimizations/{id}", &["GET"], get(pages::design::optimization))
        .add("/staff/decomposition", &["GET", "POST"], get(pages::design::decomposition).post(pages::design::set_parts))
        .add("/api/v1/standards", &["GET", "POST"], get(api::design::list_standards).post(api::design::create_standard))
        .add(
            "/api/v1/compliance",
            &["GET", "POST"],
            get(api::design::list_compliance).post(api::design::record_compliance),
        )
        .add(
            "/api/v1/focus-items",
            &["GET", "POST"],
            get(api::design::list_focus_items).post(api::design::create_focus_item),
        )
        .add(
            "/api/v1/optimizations",
            &["GET", "POST"],
            get(api::design::list_optimizations).post(api::design::create_optimization),
        )
        .add(
            "/api/v1/decomposition",
            &["GET", "POST"],
            get(api::design::list_decompositions).post(api::design::set_parts),
        )
        .add("/api/v1/figures", &["GET"], get(api::design::figures))
}

/// The power catalogue (职权目录) and the public catalogue.
fn catalogue_routes(b: Builder) -> Builder {
    use pages::catalogue as c;
    b.add("/catalogue", &["GET"], get(c::public_catalogue))
        .add("/catalogue/{id}", &["GET"], get(pages::portal::power))
        .add("/risks", &["GET"], get(pages::portal::risks))
        .add("/staff/powers", &["GET", "POST"], get(c::powers).post(c::create_power))
        .add("/staff/powers/new", &["GET"], get(c::new_power))
        .add("/staff/powers/import", &["GET", "POST"], get(c::import_page).post(c::import_upload))
        .add("/staff/powers/import/confirm", &["POST"], post(c::import_confirm))
        .add("/staff/powers/template.xlsx", &["GET"], get(c::template))
        .add("/staff/powers/{id}", &["GET", "POST"], get(c::power).post(c::update_power))
        .add("/staff/powers/{id}/edit", &["GET"], get(c::edit_power))
        .add("/staff/powers/{id}/actions", &["POST"], post(c::power_action))
        .add("/staff/powers/{id}/versions", &["GET"], get(c::versions))
        .add("/staff/exports/powers.xlsx", &["GET"], get(c::export))
        .add("/api/v1/powers", &["GET", "POST"], get(api::catalogue::list_powers).post(api::catalogue::create_power))
        .add("/api/v1/powers/{id}", &["GET", "PUT"], get(api::catalogue::get_power).put(api::catalogue::update_power))
        .add("/api/v1/powers/{id}/actions", &["POST"], post(api::catalogue::power_action))
}
