//! The queue strip (`w`): one line per queue the live floor follows — customers waiting and
//! the longest wait, agents on queue by state, and the members' posted handled and AHT when
//! known — under a rule that says it is live.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane;
use super::theme::Theme;
use crate::app::StripRow;
use crate::format::clock;

/// Lines the strip takes at most, its rule included (more queues than fit say how many).
pub(crate) const MAX_LINES: u16 = 7;

/// How many lines the strip needs for `rows` (its rule and at least one line).
pub(crate) fn height(rows: &[StripRow]) -> u16 {
    (u16::try_from(rows.len()).unwrap_or(u16::MAX).max(1) + 1).min(MAX_LINES)
}

/// Draws the strip in `area`.
pub(crate) fn render(frame: &mut Frame, area: Rect, rows: &[StripRow], theme: &Theme) {
    let room = usize::from(area.height.saturating_sub(1));
    let more = rows.len().saturating_sub(room);
    let title = match more {
        0 => format!(" Queues now ({}) · w hides ", rows.len()),
        n => format!(" Queues now ({}, {n} not shown) · w hides ", rows.len()),
    };
    let block = pane(Line::from(title), false, false, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let name_w = rows
        .iter()
        .map(|r| crate::text::width(&r.name))
        .max()
        .unwrap_or(0)
        .clamp(6, 24);
    let lines: Vec<Line> = if rows.is_empty() {
        vec![Line::from(Span::styled(
            "no queue yet: the strip follows --queue and the queues the agents work",
            theme.muted,
        ))]
    } else {
        rows.iter()
            .take(room.max(1))
            .map(|r| line(r, name_w, theme))
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}

fn line(r: &StripRow, name_w: usize, theme: &Theme) -> Line<'static> {
    let name = crate::text::fit(&r.name, name_w);
    let pad = name_w.saturating_sub(crate::text::width(&name));
    let waiting_style = if r.waiting > 0 { theme.warn } else { theme.ok };
    let mut spans = vec![
        Span::raw(format!("{name}{} ", " ".repeat(pad))),
        Span::styled(format!("{:>3} waiting", r.waiting), waiting_style),
    ];
    if let Some(w) = r.longest {
        spans.push(Span::styled(
            format!(
                " (longest {})",
                clock(w.as_millis().try_into().unwrap_or(u64::MAX))
            ),
            waiting_style,
        ));
    }
    spans.push(Span::raw(format!(
        " · {} on queue: {} busy, {} idle",
        r.on_queue, r.interacting, r.idle
    )));
    if r.not_responding > 0 {
        spans.push(Span::raw(", "));
        spans.push(Span::styled(
            format!("{} not resp.", r.not_responding),
            theme.state_not_responding,
        ));
    }
    if let Some((handled, aht)) = &r.handled {
        spans.push(Span::styled(
            format!(
                " · today {handled} handled, AHT {}",
                if aht.is_empty() { "—" } else { aht }
            ),
            theme.muted,
        ));
    }
    Line::from(spans)
}
