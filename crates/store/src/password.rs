//! Password hashing: argon2id with parameters chosen so a log-in stays well under
//! 150 ms on two cores (see BENCHMARKS.md) while costing an attacker 19 MiB a guess.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::StoreError;

/// OWASP's first recommended argon2id setting: m = 19 MiB, t = 2, p = 1.
fn argon2() -> Result<Argon2<'static>, StoreError> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Minimum and maximum password length in characters.
pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

pub(crate) fn check_strength(password: &str) -> Result<(), sunlight_domain::field::FieldError> {
    use sunlight_domain::field::FieldError;
    let len = password.chars().count();
    if len < MIN_LEN {
        return Err(FieldError::with_limit("password_too_short", MIN_LEN));
    }
    if len > MAX_LEN {
        return Err(FieldError::with_limit("too_long", MAX_LEN));
    }
    Ok(())
}

/// Hashes off the async runtime: argon2 is deliberately slow.
pub(crate) async fn hash(password: String) -> Result<String, StoreError> {
    tokio::task::spawn_blocking(move || {
        let salt_bytes: [u8; 16] = rand::random();
        let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| StoreError::Internal(e.to_string()))?;
        argon2()?
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| StoreError::Internal(e.to_string()))?
}

/// True when `password` matches `stored`. A malformed stored hash never matches.
pub(crate) async fn verify(password: String, stored: String) -> Result<bool, StoreError> {
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        Ok(argon2()?.verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| StoreError::Internal(e.to_string()))?
}

/// Verifies against a hash of a random password when the login does not exist, so
/// that response time does not tell which logins exist.
pub(crate) async fn dummy_verify(password: String) -> Result<(), StoreError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let stored = DUMMY.get_or_try_init(|| hash(hex::encode(rand::random::<[u8; 16]>()))).await?.clone();
    verify(password, stored).await.map(|_| ())
}
