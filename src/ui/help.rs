//! The `?` overlay, generated from the keymap's binding tables so it always tells the truth.
//! Drawn over everything with `Clear` in a centred box; two columns when it would not fit in one.
//! It also says how many API requests the last minute used, against Genesys's default limit
//! (the header drops that figure on narrow terminals; here it is always shown).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::App;
use crate::keymap::{self, Binding};
use crate::targets::TargetMetric;

/// A titled group of bindings.
type Section = (&'static str, &'static [Binding]);

/// Sections on the dashboard.
const DASHBOARD: &[Section] = &[
    ("Dashboard", keymap::NORMAL),
    ("Prompts (/ F3 :)", keymap::PROMPT),
];

/// Sections while the conversations pane is open: the keys that work there.
const CONVERSATIONS: &[Section] = &[
    ("Conversations", keymap::DRILL),
    ("Timeline (i)", keymap::TIMELINE),
];

/// Sections while replaying a recording: the replay keys come second (the API usage and the
/// help's own keys make way for them; the frame says how to close).
const DASHBOARD_REPLAY: &[Section] = &[
    ("Dashboard", keymap::NORMAL),
    ("Replay", keymap::REPLAY),
    ("Prompts (/ F3 :)", keymap::PROMPT),
];

/// The conversations pane during a replay.
const CONVERSATIONS_REPLAY: &[Section] = &[
    ("Conversations", keymap::DRILL),
    ("Replay", keymap::REPLAY),
    ("Timeline (i)", keymap::TIMELINE),
];

/// Sections while the "why this number" pop-over is open.
const EXPLAIN: &[Section] = &[("Why this number (i)", keymap::EXPLAIN)];

/// The pop-over during a replay.
const EXPLAIN_REPLAY: &[Section] = &[
    ("Why this number (i)", keymap::EXPLAIN),
    ("Replay", keymap::REPLAY),
];

/// The sections for what is on screen, so the overlay lists the keys that work now.
pub(crate) fn sections(app: &App) -> &'static [Section] {
    if app.is_explain_open() {
        return if app.is_replay() {
            EXPLAIN_REPLAY
        } else {
            EXPLAIN
        };
    }
    match (app.drill_pane().is_some(), app.is_replay()) {
        (true, false) => CONVERSATIONS,
        (true, true) => CONVERSATIONS_REPLAY,
        (false, true) => DASHBOARD_REPLAY,
        (false, false) => DASHBOARD,
    }
}

/// The frame's bottom title: the help table's keys (the overlay lists no section for itself).
fn close_title() -> String {
    let keys: Vec<String> = keymap::HELP
        .iter()
        .filter(|b| b.command == keymap::Command::Help)
        .map(keymap::keys_label)
        .collect();
    format!(" {} to close · Ctrl-C quits ", keys.join(" "))
}

/// A note the tables cannot express.
const ESC_NOTE: &str = "Esc/Backspace clear the filter, then leave the intervals; q quits.";

/// The same note in the conversations pane.
const ESC_NOTE_CONVERSATIONS: &str = "Esc/Backspace return to the intervals, same interval.";

/// The same note over the "why this number" pop-over.
const ESC_NOTE_EXPLAIN: &str = "Esc/Backspace close the pop-over, on the same row.";

fn esc_note(app: &App) -> &'static str {
    if app.is_explain_open() {
        ESC_NOTE_EXPLAIN
    } else if app.drill_pane().is_some() {
        ESC_NOTE_CONVERSATIONS
    } else {
        ESC_NOTE
    }
}

/// Heading of the request-usage section.
const USAGE_TITLE: &str = "API usage";

/// Lines under the columns: a blank and the Esc note.
const FOOTER_LINES: u16 = 2;

/// One column's lines: section headings and `keys  what` rows, keys padded to `key_w`.
fn section_lines(sections: &[Section], key_w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, (title, bindings)) in sections.iter().enumerate() {
        if i > 0 {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(
            title.to_string(),
            theme.title_focused,
        )));
        for (keys, help) in keymap::help_rows(bindings) {
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:<key_w$}"), theme.key),
                Span::raw("  "),
                Span::raw(help),
            ]));
        }
    }
    lines
}

/// The usage section (blank, heading, each text wrapped to `width`), appended to a column.
fn usage_lines(texts: &[String], width: usize, style: Style, theme: &Theme) -> Vec<Line<'static>> {
    titled_lines(USAGE_TITLE, texts, width, style, theme)
}

/// Heading of the targets section.
const TARGETS_TITLE: &str = "Targets";

/// What the targets section says: what is flagged and how, then the targets themselves (only
/// when a config file set some, so the supervisor knows what amber means today).
pub(crate) fn target_texts(app: &App, theme: &Theme) -> Vec<String> {
    if !app.has_targets() {
        return Vec::new();
    }
    let marks = if theme.markers {
        " (marked ! and !!)"
    } else {
        ""
    };
    let mut out = vec![format!(
        "Amber: over target; red: over 125%{marks}. Totals count by their averages."
    )];
    let t = app.targets();
    // Named by the figure each target judges (`ACW/c`: per wrap-up, not the total).
    let set: Vec<String> = TargetMetric::ALL
        .into_iter()
        .filter_map(|m| {
            let limit = t.global.get(m)?;
            Some(format!("{} {}", m.figure().title(), m.text(limit)))
        })
        .collect();
    if !set.is_empty() {
        out.push(set.join(" · "));
    }
    if !t.queues.is_empty() {
        out.push(format!("{} queue override(s)", t.queues.len()));
    }
    out
}

