//! Complaints and reports from the public (群众举报/投诉): what a citizen submits,
//! the receipt code he keeps, and the lifecycle of a complaint.
//!
//! ```text
//! received ──► accepted ──► routed ──► replied ──► closed
//!    │            │                       ▲
//!    ▼            └───────────────────────┘
//! declined
//! ```
//!
//! Declining and replying need their text (the reason, the reply). A complaint must
//! be accepted or declined within [`ACCEPT_WORKING_DAYS`] working days of receipt.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::field::{FieldError, FieldErrors};
use crate::flow::Calendar;
use crate::text::{BoundedText, Note};

/// Working days the commission has to accept or decline a complaint.
pub const ACCEPT_WORKING_DAYS: u32 = 5;
/// Files a complaint may carry.
pub const MAX_ATTACHMENTS: usize = 3;
/// Bytes a file may have (2 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;
/// Characters of a complaint's text.
pub const MAX_TEXT: usize = 5000;
/// Characters of a receipt code (without the group separators).
pub const RECEIPT_LEN: usize = 12;
/// Letters and digits that cannot be mistaken for each other (no 0/O, 1/I/L).
pub const RECEIPT_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

macro_rules! keyed {
    ($(#[$meta:meta])* $name:ident, $error:literal { $($(#[$vmeta:meta])* $variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored key.
            #[must_use]
            pub const fn key(self) -> &'static str {
                match self {
                    $(Self::$variant => $key),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.key())
            }
        }

        impl FromStr for $name {
            type Err = FieldError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s.trim() {
                    "" => Err(FieldError::new("required")),
                    key => Self::ALL.iter().copied().find(|v| v.key() == key).ok_or(FieldError::new($error)),
                }
            }
        }
    };
}

keyed! {
    /// What the complaint is about.
    Category, "unknown_complaint_category" {
        /// 不作为
        Inaction => "inaction",
        /// 乱作为
        Misconduct => "misconduct",
        /// 慢作为
        Delay => "delay",
        /// 其他
        Other => "other",
    }
}

keyed! {
    /// Where a complaint is in its lifecycle.
    State, "unknown_complaint_state" {
        Received => "received",
        Accepted => "accepted",
        Declined => "declined",
        Routed => "routed",
        Replied => "replied",
        Closed => "closed",
    }
}

impl State {
    /// Still to be handled (counted as open): neither closed nor declined.
    #[must_use]
    pub const fn is_open(self) -> bool {
        !matches!(self, Self::Closed | Self::Declined)
    }

    /// Still waiting for the decision to accept or decline.
    #[must_use]
    pub const fn awaits_acceptance(self) -> bool {
        matches!(self, Self::Received)
    }

    /// The states a person may move the complaint to from here.
    #[must_use]
    pub fn next(self) -> Vec<Self> {
        Self::ALL.iter().copied().filter(|to| allowed(self, *to)).collect()
    }

    /// Only replying: what a unit admin may do (the rest is the commission's).
    #[must_use]
    pub const fn is_reply(self) -> bool {
        matches!(self, Self::Replied)
    }
}

const fn allowed(from: State, to: State) -> bool {
    use State as S;
    matches!(
        (from, to),
        (S::Received, S::Accepted | S::Declined)
            | (S::Accepted, S::Routed | S::Replied)
            | (S::Routed, S::Replied)
            | (S::Replied, S::Closed)
    )
}

/// Checks one transition. Declining and replying need `comment`; routing needs a
/// unit. Errors: `complaint_transition_not_allowed` (on `to`), `required` (on
/// `comment` or `routed_unit_id`).
pub fn transition(
    from: State,
    to: State,
    comment: Option<&str>,
    routed_unit: Option<i64>,
) -> Result<(), (&'static str, FieldError)> {
    if !allowed(from, to) {
        return Err(("to", FieldError::new("complaint_transition_not_allowed")));
    }
    if matches!(to, State::Declined | State::Replied) && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(("comment", FieldError::new("required")));
    }
    if to == State::Routed && routed_unit.is_none() {
        return Err(("routed_unit_id", FieldError::new("required")));
    }
    Ok(())
}

