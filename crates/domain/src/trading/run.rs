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
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZero::get)
        .min(MAX_THREADS);
    let source = Mutex::new(BlockSource {
        reader,
        carry: Vec::new(),
        next_line: 1,
        finished: false,
        error: None,
    });
    let accumulators: Vec<Accumulator> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| scope.spawn(|| work(&source, settings)))
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    let mut total = Accumulator::default();
    for accumulator in accumulators {
        total.merge(accumulator);
    }
    let error = source
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner)
        .error;
    let mut output = indicators::finalize(settings, total);
    output.summary.read_error = error;
    output
}

fn work<R: Read>(source: &Mutex<BlockSource<R>>, settings: &Settings) -> Accumulator {
    let mut accumulator = Accumulator::default();
    loop {
        let next = source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_block();
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
pub(crate) fn process_line(
    settings: &Settings,
    accumulator: &mut Accumulator,
    line: &[u8],
    number: u64,
) {
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
