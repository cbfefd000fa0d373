//! Tests of the binary itself: it is run as an administrator runs it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod foundation;
