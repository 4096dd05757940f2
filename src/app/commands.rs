//! What each key command does on the tables (and in the filter prompt and help overlay): the
//! body of [`App::update`] for keys. The overlays with keys of their own (conversations,
//! column chooser, explain) have theirs in their files and hand shared commands back here.

use super::*;
use crate::keymap::Command;
use crate::view::{self, Sort};

impl App {
    /// Moves the focused table's selection by `delta` rows (clamped).
    fn step(&mut self, delta: isize) -> bool {
        match self.cursor.focus {
            Focus::Agents => {
                let to = self.cursor.agent.saturating_add_signed(delta);
                self.cursor.select_agent(self.view.as_ref(), to)
            }
            Focus::Intervals => match self.selected_interval() {
                Some(cur) => self
                    .cursor
                    .select_interval(cur, cur.saturating_add_signed(delta)),
                None => false,
            },
        }
    }

    pub(super) fn run(&mut self, cmd: Command) -> Outcome {
        match cmd {
            Command::Up => Outcome::changed(self.step(-1)),
            Command::Down => Outcome::changed(self.step(1)),
            Command::PageUp => Outcome::changed(self.step(-self.cursor.page())),
            Command::PageDown => Outcome::changed(self.step(self.cursor.page())),
            Command::Top => Outcome::changed(self.step(isize::MIN / 2)),
            Command::Bottom => Outcome::changed(self.step(isize::MAX / 2)),
            Command::ToggleFocus => {
                let to = match self.cursor.focus {
                    Focus::Agents => Focus::Intervals,
                    Focus::Intervals => Focus::Agents,
                };
                self.cursor.set_focus(to);
                Outcome::redraw()
            }
            Command::FocusAgents => Outcome::changed(self.cursor.set_focus(Focus::Agents)),
            Command::FocusIntervals => Outcome::changed(self.cursor.set_focus(Focus::Intervals)),
            Command::Open => match self.cursor.focus {
                Focus::Agents if self.selected_agent().is_some() => {
                    Outcome::changed(self.cursor.set_focus(Focus::Intervals))
                }
                Focus::Intervals => self.open_conversations(),
                Focus::Agents => Outcome::none(),
            },
            Command::SortNext | Command::SortReverse if self.cursor.focus == Focus::Intervals => {
                self.say(Notice::Info(
                    "the intervals stay in time order; Tab to the agents table to sort".into(),
                ))
            }
            Command::SortNext => {
                let by = self.sort.by.next_in(&self.visible_columns());
                self.set_sort(Sort {
                    by,
                    descending: by.natural_descending(),
                })
            }
            Command::SortReverse => self.set_sort(Sort {
                descending: !self.sort.descending,
                ..self.sort
            }),
            Command::FilterOpen => {
                self.overlay = Overlay::Prompt(Prompt::Filter);
                Outcome::redraw()
            }
            Command::FindOpen => self.open_find(),
            Command::FindNext => self.find_again(true),
            Command::FindPrev => self.find_again(false),
            Command::CommandLine => self.open_command_line(),
            // Prompt keys reach the prompt (`run_prompt`), never the tables.
            Command::Type(_)
            | Command::Edit(_)
            | Command::Complete
            | Command::Accept
            | Command::Cancel => Outcome::none(),
            Command::DayBack | Command::DayForward => self.step_day(cmd == Command::DayForward),
            Command::Refresh if self.is_replay() => self.replay_no_refresh(),
            Command::Refresh => Outcome::none().with(Effect::RefreshNow),
            Command::Replay(k) => self.run_replay(k),
            Command::Freeze => {
                if let Some(snap) = self.refresh.toggle_freeze() {
                    self.install(snap);
                }
                Outcome::redraw()
            }
            Command::Export => match self.export_view() {
                Some(v) => Outcome::none().with(Effect::Export(v)),
                None => self.say(Notice::NothingToExport),
            },
            Command::Help => {
                self.overlay.toggle_help();
                Outcome::redraw()
            }
            Command::Back => self.back(),
            Command::Columns => self.open_chooser(),
            Command::QueueStrip => self.toggle_strip(),
            Command::Acknowledge => self.acknowledge_alert(),
            Command::Snooze => self.snooze_alert(),
            Command::Toggle | Command::Defaults => Outcome::none(),
            // `i` on a table: why the selected row's figures are what they are.
            Command::Inspect => self.open_explain(),
            Command::Quit => {
                self.quit = true;
                Outcome::none().with(Effect::Quit)
            }
        }
    }

    /// Esc/Backspace on the tables: clear the filter, else leave the intervals. Never quits
    /// (only `q`, Ctrl-C and a signal end the program).
    fn back(&mut self) -> Outcome {
        if !self.filter.line.text.is_empty() {
            self.clear_filter();
            Outcome::redraw()
        } else {
            Outcome::changed(self.cursor.set_focus(Focus::Agents))
        }
    }

    /// `<` / `>`: asks for the day before or after the one shown (today is the live floor;
    /// there is no day after it).
    fn step_day(&mut self, forward: bool) -> Outcome {
        let shown = self.date();
        let target = if forward {
            shown.succ_opt()
        } else {
            shown.pred_opt()
        };
        match target {
            Some(d) => self.show_day(d),
            None => Outcome::none(),
        }
    }

    /// Shows `day`: a past day read-only, today (or a day after it) live.
    pub(super) fn show_day(&mut self, day: chrono::NaiveDate) -> Outcome {
        if self.is_replay() {
            return self.say(Notice::Info(
                "replay: the recording's days are reached with { and }".into(),
            ));
        }
        let today = self.today();
        let shown = self.date();
        if day < today {
            if day == shown {
                return Outcome::none();
            }
            Outcome::none().with(Effect::ShowDay(Some(day)))
        } else if shown < today {
            Outcome::none().with(Effect::ShowDay(None))
        } else {
            self.say(Notice::Info(
                "already on today: there is no day after it".into(),
            ))
        }
    }

    fn set_sort(&mut self, sort: Sort) -> Outcome {
        self.sort = sort;
        self.reapply();
        Outcome::redraw()
    }

    /// The focused table as CSV: the rows and the figure columns on screen, in screen order
    /// (future intervals blank); `None` before any data.
    pub fn export_view(&self) -> Option<ViewExport> {
        let view = self.view.as_ref()?;
        match self.cursor.focus {
            Focus::Agents => Some(view.export(&self.visible_columns(), self.live.lens(self.now))),
            Focus::Intervals => {
                let figures = self.interval_columns();
                let agent = self.selected_agent()?;
                Some(view::export_intervals(
                    agent,
                    &self.cursor.intervals,
                    &figures,
                    self.now,
                ))
            }
        }
    }
}
