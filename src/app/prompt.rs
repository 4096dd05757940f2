//! The bottom-line prompts (filter `/`, find F3, command `:`): one dispatch for their keys,
//! Tab completion, and what the status line draws for the open one.

use super::command_line::{self, DateArg, LineCommand};
use super::line_edit::LineEditor;
use super::*;
use crate::filter::FilterError;
use crate::keymap::Command;
use crate::view::SortBy;

/// What the status line shows for the open prompt.
#[derive(Debug)]
pub struct PromptLine<'a> {
    /// `filter /`, `find `, `:`.
    pub label: &'static str,
    pub text: &'a str,
    /// In characters of `text`.
    pub cursor: usize,
    /// Why the text does not parse, with the column (filter and find).
    pub error: Option<&'a FilterError>,
    /// A muted hint after the text: an example while empty, completions, what Enter does.
    pub hint: String,
}

/// The command line's state: its line, and what the last Tab offered.
#[derive(Debug, Default)]
pub(crate) struct CommandState {
    pub(crate) line: LineEditor,
    /// The completions Tab found when more than one fits, shown as the hint.
    offered: Vec<String>,
    /// Why the last command could not run (shown until the line changes).
    error: Option<String>,
}

impl App {
    /// A key while a prompt is open.
    pub(super) fn run_prompt(&mut self, prompt: Prompt, cmd: Command) -> Outcome {
        if cmd == Command::Quit {
            return self.run(cmd);
        }
        match prompt {
            Prompt::Filter => match cmd {
                Command::Type(_) | Command::Edit(_) => self.edit_filter(cmd),
                Command::Complete => self.complete_filter(),
                Command::Accept => self.accept_filter(),
                Command::Cancel => {
                    self.overlay = Overlay::None;
                    self.clear_filter();
                    Outcome::redraw()
                }
                _ => Outcome::none(),
            },
            Prompt::Find { from } => match cmd {
                Command::Type(_) | Command::Edit(_) => self.edit_find(from, cmd),
                Command::Accept => self.accept_find(),
                Command::Cancel => self.cancel_find(from),
                _ => Outcome::none(),
            },
            Prompt::Command => match cmd {
                Command::Type(_) | Command::Edit(_) => {
                    let before = self.command.line.cursor;
                    let changed = self.command.line.apply(cmd);
                    if changed {
                        self.command.offered.clear();
                        self.command.error = None;
                    }
                    Outcome::changed(changed || before != self.command.line.cursor)
                }
                Command::Complete => self.complete_command(),
                Command::Accept => self.accept_command(),
                Command::Cancel => {
                    self.overlay = Overlay::None;
                    Outcome::redraw()
                }
                _ => Outcome::none(),
            },
        }
    }

    /// `:`: open the command line, empty.
    pub(super) fn open_command_line(&mut self) -> Outcome {
        self.command.line.clear();
        self.command.offered.clear();
        self.command.error = None;
        self.overlay = Overlay::Prompt(Prompt::Command);
        Outcome::redraw()
    }

    /// Tab in the filter prompt: the field name being typed.
    fn complete_filter(&mut self) -> Outcome {
        let words = crate::filter::field_names();
        let line = &mut self.filter.line;
        if complete_word(line, &words, is_filter_break).is_some() && self.filter.parse_line() {
            self.reapply();
        }
        Outcome::redraw()
    }

    /// Tab on the command line: a command name, or the command's word.
    fn complete_command(&mut self) -> Outcome {
        let before: String = self
            .command
            .line
            .text
            .chars()
            .take(self.command.line.cursor)
            .collect();
        let words = command_line::completions(&before);
        self.command.offered =
            match complete_word(&mut self.command.line, &words, char::is_whitespace) {
                Some(1) => {
                    // A whole command name: a space for its argument.
                    if !before.contains(char::is_whitespace) {
                        self.command.line.insert(' ');
                    }
                    Vec::new()
                }
                Some(_) => words,
                None => Vec::new(),
            };
        Outcome::redraw()
    }

    /// Enter on the command line: run it; an error keeps the line open and says why.
    fn accept_command(&mut self) -> Outcome {
        match command_line::parse(&self.command.line.text) {
            Ok(c) => {
                self.command.line.remember();
                self.overlay = Overlay::None;
                self.run_line_command(c)
            }
            Err(e) => {
                self.command.error = Some(e);
                Outcome::redraw()
            }
        }
    }

