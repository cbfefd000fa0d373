//! The indicators: each reads one release at a time into a per-thread [`Accumulator`],
//! accumulators are merged, and statistics over all releases are taken at the end.
//!
//! A release takes part only if its `ocid` is a string, its tender is not cancelled and
//! its `procurementMethodDetails` is not in `[exclusions]`, as in cardinal.

mod amendments;
mod bid_ratios;
mod early_payment;
mod non_open;
mod r003;
mod r018;
mod r025;
mod r028;
mod r030;
mod r035;
mod r036;
mod r038;
mod r048;
mod splitting;
mod supplier_share;

use std::collections::{BTreeMap, HashSet};

use super::interner::{FastMap, Interner};
use super::output::{Flagged, Group, INVALID_LINE_SAMPLES, Indicator, LineError, Output, Summary};
use super::release::Release;
use super::settings::{Settings, ValueSet, matches_details};

/// A count of bids as a fraction, summed as mediants (numerators and denominators apart).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fraction {
    pub(crate) numerator: usize,
    pub(crate) denominator: usize,
}

impl Fraction {
    fn add(&mut self, numerator: usize, denominator: usize) {
        self.numerator += numerator;
        self.denominator += denominator;
    }

    fn ratio(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }
}

/// A contracting process flagged during the per-release pass.
#[derive(Debug, Clone)]
pub(crate) struct ProcessFlag {
    line: u64,
    ocid: Box<str>,
    indicator: Indicator,
    value: f64,
    /// Set when the flag compared amounts: it counts only in the main currency.
    currency: Option<u32>,
}

/// An organization flagged during the per-release pass.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrganizationFlag {
    group: Group,
    organization: u32,
    indicator: Indicator,
    value: f64,
}

/// Everything the indicators keep between releases.
#[derive(Debug, Default)]
pub(crate) struct Accumulator {
    organizations: Interner,
    currencies: Interner,
    /// Monetary values seen per currency id.
    currency_counts: Vec<u64>,
    /// The first currency seen: on a bid if any (the amounts cardinal compares), else
    /// on any value; as (not a bid, line, currency).
    first_currency: Option<(bool, u64, u32)>,
    flags: Vec<ProcessFlag>,
    organization_flags: Vec<OrganizationFlag>,
    bid_ratios: Vec<bid_ratios::BidRatio>,
    r025: FastMap<u32, Fraction>,
    /// R038's fractions by buyer, procuring entity and tenderer.
    r038: [FastMap<u32, Fraction>; 3],
    r048: FastMap<u32, (usize, HashSet<Box<str>>)>,
    splitting: Vec<splitting::Part>,
    shares: supplier_share::Shares,
    last_currency: Option<(Box<str>, u32)>,
    pub(crate) summary: Summary,
}

/// What one release's indicators need to know about it.
pub(crate) struct Context<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) release: &'a Release<'a>,
    pub(crate) ocid: &'a str,
    pub(crate) line: u64,
}

impl Accumulator {
    fn flag(&mut self, context: &Context<'_>, indicator: Indicator, value: f64) {
        self.flags.push(ProcessFlag {
            line: context.line,
            ocid: context.ocid.into(),
            indicator,
            value,
            currency: None,
        });
    }

    fn flag_in_currency(&mut self, context: &Context<'_>, indicator: Indicator, value: f64, currency: u32) {
        self.flags.push(ProcessFlag {
            line: context.line,
            ocid: context.ocid.into(),
            indicator,
            value,
            currency: Some(currency),
        });
    }

    fn flag_organization(&mut self, group: Group, id: &str, line: u64, indicator: Indicator, value: f64) {
        let organization = self.organizations.intern(id, line);
        self.organization_flags.push(OrganizationFlag { group, organization, indicator, value });
    }

    fn organization(&mut self, id: &str, line: u64) -> u32 {
        self.organizations.intern(id, line)
    }

