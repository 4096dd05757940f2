//! A screen model for the pseudo-terminal tests: just enough of a VT100 to read back what
//! ratatui and crossterm draw (cursor moves, erases, text; colours and modes ignored), and a
//! wait that polls the pty until the screen shows what a test expects.

use std::time::{Duration, Instant};

use rexpect::session::PtySession;

/// Just enough of a VT100 to read back what ratatui/crossterm draw: cursor moves, erases, and
/// text; colours and modes are ignored.
pub struct Screen {
    rows: usize,
    cols: usize,
    cells: Vec<Vec<char>>,
    row: usize,
    col: usize,
    esc: Option<String>,
    /// rexpect hands over bytes as chars; multi-byte UTF-8 is reassembled here.
    utf8: Vec<u8>,
}

impl Screen {
    /// A blank screen of `rows` × `cols` (what the test's `stty` set).
    pub fn new(rows: usize, cols: usize) -> Self {
        Screen {
            rows,
            cols,
            cells: vec![vec![' '; cols]; rows],
            row: 0,
            col: 0,
            esc: None,
            utf8: Vec::new(),
        }
    }

    /// One byte as rexpect hands it over.
    pub fn feed_byte(&mut self, c: char) {
        let b = u32::from(c);
        if !(0x80..=0xff).contains(&b) {
            self.utf8.clear();
            return self.feed(c);
        }
        self.utf8.push(b as u8);
        match std::str::from_utf8(&self.utf8) {
            Ok(s) => {
                let chars: Vec<char> = s.chars().collect();
                self.utf8.clear();
                for ch in chars {
                    self.feed(ch);
                }
            }
            Err(e) if e.error_len().is_some() || self.utf8.len() >= 4 => self.utf8.clear(),
            Err(_) => {}
        }
    }

    fn feed(&mut self, c: char) {
        if let Some(seq) = &mut self.esc {
            seq.push(c);
            let s = seq.clone();
            if s == "\u{1b}[" || (s.starts_with("\u{1b}[") && !c.is_ascii_alphabetic() && c != '~')
            {
                return;
            }
            if !s.starts_with("\u{1b}[") && s.len() < 2 {
                return;
            }
            self.esc = None;
            if let Some(body) = s.strip_prefix("\u{1b}[") {
                self.csi(&body[..body.len() - 1], c);
            }
            return;
        }
        match c {
            '\u{1b}' => self.esc = Some(c.to_string()),
            '\r' => self.col = 0,
            '\n' => self.row = (self.row + 1).min(self.rows - 1),
            c if c.is_control() => {}
            c => {
                if self.row < self.rows && self.col < self.cols {
                    self.cells[self.row][self.col] = c;
                }
                self.col += 1;
            }
        }
    }

    fn csi(&mut self, params: &str, cmd: char) {
        if params.starts_with('?') {
            return;
        }
        let nums: Vec<usize> = params.split(';').map(|p| p.parse().unwrap_or(0)).collect();
        let n = |i: usize, d: usize| nums.get(i).copied().filter(|&v| v > 0).unwrap_or(d);
        match cmd {
            'H' | 'f' => {
                self.row = n(0, 1) - 1;
                self.col = n(1, 1) - 1;
            }
            'G' => self.col = n(0, 1) - 1,
            'C' => self.col += n(0, 1),
            'D' => self.col = self.col.saturating_sub(n(0, 1)),
            'A' => self.row = self.row.saturating_sub(n(0, 1)),
            'B' => self.row = (self.row + n(0, 1)).min(self.rows - 1),
            'J' if matches!(nums.first(), Some(2 | 3)) => {
                self.cells = vec![vec![' '; self.cols]; self.rows];
            }
            'K' => {
                if let Some(line) = self.cells.get_mut(self.row) {
                    for c in line.iter_mut().skip(self.col) {
                        *c = ' ';
                    }
                }
            }
            _ => {}
        }
    }

    /// Row `y` as text.
    pub fn line(&self, y: usize) -> String {
        self.cells[y].iter().collect()
    }

    /// True when any row contains `needle`.
    pub fn contains(&self, needle: &str) -> bool {
        (0..self.rows).any(|y| self.line(y).contains(needle))
    }
}

/// Reads the pty until `pred` holds for the screen (or panics with the screen after 15 s).
/// Reading the screen, not the byte stream: ratatui writes only the cells that changed, so a
/// word on screen need not appear whole in the output.
pub fn wait_for(
    p: &mut PtySession,
    screen: &mut Screen,
    what: &str,
    pred: impl Fn(&Screen) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        while let Some(c) = p.try_read() {
            screen.feed_byte(c);
        }
        if pred(screen) {
            return;
        }
        if Instant::now() > deadline {
            let all: Vec<String> = (0..screen.rows).map(|y| screen.line(y)).collect();
            panic!("timed out waiting for {what}; screen:\n{}", all.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
