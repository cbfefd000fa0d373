use sea_orm::{DbErr, SqlErr};
use sunlight_domain::field::{FieldError, FieldErrors};
use sunlight_domain::policy::Denied;

/// What a repository call can fail with; the web layer maps each to a status and
/// a stable error code.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    #[error("invalid input")]
    Invalid(FieldErrors),
    #[error("{field} already exists")]
    Conflict { field: &'static str },
    #[error("not allowed: {0}")]
    Denied(#[from] Denied),
    #[error("wrong login or password")]
    BadCredentials,
    #[error("too many failed log-ins; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("{0}")]
    Internal(String),
}

impl StoreError {
    pub(crate) fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    pub(crate) fn invalid(field: &str, error: FieldError) -> Self {
        Self::Invalid(FieldErrors::from((field, error)))
    }

    /// Turns a unique-constraint violation into a 409 on `field`; other errors pass.
    pub(crate) fn unique(field: &'static str) -> impl Fn(DbErr) -> Self {
        move |err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict { field },
            _ => Self::Db(err),
        }
    }
}

impl From<FieldErrors> for StoreError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}
