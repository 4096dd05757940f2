//! Drawing the wallboard from a [`Board`]: pure, no state between frames, so the same board
//! draws the same screen on every tick. Colour is never the only signal: over-target figures
//! carry `!`/`!!` where the theme asks for markers, alerts name their severity, and STALE is
//! written in big letters.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::digits::{BigText, Size};
use super::layout::{
    self, Band, Grid, NUMBER_GAP, Plan, STALE, STAT_GAP, Stat, Tone, marked, shown, stat_columns,
    stats, w, waiting_text,
};
use super::{AlertLine, Board, QueueTile, StateKind};
use crate::alerts::Severity;
use crate::targets::Level;
use crate::text;
use crate::ui::theme::Theme;

/// Draws `board` into `area`, showing page `page` of the queues (wrapping past the last, so a
/// page number from [`super::page_at`] is always valid).
pub fn render(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme, page: usize) {
    let plan = Plan::new(area, board);
    let pages = plan.grid.pages(board.queues.len());
    let page = page % pages;
    header(
        frame,
        plan.header,
        board,
        theme,
        plan.banner.is_none(),
        (page, pages),
    );
    if let (Some(band), Some(why)) = (plan.banner, &board.stale) {
        banner(frame, band, why, theme);
    }
    if let Some(band) = plan.totals {
        let cells: Vec<Cell> = board
            .totals
            .iter()
            .map(|f| Cell {
                caption: &f.caption,
                text: shown(&f.text).to_string(),
                style: level_style(f.level, theme),
                marker: marker(f.level, theme),
            })
            .collect();
        figures(frame, band, &cells, theme);
    }
    if let Some(band) = plan.states {
        let cells: Vec<Cell> = board
            .states
            .iter()
            .map(|s| Cell {
                caption: &s.label,
                text: s.count.to_string(),
                style: state_style(s.kind, theme),
                marker: "",
            })
            .collect();
        figures(frame, band, &cells, theme);
    }
    if let Some(line) = plan.offenders_line {
        offenders_line(frame, line, board, theme);
    }
    if let Some(side) = plan.side {
        offenders_panel(frame, side, board, theme);
    }
    queues(frame, &plan.grid, board, theme, page);
    alerts(frame, plan.alerts, board, theme);
}

/// The style of a figure at `level`.
fn level_style(level: Level, theme: &Theme) -> Style {
    match level {
        Level::Ok => theme.title,
        Level::Over => theme.over,
        Level::Far => theme.far,
    }
}

/// The `!`/`!!` marker of `level` where the theme shows markers.
fn marker(level: Level, theme: &Theme) -> &'static str {
    if theme.markers { level.marker() } else { "" }
}

/// The style of an agent state's count.
fn state_style(kind: StateKind, theme: &Theme) -> Style {
    match kind {
        StateKind::Busy => theme.spark_handle,
        StateKind::Acw => theme.spark_acw,
        StateKind::Idle => theme.ok,
        StateKind::NotResponding => theme.alarm,
        StateKind::OffQueue => theme.muted,
        StateKind::Offline => theme.future,
        StateKind::Other => theme.title,
    }
}

