//! Event logs: what really happened to each case, read from XES (IEEE 1849) or from
//! CSV with XES attribute names, and written back as XES.
//!
//! Recognised keys — event: `concept:name` (activity), `org:resource` (person),
//! `org:group` / `org:role` (role), `time:timestamp`, `lifecycle:transition`,
//! `fee:due`, `fee:paid`, `documents` (names separated by `;`); trace: `concept:name`
//! (case id), `deadline` (the promised deadline), `startdate` or `application` (when
//! the application was filed). In CSV, trace keys carry the `case:` prefix.
//! Strings are interned: a log of 100,000 cases names a few dozen activities and
//! people many times over.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat};
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::reader::Reader;
use serde::Serialize;

use super::xml::{line_of, push_ref};
use crate::fast_hash::FastMap as FxMap;

/// Bounds the memory a log may take; a county's year of approvals is far below it.
pub const MAX_LOG_BYTES: usize = 1 << 30;
/// Logs smaller than this are read on one thread: splitting would cost more.
const PARALLEL_THRESHOLD: usize = 8 << 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("the log is larger than {0} bytes")]
    TooLarge(usize),
    #[error("line {line}: malformed XML: {message}")]
    Xml { line: usize, message: String },
    #[error("line {line}: {message}")]
    Invalid { line: usize, message: String },
    #[error("row {row}: {message}")]
    Csv { row: usize, message: String },
}

impl LogError {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::TooLarge(_) => "too_large",
            Self::Xml { .. } => "malformed_xml",
            Self::Invalid { .. } => "invalid_log",
            Self::Csv { .. } => "invalid_csv",
        }
    }
}

/// An interned string of one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Sym(u32);

impl Sym {
    #[must_use]
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, Default)]
struct Interner {
    names: Vec<Box<str>>,
    index: FxMap<Box<str>, u32>,
}

impl Interner {
    fn intern(&mut self, name: &str) -> Sym {
        if let Some(&i) = self.index.get(name) {
            return Sym(i);
        }
        let i = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.index.insert(name.into(), i);
        Sym(i)
    }

    fn name(&self, sym: Sym) -> &str {
        self.names.get(sym.index()).map_or("", |s| s)
    }
}

/// Where an event sits in a step's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Schedule,
    Start,
    Complete,
    Suspend,
    Resume,
    /// The step or the whole case was aborted (`ate_abort`, `pi_abort`).
    Abort,
    Withdraw,
    Other,
}

impl Lifecycle {
    fn parse(text: &str) -> Self {
        match text.trim().to_ascii_lowercase().as_str() {
            "complete" | "" => Self::Complete,
            "start" => Self::Start,
            "schedule" | "assign" | "reassign" => Self::Schedule,
            "suspend" => Self::Suspend,
            "resume" => Self::Resume,
            "ate_abort" | "pi_abort" | "abort" => Self::Abort,
            "withdraw" => Self::Withdraw,
            _ => Self::Other,
        }
    }

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Start => "start",
            Self::Complete => "complete",
            Self::Suspend => "suspend",
            Self::Resume => "resume",
            Self::Abort => "pi_abort",
            Self::Withdraw => "withdraw",
            Self::Other => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub activity: Sym,
    pub resource: Option<Sym>,
    pub group: Option<Sym>,
    pub time: Option<DateTime<FixedOffset>>,
    pub lifecycle: Lifecycle,
    pub fee_due: Option<f64>,
    pub fee_paid: Option<f64>,
    pub documents: Vec<Sym>,
}

impl Event {
    fn new(activity: Sym) -> Self {
        Self {
            activity,
            resource: None,
            group: None,
            time: None,
            lifecycle: Lifecycle::Complete,
            fee_due: None,
            fee_paid: None,
            documents: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub id: String,
    pub deadline: Option<DateTime<FixedOffset>>,
    pub application: Option<DateTime<FixedOffset>>,
    pub events: Vec<Event>,
}

/// Cases in the order first seen, events in recorded order.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    strings: Interner,
    pub cases: Vec<Case>,
}

impl EventLog {
    /// The text of an interned name.
    #[must_use]
    pub fn name(&self, sym: Sym) -> &str {
        self.strings.name(sym)
    }

