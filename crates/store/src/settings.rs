//! The county's named settings (office hours, supervision rules): read by the
//! clock and the rules on every evaluation, changed by the commission (audited).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::flow::calendar::OfficeHours;
use sunlight_domain::flow::rules::RuleConfigError;
use sunlight_domain::flow::{RuleConfig, RuleSettings};
use sunlight_domain::policy::{Action, Principal, Target, authorize};

use crate::entity::setting;
use crate::{Store, StoreError, Write};

/// `09:00-12:00,13:30-17:30`: the form [`OfficeHours::parse`] reads.
pub const OFFICE_HOURS: &str = "office_hours";
/// JSON of [`RuleSettings`].
pub const SUPERVISION_RULES: &str = "supervision_rules";

/// The stored text of a setting, if any.
pub async fn value(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>, StoreError> {
    Ok(setting::Entity::find_by_id(key.to_owned()).one(conn).await?.map(|s| s.value))
}

/// Stores a setting inside a write; the caller has checked the value and the policy.
pub(crate) async fn put(write: &mut Write, key: &str, value: &str) -> Result<(), StoreError> {
    let before = value_in(write, key).await?;
    let row = setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_by: Set(write.actor().to_owned()),
        updated_at: Set(write.now()),
    };
    setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(setting::Column::Key)
                .update_columns([setting::Column::Value, setting::Column::UpdatedBy, setting::Column::UpdatedAt])
                .to_owned(),
        )
        .exec(write.txn())
        .await?;
    write.record("update", "setting", key, before.as_ref(), Some(&value))
}

async fn value_in(write: &Write, key: &str) -> Result<Option<String>, StoreError> {
    value(write.txn(), key).await
}

/// The rules in force: the stored settings, or the defaults when none are stored.
/// A stored value that no longer parses (an older version's) falls back to the
/// defaults rather than stopping supervision.
pub async fn supervision_rules(conn: &impl ConnectionTrait) -> Result<RuleConfig, StoreError> {
    let stored = value(conn, SUPERVISION_RULES).await?;
    Ok(stored
        .and_then(|text| serde_json::from_str::<RuleSettings>(&text).ok())
        .and_then(|settings| settings.to_config().ok())
        .unwrap_or_default())
}

/// Replaces the rule settings (the commission only).
pub async fn set_supervision_rules(
    store: &Store,
    principal: &Principal,
    settings: &RuleSettings,
) -> Result<RuleConfig, StoreError> {
    authorize(principal, Action::ManageSupervisionRules, Target::County)?;
    let config = check_rules(settings)?;
    let text = serde_json::to_string(&config.settings()).map_err(|e| StoreError::Internal(e.to_string()))?;
    let mut write = Write::begin(store, principal).await?;
    put(&mut write, SUPERVISION_RULES, &text).await?;
    write.commit().await?;
    Ok(config)
}

/// Checks every setting on its own, so that each bad one is reported on its field
/// (`reminder_share`, `yellow_after_days`, `red_after_days`, `returned_repeatedly_at`,
/// `fee_tolerance`, `disabled`), then builds the configuration.
pub fn check_rules(settings: &RuleSettings) -> Result<RuleConfig, FieldErrors> {
    let base = RuleConfig::default;
    let mut checks: Vec<(&str, Result<RuleConfig, RuleConfigError>)> = vec![
        ("reminder_share", base().with_reminder_share(settings.reminder_share)),
        ("returned_repeatedly_at", base().with_returned_repeatedly_at(settings.returned_repeatedly_at)),
        ("fee_tolerance", base().with_fee_tolerance(settings.fee_tolerance)),
    ];
    // The cards are checked as a pair: a bad number is reported on its own field,
    // yellow above red on red's.
    let cards = base().with_cards(settings.yellow_after_days, settings.red_after_days);
    let number_ok = |x: f64| x.is_finite() && x >= 0.0;
    if !number_ok(settings.yellow_after_days) {
        checks.push(("yellow_after_days", cards.clone()));
    }
    if !number_ok(settings.red_after_days) || number_ok(settings.yellow_after_days) {
        checks.push(("red_after_days", cards));
    }
    checks.extend(settings.disabled.iter().map(|rule| ("disabled", base().disable(rule))));
    let mut errors = FieldErrors::new();
    for (field, result) in checks {
        if let Err(e) = result {
            errors.add(field, FieldError::new(e.code()));
        }
    }
    errors.into_result()?;
    settings.to_config().map_err(|e| FieldErrors::from(("rules", FieldError::new(e.code()))))
}

/// The office hours in force (default 9:00–12:00, 13:30–17:30).
pub async fn office_hours(conn: &impl ConnectionTrait) -> Result<OfficeHours, StoreError> {
    let stored = value(conn, OFFICE_HOURS).await?;
    Ok(stored.and_then(|text| OfficeHours::parse(&text).ok()).unwrap_or_default())
}

/// Replaces the office hours (the commission only); `text` as `09:00-12:00,13:30-17:30`.
pub async fn set_office_hours(store: &Store, principal: &Principal, text: &str) -> Result<OfficeHours, StoreError> {
    authorize(principal, Action::ManageCalendar, Target::County)?;
    let hours =
        OfficeHours::parse(text.trim()).map_err(|e| StoreError::invalid("office_hours", FieldError::new(e.code())))?;
    let mut write = Write::begin(store, principal).await?;
    put(&mut write, OFFICE_HOURS, text.trim()).await?;
    write.commit().await?;
    Ok(hours)
}
