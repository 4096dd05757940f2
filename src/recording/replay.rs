//! Replaying a recording in the dashboard.
//!
//! [`Replay`] is a pure state machine over a [`Recording`]; it never sleeps and never reads a
//! clock: every call that depends on time takes `now` (a [`tokio::time::Instant`], so a
//! paused test runtime drives it too). The UI loop owns it like this:
//!
//! ```ignore
//! let mut replay = Replay::new(recording, 1.0, Instant::now());
//! if let Some(i) = at { replay.handle(ReplayControl::SeekIndex(i), Instant::now()); }
//! show(replay.current());
//! loop {
//!     tokio::select! {
//!         key = keys.next() => if let Some(s) = replay.handle(control_for(key), Instant::now()) { show(s) },
//!         _ = sleep_until_opt(replay.next_deadline()) => if let Some(s) = replay.tick(Instant::now()) { show(s) },
//!     }
//!     header.set(replay.status().label());
//! }
//! ```
//!
//! Or, to consume replay exactly as the live fetcher is consumed, [`spawn_replay`] runs the same
//! machine in a tokio task and returns a [`ReplayHandle`] whose `events` carry
//! [`FetchEvent::Snapshot`] (nothing else) and whose `status` is a watch of [`ReplayStatus`].
//!
//! Timing: snapshot `i + 1` is shown `(as_of[i+1] − as_of[i]) / speed` after snapshot `i`
//! was, with recorded gaps longer than [`MAX_GAP`] (the recorder was off) played as
//! [`MAX_GAP`]. Replay stops at the last snapshot; it does not loop.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::Recording;
use crate::fetcher::FetchEvent;
use crate::model::Snapshot;
use crate::timegrid::LocalMoment;

/// The speeds [`ReplayControl::Faster`] and [`ReplayControl::Slower`] step through.
pub const SPEEDS: &[f64] = &[0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];
/// Slowest speed accepted.
pub const MIN_SPEED: f64 = 0.5;
/// Fastest speed accepted.
pub const MAX_SPEED: f64 = 64.0;
/// How far [`ReplayControl::JumpForward`] and [`ReplayControl::JumpBack`] move, in recorded time.
pub const JUMP: chrono::Duration = chrono::Duration::minutes(10);
/// Longest recorded gap played as it was; longer gaps (the recorder was stopped) play as this.
pub const MAX_GAP: Duration = Duration::from_secs(5 * 60);

/// What the UI can ask of a replay.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReplayControl {
    /// Pause when playing, play when paused.
    TogglePause,
    Pause,
    Resume,
    /// One snapshot later / earlier; the play/pause state is kept and the wait for the next
    /// snapshot starts over.
    StepForward,
    StepBack,
    /// The snapshot in force [`JUMP`] later / earlier in recorded time (always at least one
    /// snapshot, so a long gap cannot trap the jump).
    JumpForward,
    JumpBack,
    /// The next faster / slower entry of [`SPEEDS`].
    Faster,
    Slower,
    /// Any speed, clamped to [`MIN_SPEED`]..=[`MAX_SPEED`].
    SetSpeed(f64),
    /// The snapshot in force at local `HH:MM` on the recording's day (the first one when the
    /// time is before the recording starts).
    SeekTo(LocalMoment),
    /// Snapshot number `i` (clamped to the last).
    SeekIndex(usize),
}

/// What the header shows during a replay.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplayStatus {
    /// Index of the snapshot on screen (0-based).
    pub position: usize,
    /// Snapshots in the recording.
    pub total: usize,
    /// The recorded time of the snapshot on screen.
    pub as_of: Option<DateTime<Utc>>,
    /// The recording's zone, for showing `as_of` in local time.
    pub tz: chrono_tz::Tz,
    pub speed: f64,
    pub paused: bool,
    /// On the last snapshot: nothing more will come unless the user steps or seeks back.
    pub at_end: bool,
}

impl ReplayStatus {
    /// `REPLAY 14:32:05 · 4× · 12/960`, then ` · paused` or ` · end`.
    pub fn label(&self) -> String {
        let time = self
            .as_of
            .map(|t| t.with_timezone(&self.tz).format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "--:--:--".into());
        let mut s = format!(
            "REPLAY {time} · {}× · {}/{}",
            speed_text(self.speed),
            if self.total == 0 {
                0
            } else {
                self.position + 1
            },
            self.total
        );
        if self.paused {
            s.push_str(" · paused");
        } else if self.at_end {
            s.push_str(" · end");
        }
        s
    }
}

