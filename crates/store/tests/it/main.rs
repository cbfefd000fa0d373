//! Store tests: every test runs on SQLite, and on PostgreSQL when
//! `SUNLIGHT_TEST_POSTGRES_URL` is set, each in a fresh database.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;

use sunlight_store::testing::TestDb;

/// Declares `name` as a test on both backends; the body is `async fn(TestDb)`.
macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::run_sqlite(super::$name).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                crate::run_postgres(super::$name).await;
            }
        }
    };
}

async fn run_sqlite<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    test(TestDb::sqlite().await).await;
}

async fn run_postgres<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    // Without a server the PostgreSQL half has nothing to run on; CI always sets it.
    if let Some(db) = TestDb::postgres().await {
        test(db).await;
    }
}

mod accounts;
mod audit;
mod cases;
mod catalogue;
mod complaints;
mod demo;
mod design;
mod flowcharts;
mod org;
mod risk;
mod screens;
mod settings;
mod supervision;
mod supervision_admin;
mod trading;
mod trading_alerts;