    /// The symbol of a name, if the log uses it.
    #[must_use]
    pub fn lookup(&self, name: &str) -> Option<Sym> {
        self.strings.index.get(name).map(|&i| Sym(i))
    }

    pub fn intern(&mut self, name: &str) -> Sym {
        self.strings.intern(name)
    }

    #[must_use]
    pub fn event_count(&self) -> usize {
        self.cases.iter().map(|c| c.events.len()).sum()
    }

    /// Every interned name's symbol.
    pub fn symbols(&self) -> impl Iterator<Item = Sym> + use<> {
        (0..u32::try_from(self.strings.names.len()).unwrap_or(u32::MAX)).map(Sym)
    }

    /// Appends another log's cases, re-interning its names.
    fn absorb(&mut self, other: Self) {
        let map: Vec<Sym> = other.strings.names.iter().map(|n| self.strings.intern(n)).collect();
        let remap = |s: Sym| map.get(s.index()).copied().unwrap_or(s);
        for mut case in other.cases {
            for event in &mut case.events {
                event.activity = remap(event.activity);
                event.resource = event.resource.map(remap);
                event.group = event.group.map(remap);
                for doc in &mut event.documents {
                    *doc = remap(*doc);
                }
            }
            self.cases.push(case);
        }
    }
}

/// Parses `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]][Z|±HH[:MM]]`; without an offset, `default`.
#[must_use]
pub fn parse_timestamp(text: &str, default: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let b = text.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        let mut n = 0_u32;
        for &d in digits {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
        }
        Some(n)
    };
    if b.len() < 16 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b' ') || b[13] != b':' {
        return None;
    }
    let year = i32::try_from(num(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?;
    let (hour, minute) = (num(11..13)?, num(14..16)?);
    let mut i = 16;
    let mut second = 0;
    let mut nanos = 0_u32;
    if b.get(i) == Some(&b':') {
        second = num(i + 1..i + 3)?;
        i += 3;
        if b.get(i) == Some(&b'.') {
            i += 1;
            let mut scale = 100_000_000_u32;
            while let Some(d) = b.get(i).filter(|d| d.is_ascii_digit()) {
                nanos += u32::from(d - b'0') * scale;
                scale /= 10;
                i += 1;
            }
        }
    }
    let offset = match b.get(i) {
        None => default,
        Some(b'Z' | b'z') if i + 1 == b.len() => FixedOffset::east_opt(0)?,
        Some(&sign @ (b'+' | b'-')) => {
            let h = num(i + 1..i + 3)?;
            let rest = &b[i + 3..];
            let m = match rest {
                [] => 0,
                [b':', _, _] => num(i + 4..i + 6)?,
                [_, _] => num(i + 3..i + 5)?,
                _ => return None,
            };
            let secs = i32::try_from(h * 3600 + m * 60).ok()?;
            FixedOffset::east_opt(if sign == b'-' { -secs } else { secs })?
        }
        _ => return None,
    };
    let naive = date.and_hms_nano_opt(hour, minute, second, nanos)?;
    naive.and_local_timezone(offset).single()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Log,
    Trace,
    Event,
    Other,
}

struct XesChunk<'a> {
    full: &'a str,
    start: usize,
    default_offset: FixedOffset,
    log: EventLog,
    case: Option<Case>,
    event: Option<PendingEvent>,
}

#[derive(Default)]
struct PendingEvent {
    activity: Option<Sym>,
    event: Option<Event>,
}

