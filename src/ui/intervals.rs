//! The intervals table of the selected agent: every bucket of the day, the open one marked,
//! future ones dimmed and blank, the agent's day total pinned at the bottom.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, HighlightSpacing, Row, Table};

use super::theme::Theme;
use super::{pane, scroll_offset};
use crate::app::{App, Focus};
use crate::figures::{Figure, Unit};
use crate::targets::Level;
use crate::view::FigureTexts;

const LABEL: u16 = 11;
const STATE: u16 = 6;
const MARKER: u16 = 2;

/// A figure's width here: as in the agents table, one narrower for the counts (an interval's
/// counts are small).
fn metric_width(c: Figure) -> u16 {
    match c.spec().unit {
        Unit::Count => c.width() - 1,
        Unit::Duration | Unit::Fraction => c.width(),
    }
}

/// A visible column of the intervals table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntervalColumn {
    /// `09:00–09:30`.
    Interval,
    /// `● open` on the current interval.
    Openness,
    /// A figure.
    Metric(Figure),
}

impl IntervalColumn {
    /// Width on screen, `extra` wider for a figure that may carry a `!!` marker.
    fn width(self, extra: &dyn Fn(Figure) -> u16) -> u16 {
        match self {
            IntervalColumn::Interval => LABEL,
            IntervalColumn::Openness => STATE,
            IntervalColumn::Metric(c) => metric_width(c) + extra(c),
        }
    }
}

/// Columns that fit in `width`: figures go in the agents table's drop order, then the "open"
/// column (the open interval keeps its style).
#[cfg(test)]
pub(crate) fn columns(width: u16, figures: &[Figure]) -> Vec<IntervalColumn> {
    columns_with(width, figures, &|_| 0)
}

/// [`columns`] with figures `extra(c)` wider (room for over-target markers).
pub(crate) fn columns_with(
    width: u16,
    figures: &[Figure],
    extra: &dyn Fn(Figure) -> u16,
) -> Vec<IntervalColumn> {
    let mut cols = vec![IntervalColumn::Interval, IntervalColumn::Openness];
    cols.extend(figures.iter().map(|c| IntervalColumn::Metric(*c)));
    let used =
        |cols: &[IntervalColumn]| MARKER + cols.iter().map(|c| c.width(extra) + 1).sum::<u16>() - 1;
    let drops = super::agents::drop_order()
        .into_iter()
        .map(IntervalColumn::Metric)
        .chain([IntervalColumn::Openness]);
    for drop in drops {
        if used(&cols) > width {
            cols.retain(|c| *c != drop);
        }
    }
    cols
}

/// How a row's figures are drawn: the theme, and the columns kept for over-target markers.
struct Figures<'t> {
    theme: &'t Theme,
    extra: &'t dyn Fn(Figure) -> u16,
}

fn row_cells<'a>(
    label: &'a str,
    state: &'static str,
    cells: &'a FigureTexts,
    cols: &[IntervalColumn],
    f: &Figures<'_>,
) -> Row<'a> {
    judged_cells(label, state, cells, cols, |_| Level::Ok, f)
}

/// [`row_cells`] with each figure styled by how it stands against target.
fn judged_cells<'a>(
    label: &'a str,
    state: &'static str,
    cells: &'a FigureTexts,
    cols: &[IntervalColumn],
    level: impl Fn(Figure) -> Level,
    f: &Figures<'_>,
) -> Row<'a> {
    Row::new(cols.iter().map(|c| match *c {
        IntervalColumn::Interval => Cell::from(label),
        IntervalColumn::Openness => Cell::from(state),
        IntervalColumn::Metric(c) => Cell::from(super::agents::figure(
            cells.get(c),
            level(c),
            f.theme,
            (f.extra)(c),
        )),
    }))
}

