//! Where each part of the wallboard goes in an area, and how big its numbers are: one plan,
//! computed the same way for drawing and for paging, so the page count the app rotates through
//! is the one the screen draws.
//!
//! Top to bottom: the header line, the STALE banner (when stale), the floor totals, the agent
//! states, the queue tiles (with the worst offenders beside them on a wide screen, or one line
//! under the states on a narrow one) and the alerts strip. Rows go first to the header, the
//! banner and the alerts, then to the totals and states within a share of the height each; the
//! queues get the rest. Sizes depend on the text (widest figure of all the queues, not only the
//! page's), so paging never changes a size.

use std::ops::Range;

use ratatui::layout::Rect;

use super::digits::Size;
use super::{Board, QueueTile};
use crate::targets::Level;
use crate::text;

/// The banner's word.
pub(super) const STALE: &str = "STALE";
/// From this width the worst offenders get a column of their own beside the queues.
const SIDE_FROM_WIDTH: u16 = 100;
/// Columns between two stat columns in a tile.
pub(super) const STAT_GAP: u16 = 2;
/// Columns between a tile's big number and its stats.
pub(super) const NUMBER_GAP: u16 = 2;
/// The caption over a tile's big number.
pub(super) const WAITING: &str = "waiting";
/// Shown for a figure that is not known.
pub(super) const UNKNOWN: &str = "—";

/// `text` as drawn: `—` when empty.
pub(super) fn shown(text: &str) -> &str {
    if text.is_empty() { UNKNOWN } else { text }
}

/// `text` with its level's `!`/`!!` marker when `markers` (small text: stats, lines). The plan
/// always makes room for the marker, whichever theme draws, so paging does not depend on it.
pub(super) fn marked(text: &str, level: Level, markers: bool) -> String {
    if markers {
        format!("{}{}", shown(text), level.marker())
    } else {
        shown(text).to_string()
    }
}

/// How a tile's stat is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Tone {
    Plain,
    /// Needs a look (agents not responding, when there are any).
    Alarm,
    Level(Level),
}

/// One small figure of a queue's tile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Stat {
    pub label: &'static str,
    pub value: String,
    pub tone: Tone,
}

/// The stats of a tile beside its big number, most important first (a narrow tile keeps the
/// first ones).
pub(super) fn stats(q: &QueueTile) -> Vec<Stat> {
    let count = |n: Option<u32>| n.map_or_else(|| UNKNOWN.to_string(), |n| n.to_string());
    let text = |s: &Option<String>| s.clone().unwrap_or_else(|| UNKNOWN.to_string());
    let stat = |label, value, tone| Stat { label, value, tone };
    vec![
        stat("Longest", text(&q.longest_wait), Tone::Plain),
        stat("On queue", count(q.on_queue), Tone::Plain),
        stat("Interact", count(q.interacting), Tone::Plain),
        stat("Idle", count(q.idle), Tone::Plain),
        stat(
            "Not resp",
            count(q.not_responding),
            if q.not_responding.unwrap_or(0) > 0 {
                Tone::Alarm
            } else {
                Tone::Plain
            },
        ),
        stat("Handled", text(&q.handled), Tone::Plain),
        stat("AHT", text(&q.aht), Tone::Level(q.aht_level)),
    ]
}

/// The tile's big number as text. Its marker goes after the queue's name in the tile's title.
pub(super) fn waiting_text(q: &QueueTile) -> String {
    q.waiting
        .map_or_else(|| UNKNOWN.to_string(), |n| n.to_string())
}

/// The width of stat `s` when drawn with its marker.
fn stat_width(s: &Stat) -> (u16, u16) {
    let value = match s.tone {
        Tone::Level(l) => marked(&s.value, l, true),
        _ => s.value.clone(),
    };
    (w(s.label), w(&value))
}

/// Display width as `u16`.
pub(super) fn w(s: &str) -> u16 {
    u16::try_from(text::width(s)).unwrap_or(u16::MAX)
}

