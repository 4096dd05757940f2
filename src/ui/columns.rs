//! The column chooser (`c`): every figure column with a tick, the cursor, and a word on the
//! columns not shown now (status that cannot be read, no live floor).

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
    let mut lines = Vec::new();
    for (i, c) in chooser_rows().iter().enumerate() {
        let tick = if app.is_chosen(*c) { "[x]" } else { "[ ]" };
        let mut text = format!("{tick} {:<9} {}", c.title(), c.spec().description);
        let unavailable = app.column_unavailable(*c);
        if let Some(why) = unavailable {
            text.push_str(&format!(" ({why})"));
        }
        let style = if i == cursor {
            theme.selected
        } else if unavailable.is_some() {
            theme.muted
        } else {
            ratatui::style::Style::default()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    let (rect, block) = super::popup(
        frame,
        area,
        (58, lines.len() as u16 + 2),
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
