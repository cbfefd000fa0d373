//! What every end-to-end test stands on: chromedriver on a free port, the demo
//! county served in-process on another, a headless Chromium session, and a
//! screenshot under `target/e2e-screenshots/` when the test fails.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sunlight_store::testing::TestDb;
use sunlight_store::{Store, demo};
use sunlight_web::WebConfig;

use crate::webdriver::Browser;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The kiosk's idle time in these tests: short enough to wait for.
pub const KIOSK_IDLE_SECS: u32 = 3;

/// Set (by `.ci/run`) to run the browser tests; then a missing browser fails them.
fn enabled() -> bool {
    std::env::var_os("SUNLIGHT_E2E").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The server under test.
#[derive(Clone)]
pub struct App {
    pub base: String,
    pub store: Store,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// chromedriver, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

async fn start_driver() -> Driver {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists(),
        "SUNLIGHT_E2E is set but {CHROMEDRIVER} or {CHROMIUM} is missing: \
         apt-get install chromium chromium-driver (.ci/run does)"
    );
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, url: format!("http://127.0.0.1:{port}") };
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if let Ok(answer) = http.get(format!("{}/status", driver.url)).send().await
            && answer.json::<serde_json::Value>().await.is_ok_and(|v| v["value"]["ready"] == true)
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not become ready on port {port}");
}

async fn start_app() -> (App, TestDb) {
    let db = TestDb::sqlite().await;
    demo::build(&db.store).await.expect("the demo county");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address: SocketAddr = listener.local_addr().expect("address");
    let store = db.store.clone();
    let config = WebConfig { kiosk_idle_secs: KIOSK_IDLE_SECS, ..WebConfig::default() };
    tokio::spawn(async move {
        sunlight_web::serve(listener, store, config, std::future::pending()).await.expect("serve");
    });
    (App { base: format!("http://{address}"), store: db.store.clone() }, db)
}

/// Where failure screenshots go: `target/e2e-screenshots/` (or under
/// `CARGO_TARGET_DIR` when set).
fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"), PathBuf::from)
        .join("e2e-screenshots")
}

/// Runs `scenario` against a fresh demo county in a fresh browser; skipped (with a
/// note) unless `SUNLIGHT_E2E` is set. A failing scenario leaves `NAME.png`.
pub async fn run<F, Fut>(name: &str, scenario: F)
where
    F: FnOnce(Browser, App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    if !enabled() {
        eprintln!("e2e {name}: skipped (set SUNLIGHT_E2E=1 to run the browser tests)");
        return;
    }
    let driver = start_driver().await;
    let (app, db) = start_app().await;
    let browser = Browser::start(&driver.url, CHROMIUM).await.expect("a Chromium session");
    let outcome = tokio::spawn(scenario(browser.clone(), app)).await;
    if let Err(failure) = outcome {
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).ok();
        let path = dir.join(format!("{name}.png"));
        match browser.screenshot().await {
            Some(png) if std::fs::write(&path, &png).is_ok() => {
                eprintln!("e2e {name}: failed on {}; screenshot {}", browser.url().await, path.display());
            }
            _ => eprintln!("e2e {name}: failed; no screenshot could be taken"),
        }
        browser.quit().await;
        drop(driver);
        drop(db);
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("e2e {name}: {e}"),
        }
    }
    browser.quit().await;
    drop(driver);
    drop(db);
}
