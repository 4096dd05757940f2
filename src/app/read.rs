//! Read access for the widgets and tests, and the clock-dependent wording ("12 s ago",
//! countdowns, freshness).

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::*;
use crate::figures::Figure;
use crate::model::{Snapshot, Source};
use crate::timegrid::Granularity;
use crate::view::{AgentRow, FloorView, IntervalRow};

/// Read access for the widgets and tests.
impl App {
    /// The figure columns on screen: the chosen ones, less the status columns when the org's
    /// status cannot be read.
    pub fn visible_columns(&self) -> Vec<Figure> {
        self.columns
            .iter()
            .copied()
            .filter(|c| self.column_unavailable(*c).is_none())
            .collect()
    }

    /// Why a chosen column is not shown now (`no status`: the org's status cannot be read;
    /// `no live state`: no live floor here), or `None` when it is.
    pub fn column_unavailable(&self, f: Figure) -> Option<&'static str> {
        if f.needs_status() && !self.snapshot().is_some_and(|s| s.status.is_available()) {
            Some("no status")
        } else if f.is_live() && !self.has_live_floor() {
            Some("no live state")
        } else {
            None
        }
    }

    /// The columns of the intervals table: [`Self::visible_columns`] without the live ones
    /// (an interval has no state now).
    pub fn interval_columns(&self) -> Vec<Figure> {
        let mut cols = self.visible_columns();
        cols.retain(|c| !c.is_live());
        cols
    }

    /// True when the live floor is on (live or demo; not a replay without states).
    pub fn has_live_floor(&self) -> bool {
        self.live.floor.is_some() && !self.is_past_day()
    }

    /// The live floor, when on.
    pub fn live_floor(&self) -> Option<&crate::live::LiveSnapshot> {
        self.live.floor.as_ref().filter(|_| !self.is_past_day())
    }

    /// The figure columns the supervisor chose (whether or not status is readable).
    pub fn chosen_columns(&self) -> &[Figure] {
        &self.columns
    }

    /// True when the demo's clock is simulated (not the wall clock).
    pub(crate) fn is_clock_simulated(&self) -> bool {
        self.simulated_clock
    }

    /// The recording every snapshot is appended to, when recording.
    pub(crate) fn recording(&self) -> Option<&std::path::Path> {
        self.recording.as_deref()
    }

    /// The clock as of the last tick.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Which table the movement keys drive.
    pub fn focus(&self) -> Focus {
        self.cursor.focus
    }

    /// The agents table's order.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// The filter text (possibly empty).
    pub fn filter(&self) -> &str {
        &self.filter.line.text
    }

    /// The prompt taking keystrokes, if one is open.
    pub fn prompt(&self) -> Option<Prompt> {
        match self.overlay {
            Overlay::Prompt(p) => Some(p),
            _ => None,
        }
    }

    /// True while the help overlay is shown.
    pub(crate) fn is_help_open(&self) -> bool {
        matches!(self.overlay, Overlay::Help { .. })
    }

    /// True when new snapshots are being held back (`f`).
    pub fn is_frozen(&self) -> bool {
        self.refresh.frozen
    }

    /// True when frozen and a newer snapshot is waiting.
    pub fn has_pending(&self) -> bool {
        self.refresh.pending.is_some()
    }

    /// The derived rows, once data has arrived.
    pub fn view(&self) -> Option<&FloorView> {
        self.view.as_ref()
    }

    /// The snapshot on screen (not a pending one).
    pub fn snapshot(&self) -> Option<&Arc<Snapshot>> {
        self.view.as_ref().map(|v| &v.snapshot)
    }

    /// Index of the highlighted agent among the visible rows.
    pub fn selected_row(&self) -> Option<usize> {
        self.view
            .as_ref()
            .filter(|v| !v.is_empty())
            .map(|_| self.cursor.agent)
    }

    /// The highlighted agent's row.
    pub fn selected_agent(&self) -> Option<&AgentRow> {
        self.view.as_ref()?.row(self.selected_row()?)
    }

    /// The intervals of the highlighted agent (the intervals table's rows).
    pub fn intervals(&self) -> &[IntervalRow] {
        &self.cursor.intervals
    }

    /// The highlighted interval: the supervisor's choice (clamped), else the open one, else the
    /// last interval of a past day or the first of a future one.
    pub fn selected_interval(&self) -> Option<usize> {
        let last = self.cursor.intervals.len().checked_sub(1)?;
        let i = match self.cursor.interval {
            Some(i) => i,
            None => self.current_interval().unwrap_or_else(|| {
                let window = self.snapshot().map(|s| &s.window);
                if window.is_some_and(|w| self.now >= w.end()) {
                    last
                } else {
                    0
                }
            }),
        };
        Some(i.min(last))
    }

    /// True until the supervisor moves in the intervals table: the selection then tracks the
    /// open interval, and the table may scroll to show the working part of the day.
    pub(crate) fn follows_open_interval(&self) -> bool {
        self.cursor.interval.is_none()
    }

    /// The bucket containing `now` (shown as open), if `now` is in the displayed day.
    pub fn current_interval(&self) -> Option<usize> {
        self.snapshot()?.window.bucket_index(self.now)
    }

    /// Header label of the data's origin.
    pub(crate) fn source(&self) -> &Source {
        self.snapshot().map_or(&self.opts.source, |s| &s.source)
    }

    /// Today in the supervisor's zone, by the dashboard's clock.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz()).date_naive()
    }

    /// True when a past day is on screen (`<`, `--date`): read once, not refreshed, nothing
    /// about it is stale.
    pub fn is_past_day(&self) -> bool {
        !self.is_replay()
            && self
                .snapshot()
                .is_some_and(|s| s.window.date < self.today())
    }

    /// The day on screen (today in the zone before data arrives).
    pub fn date(&self) -> NaiveDate {
        match self.snapshot() {
            Some(s) => s.window.date,
            None => self.now.with_timezone(&self.opts.tz).date_naive(),
        }
    }

    /// The supervisor's zone.
    pub(crate) fn tz(&self) -> Tz {
        self.snapshot().map_or(self.opts.tz, |s| s.window.tz)
    }

    /// Bucket size on screen.
    pub(crate) fn granularity(&self) -> Granularity {
        self.snapshot()
            .map_or(self.opts.granularity, |s| s.window.granularity)
    }

    /// `as of 10:14:03 (12 s ago)` in the zone's local time; `None` before data.
    pub fn as_of_text(&self) -> Option<String> {
        let s = self.snapshot()?;
        let local = s.as_of.with_timezone(&self.tz());
        if self.is_replay() {
            // The recorded time; its age is the point of a replay, not news.
            return Some(format!("as of {}", local.format("%H:%M:%S")));
        }
        let age = (self.now - s.as_of).num_seconds();
        Some(format!("as of {} ({})", local.format("%H:%M:%S"), ago(age)))
    }

    /// `next in 18 s`, `refreshing…` or `refresh due`.
    pub fn next_text(&self) -> Option<String> {
        if self.is_replay() || self.is_past_day() {
            return None;
        }
        if self.refresh.refreshing {
            return Some("refreshing…".to_string());
        }
        let next = self.refresh.next_at.or_else(|| {
            let period = chrono::Duration::from_std(self.opts.refresh).ok()?;
            self.snapshot()?.as_of.checked_add_signed(period)
        })?;
        let secs = secs_until(self.now, next);
        Some(if secs > 0 {
            format!("next in {}", countdown(secs))
        } else {
            "refresh due".to_string()
        })
    }

    /// The last fetch problem in plain words, with a live countdown for retries.
    pub fn fetch_status(&self) -> Option<String> {
        Some(match self.refresh.problem.as_ref()? {
            Problem::Retrying { reason, until } => {
                let secs = secs_until(self.now, *until);
                if secs > 0 {
                    format!("{reason} — retrying in {}", countdown(secs))
                } else {
                    format!("{reason} — retrying now…")
                }
            }
            Problem::Failed { reason } => reason.clone(),
        })
    }

    /// The last export message.
    pub fn notice(&self) -> Option<&Notice> {
        let (n, at) = self.notice.as_ref()?;
        match (self.wall, at) {
            (Some(wall), Some(at)) if wall - *at >= n.lifetime() => None,
            _ => Some(n),
        }
    }

    /// How old the newest data we hold is, against the refresh period. While frozen this is
    /// the newest snapshot received (held aside or not): FROZEN already explains an old screen,
    /// so the marker keeps saying whether the feed itself is healthy.
    pub fn freshness(&self) -> Freshness {
        if self.is_replay() || self.is_past_day() {
            return Freshness::Fresh;
        }
        let shown = self.snapshot().map(|s| s.as_of);
        let held = self.refresh.pending.as_ref().map(|s| s.as_of);
        let Some(as_of) = shown.max(held) else {
            return Freshness::Fresh;
        };
        let age_ms = (self.now - as_of).num_milliseconds().max(0) as u128;
        let period_ms = self.opts.refresh.as_millis();
        let older_than = |periods: u32| age_ms > period_ms * u128::from(periods);
        if older_than(VERY_STALE_AFTER_PERIODS)
            || (self.refresh.last_failed && older_than(STALE_AFTER_PERIODS))
        {
            Freshness::VeryStale
        } else if older_than(STALE_AFTER_PERIODS) {
            Freshness::Stale
        } else {
            Freshness::Fresh
        }
    }

    /// True when the last refresh failed and no snapshot has arrived since.
    pub fn last_refresh_failed(&self) -> bool {
        self.refresh.last_failed
    }

    /// Requests sent to Genesys in the last minute, once the loop has reported it.
    pub fn requests_last_minute(&self) -> Option<usize> {
        self.refresh.usage
    }

    /// `42 req/min` for the header; `None` until the loop has reported usage.
    pub fn usage_text(&self) -> Option<String> {
        self.refresh.usage.map(|n| format!("{n} req/min"))
    }

    /// The help overlay's usage lines: our figure, then the default limit for context.
    pub fn usage_help_lines(&self) -> [String; 2] {
        let n = self
            .refresh
            .usage
            .map_or_else(|| "—".to_string(), |n| n.to_string());
        [
            format!("Requests in the last minute: {n}"),
            format!("Genesys default limit: {GENESYS_REQUESTS_PER_MINUTE}/min per token"),
        ]
    }

    /// True when usage is close to the default limit ([`USAGE_WARN_AT`]).
    pub fn usage_is_high(&self) -> bool {
        self.refresh.usage.is_some_and(|n| n >= USAGE_WARN_AT)
    }

    /// Everything on screen that depends on the clock; a tick is dirty only if it changed.
    pub(super) fn clock_state(&self) -> ClockState {
        (
            self.as_of_text(),
            self.next_text(),
            self.fetch_status(),
            self.current_interval(),
            self.freshness(),
            (
                self.spinner_phase(),
                self.drill_still_changing(),
                self.notice().is_some(),
            ),
        )
    }
}

