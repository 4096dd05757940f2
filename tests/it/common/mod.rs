//! Shared by the test modules: a hand-made floor for the UI ([`fixtures`]) and a fake Genesys
//! org over wiremock ([`fake_org`]).

pub mod fake_org;
pub mod fixtures;
pub mod frames;
pub mod screen;