fn speed_text(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}

/// A replay of a [`Recording`]; see the module docs for how the UI loop drives it.
#[derive(Debug)]
pub struct Replay {
    rec: Recording,
    pos: usize,
    speed: f64,
    paused: bool,
    /// When `progress` was last brought up to date.
    mark: Instant,
    /// Recorded time elapsed since snapshot `pos` was shown, as of `mark`.
    progress: Duration,
}

fn clamp_speed(s: f64) -> Option<f64> {
    (!s.is_nan()).then(|| s.clamp(MIN_SPEED, MAX_SPEED))
}

impl Replay {
    /// A replay positioned on the first snapshot, playing at `speed` from `now`.
    pub fn new(recording: Recording, speed: f64, now: Instant) -> Self {
        Replay {
            rec: recording,
            pos: 0,
            speed: clamp_speed(speed).unwrap_or(1.0),
            paused: false,
            mark: now,
            progress: Duration::ZERO,
        }
    }

    /// The snapshot on screen (`None` only for an empty recording).
    pub fn current(&self) -> Option<Arc<Snapshot>> {
        self.rec.get(self.pos)
    }

    /// Index of the snapshot on screen.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Snapshots in the recording.
    pub fn len(&self) -> usize {
        self.rec.len()
    }

    /// True for an empty recording.
    pub fn is_empty(&self) -> bool {
        self.rec.is_empty()
    }

    pub fn speed(&self) -> f64 {
        self.speed
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// On the last snapshot (or the recording is empty).
    pub fn at_end(&self) -> bool {
        self.pos + 1 >= self.rec.len()
    }

    /// Position, total, recorded time, speed and state, for the header.
    pub fn status(&self) -> ReplayStatus {
        ReplayStatus {
            position: self.pos,
            total: self.rec.len(),
            as_of: self.rec.as_of(self.pos),
            tz: self
                .rec
                .window(self.pos)
                .map(|w| w.tz)
                .unwrap_or(self.rec.meta().tz),
            speed: self.speed,
            paused: self.paused,
            at_end: self.at_end(),
        }
    }

    /// Recorded time from the snapshot on screen to the next, capped at [`MAX_GAP`].
    fn gap(&self) -> Option<Duration> {
        let a = self.rec.as_of(self.pos)?;
        let b = self.rec.as_of(self.pos + 1)?;
        Some((b - a).to_std().unwrap_or_default().min(MAX_GAP))
    }

    /// When the next snapshot is due; `None` when paused or on the last snapshot.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.paused {
            return None;
        }
        let left = self.gap()?.saturating_sub(self.progress);
        Some(self.mark + left.div_f64(self.speed))
    }

    /// Brings `progress` up to `now`.
    fn sync(&mut self, now: Instant) {
        if !self.paused {
            let real = now.saturating_duration_since(self.mark);
            self.progress += real.mul_f64(self.speed);
        }
        self.mark = now;
    }

    /// Advances past every deadline that `now` has reached and returns the snapshot to show,
    /// if it changed. Call it when [`Replay::next_deadline`] fires.
    pub fn tick(&mut self, now: Instant) -> Option<Arc<Snapshot>> {
        let start = self.pos;
        while let Some(due) = self.next_deadline() {
            if now < due {
                break;
            }
            // Scheduling from the deadline, not from `now`, keeps the cadence exact.
            self.pos += 1;
            self.mark = due;
            self.progress = Duration::ZERO;
        }
        (self.pos != start).then(|| self.current()).flatten()
    }

    fn go_to(&mut self, i: usize, now: Instant) -> Option<Arc<Snapshot>> {
        let last = self.rec.len().checked_sub(1)?;
        let i = i.min(last);
        self.mark = now;
        self.progress = Duration::ZERO;
        if i == self.pos {
            return None;
        }
        self.pos = i;
        self.current()
    }

    /// Applies a control; returns the snapshot to show when it changed.
    pub fn handle(&mut self, control: ReplayControl, now: Instant) -> Option<Arc<Snapshot>> {
        match control {
            ReplayControl::TogglePause => {
                let c = if self.paused {
                    ReplayControl::Resume
                } else {
                    ReplayControl::Pause
                };
                self.handle(c, now)
            }
            ReplayControl::Pause => {
                self.sync(now);
                self.paused = true;
                None
            }
            ReplayControl::Resume => {
                self.mark = now;
                self.paused = false;
                None
            }
            ReplayControl::StepForward => {
                if self.at_end() {
                    return None;
                }
                self.go_to(self.pos + 1, now)
            }
            ReplayControl::StepBack => {
                let i = self.pos.checked_sub(1)?;
                self.go_to(i, now)
            }
            ReplayControl::JumpForward => {
                if self.at_end() {
                    return None;
                }
                let t = self.rec.as_of(self.pos)? + JUMP;
                let i = self.rec.index_at_instant(t).unwrap_or(0).max(self.pos + 1);
                self.go_to(i, now)
            }
            ReplayControl::JumpBack => {
                let back = self.pos.checked_sub(1)?;
                let t = self.rec.as_of(self.pos)? - JUMP;
                let i = self.rec.index_at_instant(t).unwrap_or(0).min(back);
                self.go_to(i, now)
            }
            ReplayControl::Faster => {
                let s = SPEEDS
                    .iter()
                    .copied()
                    .find(|&s| s > self.speed)
                    .unwrap_or(MAX_SPEED);
                self.set_speed(s, now);
                None
            }
            ReplayControl::Slower => {
                let s = SPEEDS
                    .iter()
                    .rev()
                    .copied()
                    .find(|&s| s < self.speed)
                    .unwrap_or(MIN_SPEED);
                self.set_speed(s, now);
                None
            }
            ReplayControl::SetSpeed(s) => {
                if let Some(s) = clamp_speed(s) {
                    self.set_speed(s, now);
                }
                None
            }
            ReplayControl::SeekTo(t) => {
                let i = self.rec.index_at(t).unwrap_or(0);
                self.go_to(i, now)
            }
            ReplayControl::SeekIndex(i) => self.go_to(i, now),
        }
    }

    /// Changes speed keeping the recorded time already waited.
    fn set_speed(&mut self, s: f64, now: Instant) {
        self.sync(now);
        self.speed = s;
    }
}

