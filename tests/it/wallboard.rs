//! The wallboard screen drawn from a hand-made [`Board`]: snapshots at 80×24, 200×50 and
//! 320×90 (stale and fresh, no queues, no alerts, long names with wide glyphs and commas),
//! paging (every queue exactly once across the pages, the page for an instant), the block
//! digits' glyph rows and size choice, colours where they carry meaning, and tiny terminals.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use floorwatch::alerts::Severity;
use floorwatch::targets::Level;
use floorwatch::ui::theme::Theme;
use floorwatch::wallboard::digits::Size;
use floorwatch::wallboard::{
    self, AlertLine, BigFigure, Board, Offender, QueueTile, StateCount, StateKind,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

fn figure(caption: &str, text: &str, level: Level) -> BigFigure {
    BigFigure {
        caption: caption.into(),
        text: text.into(),
        level,
    }
}

fn queue(name: &str, waiting: u32, level: Level, longest: &str) -> QueueTile {
    QueueTile {
        name: name.into(),
        waiting: Some(waiting),
        waiting_level: level,
        longest_wait: (waiting > 0).then(|| longest.to_string()),
        on_queue: Some(12),
        interacting: Some(8),
        idle: Some(3),
        not_responding: Some(1),
        handled: Some("143".into()),
        aht: Some("6:12".into()),
        aht_level: Level::Over,
    }
}

fn state(label: &str, count: u32, kind: StateKind) -> StateCount {
    StateCount {
        label: label.into(),
        count,
        kind,
    }
}

/// A fresh demo board: five totals (AHT far over target, occupancy over), four queues (one
/// with wide glyphs and commas in its name, one with nothing known), six states, three
/// offenders, three alerts and two more.
fn board() -> Board {
    Board {
        source: "DEMO".into(),
        demo: true,
        replay: None,
        as_of: Some(Utc.with_ymd_and_hms(2025, 3, 10, 15, 14, 3).unwrap()),
        tz: chrono_tz::America::Chicago,
        stale: None,
        totals: vec![
            figure("Handled", "412", Level::Ok),
            figure("AHT", "7:42", Level::Far),
            figure("ACW/c", "1:05", Level::Ok),
            figure("Hold/c", "0:31", Level::Ok),
            figure("Occupancy", "88%", Level::Over),
        ],
        queues: vec![
            queue("Billing", 12, Level::Far, "4:31"),
            queue(
                "Sales, Inbound — 東京 サポート チーム 🎧 long name",
                3,
                Level::Ok,
                "0:42",
            ),
            queue("Tech Support", 0, Level::Ok, ""),
            QueueTile {
                name: "Returns".into(),
                ..QueueTile::default()
            },
        ],
        states: vec![
            state("Interacting", 24, StateKind::Busy),
            state("ACW", 5, StateKind::Acw),
            state("Idle", 7, StateKind::Idle),
            state("Not responding", 1, StateKind::NotResponding),
            state("Off queue", 6, StateKind::OffQueue),
            state("Offline", 31, StateKind::Offline),
        ],
        offenders: vec![
            Offender {
                agent: "Bob Stone".into(),
                figure: "AHT".into(),
                value: "12:09".into(),
                level: Level::Far,
            },
            Offender {
                agent: "Zoë Ångström-Lindqvist, Team Lead".into(),
                figure: "ACW/c".into(),
                value: "3:40".into(),
                level: Level::Far,
            },
            Offender {
                agent: "Dev Patel".into(),
                figure: "Hold/c".into(),
                value: "0:52".into(),
                level: Level::Over,
            },
        ],
        alerts: vec![
            AlertLine {
                severity: Severity::Critical,
                text: "Bob Stone · Long ACW · ACW/c 3:40".into(),
                since: "since 10:02".into(),
            },
            AlertLine {
                severity: Severity::Warning,
                text: "Billing · Queue backlog · waiting 12".into(),
                since: "since 10:09".into(),
            },
            AlertLine {
                severity: Severity::Info,
                text: "Floor · Occupancy high · Occ 88%".into(),
                since: "since 09:55".into(),
            },
        ],
        alerts_more: 2,
    }
}

/// The board with its data three minutes old.
fn stale_board() -> Board {
    Board {
        stale: Some("no data for 3 min · reconnecting to Genesys Cloud".into()),
        ..board()
    }
}

/// A live board with no queues, no offenders and no alerts.
fn empty_board() -> Board {
    Board {
        source: "mypurecloud.ie".into(),
        demo: false,
        queues: Vec::new(),
        offenders: Vec::new(),
        alerts: Vec::new(),
        alerts_more: 0,
        ..board()
    }
}

/// `n` queues named `Queue 01`, `Queue 02`…
fn many_queues(n: u32) -> Board {
    Board {
        queues: (1..=n)
            .map(|i| queue(&format!("Queue {i:02}"), i, Level::Ok, "1:00"))
            .collect(),
        ..board()
    }
}

fn draw(board: &Board, w: u16, h: u16, theme: &Theme, page: usize) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| wallboard::render(f, f.area(), board, theme, page))
        .expect("draw");
    t
}

