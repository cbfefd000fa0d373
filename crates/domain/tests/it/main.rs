//! Integration tests of the domain crate.

mod trading;
