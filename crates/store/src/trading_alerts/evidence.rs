//! The facts an alert rests on, taken from the compiled release, so the alert page can
//! show them in words: each fact is a key (translated as `evidence-<key>`) and a text.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use sunlight_domain::trading::{Group, Indicator, Output, Settings};

/// What an alert's `evidence` column holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evidence {
    pub indicator: &'static str,
    pub group: &'static str,
    pub value: f64,
    /// The settings' threshold for the indicator, when it has one.
    pub threshold: Option<f64>,
    pub facts: Vec<Fact>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Fact {
    pub fact: &'static str,
    pub text: String,
}

fn fact(fact: &'static str, text: impl Into<String>) -> Fact {
    Fact { fact, text: text.into() }
}

fn at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn text(value: &Value, path: &[&str]) -> Option<String> {
    match at(value, path)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn array<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    at(value, path).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `1200000 CNY`, or empty when there is no amount.
fn money(value: Option<&Value>) -> String {
    let Some(v) = value else { return String::new() };
    let amount = v.get("amount").and_then(Value::as_f64);
    let currency = v.get("currency").and_then(Value::as_str).unwrap_or_default();
    amount.map_or_else(String::new, |a| format!("{a} {currency}").trim_end().to_owned())
}

fn amount(value: Option<&Value>) -> Option<f64> {
    value?.get("amount").and_then(Value::as_f64)
}

fn names(list: &[Value]) -> String {
    list.iter().filter_map(|p| text(p, &["name"]).or_else(|| text(p, &["id"]))).collect::<Vec<_>>().join("、")
}

fn bid_line(bid: &Value) -> String {
    let who = names(array(bid, &["tenderers"]));
    let mut line = format!("{who}: {}", money(bid.get("value")));
    if let Some(status) = text(bid, &["status"]) {
        let _ = write!(line, " ({status})");
    }
    if let Some(date) = text(bid, &["date"]) {
        let _ = write!(line, " @ {date}");
    }
    line
}

/// The date part of an RFC 3339 time or a `YYYY-MM-DD` date.
fn day(raw: &str) -> Option<chrono::NaiveDate> {
    chrono::DateTime::parse_from_rfc3339(raw)
        .map(|t| t.date_naive())
        .ok()
        .or_else(|| chrono::NaiveDate::parse_from_str(raw.get(..10)?, "%Y-%m-%d").ok())
}

fn winners(release: &Value) -> Vec<String> {
    array(release, &["awards"])
        .iter()
        .filter(|a| text(a, &["status"]).is_none_or(|s| s == "active"))
        .flat_map(|a| array(a, &["suppliers"]).iter().filter_map(|s| text(s, &["id"])))
        .collect()
}

fn is_winning(bid: &Value, winners: &[String]) -> bool {
    array(bid, &["tenderers"]).iter().filter_map(|t| text(t, &["id"])).any(|id| winners.contains(&id))
}

/// The threshold a setting gives the indicator, if any.
#[must_use]
pub fn threshold(settings: &Settings, indicator: Indicator, output: &Output) -> Option<f64> {
    let fence =
        |name: &str| {
            output.meta().iter().find(|(i, _)| *i == indicator).and_then(|(_, fences)| {
                fences.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).filter(|v| v.is_finite())
            })
        };
    #[allow(clippy::cast_precision_loss)]
    match indicator {
        Indicator::R003 => settings.r003.as_ref().map(|s| s.threshold as f64),
        Indicator::R024 => settings.r024.as_ref().and_then(|s| s.threshold).or_else(|| fence("lower_fence")),
        Indicator::R025 => settings.r025.as_ref().and_then(|s| s.threshold).or_else(|| fence("lower_fence")),
        Indicator::R035 => settings.r035.as_ref().map(|s| s.threshold as f64),
        Indicator::R038 => settings.r038.as_ref().and_then(|s| s.threshold).or_else(|| fence("upper_fence")),
        Indicator::R048 => {
            settings.r048.as_ref().and_then(|s| s.threshold).map(|t| t as f64).or_else(|| fence("upper_fence"))
        }
        Indicator::R058 => settings.r058.as_ref().and_then(|s| s.threshold).or_else(|| fence("upper_fence")),
        Indicator::S001 => settings.s001.as_ref().map(|s| s.threshold),
        Indicator::S002 => settings.s002.as_ref().map(|s| s.threshold),
        Indicator::S004 => settings.s004.as_ref().map(|s| s.threshold),
        Indicator::S005 => settings.s005.as_ref().map(|s| s.threshold),
        Indicator::R018 | Indicator::R028 | Indicator::R030 | Indicator::R036 | Indicator::S003 => None,
    }
}

