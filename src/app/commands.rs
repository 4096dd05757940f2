//! What each command and fetcher event does to the state: the body of [`App::update`].

use std::sync::Arc;

use super::*;
use crate::fetcher::FetchEvent;
use crate::keymap::Command;
use crate::model::Snapshot;
use crate::view::{self, FloorView, Sort};

impl App {
    pub(super) fn on_fetch(&mut self, ev: FetchEvent) -> Outcome {
        let mut out = Outcome::redraw();
        match ev {
            FetchEvent::Started => {
                self.refreshing = true;
                self.next_at = None;
            }
            FetchEvent::Snapshot(snap) => {
                self.refreshing = false;
                self.problem = None;
                self.last_failed = false;
                // The fetcher read the same clock after our last tick; without this the
                // header could say "next in 31 s" for a 30 s period until the next tick.
                self.now = self.now.max(snap.as_of);
                if self.frozen {
                    self.pending = Some(snap);
                } else {
                    self.install(snap);
                    out.effects.extend(self.drill_on_snapshot());
                }
            }
            FetchEvent::Retrying { reason, until } => {
                self.problem = Some(Problem::Retrying { reason, until });
            }
            FetchEvent::Failed { reason, next } => {
                self.refreshing = false;
                self.next_at = next;
                self.last_failed = true;
                self.problem = Some(Problem::Failed { reason });
            }
            FetchEvent::NextAt(t) => self.next_at = Some(t),
        }
        out
    }

    pub(super) fn install(&mut self, snap: Arc<Snapshot>) {
        let new_day = self
            .view
            .as_ref()
            .is_some_and(|v| v.snapshot.window.date != snap.window.date);
        let mut view = FloorView::new(snap);
        view.apply(self.sort, &self.filter_applied, &self.queues);
        self.view = Some(view);
        if new_day {
            self.interval_sel = None;
        }
        self.sync_selection();
    }

    /// Re-finds the selected agent after the rows changed (snapshot, sort, filter).
    pub(super) fn sync_selection(&mut self) {
        let Some(view) = &self.view else { return };
        if view.is_empty() {
            self.agent_sel = 0;
            self.shown_id = None;
            self.intervals.clear();
            return;
        }
        let find = |id: &Option<String>| id.as_deref().and_then(|id| view.position(id));
        let pos = find(&self.selected_id)
            .or_else(|| find(&self.shown_id))
            .unwrap_or(self.agent_sel.min(view.len() - 1));
        self.agent_sel = pos;
        let row_id = view.row(pos).map(|r| r.id.clone());
        if self.selected_id.is_none() {
            self.selected_id = row_id.clone();
        }
        self.shown_id = row_id;
        self.intervals = view
            .agent_day(pos)
            .map(|a| {
                view::interval_rows(
                    &view.snapshot.window,
                    a,
                    view.snapshot.status.is_available(),
                )
            })
            .unwrap_or_default();
    }

    fn select_agent(&mut self, pos: usize) -> bool {
        let Some(view) = &self.view else { return false };
        if view.is_empty() {
            return false;
        }
        let pos = pos.min(view.len() - 1);
        if pos == self.agent_sel && self.shown_id.is_some() {
            return false;
        }
        self.selected_id = view.row(pos).map(|r| r.id.clone());
        self.sync_selection();
        true
    }

    fn select_interval(&mut self, pos: usize) -> bool {
        let Some(cur) = self.selected_interval() else {
            return false;
        };
        let pos = pos.min(self.intervals.len().saturating_sub(1));
        // Once the supervisor moves, stop following the open interval.
        self.interval_sel = Some(pos);
        pos != cur
    }

    /// Moves the focused table's selection by `delta` rows (clamped).
    fn step(&mut self, delta: isize) -> bool {
        match self.focus {
            Focus::Agents => {
                let to = self.agent_sel.saturating_add_signed(delta);
                self.select_agent(to)
            }
            Focus::Intervals => match self.selected_interval() {
                Some(cur) => self.select_interval(cur.saturating_add_signed(delta)),
                None => false,
            },
        }
    }

    fn page(&self) -> isize {
        let p = match self.focus {
            Focus::Agents => self.pages.0,
            Focus::Intervals => self.pages.1,
        };
        p.max(1) as isize
    }

