//! Where the dashboard's snapshots come from: the live (or demo) fetcher, or a recording being
//! replayed. The UI loop consumes either the same way, so replay is the real dashboard.
//!
//! - [`Feed::live`] wraps a [`FetcherHandle`]; with a [`RecordSink`] every snapshot is also
//!   appended to a recording (`--record FILE`) on a thread of its own, so a slow disk never
//!   stalls the UI and a failed write is reported once, not every refresh.
//! - [`Feed::replay`] wraps a [`ReplayHandle`]; its status watch becomes
//!   [`crate::app::Action::Replay`] in the loop.
//!
//! The fields the loop `select!`s over are public so each arm borrows only its own.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::alerts::AlertEvent;
use crate::fetcher::{Control, FetchEvent, FetcherHandle};
use crate::live::{LiveControl, LiveEvent, LiveHandle};
use crate::model::Snapshot;
use crate::recording::{Recorder, RecordingError, ReplayControl, ReplayHandle, ReplayStatus};

/// How long quitting waits for the fetcher or replay task to stop.
const STOP_WAIT: Duration = Duration::from_secs(2);
/// How long quitting waits for queued snapshots to reach the recording.
const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// Which way the loop's steering goes.
enum Steer {
    Live(mpsc::UnboundedSender<Control>),
    Replay(mpsc::UnboundedSender<ReplayControl>),
}

/// Snapshots for the UI loop, from the fetcher or a replay.
pub struct Feed {
    /// Snapshots and fetch status, as [`FetchEvent`]s (a replay sends only snapshots).
    pub events: mpsc::UnboundedReceiver<FetchEvent>,
    /// The producing task; it ending means the feed died.
    pub task: tokio::task::JoinHandle<()>,
    /// A replay's position, speed and state (`None` when live).
    pub status: Option<watch::Receiver<ReplayStatus>>,
    /// The `--record` writer, if recording.
    pub recorder: Option<RecordSink>,
    cancel: CancellationToken,
    steer: Steer,
    requests_last_minute: Option<Arc<dyn Fn() -> usize + Send + Sync>>,
    /// The newest day recorded: a past day the supervisor steps back to (`<`) is not recorded
    /// into the shift's recording.
    recorded_day: Option<chrono::NaiveDate>,
    /// The live task (agents' states, queues), when the floor is live.
    pub live: Option<LiveHandle>,
}

impl Feed {
    /// The live or demo fetcher, optionally recording every snapshot.
    pub fn live(handle: FetcherHandle, recorder: Option<RecordSink>) -> Self {
        Feed {
            events: handle.events,
            task: handle.task,
            status: None,
            recorder,
            cancel: handle.cancel,
            steer: Steer::Live(handle.control),
            requests_last_minute: Some(handle.requests_last_minute),
            recorded_day: None,
            live: None,
        }
    }

    /// Adds the live task: its events come to the loop beside the snapshots.
    pub fn with_live(mut self, live: LiveHandle) -> Self {
        self.live = Some(live);
        self
    }

    /// A replay of a recording.
    pub(crate) fn replay(handle: ReplayHandle) -> Self {
        Feed {
            events: handle.events,
            task: handle.task,
            status: Some(handle.status),
            recorder: None,
            cancel: handle.cancel,
            steer: Steer::Replay(handle.control),
            requests_last_minute: None,
            recorded_day: None,
            live: None,
        }
    }

    /// True for a replay.
    pub(crate) fn is_replay(&self) -> bool {
        matches!(self.steer, Steer::Replay(_))
    }

    /// Call for every event taken from [`Feed::events`]: records snapshots when recording
    /// (not those of a past day shown with `<`).
    pub fn saw(&mut self, ev: &FetchEvent) {
        if let (Some(rec), FetchEvent::Snapshot(s)) = (&self.recorder, ev)
            && self.recorded_day.is_none_or(|d| s.window.date >= d)
        {
            self.recorded_day = Some(s.window.date);
            rec.record(s);
        }
    }

    /// `<` / `>`: show a past day, or today again (live only).
    pub(crate) fn show_day(&self, day: Option<chrono::NaiveDate>) {
        if let Steer::Live(tx) = &self.steer {
            let _ = tx.send(Control::ShowDay(day));
        }
    }

    /// `r`: refresh now (live only).
    pub(crate) fn refresh_now(&self) {
        if let Steer::Live(tx) = &self.steer {
            let _ = tx.send(Control::RefreshNow);
        }
    }

    /// Steers the live task (scope, strip), when there is one.
    pub(crate) fn steer_live(&self, control: LiveControl) {
        if let Some(l) = &self.live {
            let _ = l.control.send(control);
        }
    }

    /// A replay key's control (replay only).
    pub(crate) fn steer_replay(&self, control: ReplayControl) {
        if let Steer::Replay(tx) = &self.steer {
            let _ = tx.send(control);
        }
    }

    /// Requests sent to Genesys in the last minute (live only).
    pub(crate) fn requests_last_minute(&self) -> Option<usize> {
        self.requests_last_minute.as_ref().map(|f| f())
    }