impl XesChunk<'_> {
    fn line(&self, pos: u64) -> usize {
        line_of(self.full, self.start as u64 + pos)
    }

    fn invalid(&self, pos: u64, message: impl Into<String>) -> LogError {
        LogError::Invalid { line: self.line(pos), message: message.into() }
    }

    fn attribute(&mut self, parent: Ctx, tag: &BytesStart<'_>, pos: u64) -> Result<(), LogError> {
        let kind = local_name(tag);
        if !matches!(kind, "string" | "date" | "int" | "float" | "boolean" | "id") {
            return Ok(());
        }
        let mut key = None;
        let mut value = None;
        let mut raw = RawAttributes(tag.attributes_raw());
        while let Some(attr) = raw.next_pair() {
            let (name, v) = attr.map_err(|m| self.invalid(pos, m))?;
            let v = if memchr::memchr(b'&', v.as_bytes()).is_some() {
                quick_xml::escape::unescape(v).map_err(|e| self.invalid(pos, e.to_string()))?
            } else {
                Cow::Borrowed(v)
            };
            match name {
                "key" => key = Some(v),
                "value" => value = Some(v),
                _ => {}
            }
        }
        let (Some(key), Some(value)) = (key, value) else {
            return Err(self.invalid(pos, format!("<{kind}> needs key and value")));
        };
        let time = |s: &Self| {
            parse_timestamp(&value, s.default_offset)
                .ok_or_else(|| s.invalid(pos, format!("bad timestamp {:?}", clip(&value))))
        };
        match parent {
            Ctx::Trace => {
                let Some(case) = self.case.as_mut() else {
                    return Ok(());
                };
                match key.as_ref() {
                    "concept:name" => value.as_ref().clone_into(&mut case.id),
                    "deadline" | "case:deadline" if !value.is_empty() => {
                        let t = time(self)?;
                        if let Some(case) = self.case.as_mut() {
                            case.deadline = Some(t);
                        }
                    }
                    "startdate" | "application" | "case:startdate" if !value.is_empty() => {
                        let t = time(self)?;
                        if let Some(case) = self.case.as_mut() {
                            case.application = Some(t);
                        }
                    }
                    _ => {}
                }
            }
            Ctx::Event => {
                let t = if key == "time:timestamp" { Some(time(self)?) } else { None };
                let log = &mut self.log;
                let Some(pending) = self.event.as_mut() else {
                    return Ok(());
                };
                let event = pending.event.get_or_insert_with(|| Event::new(Sym(u32::MAX)));
                match key.as_ref() {
                    "concept:name" => pending.activity = Some(log.strings.intern(&value)),
                    "org:resource" => event.resource = Some(log.strings.intern(&value)),
                    "org:group" | "org:role" => event.group = Some(log.strings.intern(&value)),
                    "time:timestamp" => event.time = t,
                    "lifecycle:transition" => event.lifecycle = Lifecycle::parse(&value),
                    "fee:due" => event.fee_due = value.trim().parse().ok(),
                    "fee:paid" => event.fee_paid = value.trim().parse().ok(),
                    "documents" => {
                        event.documents = split_documents(&value).map(|d| log.strings.intern(d)).collect();
                    }
                    _ => {}
                }
            }
            Ctx::Log | Ctx::Other => {}
        }
        Ok(())
    }

    fn open(&mut self, parent: Ctx, tag: &BytesStart<'_>, pos: u64) -> Result<Ctx, LogError> {
        Ok(match (parent, local_name(tag)) {
            (Ctx::Other, "log") if self.case.is_none() => Ctx::Log,
            (Ctx::Log, "trace") => {
                self.case = Some(Case { id: String::new(), deadline: None, application: None, events: Vec::new() });
                Ctx::Trace
            }
            (Ctx::Trace, "event") => {
                self.event = Some(PendingEvent::default());
                Ctx::Event
            }
            (Ctx::Trace | Ctx::Event, _) => {
                self.attribute(parent, tag, pos)?;
                Ctx::Other
            }
            _ => Ctx::Other,
        })
    }

    fn close(&mut self, ctx: Ctx, pos: u64) -> Result<(), LogError> {
        match ctx {
            Ctx::Event => {
                let pending = self.event.take().unwrap_or_default();
                let Some(activity) = pending.activity else {
                    return Err(self.invalid(pos, "event without concept:name"));
                };
                let mut event = pending.event.unwrap_or_else(|| Event::new(activity));
                event.activity = activity;
                if let Some(case) = self.case.as_mut() {
                    case.events.push(event);
                }
            }
            Ctx::Trace => {
                if let Some(case) = self.case.take() {
                    if case.id.is_empty() {
                        return Err(self.invalid(pos, "trace without concept:name"));
                    }
                    self.log.cases.push(case);
                }
            }
            Ctx::Log | Ctx::Other => {}
        }
        Ok(())
    }
}