/// Joins parts (each a few spans) two spaces apart, dropping whole parts from the end (the
/// lowest priority) until the line fits `width`, but never the first `keep`; what still does
/// not fit is cut, ending in `…`.
fn fit_parts(mut parts: Vec<Vec<Span<'static>>>, keep: usize, width: u16) -> Line<'static> {
    let width = usize::from(width);
    let total = |parts: &[Vec<Span<'static>>]| -> usize {
        parts.iter().flatten().map(Span::width).sum::<usize>() + 2 * parts.len().saturating_sub(1)
    };
    while parts.len() > keep && total(&parts) > width {
        parts.pop();
    }
    let mut spans = Vec::new();
    let mut used = 0;
    for (i, p) in parts.into_iter().enumerate() {
        for span in (i > 0).then(|| Span::raw("  ")).into_iter().chain(p) {
            let w = span.width();
            if used + w > width {
                let cut = text::fit(&span.content, width - used);
                if !cut.is_empty() {
                    spans.push(Span::styled(cut, span.style));
                }
                return Line::from(spans);
            }
            used += w;
            spans.push(span);
        }
    }
    Line::from(spans)
}

/// The header: source, replay, as-of time, date and zone; STALE as a badge when there was no
/// room for the banner; the page at the right when the queues page.
fn header(
    frame: &mut Frame,
    area: Rect,
    board: &Board,
    theme: &Theme,
    stale_badge: bool,
    (page, pages): (usize, usize),
) {
    if area.is_empty() {
        return;
    }
    let mut parts: Vec<Vec<Span<'static>>> = Vec::new();
    parts.push(vec![if board.demo {
        Span::styled(format!(" {} ", board.source), theme.demo_badge)
    } else {
        Span::styled(board.source.clone(), theme.source)
    }]);
    if let Some(label) = &board.replay {
        parts.push(vec![Span::styled(format!(" {label} "), theme.replay_badge)]);
    }
    if stale_badge && board.stale.is_some() {
        parts.push(vec![Span::styled(" STALE ", theme.alarm_badge)]);
    }
    let as_of_style = if board.stale.is_some() {
        theme.warn
    } else {
        theme.title
    };
    let local = board.as_of.map(|t| t.with_timezone(&board.tz));
    parts.push(vec![Span::styled(
        match local {
            Some(t) => format!("as of {}", t.format("%H:%M:%S")),
            None => "waiting for first data…".to_string(),
        },
        as_of_style,
    )]);
    let keep = parts.len();
    if let Some(t) = local {
        parts.push(vec![Span::styled(
            t.format("%a %Y-%m-%d").to_string(),
            theme.muted,
        )]);
    }
    parts.push(vec![Span::styled(board.tz.name().to_string(), theme.muted)]);
    // The page goes at the right if the parts never dropped leave room for it.
    let needed: usize = parts[..keep]
        .iter()
        .flatten()
        .map(Span::width)
        .sum::<usize>()
        + 2 * (keep - 1);
    let page_text = (pages > 1)
        .then(|| format!("page {}/{pages}", page + 1))
        .filter(|p| needed + 2 + text::width(p) <= usize::from(area.width));
    let room = area.width - page_text.as_deref().map_or(0, |p| w(p) + 2);
    frame.render_widget(Paragraph::new(fit_parts(parts, keep, room)), area);
    if let Some(p) = page_text {
        frame.render_widget(
            Paragraph::new(Span::styled(p, theme.muted)).alignment(Alignment::Right),
            area,
        );
    }
}

/// The STALE banner across the screen: the word in big letters and why beside it.
fn banner(frame: &mut Frame, band: Band, why: &str, theme: &Theme) {
    let area = band.area;
    frame.render_widget(Block::new().style(theme.alarm_badge), area);
    if band.size == Size::Text {
        let line = text::fit(&format!(" {STALE} · {why}"), usize::from(area.width));
        frame.render_widget(Paragraph::new(line).style(theme.alarm_badge), area);
        return;
    }
    let word = Rect::new(
        area.x + 1,
        area.y,
        band.size
            .width(STALE)
            .unwrap_or(0)
            .min(area.width.saturating_sub(1)),
        area.height,
    );
    frame.render_widget(
        BigText {
            text: STALE,
            size: band.size,
            style: theme.alarm_badge,
            alignment: Alignment::Left,
        },
        word,
    );
    let x = word.right() + 3;
    if x + 8 > area.right() {
        return;
    }
    let width = area.right() - x - 1;
    let mut lines = text::wrap(&text::one_line(why), usize::from(width));
    lines.truncate(usize::from(area.height));
    let top = area.y + (area.height - lines.len() as u16) / 2;
    let reason = Rect::new(x, top, width, lines.len() as u16);
    frame.render_widget(
        Paragraph::new(lines.into_iter().map(Line::from).collect::<Vec<_>>())
            .style(theme.alarm_badge),
        reason,
    );
}

/// One captioned figure of a band.
struct Cell<'a> {
    caption: &'a str,
    text: String,
    style: Style,
    /// Its over-target marker: after the caption over a big number (so the number keeps its
    /// size whatever the theme), after the value in plain text.
    marker: &'static str,
}

