//! The rules the demo floor runs with when the config sets none, so alerts are visible (some
//! fire within a minute of start) without writing a config first. They live in
//! `assets/demo-alerts.toml`, read by the same parser as a user's config.

use std::path::Path;

use super::config::AlertConfig;
use crate::model::Source;

/// The demo rules' file, as shipped.
pub const DEMO_RULES_TOML: &str = include_str!("../../assets/demo-alerts.toml");

/// The built-in demo rules (a test keeps the file valid; were it not, no rules).
pub fn demo_rules() -> AlertConfig {
    match crate::targets::Targets::from_toml(DEMO_RULES_TOML, Path::new("assets/demo-alerts.toml"))
    {
        Ok(t) => t.alerts,
        Err(e) => {
            tracing::error!(error = %e, "the built-in demo alert rules do not parse");
            AlertConfig::default()
        }
    }
}

/// The rules to run: the config's, or on the demo floor with none configured, the demo's.
pub fn rules_for(config: AlertConfig, source: &Source) -> AlertConfig {
    if config.is_empty() && *source == Source::Demo {
        AlertConfig {
            rules: demo_rules().rules,
            ..config
        }
    } else {
        config
    }
}
