//! The conversations pane (Enter on an interval): the conversations whose handle time posted in
//! that interval for that agent, a total row, and one line per way the list and the interval's
//! figures differ. Over it, `i` draws the selected conversation's segments as a timeline.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table};

use super::theme::Theme;
use super::{pane, scroll_offset};
use crate::app::{App, DrillPane};
use crate::drilldown::{
    CALL_COLUMNS, CallColumn, DrillPage, DrillRow, DrillTotal, SegmentKind, TimelineSegment,
};
use crate::format::clock;
use crate::text::fit;

/// What the pane says when the interval has no completed conversation.
pub(crate) const EMPTY: &str = "no conversations completed in this interval";

/// Braille spinner frames.
const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/// Width of a column here: times are wider when they show seconds.
fn col_width(c: CallColumn, seconds: bool) -> u16 {
    match c {
        CallColumn::Start | CallColumn::End if seconds => 8,
        other => other.spec().width,
    }
}

/// The columns that fit in `width` (the list's columns in [`CALL_COLUMNS`] order, dropped by
/// their rank), and whether times show seconds (only where there is room to spare).
pub(crate) fn columns(width: u16) -> (Vec<CallColumn>, bool) {
    let mut cols: Vec<CallColumn> = CallColumn::on_screen().collect();
    let used = |cols: &[CallColumn], secs: bool| {
        2 + cols.iter().map(|c| col_width(*c, secs) + 1).sum::<u16>() - 1
    };
    let mut drops: Vec<(u8, CallColumn)> = CALL_COLUMNS
        .iter()
        .filter_map(|c| c.drop.map(|d| (d, c.column)))
        .collect();
    drops.sort_unstable_by_key(|d| d.0);
    for (_, drop) in drops {
        if used(&cols, false) > width {
            cols.retain(|c| *c != drop);
        }
    }
    let seconds = used(&cols, true) + 16 <= width;
    (cols, seconds)
}

fn time(t: Option<DateTime<Tz>>, seconds: bool) -> String {
    match t {
        Some(t) if seconds => t.format("%H:%M:%S").to_string(),
        Some(t) => t.format("%H:%M").to_string(),
        None => String::new(),
    }
}

fn direction(d: Option<&str>) -> &str {
    match d {
        Some(d) if d.eq_ignore_ascii_case("inbound") => "in",
        Some(d) if d.eq_ignore_ascii_case("outbound") => "out",
        Some(d) => d,
        None => "",
    }
}

/// How wide the flexible text columns are, so a long queue or wrap-up name is cut with `…`.
#[derive(Clone, Copy)]
struct Fits {
    queue: usize,
    wrap_up: usize,
}

fn row<'a>(
    r: &'a DrillRow,
    page: &'a DrillPage,
    cols: &[CallColumn],
    secs: bool,
    fits: Fits,
) -> Row<'a> {
    Row::new(cols.iter().map(|c| -> Cell<'a> {
        match c {
            CallColumn::Start => Cell::from(time(r.start, secs)),
            CallColumn::End => Cell::from(time(r.end, secs)),
            CallColumn::Media => Cell::from(r.media_type.as_deref().unwrap_or("")),
            CallColumn::Queue => Cell::from(fit(page.queue_label(r), fits.queue)),
            CallColumn::Direction => Cell::from(direction(r.direction.as_deref())),
            CallColumn::Talk => Cell::from(num_owned(clock(r.talk_ms))),
            CallColumn::Hold => Cell::from(num_owned(blank_zero(r.hold_ms))),
            CallColumn::Holds => Cell::from(num_owned(if r.holds == 0 {
                String::new()
            } else {
                r.holds.to_string()
            })),
            CallColumn::Acw => Cell::from(num_owned(clock(r.acw_ms))),
            CallColumn::Handle => Cell::from(num_owned(clock(r.handle_ms))),
            CallColumn::WrapUp => Cell::from(fit(page.wrap_up_label(r), fits.wrap_up)),
            CallColumn::ConversationId => Cell::from(r.conversation_id.as_str()),
        }
    }))
}

