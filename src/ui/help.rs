//! The `?` overlay, generated from the keymap's binding tables so it always tells the truth.
//! Drawn over everything with `Clear` in a centred box; two columns when it would not fit in one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::theme::Theme;
use crate::keymap::{self, Binding};

/// Sections of the overlay: title and bindings.
const SECTIONS: &[(&str, &[Binding])] = &[
    ("Dashboard", keymap::NORMAL),
    ("Filter prompt (/)", keymap::FILTER),
    ("This help", keymap::HELP),
];

/// A note the tables cannot express.
const ESC_NOTE: &str = "Esc clears the filter, then leaves the intervals, then quits.";

/// One column's lines: section headings and `keys  what` rows, keys padded to `key_w`.
fn section_lines(
    sections: &[(&str, &[Binding])],
    key_w: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for (i, (title, bindings)) in sections.iter().enumerate() {
        if i > 0 {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(
            title.to_string(),
            theme.title_focused,
        )));
        for b in *bindings {
            let keys = keymap::keys_label(b);
            lines.push(Line::from(vec![
                Span::styled(format!("{keys:<key_w$}"), theme.key),
                Span::raw("  "),
                Span::raw(b.help),
            ]));
        }
    }
    lines
}

fn lines_len(sections: &[(&str, &[Binding])]) -> usize {
    sections.iter().map(|(_, b)| b.len() + 2).sum::<usize>() - 1
}

/// Draws the overlay centred in `area`.
pub fn render(frame: &mut Frame, area: Rect, theme: &Theme) {
    let key_w = SECTIONS
        .iter()
        .flat_map(|(_, b)| b.iter())
        .map(|b| keymap::keys_label(b).chars().count())
        .max()
        .unwrap_or(0);
    let help_w = SECTIONS
        .iter()
        .flat_map(|(_, b)| b.iter())
        .map(|b| b.help.chars().count())
        .max()
        .unwrap_or(0);
    let col_w = (key_w + 2 + help_w) as u16;
    let one_col_h = lines_len(SECTIONS) as u16 + 2;
    // Inner height of a single column plus the note; two columns when that is too tall.
    let two = one_col_h + 2 > area.height.saturating_sub(2) && area.width >= 2 * col_w + 7;
    let (cols, inner_h) = if two {
        let left = lines_len(&SECTIONS[..1]);
        let right = lines_len(&SECTIONS[1..]);
        (2, left.max(right) as u16 + 2)
    } else {
        (1, one_col_h)
    };
    let content_w = (col_w * cols + 3 * (cols - 1)).max(ESC_NOTE.chars().count() as u16);
    let w = (content_w + 4).min(area.width);
    let h = (inner_h + 2).min(area.height);
    let rect = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.border_focused)
        .title(Line::from(" Keys ").style(theme.title_focused))
        .title_bottom(Line::from(" ? or Esc to close ").style(theme.muted));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let note_y = inner.bottom().saturating_sub(1);
    let body = Rect {
        height: inner.height.saturating_sub(2),
        ..inner
    };
    if two {
        let half = Rect {
            width: col_w,
            ..body
        };
        let right = Rect {
            x: body.x + col_w + 3,
            width: body.width.saturating_sub(col_w + 3),
            ..body
        };
        frame.render_widget(
            Paragraph::new(section_lines(&SECTIONS[..1], key_w, theme)),
            half,
        );
        frame.render_widget(
            Paragraph::new(section_lines(&SECTIONS[1..], key_w, theme)),
            right,
        );
    } else {
        frame.render_widget(Paragraph::new(section_lines(SECTIONS, key_w, theme)), body);
    }
    if inner.height >= 3 {
        let note = Rect {
            y: note_y,
            height: 1,
            ..inner
        };
        frame.render_widget(Paragraph::new(ESC_NOTE).style(theme.muted), note);
    }
}
