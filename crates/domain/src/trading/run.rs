//! Runs the indicators over JSON Lines of compiled releases, in parallel.
//!
//! One thread at a time takes the next block of about a mebibyte of whole lines from the
//! reader; each thread parses its blocks into its own accumulator, keeping only what the
//! indicators need. Accumulators are merged at the end, and results are ordered by input
//! line, so the output does not depend on how blocks fell to threads.

use std::io::Read;
use std::num::NonZero;
use std::sync::{Mutex, PoisonError};

use super::indicators::{self, Accumulator};
use super::output::Output;
use super::release::Release;
use super::settings::Settings;

const BLOCK_BYTES: usize = 1 << 20;
const MAX_THREADS: usize = 8;

/// Reads JSON Lines of OCDS compiled releases (one contracting process a line) and runs
/// the indicators enabled in `settings`. Blank lines are skipped silently; lines that are
/// not JSON are counted, sampled with their line numbers in [`Output::summary`], and
/// skipped. An I/O error stops reading and is reported there too.
pub fn run_indicators_on_jsonl<R: Read + Send>(reader: R, settings: &Settings) -> Output {
    let threads = std::thread::available_parallelism().map_or(1, NonZero::get).min(MAX_THREADS);
    let source = Mutex::new(BlockSource { reader, carry: Vec::new(), next_line: 1, finished: false, error: None });
    let accumulators: Vec<Accumulator> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads).map(|_| scope.spawn(|| work(&source, settings))).collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut total = Accumulator::default();
    for accumulator in accumulators {
        total.merge(accumulator);
    }
    let error = source.into_inner().unwrap_or_else(PoisonError::into_inner).error;
    let mut output = indicators::finalize(settings, total);
    output.summary.read_error = error;
    output
}

fn work<R: Read>(source: &Mutex<BlockSource<R>>, settings: &Settings) -> Accumulator {
    let mut accumulator = Accumulator::default();
    loop {
        let next = source.lock().unwrap_or_else(PoisonError::into_inner).next_block();
        let Some((first_line, block)) = next else {
            return accumulator;
        };
        for (offset, line) in block.split(|&b| b == b'\n').enumerate() {
            let number = first_line + offset as u64;
            process_line(settings, &mut accumulator, line, number);
        }
    }
}

/// Parses one line and runs the indicators on it.
pub(crate) fn process_line(settings: &Settings, accumulator: &mut Accumulator, line: &[u8], number: u64) {
    if line.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    accumulator.summary.lines += 1;
    // Checking the whole line at once is faster than serde_json checking each string.
    let text = match std::str::from_utf8(line) {
        Ok(text) => text,
        Err(error) => {
            accumulator.record_invalid_line(number, format!("not UTF-8: {error}"));
            return;
        }
    };
    match serde_json::from_str::<Release<'_>>(text) {
        Ok(release) => indicators::fold(settings, accumulator, &release, number),
        Err(error) => accumulator.record_invalid_line(number, error.to_string()),
    }
}

struct BlockSource<R> {
    reader: R,
    /// The start of a line whose end has not been read yet.
    carry: Vec<u8>,
    next_line: u64,
    finished: bool,
    error: Option<String>,
}

impl<R: Read> BlockSource<R> {
    /// The next run of whole lines and the number of its first line.
    fn next_block(&mut self) -> Option<(u64, Vec<u8>)> {
        if self.finished && self.carry.is_empty() {
            return None;
        }
        let mut block = std::mem::take(&mut self.carry);
        let mut scanned = 0;
        loop {
            if !self.finished && block.len() < BLOCK_BYTES + scanned {
                let start = block.len();
                block.resize(start + BLOCK_BYTES, 0);
                match read_some(&mut self.reader, &mut block[start..]) {
                    Ok(0) => {
                        block.truncate(start);
                        self.finished = true;
                    }
                    Ok(read) => block.truncate(start + read),
                    Err(error) => {
                        block.truncate(start);
                        self.error = Some(error.to_string());
                        self.finished = true;
                    }
                }
                continue;
            }
            if self.finished {
                break;
            }
            // A block ends after its last newline; the rest waits for the next block.
            if let Some(end) = block[scanned..].iter().rposition(|&b| b == b'\n') {
                self.carry = block.split_off(scanned + end + 1);
                break;
            }
            scanned = block.len();
        }
        if block.is_empty() {
            return None;
        }
        let first = self.next_line;
        // The compiler vectorizes this loop; a byte-counting crate would gain little.
        #[allow(clippy::naive_bytecount)]
        let newlines = block.iter().filter(|&&b| b == b'\n').count();
        self.next_line += newlines as u64;
        if block.last() == Some(&b'\n') {
            block.pop();
        }
        Some((first, block))
    }
}