fn text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where `needle` starts on screen (column, row), matched cell by cell (a wide glyph's second
/// cell is skipped, as the terminal shows it).
fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let needle: Vec<char> = needle.chars().collect();
    (0..buf.area.height).find_map(|y| {
        let cells: Vec<(u16, &str)> = (0..buf.area.width)
            .map(|x| (x, buf[(x, y)].symbol()))
            .filter(|(_, s)| !s.is_empty())
            .collect();
        cells.windows(needle.len()).find_map(|win| {
            win.iter()
                .zip(&needle)
                .all(|((_, s), c)| s.chars().eq([*c]))
                .then(|| (win[0].0, y))
        })
    })
}

#[test]
fn fresh_80x24() {
    insta::assert_snapshot!(draw(&board(), 80, 24, &Theme::color(), 0).backend());
}

#[test]
fn fresh_200x50() {
    insta::assert_snapshot!(draw(&board(), 200, 50, &Theme::color(), 0).backend());
}

#[test]
fn fresh_320x90() {
    insta::assert_snapshot!(draw(&board(), 320, 90, &Theme::color(), 0).backend());
}

#[test]
fn stale_80x24_no_color() {
    insta::assert_snapshot!(draw(&stale_board(), 80, 24, &Theme::plain(), 0).backend());
}

#[test]
fn stale_200x50_no_color() {
    insta::assert_snapshot!(draw(&stale_board(), 200, 50, &Theme::plain(), 0).backend());
}

#[test]
fn stale_320x90() {
    insta::assert_snapshot!(draw(&stale_board(), 320, 90, &Theme::color(), 0).backend());
}

#[test]
fn no_queues_no_alerts_80x24() {
    insta::assert_snapshot!(draw(&empty_board(), 80, 24, &Theme::color(), 0).backend());
}

#[test]
fn no_queues_no_alerts_200x50() {
    insta::assert_snapshot!(draw(&empty_board(), 200, 50, &Theme::color(), 0).backend());
}

#[test]
fn replay_many_queues_page_2_200x50() {
    let board = Board {
        replay: Some("REPLAY 10:14 ×8".into()),
        ..many_queues(30)
    };
    let t = draw(&board, 200, 50, &Theme::color(), 1);
    insta::assert_snapshot!(t.backend());
    let pages = board.pages(Rect::new(0, 0, 200, 50));
    assert!(pages > 1);
    assert!(find(t.backend().buffer(), &format!("page 2/{pages}")).is_some());
}

