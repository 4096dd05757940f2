//! Running what the app asks for ([`Effect`]) outside itself: refreshes, replay controls, view
//! exports on a blocking thread, drill-downs and queue look-ups in their own tasks, and the
//! saved view written when it changes. Answers come back to the loop as actions.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::alerts::AlertConfig;
use crate::alerts::deliver::Deliverer;
use crate::app::{Action, App, DrillRequest, Effect, ViewExport};
use crate::export;
use crate::feed::Feed;
use crate::fetcher::Clock;
use crate::live::LiveControl;
use crate::lookups::Lookups;
use crate::provenance::{self, Provenance};
use crate::saved_view::SavedView;

/// Where `e` writes, and how to name files in local time.
pub(crate) struct ExportTarget {
    pub dir: PathBuf,
    pub tz: chrono_tz::Tz,
    /// Where the view (sort, filter, focus, columns) is saved when it changes; `None` keeps it
    /// in memory only.
    pub view_file: Option<PathBuf>,
}

/// What the loop needs to carry out effects: where exports go, the clock, the on-demand
/// look-ups (`None` where there is no API to ask, e.g. a replay), the channels answers come
/// back on, the drill-downs still running and the view last saved.
pub(crate) struct Effects {
    target: ExportTarget,
    clock: Clock,
    lookups: Option<Lookups>,
    exported: mpsc::UnboundedSender<Result<PathBuf, String>>,
    answers: mpsc::UnboundedSender<Action>,
    drills: HashMap<u64, tokio::task::AbortHandle>,
    /// What the saved-view file holds now.
    saved: Option<SavedView>,
    /// Rings, notifies and runs commands for fired alerts (with the rules' settings).
    alerts: Option<(Deliverer, AlertConfig)>,
    /// Bell and notification bytes for the terminal, written by the loop after the next frame.
    terminal: Vec<u8>,
}

impl Effects {
    /// A runner sending finished exports on `exported` and look-up answers on `answers`; the
    /// view `app` starts with needs no write.
    pub(crate) fn new(
        target: ExportTarget,
        clock: Clock,
        lookups: Option<Lookups>,
        exported: mpsc::UnboundedSender<Result<PathBuf, String>>,
        answers: mpsc::UnboundedSender<Action>,
        app: &App,
        delivery: Option<Deliverer>,
    ) -> Self {
        let saved = target.view_file.as_ref().map(|_| app.saved_view());
        let alerts = delivery.zip(app.alert_config().cloned());
        Effects {
            target,
            clock,
            lookups,
            exported,
            answers,
            drills: HashMap::new(),
            saved,
            alerts,
            terminal: Vec::new(),
        }
    }

    /// Carries out `effects`, in order.
    pub(crate) fn run(&mut self, effects: Vec<Effect>, app: &App, feed: &mut Feed) {
        for fx in effects {
            match fx {
                Effect::Quit => {}
                Effect::RefreshNow => feed.refresh_now(),
                Effect::ShowDay(day) => feed.show_day(day),
                Effect::Replay(control) => feed.steer_replay(control),
                Effect::Export(view) => {
                    let prov = app.export_provenance(&view, (self.clock)());
                    spawn_export(view, prov, &self.target, &self.clock, self.exported.clone());
                }
                Effect::LoadDrill(req) => {
                    let id = req.id;
                    let handle = spawn_drill(req, self.lookups.as_ref(), self.answers.clone());
                    self.drills.insert(id, handle);
                }
                Effect::CancelDrill(id) => {
                    if let Some(h) = self.drills.remove(&id) {
                        h.abort();
                    }
                }
                Effect::ResolveQueue(name) => {
                    spawn_queue_lookup(name, self.lookups.as_ref(), self.answers.clone());
                }
                Effect::LiveScope { agents, queues } => {
                    feed.steer_live(LiveControl::Scope { agents, queues });
                }
                Effect::LiveStrip(on) => feed.steer_live(LiveControl::QueueStrip(on)),
                Effect::DeliverAlerts(fired) => {
                    if let Some((d, config)) = &mut self.alerts {
                        let out = d.deliver(&fired, config, (self.clock)());
                        self.carry_out(out);
                    }
                }
                Effect::RecordAlerts(events) => {
                    if let Some(rec) = &feed.recorder {
                        rec.record_alerts(events);
                    }
                }
                Effect::QueueName(id) => {
                    if let Some(l) = self.lookups.clone() {
                        let done = self.answers.clone();
                        tokio::spawn(async move {
                            let name = l.queue_name(&id).await;
                            let _ = done.send(Action::QueueName { id, name });
                        });
                    }
                }
            }
        }
    }