/// Draws the intervals table (or an empty frame when no agent is selected); `left_rule` when
/// it sits right of the agents table.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &mut App, theme: &Theme, left_rule: bool) {
    let mut state = std::mem::take(&mut app.tables_mut().intervals);
    let focused = app.focus() == Focus::Intervals;
    let agent = app.selected_agent();
    let name = agent.map_or("no agent selected", |a| a.name.as_str());
    let hint = if focused { "" } else { "  (Tab)" };
    let inner = pane(Line::default(), focused, left_rule, theme).inner(area);
    let page = inner.height.saturating_sub(2) as usize;
    let extra = super::agents::marker_room(app, theme);
    let figures = app.interval_columns();
    let cols = columns_with(inner.width, &figures, &extra);
    let hidden = figures.len()
        - cols
            .iter()
            .filter(|c| matches!(c, IntervalColumn::Metric(_)))
            .count();
    let note = super::agents::hidden_note(hidden);
    let flight = agent
        .and_then(|a| app.in_flight_text(Some(&a.id)))
        .map(|t| format!(" · {t}"))
        .unwrap_or_default();
    // The title never runs past the pane: a long name is cut with a mark, and the in-flight
    // note goes when it does not fit.
    let fixed = 16 + note.chars().count() + hint.len();
    let room = usize::from(area.width).saturating_sub(fixed);
    let flight = if crate::text::width(&flight) + 8
        <= room.saturating_sub(crate::text::width(name).min(24))
    {
        flight
    } else {
        String::new()
    };
    let name = crate::text::fit(
        name,
        room.saturating_sub(crate::text::width(&flight)).max(8),
    );
    let title = Line::from(format!(" Intervals · {name}{flight}{note}{hint} "));
    let block = pane(title, focused, left_rule, theme);
    let rows = app.intervals();
    let current = app.current_interval();
    let now = app.now();
    let selected = app.selected_interval();
    // Until the supervisor navigates, start the page at the floor's first active interval
    // rather than at midnight.
    let from = match (app.follows_open_interval(), app.view(), selected) {
        (true, Some(v), Some(sel)) if !v.spark_span.is_empty() => {
            v.spark_span.start.min(sel).saturating_sub(1)
        }
        _ => state.offset(),
    };
    let offset = scroll_offset(from, selected, page, rows.len());
    let not_yet = FigureTexts::blank();
    let figures = Figures {
        theme,
        extra: &extra,
    };
    let body = rows.iter().map(|r| {
        let open = current == Some(r.index);
        let level = |c| app.interval_cell_level(r, c);
        if open {
            judged_cells(&r.label, "● open", &r.cells, &cols, level, &figures).style(theme.open)
        } else if r.is_future(now) {
            // Nothing has happened yet: blank, not a row of zeros that reads like an idle agent.
            row_cells(&r.label, "", &not_yet, &cols, &figures).style(theme.future)
        } else {
            judged_cells(&r.label, "", &r.cells, &cols, level, &figures)
        }
    });
    let header = Row::new(cols.iter().map(|c| {
        match *c {
            IntervalColumn::Interval => Line::from("Interval"),
            IntervalColumn::Openness => Line::from(""),
            IntervalColumn::Metric(c) => Line::from(format!(
                "{}{:slot$}",
                c.title(),
                "",
                slot = usize::from(extra(c))
            ))
            .right_aligned(),
        }
    }))
    .style(theme.table_header);
    let footer =
        agent.map(|a| row_cells("Day total", "", &a.cells, &cols, &figures).style(theme.total));
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| Constraint::Length(c.width(&extra)))
        .collect();
    let highlight = if focused {
        theme.selected
    } else {
        theme.selected_unfocused
    };
    let mut table = Table::new(body, widths)
        .header(header)
        .block(block)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    if let Some(f) = footer {
        table = table.footer(f);
    }
    state.select(selected);
    *state.offset_mut() = offset;
    frame.render_stateful_widget(table, area, &mut state);
    let tables = app.tables_mut();
    tables.intervals = state;
    tables.intervals_page = page.max(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_fit_or_degrade() {
        // The intervals table never shows the live figures.
        let defaults: Vec<Figure> = Figure::defaults()
            .into_iter()
            .filter(|f| !f.is_live())
            .collect();
        let seven = &defaults[..7];
        assert_eq!(columns(90, seven).len(), 9);
        let c = columns(70, seven);
        assert!(!c.contains(&IntervalColumn::Metric(Figure::Talk)));
        assert!(c.contains(&IntervalColumn::Openness));
        assert!(columns(50, seven).len() < 7);
    }
}
