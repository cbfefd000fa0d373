//! API and page tests: each spawns the app on port 0 with its own database, on
//! SQLite always and on PostgreSQL when `SUNLIGHT_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

mod support;

/// Declares `name` as a test on both backends; the body is `async fn(TestApp)`.
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = crate::support::TestApp::spawn(sunlight_store::testing::TestDb::sqlite().await).await;
                super::$name(app).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                // Without a server the PostgreSQL half has nothing to run on; CI always sets it.
                if let Some(db) = sunlight_store::testing::TestDb::postgres().await {
                    super::$name(crate::support::TestApp::spawn(db).await).await;
                }
            }
        }
    };
}

mod access;
mod bad_input;
mod case_trace;
mod cases;
mod catalogue;
mod complaints;
mod design;
mod flowcharts;
mod hall;
mod i18n;
mod kiosk_case;
mod portal_quality;
mod risk;
mod screens;
mod shell;
mod supervision;
mod trading;
mod trading_alerts;