/// A tag's name without its prefix (found with `memchr`: this runs per element).
fn local_name<'a>(tag: &'a BytesStart<'_>) -> &'a str {
    let name: &'a str = tag.name().into_inner();
    memchr::memchr(b':', name.as_bytes()).map_or(name, |i| &name[i + 1..])
}

/// The `name="value"` pairs of a tag, read straight from its text: XES files hold
/// millions of two-attribute elements and this is the reader's hottest loop.
struct RawAttributes<'a>(&'a str);

impl<'a> RawAttributes<'a> {
    fn next_pair(&mut self) -> Option<Result<(&'a str, &'a str), String>> {
        let rest = self.0.trim_ascii_start();
        if rest.is_empty() {
            return None;
        }
        let Some(eq) = memchr::memchr(b'=', rest.as_bytes()) else {
            self.0 = "";
            return Some(Err("attribute without a value".into()));
        };
        let name = rest[..eq].trim_ascii_end();
        let after = rest[eq + 1..].trim_ascii_start();
        let Some(&quote @ (b'"' | b'\'')) = after.as_bytes().first() else {
            self.0 = "";
            return Some(Err("attribute value without quotes".into()));
        };
        let Some(end) = memchr::memchr(quote, &after.as_bytes()[1..]) else {
            self.0 = "";
            return Some(Err("unclosed attribute value".into()));
        };
        let value = &after[1..=end];
        self.0 = &after[end + 2..];
        // Names other than `key` and `value` are ignored, so only an empty one is
        // refused here; quick-xml has already found where the tag ends.
        if name.is_empty() {
            self.0 = "";
            return Some(Err("malformed attribute".into()));
        }
        Some(Ok((name, value)))
    }
}

fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

fn split_documents(text: &str) -> impl Iterator<Item = &str> {
    text.split(';').map(str::trim).filter(|d| !d.is_empty())
}

