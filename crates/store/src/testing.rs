//! Fresh databases for tests: SQLite in a temporary directory always, PostgreSQL
//! when `SUNLIGHT_TEST_POSTGRES_URL` names a server (each test gets its own
//! database, dropped when the test ends).

#![allow(clippy::expect_used, clippy::missing_panics_doc)] // test support: a failed set-up must fail the test loudly

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, Database};

use crate::Store;

/// A migrated store that cleans up after itself.
pub struct TestDb {
    pub store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// A fresh SQLite database in its own directory.
    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("sunlight-test-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("create test dir");
        let store = Store::open_sqlite(&dir.join("sunlight.db"), 4).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        Self { store, cleanup: Cleanup::Dir(dir) }
    }

    /// A fresh PostgreSQL database, or `None` when no server is configured.
    pub async fn postgres() -> Option<Self> {
        let admin_url = std::env::var("SUNLIGHT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
        let name = format!("sunlight_t_{}", uuid::Uuid::now_v7().simple());
        let admin = Database::connect(admin_url.as_str()).await.expect("connect to SUNLIGHT_TEST_POSTGRES_URL");
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await.ok();
        let store = Store::connect_url(&database_url(&admin_url, &name), 4).await.expect("connect to test database");
        store.migrate().await.expect("migrate postgres");
        Some(Self { store, cleanup: Cleanup::Postgres { admin_url, name } })
    }

    /// The URL of this database, for tests that start the binary.
    #[must_use]
    pub fn url(&self) -> String {
        match &self.cleanup {
            Cleanup::Dir(dir) => format!("sqlite://{}", dir.join("sunlight.db").display()),
            Cleanup::Postgres { admin_url, name } => database_url(admin_url, name),
        }
    }
}

fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url.split_once('?').map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let base = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                std::fs::remove_dir_all(dir).ok();
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime; a thread with its own runtime
                // can block on the clean-up without starving it.
                std::thread::spawn(move || {
                    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    runtime.block_on(async move {
                        if let Ok(admin) = Database::connect(admin_url.as_str()).await {
                            admin
                                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                                .await
                                .ok();
                        }
                    });
                })
                .join()
                .ok();
            }
        }
    }
}