/// A section: blank, heading, each text wrapped to `width`; nothing without texts.
fn titled_lines(
    title: &'static str,
    texts: &[String],
    width: usize,
    style: Style,
    theme: &Theme,
) -> Vec<Line<'static>> {
    if texts.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled(title, theme.title_focused)),
    ];
    for text in texts {
        lines.extend(
            crate::text::wrap(text, width.max(1))
                .into_iter()
                .map(|l| Line::from(Span::styled(l, style))),
        );
    }
    lines
}

/// Draws the overlay centred in `area`; when even two columns are too short it scrolls, and
/// how far it can is written back for the keys.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &mut App, theme: &Theme) {
    // A replay sends no requests: no usage section.
    let usage = match app.is_replay() {
        true => Vec::new(),
        false => app.usage_help_lines().to_vec(),
    };
    let usage_style = if app.usage_is_high() {
        theme.warn
    } else {
        theme.muted
    };
    let sections = sections(app);
    let rows: Vec<(String, &str)> = sections
        .iter()
        .flat_map(|(_, b)| keymap::help_rows(b))
        .collect();
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let help_w = rows
        .iter()
        .map(|(_, h)| h.chars().count())
        .max()
        .unwrap_or(0);
    let col_w = (key_w + 2 + help_w) as u16;
    let note_w = esc_note(app).chars().count() as u16;
    // One column is as wide as the note; its usage text wraps to that.
    let one_w = col_w.max(note_w);
    let targets = target_texts(app, theme);
    let one = section_lines(sections, key_w, theme)
        .into_iter()
        .chain(usage_lines(&usage, one_w.into(), usage_style, theme))
        .chain(titled_lines(
            TARGETS_TITLE,
            &targets,
            one_w.into(),
            theme.muted,
            theme,
        ))
        .collect::<Vec<_>>();
    let one_h = one.len() as u16 + FOOTER_LINES;
    // Two columns when one is too tall and two fit side by side; the usage goes under the
    // short right-hand column.
    let two = one_h + 2 > area.height.saturating_sub(2) && area.width >= 2 * col_w + 7;
    let scroll = app.help_scroll();
    // (how far it can scroll, lines per page) when it does not fit.
    let mut scrolled: Option<(usize, usize)> = None;
    let (columns, inner_h, content_w, footer) = if two {
        let content_w = (2 * col_w + 3).max(note_w);
        let right_w = content_w - col_w - 3;
        let mut left = section_lines(&sections[..1], key_w, theme);
        let mut right = section_lines(&sections[1..], key_w, theme);
        right.extend(usage_lines(&usage, right_w.into(), usage_style, theme));
        right.extend(titled_lines(
            TARGETS_TITLE,
            &targets,
            right_w.into(),
            theme.muted,
            theme,
        ));
        // Short of rows (80×24): the blank above the note goes first, then the first
        // section's tail continues at the top of the right column.
        let tall = left.len().max(right.len()) as u16 + FOOTER_LINES + 2 > area.height;
        let footer = if tall { FOOTER_LINES - 1 } else { FOOTER_LINES };
        let room = usize::from(area.height.saturating_sub(2 + footer)).max(1);
        if left.len() > room {
            let mut spill = left.split_off(room);
            spill.push(Line::from(""));
            spill.append(&mut right);
            right = spill;
        }
        if right.len() > room {
            // Still too tall: one flow down the left column and on down the right, scrolled.
            let mut flow = left;
            flow.append(&mut right);
            let max = flow.len().saturating_sub(2 * room);
            let from = scroll.min(max);
            scrolled = Some((max, room));
            let mut rest = flow.split_off(from);
            let right = rest.split_off(room.min(rest.len()));
            left = rest;
            let right: Vec<Line> = right.into_iter().take(room).collect();
            (
                vec![(left, col_w), (right, right_w)],
                room as u16 + footer,
                content_w,
                footer,
            )
        } else {
            let h = left.len().max(right.len()) as u16 + footer;
            (vec![(left, col_w), (right, right_w)], h, content_w, footer)
        }
    } else {
        let room = usize::from(area.height.saturating_sub(2 + FOOTER_LINES)).max(1);
        if one.len() > room {
            let max = one.len() - room;
            let from = scroll.min(max);
            scrolled = Some((max, room));
            let shown: Vec<Line> = one.into_iter().skip(from).take(room).collect();
            (
                vec![(shown, one_w)],
                room as u16 + FOOTER_LINES,
                one_w,
                FOOTER_LINES,
            )
        } else {
            (vec![(one, one_w)], one_h, one_w, FOOTER_LINES)
        }
    };
    let tables = app.tables_mut();
    (tables.help_scroll_max, tables.help_page) = scrolled.unwrap_or((0, 1));
    let close = match scrolled {
        Some((max, _)) => format!(
            " ↑↓ PgDn scroll {}/{} ·{}",
            scroll.min(max),
            max,
            close_title()
        ),
        None => close_title(),
    };
    let (rect, block) = super::popup(
        frame,
        area,
        (content_w + 4, inner_h + 2),
        " Keys ",
        &close,
        theme,
    );
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let body = Rect {
        height: inner.height.saturating_sub(footer),
        ..inner
    };
    let mut x = body.x;
    for (lines, width) in columns {
        let at = Rect {
            x,
            width: width.min(body.right().saturating_sub(x)),
            ..body
        };
        frame.render_widget(Paragraph::new(lines), at);
        x = x.saturating_add(width + 3).min(body.right());
    }
    if inner.height > footer {
        let note = Rect {
            y: inner.bottom() - 1,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(esc_note(app)).style(theme.muted), note);
    }
}
