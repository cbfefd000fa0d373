//! Sunlight's domain: the types and rules of power-operation monitoring.
//!
//! Nothing here touches a database, the network or the clock: time is passed in,
//! so every rule can be tested on its own and reused by the store, the web layer
//! and the command line alike.

pub mod audit;
pub mod catalogue;
pub mod complaint;
mod fast_hash;
pub mod field;
pub mod flow;
pub mod org;
pub mod policy;
pub mod risk;
pub mod screen;
pub mod supervision;
pub mod text;
pub mod trading;