/// The day by which a complaint received on `received` must be accepted or declined.
#[must_use]
pub fn accept_due(calendar: &Calendar, received: NaiveDate) -> NaiveDate {
    let mut date = received;
    let mut left = ACCEPT_WORKING_DAYS;
    while left > 0 {
        match date.succ_opt() {
            Some(next) => date = next,
            None => return date,
        }
        if calendar.is_working_day(date) {
            left -= 1;
        }
    }
    date
}

/// A receipt code: [`RECEIPT_LEN`] characters of [`RECEIPT_ALPHABET`], shown in
/// groups of four (`ABCD-EFGH-JKMN`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// A code from random bytes (the caller draws them: the domain has no randomness).
    /// 256 is a multiple of nothing useful here, so bytes at or above the largest
    /// multiple of the alphabet's size are skipped to keep every character equally
    /// likely; `None` when too few bytes were left.
    #[must_use]
    pub fn from_random(bytes: &[u8]) -> Option<Self> {
        let n = RECEIPT_ALPHABET.len();
        let limit = 256 - 256 % n;
        let code: String = bytes
            .iter()
            .filter(|b| usize::from(**b) < limit)
            .take(RECEIPT_LEN)
            .map(|b| char::from(RECEIPT_ALPHABET[usize::from(*b) % n]))
            .collect();
        (code.len() == RECEIPT_LEN).then_some(Self(code))
    }

    /// Reads what a citizen typed: case, spaces and dashes do not matter.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let code: String =
            raw.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if code.is_empty() {
            return Err(FieldError::new("required"));
        }
        if code.chars().count() != RECEIPT_LEN || !code.bytes().all(|b| RECEIPT_ALPHABET.contains(&b)) {
            return Err(FieldError::new("bad_receipt_code"));
        }
        Ok(Self(code))
    }

    /// The stored form (no separators).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shown form, `ABCD-EFGH-JKMN`.
    #[must_use]
    pub fn grouped(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
    }
}

impl fmt::Display for ReceiptCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// A file type a complaint may carry, recognised by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
}

impl FileKind {
    /// The type the bytes are, whatever the sender declared.
    #[must_use]
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(Self::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(Self::Png)
        } else {
            None
        }
    }

    #[must_use]
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
        }
    }
}

/// One uploaded file as received.
#[derive(Debug, Clone, Default)]
pub struct RawFile {
    pub name: String,
    pub declared_type: String,
    pub bytes: Vec<u8>,
}

/// A checked file: its type is what its bytes are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub kind: FileKind,
    pub bytes: Vec<u8>,
}

/// A file name safe to show and to put in a `Content-Disposition` header: the last
/// path part, printable characters only, at most 100 characters.
#[must_use]
pub fn clean_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String =
        last.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';')).take(100).collect::<String>();
    let name = name.trim().to_owned();
    if name.is_empty() { "file".to_owned() } else { name }
}

/// Checks one file: `too_large`, `bad_file_type` (neither PDF, JPEG nor PNG by its
/// bytes) or `file_type_mismatch` (declared as one type, is another).
pub fn check_file(file: &RawFile) -> Result<Attachment, FieldError> {
    if file.bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FieldError::with_limit("file_too_large", MAX_ATTACHMENT_BYTES));
    }
    let kind = FileKind::sniff(&file.bytes).ok_or(FieldError::new("bad_file_type"))?;
    let declared = file.declared_type.trim().to_ascii_lowercase();
    let declared_ok = declared.is_empty()
        || declared == "application/octet-stream"
        || declared == kind.content_type()
        || (kind == FileKind::Jpeg && declared == "image/jpg");
    if !declared_ok {
        return Err(FieldError::new("file_type_mismatch"));
    }
    Ok(Attachment { name: clean_file_name(&file.name), kind, bytes: file.bytes.clone() })
}

