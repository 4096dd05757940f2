//! The terminal and the UI loop: one `select!` over key/resize events, fetcher events, finished
//! exports, a slow clock and the signals that end a run (SIGTERM, SIGHUP, SIGINT). State
//! changes only through `App::update`; the screen is redrawn only when an update says something
//! visible changed, so an idle dashboard sleeps. However the loop ends — `q`, a signal, an error
//! or a panic — the terminal is given back as it was found.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use crate::app::{Action, App, DrillRequest, Effect, Notice, SPINNER_STEP_MS, ViewExport};
use crate::export;
use crate::feed::{self, Feed};
use crate::fetcher::Clock;
use crate::lookups::Lookups;
use crate::provenance::{self, Provenance};
use crate::ui;

/// How often the clock ticks ("12 s ago", countdowns). Seconds, not frames: the data changes
/// every refresh, not every frame.
pub const CLOCK_TICK: Duration = Duration::from_secs(1);

/// How the UI loop ended, for the process's exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// `q`, Ctrl-C, or the terminal's input closed: exit 0.
    Quit,
    /// Ended by this signal (SIGTERM, SIGHUP or SIGINT), the terminal restored: exit 128 + n.
    Signal(i32),
}

impl Ended {
    /// The exit status a shell expects: 0, or 128 + the signal's number.
    pub fn exit_code(self) -> u8 {
        match self {
            Ended::Quit => 0,
            Ended::Signal(n) => u8::try_from(128 + n).unwrap_or(u8::MAX),
        }
    }
}

/// The signals that end the dashboard the way `q` does, so a `kill`, an SSH drop (SIGHUP) or
/// `tmux kill-pane` leaves the shell usable instead of stuck in the alternate screen.
pub struct Signals {
    #[cfg(unix)]
    listeners: [(i32, tokio::signal::unix::Signal); 3],
}