/// Whether `rows` (a big number's glyph rows) are drawn somewhere on screen, one under the other.
fn shows(buf: &Buffer, rows: &[String]) -> bool {
    let rows: Vec<Vec<char>> = rows.iter().map(|r| r.chars().collect()).collect();
    let (w, h) = (buf.area.width as usize, buf.area.height as usize);
    let width = rows.first().map_or(0, Vec::len);
    (0..h.saturating_sub(rows.len() - 1)).any(|y| {
        (0..w.saturating_sub(width - 1)).any(|x| {
            rows.iter().enumerate().all(|(dy, row)| {
                row.iter().enumerate().all(|(dx, c)| {
                    buf[((x + dx) as u16, (y + dy) as u16)]
                        .symbol()
                        .starts_with(*c)
                })
            })
        })
    })
}

#[test]
fn big_digits_at_200x50_and_320x90_small_at_80x24() {
    // The AHT total 7:42 and Billing's 12 waiting, in the size each screen picks.
    for (w, h, totals, tiles) in [
        (80, 24, Size::Small, Size::Small),
        (200, 50, Size::Large, Size::Large),
        (320, 90, Size::Large, Size::Huge),
    ] {
        let t = draw(&board(), w, h, &Theme::plain(), 0);
        let buf = t.backend().buffer();
        let aht = totals.rows("7:42").expect("glyphs");
        let waiting = tiles.rows("12").expect("glyphs");
        assert!(shows(buf, &aht), "{w}×{h}: AHT in {totals:?}");
        assert!(shows(buf, &waiting), "{w}×{h}: waiting in {tiles:?}");
    }
}

#[test]
fn over_target_figures_are_coloured_and_marked_without_colour() {
    let t = draw(&board(), 200, 50, &Theme::color(), 0);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "AHT").expect("AHT caption");
    // The big 7:42 under the caption is red (far over), with no `!` in colour.
    let reds = (0..buf.area.width)
        .filter(|&cx| buf[(cx, y + 1)].fg == Color::Red && buf[(cx, y + 1)].symbol() != " ")
        .count();
    assert!(reds > 10, "big AHT red at row {} near {x}", y + 1);
    assert!(find(buf, "12:09!!").is_none());
    assert_eq!(buf[find(buf, "12:09").expect("offender")].fg, Color::Red);

    // In monochrome the offender and the queue's AHT carry markers; the big ones too.
    let t = draw(&board(), 200, 50, &Theme::plain(), 0);
    let buf = t.backend().buffer();
    assert!(find(buf, "12:09!!").is_some());
    assert!(find(buf, "0:52!").is_some());
    assert!(find(buf, "6:12!").is_some());
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            assert_eq!(buf[(x, y)].fg, Color::Reset, "no colour at {x},{y}");
        }
    }
}

#[test]
fn stale_banner_is_big_and_red() {
    let t = draw(&stale_board(), 200, 50, &Theme::color(), 0);
    let buf = t.backend().buffer();
    // Row 1 is the banner: red across the whole width, the word in blocks, the reason beside.
    for x in 0..buf.area.width {
        assert_eq!(buf[(x, 1)].bg, Color::Red, "banner at column {x}");
    }
    let size = Size::fitting(["STALE"], 200, 5, Size::Large);
    assert_eq!(size, Size::Medium);
    let rows = size.rows("STALE").expect("letters");
    for (i, row) in rows.iter().enumerate() {
        assert!(
            text(buf)
                .lines()
                .nth(1 + i)
                .unwrap_or_default()
                .contains(row.as_str())
        );
    }
    assert!(find(buf, "no data for 3 min").is_some());
    // Fresh: no banner, no STALE anywhere.
    let t = draw(&board(), 200, 50, &Theme::color(), 0);
    assert_ne!(t.backend().buffer()[(0, 1)].bg, Color::Red);
    assert!(!text(t.backend().buffer()).contains("STALE"));
}