/// A band of captioned figures side by side, big numbers under centred captions; in plain
/// text, one line of `caption value` pairs.
fn figures(frame: &mut Frame, band: Band, cells: &[Cell], theme: &Theme) {
    let area = band.area;
    if cells.is_empty() || area.is_empty() {
        return;
    }
    if band.size == Size::Text {
        let parts = cells
            .iter()
            .map(|c| {
                vec![
                    Span::styled(c.caption.to_string(), theme.muted),
                    Span::raw(" "),
                    Span::styled(format!("{}{}", c.text, c.marker), c.style),
                ]
            })
            .collect();
        frame.render_widget(Paragraph::new(fit_parts(parts, 1, area.width)), area);
        return;
    }
    let n = cells.len() as u16;
    let width = area.width / n;
    for (i, c) in cells.iter().enumerate() {
        let x = area.x + i as u16 * width;
        let cell_width = if i as u16 + 1 == n {
            area.right() - x
        } else {
            width
        };
        let cell = Rect::new(x, area.y, cell_width, area.height);
        let mark = if c.marker.is_empty() {
            String::new()
        } else {
            format!(" {}", c.marker)
        };
        let room = usize::from(cell_width.saturating_sub(1)).saturating_sub(mark.len());
        let caption = Line::from(vec![
            Span::styled(text::fit(c.caption, room), theme.muted),
            Span::styled(mark, c.style),
        ]);
        frame.render_widget(
            Paragraph::new(caption).alignment(Alignment::Center),
            Rect::new(cell.x, cell.y, cell.width, 1),
        );
        frame.render_widget(
            BigText {
                text: &c.text,
                size: band.size,
                style: c.style,
                alignment: Alignment::Center,
            },
            Rect::new(
                cell.x,
                cell.y + 1,
                cell.width,
                cell.height.saturating_sub(1),
            ),
        );
    }
}

/// A value with its level's style and (where the theme asks) marker.
fn stat_value(s: &Stat, theme: &Theme) -> Span<'static> {
    match s.tone {
        Tone::Plain => Span::styled(s.value.clone(), theme.title),
        Tone::Alarm => Span::styled(s.value.clone(), theme.alarm),
        Tone::Level(l) => Span::styled(marked(&s.value, l, theme.markers), level_style(l, theme)),
    }
}

/// The queue tiles of page `page`, or why there are none.
fn queues(frame: &mut Frame, grid: &Grid, board: &Board, theme: &Theme, page: usize) {
    if grid.area.is_empty() {
        return;
    }
    if board.queues.is_empty() {
        frame.render_widget(
            Paragraph::new(Span::styled("No queues", theme.muted)).alignment(Alignment::Center),
            Rect::new(
                grid.area.x,
                grid.area.y + grid.area.height / 2,
                grid.area.width,
                1,
            ),
        );
        return;
    }
    let range = grid.page_range(board.queues.len(), page);
    let shown = range.len();
    let columns = stat_columns(&board.queues, grid.tile_height.saturating_sub(2));
    for (i, q) in board.queues[range].iter().enumerate() {
        let area = grid.tile(i, shown);
        if grid.size == Size::Text {
            queue_line(frame, area, q, theme);
        } else {
            tile(frame, area, grid, &columns, q, theme);
        }
    }
}

