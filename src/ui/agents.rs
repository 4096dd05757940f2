//! The agents table: one row per agent, a pinned total row, a one-line handle-time sparkline.
//!
//! Only the rows on screen are turned into cells (the rest are empty placeholders), so a
//! 500-agent floor costs the same to draw as a 20-agent one. Columns are dropped right to
//! left (sparkline, talk, holds) when the terminal is narrow.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table};

use super::theme::Theme;
use super::{num, pane, scroll_offset};
use crate::app::{App, Focus};
use chrono::{DateTime, Utc};

use crate::figures::{FIGURES, Figure};
use crate::live::AgentNow;
use crate::targets::Level;
use crate::view::{AgentRow, FloorView, Sort, SortBy};

/// Name column bounds.
const NAME_MIN: u16 = 12;
const NAME_MAX: u16 = 24;
/// A sparkline narrower than this says nothing; drop it instead.
const SPARK_MIN: u16 = 8;
/// Width of the sparkline's `hh:mm–hh:mm` heading.
const SPARK_HEADING: usize = 11;
/// Width of the `▶ ` selection marker.
const MARKER: u16 = 2;
/// Figures dropped, in this order, when the terminal is too narrow for the chosen columns
/// (the figure table's drop ranks, lowest first).
pub(crate) fn drop_order() -> Vec<Figure> {
    let mut droppable: Vec<(u8, Figure)> = FIGURES
        .iter()
        .filter_map(|s| s.drop.map(|d| (d, s.figure)))
        .collect();
    droppable.sort_unstable();
    droppable.into_iter().map(|(_, f)| f).collect()
}

/// A visible column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AgentColumn {
    /// The name, this wide.
    Name(u16),
    /// A figure.
    Metric(Figure),
    /// The one-line sparkline, this wide.
    Spark(u16),
}

impl AgentColumn {
    /// Width on screen, `extra` wider for a figure that may carry a `!!` marker.
    fn width(self, extra: &dyn Fn(Figure) -> u16) -> u16 {
        match self {
            AgentColumn::Name(w) | AgentColumn::Spark(w) => w,
            AgentColumn::Metric(c) => c.width() + extra(c),
        }
    }
}

/// Columns a `!!` over-target marker can follow: 2 more columns where the theme shows markers
/// and the column is judged by a target that is set.
pub(crate) fn marker_room(app: &App, theme: &Theme) -> impl Fn(Figure) -> u16 + use<> {
    let room: Vec<Figure> = Figure::ALL
        .into_iter()
        .filter(|&c| theme.markers && c.spec().target.is_some_and(|m| app.targets_metric(m)))
        .collect();
    move |c| if room.contains(&c) { 2 } else { 0 }
}

/// Extra width a figure column needs so the pinned total (a floor can pass 100 hours of
/// handle time) keeps the rows' `h:mm:ss` instead of a cut or a different format.
fn room_for_totals(total: &AgentRow) -> impl Fn(Figure) -> u16 + use<> {
    let need: Vec<(Figure, u16)> = Figure::ALL
        .iter()
        .map(|&f| {
            let w = u16::try_from(crate::text::width(total.cells.get(f))).unwrap_or(u16::MAX);
            (f, w.saturating_sub(f.width()))
        })
        .collect();
    move |f| need.iter().find(|(g, _)| *g == f).map_or(0, |(_, w)| *w)
}

/// ` · 2 columns hidden` when the terminal is too narrow for every chosen column, so a
/// dropped column is never a silent loss (`c` lists them all).
pub(crate) fn hidden_note(hidden: usize) -> String {
    match hidden {
        0 => String::new(),
        1 => " · 1 column hidden (narrow)".to_string(),
        n => format!(" · {n} columns hidden (narrow)"),
    }
}

/// A figure cell: right-aligned, amber over target and red far over it, with the `!` / `!!`
/// marker appended when the theme shows markers (so colour is never the only signal). `slot`
/// columns are kept for the marker (see [`marker_room`]), blank when there is none, so the
/// digits of a column stay aligned.
pub(crate) fn figure<'a>(text: &'a str, level: Level, theme: &Theme, slot: u16) -> Line<'a> {
    let marker = if theme.markers && !text.is_empty() {
        level.marker()
    } else {
        ""
    };
    let slot = usize::from(slot).max(marker.len());
    let line = match slot {
        0 => num(text),
        _ => Line::from(format!("{text}{marker:<slot$}")).right_aligned(),
    };
    match level {
        Level::Ok => line,
        Level::Over => line.style(theme.over),
        Level::Far => line.style(theme.far),
    }
}

