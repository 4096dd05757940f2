//! The bottom line: the filter prompt while it is open; otherwise the last fetch problem and
//! the last export message on the left, key hints on the right (as many as fit). Key names
//! come from the keymap table, so hints cannot name a key that does nothing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::{App, Mode, Notice, PromptLine};
use crate::keymap::{self, Command, ReplayKey};

/// Hints in order of usefulness; the tail is dropped on narrow terminals.
const HINTS: &[(Command, &str)] = &[
    (Command::Help, "help"),
    (Command::Quit, "quit"),
    (Command::Open, "open"),
    (Command::Inspect, "why"),
    (Command::FilterOpen, "filter"),
    (Command::SortNext, "sort"),
    (Command::Columns, "columns"),
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

/// Hints while the column chooser is open.
const COLUMN_HINTS: &[(Command, &str)] = &[
    (Command::Toggle, "show/hide"),
    (Command::Defaults, "defaults"),
    (Command::Columns, "close"),
];

/// Hints while the "why this number" pop-over is open.
const EXPLAIN_HINTS: &[(Command, &str)] = &[
    (Command::Inspect, "close"),
    (Command::Down, "next row"),
    (Command::ToggleFocus, "day ⇄ interval"),
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
        Mode::Drill => (Mode::Drill, CONVERSATION_HINTS),
        Mode::Timeline => (Mode::Timeline, TIMELINE_HINTS),
        Mode::Explain => (Mode::Explain, EXPLAIN_HINTS),
        Mode::Columns => (Mode::Columns, COLUMN_HINTS),
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

/// Columns kept free for the `? help` hint when the status-refused reason is cut to fit.
const STATUS_HINT_ROOM: usize = 10;

/// Below this many columns a cut reason says nothing; leave it out.
const REASON_MIN: usize = 16;

/// `text` cut to `room` columns with a `…`, or `None` when there is too little room.
fn shorten(text: &str, room: usize) -> Option<String> {
    (crate::text::width(text) <= room || room >= REASON_MIN).then(|| crate::text::fit(text, room))
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

/// How many characters of a prompt's text scroll off the left so the cursor stays on a line
/// `width` cells wide (a long filter at 80 columns).
fn scrolled(p: &PromptLine<'_>, width: usize) -> usize {
    let room = width.saturating_sub(crate::text::width(p.label) + 1).max(1);
    let chars: Vec<char> = p.text.chars().collect();
    let mut skip = 0;
    while skip < p.cursor
        && crate::text::width(&chars[skip..p.cursor].iter().collect::<String>()) >= room
    {
        skip += 1;
    }
    skip
}

/// The open prompt: its label, the text with the cursor on it, and a muted hint.
pub(crate) fn prompt(app: &App, theme: &Theme, width: u16) -> Line<'static> {
    let Some(p) = app.prompt_line() else {
        return Line::default();
    };
    let skip = scrolled(&p, width.into());
    let before: String = p.text.chars().skip(skip).take(p.cursor - skip).collect();
    let mut rest = p.text.chars().skip(p.cursor);
    let under = rest.next();
    let after: String = rest.collect();
    let mut spans = vec![
        Span::styled(p.label, theme.key),
        Span::styled(before, theme.filter),
    ];
    match under {
        Some(c) => {
            spans.push(Span::styled(c.to_string(), theme.filter.reversed()));
            spans.push(Span::styled(after, theme.filter));
        }
        None => spans.push(Span::styled("█", theme.filter)),
    }
    let hint_style = if app.command_failed() {
        theme.error
    } else {
        theme.muted
    };
    spans.push(Span::styled(p.hint, hint_style));
    Line::from(spans)
}

/// Under the prompt: a caret at the error's column and what is wrong; the table keeps the
/// last filter that parsed.
pub(crate) fn prompt_error(app: &App, theme: &Theme, width: u16) -> Option<Line<'static>> {
    let p = app.prompt_line()?;
    let e = p.error?;
    let skip = scrolled(&p, width.into());
    let shown: String = p
        .text
        .chars()
        .skip(skip)
        .take(e.position.saturating_sub(skip))
        .collect();
    let col = crate::text::width(p.label) + crate::text::width(&shown);
    Some(Line::from(vec![
        Span::raw(" ".repeat(col)),
        Span::styled(
            format!("^ {} (column {})", e.message, e.position + 1),
            theme.error,
        ),
    ]))
}

/// Draws the status line.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    match app.mode() {
        Mode::Prompt => {
            // With an error the prompt moves up a line (ui::render_with) and this line
            // points at the mistake.
            let line = prompt_error(app, theme, area.width)
                .unwrap_or_else(|| prompt(app, theme, area.width));
            frame.render_widget(Paragraph::new(line), area);
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
        Mode::Normal | Mode::Drill | Mode::Timeline | Mode::Columns | Mode::Explain => {}
    }
    let mut left = Vec::new();
    if let Some(problem) = app.fetch_status() {
        // An error longer than the line is cut with a mark, never mid-word without one.
        left.push(Span::styled(
            crate::text::fit(&problem, usize::from(area.width)),
            theme.error,
        ));
    }
    if let Some(st) = app.live_floor().map(|f| f.status())
        && (st.stale
            || !matches!(
                st.mode,
                crate::live::LiveMode::Streaming | crate::live::LiveMode::Starting
            )
            || !st.refused.is_empty())
    {
        // Why the live state is not plainly streaming, in its own words.
        if !left.is_empty() {
            left.push(Span::raw(" · "));
        }
        let used: usize = left.iter().map(Span::width).sum();
        left.push(Span::styled(
            crate::text::fit(
                &st.line(app.now(), app.tz()),
                (area.width as usize).saturating_sub(used + STATUS_HINT_ROOM),
            ),
            theme.warn,
        ));
    }
    let pending = app.queues_pending();
    if !pending.is_empty() {
        if !left.is_empty() {
            left.push(Span::raw(" · "));
        }
        left.push(Span::styled(
            format!("looking up queue {}…", pending.join(", ")),
            theme.muted,
        ));
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
    if let Some(reason) = app.snapshot().and_then(|s| s.status.forbidden_reason()) {
        // After a fetch problem, before the rest; cut to what the line has left, keeping room
        // for the `? help` hint.
        let at = usize::from(app.fetch_status().is_some());
        let sep = if left.is_empty() { 0 } else { 3 };
        let used: usize = left.iter().map(Span::width).sum();
        let room = (area.width as usize).saturating_sub(used + sep + STATUS_HINT_ROOM);
        if let Some(text) = shorten(reason, room) {
            let mut spans = vec![Span::styled(text, theme.warn)];
            if !left.is_empty() {
                spans.insert(if at == 0 { 1 } else { 0 }, Span::raw(" · "));
            }
            left.splice(at..at, spans);
        }
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