/// The facts behind a flag on one contracting process.
#[must_use]
#[allow(clippy::too_many_lines)] // one arm an indicator
pub fn release_facts(indicator: Indicator, release: &Value) -> Vec<Fact> {
    let mut facts = Vec::new();
    if let Some(title) = text(release, &["tender", "title"]).or_else(|| text(release, &["title"])) {
        facts.push(fact("title", title));
    }
    if let Some(buyer) = text(release, &["buyer", "name"]) {
        facts.push(fact("buyer", buyer));
    }
    let method = text(release, &["tender", "procurementMethod"]);
    let bids = array(release, &["bids", "details"]);
    match indicator {
        Indicator::R003 => {
            let start = text(release, &["tender", "tenderPeriod", "startDate"]);
            let end = text(release, &["tender", "tenderPeriod", "endDate"]);
            if let (Some(s), Some(e)) = (start.as_deref().and_then(day), end.as_deref().and_then(day)) {
                facts.push(fact("period_days", (e - s).num_days().to_string()));
            }
            facts.push(fact("tender_start", start.unwrap_or_default()));
            facts.push(fact("tender_end", end.unwrap_or_default()));
            facts.push(fact("procurement_method", method.unwrap_or_default()));
        }
        Indicator::R018 => {
            facts
                .push(fact("number_of_tenderers", text(release, &["tender", "numberOfTenderers"]).unwrap_or_default()));
            facts.push(fact("procurement_method", method.unwrap_or_default()));
        }
        Indicator::R024 | Indicator::R058 => {
            let winners = winners(release);
            let mut lowest_other: Option<&Value> = None;
            for bid in bids {
                if is_winning(bid, &winners) {
                    facts.push(fact("winning_bid", bid_line(bid)));
                } else if amount(bid.get("value"))
                    .is_some_and(|a| lowest_other.and_then(|l| amount(l.get("value"))).is_none_or(|l| a < l))
                {
                    lowest_other = Some(bid);
                }
            }
            if let Some(bid) = lowest_other {
                facts.push(fact("lowest_other_bid", bid_line(bid)));
            }
        }
        Indicator::R028 => {
            for (i, bid) in bids.iter().enumerate() {
                let same = bids.iter().enumerate().any(|(j, other)| {
                    i != j && amount(other.get("value")).is_some() && other.get("value") == bid.get("value")
                });
                if same {
                    facts.push(fact("identical_bid", bid_line(bid)));
                }
            }
        }
        Indicator::R030 => {
            let end = text(release, &["tender", "tenderPeriod", "endDate"]);
            let end_day = end.as_deref().and_then(day);
            facts.push(fact("tender_end", end.clone().unwrap_or_default()));
            for bid in bids {
                let late = text(bid, &["date"]).is_some_and(|d| match (&end, d.as_str()) {
                    (Some(e), d) => d > e.as_str() || day(d).zip(end_day).is_some_and(|(b, e)| b > e),
                    (None, _) => false,
                });
                if late {
                    facts.push(fact("late_bid", bid_line(bid)));
                }
            }
        }
        Indicator::R035 | Indicator::R036 | Indicator::R038 => {
            for bid in bids {
                facts.push(fact("bid", bid_line(bid)));
            }
        }
        Indicator::S001 => {
            for award in array(release, &["awards"]) {
                facts.push(fact("award", award_line(award)));
            }
        }
        Indicator::S003 => {
            for contract in array(release, &["contracts"]) {
                if let Some(signed) = text(contract, &["dateSigned"]) {
                    facts.push(fact("date_signed", signed));
                }
                for milestone in array(contract, &["implementation", "milestones"]) {
                    let kind = text(milestone, &["type"]).unwrap_or_default();
                    let met = text(milestone, &["dateMet"]).unwrap_or_default();
                    facts.push(fact("milestone", format!("{kind}: {met}")));
                }
                for payment in array(contract, &["implementation", "transactions"]) {
                    let date = text(payment, &["date"]).unwrap_or_default();
                    let value = payment.get("value").or_else(|| payment.get("amount"));
                    facts.push(fact("payment", format!("{date}: {}", money(value))));
                }
            }
        }
        Indicator::S004 => {
            for award in array(release, &["awards"]) {
                facts.push(fact("award_value", money(award.get("value"))));
            }
            for contract in array(release, &["contracts"]) {
                facts.push(fact("contract_value", money(contract.get("value"))));
                for amendment in array(contract, &["amendments"]) {
                    let date = text(amendment, &["date"]).unwrap_or_default();
                    let why = text(amendment, &["rationale"]).or_else(|| text(amendment, &["description"]));
                    facts.push(fact("amendment", format!("{date} {}", why.unwrap_or_default()).trim().to_owned()));
                    for change in array(amendment, &["changes"]) {
                        if text(change, &["property"]).as_deref() == Some("value") {
                            facts.push(fact("original_value", money(change.get("former_value"))));
                        }
                    }
                }
            }
        }
        Indicator::S005 => {
            facts.push(fact("procurement_method", method.unwrap_or_default()));
            facts.push(fact("tender_value", money(at(release, &["tender", "value"]))));
            for award in array(release, &["awards"]) {
                facts.push(fact("award", award_line(award)));
            }
        }
        Indicator::R025 | Indicator::R048 | Indicator::S002 => {}
    }
    facts
}

