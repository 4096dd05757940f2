//! Every colour and emphasis the dashboard uses, in one place (demo2's `THEME`).
//!
//! Two palettes: [`Theme::color`] for normal terminals and [`Theme::plain`] when `NO_COLOR`
//! is set (no-color.org). The plain one keeps bold, dim and reverse, so the selected row, the
//! DEMO badge and errors stay visible on a monochrome SSH session.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

/// Styles by role, not by colour, so widgets say what a thing *is*.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// The DEMO badge: nobody should mistake simulated data for the live floor.
    pub demo_badge: Style,
    /// A live org's region · host.
    pub source: Style,
    /// FROZEN: the numbers are deliberately not moving.
    pub frozen_badge: Style,
    /// REPLAY: a recording, not the floor now.
    pub replay_badge: Style,
    /// Secondary header text (date, zone, granularity).
    pub muted: Style,
    /// Pane titles.
    pub title: Style,
    /// Pane rules.
    pub border: Style,
    /// The focused pane's title: where the keys go.
    pub title_focused: Style,
    /// The focused pane's rule.
    pub border_focused: Style,
    /// Table column headings.
    pub table_header: Style,
    /// The selected row of the focused table.
    pub selected: Style,
    /// The selected row of the other table (still findable, not competing).
    pub selected_unfocused: Style,
    /// The pinned total row.
    pub total: Style,
    /// Intervals that have not started yet.
    pub future: Style,
    /// The open (current) interval marker.
    pub open: Style,
    /// Errors in the status line.
    pub error: Style,
    /// Needs a look soon: stale data (amber), request usage near the limit.
    pub warn: Style,
    /// Do not trust the numbers: very stale data (red).
    pub alarm: Style,
    /// The `VERY STALE` marker: impossible to miss.
    pub alarm_badge: Style,
    /// Success messages (export written).
    pub ok: Style,
    /// Key names in hints and help.
    pub key: Style,
    /// The filter text in the header and prompt.
    pub filter: Style,
    /// Handle-time series.
    pub spark_handle: Style,
    /// ACW series.
    pub spark_acw: Style,
    /// Hold series.
    pub spark_hold: Style,
    /// The selected interval's bar and caret.
    pub spark_selected: Style,
    /// The one-line sparkline column of the agents table.
    pub spark_inline: Style,
    /// A figure over its target (amber), so the supervisor sees who needs a word.
    pub over: Style,
    /// A figure over 125 % of its target (red).
    pub far: Style,
    /// An agent talking, dialing or on another media (live state).
    pub state_working: Style,
    /// On hold.
    pub state_hold: Style,
    /// In after-call work.
    pub state_acw: Style,
    /// A conversation alerting.
    pub state_alerting: Style,
    /// Not responding: needs a look now.
    pub state_not_responding: Style,
    /// Off queue, offline or unknown.
    pub state_away: Style,
    /// Append `!` / `!!` to figures over target, because colour alone cannot carry it
    /// (`NO_COLOR`, or a terminal with fewer than 256 colours where amber and red blur).
    pub markers: bool,
}

