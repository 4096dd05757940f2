//! floorwatch's integration tests, one crate (one link of wiremock, insta, proptest and
//! rexpect), one module per area. `common` holds the shared fixtures and the fake org.

mod common;

mod alerts;
mod alerts_delivery;
mod alerts_recording;
mod alerts_ui;
mod app_keys;
mod app_replay;
mod cli;
mod columns_view;
mod conversations_pane;
mod demo_floor;
mod drilldown;
mod e2e_pty;
mod e2e_replay;
mod explain;
mod fetcher_live;
mod filter_props;
mod filter_view;
mod genesys_http;
mod live_demo;
mod live_example;
mod live_network;
mod live_resilience;
mod live_scope;
mod live_ui;
mod prompts;
mod recording;
mod replay_cli;
mod targets_ui;
mod ui_snapshots;
mod user_aggregates;
mod wallboard;
