//! Parsing a power from cell texts: one catalogue row or one web form.

use crate::catalogue::code::PowerCode;
use crate::catalogue::column::Column;
use crate::catalogue::draft::{PowerDraft, PowerDraftParts, PowerName};
use crate::catalogue::fee::{Fee, parse_flag};
use crate::catalogue::legal_basis::LegalBasis;
use crate::catalogue::power_type::PowerTypes;
use crate::catalogue::time_limit::TimeLimit;
use crate::field::{FieldError, FieldErrors};
use crate::org::UnitCode;
use crate::text::{Name, Note};

/// What a row is checked against besides itself.
pub struct RowContext<'a> {
    /// The unit being imported (`--unit`); a blank unit cell means this unit.
    pub unit: &'a UnitCode,
    /// The unit's name, also accepted in the unit column (`县市场监督管理局`).
    pub unit_name: Option<&'a str>,
    pub power_types: PowerTypes,
    /// Whether the unit has a section of this name; the caller knows the sections.
    pub known_section: &'a dyn Fn(&str) -> bool,
}

/// Parses one power from its cell texts (`cell(column)` is `None` or blank when
/// empty). Every refused field is reported, keyed by [`Column::key`].
///
/// Blank `fee` and `unit_head` mean no, blank `public` means yes: that is how
/// real catalogues leave them.
#[allow(clippy::too_many_lines, reason = "one statement per column: the list reads best whole")]
pub fn parse_row<'c>(
    cell: impl Fn(Column) -> Option<&'c str>,
    context: &RowContext<'_>,
) -> Result<PowerDraft, FieldErrors> {
    let text = |column: Column| cell(column).map(str::trim).filter(|t| !t.is_empty());
    let mut errors = FieldErrors::new();

    let code = errors.take(Column::Code.key(), text(Column::Code).map(PowerCode::parse).transpose());
    let name = errors.take(Column::Name.key(), PowerName::parse(text(Column::Name).unwrap_or_default()));
    let power_type = errors.take(Column::Type.key(), context.power_types.parse(text(Column::Type).unwrap_or_default()));
    let unit = errors.take(Column::Unit.key(), parse_unit(text(Column::Unit), context));
    let legal_basis =
        errors.take(Column::LegalBasis.key(), LegalBasis::parse(text(Column::LegalBasis).unwrap_or_default()));
    let legal_limit = errors.take(Column::LegalLimit.key(), text(Column::LegalLimit).map(TimeLimit::parse).transpose());
    let promised_limit =
        errors.take(Column::PromisedLimit.key(), text(Column::PromisedLimit).map(TimeLimit::parse).transpose());
    let charged = errors.take(Column::Fee.key(), flag(text(Column::Fee), false));
    let fee = charged
        .and_then(|charged| errors.take(Column::FeeStandard.key(), Fee::parse(charged, text(Column::FeeStandard))));
    let section = errors.take(
        Column::Section.key(),
        Name::parse_optional(text(Column::Section)).and_then(|section| match section {
            Some(s) if !(context.known_section)(s.as_str()) => Err(FieldError::new("unknown_section")),
            other => Ok(other),
        }),
    );
    let position = errors.take(Column::Position.key(), Name::parse_optional(text(Column::Position)));
    let unit_head = errors.take(Column::UnitHead.key(), flag(text(Column::UnitHead), false));
    let public = errors.take(Column::Public.key(), flag(text(Column::Public), true));
    let notes = errors.take(Column::Notes.key(), Note::parse_optional(text(Column::Notes)));

    let (
        Some(code),
        Some(name),
        Some(power_type),
        Some(unit),
        Some(legal_basis),
        Some(legal_limit),
        Some(promised_limit),
        Some(fee),
        Some(section),
        Some(position),
        Some(unit_head),
        Some(public),
        Some(notes),
    ) = (
        code,
        name,
        power_type,
        unit,
        legal_basis,
        legal_limit,
        promised_limit,
        fee,
        section,
        position,
        unit_head,
        public,
        notes,
    )
    else {
        return Err(errors);
    };
    PowerDraft::new(PowerDraftParts {
        code,
        name,
        power_type,
        legal_basis,
        unit,
        section,
        position,
        legal_limit,
        promised_limit,
        fee,
        unit_head,
        public,
        notes,
    })
}

fn flag(raw: Option<&str>, blank: bool) -> Result<bool, FieldError> {
    raw.map_or(Ok(blank), parse_flag)
}

fn parse_unit(raw: Option<&str>, context: &RowContext<'_>) -> Result<UnitCode, FieldError> {
    let Some(raw) = raw else {
        return Ok(context.unit.clone());
    };
    let by_name = context.unit_name.is_some_and(|name| name.trim() == raw);
    let by_code = UnitCode::parse(raw).is_ok_and(|code| &code == context.unit);
    if by_name || by_code { Ok(context.unit.clone()) } else { Err(FieldError::new("unit_mismatch")) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use super::*;
    use crate::catalogue::draft::tests::sample;

    fn context<'a>(unit: &'a UnitCode, known: &'a dyn Fn(&str) -> bool) -> RowContext<'a> {
        RowContext {
            unit,
            unit_name: Some("县市场监督管理局"),
            power_types: PowerTypes::default(),
            known_section: known,
        }
    }

    #[test]
    fn cells_of_a_draft_parse_back() {
        let draft = sample();
        let unit = UnitCode::parse("SCJG").unwrap();
        let known = |s: &str| s == "食品经营监管股";
        let cells: BTreeMap<Column, String> =
            Column::ALL.iter().filter_map(|&c| draft.cell(c).map(|v| (c, v))).collect();
        let parsed = parse_row(|c| cells.get(&c).map(String::as_str), &context(&unit, &known));
        assert_eq!(parsed.unwrap(), draft);
    }

    #[test]
    fn reports_every_bad_field() {
        let unit = UnitCode::parse("SCJG").unwrap();
        let known = |_: &str| false;
        let cells: BTreeMap<Column, &str> = [
            (Column::Type, "行政审批"),
            (Column::Unit, "ZRZY"),
            (Column::LegalBasis, "《行政许可法》"),
            (Column::LegalLimit, "二十"),
            (Column::Fee, "是"),
            (Column::Section, "审批股"),
            (Column::UnitHead, "可能"),
        ]
        .into_iter()
        .collect();
        let errors = parse_row(|c| cells.get(&c).copied(), &context(&unit, &known)).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|(f, e)| (f.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("fee_standard", "fee_standard_required"),
                ("legal_limit", "limit_unit_missing"),
                ("name", "required"),
                ("section", "unknown_section"),
                ("type", "unknown_power_type"),
                ("unit", "unit_mismatch"),
                ("unit_head", "unreadable_flag"),
            ]
        );
    }

    #[test]
    fn unit_by_name_or_blank() {
        let unit = UnitCode::parse("SCJG").unwrap();
        let known = |_: &str| true;
        for unit_cell in [None, Some("县市场监督管理局"), Some("scjg")] {
            let cells: BTreeMap<Column, &str> = [
                (Column::Name, "食品经营许可"),
                (Column::Type, "XK"),
                (Column::LegalBasis, "《食品安全法》第三十五条"),
            ]
            .into_iter()
            .chain(unit_cell.map(|u| (Column::Unit, u)))
            .collect();
            let draft = parse_row(|c| cells.get(&c).copied(), &context(&unit, &known)).unwrap();
            assert_eq!(draft.parts().unit, unit);
            assert!(draft.parts().public);
            assert!(!draft.parts().unit_head);
        }
    }
}