/// What [`App::clock_state`] compares between ticks.
type ClockState = (
    Option<String>,
    Option<String>,
    Option<String>,
    Option<usize>,
    Freshness,
    (Option<usize>, bool, bool),
);

/// Whole seconds from `now` until `t`, rounded up so a countdown never shows 0 early.
fn secs_until(now: DateTime<Utc>, t: DateTime<Utc>) -> i64 {
    let ms = (t - now).num_milliseconds();
    if ms <= 0 { 0 } else { (ms + 999) / 1000 }
}

/// `18 s`, `4 min`.
fn countdown(secs: i64) -> String {
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} min", (secs + 59) / 60)
    }
}

/// `12 s ago`, `3 min ago`, `2 h 5 min ago`.
fn ago(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        format!("{secs} s ago")
    } else if secs < 3600 {
        format!("{} min ago", secs / 60)
    } else {
        format!("{} h {} min ago", secs / 3600, (secs / 60) % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(ago(12), "12 s ago");
        assert_eq!(ago(-3), "0 s ago");
        assert_eq!(ago(185), "3 min ago");
        assert_eq!(ago(7500), "2 h 5 min ago");
        assert_eq!(countdown(18), "18 s");
        assert_eq!(countdown(600), "10 min");
    }

    #[test]
    fn countdown_rounds_up() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(
            secs_until(now, now + chrono::Duration::milliseconds(11_200)),
            12
        );
        assert_eq!(secs_until(now, now - chrono::Duration::seconds(1)), 0);
    }
}
