//! Keys → commands, as a pure function over one binding table per mode.
//!
//! The same tables generate the help overlay, so `?` can never drift from what the keys do
//! (crates-tui's `all_key_bindings`, binsider's `Command::from(KeyEvent)`). No terminal is
//! needed to test any of it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Which bindings are live: a prompt swallows letters, the help overlay swallows almost
/// everything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// The dashboard.
    Normal,
    /// A prompt is taking keystrokes: the filter (`/`), find (`F3`) or command line (`:`).
    Prompt,
    /// The `?` overlay is open.
    Help,
    /// The conversations behind an interval (Enter on the intervals table).
    Drill,
    /// One conversation's segments over the conversations pane (`i`).
    Timeline,
    /// "Why this number": the formulas behind the selected row's figures (`i` on a table).
    Explain,
    /// The column chooser (`c`).
    Columns,
}

/// What a key asks the app to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// Previous row of the focused table.
    Up,
    /// Next row of the focused table.
    Down,
    /// A page up (page = rows visible in the last frame).
    PageUp,
    /// A page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Tab: agents ⇄ intervals.
    ToggleFocus,
    /// ←/h.
    FocusAgents,
    /// →/l.
    FocusIntervals,
    /// Enter on an agent: show its intervals.
    Open,
    /// `s`: next sort column, in its natural direction.
    SortNext,
    /// `S`: flip the direction.
    SortReverse,
    /// `/`: open the filter prompt.
    FilterOpen,
    /// F3: open the find prompt (jump to a name without filtering).
    FindOpen,
    /// `n`: the next agent the last find matches.
    FindNext,
    /// `N`: the previous one.
    FindPrev,
    /// `:`: open the command line.
    CommandLine,
    /// A character typed into a prompt.
    Type(char),
    /// Editing a prompt's text as in a shell.
    Edit(EditKey),
    /// Tab in a prompt: complete the word at the cursor.
    Complete,
    /// Enter in a prompt: apply it (keep the filter, stay on the match, run the command).
    Accept,
    /// Esc in a prompt: close it (the filter clears, find goes back where it started).
    Cancel,
    /// `r`: ask the fetcher for a refresh now.
    Refresh,
    /// `f`: hold new snapshots aside / show them.
    Freeze,
    /// `<`: the day before the one shown (read-only).
    DayBack,
    /// `>`: the day after the one shown, up to today (live).
    DayForward,
    /// `e`: write the focused table to CSV.
    Export,
    /// `?`: open or close the key overlay.
    Help,
    /// `i`: look inside the selected row (a conversation's timeline, or why a row's figures
    /// are what they are).
    Inspect,
    /// `c`: open or close the column chooser.
    Columns,
    /// `w`: show or hide the queue strip (customers waiting, agents per state).
    QueueStrip,
    /// `a`: acknowledge the selected alert.
    Acknowledge,
    /// `z`: snooze the selected alert's rule.
    Snooze,
    /// Space in the chooser: show or hide the column under the cursor.
    Toggle,
    /// `d` in the chooser: back to the default columns.
    Defaults,
    /// Esc/Backspace: close the top overlay, clear the filter, leave a pane; never quits.
    Back,
    /// `q`, Ctrl-C.
    Quit,
    /// A replay key ([`REPLAY`]); only bound while replaying a recording.
    Replay(ReplayKey),
}

/// Line editing in a prompt, as in a shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EditKey {
    /// Backspace: delete the character before the cursor.
    Backspace,
    /// ←: one character left.
    Left,
    /// →: one character right.
    Right,
    /// Home, Ctrl-A: to the start.
    Home,
    /// End, Ctrl-E: to the end.
    End,
    /// Ctrl-U: delete everything before the cursor.
    KillToStart,
    /// Ctrl-W: delete the word before the cursor.
    KillWord,
    /// ↑: the previous filter in the history.
    HistoryBack,
    /// ↓: the next filter in the history (or the text being typed).
    HistoryForward,
}

/// What a replay key asks of the replay (the app turns it into a
/// [`crate::recording::ReplayControl`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplayKey {
    /// Space: pause / resume.
    TogglePause,
    /// `[`: one snapshot back.
    StepBack,
    /// `]`: one snapshot forward.
    StepForward,
    /// `{`: 10 minutes back.
    JumpBack,
    /// `}`: 10 minutes forward.
    JumpForward,
    /// `+`: faster.
    Faster,
    /// `-`: slower.
    Slower,
}