/// The columns that fit in `width`, for a floor whose longest name is `name_width` and whose
/// sparkline spans `spark_len` intervals, showing the `figures` chosen.
#[cfg(test)]
pub(crate) fn columns(
    width: u16,
    name_width: usize,
    spark_len: usize,
    figures: &[Figure],
) -> Vec<AgentColumn> {
    columns_with(width, name_width, spark_len, figures, &|_| 0)
}

/// [`columns`] with figures `extra(c)` wider (room for over-target markers).
pub(crate) fn columns_with(
    width: u16,
    name_width: usize,
    spark_len: usize,
    figures: &[Figure],
    extra: &dyn Fn(Figure) -> u16,
) -> Vec<AgentColumn> {
    let name = (name_width as u16).clamp(NAME_MIN, NAME_MAX);
    let mut cols = vec![AgentColumn::Name(name)];
    cols.extend(figures.iter().map(|c| AgentColumn::Metric(*c)));
    let used = |cols: &[AgentColumn]| -> u16 {
        MARKER + cols.iter().map(|c| c.width(extra) + 1).sum::<u16>() - 1
    };
    let room = width.saturating_sub(used(&cols) + 1);
    if room >= SPARK_MIN && spark_len > 0 {
        // At least as wide as its `08:00–10:30` heading.
        cols.push(AgentColumn::Spark(
            room.min(spark_len.max(SPARK_HEADING) as u16),
        ));
        return cols;
    }
    for drop in drop_order() {
        if used(&cols) > width {
            cols.retain(|c| *c != AgentColumn::Metric(drop));
        }
    }
    cols
}

fn heading(col: AgentColumn, sort: Sort, spark_label: &str, slot: u16) -> Line<'static> {
    let arrow = if sort.descending { "▼" } else { "▲" };
    let mark = |c: SortBy, t: &str| {
        if sort.by == c {
            format!("{t}{arrow}")
        } else {
            t.to_string()
        }
    };
    match col {
        AgentColumn::Name(_) => Line::from(mark(SortBy::Name, SortBy::Name.title())),
        AgentColumn::Metric(c) if c.is_text() => Line::from(mark(SortBy::Figure(c), c.title())),
        AgentColumn::Metric(c) => Line::from(format!(
            "{}{:slot$}",
            mark(SortBy::Figure(c), c.title()),
            "",
            slot = usize::from(slot)
        ))
        .right_aligned(),
        AgentColumn::Spark(_) => Line::from(spark_label.to_string()),
    }
}

/// The last `width` characters of a sparkline (the most recent intervals).
fn tail(s: &str, len: usize, width: usize) -> &str {
    let skip = len.saturating_sub(width);
    s.char_indices().nth(skip).map_or("", |(i, _)| &s[i..])
}

/// The agent's state now, as the live columns draw it.
pub(crate) struct LiveCell<'a> {
    now: Option<AgentNow>,
    at: DateTime<Utc>,
    /// The live floor is stale: states drawn dim.
    stale: bool,
    theme: &'a Theme,
}

impl LiveCell<'_> {
    fn cell(&self, f: Figure) -> Cell<'static> {
        let (Some(now), Some(live)) = (&self.now, f.spec().live) else {
            return Cell::from("");
        };
        let text = (live.text)(now, self.at);
        let style = match (self.stale, f.is_text()) {
            (true, _) => self.theme.future,
            (false, true) => self.theme.state(now.activity),
            (false, false) => Style::new(),
        };
        let line = match f.is_text() {
            true => Line::from(text),
            false => Line::from(text).right_aligned(),
        };
        Cell::from(line.style(style))
    }
}

