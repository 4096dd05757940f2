//! Drawing the app on ratatui's `TestBackend` and reading the frame back as text: one copy
//! for every test module that looks at the screen.

use floorwatch::app::App;
use floorwatch::ui::{self, theme::Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// One frame of `app` at `w`×`h` in `theme`.
pub fn draw_with(app: &mut App, w: u16, h: u16, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal
        .draw(|f| ui::render_with(f, app, theme))
        .expect("draw");
    terminal
}

/// One frame in the colour theme.
pub fn draw(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    draw_with(app, w, h, &Theme::color())
}

/// The text of row `y`.
pub fn line(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// The whole frame as text, one line per row.
pub fn text(t: &Terminal<TestBackend>) -> String {
    let height = t.backend().buffer().area.height;
    (0..height)
        .map(|y| line(t, y))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where `needle` starts on screen (column in characters, row).
pub fn find(t: &Terminal<TestBackend>, needle: &str) -> Option<(u16, u16)> {
    let height = t.backend().buffer().area.height;
    (0..height).find_map(|y| {
        let l = line(t, y);
        l.find(needle)
            .map(|byte| (l[..byte].chars().count() as u16, y))
    })
}