fn award_line(award: &Value) -> String {
    let id = text(award, &["id"]).unwrap_or_default();
    let date = text(award, &["date"]).unwrap_or_default();
    let status = text(award, &["status"]).unwrap_or_default();
    format!("{id} {}: {} {date} {status}", names(array(award, &["suppliers"])), money(award.get("value")))
        .trim()
        .to_owned()
}

/// An OCDS party as the releases name it, for matching to `trading_party`.
#[derive(Debug, Clone, Default)]
pub struct PartySeen {
    pub name: Option<String>,
    /// `scheme-id` of its identifier, when it has one.
    pub key: Option<String>,
}

/// Notes every party a release names, by its OCDS id (the id the indicators group by).
pub fn collect_parties(release: &Value, seen: &mut std::collections::HashMap<String, PartySeen>) {
    let mut note = |party: &Value| {
        let Some(id) = text(party, &["id"]) else { return };
        let entry = seen.entry(id).or_default();
        if entry.name.is_none() {
            entry.name = text(party, &["name"]);
        }
        if entry.key.is_none() {
            entry.key = match (text(party, &["identifier", "scheme"]), text(party, &["identifier", "id"])) {
                (Some(scheme), Some(id)) => Some(format!("{scheme}-{id}")),
                (None, Some(id)) => Some(id),
                _ => None,
            };
        }
    };
    for party in array(release, &["parties"]) {
        note(party);
    }
    if let Some(buyer) = release.get("buyer") {
        note(buyer);
    }
    if let Some(entity) = at(release, &["tender", "procuringEntity"]) {
        note(entity);
    }
    for bid in array(release, &["bids", "details"]) {
        array(bid, &["tenderers"]).iter().for_each(&mut note);
    }
    for award in array(release, &["awards"]) {
        array(award, &["suppliers"]).iter().for_each(&mut note);
    }
}

/// The evidence of a flag about a party: the value and the party's name.
#[must_use]
pub fn party_facts(name: Option<&str>, id: &str) -> Vec<Fact> {
    vec![fact("party", name.unwrap_or(id).to_owned()), fact("party_id", id.to_owned())]
}

#[must_use]
pub fn evidence(indicator: Indicator, group: Group, value: f64, threshold: Option<f64>, facts: Vec<Fact>) -> Evidence {
    Evidence { indicator: indicator.code(), group: group.key(), value, threshold, facts }
}
