//! Shared by the test modules: a hand-made floor for the UI ([`fixtures`]), a fake Genesys
//! org over wiremock ([`fake_org`]), the notifications service and live REST fake
//! ([`fake_ws`]) and the live task's harness ([`live`]).

pub mod fake_org;
pub mod fake_ws;
pub mod fixtures;
pub mod frames;
pub mod live;
pub mod screen;