/// Reads one stretch of the file. A stretch after the first starts inside `<log>`.
fn read_chunk(
    full: &str,
    start: usize,
    end: usize,
    inside_log: bool,
    last: bool,
    default_offset: FixedOffset,
) -> Result<EventLog, LogError> {
    let text = full.get(start..end).unwrap_or("");
    let mut reader = Reader::from_str(text);
    // A later stretch closes the `<log>` that the first one opened.
    reader.config_mut().allow_unmatched_ends = inside_log;
    let mut chunk = XesChunk { full, start, default_offset, log: EventLog::default(), case: None, event: None };
    let mut stack: Vec<Ctx> = vec![Ctx::Other];
    if inside_log {
        stack.push(Ctx::Log);
    }
    let mut saw_log = inside_log;
    loop {
        let pos = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                return Err(LogError::Xml { line: chunk.line(reader.error_position()), message: e.to_string() });
            }
        };
        let parent = stack.last().copied().unwrap_or(Ctx::Other);
        match event {
            XmlEvent::Start(tag) => {
                let ctx = chunk.open(parent, &tag, pos)?;
                saw_log |= ctx == Ctx::Log;
                if stack.len() > 256 {
                    return Err(chunk.invalid(pos, "nested too deeply"));
                }
                stack.push(ctx);
            }
            XmlEvent::Empty(tag) => {
                let ctx = chunk.open(parent, &tag, pos)?;
                saw_log |= ctx == Ctx::Log;
                chunk.close(ctx, pos)?;
            }
            XmlEvent::End(_) => {
                if stack.len() <= 1 {
                    return Err(chunk.invalid(pos, "unexpected closing tag"));
                }
                let ctx = stack.pop().unwrap_or(Ctx::Other);
                chunk.close(ctx, pos)?;
            }
            XmlEvent::GeneralRef(r) => {
                // Text content is not used, but an undefined entity is still an error.
                push_ref(&mut String::new(), &r).map_err(|m| chunk.invalid(pos, m))?;
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    if last {
        if stack.len() > 1 {
            return Err(chunk.invalid(reader.buffer_position(), "unexpected end of file"));
        }
        if !saw_log {
            return Err(chunk.invalid(0, "no <log> element"));
        }
    }
    Ok(chunk.log)
}

/// Reads an XES log. Large logs are read on two threads, split at a `<trace>`.
pub fn read_xes(input: &str, default_offset: FixedOffset) -> Result<EventLog, LogError> {
    if input.len() > MAX_LOG_BYTES {
        return Err(LogError::TooLarge(MAX_LOG_BYTES));
    }
    if let Some(split) = split_point(input) {
        let (first, second) = std::thread::scope(|scope| {
            let first = scope.spawn(|| read_chunk(input, 0, split, false, false, default_offset));
            let second = read_chunk(input, split, input.len(), true, true, default_offset);
            (first.join(), second)
        });
        let mut log = match first {
            Ok(result) => result?,
            Err(_) => {
                return Err(LogError::Invalid { line: 0, message: "reader thread failed".into() });
            }
        };
        log.absorb(second?);
        return Ok(log);
    }
    read_chunk(input, 0, input.len(), false, true, default_offset)
}

/// Where a large log can be cut in two: just before a `<trace>` near the middle,
/// when no comment, CDATA or processing instruction could hide a fake `<trace`.
fn split_point(input: &str) -> Option<usize> {
    if input.len() < PARALLEL_THRESHOLD {
        return None;
    }
    let first_trace = input.find("<trace")?;
    let body = &input.as_bytes()[first_trace..];
    if memchr::memmem::find(body, b"<!").is_some() || memchr::memmem::find(body, b"<?").is_some() {
        return None;
    }
    let mid = input.len() / 2;
    let at = memchr::memmem::find(input.get(mid..)?.as_bytes(), b"<trace>")? + mid;
    // The first stretch must end between two traces, not inside a nested element.
    let before = input[..at].trim_end();
    before.ends_with("</trace>").then_some(at)
}

fn csv_fields(line: &str, out: &mut Vec<String>) -> Result<(), String> {
    out.clear();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut field));
            at_start = true;
        } else {
            field.push(c);
            at_start = false;
        }
    }
    if quoted {
        return Err("unclosed quote".into());
    }
    out.push(field);
    Ok(())
}

/// Splits CSV text into records, keeping line breaks inside quoted fields.
fn csv_records(input: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = input;
    let mut line = 1;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut quotes = 0_usize;
        let mut end = rest.len();
        let mut next = rest.len();
        for (i, b) in rest.bytes().enumerate() {
            if b == b'"' {
                quotes += 1;
            } else if b == b'\n' && quotes.is_multiple_of(2) {
                end = i;
                next = i + 1;
                break;
            }
        }
        let record = rest[..end].trim_end_matches('\r');
        let start_line = line;
        line += 1 + record.matches('\n').count();
        rest = &rest[next..];
        Some((start_line, record))
    })
}