fn blank_zero(ms: u64) -> String {
    if ms == 0 { String::new() } else { clock(ms) }
}

fn num_owned(s: String) -> Line<'static> {
    Line::from(s).right_aligned()
}

fn total_row(t: &DrillTotal, cols: &[CallColumn]) -> Row<'static> {
    Row::new(cols.iter().enumerate().map(|(i, c)| -> Cell<'static> {
        match c {
            _ if i == 0 => Cell::from("Total"),
            CallColumn::Queue => Cell::from(format!("{} calls", t.conversations)),
            CallColumn::Talk => Cell::from(num_owned(clock(t.talk_ms))),
            CallColumn::Hold => Cell::from(num_owned(blank_zero(t.hold_ms))),
            CallColumn::Holds if t.holds > 0 => Cell::from(num_owned(t.holds.to_string())),
            CallColumn::Acw => Cell::from(num_owned(clock(t.acw_ms))),
            CallColumn::Handle => Cell::from(num_owned(clock(t.handle_ms))),
            _ => Cell::from(""),
        }
    }))
}

/// The pane's title: who, when, and whether the interval is still open.
fn title(app: &App, p: &DrillPane) -> Line<'static> {
    let mut s = format!(" Conversations · {} · {}", p.agent, p.label);
    if let Some(page) = &p.page {
        s.push_str(&format!(" · {} listed", page.drill.rows.len()));
    }
    s.push(' ');
    let mut spans = vec![Span::raw(s)];
    if app.drill_still_changing() {
        spans.push(Span::raw("· still changing "));
    }
    Line::from(spans)
}

/// Lines under the list: loading, error, incomplete, reconciliation notes, "as of".
fn notes(app: &App, p: &DrillPane, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(phase) = app.spinner_phase() {
        let c = SPINNER[phase % SPINNER.len()];
        let what = if p.page.is_some() {
            "fetching the list again…"
        } else {
            "fetching conversations…"
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{c} {what}"), theme.title_focused),
            Span::styled("  Esc cancels", theme.muted),
        ]));
    }
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(e.clone(), theme.error)));
    }
    if let Some(page) = &p.page {
        if let Some(why) = &page.drill.incomplete {
            lines.push(Line::from(Span::styled(
                format!("INCOMPLETE: {why}"),
                theme.warn,
            )));
        }
        if let Some(rec) = app.drill_reconciliation() {
            if rec.notes.is_empty() {
                lines.push(Line::from(Span::styled(
                    format!(
                        "matches the interval: {} handled, handle {}, ACW {}",
                        rec.handled.interval,
                        clock(rec.handle.interval),
                        clock(rec.acw.interval)
                    ),
                    theme.ok,
                )));
            }
            for n in rec.notes {
                lines.push(Line::from(Span::styled(n, theme.warn)));
            }
        }
        let as_of = page.fetched_at.with_timezone(&app.tz());
        let mut tail = format!("list as of {}", as_of.format("%H:%M:%S"));
        if app.drill_still_changing() {
            tail.push_str(" · interval still open: calls wrapping up before it ends will be added");
        }
        lines.push(Line::from(Span::styled(tail, theme.muted)));
    }
    lines
}

/// Each line wrapped to `width`, keeping the style of its (first) span.
fn wrapped(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .flat_map(|line| {
            let style = line.spans.first().map(|s| s.style).unwrap_or_default();
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            if crate::text::width(&text) <= width {
                vec![line]
            } else {
                crate::text::wrap(&text, width)
                    .into_iter()
                    .map(|l| Line::from(Span::styled(l, style)))
                    .collect()
            }
        })
        .collect()
}

