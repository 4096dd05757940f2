//! floorwatch: a terminal dashboard of per-agent handle, ACW and hold time per interval for
//! Genesys Cloud contact-center supervisors. The binary is a thin shell over this library so
//! tests can drive the client, the fetcher, the app state and the export headless.

#![deny(clippy::unwrap_used)]

pub mod alerts;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod drilldown;
pub mod explain;
pub mod export;
pub mod feed;
pub mod fetcher;
pub mod figures;
pub mod filter;
pub mod format;
pub mod genesys;
pub mod keymap;
pub mod live;
pub mod loader;
pub mod logging;
pub mod lookups;
pub mod model;
pub mod provenance;
pub mod recording;
pub mod saved_view;
pub mod secret;
pub mod targets;
pub mod text;
pub mod timegrid;
pub mod tui;
pub mod ui;
pub mod view;
pub mod wallboard;