/// A submission as the form or a client sent it: text fields and files.
#[derive(Debug, Clone, Default)]
pub struct RawSubmission {
    pub anonymous: bool,
    pub name: String,
    pub phone: String,
    pub category: String,
    pub unit_id: String,
    pub power_code: String,
    pub case_number: String,
    pub text: String,
    pub files: Vec<RawFile>,
}

/// Who complains: nobody (anonymous) or a name with a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Complainant {
    Anonymous,
    Named { name: BoundedText<50>, phone: BoundedText<20> },
}

/// A checked submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub complainant: Complainant,
    pub category: Category,
    pub unit_id: Option<i64>,
    pub power_code: Option<BoundedText<50>>,
    pub case_number: Option<BoundedText<50>>,
    pub text: BoundedText<MAX_TEXT>,
    pub attachments: Vec<Attachment>,
}

fn phone(raw: &str) -> Result<BoundedText<20>, FieldError> {
    let phone = BoundedText::<20>::parse(raw)?;
    let ok = phone.as_str().chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' '))
        && phone.as_str().chars().filter(char::is_ascii_digit).count() >= 7;
    if ok { Ok(phone) } else { Err(FieldError::new("bad_phone")) }
}

impl Submission {
    /// Checks every field and reports every error at once. An anonymous complaint
    /// keeps no name or phone, whatever was sent.
    pub fn parse(raw: &RawSubmission) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let complainant = if raw.anonymous {
            Some(Complainant::Anonymous)
        } else {
            let name = errors.take("name", BoundedText::parse(&raw.name));
            let phone = errors.take("phone", phone(&raw.phone));
            name.zip(phone).map(|(name, phone)| Complainant::Named { name, phone })
        };
        let category = errors.take("category", raw.category.parse::<Category>());
        let unit_id = errors.take(
            "unit_id",
            match raw.unit_id.trim() {
                "" => Ok(None),
                id => id.parse::<i64>().ok().filter(|i| *i > 0).map(Some).ok_or(FieldError::new("not_a_number")),
            },
        );
        let power_code = errors.take("power_code", BoundedText::parse_optional(Some(&raw.power_code)));
        let case_number = errors.take("case_number", BoundedText::parse_optional(Some(&raw.case_number)));
        let text = errors.take("text", BoundedText::parse(&raw.text));
        let mut attachments = Vec::new();
        let files: Vec<&RawFile> = raw.files.iter().filter(|f| !f.bytes.is_empty() || !f.name.is_empty()).collect();
        if files.len() > MAX_ATTACHMENTS {
            errors.add("files", FieldError::with_limit("too_many_files", MAX_ATTACHMENTS));
        } else {
            for file in files {
                if let Some(a) = errors.take("files", check_file(file)) {
                    attachments.push(a);
                }
            }
        }
        match (complainant, category, unit_id, power_code, case_number, text) {
            (Some(complainant), Some(category), Some(unit_id), Some(power_code), Some(case_number), Some(text))
                if errors.is_empty() =>
            {
                Ok(Self { complainant, category, unit_id, power_code, case_number, text, attachments })
            }
            _ => Err(errors),
        }
    }
}

/// A staff member's transition request, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRequest {
    pub to: State,
    pub comment: Option<Note>,
    /// Whether the comment is shown to the citizen (a reply always is).
    pub public: bool,
    pub routed_unit_id: Option<i64>,
}