/// A replay running as a tokio task, shaped like [`crate::fetcher::FetcherHandle`].
#[derive(Debug)]
pub struct ReplayHandle {
    /// [`FetchEvent::Snapshot`] for the first snapshot, then for every change.
    pub events: mpsc::UnboundedReceiver<FetchEvent>,
    /// Controls from the keyboard.
    pub control: mpsc::UnboundedSender<ReplayControl>,
    /// Position, recorded time, speed and state, updated after every change.
    pub status: watch::Receiver<ReplayStatus>,
    pub cancel: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
}

/// Runs `replay` on the current runtime (its clock restarts now). The task ends when
/// cancelled or when `events` is dropped.
pub fn spawn_replay(mut replay: Replay) -> ReplayHandle {
    let (tx, events) = mpsc::unbounded_channel();
    let (control, mut ctl_rx) = mpsc::unbounded_channel();
    let (status_tx, status) = watch::channel(replay.status());
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let task = tokio::spawn(async move {
        replay.mark = Instant::now();
        replay.progress = Duration::ZERO;
        if let Some(s) = replay.current()
            && tx.send(FetchEvent::Snapshot(s)).is_err()
        {
            return;
        }
        let mut controls_open = true;
        loop {
            let deadline = replay.next_deadline();
            let shown = tokio::select! {
                _ = stop.cancelled() => return,
                c = ctl_rx.recv(), if controls_open => match c {
                    Some(c) => replay.handle(c, Instant::now()),
                    None => {
                        controls_open = false;
                        None
                    }
                },
                _ = sleep_until(deadline) => replay.tick(Instant::now()),
            };
            if let Some(s) = shown
                && tx.send(FetchEvent::Snapshot(s)).is_err()
            {
                return;
            }
            status_tx.send_replace(replay.status());
        }
    });
    ReplayHandle {
        events,
        control,
        status,
        cancel,
        task,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