/// The stats laid out in columns of `rows`: each column's (label width, value width), widest
/// over every queue so all tiles line up.
pub(super) fn stat_columns(queues: &[QueueTile], rows: u16) -> Vec<(u16, u16)> {
    let rows = usize::from(rows.max(1));
    let mut cols: Vec<(u16, u16)> = Vec::new();
    for q in queues {
        for (i, s) in stats(q).iter().enumerate() {
            let (lw, vw) = stat_width(s);
            let c = i / rows;
            if cols.len() <= c {
                cols.resize(c + 1, (0, 0));
            }
            cols[c] = (cols[c].0.max(lw), cols[c].1.max(vw));
        }
    }
    cols
}

/// Columns the stat columns take side by side.
fn stats_width(cols: &[(u16, u16)]) -> u16 {
    let sum: u16 = cols.iter().map(|(l, v)| l + 1 + v).sum();
    sum + STAT_GAP * (cols.len() as u16).saturating_sub(1)
}

/// A band of captioned big numbers (totals, states) and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Band {
    pub area: Rect,
    pub size: Size,
}

/// How the queue tiles are laid out: bordered tiles of big numbers in a grid, or (size
/// [`Size::Text`]) one line a queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Grid {
    pub area: Rect,
    pub size: Size,
    pub cols: u16,
    pub rows: u16,
    /// Rows a tile takes (borders included).
    pub tile_height: u16,
    /// Columns of the big number (and its caption).
    pub number_width: u16,
    /// Queues a page holds (0: no room for any).
    pub per_page: usize,
}

impl Grid {
    /// Pages the `n` queues take (at least 1).
    pub(super) fn pages(&self, n: usize) -> usize {
        if self.per_page == 0 {
            1
        } else {
            n.div_ceil(self.per_page).max(1)
        }
    }

    /// The queues page `page` shows (wrapping past the last page).
    pub(super) fn page_range(&self, n: usize, page: usize) -> Range<usize> {
        let page = page % self.pages(n);
        let start = (page * self.per_page).min(n);
        start..(start + self.per_page).min(n)
    }

    /// The columns and rows a page of `shown` tiles takes: as many rows as fit, then as few
    /// columns as hold them (4 tiles in room for 3×3 make 2×2, not 3 + 1).
    fn shape(&self, shown: usize) -> (u16, u16) {
        let rows = usize::from(self.rows).min(shown).max(1);
        let cols = shown.div_ceil(rows).min(usize::from(self.cols)).max(1);
        (cols as u16, shown.div_ceil(cols).max(1) as u16)
    }

    /// Where the `i`th of the `shown` tiles of a page goes: the columns share the width, and
    /// the rows the height up to twice what a tile needs (the tile centres its content), so a
    /// page of few tiles does not leave the screen empty below them.
    pub(super) fn tile(&self, i: usize, shown: usize) -> Rect {
        let (cols, rows) = self.shape(shown);
        let (col, row) = (
            (i % usize::from(cols)) as u16,
            (i / usize::from(cols)) as u16,
        );
        let width = self.area.width / cols;
        let x = self.area.x + col * width;
        // The last column takes what division left over.
        let width = if col + 1 == cols {
            self.area.right() - x
        } else {
            width
        };
        let height = (self.area.height / rows)
            .min(self.tile_height * 2)
            .max(self.tile_height);
        Rect::new(x, self.area.y + row * height, width, height).intersection(self.area)
    }

    /// Tiles for `queues` in `area`: the largest size that shows them all on one page; when
    /// none does, the size that shows the most per page (the larger on a tie); plain lines when
    /// not even two tiles fit a page.
    fn new(area: Rect, queues: &[QueueTile]) -> Grid {
        let n = queues.len().max(1);
        let waiting: Vec<String> = queues.iter().map(waiting_text).collect();
        let mut best: Option<Grid> = None;
        for size in Size::LARGEST_FIRST {
            if size == Size::Text {
                break;
            }
            let inner_height = size.height() + 1;
            let Some(number) = waiting
                .iter()
                .map(|t| size.width(t))
                .try_fold(w(WAITING), |acc, t| t.map(|t| acc.max(t)))
            else {
                continue;
            };
            let stats = stats_width(&stat_columns(queues, inner_height));
            let tile_width = 2 + number + NUMBER_GAP + stats;
            let tile_height = inner_height + 2;
            let cols = area.width / tile_width;
            let rows = area.height / tile_height;
            let per_page = usize::from(cols) * usize::from(rows);
            let grid = Grid {
                area,
                size,
                cols,
                rows,
                tile_height,
                number_width: number,
                per_page,
            };
            if per_page >= n {
                return grid;
            }
            if per_page > best.map_or(0, |b| b.per_page) {
                best = Some(grid);
            }
        }
        // One tile a page is no overview: lines show more.
        best.filter(|b| b.per_page >= 2).unwrap_or(Grid {
            area,
            size: Size::Text,
            cols: 1,
            rows: area.height,
            tile_height: 1,
            number_width: 0,
            per_page: usize::from(area.height),
        })
    }
}