impl Signals {
    /// Catches SIGTERM, SIGHUP and SIGINT (Ctrl-C elsewhere) from now on. Needs the runtime.
    pub fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |k: SignalKind| signal(k).map(|s| (k.as_raw_value(), s));
            Ok(Signals {
                listeners: [
                    listen(SignalKind::terminate())?,
                    listen(SignalKind::hangup())?,
                    listen(SignalKind::interrupt())?,
                ],
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// The next signal's number.
    pub async fn recv(&mut self) -> i32 {
        #[cfg(unix)]
        {
            let [(a, sa), (b, sb), (c, sc)] = &mut self.listeners;
            tokio::select! {
                Some(()) = sa.recv() => *a,
                Some(()) = sb.recv() => *b,
                Some(()) = sc.recv() => *c,
                else => std::future::pending().await,
            }
        }
        #[cfg(not(unix))]
        {
            match tokio::signal::ctrl_c().await {
                Ok(()) => 2,
                Err(_) => std::future::pending().await,
            }
        }
    }

    /// A signal that has already arrived: a closed terminal (SIGHUP) also fails its input and
    /// output, and the signal, not the failure, is why the run ended.
    fn pending(&mut self) -> Option<i32> {
        self.recv().now_or_never()
    }

    /// `failure`, unless a signal explains it.
    fn or_signal(&mut self, failure: String) -> Result<Ended, String> {
        match self.pending() {
            Some(n) => Ok(Ended::Signal(n)),
            None => Err(failure),
        }
    }
}

/// Owns the terminal for the UI's lifetime; restores it on drop, so quitting, a signal, an
/// early `?` or a panic unwinding through the loop all leave the shell usable (ratatui's panic
/// hook covers the panic-on-another-thread case).
pub struct TerminalGuard {
    pub terminal: ratatui::DefaultTerminal,
    /// Caught before the terminal is taken, so no signal can leave it in the alternate screen.
    pub signals: Signals,
}

impl TerminalGuard {
    /// Catches the ending signals, then enters raw mode and the alternate screen.
    pub fn enter() -> std::io::Result<Self> {
        let signals = Signals::install()?;
        Ok(TerminalGuard {
            terminal: ratatui::try_init()?,
            signals,
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        if let Err(e) = ratatui::try_restore() {
            tracing::error!(error = %e, "could not restore the terminal");
        }
    }
}

/// Where `e` writes, and how to name files in local time.
pub struct ExportTarget {
    pub dir: PathBuf,
    pub tz: chrono_tz::Tz,
    /// Where the view (sort, filter, focus, columns) is saved when it changes; `None` keeps it
    /// in memory only.
    pub view_file: Option<PathBuf>,
}

/// Runs the dashboard over `feed` (the live fetcher, or a replay) until the user quits or a
/// signal arrives. Either way the fetcher or replay is cancelled and waited for, and a
/// recording finishes writing, before this returns (the guard then restores the terminal).
/// `conversations` answers the drill-down (`None` where there is no API to ask, e.g. a replay).
pub async fn run(
    guard: &mut TerminalGuard,
    mut app: App,
    mut feed: Feed,
    target: ExportTarget,
    clock: Clock,
    conversations: Option<Lookups>,
) -> Result<Ended, String> {
    let TerminalGuard { terminal, signals } = guard;
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(CLOCK_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    // The spinner's clock: only runs while something animates.
    let mut spinner = tokio::time::interval(Duration::from_millis(SPINNER_STEP_MS.unsigned_abs()));
    spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (drill_tx, mut drill_rx) = mpsc::unbounded_channel();
    // What the saved-view file holds now: the view at start needs no write.
    let mut saved = target.view_file.as_ref().map(|_| app.saved_view());
    let mut drills: HashMap<u64, tokio::task::AbortHandle> = HashMap::new();
    let draw = |terminal: &mut ratatui::DefaultTerminal, app: &mut App| {
        terminal
            .draw(|f| ui::render(f, app))
            .map(|_| ())
            .map_err(|e| format!("cannot draw: {e}"))
    };
    let mut usage: Option<usize> = None;
    // The first frame; like every later one, a failure still goes through the shutdown below.
    let mut first_failed = draw(terminal, &mut app).err();
    // The first turn asks the app what it needs from outside before any event arrives.
    let mut first = Some(Action::Start);
    let result = loop {
        if let Some(e) = first_failed.take() {
            break signals.or_signal(e);
        }
        let action = if let Some(start) = first.take() {
            Some(start)
        } else {
            tokio::select! {
            n = signals.recv() => break Ok(Ended::Signal(n)),
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Some(Action::Key(k)),
                Some(Ok(Event::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => break signals.or_signal(format!("terminal input failed: {e}")),
                None => break Ok(signals.pending().map_or(Ended::Quit, Ended::Signal)),
            },
            Some(fe) = feed.events.recv() => {
                feed.saw(&fe);
                Some(Action::Fetch(fe))
            }
            status = feed::status_changed(&mut feed.status) => Some(Action::Replay(status)),
            e = feed::recording_failed(&mut feed.recorder) => {
                Some(Action::Notice(Notice::Warning(e)))
            }
            Some(done) = done_rx.recv() => Some(Action::Exported(done)),
            Some(answer) = drill_rx.recv() => {
                if let Action::Drill { id, .. } = &answer {
                    drills.remove(id);
                }
                Some(answer)
            }
            _ = spinner.tick(), if app.is_animating() => Some(Action::Tick(clock())),
            _ = ticker.tick() => Some(Action::Tick(clock())),
            joined = &mut feed.task => {
                let what = if feed.is_replay() { "the replay" } else { "the fetcher" };
                break Err(match joined {
                    Err(e) if e.is_panic() => format!("{what} crashed; see the log"),
                    _ => format!("{what} stopped unexpectedly"),
                });
            }
            }
        };
        let mut dirty = false;
        let mut effects = Vec::new();
        let ticked = matches!(action, Some(Action::Tick(_)));
        if let Some(a) = action {
            let out = app.update(a);
            dirty |= out.dirty;
            effects.extend(out.effects);
        }
        // The request gauge is read on the clock and reported only when it moves.
        if ticked
            && let Some(n) = feed.requests_last_minute()
            && usage != Some(n)
        {
            usage = Some(n);
            let out = app.update(Action::Usage {
                requests_last_minute: n,
            });
            dirty |= out.dirty;
            effects.extend(out.effects);
        }
        // Merge a burst of fetcher events into one redraw.
        while let Ok(fe) = feed.events.try_recv() {
            feed.saw(&fe);
            let out = app.update(Action::Fetch(fe));
            dirty |= out.dirty;
            effects.extend(out.effects);
        }
        for fx in effects {
            match fx {
                Effect::Quit => {}
                Effect::RefreshNow => feed.refresh_now(),
                Effect::Replay(control) => feed.steer_replay(control),
                Effect::Export(view) => {
                    let prov = app.export_provenance(&view, clock());
                    spawn_export(view, prov, &target, &clock, done_tx.clone());
                }
                Effect::LoadDrill(req) => {
                    let id = req.id;
                    let handle = spawn_drill(req, conversations.as_ref(), drill_tx.clone());
                    drills.insert(id, handle);
                }
                Effect::CancelDrill(id) => {
                    if let Some(h) = drills.remove(&id) {
                        h.abort();
                    }
                }
                Effect::ResolveQueue(name) => {
                    spawn_queue_lookup(name, conversations.as_ref(), drill_tx.clone());
                }
            }
        }
        // The view is saved whenever it changes (not mid-typing in the filter prompt).
        if let Some(path) = &target.view_file
            && !app.is_prompt_open()
        {
            let view = app.saved_view();
            if saved.as_ref() != Some(&view) {
                save_view(path.clone(), view.clone());
                saved = Some(view);
            }
        }
        if app.should_quit() {
            break Ok(Ended::Quit);
        }
        if dirty && let Err(e) = draw(terminal, &mut app) {
            break signals.or_signal(e);
        }
    };
    for h in drills.values() {
        h.abort();
    }
    feed.shutdown().await;
    result
}

/// Fetches a conversations list in its own task; the answer comes back as an action.
fn spawn_drill(
    req: DrillRequest,
    source: Option<&Lookups>,
    done: mpsc::UnboundedSender<Action>,
) -> tokio::task::AbortHandle {
    let source = source.cloned();
    tokio::spawn(async move {
        let result = match source {
            Some(s) => s.drill(&req.user_id, req.bucket).await.map(Arc::new),
            None => Err(
                "a recording holds the interval figures, not the conversations behind them \
                 (open the live dashboard to drill down)"
                    .into(),
            ),
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "conversations list failed");
        }
        let _ = done.send(Action::Drill { id: req.id, result });
    })
    .abort_handle()
}

/// Writes the saved view on a blocking thread; a failure is logged (the view still works).
fn save_view(path: PathBuf, view: crate::saved_view::SavedView) {
    tokio::task::spawn_blocking(move || {
        if let Err(e) = crate::saved_view::save(&path, &view) {
            tracing::warn!(error = %e, "view not saved");
        }
    });
}

/// Looks a queue's members up in its own task (a `queue:` filter term, a per-queue target).
fn spawn_queue_lookup(name: String, source: Option<&Lookups>, done: mpsc::UnboundedSender<Action>) {
    let source = source.cloned();
    tokio::spawn(async move {
        let result = match source {
            Some(s) => s.queue_members(&name).await,
            None => Err("a recording cannot look queue members up (no connection)".into()),
        };
        if let Err(e) = &result {
            tracing::warn!(queue = %name, error = %e, "queue look-up failed");
        }
        let _ = done.send(Action::QueueMembers { name, result });
    });
}

/// Writes the view on a blocking thread so a slow disk cannot freeze the table, and its
/// provenance beside it (same stem, `.json`).
fn spawn_export(
    view: ViewExport,
    prov: Provenance,
    target: &ExportTarget,
    clock: &Clock,
    done: mpsc::UnboundedSender<Result<PathBuf, String>>,
) {
    let dir = target.dir.clone();
    let at = clock().with_timezone(&target.tz);
    tokio::task::spawn_blocking(move || {
        let header: Vec<&str> = view.header.iter().map(String::as_str).collect();
        let res = export::write_view(&dir, view.kind.slug(), at, &header, &view.rows)
            .and_then(|csv| provenance::write_beside(&csv, &view, &prov).map(|_| csv))
            .map_err(|e| e.to_string());
        match &res {
            Ok(p) => tracing::info!(path = %p.display(), rows = view.rows.len(), "exported view"),
            Err(e) => tracing::warn!(error = %e, "view export failed"),
        }
        let _ = done.send(res);
    });
}