fn read_some<R: Read>(reader: &mut R, buffer: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match reader.read(buffer) {
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::trading::output::{Group, Indicator};

    /// Hands out its bytes a few at a time, as a pipe may.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            let n = self.0.len().min(buffer.len()).min(7);
            buffer[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Fails after its bytes.
    struct Broken<'a>(&'a [u8]);

    impl Read for Broken<'_> {
        fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = self.0.len().min(buffer.len());
            buffer[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    const SINGLE_BID: &str = r#"{"ocid":"single","tender":{"numberOfTenderers":1,"procurementMethod":"open"}}"#;

    #[test]
    fn invalid_lines_are_numbered_counted_and_skipped() {
        let text = format!("{SINGLE_BID}\n\n{{broken\n[1,2]\n\u{0}\n{}\r\n", SINGLE_BID.replace("single", "again"));
        let settings = Settings::from_ini("[R018]").unwrap();
        let output = run_indicators_on_jsonl(Trickle(text.as_bytes()), &settings);
        assert_eq!(output.ids(Group::Ocid), vec!["single", "again"]);
        let summary = &output.summary;
        assert_eq!((summary.lines, summary.releases, summary.not_releases, summary.invalid_lines), (5, 2, 1, 2));
        let lines: Vec<u64> = summary.invalid_line_samples.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![3, 5]);
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(b"\xff\xfe\n");
        let output = run_indicators_on_jsonl(bytes.as_slice(), &settings);
        assert_eq!(output.summary.invalid_line_samples[2].line, 7);
        assert!(output.summary.invalid_line_samples[2].message.starts_with("not UTF-8"));
    }

    #[test]
    fn lines_longer_than_a_block_are_read_whole() {
        let long = format!(
            r#"{{"ocid":"long","note":"{}","tender":{{"numberOfTenderers":1,"procurementMethod":"open"}}}}"#,
            "x".repeat(BLOCK_BYTES * 2 + 17)
        );
        let text = format!("{SINGLE_BID}\n{long}\n{}", SINGLE_BID.replace("single", "last"));
        let settings = Settings::from_ini("[R018]").unwrap();
        let output = run_indicators_on_jsonl(text.as_bytes(), &settings);
        assert_eq!(output.ids(Group::Ocid), vec!["single", "long", "last"]);
        assert_eq!(output.value(Group::Ocid, "last", Indicator::R018), Some(1.0));
        assert_eq!(output.summary.lines, 3);
    }

    #[test]
    fn read_errors_stop_reading_and_are_reported() {
        let text = format!("{SINGLE_BID}\n");
        let settings = Settings::from_ini("[R018]").unwrap();
        let output = run_indicators_on_jsonl(Broken(text.as_bytes()), &settings);
        assert_eq!(output.ids(Group::Ocid), vec!["single"]);
        assert_eq!(output.summary.read_error.as_deref(), Some("disk on fire"));
    }

    #[test]
    fn the_first_currency_seen_is_the_main_one_whatever_the_threads() {
        let bid = |ocid: &str, currency: &str| {
            format!(
                r#"{{"ocid":"{ocid}","bids":{{"details":[{{"status":"disqualified","value":{{"amount":1,"currency":"{currency}"}}}},{{"status":"valid","value":{{"amount":2,"currency":"{currency}"}}}}]}},"awards":[{{"status":"active"}}]}}"#
            )
        };
        // A tender value in another currency comes first, but bids decide.
        let mut lines = vec![
            r#"{"ocid":"tender","tender":{"value":{"amount":5,"currency":"CNY"}}}"#.to_owned(),
            bid("first", "EUR"),
        ];
        lines.extend((0..50_000).map(|i| bid(&format!("usd-{i}"), "USD")));
        let settings = Settings::from_ini("[R036]").unwrap();
        let output = run_indicators_on_jsonl(lines.join("\n").as_bytes(), &settings);
        assert_eq!(output.summary.currency.as_deref(), Some("EUR"));
        assert_eq!(output.ids(Group::Ocid), vec!["first"]);
        assert_eq!(output.summary.amounts_in_other_currencies, 100_001);
    }
}