    pub(super) fn run(&mut self, cmd: Command) -> Outcome {
        match cmd {
            Command::Up => Outcome::changed(self.step(-1)),
            Command::Down => Outcome::changed(self.step(1)),
            Command::PageUp => Outcome::changed(self.step(-self.page())),
            Command::PageDown => Outcome::changed(self.step(self.page())),
            Command::Top => Outcome::changed(self.step(isize::MIN / 2)),
            Command::Bottom => Outcome::changed(self.step(isize::MAX / 2)),
            Command::ToggleFocus => {
                self.focus = match self.focus {
                    Focus::Agents => Focus::Intervals,
                    Focus::Intervals => Focus::Agents,
                };
                Outcome::redraw()
            }
            Command::FocusAgents => self.set_focus(Focus::Agents),
            Command::FocusIntervals => self.set_focus(Focus::Intervals),
            Command::Open => match self.focus {
                Focus::Agents if self.selected_agent().is_some() => {
                    self.set_focus(Focus::Intervals)
                }
                Focus::Intervals => self.open_conversations(),
                _ => Outcome::none(),
            },
            Command::SortNext => {
                let column = self.sort.column.next_in(&self.visible_columns());
                self.set_sort(Sort {
                    column,
                    descending: column.natural_descending(),
                })
            }
            Command::SortReverse => self.set_sort(Sort {
                descending: !self.sort.descending,
                ..self.sort
            }),
            Command::FilterOpen => {
                self.prompt_open = true;
                Outcome::redraw()
            }
            Command::FilterChar(c) => {
                self.filter.push(c);
                self.refilter();
                Outcome::redraw()
            }
            Command::FilterBackspace => {
                let popped = self.filter.pop().is_some();
                if popped {
                    self.refilter();
                }
                Outcome::changed(popped)
            }
            Command::FilterAccept => {
                self.prompt_open = false;
                Outcome::redraw()
            }
            Command::FilterCancel => {
                self.prompt_open = false;
                self.clear_filter();
                Outcome::redraw()
            }
            Command::Refresh if self.is_replay() => self.replay_no_refresh(),
            Command::Refresh => Outcome::none().with(Effect::RefreshNow),
            Command::Replay(k) => self.run_replay(k),
            Command::Freeze => {
                self.frozen = !self.frozen;
                if !self.frozen
                    && let Some(snap) = self.pending.take()
                {
                    self.install(snap);
                }
                Outcome::redraw()
            }
            Command::Export => match self.export_view() {
                Some(v) => Outcome::none().with(Effect::Export(v)),
                None => {
                    self.notice = Some(Notice::NothingToExport);
                    Outcome::redraw()
                }
            },
            Command::Help => {
                self.help_open = !self.help_open;
                Outcome::redraw()
            }
            Command::Back => {
                if !self.filter.is_empty() {
                    self.clear_filter();
                    Outcome::redraw()
                } else if self.focus == Focus::Intervals {
                    self.set_focus(Focus::Agents)
                } else {
                    self.run(Command::Quit)
                }
            }
            Command::Columns => self.open_chooser(),
            Command::Toggle | Command::Defaults => Outcome::none(),
            // `i` on a table: why the selected row's figures are what they are.
            Command::Inspect => self.open_explain(),
            Command::Quit => {
                self.quit = true;
                Outcome::none().with(Effect::Quit)
            }
        }
    }

    fn set_focus(&mut self, focus: Focus) -> Outcome {
        let changed = self.focus != focus;
        self.focus = focus;
        Outcome::changed(changed)
    }

    fn set_sort(&mut self, sort: Sort) -> Outcome {
        self.sort = sort;
        if let Some(v) = &mut self.view {
            v.apply(self.sort, &self.filter_applied, &self.queues);
        }
        self.sync_selection();
        Outcome::redraw()
    }

    fn clear_filter(&mut self) {
        self.filter.clear();
        self.refilter();
    }

    /// The focused table as CSV rows, exactly as shown; `None` before any data.
    pub fn export_view(&self) -> Option<ViewExport> {
        let view = self.view.as_ref()?;
        match self.focus {
            Focus::Agents => Some(view.export()),
            Focus::Intervals => {
                let agent = self.selected_agent()?;
                Some(view::export_intervals(agent, &self.intervals))
            }
        }
    }
}