/// Every part's place for one draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Plan {
    pub header: Rect,
    pub banner: Option<Band>,
    pub totals: Option<Band>,
    pub states: Option<Band>,
    /// The one-line offenders on a narrow screen.
    pub offenders_line: Option<Rect>,
    /// The offenders' column on a wide screen.
    pub side: Option<Rect>,
    pub grid: Grid,
    pub alerts: Rect,
}

/// Takes `h` rows (or what is left) off the top of `rest`.
fn take_top(rest: &mut Rect, h: u16) -> Rect {
    let h = h.min(rest.height);
    let top = Rect::new(rest.x, rest.y, rest.width, h);
    rest.y += h;
    rest.height -= h;
    top
}

/// Takes `h` rows (or what is left) off the bottom of `rest`.
fn take_bottom(rest: &mut Rect, h: u16) -> Rect {
    let h = h.min(rest.height);
    rest.height -= h;
    Rect::new(rest.x, rest.y + rest.height, rest.width, h)
}

/// The size for a band of `texts` side by side in `area`'s width within `budget` rows (one of
/// them the captions), and the rows it takes.
fn band_size<'a>(
    texts: impl IntoIterator<Item = &'a str> + Clone,
    width: u16,
    budget: u16,
) -> Size {
    let n = texts.clone().into_iter().count().max(1) as u16;
    let cell = (width / n).saturating_sub(1);
    Size::fitting(texts, cell, budget.saturating_sub(1), Size::Huge)
}

/// The rows a band of `size` takes: captions over the numbers, or one line of plain text.
pub(super) fn band_height(size: Size) -> u16 {
    match size {
        Size::Text => 1,
        s => s.height() + 1,
    }
}

impl Plan {
    /// The plan for `board` in `area`.
    pub(super) fn new(area: Rect, board: &Board) -> Plan {
        let mut rest = area;
        let header = take_top(&mut rest, 1);
        let banner = board.stale.as_ref().and_then(|_| {
            let size = Size::fitting([STALE], area.width, (area.height / 10).max(3), Size::Large);
            let band = take_top(&mut rest, size.height());
            (!band.is_empty()).then_some(Band { area: band, size })
        });
        let alert_lines = if board.alerts.is_empty() && board.alerts_more == 0 {
            1
        } else {
            1 + board.alerts.len() as u16 + u16::from(board.alerts_more > 0)
        };
        let alerts = take_bottom(&mut rest, alert_lines.min((area.height / 6).max(2)));
        let mut band = |texts: Vec<String>, share: u16| {
            if texts.is_empty() || rest.is_empty() {
                return None;
            }
            let size = band_size(
                texts.iter().map(String::as_str),
                area.width,
                share.min(rest.height),
            );
            let band = take_top(&mut rest, band_height(size));
            Some(Band { area: band, size })
        };
        let totals = band(
            board
                .totals
                .iter()
                .map(|f| shown(&f.text).to_string())
                .collect(),
            (area.height / 5).max(1),
        );
        let states = band(
            board.states.iter().map(|s| s.count.to_string()).collect(),
            (area.height / 9).max(1),
        );
        let (offenders_line, side) = if area.width >= SIDE_FROM_WIDTH {
            let side_width = (area.width / 4).clamp(28, 56);
            let side = Rect::new(rest.right() - side_width, rest.y, side_width, rest.height);
            rest.width -= side_width;
            (None, Some(side))
        } else {
            let line = take_top(&mut rest, 1);
            (Some(line).filter(|l| !l.is_empty()), None)
        };
        Plan {
            header,
            banner,
            totals,
            states,
            offenders_line,
            side,
            grid: Grid::new(rest, &board.queues),
            alerts,
        }
    }
}