/// A key as the tables spell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// A key with exactly these modifiers (Shift is ignored: `G` arrives with or without it).
    Chord(KeyCode, KeyModifiers),
    /// Any printable character without Ctrl/Alt (the filter prompt's text input).
    AnyChar,
}

const fn k(code: KeyCode) -> Key {
    Key::Chord(code, KeyModifiers::NONE)
}

const fn ch(c: char) -> Key {
    k(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key::Chord(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Ctrl-C quits in every mode, the filter prompt included: one rule in [`command`] rather
/// than a row in every table.
pub(crate) const QUIT_ANYWHERE: Key = ctrl('c');

/// One line of the help overlay and the keys that trigger it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    /// Any of these keys triggers the command.
    pub keys: &'static [Key],
    /// What it does.
    pub command: Command,
    /// The overlay's wording (short: the overlay has two columns at 80×24).
    pub help: &'static str,
}

const fn b(keys: &'static [Key], command: Command, help: &'static str) -> Binding {
    Binding {
        keys,
        command,
        help,
    }
}

/// The dashboard's keys.
pub const NORMAL: &[Binding] = &[
    b(&[k(KeyCode::Up), ch('k')], Command::Up, "move up"),
    b(&[k(KeyCode::Down), ch('j')], Command::Down, "move down"),
    b(&[k(KeyCode::PageUp)], Command::PageUp, "page up"),
    b(&[k(KeyCode::PageDown)], Command::PageDown, "page down"),
    b(&[ch('g'), k(KeyCode::Home)], Command::Top, "first row"),
    b(&[ch('G'), k(KeyCode::End)], Command::Bottom, "last row"),
    b(
        &[k(KeyCode::Tab), k(KeyCode::BackTab)],
        Command::ToggleFocus,
        "agents ⇄ intervals",
    ),
    b(
        &[k(KeyCode::Left), ch('h')],
        Command::FocusAgents,
        "focus agents",
    ),
    b(
        &[k(KeyCode::Right), ch('l')],
        Command::FocusIntervals,
        "focus intervals",
    ),
    b(
        &[k(KeyCode::Enter)],
        Command::Open,
        "open intervals / calls",
    ),
    b(&[ch('s')], Command::SortNext, "sort by next column"),
    b(&[ch('S')], Command::SortReverse, "reverse the sort"),
    b(&[ch('/')], Command::FilterOpen, "filter by name or id"),
    b(
        &[k(KeyCode::F(3)), ctrl('f')],
        Command::FindOpen,
        "find a name",
    ),
    b(&[ch('n')], Command::FindNext, "next / previous match"),
    b(&[ch('N')], Command::FindPrev, "next / previous match"),
    b(&[ch(':')], Command::CommandLine, "command line"),
    b(&[ch('r')], Command::Refresh, "refresh now"),
    b(&[ch('f')], Command::Freeze, "freeze / unfreeze"),
    b(&[ch('<')], Command::DayBack, "the day before"),
    b(&[ch('>')], Command::DayForward, "the day after / today"),
    b(&[ch('c')], Command::Columns, "choose columns"),
    b(&[ch('w')], Command::QueueStrip, "queue strip"),
    b(&[ch('a')], Command::Acknowledge, "acknowledge alert"),
    b(&[ch('z')], Command::Snooze, "snooze alert's rule"),
    b(&[ch('e')], Command::Export, "export view to CSV"),
    b(&[ch('i')], Command::Inspect, "why this number"),
    b(&[ch('?')], Command::Help, "this help"),
    b(&[k(KeyCode::Esc)], Command::Back, "clear filter / back"),
    b(&[ch('q')], Command::Quit, "quit"),
];

/// Keys while a prompt is open (filter, find, command line); letters type, so `q` does not
/// quit.
pub(crate) const PROMPT: &[Binding] = &[
    b(&[Key::AnyChar], Command::Type(' '), "type"),
    b(
        &[k(KeyCode::Backspace)],
        Command::Edit(EditKey::Backspace),
        "delete a character",
    ),
    b(&[k(KeyCode::Enter)], Command::Accept, "apply, close"),
    b(&[k(KeyCode::Esc)], Command::Cancel, "cancel, close"),
    b(&[k(KeyCode::Tab)], Command::Complete, "complete the word"),
    b(
        &[k(KeyCode::Up)],
        Command::Edit(EditKey::HistoryBack),
        EARLIER,
    ),
    b(
        &[k(KeyCode::Down)],
        Command::Edit(EditKey::HistoryForward),
        EARLIER,
    ),
    b(&[k(KeyCode::Left)], Command::Edit(EditKey::Left), MOVE),
    b(&[k(KeyCode::Right)], Command::Edit(EditKey::Right), MOVE),
    b(
        &[k(KeyCode::Home), ctrl('a')],
        Command::Edit(EditKey::Home),
        "to the start",
    ),
    b(
        &[k(KeyCode::End), ctrl('e')],
        Command::Edit(EditKey::End),
        "to the end",
    ),
    b(
        &[ctrl('u')],
        Command::Edit(EditKey::KillToStart),
        "delete to the start",
    ),
    b(
        &[ctrl('w')],
        Command::Edit(EditKey::KillWord),
        "delete a word",
    ),
];

/// One help row for ↑ and ↓ in a prompt (consecutive rows alike are shown as one).
const EARLIER: &str = "earlier entries";

/// One help row for ← and →.
const MOVE: &str = "move in the text";

/// Keys while the help overlay is open: it scrolls when it is taller than the screen.
pub(crate) const HELP: &[Binding] = &[
    b(
        &[ch('?'), k(KeyCode::Esc), ch('q')],
        Command::Help,
        "close this help",
    ),
    b(&[k(KeyCode::Up), ch('k')], Command::Up, "scroll"),
    b(&[k(KeyCode::Down), ch('j')], Command::Down, "scroll"),
    b(&[k(KeyCode::PageUp)], Command::PageUp, "scroll"),
    b(
        &[k(KeyCode::PageDown), ch(' ')],
        Command::PageDown,
        "scroll",
    ),
    b(&[ch('g'), k(KeyCode::Home)], Command::Top, "scroll"),
    b(&[ch('G'), k(KeyCode::End)], Command::Bottom, "scroll"),
];

/// Keys of the column chooser.
pub(crate) const COLUMNS: &[Binding] = &[
    b(&[k(KeyCode::Up), ch('k')], Command::Up, "move up"),
    b(&[k(KeyCode::Down), ch('j')], Command::Down, "move down"),
    b(&[ch('g'), k(KeyCode::Home)], Command::Top, "first column"),
    b(&[ch('G'), k(KeyCode::End)], Command::Bottom, "last column"),
    b(&[ch(' '), ch('x')], Command::Toggle, "show / hide column"),
    b(&[ch('d')], Command::Defaults, "default columns"),
    b(
        &[ch('c'), k(KeyCode::Esc), k(KeyCode::Enter)],
        Command::Columns,
        "close the chooser",
    ),
];

/// Keys of the conversations pane: the same movement, sort and export keys as the tables.
pub(crate) const DRILL: &[Binding] = &[
    b(&[k(KeyCode::Up), ch('k')], Command::Up, "move up"),
    b(&[k(KeyCode::Down), ch('j')], Command::Down, "move down"),
    b(&[k(KeyCode::PageUp)], Command::PageUp, "page up"),
    b(&[k(KeyCode::PageDown)], Command::PageDown, "page down"),
    b(&[ch('g'), k(KeyCode::Home)], Command::Top, "first row"),
    b(&[ch('G'), k(KeyCode::End)], Command::Bottom, "last row"),
    b(&[ch('s')], Command::SortNext, "sort by next column"),
    b(&[ch('S')], Command::SortReverse, "reverse the sort"),
    b(
        &[ch('i'), k(KeyCode::Enter)],
        Command::Inspect,
        "conversation timeline",
    ),
    b(&[ch('e')], Command::Export, "export list to CSV"),
    b(&[ch('r')], Command::Refresh, "fetch the list again"),
    b(&[ch('?')], Command::Help, "this help"),
    b(&[k(KeyCode::Esc)], Command::Back, "back to the intervals"),
    b(&[ch('q')], Command::Quit, "quit"),
];

/// Keys while a conversation's timeline is shown; moving shows the next conversation's.
pub(crate) const TIMELINE: &[Binding] = &[
    b(
        &[ch('i'), k(KeyCode::Esc), k(KeyCode::Enter)],
        Command::Inspect,
        "close the timeline",
    ),
    b(
        &[k(KeyCode::Up), ch('k')],
        Command::Up,
        "previous conversation",
    ),
    b(
        &[k(KeyCode::Down), ch('j')],
        Command::Down,
        "next conversation",
    ),
    b(&[ch('q')], Command::Quit, "quit"),
];

/// Keys while the "why this number" pop-over is open; moving explains the next row.
pub(crate) const EXPLAIN: &[Binding] = &[
    b(
        &[ch('i'), k(KeyCode::Esc), k(KeyCode::Enter)],
        Command::Inspect,
        "close",
    ),
    b(&[k(KeyCode::Up), ch('k')], Command::Up, "previous row"),
    b(&[k(KeyCode::Down), ch('j')], Command::Down, "next row"),
    b(
        &[k(KeyCode::Tab), k(KeyCode::BackTab)],
        Command::ToggleFocus,
        "agent's day ⇄ interval",
    ),
    b(&[ch('?')], Command::Help, "this help"),
    b(&[ch('q')], Command::Quit, "quit"),
];

/// The binding table of a mode.
pub fn bindings(mode: Mode) -> &'static [Binding] {
    match mode {
        Mode::Normal => NORMAL,
        Mode::Prompt => PROMPT,
        Mode::Help => HELP,
        Mode::Drill => DRILL,
        Mode::Timeline => TIMELINE,
        Mode::Explain => EXPLAIN,
        Mode::Columns => COLUMNS,
    }
}

/// Keys that drive a replay (`floorwatch replay FILE`). Consulted before the mode's table, in
/// every mode but the filter prompt and the help overlay, and only while replaying; the help
/// overlay lists them only then.
pub const REPLAY: &[Binding] = &[
    b(
        &[ch(' ')],
        Command::Replay(ReplayKey::TogglePause),
        "pause / resume",
    ),
    b(
        &[ch('[')],
        Command::Replay(ReplayKey::StepBack),
        "one snapshot back",
    ),
    b(
        &[ch(']')],
        Command::Replay(ReplayKey::StepForward),
        "one snapshot on",
    ),
    b(
        &[ch('{')],
        Command::Replay(ReplayKey::JumpBack),
        "10 minutes back",
    ),
    b(
        &[ch('}')],
        Command::Replay(ReplayKey::JumpForward),
        "10 minutes on",
    ),
    b(
        &[ch('+'), ch('=')],
        Command::Replay(ReplayKey::Faster),
        "faster",
    ),
    b(&[ch('-')], Command::Replay(ReplayKey::Slower), "slower"),
];

/// The replay command a key press means, if any (see [`REPLAY`]).
pub fn replay_command(key: KeyEvent) -> Option<Command> {
    lookup(key, REPLAY)
}

/// The command a key press means in `mode`, if any. Callers filter out key releases.
///
/// Backspace means what Esc means everywhere but in the filter prompt (where it deletes a
/// character): close the top pop-up, leave a pane. One rule here rather than a second key in
/// every table, so the help's key column stays narrow.
pub(crate) fn command(key: KeyEvent, mode: Mode) -> Option<Command> {
    if matches_chord(QUIT_ANYWHERE, key) {
        return Some(Command::Quit);
    }
    let table = bindings(mode);
    lookup(key, table).or_else(|| match key.code {
        KeyCode::Backspace if mode != Mode::Prompt => {
            lookup(KeyEvent::new(KeyCode::Esc, key.modifiers), table)
        }
        _ => None,
    })
}

/// Whether `key` is the chord `k` (never for [`Key::AnyChar`]).
fn matches_chord(k: Key, key: KeyEvent) -> bool {
    match k {
        Key::Chord(code, mods) => normalized(key) == (code, mods),
        Key::AnyChar => false,
    }
}

/// The key's code and modifiers as the tables spell them (Shift folded into the letter: some
/// terminals report Shift+s as ('s', SHIFT) rather than 'S').
fn normalized(key: KeyEvent) -> (KeyCode, KeyModifiers) {
    let mods = key.modifiers - KeyModifiers::SHIFT;
    let code = match key.code {
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::SHIFT) => {
            KeyCode::Char(c.to_ascii_uppercase())
        }
        other => other,
    };
    (code, mods)
}

