//! The terminal and the UI loop: one `select!` over key/resize events, fetcher events, finished
//! exports and a slow clock. State changes only through `App::update`; the screen is redrawn
//! only when an update says something visible changed, so an idle dashboard sleeps.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::app::{Action, App, Effect, ViewExport};
use crate::export;
use crate::fetcher::{Clock, Control, FetcherHandle};
use crate::ui;

/// How often the clock ticks ("12 s ago", countdowns). Seconds, not frames: the data changes
/// every refresh, not every frame.
pub const CLOCK_TICK: Duration = Duration::from_secs(1);

/// Owns the terminal for the UI's lifetime; restores it on drop, so an early `?` or a panic
/// unwinding through the loop still leaves the shell usable (ratatui's panic hook covers the
/// panic-on-another-thread case).
pub struct TerminalGuard {
    pub terminal: ratatui::DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen.
    pub fn enter() -> std::io::Result<Self> {
        Ok(TerminalGuard {
            terminal: ratatui::try_init()?,
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
}

/// Runs the dashboard until the user quits. Quitting cancels the fetcher and waits for it.
pub async fn run(
    guard: &mut TerminalGuard,
    mut app: App,
    mut fetcher: FetcherHandle,
    target: ExportTarget,
    clock: Clock,
) -> Result<(), String> {
    let terminal = &mut guard.terminal;
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(CLOCK_TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let draw = |terminal: &mut ratatui::DefaultTerminal, app: &mut App| {
        terminal
            .draw(|f| ui::render(f, app))
            .map(|_| ())
            .map_err(|e| format!("cannot draw: {e}"))
    };
    draw(terminal, &mut app)?;
    let mut usage: Option<usize> = None;
    let result = loop {
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Some(Action::Key(k)),
                Some(Ok(Event::Resize(w, h))) => Some(Action::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => break Err(format!("terminal input failed: {e}")),
                None => break Ok(()),
            },
            Some(fe) = fetcher.events.recv() => Some(Action::Fetch(fe)),
            Some(done) = done_rx.recv() => Some(Action::Exported(done)),
            _ = ticker.tick() => Some(Action::Tick(clock())),
            joined = &mut fetcher.task => {
                break Err(match joined {
                    Err(e) if e.is_panic() => "the fetcher crashed; see the log".to_string(),
                    _ => "the fetcher stopped unexpectedly".to_string(),
                });
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
        if ticked {
            let n = (fetcher.requests_last_minute)();
            if usage != Some(n) {
                usage = Some(n);
                let out = app.update(Action::Usage {
                    requests_last_minute: n,
                });
                dirty |= out.dirty;
                effects.extend(out.effects);
            }
        }
        // Merge a burst of fetcher events into one redraw.
        while let Ok(fe) = fetcher.events.try_recv() {
            let out = app.update(Action::Fetch(fe));
            dirty |= out.dirty;
            effects.extend(out.effects);
        }
        for fx in effects {
            match fx {
                Effect::Quit => {}
                Effect::RefreshNow => {
                    let _ = fetcher.control.send(Control::RefreshNow);
                }
                Effect::Export(view) => spawn_export(view, &target, &clock, done_tx.clone()),
            }
        }
        if app.should_quit() {
            break Ok(());
        }
        if dirty {
            draw(terminal, &mut app)?;
        }
    };
    fetcher.cancel.cancel();
    if !fetcher.task.is_finished() {
        let _ = tokio::time::timeout(Duration::from_secs(2), &mut fetcher.task).await;
    }
    result
}

/// Writes the view on a blocking thread so a slow disk cannot freeze the table.
fn spawn_export(
    view: ViewExport,
    target: &ExportTarget,
    clock: &Clock,
    done: mpsc::UnboundedSender<Result<PathBuf, String>>,
) {
    let dir = target.dir.clone();
    let at = clock().with_timezone(&target.tz);
    tokio::task::spawn_blocking(move || {
        let header: Vec<&str> = view.header.iter().map(String::as_str).collect();
        let res = export::write_view(&dir, view.kind.slug(), at, &header, &view.rows)
            .map_err(|e| e.to_string());
        match &res {
            Ok(p) => tracing::info!(path = %p.display(), rows = view.rows.len(), "exported view"),
            Err(e) => tracing::warn!(error = %e, "view export failed"),
        }
        let _ = done.send(res);
    });
}
