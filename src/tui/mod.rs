//! The terminal and the UI loop: one `select!` over key/resize events, fetcher events, finished
//! exports, a slow clock and the signals that end a run (SIGTERM, SIGHUP, SIGINT). State
//! changes only through `App::update`; the screen is redrawn only when an update says something
//! visible changed, so an idle dashboard sleeps. However the loop ends — `q`, a signal, an error
//! or a panic — the terminal is given back as it was found.

mod effects;
mod terminal;

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::{Action, App, Notice, Outcome, SPINNER_STEP_MS};
use crate::feed::{self, Feed};
use crate::fetcher::Clock;
use crate::lookups::Lookups;
use crate::ui;
use effects::Effects;

pub(crate) use effects::ExportTarget;
pub use terminal::{Ended, Signals, TerminalGuard};

/// How often the clock ticks ("12 s ago", countdowns). Seconds, not frames: the data changes
/// every refresh, not every frame.
pub(crate) const CLOCK_TICK: Duration = Duration::from_secs(1);

/// Runs the dashboard over `feed` (the live fetcher, or a replay) until the user quits or a
/// signal arrives. Either way the fetcher or replay is cancelled and waited for, and a
/// recording finishes writing, before this returns (the guard then restores the terminal).
/// `lookups` answers drill-downs and queue look-ups (`None` where there is no API to ask, e.g.
/// a replay).
pub(crate) async fn run(
    guard: &mut TerminalGuard,
    mut app: App,
    mut feed: Feed,
    target: ExportTarget,
    clock: Clock,
    lookups: Option<Lookups>,
    delivery: Option<crate::alerts::deliver::Deliverer>,
) -> Result<Ended, String> {
    let TerminalGuard { terminal, signals } = guard;
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(CLOCK_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (exported_tx, mut exported_rx) = mpsc::unbounded_channel();
    // The spinner's clock: only runs while something animates.
    let mut spinner = tokio::time::interval(Duration::from_millis(SPINNER_STEP_MS.unsigned_abs()));
    spinner.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (answer_tx, mut answer_rx) = mpsc::unbounded_channel();
    let mut effects = Effects::new(
        target,
        clock.clone(),
        lookups,
        exported_tx,
        answer_tx,
        &app,
        delivery,
    );
    let draw = |terminal: &mut ratatui::DefaultTerminal, app: &mut App| {
        terminal
            .draw(|f| ui::render(f, app))
            .map(|_| ())
            .map_err(|e| format!("cannot draw: {e}"))
    };
    let mut usage: Option<usize> = None;
    // The first frame; like every later one, a failure still goes through the shutdown below.
    let mut first_failed = draw(terminal, &mut app).err();
    // Before any event: what the restored view and the targets need from outside.
    let start = app.update(Action::Start);
    effects.run(start.effects, &app, &mut feed);
    let result = loop {
        if let Some(e) = first_failed.take() {
            break signals.or_signal(e);
        }
        let action = tokio::select! {
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
            ev = feed::live_event(&mut feed.live) => Some(Action::Live(ev)),
            status = feed::status_changed(&mut feed.status) => Some(Action::Replay(status)),
            e = feed::recording_failed(&mut feed.recorder) => {
                Some(Action::Notice(Notice::Warning(e)))
            }
            Some(done) = exported_rx.recv() => Some(Action::Exported(done)),
            Some(answer) = answer_rx.recv() => {
                effects.answered(&answer);
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
        };
        let ticked = matches!(action, Some(Action::Tick(_)));
        let mut out = Outcome::none();
        if let Some(a) = action {
            out.merge(app.update(a));
        }
        // The request gauge is read on the clock and reported only when it moves.
        if ticked
            && let Some(n) = feed.requests_last_minute()
            && usage != Some(n)
        {
            usage = Some(n);
            out.merge(app.update(Action::Usage {
                requests_last_minute: n,
            }));
        }
        // Merge a burst of fetcher or live events into one redraw.
        while let Ok(fe) = feed.events.try_recv() {
            feed.saw(&fe);
            out.merge(app.update(Action::Fetch(fe)));
        }
        while let Some(ev) = feed.live.as_mut().and_then(|l| l.events.try_recv().ok()) {
            out.merge(app.update(Action::Live(ev)));
        }
        effects.run(out.effects, &app, &mut feed);
        if ticked {
            effects.flush_alerts();
        }
        effects.save_view_if_changed(&app);
        if app.should_quit() {
            break Ok(Ended::Quit);
        }
        if out.dirty
            && let Err(e) = draw(terminal, &mut app)
        {
            break signals.or_signal(e);
        }
        // The bell and notifications go out between frames, never inside one.
        let bytes = effects.take_terminal_bytes();
        if !bytes.is_empty() {
            use std::io::Write;
            let w = terminal.backend_mut();
            if let Err(e) = w.write_all(&bytes).and_then(|()| w.flush()) {
                tracing::warn!(error = %e, "could not ring the bell or notify");
            }
        }
    };
    effects.abort_all();
    feed.shutdown().await;
    result
}