/// One queue as a bordered tile: the name, customers waiting as a big number, the stats in
/// columns beside it.
fn tile(
    frame: &mut Frame,
    area: Rect,
    grid: &Grid,
    columns: &[(u16, u16)],
    q: &QueueTile,
    theme: &Theme,
) {
    let border = match q.waiting_level {
        Level::Ok => theme.border,
        l => level_style(l, theme),
    };
    // The waiting count's marker follows the name, where there is always room for it.
    let mark = marker(q.waiting_level, theme);
    let mark = if mark.is_empty() {
        String::new()
    } else {
        format!("{mark} ")
    };
    let room = usize::from(area.width.saturating_sub(4)).saturating_sub(mark.len());
    let name = text::fit(&q.name, room);
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(vec![
            Span::styled(format!(" {name} "), theme.total),
            Span::styled(mark, level_style(q.waiting_level, theme)),
        ]));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // The stat columns that fit beside the number.
    let content_height = grid.tile_height.saturating_sub(2).min(inner.height);
    let rows = usize::from(content_height.max(1));
    let all = stats(q);
    let room = inner.width.saturating_sub(grid.number_width + NUMBER_GAP);
    let mut fitting = Vec::new();
    let mut used = 0;
    for (chunk, &(label_width, value_width)) in all.chunks(rows).zip(columns) {
        let col_width = label_width + 1 + value_width;
        let gap = if fitting.is_empty() { 0 } else { STAT_GAP };
        if used + gap + col_width > room {
            break;
        }
        used += gap + col_width;
        fitting.push((chunk, col_width));
    }
    // Laid out for the tile's least size; a bigger tile centres it.
    let content_width = (grid.number_width + NUMBER_GAP + used).min(inner.width);
    let inner = Rect::new(
        inner.x + (inner.width - content_width) / 2,
        inner.y + (inner.height - content_height) / 2,
        content_width,
        content_height,
    );
    if inner.is_empty() {
        return;
    }
    let number = Rect::new(
        inner.x,
        inner.y,
        grid.number_width.min(inner.width),
        inner.height,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(layout::WAITING, theme.muted)),
        Rect::new(number.x, number.y, number.width, 1),
    );
    frame.render_widget(
        BigText {
            text: &waiting_text(q),
            size: grid.size,
            style: level_style(q.waiting_level, theme),
            alignment: Alignment::Left,
        },
        Rect::new(
            number.x,
            number.y + 1,
            number.width,
            number.height.saturating_sub(1),
        ),
    );
    let mut x = number.right() + NUMBER_GAP;
    for (chunk, col_width) in fitting {
        for (row, s) in chunk.iter().enumerate() {
            let value = stat_value(s, theme);
            let pad = usize::from(col_width).saturating_sub(text::width(s.label) + value.width());
            let line = Line::from(vec![
                Span::styled(s.label, theme.muted),
                Span::raw(" ".repeat(pad)),
                value,
            ]);
            frame.render_widget(
                Paragraph::new(line),
                Rect::new(x, inner.y + row as u16, col_width, 1),
            );
        }
        x += col_width + STAT_GAP;
    }
}

/// `s` cut or padded to exactly `width` columns.
fn padded(s: &str, width: usize) -> String {
    let s = text::fit(s, width);
    let pad = width.saturating_sub(text::width(&s));
    format!("{s}{}", " ".repeat(pad))
}

/// One queue as a line of text, when no tile fits.
fn queue_line(frame: &mut Frame, area: Rect, q: &QueueTile, theme: &Theme) {
    let name_width = (area.width / 4).max(8);
    let mut parts = vec![
        vec![Span::styled(
            padded(&q.name, usize::from(name_width)),
            theme.total,
        )],
        vec![
            Span::styled(layout::WAITING, theme.muted),
            Span::raw(" "),
            Span::styled(
                marked(&waiting_text(q), q.waiting_level, theme.markers),
                level_style(q.waiting_level, theme),
            ),
        ],
    ];
    for s in stats(q) {
        parts.push(vec![
            Span::styled(s.label, theme.muted),
            Span::raw(" "),
            stat_value(&s, theme),
        ]);
    }
    frame.render_widget(Paragraph::new(fit_parts(parts, 2, area.width)), area);
}

/// What the worst-offenders list says when nobody is over target.
const NOBODY_OVER: &str = "Nobody over target";