#[test]
fn stale_shows_as_a_badge_when_the_banner_has_no_room() {
    let t = draw(&stale_board(), 30, 1, &Theme::plain(), 0);
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "STALE").expect("stale badge in the header");
    assert_eq!(y, 0);
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn text_cut_to_fit_ends_in_an_ellipsis() {
    let t = draw(&board(), 20, 5, &Theme::color(), 0);
    let header = text(t.backend().buffer())
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(header.starts_with(" DEMO   as of 10:1"), "{header:?}");
    assert!(header.trim_end().ends_with('…'), "{header:?}");
}

#[test]
fn critical_alerts_are_tagged_in_words_and_colour() {
    let t = draw(&board(), 80, 24, &Theme::color(), 0);
    let buf = t.backend().buffer();
    let at = find(buf, "CRITICAL").expect("critical tag");
    assert_eq!(buf[at].bg, Color::Red);
    assert!(find(buf, "WARNING").is_some());
    assert!(find(buf, "Alerts · 5 active").is_some());
    assert!(find(buf, "more").is_some());
}

#[test]
fn every_queue_shows_exactly_once_across_the_pages() {
    for n in [1, 4, 7, 30] {
        let board = many_queues(n);
        for (w, h) in [(80, 24), (120, 40), (200, 50), (320, 90), (60, 15)] {
            let area = Rect::new(0, 0, w, h);
            let pages = board.pages(area);
            let mut seen = vec![0; n as usize];
            let mut ranges = Vec::new();
            for page in 0..pages {
                let t = draw(&board, w, h, &Theme::color(), page);
                let screen = text(t.backend().buffer());
                for (i, count) in seen.iter_mut().enumerate() {
                    if screen.contains(&format!("Queue {:02}", i + 1)) {
                        *count += 1;
                    }
                }
                ranges.push(board.page_queues(area, page));
            }
            assert_eq!(
                seen,
                vec![1; n as usize],
                "{n} queues at {w}×{h}, {pages} pages"
            );
            let flat: Vec<usize> = ranges.into_iter().flatten().collect();
            assert_eq!(flat, (0..n as usize).collect::<Vec<_>>(), "{n} at {w}×{h}");
        }
    }
    // Few queues on a big screen: one page, no page label.
    let board = board();
    assert_eq!(board.pages(Rect::new(0, 0, 200, 50)), 1);
    let t = draw(&board, 200, 50, &Theme::color(), 0);
    assert!(!text(t.backend().buffer()).contains("page "));
}

#[test]
fn a_page_past_the_last_wraps_around() {
    let board = many_queues(30);
    let area = Rect::new(0, 0, 80, 24);
    let pages = board.pages(area);
    assert!(pages >= 3, "{pages}");
    assert_eq!(
        board.page_queues(area, pages + 1),
        board.page_queues(area, 1)
    );
    let a = draw(&board, 80, 24, &Theme::color(), pages + 1);
    let b = draw(&board, 80, 24, &Theme::color(), 1);
    assert_eq!(a.backend().buffer(), b.backend().buffer());
}

#[test]
fn the_page_for_an_instant() {
    let start = Instant::now();
    let at = |s: f64| start + Duration::from_secs_f64(s);
    let rotate = Duration::from_secs(10);
    assert_eq!(wallboard::page_at(3, rotate, start, at(0.0)), 0);
    assert_eq!(wallboard::page_at(3, rotate, start, at(9.99)), 0);
    assert_eq!(wallboard::page_at(3, rotate, start, at(10.0)), 1);
    assert_eq!(wallboard::page_at(3, rotate, start, at(25.0)), 2);
    assert_eq!(wallboard::page_at(3, rotate, start, at(30.0)), 0);
    assert_eq!(wallboard::page_at(3, rotate, start, at(71.0)), 1);
    // One page, no rotation, or a clock before the start: the first page.
    assert_eq!(wallboard::page_at(1, rotate, start, at(55.0)), 0);
    assert_eq!(wallboard::page_at(3, Duration::ZERO, start, at(55.0)), 0);
    assert_eq!(wallboard::page_at(3, rotate, at(20.0), start), 0);
}

