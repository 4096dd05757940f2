//! Drawing. Every function here borrows the [`App`] and returns nothing; no widget keeps state
//! between frames except the `TableState`s that live in `App` (the ratatui examples' `&App`
//! pattern). Layout is recomputed on every draw, so a resize re-lays out immediately.

pub(crate) mod agents;
pub(crate) mod alert_strip;
pub(crate) mod columns;
pub(crate) mod drilldown;
pub(crate) mod explain;
pub(crate) mod header;
pub(crate) mod help;
pub(crate) mod intervals;
pub(crate) mod queue_strip;
pub(crate) mod sparklines;
pub(crate) mod status_line;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::App;
use theme::Theme;

/// Below this the dashboard cannot show a useful table; we say so instead.
pub(crate) const MIN_WIDTH: u16 = 60;
/// See [`MIN_WIDTH`].
pub(crate) const MIN_HEIGHT: u16 = 15;
/// From this width the agents table and the intervals pane sit side by side.
pub(crate) const WIDE_WIDTH: u16 = 140;

/// Draws the whole dashboard with the process theme (`NO_COLOR` aware).
pub(crate) fn render(frame: &mut Frame, app: &mut App) {
    render_with(frame, app, theme::current());
}

/// Draws with an explicit theme (tests pin colour or monochrome).
pub fn render_with(frame: &mut Frame, app: &mut App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area);
        return;
    }
    let header = Rect { height: 1, ..area };
    let status = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };
    let body = Rect {
        y: area.y + 1,
        height: area.height - 2,
        ..area
    };
    header::render(frame, header, app, theme);
    status_line::render(frame, status, app, theme);
    // The alert and queue strips take the body's last lines, when shown and the tables
    // keep room.
    let mut body = body;
    let h = alert_strip::height(app.alerts().len(), body.height);
    if h > 0 && body.height >= h + 8 && app.drill_pane().is_none() {
        body.height -= h;
        let strip = Rect {
            y: body.bottom(),
            height: h,
            ..body
        };
        alert_strip::render(frame, strip, app, theme);
    }
    if let Some(rows) = app.queue_strip() {
        let h = queue_strip::height(&rows);
        if body.height >= h + 8 {
            body.height -= h;
            let strip = Rect {
                y: body.bottom(),
                height: h,
                ..body
            };
            queue_strip::render(frame, strip, &rows, theme);
        }
    }
    if app.view().is_none() {
        waiting(frame, body, app, theme);
    } else if app.drill_pane().is_some() {
        drilldown::render(frame, body, app, theme);
    } else {
        let panes = Panes::of(body);
        agents::render(frame, panes.agents, app, theme);
        intervals::render(frame, panes.intervals, app, theme, panes.intervals_rule);
        if let Some(area) = panes.sparks {
            sparklines::render(frame, area, app, theme, panes.sparks_rule);
        }
        if app.is_explain_open() {
            explain::render(frame, body, app, theme);
        }
    }
    if app.prompt_line().is_some_and(|p| p.error.is_some()) && status.y > header.bottom() {
        let above = Rect {
            y: status.y - 1,
            ..status
        };
        frame.render_widget(Clear, above);
        frame.render_widget(
            Paragraph::new(status_line::prompt(app, theme, status.width)),
            above,
        );
    }
    if app.column_chooser().is_some() {
        columns::render(frame, area, app, theme);
    }
    if app.is_help_open() {
        help::render(frame, area, app, theme);
    }
}

/// Where each pane goes inside the body (everything between header and status line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Panes {
    /// The agents table.
    pub agents: Rect,
    /// The selected agent's intervals.
    pub intervals: Rect,
    /// The sparkline panel, when there is room.
    pub sparks: Option<Rect>,
    /// The intervals pane sits right of the agents table (draws a left rule).
    pub intervals_rule: bool,
    /// The sparkline pane sits right of another pane.
    pub sparks_rule: bool,
}

impl Panes {
    /// Wide: agents left, intervals over sparklines right. Otherwise agents on top and, below,
    /// intervals beside (≥110 columns) or above the sparklines; the sparklines go first when
    /// there is no room.
    pub(crate) fn of(body: Rect) -> Self {
        if body.width >= WIDE_WIDTH {
            let left_w = body.width * 11 / 20;
            let agents = Rect {
                width: left_w,
                ..body
            };
            let right = Rect {
                x: body.x + left_w,
                width: body.width - left_w,
                ..body
            };
            let spark_h = sparks_height(right.height / 3);
            let (intervals, sparks) = split_v(right, spark_h);
            return Panes {
                agents,
                intervals,
                sparks,
                intervals_rule: true,
                sparks_rule: true,
            };
        }
        let agents_h = body.height / 2;
        let agents = Rect {
            height: agents_h,
            ..body
        };
        let bottom = Rect {
            y: body.y + agents_h,
            height: body.height - agents_h,
            ..body
        };
        if body.width >= 110 {
            let iw = (bottom.width * 62 / 100).max(80).min(bottom.width);
            let intervals = Rect {
                width: iw,
                ..bottom
            };
            let sparks = Rect {
                x: bottom.x + iw,
                width: bottom.width - iw,
                ..bottom
            };
            return Panes {
                agents,
                intervals,
                sparks: (sparks.width >= 20).then_some(sparks),
                intervals_rule: false,
                sparks_rule: true,
            };
        }
        let spark_h = if bottom.height >= 11 { 5 } else { 0 };
        let (intervals, sparks) = split_v(bottom, spark_h);
        Panes {
            agents,
            intervals,
            sparks,
            intervals_rule: false,
            sparks_rule: false,
        }
    }
}