impl TransitionRequest {
    pub fn parse(to: &str, comment: &str, public: bool, routed_unit_id: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let to = errors.take("to", to.parse::<State>());
        let comment = errors.take("comment", Note::parse_optional(Some(comment)));
        let routed_unit_id = errors.take(
            "routed_unit_id",
            match routed_unit_id.trim() {
                "" => Ok(None),
                id => id.parse::<i64>().ok().filter(|i| *i > 0).map(Some).ok_or(FieldError::new("not_a_number")),
            },
        );
        match (to, comment, routed_unit_id) {
            (Some(to), Some(comment), Some(routed_unit_id)) if errors.is_empty() => {
                Ok(Self { public: public || to == State::Replied, to, comment, routed_unit_id })
            }
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::State as S;
    use super::*;

    fn pdf() -> RawFile {
        RawFile {
            name: "C:\\材料\\证明.pdf".into(),
            declared_type: "application/pdf".into(),
            bytes: b"%PDF-1.7\n".to_vec(),
        }
    }

    fn named() -> RawSubmission {
        RawSubmission {
            name: "张三".into(),
            phone: "138 0000 0000".into(),
            category: "delay".into(),
            unit_id: "3".into(),
            text: "窗口办事拖延，材料交了三次".into(),
            files: vec![pdf()],
            ..RawSubmission::default()
        }
    }

    #[test]
    fn the_lifecycle() {
        assert_eq!(transition(S::Received, S::Accepted, None, None), Ok(()));
        assert_eq!(transition(S::Received, S::Declined, Some("不属于受理范围"), None), Ok(()));
        assert_eq!(
            transition(S::Received, S::Declined, Some(" "), None),
            Err(("comment", FieldError::new("required")))
        );
        assert_eq!(
            transition(S::Accepted, S::Routed, None, None),
            Err(("routed_unit_id", FieldError::new("required")))
        );
        assert_eq!(transition(S::Accepted, S::Routed, None, Some(4)), Ok(()));
        assert_eq!(transition(S::Routed, S::Replied, None, None), Err(("comment", FieldError::new("required"))));
        assert_eq!(transition(S::Routed, S::Replied, Some("已核实并整改"), None), Ok(()));
        assert_eq!(transition(S::Replied, S::Closed, None, None), Ok(()));
        for from in [S::Declined, S::Closed] {
            assert!(from.next().is_empty());
            assert!(!from.is_open());
        }
        assert_eq!(
            transition(S::Received, S::Replied, Some("x"), None),
            Err(("to", FieldError::new("complaint_transition_not_allowed")))
        );
        assert_eq!(S::Received.next(), vec![S::Accepted, S::Declined]);
        for state in S::ALL {
            assert_eq!(state.key().parse::<S>(), Ok(*state));
        }
        assert_eq!("open".parse::<S>(), Err(FieldError::new("unknown_complaint_state")));
    }

    #[test]
    fn acceptance_is_due_after_five_working_days() {
        let calendar = Calendar::china();
        // Monday 2026-11-23 → Monday 2026-11-30.
        let monday = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(accept_due(&calendar, monday), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        // Received on a Saturday: the next Friday.
        let saturday = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
        assert_eq!(accept_due(&calendar, saturday), NaiveDate::from_ymd_opt(2026, 12, 4).unwrap());
        // Across the National Day holiday of 2025 (1–8 October off, 28 Sept and 11 Oct worked).
        let before = NaiveDate::from_ymd_opt(2025, 9, 29).unwrap();
        assert_eq!(accept_due(&calendar, before), NaiveDate::from_ymd_opt(2025, 10, 13).unwrap());
    }

    #[test]
    fn receipt_codes() {
        let code = ReceiptCode::from_random(&(0u8..40).collect::<Vec<_>>()).unwrap();
        assert_eq!(code.as_str().len(), RECEIPT_LEN);
        assert_eq!(code.grouped().len(), RECEIPT_LEN + 2);
        assert_eq!(ReceiptCode::parse(&code.grouped().to_lowercase()), Ok(code.clone()));
        assert_eq!(ReceiptCode::parse(" 2345 6789 abcd "), Ok(ReceiptCode("23456789ABCD".into())));
        assert_eq!(ReceiptCode::parse("O0I1-0000-0000"), Err(FieldError::new("bad_receipt_code")));
        assert_eq!(ReceiptCode::parse("ABC"), Err(FieldError::new("bad_receipt_code")));
        assert_eq!(ReceiptCode::parse(""), Err(FieldError::new("required")));
        // Bytes that would bias the draw are skipped; too few left gives nothing.
        assert_eq!(ReceiptCode::from_random(&[255; 40]), None);
    }

    #[test]
    fn files_are_checked_by_their_bytes() {
        assert_eq!(check_file(&pdf()).unwrap().name, "证明.pdf");
        let png = RawFile {
            name: "a.png".into(),
            declared_type: "image/png".into(),
            bytes: b"\x89PNG\r\n\x1a\nrest".to_vec(),
        };
        assert_eq!(check_file(&png).unwrap().kind, FileKind::Png);
        let fake =
            RawFile { name: "a.pdf".into(), declared_type: "application/pdf".into(), bytes: b"MZ\x90\0".to_vec() };
        assert_eq!(check_file(&fake), Err(FieldError::new("bad_file_type")));
        let lie = RawFile { declared_type: "image/png".into(), ..pdf() };
        assert_eq!(check_file(&lie), Err(FieldError::new("file_type_mismatch")));
        let mut big = pdf();
        big.bytes.resize(MAX_ATTACHMENT_BYTES + 1, 0);
        assert_eq!(check_file(&big), Err(FieldError::with_limit("file_too_large", MAX_ATTACHMENT_BYTES)));
    }

    #[test]
    fn submissions() {
        let s = Submission::parse(&named()).unwrap();
        assert!(matches!(s.complainant, Complainant::Named { .. }));
        assert_eq!(s.category, Category::Delay);
        assert_eq!(s.unit_id, Some(3));
        assert_eq!(s.attachments.len(), 1);
        // Anonymous: name and phone are dropped, not checked.
        let anonymous = RawSubmission { anonymous: true, phone: "abc".into(), ..named() };
        assert_eq!(Submission::parse(&anonymous).unwrap().complainant, Complainant::Anonymous);
        let bad = RawSubmission {
            phone: "abc".into(),
            category: "rude".into(),
            unit_id: "x".into(),
            text: " ".into(),
            files: vec![pdf(), pdf(), pdf(), pdf()],
            ..named()
        };
        let errors = Submission::parse(&bad).unwrap_err();
        for field in ["phone", "category", "unit_id", "text", "files"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert_eq!(errors.get("files"), Some(&FieldError::with_limit("too_many_files", 3)));
    }

    #[test]
    fn transition_requests() {
        let reply = TransitionRequest::parse("replied", "已整改", false, "").unwrap();
        assert!(reply.public);
        let route = TransitionRequest::parse("routed", "", false, "7").unwrap();
        assert_eq!(route.routed_unit_id, Some(7));
        assert!(!route.public);
        let errors = TransitionRequest::parse("gone", "", false, "-1").unwrap_err();
        assert!(errors.get("to").is_some() && errors.get("routed_unit_id").is_some());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(
            anonymous: bool,
            fields in proptest::collection::vec(".{0,60}", 7),
            files in proptest::collection::vec((".{0,20}", ".{0,20}", proptest::collection::vec(any::<u8>(), 0..64)), 0..5),
            code in ".{0,30}",
            to in ".{0,12}",
        ) {
            let raw = RawSubmission {
                anonymous,
                name: fields[0].clone(),
                phone: fields[1].clone(),
                category: fields[2].clone(),
                unit_id: fields[3].clone(),
                power_code: fields[4].clone(),
                case_number: fields[5].clone(),
                text: fields[6].clone(),
                files: files.into_iter().map(|(name, declared_type, bytes)| RawFile { name, declared_type, bytes }).collect(),
            };
            let _ = Submission::parse(&raw);
            let _ = ReceiptCode::parse(&code);
            let _ = TransitionRequest::parse(&to, &fields[6], anonymous, &fields[3]);
            let _ = ReceiptCode::from_random(code.as_bytes());
        }
    }
}