/// The worst offenders as one line (narrow screens).
fn offenders_line(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let mut parts = vec![vec![Span::styled("Worst vs target:", theme.muted)]];
    if board.offenders.is_empty() {
        parts.push(vec![Span::styled(NOBODY_OVER, theme.ok)]);
    }
    for o in &board.offenders {
        parts.push(vec![
            Span::styled(text::fit(&o.agent, 24), theme.title),
            Span::raw(" "),
            Span::styled(o.figure.clone(), theme.muted),
            Span::raw(" "),
            Span::styled(
                marked(&o.value, o.level, theme.markers),
                level_style(o.level, theme),
            ),
        ]);
    }
    frame.render_widget(Paragraph::new(fit_parts(parts, 2, area.width)), area);
}

/// The worst offenders as a column beside the queues (wide screens): name, figure, value.
fn offenders_panel(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Worst vs target ", theme.total));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.is_empty() {
        return;
    }
    if board.offenders.is_empty() {
        frame.render_widget(Paragraph::new(Span::styled(NOBODY_OVER, theme.ok)), inner);
        return;
    }
    let lines: Vec<Line> = board
        .offenders
        .iter()
        .take(usize::from(inner.height))
        .map(|o| {
            let value = Span::styled(
                marked(&o.value, o.level, theme.markers),
                level_style(o.level, theme),
            );
            let figure = Span::styled(format!(" {} ", o.figure), theme.muted);
            let room = usize::from(inner.width).saturating_sub(figure.width() + value.width());
            let name = text::fit(&o.agent, room.saturating_sub(1));
            let pad = room.saturating_sub(text::width(&name));
            Line::from(vec![
                Span::styled(name, theme.title),
                Span::raw(" ".repeat(pad)),
                figure,
                value,
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The severity's tag: colour and word, so it reads in monochrome too.
fn severity_tag(s: Severity, theme: &Theme) -> Span<'static> {
    let (text, style) = match s {
        Severity::Critical => (" CRITICAL ", theme.alarm_badge),
        Severity::Warning => (" WARNING  ", theme.warn),
        Severity::Info => (" INFO     ", theme.muted),
    };
    Span::styled(text, style)
}

/// The alerts strip: a rule titled with the count, then one line an alert (severity, text,
/// since) and `+N more` for those without room.
fn alerts(frame: &mut Frame, area: Rect, board: &Board, theme: &Theme) {
    if area.is_empty() {
        return;
    }
    let total = board.alerts.len() + board.alerts_more;
    let title = if total == 0 {
        Span::styled(" No active alerts ", theme.ok)
    } else {
        Span::styled(format!(" Alerts · {total} active "), theme.total)
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(theme.border)
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = usize::from(inner.height);
    if rows == 0 || total == 0 {
        return;
    }
    // Short of room, the last row says how many more there are (the title has the count
    // too, so a single row shows an alert rather than only `+N more`).
    let shown = if total > rows && rows > 1 {
        rows - 1
    } else {
        rows
    }
    .min(board.alerts.len());
    let mut lines: Vec<Line> = board.alerts[..shown]
        .iter()
        .map(|a| alert_line(a, inner.width, theme))
        .collect();
    if total > shown {
        lines.push(Line::styled(
            format!("+{} more", total - shown),
            theme.muted,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One alert: its tag, its text cut to fit, and since when at the right.
fn alert_line(a: &AlertLine, width: u16, theme: &Theme) -> Line<'static> {
    let tag = severity_tag(a.severity, theme);
    let since = format!("  {}", a.since);
    let room = usize::from(width).saturating_sub(tag.width() + 1);
    let since = if text::width(&since) + 10 <= room {
        since
    } else {
        String::new()
    };
    let text_room = room - text::width(&since);
    let body = text::fit(&a.text, text_room);
    let pad = text_room - text::width(&body);
    Line::from(vec![
        tag,
        Span::raw(" "),
        Span::styled(body, theme.title),
        Span::raw(" ".repeat(pad)),
        Span::styled(since, theme.muted),
    ])
}