/// Draws the pane over `area` (the dashboard's body).
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &mut App, theme: &Theme) {
    let Some(p) = app.drill_pane() else {
        return;
    };
    let block = pane(title(app, p), true, false, theme);
    let inner = block.inner(area);
    // A note longer than the pane wraps (reconciliation notes are whole sentences).
    let note_lines = wrapped(notes(app, p, theme), usize::from(inner.width));
    // Notes take what they need, up to a third of the pane.
    let notes_h = (note_lines.len() as u16).min(inner.height / 3);
    let list = Rect {
        height: inner.height.saturating_sub(notes_h),
        ..inner
    };
    let notes_area = Rect {
        y: list.bottom(),
        height: notes_h,
        ..inner
    };
    frame.render_widget(block, area);
    frame.render_widget(Paragraph::new(note_lines), notes_area);
    let (cols, secs) = columns(list.width);
    let Some(page) = p.page.as_ref() else {
        return;
    };
    if page.drill.rows.is_empty() {
        let msg = Paragraph::new(Line::from(Span::styled(EMPTY, theme.muted))).centered();
        let at = Rect {
            y: list.y + list.height / 3,
            height: 1.min(list.height),
            ..list
        };
        frame.render_widget(msg, at);
        return;
    }
    let rows_h = list.height.saturating_sub(2) as usize;
    let selected = p.selected();
    let mut state = p.table;
    let offset = scroll_offset(state.offset(), selected, rows_h, page.drill.rows.len());
    let header = Row::new(cols.iter().map(|c| {
        let mut t = c.title().to_string();
        if *c == p.sort.0 {
            t.push(if p.sort.1 { '▼' } else { '▲' });
        }
        if c.spec().numeric {
            num_owned(t)
        } else {
            Line::from(t)
        }
    }))
    .style(theme.table_header);
    let fixed: u16 = cols
        .iter()
        .filter(|c| !matches!(c, CallColumn::Queue | CallColumn::WrapUp))
        .map(|c| col_width(*c, secs) + 1)
        .sum();
    let flex = list.width.saturating_sub(fixed + 2);
    let queue_w = (flex * 45 / 100).clamp(col_width(CallColumn::Queue, secs), 24);
    // The wrap-up code takes what is left (one space between columns).
    let wrap_w = flex
        .saturating_sub(queue_w + 1)
        .max(col_width(CallColumn::WrapUp, secs));
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|c| match c {
            CallColumn::Queue => Constraint::Length(queue_w),
            CallColumn::WrapUp => Constraint::Min(col_width(*c, secs)),
            other => Constraint::Length(col_width(*other, secs)),
        })
        .collect();
    let fits = Fits {
        queue: usize::from(queue_w),
        wrap_up: usize::from(wrap_w),
    };
    let body = page
        .drill
        .rows
        .iter()
        .map(|r| row(r, page, &cols, secs, fits));
    let table = Table::new(body, widths)
        .header(header)
        .footer(total_row(&page.drill.total(), &cols).style(theme.total))
        .column_spacing(1)
        .row_highlight_style(theme.selected)
        .highlight_symbol("▶ ")
        .highlight_spacing(HighlightSpacing::Always);
    state.select(selected);
    *state.offset_mut() = offset;
    frame.render_stateful_widget(table, list, &mut state);
    let timeline = app.is_timeline_open();
    if let Some(p) = app.drill_pane_mut() {
        p.table = state;
        p.page_rows = rows_h.max(1);
    }
    if timeline {
        render_timeline(frame, area, app, theme);
    }
}

