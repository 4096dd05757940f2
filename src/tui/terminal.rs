//! The terminal while the dashboard owns it: raw mode and the alternate screen on entry, given
//! back on drop (quit, error, panic unwinding), and the signals (SIGTERM, SIGHUP, SIGINT) that
//! end a run the way `q` does, so a `kill`, an SSH drop or `tmux kill-pane` leaves the shell
//! usable.

use futures::FutureExt;

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
    pub(crate) fn install() -> std::io::Result<Self> {
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
    pub(crate) async fn recv(&mut self) -> i32 {
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
    pub(crate) fn pending(&mut self) -> Option<i32> {
        self.recv().now_or_never()
    }

    /// `failure`, unless a signal explains it.
    pub fn or_signal(&mut self, failure: String) -> Result<Ended, String> {
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
    pub(crate) fn enter() -> std::io::Result<Self> {
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
