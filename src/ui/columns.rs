//! The column chooser (`c`): every figure column with a tick, the cursor, and a word on the
//! status columns when the org's status cannot be read.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::{App, chooser_rows};

/// Draws the chooser centred in `area`.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(cursor) = app.column_chooser() else {
        return;
    };
    let status = app.snapshot().is_some_and(|s| s.status.is_available());
    let mut lines = Vec::new();
    for (i, c) in chooser_rows().iter().enumerate() {
        let tick = if app.is_chosen(*c) { "[x]" } else { "[ ]" };
        let mut text = format!("{tick} {:<9} {}", c.title(), c.spec().description);
        if c.needs_status() && !status {
            text.push_str(" (no status)");
        }
        let style = if i == cursor {
            theme.selected
        } else if c.needs_status() && !status {
            theme.muted
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    let (rect, block) = super::popup(
        frame,
        area,
        (48, lines.len() as u16 + 2),
        " Columns ",
        " Space show/hide · d defaults · c close ",
        theme,
    );
    // Keep the cursor in view on short terminals.
    let inner_h = rect.height.saturating_sub(2) as usize;
    let skip = (cursor + 1).saturating_sub(inner_h);
    frame.render_widget(
        Paragraph::new(lines.into_iter().skip(skip).collect::<Vec<_>>()).block(block),
        rect,
    );
}
