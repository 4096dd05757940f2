//! Targets on the dashboard: which limits apply to an agent, how each cell stands against
//! them, and how many agents are over target (the header's count). Pure reads of the state;
//! the widgets only pick a style and a marker from the [`Level`] these return.

use super::App;
use crate::figures::Figure;
use crate::model::{RoutingTotals, Totals};
use crate::targets::{Level, Limits, TargetMetric, Targets};
use crate::view::{AgentRow, IntervalRow};

/// How one cell of `figure` stands against `limits` (Ok for figures without a target). A
/// total is judged by its average ([`TargetMetric::figure`]).
pub fn cell_level(
    limits: &Limits,
    figure: Figure,
    totals: &Totals,
    status: Option<&RoutingTotals>,
) -> Level {
    let Some(metric) = figure.spec().target else {
        return Level::Ok;
    };
    metric
        .value(totals, status)
        .map_or(Level::Ok, |v| limits.level(metric, v))
}

/// The worst level of any targeted figure in `totals` (what makes an agent "over target").
pub fn worst_level(limits: &Limits, totals: &Totals, status: Option<&RoutingTotals>) -> Level {
    TargetMetric::ALL
        .into_iter()
        .map(|m| {
            m.value(totals, status)
                .map_or(Level::Ok, |v| limits.level(m, v))
        })
        .max()
        .unwrap_or_default()
}

/// Targets: read access for the widgets and the hook for per-queue limits.
impl App {
    /// Sets the targets from the config file (`--config`); empty means nothing is flagged.
    /// Per-queue overrides need each override queue's members: they are looked up once each
    /// on [`super::Action::Start`].
    pub(crate) fn set_targets(&mut self, targets: Targets) {
        self.targets = targets;
    }

    /// [`App::set_targets`], builder style.
    pub fn with_targets(mut self, targets: Targets) -> Self {
        self.set_targets(targets);
        self
    }

    /// The targets in force (empty when there is no config file or `--no-config`).
    pub(crate) fn targets(&self) -> &Targets {
        &self.targets
    }

    /// True when any target is set, so widgets can skip all target work otherwise.
    pub(crate) fn has_targets(&self) -> bool {
        !self.targets.is_empty()
    }

    /// True when `metric` has a target anywhere (globally or for some queue), so a column
    /// judged by it needs room for a `!!` marker.
    pub(crate) fn targets_metric(&self, metric: TargetMetric) -> bool {
        let sets = |l: &Limits| l.get(metric).is_some();
        sets(&self.targets.global) || self.targets.queues.values().any(sets)
    }

    /// The limits that apply to `agent_id`.
    ///
    /// The limits an agent is judged by: those of the first (by name) targets-file queue the
    /// agent is a member of, falling back to the global `[targets]` for what that queue does
    /// not set; the global ones until the queue's members are known.
    pub(crate) fn limits_for(&self, agent_id: &str) -> Limits {
        self.targets.for_queue(self.queue_of(agent_id))
    }

    /// The targets-file queue an agent's limits come from, once memberships are known.
    pub fn queue_of(&self, agent_id: &str) -> Option<&str> {
        self.targets
            .queues
            .keys()
            .find(|q| self.filter.queues.contains(q, agent_id))
            .map(String::as_str)
    }

    /// How a cell of an agent row stands against that agent's limits (day figures).
    pub fn agent_cell_level(&self, row: &AgentRow, column: Figure) -> Level {
        if !self.has_targets() {
            return Level::Ok;
        }
        cell_level(
            &self.limits_for(&row.id),
            column,
            &row.totals,
            row.status.as_ref(),
        )
    }

    /// How a cell of the selected agent's interval row stands against that agent's limits
    /// (the interval's own figures).
    pub(crate) fn interval_cell_level(&self, row: &IntervalRow, column: Figure) -> Level {
        if !self.has_targets() {
            return Level::Ok;
        }
        let Some(agent) = self.selected_agent() else {
            return Level::Ok;
        };
        cell_level(
            &self.limits_for(&agent.id),
            column,
            &row.totals,
            row.status.as_ref(),
        )
    }

    /// How many agents of the whole floor (not just the rows a filter leaves visible) have
    /// any day figure over target; `None` when no target is set. The whole floor, because
    /// the count is there to say "someone needs a look", filter or not.
    pub fn over_target_count(&self) -> Option<usize> {
        if !self.has_targets() {
            return None;
        }
        let view = self.view()?;
        Some(
            view.agents
                .iter()
                .filter(|a| {
                    worst_level(&self.limits_for(&a.id), &a.totals, a.status.as_ref()).is_over()
                })
                .count(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn totals(handled: u64, handle_s: u64, acw_s: u64, hold_s: u64) -> Totals {
        Totals {
            handled,
            handle_ms: handle_s * 1000,
            acw_ms: acw_s * 1000,
            acw_count: handled,
            hold_ms: hold_s * 1000,
            ..Totals::default()
        }
    }

    #[test]
    fn totals_are_judged_by_their_averages() {
        let l = Limits {
            aht_ms: Some(300_000),
            acw_ms: Some(60_000),
            hold_ms: Some(30_000),
            occupancy_pct: None,
        };
        // 2 handled: AHT 6:00 (120 % of 5:00: over), ACW 50 s each, hold 40 s each.
        let t = totals(2, 720, 100, 80);
        assert_eq!(cell_level(&l, Figure::Aht, &t, None), Level::Over);
        assert_eq!(cell_level(&l, Figure::Acw, &t, None), Level::Ok);
        assert_eq!(cell_level(&l, Figure::AcwPerCall, &t, None), Level::Ok);
        assert_eq!(cell_level(&l, Figure::Hold, &t, None), Level::Far);
        assert_eq!(cell_level(&l, Figure::HoldPerCall, &t, None), Level::Far);
        assert_eq!(cell_level(&l, Figure::Handle, &t, None), Level::Ok);
        assert_eq!(cell_level(&l, Figure::Occupancy, &t, None), Level::Ok);
        assert_eq!(worst_level(&l, &t, None), Level::Far);
        assert_eq!(worst_level(&l, &totals(0, 0, 0, 0), None), Level::Ok);
    }
}