fn cells<'a>(
    row: &'a AgentRow,
    cols: &[AgentColumn],
    spark_len: usize,
    spark: Style,
    level: impl Fn(Figure) -> Level,
    live: &LiveCell<'_>,
    extra: &dyn Fn(Figure) -> u16,
) -> Row<'a> {
    let theme = live.theme;
    Row::new(cols.iter().map(|c| match *c {
        AgentColumn::Name(w) => Cell::from(crate::text::fit(&row.name, usize::from(w))),
        AgentColumn::Metric(c) if c.is_live() => live.cell(c),
        AgentColumn::Metric(c) => Cell::from(figure(row.cells.get(c), level(c), theme, extra(c))),
        AgentColumn::Spark(w) => {
            Cell::from(Span::styled(tail(&row.spark, spark_len, w as usize), spark))
        }
    }))
}

/// The pinned total row, in the same `h:mm:ss` as the rows (its columns widen to fit it:
/// [`room_for_totals`]).
fn total_row<'a>(
    row: &'a AgentRow,
    cols: &[AgentColumn],
    spark_len: usize,
    theme: &Theme,
    extra: &dyn Fn(Figure) -> u16,
) -> Row<'a> {
    Row::new(cols.iter().map(|c| match *c {
        AgentColumn::Metric(m) => Cell::from(figure(row.cells.get(m), Level::Ok, theme, extra(m))),
        AgentColumn::Name(w) => Cell::from(crate::text::fit(&row.name, usize::from(w))),
        AgentColumn::Spark(w) => Cell::from(Span::styled(
            tail(&row.spark, spark_len, w as usize),
            theme.spark_inline,
        )),
    }))
    .style(theme.total)
}

fn spark_label(view: &FloorView, width: u16) -> String {
    let span = &view.spark_span;
    let first = span.end.saturating_sub(width as usize).max(span.start);
    let w = &view.snapshot.window;
    match (
        w.local_start(first),
        w.local_end(span.end.saturating_sub(1)),
    ) {
        (Some(a), Some(b)) if span.end > span.start => {
            format!("{}–{}", a.format("%H:%M"), b.format("%H:%M"))
        }
        _ => String::new(),
    }
}

/// ` Agents (30) `, or ` Agents (12 of 30) ` under a filter; when the rows do not all fit,
/// also which ones are on screen (` · rows 9–16 `), so rows scrolled off above the top are
/// never a surprise (a sort keeps the selected agent in view, not the top rows).
fn title(
    view: &FloorView,
    focused: bool,
    shown: &Range<usize>,
    hidden: usize,
    flight: Option<String>,
    width: u16,
) -> Line<'static> {
    let count = if view.is_filtered() {
        format!("{} of {}", view.len(), view.agent_count())
    } else {
        view.len().to_string()
    };
    let rows = if shown.len() < view.len() && !shown.is_empty() {
        format!(" · rows {}–{}", shown.start + 1, shown.end)
    } else {
        String::new()
    };
    let hint = if focused { "" } else { "  (Tab)" };
    let note = hidden_note(hidden);
    let full = |flight: &str| format!(" Agents ({count}){rows}{flight}{note}{hint} ");
    // The in-flight note goes first when the title would not fit.
    let flight = flight.map(|f| format!(" · floor {f}")).unwrap_or_default();
    let text = full(&flight);
    if crate::text::width(&text) + 2 <= usize::from(width) {
        Line::from(text)
    } else {
        Line::from(full(""))
    }
}

