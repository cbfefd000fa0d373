//! Electronic supervision (网上监察) of the cases handled online: how an alert raised
//! by a rule is handled, and the months the county's rates are counted by.
//!
//! - `lifecycle`: who must act on an alert next, who may move it where, and why it
//!   closed.
//! - `month`: a calendar month in China time and ranges of them.

pub mod lifecycle;
pub mod month;

pub use lifecycle::{AlertLevel, AlertMove, CloseReason, Party, plan, right_to_move};
pub use month::Month;