    fn currency(&mut self, code: &str, line: u64) -> u32 {
        // Nearly every value is in the same currency: skip the lookup for it.
        if let Some((last, id)) = &self.last_currency
            && **last == *code
            && self.currencies.first_line(*id) <= line
        {
            return *id;
        }
        let id = self.currencies.intern(code, line);
        self.last_currency = Some((code.into(), id));
        id
    }

    /// Counts the release's monetary values per currency, so values in other currencies
    /// can be reported, and notes the first currency seen (bids first).
    fn tally_currencies(&mut self, release: &Release, line: u64) {
        let bids = release.bids.details.items().iter().map(|b| &b.value);
        let awards = release.awards.items().iter().map(|a| &a.value);
        let contracts = release.contracts.items().iter().flat_map(|c| {
            std::iter::once(&c.value).chain(
                c.implementation
                    .transactions
                    .items()
                    .iter()
                    .map(|t| if t.value.amount.0.is_some() { &t.value } else { &t.amount }),
            )
        });
        let values = bids
            .map(|v| (false, v))
            .chain(std::iter::once(&release.tender.value).chain(awards).chain(contracts).map(|v| (true, v)));
        for (not_bid, value) in values {
            if let Some((_, code)) = value.amount_in() {
                let id = self.currency(code, line);
                let index = id as usize;
                if self.currency_counts.len() <= index {
                    self.currency_counts.resize(index + 1, 0);
                }
                self.currency_counts[index] += 1;
                if self.first_currency.is_none_or(|(other, first, _)| (not_bid, line) < (other, first)) {
                    self.first_currency = Some((not_bid, line, id));
                }
            }
        }
    }

    pub(crate) fn record_invalid_line(&mut self, line: u64, message: String) {
        self.summary.invalid_lines += 1;
        if self.summary.invalid_line_samples.len() < INVALID_LINE_SAMPLES {
            self.summary.invalid_line_samples.push(LineError { line, message });
        }
    }

    /// Folds another thread's accumulator into this one.
    pub(crate) fn merge(&mut self, other: Self) {
        let organizations = self.organizations.absorb(&other.organizations);
        let currencies = self.currencies.absorb(&other.currencies);
        let org = |id: u32| organizations[id as usize];
        let cur = |id: u32| currencies[id as usize];

        for (id, count) in other.currency_counts.into_iter().enumerate() {
            let index = currencies[id] as usize;
            if self.currency_counts.len() <= index {
                self.currency_counts.resize(index + 1, 0);
            }
            self.currency_counts[index] += count;
        }
        if let Some((not_bid, line, id)) = other.first_currency
            && self.first_currency.is_none_or(|(mine, first, _)| (not_bid, line) < (mine, first))
        {
            self.first_currency = Some((not_bid, line, cur(id)));
        }
        self.flags.extend(other.flags.into_iter().map(|mut f| {
            f.currency = f.currency.map(cur);
            f
        }));
        self.organization_flags.extend(other.organization_flags.into_iter().map(|mut f| {
            f.organization = org(f.organization);
            f
        }));
        self.bid_ratios.extend(other.bid_ratios.into_iter().map(|r| r.remap(&org, &cur)));
        for (id, fraction) in other.r025 {
            self.r025.entry(org(id)).or_default().add(fraction.numerator, fraction.denominator);
        }
        for (mine, theirs) in self.r038.iter_mut().zip(other.r038) {
            for (id, fraction) in theirs {
                mine.entry(org(id)).or_default().add(fraction.numerator, fraction.denominator);
            }
        }
        for (id, (count, codes)) in other.r048 {
            let entry = self.r048.entry(org(id)).or_default();
            entry.0 += count;
            entry.1.extend(codes);
        }
        self.splitting.extend(other.splitting.into_iter().map(|p| p.remap(&org, &cur)));
        self.shares.merge(other.shares, &org, &cur);

        let summary = other.summary;
        self.summary.lines += summary.lines;
        self.summary.releases += summary.releases;
        self.summary.excluded_releases += summary.excluded_releases;
        self.summary.not_releases += summary.not_releases;
        self.summary.invalid_lines += summary.invalid_lines;
        self.summary.invalid_line_samples.extend(summary.invalid_line_samples);
    }
}