fn lookup(key: KeyEvent, table: &[Binding]) -> Option<Command> {
    let (code, mods) = normalized(key);
    for binding in table {
        for k in binding.keys {
            match *k {
                Key::Chord(c, m) if c == code && m == mods => return Some(binding.command),
                Key::AnyChar => {
                    if let KeyCode::Char(c) = code
                        && !mods.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                        && !c.is_control()
                    {
                        return Some(Command::Type(c));
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// How a key is written in the help overlay: `↑`, `PgDn`, `Ctrl-C`, `⇧Tab`.
pub(crate) fn key_label(key: &Key) -> String {
    let (code, mods) = match key {
        Key::AnyChar => return "text".to_string(),
        Key::Chord(c, m) => (c, m),
    };
    let name = match code {
        KeyCode::Up => "↑".to_string(),
        KeyCode::Down => "↓".to_string(),
        KeyCode::Left => "←".to_string(),
        KeyCode::Right => "→".to_string(),
        KeyCode::PageUp => "PgUp".to_string(),
        KeyCode::PageDown => "PgDn".to_string(),
        KeyCode::Home => "Home".to_string(),
        KeyCode::End => "End".to_string(),
        KeyCode::Tab => "Tab".to_string(),
        KeyCode::BackTab => "⇧Tab".to_string(),
        KeyCode::Enter => "Enter".to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Esc => "Esc".to_string(),
        KeyCode::Backspace => "Backspace".to_string(),
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
            c.to_ascii_uppercase().to_string()
        }
        KeyCode::Char(c) => c.to_string(),
        other => format!("{other:?}"),
    };
    if mods.contains(KeyModifiers::CONTROL) {
        format!("Ctrl-{name}")
    } else {
        name
    }
}

/// The help overlay's rows for a table: keys and what they do, consecutive bindings with the
/// same text shown as one row (`↑ ↓  earlier filters`).
pub(crate) fn help_rows(table: &[Binding]) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for b in table {
        match rows.last_mut() {
            Some((keys, help)) if *help == b.help => {
                keys.push(' ');
                keys.push_str(&keys_label(b));
            }
            _ => rows.push((keys_label(b), b.help)),
        }
    }
    rows
}

/// All keys of a binding, as one help-overlay cell: `↑ k`.
pub(crate) fn keys_label(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(key_label)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn letters_and_shifted_letters() {
        let none = KeyModifiers::NONE;
        let shift = KeyModifiers::SHIFT;
        assert_eq!(
            command(key(KeyCode::Char('s'), none), Mode::Normal),
            Some(Command::SortNext)
        );
        assert_eq!(
            command(key(KeyCode::Char('S'), shift), Mode::Normal),
            Some(Command::SortReverse)
        );
        assert_eq!(
            command(key(KeyCode::Char('s'), shift), Mode::Normal),
            Some(Command::SortReverse)
        );
        assert_eq!(
            command(key(KeyCode::Char('G'), none), Mode::Normal),
            Some(Command::Bottom)
        );
        assert_eq!(command(key(KeyCode::Char('x'), none), Mode::Normal), None);
    }

    #[test]
    fn filter_mode_types_letters_but_ctrl_c_quits() {
        let none = KeyModifiers::NONE;
        assert_eq!(
            command(key(KeyCode::Char('q'), none), Mode::Prompt),
            Some(Command::Type('q'))
        );
        assert_eq!(
            command(key(KeyCode::Char('c'), KeyModifiers::CONTROL), Mode::Prompt),
            Some(Command::Quit)
        );
        assert_eq!(
            command(key(KeyCode::Char('x'), KeyModifiers::ALT), Mode::Prompt),
            None
        );
    }

    #[test]
    fn labels_read_well() {
        assert_eq!(key_label(&QUIT_ANYWHERE), "Ctrl-C");
        assert_eq!(keys_label(&NORMAL[0]), "↑ k");
        assert_eq!(key_label(&Key::AnyChar), "text");
    }
}