impl Theme {
    /// The palette for colour terminals; 16 ANSI colours only, so it follows the user's scheme.
    pub fn color() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        Theme {
            demo_badge: bold.fg(Color::Black).bg(Color::Yellow),
            source: bold.fg(Color::Cyan),
            frozen_badge: bold.fg(Color::White).bg(Color::Blue),
            replay_badge: bold.fg(Color::Black).bg(Color::Magenta),
            muted: Style::new().fg(Color::Gray),
            title: Style::new(),
            border: Style::new().fg(Color::DarkGray),
            title_focused: bold.fg(Color::Cyan),
            border_focused: Style::new().fg(Color::Cyan),
            table_header: bold.fg(Color::Gray),
            selected: bold.add_modifier(Modifier::REVERSED),
            selected_unfocused: bold.fg(Color::Cyan),
            total: bold,
            future: Style::new().fg(Color::DarkGray),
            open: bold.fg(Color::Green),
            error: bold.fg(Color::Red),
            // The 16-colour palette's closest to amber.
            warn: bold.fg(Color::Yellow),
            alarm: bold.fg(Color::Red),
            alarm_badge: bold.fg(Color::White).bg(Color::Red),
            ok: Style::new().fg(Color::Green),
            key: bold.fg(Color::Cyan),
            filter: bold.fg(Color::Yellow),
            spark_handle: Style::new().fg(Color::Cyan),
            spark_acw: Style::new().fg(Color::Magenta),
            spark_hold: Style::new().fg(Color::Yellow),
            spark_selected: bold.fg(Color::White).bg(Color::Blue),
            spark_inline: Style::new().fg(Color::Cyan),
            over: Style::new().fg(Color::Yellow),
            far: bold.fg(Color::Red),
            state_working: Style::new().fg(Color::Green),
            state_hold: Style::new().fg(Color::Yellow),
            state_acw: Style::new().fg(Color::Magenta),
            state_alerting: bold.fg(Color::Cyan),
            state_not_responding: bold.fg(Color::White).bg(Color::Red),
            state_away: Style::new().fg(Color::DarkGray),
            markers: false,
        }
    }

    /// The `NO_COLOR` palette: modifiers only.
    pub fn plain() -> Self {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let reversed = bold.add_modifier(Modifier::REVERSED);
        let dim = Style::new().add_modifier(Modifier::DIM);
        Theme {
            demo_badge: reversed,
            source: bold,
            frozen_badge: reversed,
            replay_badge: reversed,
            muted: Style::new(),
            title: Style::new(),
            border: Style::new(),
            title_focused: bold.add_modifier(Modifier::UNDERLINED),
            border_focused: bold,
            table_header: bold,
            selected: reversed,
            selected_unfocused: bold.add_modifier(Modifier::UNDERLINED),
            total: bold,
            future: dim,
            open: bold,
            error: bold,
            warn: bold,
            alarm: bold,
            alarm_badge: reversed,
            ok: Style::new(),
            key: bold,
            filter: bold,
            spark_handle: Style::new(),
            spark_acw: Style::new(),
            spark_hold: Style::new(),
            spark_selected: reversed,
            spark_inline: Style::new(),
            // The `!` / `!!` marker carries the meaning; bold makes it catch the eye.
            over: bold,
            far: bold,
            state_working: Style::new(),
            state_hold: Style::new(),
            state_acw: Style::new(),
            state_alerting: bold,
            state_not_responding: reversed,
            state_away: dim,
            markers: true,
        }
    }

    /// `plain` when `NO_COLOR` is set to anything non-empty, else `color`; with over-target
    /// markers too when the terminal may have fewer than 256 colours
    /// ([`fewer_than_256_colours`]).
    pub(crate) fn from_env() -> Self {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::plain(),
            _ => {
                let colorterm = std::env::var("COLORTERM").ok();
                let term = std::env::var("TERM").ok();
                Theme {
                    markers: fewer_than_256_colours(colorterm.as_deref(), term.as_deref()),
                    ..Theme::color()
                }
            }
        }
    }
}

impl Theme {
    /// How a live state is drawn: colour by what it means (working, hold, ACW, alerting,
    /// not responding, away); the word itself is the text marker.
    pub(crate) fn state(&self, a: crate::live::Activity) -> Style {
        use crate::live::Activity;
        match a {
            Activity::Talking(_) | Activity::Dialing(_) | Activity::Busy => self.state_working,
            Activity::OnHold(_) => self.state_hold,
            Activity::Acw(_) => self.state_acw,
            Activity::Alerting(_) => self.state_alerting,
            Activity::NotResponding => self.state_not_responding,
            Activity::Idle => Style::new(),
            Activity::OffQueue(_) | Activity::Offline | Activity::Unknown => self.state_away,
        }
    }
}

/// True unless the environment says the terminal has at least 256 colours: `COLORTERM` set
/// (`truecolor`, `24bit`), or a `TERM` naming `256color`, `truecolor`, `24bit` or `direct`.
/// Conservative on purpose: when unsure we show the `!` markers, since amber and red are hard
/// to tell apart in a 16-colour palette and a marker costs two columns.
pub fn fewer_than_256_colours(colorterm: Option<&str>, term: Option<&str>) -> bool {
    if colorterm.is_some_and(|c| !c.trim().is_empty()) {
        return false;
    }
    let term = term.unwrap_or_default().to_ascii_lowercase();
    !["256color", "truecolor", "24bit", "direct"]
        .iter()
        .any(|k| term.contains(k))
}

/// The process's theme, read from the environment once.
pub(crate) fn current() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(Theme::from_env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_theme_has_no_colours_but_keeps_selection_visible() {
        let t = Theme::plain();
        for s in [
            t.selected,
            t.demo_badge,
            t.error,
            t.frozen_badge,
            t.spark_selected,
            t.warn,
            t.alarm,
            t.alarm_badge,
        ] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
            assert!(!s.add_modifier.is_empty());
        }
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
    }
}
