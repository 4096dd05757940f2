//! The dashboard replaying a recording (`floorwatch replay FILE`): the replay keys, the header
//! label, the recorded clock, and the provenance every view export carries.
//!
//! A replay is the live dashboard fed by a recording instead of the fetcher, so everything but
//! this file is shared: navigation, sort, filter, freeze, export and the drill-down keys work
//! as they do live. What differs: the replay keys ([`keymap::REPLAY`]) come first, `r` only
//! says there is nothing to refresh, the clock is the recorded time of the snapshot on screen
//! (so the open interval is the one open then), and nothing is ever STALE or counting down to
//! a next refresh (the data is old on purpose).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::*;
use crate::fetcher::FetchEvent;
use crate::keymap::ReplayKey;
use crate::provenance::{Provenance, ProvenanceSource, SortInfo, local_rfc3339};
use crate::recording::{ReplayControl, ReplayStatus};

/// What the app knows about the replay it shows.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct ReplayState {
    /// Position, recorded time, speed, paused; as last reported by the replay.
    pub status: ReplayStatus,
    /// The recording file, for the exports' provenance.
    pub recording: Option<PathBuf>,
}

/// The control a replay key sends.
pub(crate) fn control_for(key: ReplayKey) -> ReplayControl {
    match key {
        ReplayKey::TogglePause => ReplayControl::TogglePause,
        ReplayKey::StepBack => ReplayControl::StepBack,
        ReplayKey::StepForward => ReplayControl::StepForward,
        ReplayKey::JumpBack => ReplayControl::JumpBack,
        ReplayKey::JumpForward => ReplayControl::JumpForward,
        ReplayKey::Faster => ReplayControl::Faster,
        ReplayKey::Slower => ReplayControl::Slower,
    }
}

impl App {
    /// Makes this dashboard a replay of `recording`, starting from `status`.
    pub fn with_replay(mut self, recording: impl Into<PathBuf>, status: ReplayStatus) -> Self {
        self.now = status.as_of.unwrap_or(self.now);
        self.replay = Some(ReplayState {
            status,
            recording: Some(recording.into()),
        });
        self
    }

    /// True when showing a recording rather than a live or demo floor.
    pub(crate) fn is_replay(&self) -> bool {
        self.replay.is_some()
    }

    /// Where the replay stands, when replaying.
    pub fn replay_status(&self) -> Option<&ReplayStatus> {
        self.replay.as_ref().map(|r| &r.status)
    }

    /// The header's `REPLAY 14:32:05 · 4× · 12/960 · paused`, when replaying.
    pub fn replay_label(&self) -> Option<String> {
        self.replay_status().map(ReplayStatus::label)
    }

    /// The header's narrow form: `REPLAY 14:32:05 · paused`.
    pub(crate) fn replay_short_label(&self) -> Option<String> {
        let s = self.replay_status()?;
        let time = s
            .as_of
            .map(|t| t.with_timezone(&s.tz).format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "--:--:--".into());
        let state = if s.paused { " · paused" } else { "" };
        Some(format!("REPLAY {time}{state}"))
    }

    /// The replay's new status: redraw only when the label changed.
    pub(super) fn on_replay_status(&mut self, status: ReplayStatus) -> Outcome {
        let before = self.replay_label();
        match &mut self.replay {
            Some(r) => r.status = status,
            None => {
                self.replay = Some(ReplayState {
                    status,
                    recording: None,
                })
            }
        }
        Outcome::changed(before != self.replay_label())
    }

    /// In a replay the clock is the recorded time of the snapshot arriving, backwards too.
    pub(super) fn replay_clock(&mut self, ev: &FetchEvent) {
        if self.replay.is_some()
            && let FetchEvent::Snapshot(s) = ev
        {
            self.now = s.as_of;
        }
    }

    /// The replay key `key` means in the current mode, run; `None` when it is not one (or not
    /// replaying, or typing in the filter prompt, or in the help overlay).
    pub(super) fn replay_key(&mut self, key: KeyEvent) -> Option<Outcome> {
        if self.replay.is_none() || matches!(self.mode(), Mode::Prompt | Mode::Help) {
            return None;
        }
        match keymap::replay_command(key)? {
            keymap::Command::Replay(k) => Some(self.run_replay(k)),
            _ => None,
        }
    }

    /// A replay key: the control goes to the replay, whose new status comes back as
    /// [`Action::Replay`].
    pub(super) fn run_replay(&mut self, key: ReplayKey) -> Outcome {
        if self.replay.is_none() {
            return Outcome::none();
        }
        Outcome::none().with(Effect::Replay(control_for(key)))
    }

    /// `r` in a replay: nothing to refresh, say so.
    pub(super) fn replay_no_refresh(&mut self) -> Outcome {
        self.say(Notice::Info("replay: no refresh".to_string()))
    }

    /// What `view` is a picture of, for the `.json` beside its CSV (live, demo or replay);
    /// `exported_at` is the dashboard clock at the export.
    pub fn export_provenance(&self, view: &ViewExport, exported_at: DateTime<Utc>) -> Provenance {
        let tz = self.tz();
        let as_of = self.snapshot().map(|s| s.as_of);
        let source = match &self.replay {
            Some(r) => ProvenanceSource::Replay {
                recording: r
                    .recording
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                recorded_from: self.source().label(),
                moment: as_of.map(|t| local_rfc3339(t, tz)),
                position: r.status.position + 1,
                total: r.status.total,
            },
            None => ProvenanceSource::of(self.source()),
        };
        Provenance {
            floorwatch_version: env!("CARGO_PKG_VERSION").to_string(),
            view: view.kind.slug().to_string(),
            csv: String::new(),
            rows: view.rows.len(),
            source,
            as_of: as_of.map(|t| local_rfc3339(t, tz)),
            date: self.date().format("%Y-%m-%d").to_string(),
            time_zone: tz.name().to_string(),
            granularity_minutes: self.granularity().minutes(),
            columns: view.columns.clone(),
            // The agents filter narrows only the agents table.
            filter: Some(self.filter_applied())
                .filter(|f| !f.is_empty() && view.kind == ViewKind::Agents),
            sort: match (view.kind, self.drill_pane()) {
                // The conversations list has its own order, the intervals their time order.
                (ViewKind::Conversations, Some(p)) => SortInfo {
                    column: p.sort.0.title().to_string(),
                    descending: p.sort.1,
                },
                (ViewKind::Intervals, _) => SortInfo {
                    column: "Interval".to_string(),
                    descending: false,
                },
                _ => SortInfo {
                    column: self.sort.by.title().to_string(),
                    descending: self.sort.descending,
                },
            },
            agent_id: match (view.kind, self.drill_pane()) {
                (ViewKind::Conversations, Some(p)) => Some(p.key.user_id.clone()),
                (ViewKind::Intervals, _) => self.selected_agent().map(|a| a.id.clone()),
                _ => None,
            },
            interval: match (view.kind, self.drill_pane()) {
                (ViewKind::Conversations, Some(p)) => Some(format!(
                    "{}/{}",
                    local_rfc3339(p.bucket.start, tz),
                    local_rfc3339(p.bucket.end, tz)
                )),
                _ => None,
            },
            exported_at: local_rfc3339(exported_at, tz),
        }
    }
}