/// The selected conversation's segments, one per line, with a bar to scale.
fn render_timeline(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(p) = app.drill_pane() else {
        return;
    };
    let Some((page, r)) = p
        .page
        .as_ref()
        .and_then(|page| Some((page, page.drill.rows.get(p.selected()?)?)))
    else {
        return;
    };
    let w = area.width.saturating_sub(4).min(76);
    let bar_w = w.saturating_sub(4 + 10 + 17 + 8 + 2) as usize;
    let segs = &r.timeline;
    let t0 = segs.iter().filter_map(|s| s.start).min();
    let t1 = segs.iter().filter_map(|s| s.end.or(s.start)).max().or(t0);
    let span_ms = match (t0, t1) {
        (Some(a), Some(b)) => (b - a).num_milliseconds().max(1) as f64,
        _ => 1.0,
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(
                "{} · {} · handle {}",
                direction_word(r.direction.as_deref()),
                r.media_type.as_deref().unwrap_or("?"),
                clock(r.handle_ms)
            ),
            theme.title_focused,
        ),
        Span::styled(
            format!("  {}", page.wrap_up_label(r))
                .trim_end()
                .to_string(),
            theme.muted,
        ),
    ])];
    for s in segs {
        lines.push(segment_line(s, t0, span_ms, bar_w, theme));
    }
    if segs.is_empty() {
        lines.push(Line::from(Span::styled(
            "no segments for this agent",
            theme.muted,
        )));
    }
    lines.push(Line::from(Span::styled(
        format!("conversation {}", r.conversation_id),
        theme.muted,
    )));
    let h = lines.len() as u16 + 2;
    let (rect, block) = super::popup(
        frame,
        area,
        (w, h),
        " Timeline ",
        " i or Esc to close · j/k next/previous ",
        theme,
    );
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn direction_word(d: Option<&str>) -> &str {
    d.unwrap_or("unknown direction")
}

fn segment_line(
    s: &TimelineSegment,
    t0: Option<DateTime<Tz>>,
    span_ms: f64,
    bar_w: usize,
    theme: &Theme,
) -> Line<'static> {
    let from = s
        .start
        .map_or_else(|| "--:--:--".into(), |t| t.format("%H:%M:%S").to_string());
    let to = s
        .end
        .map_or_else(|| "open".into(), |t| t.format("%H:%M:%S").to_string());
    let dur = s.duration_ms().map(clock).unwrap_or_default();
    let offset = |t: Option<DateTime<Tz>>| -> usize {
        match (t, t0) {
            (Some(t), Some(z)) => {
                let ms = (t.with_timezone(&Utc) - z.with_timezone(&Utc)).num_milliseconds();
                ((ms.max(0) as f64 / span_ms) * bar_w as f64).round() as usize
            }
            _ => 0,
        }
    };
    let a = offset(s.start).min(bar_w);
    let b = offset(s.end.or(s.start)).clamp(a, bar_w);
    let bar = format!(
        "{}{}{}",
        " ".repeat(a),
        "█".repeat((b - a).max(1)),
        " ".repeat(bar_w.saturating_sub(b.max(a + 1)))
    );
    Line::from(vec![
        Span::styled(format!("{:<10}", kind_label(s)), segment_style(s, theme)),
        Span::raw(format!("{from}–{to:<8} {dur:>7} ")),
        Span::styled(bar, segment_style(s, theme)),
    ])
}

/// Supervisor words for Genesys' segment types.
fn kind_label(s: &TimelineSegment) -> &str {
    match s.kind {
        SegmentKind::Alert => "alert",
        SegmentKind::Interact => "talk",
        SegmentKind::Hold => "hold",
        SegmentKind::Wrapup => "wrap-up",
        SegmentKind::Other => &s.segment_type,
    }
}

fn segment_style(s: &TimelineSegment, theme: &Theme) -> Style {
    match s.kind {
        SegmentKind::Hold => theme.spark_hold,
        SegmentKind::Wrapup => theme.spark_acw,
        SegmentKind::Interact => theme.spark_handle,
        _ => theme.muted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_degrade_by_priority() {
        let (wide, secs) = columns(200);
        assert_eq!(wide.len(), 11);
        assert!(secs);
        let (narrow, secs) = columns(78);
        assert!(!secs);
        assert!(narrow.contains(&CallColumn::Handle) && narrow.contains(&CallColumn::WrapUp));
        assert!(!narrow.contains(&CallColumn::End));
    }
}