#[test]
fn digits_render_the_expected_glyph_rows() {
    assert_eq!(
        Size::Small.rows("12").expect("digits"),
        vec![
            "▄█  ▀▀█", //
            " █  █▀▀",
            "▀▀▀ ▀▀▀",
        ]
    );
    assert_eq!(
        Size::Medium.rows("1:0").expect("digits"),
        vec![
            " ▄█     ▄▀▀▀▄", //
            "  █   ▀ █   █",
            "  █   ▀ █   █",
            " ▀▀▀     ▀▀▀ ",
        ]
    );
    // ×2: every pixel two columns by one row, full blocks.
    assert_eq!(
        Size::Large.rows("-").expect("dash"),
        vec![
            "      ", //
            "      ",
            "      ",
            "██████",
            "      ",
            "      ",
            "      ",
        ]
    );
    assert_eq!(Size::Text.rows("6:12"), Some(vec!["6:12".to_string()]));
    assert_eq!(Size::Small.rows("6h"), None, "no glyph for h");
    assert_eq!(Size::Medium.width("6h"), None);
}

#[test]
fn every_size_draws_every_character_a_figure_uses() {
    let chars = "0123456789:.,%-— !STALE";
    for size in Size::LARGEST_FIRST {
        let rows = size.rows(chars).unwrap_or_else(|| panic!("{size:?}"));
        assert_eq!(rows.len(), usize::from(size.height()), "{size:?}");
        let width = size.width(chars).expect("width");
        for row in &rows {
            assert_eq!(row.chars().count(), usize::from(width), "{size:?}: {row:?}");
        }
    }
    assert_eq!(
        [
            Size::Huge,
            Size::Large,
            Size::Medium,
            Size::Small,
            Size::Text
        ]
        .map(Size::height),
        [14, 7, 4, 3, 1]
    );
    // Each glyph one dark pixel apart: `11` is 3 + 1 + 3 pixels in the small font.
    assert_eq!(Size::Small.width("11"), Some(7));
    assert_eq!(Size::Huge.width("11"), Some(44));
}

#[test]
fn the_largest_size_that_fits_is_chosen() {
    // "6:12" is 5+1+1+1+5+1+5 = 19 pixels wide in the 5×7 font: 76 columns at ×4, 38 at ×2.
    assert_eq!(Size::fitting(["6:12"], 76, 14, Size::Huge), Size::Huge);
    assert_eq!(Size::fitting(["6:12"], 75, 14, Size::Huge), Size::Large);
    assert_eq!(Size::fitting(["6:12"], 76, 13, Size::Huge), Size::Large);
    assert_eq!(Size::fitting(["6:12"], 76, 14, Size::Medium), Size::Medium);
    assert_eq!(Size::fitting(["6:12"], 37, 7, Size::Huge), Size::Medium);
    assert_eq!(
        Size::fitting(["6:12", "1:02:05"], 40, 11, Size::Huge),
        Size::Medium
    );
    assert_eq!(Size::fitting(["6:12"], 12, 3, Size::Huge), Size::Text);
    assert_eq!(Size::fitting(["6:12"], 13, 3, Size::Huge), Size::Small);
    assert_eq!(Size::fitting(["6h"], 100, 20, Size::Huge), Size::Text);
}

#[test]
fn tiny_terminals_do_not_panic_and_frames_are_stable() {
    for b in [
        board(),
        stale_board(),
        empty_board(),
        many_queues(30),
        Board::default(),
    ] {
        for (w, h) in [(1, 1), (20, 5), (60, 15), (80, 24), (5, 40), (200, 3)] {
            for theme in [Theme::color(), Theme::plain()] {
                for page in [0, 1, 7] {
                    let a = draw(&b, w, h, &theme, page);
                    let again = draw(&b, w, h, &theme, page);
                    assert_eq!(a.backend().buffer(), again.backend().buffer());
                }
            }
        }
    }
}
