//! What sits over the tables: at most one thing at a time, as one value (gitui's popup stack,
//! flattened). Help remembers what it was opened over and the timeline the conversations pane
//! it belongs to, so "close the top one" is [`Overlay::close`] and two unrelated overlays can
//! never be open together.

use super::drilldown::DrillPane;
use crate::keymap::Mode;

/// Which prompt the bottom line shows; they edit alike and differ in what Enter and Esc do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// `/`: the filter, applied as it is typed.
    Filter,
    /// F3: find an agent; the selection jumps as it is typed and goes back to row `from` on
    /// Esc.
    Find { from: usize },
    /// `:`: a command, run on Enter.
    Command,
}

/// The dashboard's modal layer.
#[derive(Debug, Default)]
pub enum Overlay {
    /// The tables alone.
    #[default]
    None,
    /// The `?` key overlay, over whatever was open when it was asked for, scrolled by
    /// `scroll` lines when it is taller than the screen.
    Help { under: Box<Overlay>, scroll: usize },
    /// A prompt on the bottom line is taking keystrokes.
    Prompt(Prompt),
    /// The column chooser (`c`), with its cursor.
    Columns { cursor: usize },
    /// "Why this number" over the focused table's selected row (`i`).
    Explain,
    /// The conversations behind one interval (Enter on the intervals table).
    Drill(Box<DrillPane>),
    /// One conversation's segments, over its conversations pane (`i` in the pane).
    Timeline(Box<DrillPane>),
}

impl Overlay {
    /// Which key table is live.
    pub(crate) fn mode(&self) -> Mode {
        match self {
            Overlay::None => Mode::Normal,
            Overlay::Help { .. } => Mode::Help,
            Overlay::Prompt(_) => Mode::Prompt,
            Overlay::Columns { .. } => Mode::Columns,
            Overlay::Explain => Mode::Explain,
            Overlay::Drill(_) => Mode::Drill,
            Overlay::Timeline(_) => Mode::Timeline,
        }
    }

    /// The top layer closed: help gives back what it covered, the timeline its pane,
    /// everything else closes to the tables. Returns what was removed from the screen, if it
    /// was a conversations pane (so a running fetch can be cancelled).
    pub(crate) fn close(&mut self) -> Option<Box<DrillPane>> {
        match std::mem::take(self) {
            Overlay::Help { under, .. } => {
                *self = *under;
                None
            }
            Overlay::Timeline(pane) => {
                *self = Overlay::Drill(pane);
                None
            }
            Overlay::Drill(pane) => Some(pane),
            Overlay::None | Overlay::Prompt(_) | Overlay::Columns { .. } | Overlay::Explain => None,
        }
    }

    /// Opens or closes help over the current layer.
    pub(crate) fn toggle_help(&mut self) {
        *self = match std::mem::take(self) {
            Overlay::Help { under, .. } => *under,
            other => Overlay::Help {
                under: Box::new(other),
                scroll: 0,
            },
        };
    }

    /// The layer help (if open) covers: what the help overlay lists keys for.
    pub fn base(&self) -> &Overlay {
        match self {
            Overlay::Help { under, .. } => under.base(),
            other => other,
        }
    }

    /// The conversations pane, open or under the timeline or help.
    pub(crate) fn pane(&self) -> Option<&DrillPane> {
        match self.base() {
            Overlay::Drill(p) | Overlay::Timeline(p) => Some(p),
            _ => None,
        }
    }

    /// [`Self::pane`], mutably.
    pub(crate) fn pane_mut(&mut self) -> Option<&mut DrillPane> {
        match self {
            Overlay::Help { under, .. } => under.pane_mut(),
            Overlay::Drill(p) | Overlay::Timeline(p) => Some(p),
            _ => None,
        }
    }

    /// Toggles the timeline over the pane (no-op elsewhere).
    pub(crate) fn toggle_timeline(&mut self) {
        *self = match std::mem::take(self) {
            Overlay::Drill(p) => Overlay::Timeline(p),
            Overlay::Timeline(p) => Overlay::Drill(p),
            other => other,
        };
    }

    /// Whether the timeline is showing (possibly under help).
    pub(crate) fn is_timeline(&self) -> bool {
        matches!(self.base(), Overlay::Timeline(_))
    }
}

impl super::App {
    /// A key over the help overlay: close it, quit, or scroll it (clamped to what the last
    /// frame could not show).
    pub(super) fn run_help(&mut self, cmd: crate::keymap::Command) -> super::Outcome {
        use crate::keymap::Command;
        let max = self.cursor.tables.help_scroll_max;
        let page = self.cursor.tables.help_page.max(1);
        let Overlay::Help { scroll, .. } = &mut self.overlay else {
            return super::Outcome::none();
        };
        let to = match cmd {
            Command::Up => scroll.saturating_sub(1),
            Command::Down => *scroll + 1,
            Command::PageUp => scroll.saturating_sub(page),
            Command::PageDown => *scroll + page,
            Command::Top => 0,
            Command::Bottom => max,
            _ => return self.run(cmd),
        }
        .min(max);
        let moved = to != *scroll;
        *scroll = to;
        super::Outcome::changed(moved)
    }

    /// How far the help overlay is scrolled (0 when closed).
    pub fn help_scroll(&self) -> usize {
        match &self.overlay {
            Overlay::Help { scroll, .. } => *scroll,
            _ => 0,
        }
    }
}