/// Reads a CSV log whose header uses XES names (`case:concept:name`,
/// `concept:name`, `time:timestamp`, …). Rows are grouped into cases in order.
pub fn read_csv(input: &str, default_offset: FixedOffset) -> Result<EventLog, LogError> {
    if input.len() > MAX_LOG_BYTES {
        return Err(LogError::TooLarge(MAX_LOG_BYTES));
    }
    let mut records = csv_records(input.strip_prefix('\u{feff}').unwrap_or(input));
    let mut fields = Vec::new();
    let (_, header) = records.next().ok_or(LogError::Csv { row: 1, message: "empty file".into() })?;
    csv_fields(header, &mut fields).map_err(|message| LogError::Csv { row: 1, message })?;
    let column = |name: &str| fields.iter().position(|f| f.trim() == name);
    let missing = |name: &str| LogError::Csv { row: 1, message: format!("no {name} column") };
    let case_col = column("case:concept:name").ok_or_else(|| missing("case:concept:name"))?;
    let activity_col = column("concept:name").ok_or_else(|| missing("concept:name"))?;
    let time_col = column("time:timestamp");
    let resource_col = column("org:resource");
    let group_col = column("org:group").or_else(|| column("org:role"));
    let lifecycle_col = column("lifecycle:transition");
    let deadline_col = column("case:deadline");
    let application_col = column("case:application").or_else(|| column("case:startdate"));
    let due_col = column("fee:due");
    let paid_col = column("fee:paid");
    let docs_col = column("documents");
    let width = fields.len();
    let mut log = EventLog::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (row, record) in records {
        if record.trim().is_empty() {
            continue;
        }
        csv_fields(record, &mut fields).map_err(|message| LogError::Csv { row, message })?;
        if fields.len() != width {
            return Err(LogError::Csv { row, message: format!("{} fields, the header has {width}", fields.len()) });
        }
        let cell = |col: Option<usize>| col.map(|c| fields[c].trim()).filter(|v| !v.is_empty());
        let time_of = |col: Option<usize>, what: &str| -> Result<Option<DateTime<FixedOffset>>, LogError> {
            cell(col)
                .map(|v| {
                    parse_timestamp(v, default_offset)
                        .ok_or_else(|| LogError::Csv { row, message: format!("bad {what} {:?}", clip(v)) })
                })
                .transpose()
        };
        let case_id = cell(Some(case_col)).ok_or(LogError::Csv { row, message: "empty case:concept:name".into() })?;
        let activity = cell(Some(activity_col)).ok_or(LogError::Csv { row, message: "empty concept:name".into() })?;
        let mut event = Event::new(log.strings.intern(activity));
        event.time = time_of(time_col, "time:timestamp")?;
        event.resource = cell(resource_col).map(|v| log.strings.intern(v));
        event.group = cell(group_col).map(|v| log.strings.intern(v));
        event.lifecycle = cell(lifecycle_col).map_or(Lifecycle::Complete, Lifecycle::parse);
        event.fee_due = cell(due_col).and_then(|v| v.parse().ok());
        event.fee_paid = cell(paid_col).and_then(|v| v.parse().ok());
        if let Some(docs) = cell(docs_col) {
            event.documents = split_documents(docs).map(|d| log.strings.intern(d)).collect();
        }
        let deadline = time_of(deadline_col, "case:deadline")?;
        let application = time_of(application_col, "case:application")?;
        let at = *index.entry(case_id.to_owned()).or_insert_with(|| {
            log.cases.push(Case { id: case_id.to_owned(), deadline: None, application: None, events: Vec::new() });
            log.cases.len() - 1
        });
        let case = &mut log.cases[at];
        case.deadline = case.deadline.or(deadline);
        case.application = case.application.or(application);
        case.events.push(event);
    }
    Ok(log)
}

struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quick_xml::escape::escape(self.0))
    }
}

