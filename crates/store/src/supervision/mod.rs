//! Electronic supervision (网上监察) around the alerts the rules raise on cases:
//!
//! - `alerts`: the alerts' lifecycle (a person's moves, each with its event and
//!   audit record), the lists, one alert with its case, and the console's counts;
//! - `outbox`: delivering the notifications the rules and the lifecycle queue
//!   (never dropped: a row stays until it is delivered);
//! - `rates`: the monthly rates per unit and per power, by SQL aggregates.
//!
//! The rules themselves (evaluating cases, raising and auto-closing alerts) live with
//! the cases; this module only moves what they raised.

pub mod alerts;
#[cfg(feature = "testing")]
pub mod fixture;
pub mod outbox;
pub mod rates;