    fn run_line_command(&mut self, c: LineCommand) -> Outcome {
        match c {
            LineCommand::Quit => self.run(Command::Quit),
            LineCommand::Export => self.run(Command::Export),
            LineCommand::Columns => self.run(Command::Columns),
            LineCommand::Help => self.run(Command::Help),
            LineCommand::Date(d) => {
                let today = self.today();
                let day = match d {
                    DateArg::DaysAgo(n) => today - chrono::Days::new(u64::from(n)),
                    DateArg::On(day) => day,
                };
                self.show_day(day)
            }
            LineCommand::Filter(text) => {
                if self.filter.set_text(text) {
                    self.reapply();
                }
                match &self.filter.error {
                    Some(e) => {
                        let msg = format!("filter not applied: {}", e.message);
                        self.filter.set_text(String::new());
                        self.reapply();
                        self.say(Notice::Warning(msg))
                    }
                    None => {
                        self.filter.line.remember();
                        let mut out = Outcome::redraw();
                        out.effects = self.filter.ask_for_queues();
                        out
                    }
                }
            }
            LineCommand::Find(text) => {
                let from = self.cursor.agent;
                self.open_find();
                self.find.line.set_text(text);
                match crate::filter::parse(&self.find.line.text) {
                    Ok(_) => {
                        self.edit_find(from, Command::Edit(crate::keymap::EditKey::End));
                        self.accept_find()
                    }
                    Err(e) => {
                        self.overlay = Overlay::None;
                        self.say(Notice::Warning(format!("find: {}", e.message)))
                    }
                }
            }
            LineCommand::Sort { by, descending } => {
                if let SortBy::Figure(f) = by
                    && !self.visible_columns().contains(&f)
                {
                    return self.say(Notice::Info(format!(
                        "{} is not on screen: add it with c first",
                        f.title()
                    )));
                }
                let descending = descending.unwrap_or(by.natural_descending());
                self.sort = Sort { by, descending };
                self.reapply();
                Outcome::redraw()
            }
        }
    }

    /// The open prompt as the status line draws it.
    pub fn prompt_line(&self) -> Option<PromptLine<'_>> {
        let prompt = self.prompt()?;
        Some(match prompt {
            Prompt::Filter => {
                let line = &self.filter.line;
                PromptLine {
                    label: "filter /",
                    text: &line.text,
                    cursor: line.cursor,
                    error: self.filter.error.as_ref(),
                    hint: if line.text.is_empty() {
                        "  name, or aht>6m acw>=90 hold>1m occ<70 handled=0 queue:NAME name~smith"
                            .into()
                    } else {
                        "   Enter keep · Esc clear · ↑↓ earlier · Tab field".into()
                    },
                }
            }
            Prompt::Find { .. } => {
                let line = &self.find.line;
                let hint = if line.text.is_empty() {
                    "  a name or id (or a filter: aht>10m) — Enter stays, then n / N".to_string()
                } else {
                    match crate::filter::parse(&line.text) {
                        Ok(f) => match self.matching_count(&f) {
                            0 => "   no match".to_string(),
                            n => format!(
                                "   {n} match{} · Enter stay · Esc back",
                                if n == 1 { "" } else { "es" }
                            ),
                        },
                        Err(_) => String::new(),
                    }
                };
                PromptLine {
                    label: "find ",
                    text: &line.text,
                    cursor: line.cursor,
                    error: self.find.error.as_ref(),
                    hint,
                }
            }
            Prompt::Command => {
                let line = &self.command.line;
                let hint = if let Some(e) = &self.command.error {
                    format!("   {e}")
                } else if !self.command.offered.is_empty() {
                    format!("   {}", self.command.offered.join("  "))
                } else if line.text.is_empty() {
                    let names: Vec<&str> = command_line::COMMANDS.iter().map(|c| c.name).collect();
                    format!("  {} — Tab completes", names.join(" "))
                } else {
                    command_hint(&line.text)
                };
                PromptLine {
                    label: ":",
                    text: &line.text,
                    cursor: line.cursor,
                    error: None,
                    hint,
                }
            }
        })
    }

    /// Whether the command line's hint is an error (drawn in the error style).
    pub fn command_failed(&self) -> bool {
        self.prompt() == Some(Prompt::Command) && self.command.error.is_some()
    }
}

/// After a command's name: how its argument is written and what it does.
fn command_hint(text: &str) -> String {
    let word = text.split_whitespace().next().unwrap_or("").to_lowercase();
    command_line::COMMANDS
        .iter()
        .find(|c| c.name == word || (c.name.starts_with(&word) && !word.is_empty()))
        .map(|c| match c.args {
            "" => format!("   {}", c.help),
            args => format!("   {} {args} — {}", c.name, c.help),
        })
        .unwrap_or_default()
}

/// Where a filter word ends for Tab: spaces and the operators that start a new term.
fn is_filter_break(c: char) -> bool {
    c.is_whitespace() || matches!(c, '|' | '!' | '(' | ')')
}

/// Completes the word before the cursor from `words` (case-insensitive): the one word, or
/// the longest prefix they share. Returns how many words fit (`None`: none, or an empty word
/// with nothing to offer).
fn complete_word(
    line: &mut LineEditor,
    words: &[String],
    breaks: fn(char) -> bool,
) -> Option<usize> {
    let chars: Vec<char> = line.text.chars().collect();
    let mut start = line.cursor;
    while start > 0 && !breaks(chars[start - 1]) {
        start -= 1;
    }
    let typed: String = chars[start..line.cursor]
        .iter()
        .collect::<String>()
        .to_lowercase();
    let fits: Vec<&String> = words
        .iter()
        .filter(|w| w.to_lowercase().starts_with(&typed))
        .collect();
    let first = fits.first()?;
    let mut common: Vec<char> = first.chars().collect();
    for w in &fits[1..] {
        let n = common
            .iter()
            .zip(w.chars())
            .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
            .count();
        common.truncate(n);
    }
    let text: String = chars[..start]
        .iter()
        .chain(common.iter())
        .chain(chars[line.cursor..].iter())
        .collect();
    let cursor = start + common.len();
    line.set_text(text);
    line.cursor = cursor;
    Some(fits.len())
}
