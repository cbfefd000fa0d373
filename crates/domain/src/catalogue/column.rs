//! The columns of a catalogue, shared by forms, import, export and version diffs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::field::FieldError;
use crate::org::keyed_enum;

keyed_enum! {
    /// One field of a power as a catalogue column. The key is the English header.
    Column {
        Code => "code",
        Name => "name",
        Type => "type",
        Unit => "unit",
        LegalBasis => "legal_basis",
        LegalLimit => "legal_limit",
        PromisedLimit => "promised_limit",
        Fee => "fee",
        FeeStandard => "fee_standard",
        Section => "section",
        Position => "position",
        UnitHead => "unit_head",
        Public => "public",
        Notes => "notes",
    }
}

impl Column {
    /// The header written on export and shown to Chinese users.
    #[must_use]
    pub const fn header_zh(self) -> &'static str {
        match self {
            Self::Code => "事项编码",
            Self::Name => "事项名称",
            Self::Type => "权力类型",
            Self::Unit => "实施主体",
            Self::LegalBasis => "设定依据",
            Self::LegalLimit => "法定时限",
            Self::PromisedLimit => "承诺时限",
            Self::Fee => "是否收费",
            Self::FeeStandard => "收费标准",
            Self::Section => "责任科室",
            Self::Position => "责任岗位",
            Self::UnitHead => "一把手职权",
            Self::Public => "是否公开",
            Self::Notes => "备注",
        }
    }

    /// Whether an import must find this column.
    #[must_use]
    pub const fn is_required(self) -> bool {
        matches!(self, Self::Name | Self::Type | Self::LegalBasis)
    }

    /// Other headers real catalogues use for the same column.
    const fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Code => &["职权编码", "权力编码", "编码", "编号"],
            Self::Name => &["职权名称", "权力名称", "权力事项名称"],
            Self::Type => &["职权类型", "权力类别", "事项类型", "power_type"],
            Self::Unit => &["实施机关", "实施单位", "责任单位", "unit_code"],
            Self::LegalBasis => &["实施依据", "法律依据", "依据"],
            Self::LegalLimit => &["法定办结时限", "法定期限"],
            Self::PromisedLimit => &["承诺办结时限", "承诺期限"],
            Self::Fee => &["收费", "是否收费（是/否）"],
            Self::FeeStandard => &["收费依据及标准", "收费依据"],
            Self::Section => &["承办科室", "责任股室", "承办机构", "内设机构"],
            Self::Position => &["岗位", "承办岗位"],
            Self::UnitHead => &["是否一把手职权", "一把手"],
            Self::Public => &["公开"],
            Self::Notes => &["说明", "note"],
        }
    }

    /// The column a header names, ignoring spaces, underscores, case, a required mark (`*`)
    /// and a bracketed hint such as `（是/否）`.
    #[must_use]
    pub fn from_header(raw: &str) -> Option<Self> {
        let header = normalise(raw);
        if header.is_empty() {
            return None;
        }
        Self::ALL.iter().copied().find(|column| {
            header == normalise(column.header_zh())
                || header == normalise(column.key())
                || column.aliases().iter().any(|alias| header == normalise(alias))
        })
    }
}

fn normalise(raw: &str) -> String {
    let mut text: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '_' | '-'))
        .collect::<String>()
        .to_lowercase();
    for open in ['（', '('] {
        if let Some(at) = text.find(open).filter(|&at| at > 0) {
            text.truncate(at);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_columns_by_any_header() {
        assert_eq!(Column::from_header("事项名称"), Some(Column::Name));
        assert_eq!(Column::from_header(" *事项 名称 "), Some(Column::Name));
        assert_eq!(Column::from_header("Legal_Basis"), Some(Column::LegalBasis));
        assert_eq!(Column::from_header("legal basis"), Some(Column::LegalBasis));
        assert_eq!(Column::from_header("一把手职权（是/否）"), Some(Column::UnitHead));
        assert_eq!(Column::from_header("职权编码"), Some(Column::Code));
        assert_eq!(Column::from_header("序号"), None);
        assert_eq!(Column::from_header(""), None);
    }

    #[test]
    fn every_header_finds_its_column() {
        for column in Column::ALL {
            assert_eq!(Column::from_header(column.header_zh()), Some(*column));
            assert_eq!(Column::from_header(column.key()), Some(*column));
        }
    }
}
