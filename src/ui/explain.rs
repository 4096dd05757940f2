//! The "why this number" pop-over (`i` on a table): who and when, the span in local time and
//! UTC, how fresh the figures are and whether they may still grow, then one line per visible
//! figure with its formula and the raw sums behind it (the sorted-by figure first).
//! Drawn like the conversations timeline: `Clear` and a bordered block, centred over the body.
//! Long lines wrap between the formula's pieces, so nothing is cut at 80 columns.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::{App, ExplainView};
use crate::text::{fit, wrap};

/// The pop-over's bottom title: its keys (the help overlay has no room for them at 80×24).
pub(crate) const KEYS_TITLE: &str = " i/Esc close · j/k row · Tab day⇄interval ";

/// After the sorted-by figure, where there is room.
const SORTED_NOTE: &str = "◀ sorted by";

/// Widest the pop-over gets; longer lines wrap.
const MAX_WIDTH: u16 = 110;

fn prose(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap(text, width)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect()
}

/// One figure: `▶ AHT     = Σ tHandle ÷ count(tHandle) = 4 100 000 ms ÷ 13 = 5:15`, wrapped
/// between pieces with the continuation indented under the formula.
fn figure_lines(
    parts: &[String],
    sorted: bool,
    title_w: usize,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let marker = if sorted { "▶ " } else { "  " };
    let indent = marker.chars().count() + title_w + 1;
    let body_style = if sorted {
        theme.title_focused
    } else {
        Style::new()
    };
    let Some((title, rest)) = parts.split_first() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    let mut spans = vec![
        Span::styled(marker, theme.key),
        Span::styled(format!("{title:<title_w$}"), theme.key),
    ];
    let mut used = indent - 1;
    for part in rest {
        let style = if part.starts_with('→') {
            theme.muted
        } else {
            body_style
        };
        let w = part.chars().count();
        if used + 1 + w > width && used > indent {
            lines.push(Line::from(std::mem::take(&mut spans)));
            spans.push(Span::raw(" ".repeat(indent - 1)));
            used = indent - 1;
        }
        let room = width.saturating_sub(used + 1);
        spans.push(Span::styled(format!(" {}", fit(part, room)), style));
        used += 1 + w.min(room);
    }
    lines.push(Line::from(spans));
    lines
}

/// The pop-over's text for a content `width`.
pub(crate) fn lines(v: &ExplainView, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut out = prose(&v.title(), width, theme.title_focused);
    out.extend(prose(&v.span, width, Style::new()));
    out.extend(prose(&v.state_line(), width, theme.muted));
    if let Some(note) = v.open_note() {
        out.extend(prose(note, width, theme.warn));
    }
    out.extend(prose(&v.status_note, width, theme.muted));
    out.push(Line::from(""));
    let title_w = v
        .figures
        .iter()
        .map(|e| e.figure.title().chars().count())
        .max()
        .unwrap_or(0);
    for e in &v.figures {
        let sorted = v.sorted_by == Some(e.figure);
        let mut parts = e.parts();
        // Say it in words too when it costs no extra row (the ▶ marks it either way).
        let one_line: usize = parts.iter().map(|p| p.chars().count() + 1).sum::<usize>() + 2;
        if sorted && one_line + title_w + SORTED_NOTE.chars().count() < width {
            parts.push(SORTED_NOTE.to_string());
        }
        out.extend(figure_lines(&parts, sorted, title_w, width, theme));
    }
    out
}

/// Draws the pop-over centred over `area` (the dashboard's body).
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let w = area
        .width
        .saturating_sub(4)
        .min(MAX_WIDTH)
        .max(area.width.min(20));
    let content_w = w.saturating_sub(4) as usize;
    let text = match app.explain_view() {
        Some(v) => lines(&v, content_w, theme),
        None => prose("nothing selected", content_w, theme.muted),
    };
    let h = text.len() as u16 + 2;
    let (rect, block) = super::popup(frame, area, (w, h), " Why this number ", KEYS_TITLE, theme);
    let inner = block.inner(rect);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    frame.render_widget(block, rect);
    frame.render_widget(Paragraph::new(text), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn long_figures_wrap_between_pieces() {
        let parts: Vec<String> = ["Occ", "= A ÷ (A + B + C)", "= 1 ÷ (1 + 2 + 3) ms", "= 17%"]
            .map(String::from)
            .to_vec();
        let theme = Theme::plain();
        assert_eq!(
            text(&figure_lines(&parts, false, 5, 80, &theme)),
            ["  Occ   = A ÷ (A + B + C) = 1 ÷ (1 + 2 + 3) ms = 17%"]
        );
        assert_eq!(
            text(&figure_lines(&parts, true, 5, 30, &theme)),
            [
                "▶ Occ   = A ÷ (A + B + C)",
                "        = 1 ÷ (1 + 2 + 3) ms",
                "        = 17%",
            ]
        );
        // A piece wider than the line is cut, never spills.
        let cut = text(&figure_lines(&parts, false, 5, 16, &theme));
        assert!(cut.iter().all(|l| l.chars().count() <= 16), "{cut:?}");
    }
}