/// Runs the enabled indicators over one release.
pub(crate) fn fold(settings: &Settings, accumulator: &mut Accumulator, release: &Release, line: u64) {
    let Some(ocid) = release.ocid.get() else {
        accumulator.summary.not_releases += 1;
        return;
    };
    accumulator.summary.releases += 1;
    if release.is_cancelled()
        || !matches_details(
            release.procurement_method_details(),
            &ValueSet::default(),
            &settings.excluded_procurement_method_details,
        )
    {
        accumulator.summary.excluded_releases += 1;
        return;
    }
    let context = Context { settings, release, ocid, line };
    accumulator.tally_currencies(release, line);
    if let Some(r003) = &settings.r003 {
        r003::fold(r003, accumulator, &context);
    }
    if let Some(r018) = &settings.r018 {
        r018::fold(r018, accumulator, &context);
    }
    if settings.r024.is_some() || settings.r058.is_some() {
        bid_ratios::fold(accumulator, &context);
    }
    if settings.r025.is_some() {
        r025::fold(accumulator, &context);
    }
    if settings.r028 {
        r028::fold(accumulator, &context);
    }
    if settings.r030 {
        r030::fold(accumulator, &context);
    }
    if let Some(r035) = &settings.r035 {
        r035::fold(*r035, accumulator, &context);
    }
    if settings.r036 {
        r036::fold(accumulator, &context);
    }
    if settings.r038.is_some() {
        r038::fold(accumulator, &context);
    }
    if let Some(r048) = &settings.r048 {
        r048::fold(r048, accumulator, &context);
    }
    if let Some(s001) = &settings.s001 {
        splitting::fold(s001, accumulator, &context);
    }
    if settings.s002.is_some() {
        supplier_share::fold(accumulator, &context);
    }
    if let Some(s003) = &settings.s003 {
        early_payment::fold(s003, accumulator, &context);
    }
    if let Some(s004) = &settings.s004 {
        amendments::fold(*s004, accumulator, &context);
    }
    if let Some(s005) = &settings.s005 {
        non_open::fold(s005, accumulator, &context);
    }
}

/// Results of one group: by id, where the id first appeared and its values.
type GroupResults = FastMap<String, (u64, BTreeMap<Indicator, f64>)>;

/// Collects results per group and id, remembering where each id first appeared.
#[derive(Default)]
pub(crate) struct Results {
    groups: [GroupResults; 4],
    meta: BTreeMap<Indicator, Vec<(&'static str, f64)>>,
}

impl Results {
    fn set(&mut self, group: Group, id: &str, order: u64, indicator: Indicator, value: f64) {
        let entry = self.groups[group as usize].entry(id.to_owned()).or_insert_with(|| (order, BTreeMap::new()));
        entry.0 = entry.0.min(order);
        entry.1.insert(indicator, value);
    }

    fn set_meta(&mut self, indicator: Indicator, name: &'static str, value: f64) {
        let fences = self.meta.entry(indicator).or_default();
        if let Some(existing) = fences.iter_mut().find(|(n, _)| *n == name) {
            existing.1 = value;
        } else {
            fences.push((name, value));
        }
    }

