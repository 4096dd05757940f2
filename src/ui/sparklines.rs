//! Handle, ACW and hold of the selected agent across the day, one ratatui `Sparkline` each,
//! with the selected interval's bar highlighted and a caret + time label under it.

use std::ops::Range;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline, SparklineBar};

use super::pane;
use super::theme::Theme;
use crate::app::App;
use crate::format::clock;
use crate::model::IntervalMetrics;

/// Label column left of the bars.
const LABEL_W: u16 = 8;

/// The buckets to draw in `width` columns: all of them if they fit; else the floor's active
/// `span` widened to include `sel`, centred in the room; else a window of `width` that holds
/// `sel` and ends as late as possible.
pub(crate) fn visible_range(
    span: Range<usize>,
    sel: usize,
    width: usize,
    len: usize,
) -> Range<usize> {
    if width == 0 || len == 0 {
        return 0..0;
    }
    if len <= width {
        return 0..len;
    }
    let sel = sel.min(len - 1);
    let (mut lo, mut hi) = if span.is_empty() {
        (sel, sel + 1)
    } else {
        (span.start.min(sel), span.end.max(sel + 1).min(len))
    };
    if hi - lo <= width {
        lo = lo.saturating_sub((width - (hi - lo)) / 2);
        hi = (lo + width).min(len);
        lo = hi - width;
        return lo..hi;
    }
    let start = (hi - width).min(sel);
    lo = start;
    lo..lo + width
}

/// Wider bars (three or two columns per interval) when the whole active part of the day and
/// the selection still fit; otherwise one column per interval.
pub(crate) fn bar_layout(
    span: Range<usize>,
    sel: usize,
    width: usize,
    len: usize,
) -> (Range<usize>, usize) {
    let lo = if span.is_empty() {
        sel
    } else {
        span.start.min(sel)
    };
    let hi = if span.is_empty() {
        sel + 1
    } else {
        span.end.max(sel + 1)
    };
    for stretch in [3, 2] {
        let r = visible_range(span.clone(), sel, width / stretch, len);
        if r.start <= lo && r.end >= hi.min(len) && !r.is_empty() {
            return (r, stretch);
        }
    }
    (visible_range(span, sel, width, len), 1)
}

type Pick = fn(&IntervalMetrics) -> u32;

/// Draws the panel; `left_rule` when it sits right of another pane.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, left_rule: bool) {
    let (Some(view), Some(row)) = (app.view(), app.selected_row()) else {
        return;
    };
    let (Some(day), Some(agent)) = (view.agent_day(row), view.row(row)) else {
        return;
    };
    let title = Line::from(format!(" {} · by interval ", agent.name));
    let block = pane(title, false, left_rule, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 4 || inner.width <= LABEL_W + 4 {
        return;
    }
    let bars_w = inner.width - LABEL_W;
    let per = (inner.height - 1) / 3;
    let sel = app.selected_interval().unwrap_or(0);
    let (range, stretch) = bar_layout(
        view.spark_span.clone(),
        sel,
        bars_w as usize,
        day.intervals.len(),
    );
    let series: [(&str, Pick, Style); 3] = [
        ("Handle", |c| c.handle_ms, theme.spark_handle),
        ("ACW", |c| c.acw_ms, theme.spark_acw),
        ("Hold", |c| c.hold_ms, theme.spark_hold),
    ];
    for (row, (name, pick, style)) in series.into_iter().enumerate() {
        let y = inner.y + row as u16 * per;
        let max = day.intervals.iter().map(|c| u64::from(pick(c))).max();
        let bars = day.intervals[range.clone()]
            .iter()
            .enumerate()
            .flat_map(|(j, c)| {
                let bar = SparklineBar::from(u64::from(pick(c)));
                let bar = if range.start + j == sel {
                    bar.style(theme.spark_selected)
                } else {
                    bar
                };
                std::iter::repeat_n(bar, stretch)
            });
        let spark = Sparkline::default()
            .data(bars)
            .max(max.unwrap_or(0).max(1))
            .style(style);
        let bars_area = Rect::new(inner.x + LABEL_W, y, bars_w, per);
        frame.render_widget(spark, bars_area);
        let value = day
            .intervals
            .get(sel)
            .map(|c| clock(u64::from(pick(c))))
            .unwrap_or_default();
        let mut label = vec![Line::from(Span::styled(name, theme.table_header))];
        if per >= 2 {
            let gap = if value.len() < 7 { " " } else { "" };
            label.push(Line::from(vec![
                Span::styled("▲", theme.spark_selected),
                Span::styled(format!("{gap}{value}"), theme.muted),
            ]));
        }
        frame.render_widget(Paragraph::new(label), Rect::new(inner.x, y, LABEL_W, per));
    }
    let caret_y = inner.y + 3 * per;
    if caret_y < inner.bottom() && range.contains(&sel) {
        let at = ((sel - range.start) * stretch + stretch / 2) as u16;
        let text = app
            .intervals()
            .get(sel)
            .map(|r| r.label.clone())
            .unwrap_or_default();
        let room_right = bars_w - at;
        let tw = text.chars().count() as u16 + 1;
        let line = if room_right > tw {
            Line::from(vec![
                Span::raw(" ".repeat(at as usize)),
                Span::styled("▲", theme.spark_selected),
                Span::styled(format!(" {text}"), theme.muted),
            ])
        } else {
            let pad = (at + 1).saturating_sub(tw + 1);
            Line::from(vec![
                Span::raw(" ".repeat(pad as usize)),
                Span::styled(format!("{text} "), theme.muted),
                Span::styled("▲", theme.spark_selected),
            ])
        };
        frame.render_widget(
            Paragraph::new(line),
            Rect::new(inner.x + LABEL_W, caret_y, bars_w, 1),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_contains_selection_and_fits() {
        assert_eq!(visible_range(16..21, 20, 60, 48), 0..48);
        assert_eq!(visible_range(16..21, 20, 10, 48), 14..24);
        let r = visible_range(10..40, 12, 20, 48);
        assert!(r.contains(&12) && r.len() == 20, "{r:?}");
        let r = visible_range(10..40, 39, 20, 48);
        assert_eq!(r, 20..40);
        assert_eq!(visible_range(0..0, 47, 10, 48), 38..48);
        assert_eq!(visible_range(0..0, 0, 0, 48), 0..0);
    }

    #[test]
    fn bars_widen_when_the_active_day_fits() {
        assert_eq!(bar_layout(16..21, 20, 72, 48), (7..31, 3));
        assert_eq!(bar_layout(4..38, 20, 72, 48), (3..39, 2));
        assert_eq!(bar_layout(2..40, 20, 72, 48), (0..48, 1));
        assert_eq!(bar_layout(0..48, 20, 72, 48), (0..48, 1));
        assert_eq!(bar_layout(0..0, 0, 0, 48), (0..0, 1));
    }
}