    /// Alerts held by the rate limit, once their minute is over (called on the clock).
    pub(crate) fn flush_alerts(&mut self) {
        let now = (self.clock)();
        if let Some((d, config)) = &mut self.alerts
            && d.next_flush().is_some_and(|t| now >= t)
        {
            let out = d.flush(config, now);
            self.carry_out(out);
        }
    }

    /// Queues a delivery's bytes for the terminal and starts its commands (never through a
    /// shell; a command that cannot start is logged, the dashboard carries on).
    fn carry_out(&mut self, out: crate::alerts::deliver::Delivery) {
        self.terminal.extend(out.terminal);
        for c in out.commands {
            if let Err(e) = c.spawn() {
                tracing::warn!(error = %e, "an alert's command did not start");
            }
        }
    }

    /// The bell and notification bytes to write now (between frames).
    pub(crate) fn take_terminal_bytes(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.terminal)
    }

    /// An answer arrived: its task is done.
    pub(crate) fn answered(&mut self, answer: &Action) {
        if let Action::Drill { id, .. } = answer {
            self.drills.remove(id);
        }
    }

    /// Saves the view when it changed (not mid-typing in the filter prompt).
    pub(crate) fn save_view_if_changed(&mut self, app: &App) {
        if let Some(path) = &self.target.view_file
            && app.prompt().is_none()
        {
            let view = app.saved_view();
            if self.saved.as_ref() != Some(&view) {
                save_view(path.clone(), view.clone());
                self.saved = Some(view);
            }
        }
    }

    /// Stops the look-ups still running (the loop is ending).
    pub(crate) fn abort_all(&self) {
        for h in self.drills.values() {
            h.abort();
        }
    }
}

/// Fetches a conversations list in its own task; the answer comes back as an action.
fn spawn_drill(
    req: DrillRequest,
    source: Option<&Lookups>,
    done: mpsc::UnboundedSender<Action>,
) -> tokio::task::AbortHandle {
    let source = source.cloned();
    tokio::spawn(async move {
        let result = match source {
            Some(s) => s.drill(&req.user_id, req.bucket).await.map(Arc::new),
            None => Err(
                "a recording holds the interval figures, not the conversations behind them \
                 (open the live dashboard to drill down)"
                    .into(),
            ),
        };
        if let Err(e) = &result {
            tracing::warn!(error = %e, "conversations list failed");
        }
        let _ = done.send(Action::Drill { id: req.id, result });
    })
    .abort_handle()
}

/// Writes the saved view on a blocking thread; a failure is logged (the view still works).
fn save_view(path: PathBuf, view: crate::saved_view::SavedView) {
    tokio::task::spawn_blocking(move || {
        if let Err(e) = crate::saved_view::save(&path, &view) {
            tracing::warn!(error = %e, "view not saved");
        }
    });
}

/// Looks a queue's members up in its own task (a `queue:` filter term, a per-queue target).
fn spawn_queue_lookup(name: String, source: Option<&Lookups>, done: mpsc::UnboundedSender<Action>) {
    let source = source.cloned();
    tokio::spawn(async move {
        let result = match source {
            Some(s) => s.queue_members(&name).await,
            None => Err("a recording cannot look queue members up (no connection)".into()),
        };
        if let Err(e) = &result {
            tracing::warn!(queue = %name, error = %e, "queue look-up failed");
        }
        let _ = done.send(Action::QueueMembers { name, result });
    });
}

/// Writes the view on a blocking thread so a slow disk cannot freeze the table, and its
/// provenance beside it (same stem, `.json`).
fn spawn_export(
    view: ViewExport,
    prov: Provenance,
    target: &ExportTarget,
    clock: &Clock,
    done: mpsc::UnboundedSender<Result<PathBuf, String>>,
) {
    let dir = target.dir.clone();
    let at = clock().with_timezone(&target.tz);
    tokio::task::spawn_blocking(move || {
        let header: Vec<&str> = view.header.iter().map(String::as_str).collect();
        let res = export::write_view(&dir, view.kind.slug(), at, &header, &view.rows)
            .and_then(|csv| provenance::write_beside(&csv, &view, &prov).map(|_| csv))
            .map_err(|e| e.to_string());
        match &res {
            Ok(p) => tracing::info!(path = %p.display(), rows = view.rows.len(), "exported view"),
            Err(e) => tracing::warn!(error = %e, "view export failed"),
        }
        let _ = done.send(res);
    });
}