/// Sparkline pane height for `room` lines: title + 3 series + caret, taller series when roomy.
fn sparks_height(room: u16) -> u16 {
    let per_series = room.saturating_sub(2) / 3;
    2 + 3 * per_series.clamp(1, 4)
}

fn split_v(area: Rect, bottom_h: u16) -> (Rect, Option<Rect>) {
    if bottom_h == 0 || bottom_h >= area.height {
        return (area, None);
    }
    let top = Rect {
        height: area.height - bottom_h,
        ..area
    };
    let bottom = Rect {
        y: area.y + top.height,
        height: bottom_h,
        ..area
    };
    (top, Some(bottom))
}

/// A pane frame: a top rule carrying the title (and a left rule when beside another pane).
pub(crate) fn pane<'a>(
    title: Line<'a>,
    focused: bool,
    left_rule: bool,
    theme: &Theme,
) -> Block<'a> {
    let borders = if left_rule {
        Borders::TOP | Borders::LEFT
    } else {
        Borders::TOP
    };
    let (t, b) = if focused {
        (theme.title_focused, theme.border_focused)
    } else {
        (theme.title, theme.border)
    };
    Block::new()
        .borders(borders)
        .border_style(b)
        .title(title.style(t))
}

/// A pop-up over `area`: a `w`×`h` rectangle centred in it (clipped to it), cleared, with a
/// focused border, `title` on top and `keys` (how to close it) at the bottom. Returns the
/// rectangle and its block for the caller to fill. Shared by help, the column chooser, "why
/// this number" and the conversation timeline so they look and behave alike.
pub(crate) fn popup<'a>(
    frame: &mut Frame,
    area: Rect,
    (w, h): (u16, u16),
    title: &'a str,
    keys: &'a str,
    theme: &Theme,
) -> (Rect, Block<'a>) {
    let (w, h) = (w.min(area.width), h.min(area.height));
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Line::from(title).style(theme.title_focused))
        .title_bottom(Line::from(keys).style(theme.muted));
    frame.render_widget(Clear, rect);
    (rect, block)
}

/// The first row offset that keeps `selected` on a page of `height` rows, moving as little as
/// possible from `offset` (what ratatui's `Table` would pick, computed up front so only the
/// visible rows need building).
pub(crate) fn scroll_offset(
    offset: usize,
    selected: Option<usize>,
    height: usize,
    len: usize,
) -> usize {
    if height == 0 || len == 0 {
        return 0;
    }
    let mut start = offset.min(len - 1);
    if let Some(s) = selected {
        let s = s.min(len - 1);
        start = start.min(s);
        if s >= start + height {
            start = s + 1 - height;
        }
    }
    start.min(len.saturating_sub(height))
}

/// A right-aligned table cell (numbers line up on the right).
pub(crate) fn num(s: &str) -> Line<'_> {
    Line::from(s).alignment(Alignment::Right)
}

/// Before the first snapshot: say what we are waiting for and what can be done meanwhile.
fn waiting(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let mut lines = vec![
        Line::from(Span::styled("waiting for first data…", theme.title_focused)),
        Line::from(""),
        Line::from(vec![
            Span::styled(app.source().label(), theme.source),
            Span::styled(
                format!(" · {} · {}", app.tz().name(), app.granularity()),
                theme.muted,
            ),
        ]),
    ];
    if let Some(problem) = app.fetch_status() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(problem, theme.error)));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled("r", theme.key),
        Span::raw(" refresh now   "),
        Span::styled("?", theme.key),
        Span::raw(" help   "),
        Span::styled("q", theme.key),
        Span::raw(" quit"),
    ]));
    let h = lines.len() as u16;
    let area = Rect {
        y: body.y + body.height.saturating_sub(h) / 2,
        height: h.min(body.height),
        ..body
    };
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), area);
}

/// The whole screen when it is below [`MIN_WIDTH`]×[`MIN_HEIGHT`]; never panics, even at 0×0.
fn too_small(frame: &mut Frame, area: Rect) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    let text = vec![
        Line::from(format!(
            "terminal too small — need at least {MIN_WIDTH}×{MIN_HEIGHT}"
        )),
        Line::from(format!("now {}×{}", area.width, area.height)),
    ];
    let h = 3.min(area.height);
    let rect = Rect {
        y: area.y + (area.height - h) / 2,
        height: h,
        ..area
    };
    frame.render_widget(
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scroll_offset_keeps_selection_visible() {
        assert_eq!(scroll_offset(0, Some(3), 5, 100), 0);
        assert_eq!(scroll_offset(0, Some(7), 5, 100), 3);
        assert_eq!(scroll_offset(10, Some(7), 5, 100), 7);
        assert_eq!(scroll_offset(98, Some(99), 5, 100), 95);
        assert_eq!(scroll_offset(3, None, 5, 4), 0);
        assert_eq!(scroll_offset(0, Some(0), 0, 4), 0);
    }

    #[test]
    fn panes_fit_inside_the_body() {
        for (w, h) in [
            (60, 13),
            (80, 22),
            (120, 38),
            (139, 30),
            (140, 30),
            (200, 48),
        ] {
            let body = Rect::new(0, 1, w, h);
            let p = Panes::of(body);
            for r in [Some(p.agents), Some(p.intervals), p.sparks]
                .into_iter()
                .flatten()
            {
                assert!(body.contains(r.as_position()), "{w}x{h}: {r:?}");
                assert!(r.right() <= body.right() && r.bottom() <= body.bottom());
            }
        }
    }
}