/// Draws the agents table; records the page height for PgUp/PgDn.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &mut App, theme: &Theme) {
    let mut state = std::mem::take(&mut app.tables_mut().agents);
    let selected = app.selected_row();
    let focused = app.focus() == Focus::Agents;
    let Some(view) = app.view() else { return };
    let inner = pane(Line::default(), focused, false, theme).inner(area);
    // Heading and total row take one line each.
    let page = inner.height.saturating_sub(2) as usize;
    let offset = scroll_offset(state.offset(), selected, page, view.len());
    let shown = offset..(offset + page).min(view.len());
    let spark_len = view.spark_span.len();
    let figures = app.visible_columns();
    let markers = marker_room(app, theme);
    let totals = room_for_totals(view.total());
    let extra = |f: Figure| markers(f) + totals(f);
    let cols = columns_with(inner.width, view.name_width, spark_len, &figures, &extra);
    let hidden = figures.len()
        - cols
            .iter()
            .filter(|c| matches!(c, AgentColumn::Metric(_)))
            .count();
    let flight = app.in_flight_text(None);
    let block = pane(
        title(view, focused, &shown, hidden, flight, area.width),
        focused,
        false,
        theme,
    );
    let spark_w = cols.iter().find_map(|c| match c {
        AgentColumn::Spark(w) => Some(*w),
        _ => None,
    });
    let label = spark_w.map(|w| spark_label(view, w)).unwrap_or_default();
    // One row past the page is built too, as ratatui may peek at it.
    let built = offset..(offset + page + 1).min(view.len());
    let floor = app.live_floor();
    let stale = floor.is_some_and(|f| f.status().stale);
    let rows = (0..view.len()).map(|i| match view.row(i) {
        Some(r) if built.contains(&i) => cells(
            r,
            &cols,
            spark_len,
            theme.spark_inline,
            |c| app.agent_cell_level(r, c),
            &LiveCell {
                now: floor.and_then(|f| f.agent(&r.id)),
                at: app.now(),
                stale,
                theme,
            },
            &markers,
        ),
        _ => Row::new(Vec::<Cell>::new()),
    });
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| Constraint::Length(c.width(&extra)))
        .collect();
    let header = Row::new(cols.iter().map(|c| {
        let slot = match c {
            AgentColumn::Metric(m) => markers(*m),
            _ => 0,
        };
        heading(*c, app.sort(), &label, slot)
    }))
    .style(theme.table_header);
    let highlight = if focused {
        theme.selected
    } else {
        theme.selected_unfocused
    };
    let table = Table::new(rows, widths)
        .header(header)
        .footer(total_row(view.total(), &cols, spark_len, theme, &markers))
        .block(block)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    state.select(selected);
    *state.offset_mut() = offset;
    let empty = match (view.is_empty(), view.is_filtered()) {
        (false, _) => None,
        (true, true) => Some(format!(
            "no agent matches “{}” — Esc clears the filter",
            app.filter()
        )),
        (true, false) => Some("no agents in this snapshot yet".to_string()),
    };
    frame.render_stateful_widget(table, area, &mut state);
    if let Some(msg) = empty
        && page > 0
    {
        let at = Rect {
            x: inner.x + MARKER,
            y: inner.y + 1,
            width: inner.width.saturating_sub(MARKER),
            height: 1,
        };
        frame.render_widget(Paragraph::new(msg).style(theme.muted), at);
    }
    let tables = app.tables_mut();
    tables.agents = state;
    tables.agents_page = page.max(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_degrade_in_order() {
        let defaults = Figure::defaults();
        let seven = &defaults[..7];
        let wide = columns(200, 14, 20, seven);
        assert!(matches!(wide.last(), Some(AgentColumn::Spark(20))));
        let short = columns(200, 14, 5, seven);
        assert!(matches!(short.last(), Some(AgentColumn::Spark(11))));
        let mid = columns(80, 14, 20, seven);
        assert_eq!(mid.len(), 8, "no sparkline at 80: {mid:?}");
        let narrow = columns(60, 14, 20, seven);
        assert!(!narrow.contains(&AgentColumn::Metric(Figure::Talk)));
        assert!(!narrow.contains(&AgentColumn::Metric(Figure::Holds)));
        assert!(columns(0, 0, 0, seven).contains(&AgentColumn::Name(NAME_MIN)));
        // Status columns go before the conversation figures.
        let fit = columns(100, 14, 0, &Figure::ALL);
        assert!(fit.contains(&AgentColumn::Metric(Figure::Aht)));
        assert!(!fit.contains(&AgentColumn::Metric(Figure::NotResponding)));
        // The order follows the figure table's ranks: the status times go first, occupancy
        // last, and the figures without a rank are never dropped.
        let order = drop_order();
        assert!(order[..4].iter().all(|f| f.needs_status()), "{order:?}");
        assert_eq!(order.last(), Some(&Figure::Occupancy));
        for f in Figure::ALL {
            assert_eq!(order.contains(&f), f.spec().drop.is_some(), "{f:?}");
        }
    }

    #[test]
    fn tail_keeps_the_latest_intervals() {
        assert_eq!(tail("▁▂▃▄", 4, 2), "▃▄");
        assert_eq!(tail("▁▂", 2, 5), "▁▂");
        assert_eq!(tail("", 0, 5), "");
    }
}
