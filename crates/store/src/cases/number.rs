//! Case numbers (办件编号) and verification codes.
//!
//! A number drawn here reads `<unit code>-<YYYYMMDD>-<nnnnnn>`: the unit, the day
//! the application was received (China time) and that unit's sequence of the day.
//! Numbers sent by units' own systems are kept as they come. The verification code
//! is six random digits shown once to the applicant; only its SHA-256 is stored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use sunlight_domain::flow::calendar::china_time;

use crate::StoreError;
use crate::entity::handling_case;

/// Digits of the day's sequence in a drawn number.
pub const SEQUENCE_DIGITS: usize = 6;
const SEQUENCE_MAX: u32 = 999_999;
/// Digits of a verification code.
pub const CODE_DIGITS: usize = 6;

/// Six random digits.
pub(super) fn verification_code() -> String {
    format!("{:0CODE_DIGITS$}", rand::random_range(0..1_000_000_u32))
}

/// The number drawn for `unit_code`'s `sequence`-th case received on `day`.
#[must_use]
pub fn drawn_number(unit_code: &str, day: NaiveDate, sequence: u32) -> String {
    format!("{unit_code}-{}-{sequence:0SEQUENCE_DIGITS$}", day.format("%Y%m%d"))
}

/// What is stored of a verification code.
#[must_use]
pub fn hash_code(code: &str) -> String {
    crate::accounts::sha256_hex(code.trim())
}

fn prefix(unit_code: &str, received: DateTime<Utc>) -> String {
    format!("{unit_code}-{}-", received.with_timezone(&china_time()).format("%Y%m%d"))
}

/// Draws new case numbers within one write (writers are serialised, so the last
/// number of a day cannot move under it); remembers what it drew.
#[derive(Default)]
pub(super) struct Numbers {
    last: HashMap<String, u32>,
}

impl Numbers {
    pub(super) async fn next(
        &mut self,
        conn: &impl ConnectionTrait,
        unit_code: &str,
        received: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let prefix = prefix(unit_code, received);
        let last = match self.last.get(&prefix) {
            Some(n) => *n,
            None => last_of_day(conn, &prefix).await?,
        };
        let next = last + 1;
        if next > SEQUENCE_MAX {
            return Err(StoreError::Internal(format!("more than {SEQUENCE_MAX} cases on one day for {prefix}")));
        }
        self.last.insert(prefix, next);
        Ok(drawn_number(unit_code, received.with_timezone(&china_time()).date_naive(), next))
    }
}

/// The highest sequence drawn for `prefix`: numbers of that form sort by their
/// sequence, since all have six digits.
async fn last_of_day(conn: &impl ConnectionTrait, prefix: &str) -> Result<u32, StoreError> {
    let low = format!("{prefix}{}", "0".repeat(SEQUENCE_DIGITS));
    let high = format!("{prefix}{}", "9".repeat(SEQUENCE_DIGITS));
    let in_range = || {
        handling_case::Entity::find()
            .filter(handling_case::Column::CaseNumber.gte(low.as_str()))
            .filter(handling_case::Column::CaseNumber.lte(high.as_str()))
    };
    // MAX rather than ORDER BY … LIMIT ?: SQLite plans a statement with a bound
    // LIMIT anew each time it runs, and this one runs for every group that creates.
    let top: Option<Option<String>> = in_range()
        .select_only()
        .column_as(Expr::col(handling_case::Column::CaseNumber).max(), "top")
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .next();
    let Some(top) = top.flatten() else { return Ok(0) };
    if let Ok(n) = top[prefix.len()..].parse::<u32>() {
        return Ok(n);
    }
    // A number a unit's system sent in this form but not with digits: count past
    // everything in the range instead.
    Ok(u32::try_from(in_range().count(conn).await?).unwrap_or(SEQUENCE_MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_are_six_digits_and_hashed() {
        for _ in 0..100 {
            let code = verification_code();
            assert_eq!(code.len(), 6);
            assert!(code.chars().all(|c| c.is_ascii_digit()));
        }
        assert_eq!(hash_code(" 123456 "), hash_code("123456"));
        assert_eq!(hash_code("123456").len(), 64);
    }

    #[test]
    fn the_prefix_is_the_china_date() {
        let late = DateTime::parse_from_rfc3339("2026-03-01T17:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(prefix("SCJG", late), "SCJG-20260302-");
    }
}