    fn into_output(self, summary: Summary) -> Output {
        let mut groups = Vec::new();
        for (group, entries) in Group::ALL.into_iter().zip(self.groups) {
            if entries.is_empty() {
                continue;
            }
            let mut entries: Vec<_> = entries.into_iter().collect();
            entries.sort_by(|(a_id, (a, _)), (b_id, (b, _))| a.cmp(b).then_with(|| a_id.cmp(b_id)));
            let flagged = entries
                .into_iter()
                .map(|(id, (_, values))| Flagged { id, values: values.into_iter().collect() })
                .collect();
            groups.push((group, flagged));
        }
        Output { groups, meta: self.meta.into_iter().collect(), summary }
    }
}

/// Takes the statistics over all releases and produces the results.
pub(crate) fn finalize(settings: &Settings, accumulator: Accumulator) -> Output {
    let mut accumulator = accumulator;
    let main_currency = match &settings.currency {
        Some(code) => accumulator.currencies.lookup(code),
        None => accumulator.first_currency.map(|(_, _, id)| id),
    };
    let mut summary = std::mem::take(&mut accumulator.summary);
    summary.invalid_line_samples.sort_by_key(|e| e.line);
    summary.invalid_line_samples.truncate(INVALID_LINE_SAMPLES);
    summary.currency =
        settings.currency.clone().or_else(|| main_currency.map(|id| accumulator.currencies.name(id).to_owned()));
    summary.amounts_in_other_currencies = accumulator
        .currency_counts
        .iter()
        .enumerate()
        .filter(|(id, _)| u32::try_from(*id).ok() != main_currency)
        .map(|(_, count)| count)
        .sum();

    let mut results = Results::default();
    for flag in &accumulator.flags {
        if flag.currency.is_none() || flag.currency == main_currency {
            results.set(Group::Ocid, &flag.ocid, flag.line, flag.indicator, flag.value);
        }
    }
    for flag in &accumulator.organization_flags {
        let organizations = &accumulator.organizations;
        results.set(
            flag.group,
            organizations.name(flag.organization),
            organizations.first_line(flag.organization),
            flag.indicator,
            flag.value,
        );
    }
    let organizations = &accumulator.organizations;
    if let Some(r024) = &settings.r024 {
        bid_ratios::finalize_r024(r024, &accumulator.bid_ratios, main_currency, organizations, &mut results);
    }
    if let Some(r058) = &settings.r058 {
        bid_ratios::finalize_r058(r058, &accumulator.bid_ratios, main_currency, organizations, &mut results);
    }
    if let Some(r025) = &settings.r025 {
        r025::finalize(r025, &accumulator.r025, organizations, &mut results);
    }
    if let Some(r038) = &settings.r038 {
        r038::finalize(r038, &accumulator.r038, organizations, &mut results);
    }
    if let Some(r048) = &settings.r048 {
        r048::finalize(r048, &accumulator.r048, organizations, &mut results);
    }
    if let Some(s001) = &settings.s001 {
        splitting::finalize(s001, &mut accumulator.splitting, main_currency, organizations, &mut results);
    }
    if let Some(s002) = &settings.s002 {
        supplier_share::finalize(s002, &accumulator.shares, main_currency, organizations, &mut results);
    }
    results.into_output(summary)
}

/// Seconds since the epoch of an OCDS date: RFC 3339, or a bare `YYYY-MM-DD` (taken as
/// midnight UTC), which some publishers use for `dateSigned`.
pub(crate) fn timestamp(text: &str) -> Option<i64> {
    if let Ok(moment) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(moment.timestamp());
    }
    let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp())
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs the engine over hand-made releases.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::super::output::Output;
    use serde::Deserialize;

    use super::super::release::Release;
    use super::super::settings::Settings;
    use super::{Accumulator, finalize, fold};

    pub(crate) fn run(settings_ini: &str, releases: &[serde_json::Value]) -> Output {
        let settings = Settings::from_ini(settings_ini).expect("settings");
        let mut accumulator = Accumulator::default();
        for (index, value) in releases.iter().enumerate() {
            let release = Release::deserialize(value).expect("release");
            fold(&settings, &mut accumulator, &release, index as u64 + 1);
        }
        finalize(&settings, accumulator)
    }
}
