//! Tests of the `sunlight` binary itself, run as an administrator or a user runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

mod catalogue;
mod check_log;
mod events;
mod flowchart;
mod foundation;
mod gen_log;
mod ocds;
mod redflags;
mod supervision;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `shared/data` beside the repository, where the project keeps third-party test data.
fn shared_data() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    assert!(
        dir.is_dir(),
        "test data not found at {}: clone the repository next to `shared/` (see shared/data/README.md)",
        dir.display()
    );
    dir
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sunlight-it-{label}-{}-{n}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Runs the built binary with `args`, with a data directory that is never created.
fn sunlight(args: &[&std::ffi::OsStr]) -> Output {
    let scratch = TempDir::new("data");
    std::process::Command::new(env!("CARGO_BIN_EXE_sunlight"))
        .arg("--data-dir")
        .arg(scratch.path().join("unused"))
        .args(args)
        .env("SUNLIGHT_LOG", "warn")
        .output()
        .unwrap()
}

/// Standard output and error as text, for assertion messages.
fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}
