//! Block characters for the wallboard's big numbers, readable across a room: two bitmap fonts
//! (3×5 and 5×7 pixels) drawn with half blocks (`▀▄█`, two pixels a cell, so a pixel is about
//! square), the 5×7 one also scaled ×2 and ×4 (even scales only: every pixel is then whole
//! cells, with no half-block steps on its edges), and plain text when even the small font does
//! not fit. Each font is one table of glyphs; every size draws from it.
//!
//! The glyphs cover what a figure's screen text holds (`0-9 : . , % - —` and space), the `!`
//! over-target marker, and the letters of `STALE` for the banner.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::widgets::Widget;

use crate::text;

/// A bitmap font: each glyph is `height` rows of `#` (lit) and `.` (dark), all one width.
struct Font {
    height: u16,
    glyphs: &'static [(char, &'static [&'static str])],
}

impl Font {
    fn glyph(&self, c: char) -> Option<&'static [&'static str]> {
        self.glyphs
            .iter()
            .find(|(g, _)| *g == c)
            .map(|(_, rows)| *rows)
    }
}

/// 3×5 pixels (3×3 cells): the smallest block size, for 80×24.
const FONT_3X5: Font = Font {
    height: 5,
    glyphs: &[
        ('0', &["###", "#.#", "#.#", "#.#", "###"]),
        ('1', &[".#.", "##.", ".#.", ".#.", "###"]),
        ('2', &["###", "..#", "###", "#..", "###"]),
        ('3', &["###", "..#", ".##", "..#", "###"]),
        ('4', &["#.#", "#.#", "###", "..#", "..#"]),
        ('5', &["###", "#..", "###", "..#", "###"]),
        ('6', &["###", "#..", "###", "#.#", "###"]),
        ('7', &["###", "..#", "..#", ".#.", ".#."]),
        ('8', &["###", "#.#", "###", "#.#", "###"]),
        ('9', &["###", "#.#", "###", "..#", "###"]),
        (':', &[".", "#", ".", "#", "."]),
        ('.', &[".", ".", ".", ".", "#"]),
        (',', &["..", "..", "..", ".#", "#."]),
        ('%', &["#.#", "..#", ".#.", "#..", "#.#"]),
        ('-', &["...", "...", "###", "...", "..."]),
        ('—', &["....", "....", "####", "....", "...."]),
        (' ', &["..", "..", "..", "..", ".."]),
        ('!', &["#", "#", "#", ".", "#"]),
        ('S', &[".##", "#..", ".#.", "..#", "##."]),
        ('T', &["###", ".#.", ".#.", ".#.", ".#."]),
        ('A', &[".#.", "#.#", "###", "#.#", "#.#"]),
        ('L', &["#..", "#..", "#..", "#..", "###"]),
        ('E', &["###", "#..", "##.", "#..", "###"]),
    ],
};

/// 5×7 pixels (5×4 cells at ×1): the classic dot-matrix digits.
const FONT_5X7: Font = Font {
    height: 7,
    glyphs: &[
        (
            '0',
            &[
                ".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###.",
            ],
        ),
        (
            '1',
            &[
                "..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.",
            ],
        ),
        (
            '2',
            &[
                ".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####",
            ],
        ),
        (
            '3',
            &[
                ".###.", "#...#", "....#", "..##.", "....#", "#...#", ".###.",
            ],
        ),
        (
            '4',
            &[
                "...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.",
            ],
        ),
        (
            '5',
            &[
                "#####", "#....", "####.", "....#", "....#", "#...#", ".###.",
            ],
        ),
        (
            '6',
            &[
                "..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###.",
            ],
        ),
        (
            '7',
            &[
                "#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...",
            ],
        ),
        (
            '8',
            &[
                ".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.",
            ],
        ),
        (
            '9',
            &[
                ".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##..",
            ],
        ),
        (':', &[".", ".", "#", ".", "#", ".", "."]),
        ('.', &[".", ".", ".", ".", ".", ".", "#"]),
        (',', &["..", "..", "..", "..", "..", ".#", "#."]),
        (
            '%',
            &[
                "##...", "##..#", "...#.", "..#..", ".#...", "#..##", "...##",
            ],
        ),
        ('-', &["...", "...", "...", "###", "...", "...", "..."]),
        (
            '—',
            &[
                ".....", ".....", ".....", "#####", ".....", ".....", ".....",
            ],
        ),
        (' ', &["...", "...", "...", "...", "...", "...", "..."]),
        ('!', &["#", "#", "#", "#", "#", ".", "#"]),
        (
            'S',
            &[
                ".####", "#....", "#....", ".###.", "....#", "....#", "####.",
            ],
        ),
        (
            'T',
            &[
                "#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..",
            ],
        ),
        (
            'A',
            &[
                ".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#",
            ],
        ),
        (
            'L',
            &[
                "#....", "#....", "#....", "#....", "#....", "#....", "#####",
            ],
        ),
        (
            'E',
            &[
                "#####", "#....", "#....", "####.", "#....", "#....", "#####",
            ],
        ),
    ],
};