fn time_text(t: DateTime<FixedOffset>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// Writes cases of a log as XES, one event per line.
#[must_use]
pub fn write_xes<'a>(log: &EventLog, cases: impl IntoIterator<Item = &'a Case>) -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log xes.version=\"1849-2016\" xes.features=\"\">\n\
<extension name=\"Concept\" prefix=\"concept\" uri=\"http://www.xes-standard.org/concept.xesext\"/>\n\
<extension name=\"Time\" prefix=\"time\" uri=\"http://www.xes-standard.org/time.xesext\"/>\n\
<extension name=\"Organizational\" prefix=\"org\" uri=\"http://www.xes-standard.org/org.xesext\"/>\n\
<extension name=\"Lifecycle\" prefix=\"lifecycle\" uri=\"http://www.xes-standard.org/lifecycle.xesext\"/>\n",
    );
    // Writing to a String cannot fail; the results are ignored on purpose below.
    for case in cases {
        let _ = write!(out, "<trace><string key=\"concept:name\" value=\"{}\"/>", Escaped(&case.id));
        if let Some(t) = case.deadline {
            let _ = write!(out, "<date key=\"deadline\" value=\"{}\"/>", time_text(t));
        }
        if let Some(t) = case.application {
            let _ = write!(out, "<date key=\"startdate\" value=\"{}\"/>", time_text(t));
        }
        out.push('\n');
        for e in &case.events {
            let _ = write!(out, "<event><string key=\"concept:name\" value=\"{}\"/>", Escaped(log.name(e.activity)));
            if let Some(r) = e.resource {
                let _ = write!(out, "<string key=\"org:resource\" value=\"{}\"/>", Escaped(log.name(r)));
            }
            if let Some(g) = e.group {
                let _ = write!(out, "<string key=\"org:group\" value=\"{}\"/>", Escaped(log.name(g)));
            }
            if let Some(t) = e.time {
                let _ = write!(out, "<date key=\"time:timestamp\" value=\"{}\"/>", time_text(t));
            }
            if e.lifecycle != Lifecycle::Complete {
                let _ = write!(out, "<string key=\"lifecycle:transition\" value=\"{}\"/>", e.lifecycle.as_str());
            }
            for (key, fee) in [("fee:due", e.fee_due), ("fee:paid", e.fee_paid)] {
                if let Some(v) = fee {
                    let _ = write!(out, "<float key=\"{key}\" value=\"{v}\"/>");
                }
            }
            if !e.documents.is_empty() {
                let docs: Vec<&str> = e.documents.iter().map(|d| log.name(*d)).collect();
                let _ = write!(out, "<string key=\"documents\" value=\"{}\"/>", Escaped(&docs.join(";")));
            }
            out.push_str("</event>\n");
        }
        out.push_str("</trace>\n");
    }
    out.push_str("</log>\n");
    out
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn shared(name: &str) -> String {
        let path = format!("{}/../../../shared/data/eventlogs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub(crate) fn cst() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    #[test]
    fn reads_the_running_example() {
        let log = read_xes(&shared("running-example.xes"), cst()).unwrap();
        assert_eq!(log.cases.len(), 6);
        assert_eq!(log.event_count(), 42);
        let case = &log.cases[0];
        assert_eq!(case.id, "3");
        assert_eq!(log.name(case.events[0].activity), "register request");
        assert_eq!(log.name(case.events[0].resource.unwrap()), "Pete");
        assert_eq!(case.events[0].time.unwrap(), DateTime::parse_from_rfc3339("2010-12-30T14:32:00+01:00").unwrap());
    }

    #[test]
    fn reads_the_receipt_csv() {
        let log = read_csv(&shared("receipt.csv"), cst()).unwrap();
        assert_eq!(log.cases.len(), 1434);
        assert_eq!(log.event_count(), 8577);
        let case = &log.cases[0];
        assert_eq!(case.id, "case-10011");
        assert_eq!(case.deadline.unwrap(), DateTime::parse_from_rfc3339("2011-12-06T13:41:31.788+01:00").unwrap());
        assert_eq!(log.name(case.events[1].group.unwrap()), "Group 4");
        let activities: std::collections::HashSet<_> =
            log.cases.iter().flat_map(|c| c.events.iter().map(|e| e.activity)).collect();
        assert_eq!(activities.len(), 27);
    }

    #[test]
    fn xes_round_trips() {
        let log = read_csv(&shared("receipt.csv"), cst()).unwrap();
        let text = write_xes(&log, &log.cases);
        let again = read_xes(&text, cst()).unwrap();
        assert_eq!(again.cases.len(), log.cases.len());
        for (a, b) in log.cases.iter().zip(&again.cases) {
            assert_eq!(a.id, b.id);
            assert_eq!(a.deadline, b.deadline);
            assert_eq!(a.events.len(), b.events.len());
            for (x, y) in a.events.iter().zip(&b.events) {
                assert_eq!(log.name(x.activity), again.name(y.activity));
                assert_eq!(x.time, y.time);
                assert_eq!(x.resource.map(|r| log.name(r)), y.resource.map(|r| again.name(r)));
            }
        }
    }

    #[test]
    fn parallel_reading_matches_sequential() {
        let log = read_csv(&shared("receipt.csv"), cst()).unwrap();
        let text = write_xes(&log, log.cases.iter().chain(&log.cases).chain(&log.cases).chain(&log.cases));
        assert!(text.len() > PARALLEL_THRESHOLD, "{}", text.len());
        let split = split_point(&text);
        let parallel = read_xes(&text, cst()).unwrap();
        let sequential = read_chunk(&text, 0, text.len(), false, true, cst()).unwrap();
        assert_eq!(parallel.cases.len(), sequential.cases.len());
        for (a, b) in parallel.cases.iter().zip(&sequential.cases) {
            assert_eq!(a.id, b.id);
            let names =
                |log: &EventLog, c: &Case| c.events.iter().map(|e| log.name(e.activity).to_owned()).collect::<Vec<_>>();
            assert_eq!(names(&parallel, a), names(&sequential, b));
        }
        assert!(split.is_some());
    }

    #[test]
    fn timestamps_in_many_forms() {
        let z = FixedOffset::east_opt(0).unwrap();
        let p = |s| parse_timestamp(s, cst());
        assert_eq!(p("2011-10-11 13:45:40.276000+02:00").unwrap().to_rfc3339(), "2011-10-11T13:45:40.276+02:00");
        assert_eq!(p("2011-10-11T13:45:40Z").unwrap().offset(), &z);
        assert_eq!(p("2011-10-11T13:45").unwrap().offset(), &cst());
        assert_eq!(p("2011-10-11T13:45:40+0530").unwrap().offset().local_minus_utc(), 19_800);
        assert!(p("2011-13-11T13:45:40").is_none());
        assert!(p("2011-10-11T13:45:40+").is_none());
        assert!(p("yesterday").is_none());
    }

    #[test]
    fn errors_name_line_and_row() {
        let err = read_xes("<log>\n<trace><string key=\"concept:name\" value=\"1\"/>\n<event><date key=\"time:timestamp\" value=\"soon\"/></event></trace></log>", cst()).unwrap_err();
        assert_eq!(err.code(), "invalid_log");
        assert!(err.to_string().starts_with("line 3"), "{err}");
        let err = read_xes("<log>\n<trace>\n<event>\n</trace></log>", cst()).unwrap_err();
        assert_eq!(err.code(), "malformed_xml");
        let err =
            read_xes("<log><trace><event><string key=\"concept:name\" value=\"&x;\"/></event></trace></log>", cst())
                .unwrap_err();
        assert_eq!(err.code(), "invalid_log");
        let err =
            read_csv("case:concept:name,concept:name,time:timestamp\nc1,a,2020-01-01T00:00:00Z\nc1,b,never\n", cst())
                .unwrap_err();
        assert_eq!(err, LogError::Csv { row: 3, message: "bad time:timestamp \"never\"".into() });
        let err = read_csv("concept:name\n", cst()).unwrap_err();
        assert_eq!(err.code(), "invalid_csv");
        let log =
            read_csv("case:concept:name,concept:name,documents\n\"c,1\",\"say \"\"hi\"\"\",a;b\n", cst()).unwrap();
        assert_eq!(log.cases[0].id, "c,1");
        assert_eq!(log.name(log.cases[0].events[0].activity), "say \"hi\"");
        assert_eq!(log.cases[0].events[0].documents.len(), 2);
    }

    proptest! {
        #[test]
        fn xes_reader_never_panics(s in "(<|>|/|=|\"|log|trace|event|string|date|key|value|concept:name|time:timestamp| |x|1|&amp;|&#x;|\n){0,80}") {
            let _ = read_xes(&s, cst());
        }

        #[test]
        fn readers_never_panic_on_any_text(s in ".{0,300}") {
            let _ = read_xes(&s, cst());
            let _ = read_csv(&s, cst());
            let _ = parse_timestamp(&s, cst());
        }

        #[test]
        fn csv_reader_never_panics(s in "(case:concept:name|concept:name|time:timestamp|,|\"|\n|x|2020-01-01 10:00:00|;){0,60}") {
            let _ = read_csv(&s, cst());
        }
    }
}
