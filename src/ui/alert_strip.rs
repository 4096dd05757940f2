//! The alert strip: the alerts firing now, newest first, under a rule with the count and the
//! keys; the one `a` and `z` act on is marked `▶`. Severity is a word as well as a colour, so
//! the strip reads on a monochrome terminal.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::pane;
use super::theme::Theme;
use crate::alerts::{Alert, AlertCounts, Severity};
use crate::app::App;

/// Lines the strip takes (its rule included) for `alerts` in a body `body_h` lines tall:
/// up to three alerts, one on a short terminal, none without alerts.
pub(crate) fn height(alerts: usize, body_h: u16) -> u16 {
    if alerts == 0 {
        return 0;
    }
    let most = if body_h < 28 { 1 } else { 3 };
    u16::try_from(alerts.min(most)).unwrap_or(1) + 1
}

/// How a severity is drawn.
pub(crate) fn style(s: Severity, theme: &Theme) -> Style {
    match s {
        Severity::Info => theme.muted,
        Severity::Warning => theme.warn,
        Severity::Critical => theme.alarm,
    }
}

/// Draws the strip in `area`.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let alerts = app.alerts();
    let counts = app.alert_counts().unwrap_or_default();
    let block = pane(title(&counts, alerts.len()), false, false, theme);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let selected = app.selected_alert().map(|a| a.id);
    let tz = app.tz();
    let lines: Vec<Line> = alerts
        .iter()
        .take(usize::from(inner.height))
        .map(|a| line(a, Some(a.id) == selected, tz, theme))
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn title(c: &AlertCounts, shown: usize) -> Line<'static> {
    let snoozed = match c.snoozed_rules {
        0 => String::new(),
        n => format!(" · {n} rule{} snoozed", if n == 1 { "" } else { "s" }),
    };
    Line::from(format!(
        " Alerts ({shown}, {} new){snoozed} · a acknowledge · z snooze ",
        c.unacknowledged
    ))
}

fn line(a: &Alert, selected: bool, tz: chrono_tz::Tz, theme: &Theme) -> Line<'static> {
    let mark = if selected { "▶ " } else { "  " };
    let since = a.since.with_timezone(&tz).format("%H:%M");
    let mut spans = vec![
        Span::raw(mark),
        Span::styled(
            format!("{:<8} ", a.severity.word()),
            style(a.severity, theme),
        ),
        Span::raw(format!("{}: {}", a.rule_label, a.agent_name)),
    ];
    if !a.value.is_empty() {
        spans.push(Span::raw(format!(" · {}", a.value)));
    }
    spans.push(Span::styled(format!(" · since {since}"), theme.muted));
    if let Some(at) = a.acknowledged {
        spans.push(Span::styled(
            format!(" · acknowledged {}", at.with_timezone(&tz).format("%H:%M")),
            theme.muted,
        ));
    }
    Line::from(spans)
}