/// How big a number is drawn; ordered, so the largest that fits is the `max()` of those that
/// do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Size {
    /// Plain text, one row: when even [`Size::Small`] does not fit.
    #[default]
    Text,
    /// The 3×5 font: 3 columns × 3 rows a digit.
    Small,
    /// The 5×7 font: 5 columns × 4 rows a digit.
    Medium,
    /// The 5×7 font at ×2: 10 columns × 7 rows a digit.
    Large,
    /// The 5×7 font at ×4: 20 columns × 14 rows a digit.
    Huge,
}

impl Size {
    /// Every size, largest first (the order [`Size::fitting`] tries them in).
    pub const LARGEST_FIRST: [Size; 5] = [
        Size::Huge,
        Size::Large,
        Size::Medium,
        Size::Small,
        Size::Text,
    ];

    /// The font and its scale; `None` for plain text.
    fn font(self) -> Option<(&'static Font, u16)> {
        match self {
            Size::Text => None,
            Size::Small => Some((&FONT_3X5, 1)),
            Size::Medium => Some((&FONT_5X7, 1)),
            Size::Large => Some((&FONT_5X7, 2)),
            Size::Huge => Some((&FONT_5X7, 4)),
        }
    }

    /// Rows the size takes on screen (two pixel rows a cell).
    pub fn height(self) -> u16 {
        match self.font() {
            None => 1,
            Some((font, scale)) => (font.height * scale).div_ceil(2),
        }
    }

    /// Columns `text` takes in this size; `None` when the font lacks one of its characters.
    pub fn width(self, text: &str) -> Option<u16> {
        let Some((font, scale)) = self.font() else {
            return u16::try_from(text::width(text)).ok();
        };
        let mut px: u16 = 0;
        for (i, c) in text.chars().enumerate() {
            let glyph = font.glyph(c)?;
            let w = glyph.first().map_or(0, |r| r.chars().count() as u16);
            px = px.saturating_add(w + u16::from(i > 0));
        }
        Some(px.saturating_mul(scale))
    }

    /// The largest size in which every one of `texts` fits `width` × `height`; plain text when
    /// no block size does (cut to fit when drawn). `max` caps the choice.
    pub fn fitting<'a>(
        texts: impl IntoIterator<Item = &'a str> + Clone,
        width: u16,
        height: u16,
        max: Size,
    ) -> Size {
        Size::LARGEST_FIRST
            .into_iter()
            .filter(|&s| s <= max && s != Size::Text && s.height() <= height)
            .find(|&s| {
                texts
                    .clone()
                    .into_iter()
                    .all(|t| s.width(t).is_some_and(|w| w <= width))
            })
            .unwrap_or(Size::Text)
    }

    /// `text` in this size, one string a row (`█▀▄` and spaces, all one width); plain text is
    /// one row. `None` when the font lacks a character.
    pub fn rows(self, text: &str) -> Option<Vec<String>> {
        let Some((font, scale)) = self.font() else {
            return Some(vec![text.to_string()]);
        };
        // The pixels, glyph by glyph, one dark column between glyphs.
        let mut bitmap: Vec<Vec<bool>> = vec![Vec::new(); usize::from(font.height)];
        for (i, c) in text.chars().enumerate() {
            let glyph = font.glyph(c)?;
            for (row, bits) in bitmap.iter_mut().zip(glyph.iter()) {
                if i > 0 {
                    row.push(false);
                }
                row.extend(bits.chars().map(|b| b == '#'));
            }
        }
        let lit = |px_row: u16, px_col: usize| {
            bitmap
                .get(usize::from(px_row / scale))
                .and_then(|r| r.get(px_col / usize::from(scale)))
                .copied()
                .unwrap_or(false)
        };
        let columns = bitmap.first().map_or(0, Vec::len) * usize::from(scale);
        Some(
            (0..self.height())
                .map(|row| {
                    (0..columns)
                        .map(|col| match (lit(2 * row, col), lit(2 * row + 1, col)) {
                            (true, true) => '█',
                            (true, false) => '▀',
                            (false, true) => '▄',
                            (false, false) => ' ',
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

/// A big number (or word) as a widget: `text` in `size`, aligned in its area, clipped to it;
/// plain text is cut with `…`. A size the font cannot draw falls back to plain text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BigText<'a> {
    pub(crate) text: &'a str,
    pub(crate) size: Size,
    pub(crate) style: Style,
    pub(crate) alignment: Alignment,
}

impl Widget for BigText<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let rows = match self.size.rows(self.text) {
            Some(rows) if self.size != Size::Text => rows,
            _ => vec![text::fit(self.text, usize::from(area.width))],
        };
        for (y, row) in (area.y..area.bottom()).zip(rows.iter()) {
            let w = u16::try_from(text::width(row)).unwrap_or(u16::MAX);
            let x = match self.alignment {
                Alignment::Left => area.x,
                Alignment::Center => area.x + area.width.saturating_sub(w) / 2,
                Alignment::Right => area.x + area.width.saturating_sub(w),
            };
            let room = usize::from(area.right().saturating_sub(x));
            buf.set_stringn(x, y, row, room, self.style);
        }
    }
}