    /// Stops the task (waiting briefly) and lets the recorder write what it was given.
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(mut live) = self.live.take() {
            live.cancel.cancel();
            if !live.task.is_finished() {
                let _ = tokio::time::timeout(STOP_WAIT, &mut live.task).await;
            }
        }
        if !self.task.is_finished() {
            let _ = tokio::time::timeout(STOP_WAIT, &mut self.task).await;
        }
        if let Some(rec) = self.recorder.take() {
            rec.finish().await;
        }
    }
}

/// The next event of the live task; never resolves without one (or once it is gone).
pub(crate) async fn live_event(live: &mut Option<LiveHandle>) -> LiveEvent {
    match live {
        Some(l) => match l.events.recv().await {
            Some(ev) => ev,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}

/// The next change of a replay's status; never resolves for a live feed (or once the replay
/// is gone: the task arm reports that).
pub(crate) async fn status_changed(
    status: &mut Option<watch::Receiver<ReplayStatus>>,
) -> ReplayStatus {
    if let Some(rx) = status
        && rx.changed().await.is_ok()
    {
        return rx.borrow_and_update().clone();
    }
    std::future::pending().await
}

/// The first recording failure, in words; never resolves when not recording or after it.
pub(crate) async fn recording_failed(recorder: &mut Option<RecordSink>) -> String {
    if let Some(rec) = recorder
        && let Some(e) = rec.errors.recv().await
    {
        return e;
    }
    std::future::pending().await
}

/// What the recording thread is given.
enum ToRecord {
    Snapshot(Arc<Snapshot>),
    Alerts(Vec<AlertEvent>),
}

/// Appends snapshots to a recording on a thread of its own (`--record FILE`).
///
/// [`RecordSink::record`] never blocks: snapshots queue in a channel (they are shared `Arc`s,
/// so a queue costs little) and the thread writes them in order. The first failure is sent on
/// `errors` once; later snapshots are still tried (the recorder cuts a failed record back, so
/// the file stays readable), and every failure is logged.
pub struct RecordSink {
    tx: Option<std::sync::mpsc::Sender<ToRecord>>,
    /// The first write failure, as one line for the status line.
    pub errors: mpsc::UnboundedReceiver<String>,
    thread: Option<std::thread::JoinHandle<usize>>,
    path: PathBuf,
}

impl std::fmt::Debug for RecordSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecordSink")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RecordSink {
    /// Starts the writing thread over an open recorder.
    pub fn start(mut recorder: Recorder) -> Result<Self, String> {
        let path = recorder.path().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel::<ToRecord>();
        let (err_tx, errors) = mpsc::unbounded_channel();
        let thread = std::thread::Builder::new()
            .name("floorwatch-record".into())
            .spawn(move || {
                let mut reported = false;
                let mut written = 0usize;
                let mut failed = |e: RecordingError| {
                    tracing::warn!(error = %e, "recording write failed");
                    if !reported {
                        reported = true;
                        let _ = err_tx
                            .send(format!("recording failed: {e} (the dashboard carries on)"));
                    }
                };
                while let Ok(msg) = rx.recv() {
                    match msg {
                        ToRecord::Snapshot(snap) => match recorder.write_arc(&snap) {
                            Ok(()) => written += 1,
                            Err(e) => failed(e),
                        },
                        ToRecord::Alerts(events) => recorder.add_alerts(&events),
                    }
                }
                // Alerts after the last snapshot still reach the file.
                if let Err(e) = recorder.flush_alerts() {
                    failed(e);
                }
                tracing::info!(
                    path = %recorder.path().display(),
                    records = written,
                    bytes = recorder.len_bytes(),
                    "recording closed"
                );
                written
            })
            .map_err(|e| format!("cannot start the recording thread: {e}"))?;
        Ok(RecordSink {
            tx: Some(tx),
            errors,
            thread: Some(thread),
            path,
        })
    }

    /// Queues a snapshot for writing; returns at once.
    pub fn record(&self, snapshot: &Arc<Snapshot>) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(ToRecord::Snapshot(snapshot.clone()));
        }
    }

    /// Queues alert events (a judgement's, an acknowledgement) to go out with the next
    /// snapshot recorded, or at the end; returns at once.
    pub fn record_alerts(&self, events: Vec<AlertEvent>) {
        if let (Some(tx), false) = (&self.tx, events.is_empty()) {
            let _ = tx.send(ToRecord::Alerts(events));
        }
    }

    /// Closes the queue and waits (briefly) for the thread to write what is queued; returns
    /// the number of snapshots written, or `None` if it did not finish in time.
    pub async fn finish(mut self) -> Option<usize> {
        self.tx = None;
        let thread = self.thread.take()?;
        let join = tokio::task::spawn_blocking(move || thread.join().ok());
        match tokio::time::timeout(DRAIN_WAIT, join).await {
            Ok(Ok(n)) => n,
            _ => {
                tracing::warn!(path = %self.path.display(), "recording did not finish writing in time");
                None
            }
        }
    }
}
