use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, SqlxPostgresConnector, SqlxSqliteConnector};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection pool and the backend it speaks to.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// SQLite: the one connection writes go through (see [`Store::open_sqlite`]);
    /// PostgreSQL writes through the pool.
    writer: Option<DatabaseConnection>,
    backend: Backend,
    /// What online handling keeps in memory for this database: prepared flowcharts
    /// and its group-commit queue (rebuilt from the database at any time).
    pub(crate) cases: std::sync::Arc<crate::cases::Caches>,
}

/// Prepared statements kept per SQLite connection.
const STATEMENT_CACHE: usize = 400;

impl Store {
    /// Opens (creating if needed) the SQLite file with the settings an acknowledged
    /// write needs to survive a crash: WAL, `synchronous=FULL`, foreign keys on.
    pub async fn open_sqlite(path: &Path, max_connections: u32) -> Result<Self, DbErr> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // The online hall's groups write N rows a statement for many N: with
            // sqlx's default 100 the prepared statements pushed each other out.
            .statement_cache_capacity(STATEMENT_CACHE);
        let pool =
            |connections: u32| SqlitePoolOptions::new().max_connections(connections).connect_with(options.clone());
        let reader =
            pool(max_connections.max(1)).await.map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        // SQLite has one writer at a time anyway. Through one connection, its page
        // cache stays valid from one write to the next (a connection drops its whole
        // cache when it finds that another one wrote), and writers queue in order
        // instead of polling the lock.
        let writer = pool(1).await.map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        Ok(Self {
            db: SqlxSqliteConnector::from_sqlx_sqlite_pool(reader),
            writer: Some(SqlxSqliteConnector::from_sqlx_sqlite_pool(writer)),
            backend: Backend::Sqlite,
            cases: std::sync::Arc::default(),
        })
    }

    /// Connects to PostgreSQL (`postgres://…`) or SQLite (`sqlite://…`) by URL.
    pub async fn connect_url(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            return Self::open_sqlite(Path::new(path), max_connections).await;
        }
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(DbErr::Custom(format!(
                "unsupported database URL (use postgres://… or sqlite://…): {}",
                redact(url)
            )));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|e| DbErr::Custom(format!("bad database URL {}: {e}", redact(url))))?
            // Prepared statements are cached per connection, and PostgreSQL plans a
            // cached one once for all parameters after a few runs. Planned on tables
            // still empty (a new county, before autovacuum's first ANALYZE), that
            // plan scans whole tables; as they grow every batch of events gets slower.
            // Planning each run with its parameters costs microseconds and keeps the
            // indexes in use.
            .options([("plan_cache_mode", "force_custom_plan")]);
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        let db = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
        Ok(Self { db, writer: None, backend: Backend::Postgres, cases: std::sync::Arc::default() })
    }

    pub async fn migrate(&self) -> Result<(), DbErr> {
        Migrator::up(&self.db, None).await
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.db.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// The connection a [`crate::Write`] runs on.
    #[must_use]
    pub(crate) fn write_connection(&self) -> &DatabaseConnection {
        self.writer.as_ref().unwrap_or(&self.db)
    }

    #[must_use]
    pub const fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn db_backend(&self) -> DbBackend {
        match self.backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
        }
    }

    /// Pool figures for `/metrics`: (open connections, idle connections).
    #[must_use]
    pub fn pool_stats(&self) -> (u32, u32) {
        let idle = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        match self.backend {
            Backend::Sqlite => {
                let pool = self.db.get_sqlite_connection_pool();
                (pool.size(), idle(pool.num_idle()))
            }
            Backend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (pool.size(), idle(pool.num_idle()))
            }
        }
    }

    /// A consistent snapshot of the SQLite database into `out` (`VACUUM INTO`).
    pub async fn backup_sqlite(&self, out: &Path) -> Result<(), DbErr> {
        let target = out.to_str().ok_or_else(|| DbErr::Custom("backup path is not UTF-8".into()))?;
        self.db
            .execute_raw(sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [target.into()]))
            .await
            .map(|_| ())
    }

    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(writer) = self.writer {
            writer.close().await?;
        }
        self.db.close().await
    }
}

/// A URL without its password, for messages and logs.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            other => Err(format!("unknown backend {other}")),
        }
    }
}
