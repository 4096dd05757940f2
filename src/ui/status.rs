//! The bottom line: the filter prompt while it is open; otherwise the last fetch problem and
//! the last export message on the left, key hints on the right (as many as fit). Key names
//! come from the keymap table, so hints cannot name a key that does nothing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::{App, Mode, Notice};
use crate::keymap::{self, Command, ReplayKey};

/// Hints in order of usefulness; the tail is dropped on narrow terminals.
const HINTS: &[(Command, &str)] = &[
    (Command::Help, "help"),
    (Command::Quit, "quit"),
    (Command::FilterOpen, "filter"),
    (Command::SortNext, "sort"),
    (Command::ToggleFocus, "focus"),
    (Command::Export, "export"),
    (Command::Freeze, "freeze"),
    (Command::Refresh, "refresh"),
];

/// Hints while replaying: the replay keys instead of refresh/freeze.
const REPLAY_HINTS: &[(Command, &str)] = &[
    (Command::Help, "help"),
    (Command::Quit, "quit"),
    (Command::Replay(ReplayKey::TogglePause), "pause"),
    (Command::Replay(ReplayKey::StepForward), "step"),
    (Command::Replay(ReplayKey::JumpForward), "+10 min"),
    (Command::Replay(ReplayKey::Faster), "faster"),
    (Command::FilterOpen, "filter"),
    (Command::SortNext, "sort"),
    (Command::Export, "export"),
];

/// Hints while the conversations pane is open.
const CONVERSATION_HINTS: &[(Command, &str)] = &[
    (Command::Back, "back"),
    (Command::Inspect, "timeline"),
    (Command::Help, "help"),
    (Command::SortNext, "sort"),
    (Command::Export, "export"),
    (Command::Refresh, "reload"),
];

/// Hints while a conversation's timeline is shown.
const TIMELINE_HINTS: &[(Command, &str)] = &[(Command::Inspect, "close"), (Command::Down, "next")];

/// The first key bound to `cmd` in `mode`, as written in the help.
fn key_for(cmd: Command, mode: Mode) -> Option<String> {
    keymap::bindings(mode)
        .iter()
        .chain(keymap::REPLAY)
        .find(|b| b.command == cmd)
        .and_then(|b| b.keys.first())
        .map(keymap::key_label)
}

fn hint_spans(app: &App, theme: &Theme, room: usize) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut used = 0;
    let (mode, hints) = match app.mode() {
        Mode::Conversations => (Mode::Conversations, CONVERSATION_HINTS),
        Mode::Timeline => (Mode::Timeline, TIMELINE_HINTS),
        _ if app.is_replay() => (Mode::Normal, REPLAY_HINTS),
        _ => (Mode::Normal, HINTS),
    };
    for &(cmd, word) in hints {
        let word = match cmd {
            Command::Freeze if app.is_frozen() => "unfreeze",
            Command::Replay(ReplayKey::TogglePause)
                if app.replay_status().is_some_and(|s| s.paused) =>
            {
                "resume"
            }
            _ => word,
        };
        let Some(key) = key_for(cmd, mode) else {
            continue;
        };
        let w = key.chars().count() + word.chars().count() + 3;
        if used + w > room {
            break;
        }
        used += w;
        spans.push(Span::styled(key, theme.key));
        spans.push(Span::styled(format!(" {word}  "), theme.muted));
    }
    spans
}

/// The notice, with an export path shortened to its file name when the full path won't fit.
fn notice_text(n: &Notice, room: usize) -> String {
    let full = n.text();
    match n {
        Notice::Exported(p) if full.chars().count() > room => match p.file_name() {
            Some(f) => format!("exported …/{}", f.to_string_lossy()),
            None => full,
        },
        _ => full,
    }
}

fn prompt(app: &App, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled("filter /", theme.key),
        Span::styled(app.filter().to_string(), theme.filter),
        Span::styled("█", theme.filter),
        Span::styled("   Enter keep · Esc clear · ↑↓ move", theme.muted),
    ])
}

/// Draws the status line.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    match app.mode() {
        Mode::Filter => {
            frame.render_widget(Paragraph::new(prompt(app, theme)), area);
            return;
        }
        Mode::Help => {
            let line = Line::from(vec![
                Span::styled("? Esc q", theme.key),
                Span::styled(" close help", theme.muted),
            ]);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
        Mode::Normal | Mode::Conversations | Mode::Timeline => {}
    }
    let mut left = Vec::new();
    if let Some(problem) = app.fetch_status() {
        left.push(Span::styled(problem, theme.error));
    }
    if let Some(n) = app.notice() {
        if !left.is_empty() {
            left.push(Span::raw(" · "));
        }
        let style = if n.is_error() { theme.error } else { theme.ok };
        let used: usize = left.iter().map(Span::width).sum();
        left.push(Span::styled(
            notice_text(n, (area.width as usize).saturating_sub(used)),
            style,
        ));
    }
    let left_w: usize = left.iter().map(Span::width).sum();
    let room = (area.width as usize).saturating_sub(left_w + 2);
    let hints = hint_spans(app, theme, room);
    let hints_w = hints.iter().map(Span::width).sum::<usize>() as u16;
    frame.render_widget(Paragraph::new(Line::from(left)), area);
    if hints_w > 0 {
        let x = area.right().saturating_sub(hints_w);
        let at = Rect::new(x.max(area.x), area.y, hints_w.min(area.width), 1);
        frame.render_widget(Paragraph::new(Line::from(hints)), at);
    }
}
