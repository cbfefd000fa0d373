//! The JSON API under `/api/v1`, documented by the OpenAPI document that the
//! handlers' own annotations produce, so routes and docs cannot drift.

use askama::Template;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::error::AppError;

pub mod calendar;
pub mod cases;
pub mod catalogue;
pub mod complaints;
pub mod design;
pub mod flowcharts;
pub mod org;
pub mod risk;
pub mod supervision;
pub mod trading;
pub mod trading_alerts;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sunlight API",
        description = "阳光权力运行监控平台 — JSON API. Authenticate with `Authorization: Bearer sl_…` (an API token) or a browser session plus the `X-CSRF-Token` header for changes. Errors are `{\"error\": code, \"message\": text, \"fields\": {...}}`."
    ),
    paths(
        org::me,
        org::list_sub_commissions,
        org::create_sub_commission,
        org::list_units,
        org::create_unit,
        org::get_unit,
        org::update_unit,
        org::deactivate_unit,
        org::list_sections,
        org::create_section,
        org::list_positions,
        org::create_position,
        org::list_persons,
        org::create_person,
        org::update_person,
        org::list_users,
        org::audit,
        catalogue::list_powers,
        catalogue::get_power,
        catalogue::create_power,
        catalogue::update_power,
        catalogue::power_action,
        design::list_standards,
        design::create_standard,
        design::list_compliance,
        design::record_compliance,
        design::list_focus_items,
        design::create_focus_item,
        design::list_optimizations,
        design::create_optimization,
        design::list_decompositions,
        design::set_parts,
        design::figures,
        risk::list_risks,
        risk::get_risk,
        risk::create_risk,
        risk::record_step,
        risk::decide_level,
        risk::list_measures,
        risk::create_measure,
        risk::risk_model,
        complaints::list,
        complaints::get,
        complaints::transition,
        trading_alerts::list_alerts,
        trading_alerts::get_alert,
        trading_alerts::transition,
        trading_alerts::dashboard,
        trading::list_releases,
        trading::get_release,
        trading::get_party,
        flowcharts::list,
        flowcharts::get,
        flowcharts::import,
        flowcharts::publish,
        flowcharts::bpmn,
        flowcharts::svg,
        supervision::list_alerts,
        supervision::get_alert,
        supervision::transition,
        supervision::rates,
        supervision::get_rules,
        supervision::put_rules,
        calendar::get_year,
        calendar::put_year,
        calendar::put_office_hours,
        cases::push_events,
        cases::list,
        cases::export_xes,
        cases::get,
        cases::create,
        cases::act,
    ),
    components(schemas(
        org::Me,
        org::SubCommissionDto,
        org::UnitDto,
        org::UnitBody,
        org::NamedBody,
        org::SectionDto,
        org::PositionDto,
        org::PositionBody,
        org::PersonDto,
        org::PersonBody,
        org::PersonPageDto,
        org::UserDto,
        org::AuditRecordDto,
        org::AuditPageDto,
        catalogue::PowerDto,
        catalogue::PowerPageDto,
        catalogue::PowerBody,
        catalogue::ActionBody,
        design::StandardDto,
        design::StandardBody,
        design::ComplianceDto,
        design::ComplianceBody,
        design::FocusItemDto,
        design::FocusItemBody,
        design::OptimizationDto,
        design::OptimizationBody,
        design::DecompositionDto,
        design::ConflictDto,
        design::DecompositionListDto,
        design::PartsBody,
        design::FigureValue,
        risk::RiskDto,
        risk::RiskPageDto,
        risk::RiskDetailDto,
        risk::RiskBody,
        risk::StepDto,
        risk::StepBody,
        risk::LevelDecisionDto,
        risk::LevelBody,
        risk::MeasureDto,
        risk::MeasureBody,
        risk::RiskModelDto,
        complaints::ComplaintDto,
        complaints::ComplaintPageDto,
        complaints::ComplaintEventDto,
        complaints::AttachmentDto,
        complaints::ComplaintDetailDto,
        complaints::ComplaintTransitionBody,
        trading_alerts::AlertDto,
        trading_alerts::AlertPageDto,
        trading_alerts::AlertEventDto,
        trading_alerts::AlertDetailDto,
        trading_alerts::TransitionBody,
        trading_alerts::CountDto,
        trading_alerts::SupplierShareDto,
        trading_alerts::BuyerSharesDto,
        trading_alerts::TradingDashboardDto,
        trading::TradingReleaseDto,
        trading::TradingReleasePageDto,
        trading::TradingPartyDto,
        trading::TradingOfferDto,
        trading::TradingContractDto,
        trading::TradingAmendmentDto,
        trading::TradingPaymentDto,
        trading::TradingReleaseDetailDto,
        trading::TradingSupplierShareDto,
        trading::TradingPartyDetailDto,
        flowcharts::FlowchartVersionDto,
        flowcharts::FlowchartDto,
        flowcharts::FlowchartPageDto,
        flowcharts::FlowchartStepDto,
        flowcharts::FlowchartDetailDto,
        flowcharts::FlowchartImportedDto,
        supervision::SupervisionAlertDto,
        supervision::SupervisionAlertPageDto,
        supervision::SupervisionAlertEventDto,
        supervision::CaseBasicsDto,
        supervision::SupervisionAlertDetailDto,
        supervision::SupervisionTransitionBody,
        supervision::RateRowDto,
        supervision::RatesDto,
        supervision::RuleDto,
        supervision::RulesDto,
        supervision::RulesBody,
        calendar::CalendarDayDto,
        calendar::CalendarYearDto,
        calendar::CalendarYearBody,
        calendar::OfficeHoursBody,
        calendar::OfficeHoursDto,
        cases::EventBody,
        cases::EventBatchBody,
        cases::EventResultDto,
        cases::EventBatchDto,
        cases::CaseDto,
        cases::CasePageDto,
        cases::CaseEventDto,
        cases::CaseAlertDto,
        cases::CaseDetailDto,
        cases::NewCaseBody,
        cases::CreatedCaseDto,
        cases::ActionBody,
        ErrorBody
    ))
)]
pub struct ApiDoc;

/// The error body every failing API call returns.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ErrorBody {
    /// Stable `snake_case` code, e.g. `invalid_input`, `forbidden`, `conflict`.
    pub error: String,
    /// The code in the caller's language.
    pub message: String,
    /// Per field: `{"code": …, "message": …}`.
    pub fields: serde_json::Value,
}

pub async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => AppError::Internal(e.to_string()).into_response(),
    }
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct Docs;

pub async fn docs() -> Result<Html<String>, AppError> {
    crate::pages::render(&Docs)
}

/// JSON body whose rejections speak our error format.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(AppError::PayloadTooLarge)
            }
            Err(rejection) => Err(AppError::BadRequest("invalid_json", rejection.body_text())),
        }
    }
}
