//! What the engine judges: each agent's day (or a scope's total) seen through the filter
//! language's [`Subject`], exactly as the agents table's rows are, so `acw/c>3m` in a rule
//! means what it means after `/`.
//!
//! [`AlertInput`] is built once per snapshot (the day sums of every agent) and can be judged
//! again without rebuilding, e.g. on a state change between snapshots.

use chrono::{DateTime, Utc};

use crate::figures::Figure;
use crate::filter::Subject;
use crate::live::{AgentNow, LiveSnapshot};
use crate::model::{RoutingTotals, Snapshot, Totals};

/// Who is a member of which queue, for `queue = "…"` scopes and `queue:` terms. The dashboard
/// passes the memberships it resolved for its filter ([`crate::view::Queues`]); a queue whose
/// members are not known yet has none.
pub trait QueueMembers {
    /// Whether agent `agent_id` is a member of the queue named `queue` (case-insensitively).
    fn is_member(&self, queue: &str, agent_id: &str) -> bool;
}

impl QueueMembers for crate::view::Queues {
    fn is_member(&self, queue: &str, agent_id: &str) -> bool {
        self.contains(queue, agent_id)
    }
}

/// No memberships known (a config without queue scopes, or before any is resolved).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoQueues;

impl QueueMembers for NoQueues {
    fn is_member(&self, _: &str, _: &str) -> bool {
        false
    }
}

/// One agent's day sums.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AgentFigures {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) totals: Totals,
    pub(crate) status: Option<RoutingTotals>,
    /// What the agent is doing now, when the live floor knows.
    pub(crate) now: Option<AgentNow>,
}

/// The floor as the rules see it: every agent's day sums, from one snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AlertInput {
    pub(crate) agents: Vec<AgentFigures>,
}

impl AlertInput {
    /// Sums every agent's day (status figures only when the snapshot's status is available,
    /// as the table shows them).
    pub fn of(snapshot: &Snapshot) -> Self {
        let with_status = snapshot.status.is_available();
        AlertInput {
            agents: snapshot
                .agents
                .iter()
                .map(|a| AgentFigures {
                    id: a.id.clone(),
                    name: a.display_name().to_string(),
                    totals: a.totals(),
                    status: with_status.then(|| a.routing_totals()),
                    now: None,
                })
                .collect(),
        }
    }

    /// Takes every agent's state now from the live floor (`None`: no live floor, no states),
    /// so `state=` and `for>` rules judge the moment; the day sums stay the snapshot's.
    pub fn set_live(&mut self, floor: Option<&LiveSnapshot>) {
        for a in &mut self.agents {
            a.now = floor.and_then(|f| f.agent(&a.id));
        }
    }

    /// Number of agents.
    pub fn len(&self) -> usize {
        self.agents.len()
    }

    /// True when the floor has no agent.
    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
    }
}

/// The sums of several agents, as the table's total row shows them when filtered to them.
pub(crate) fn total_of<'a>(
    agents: impl Iterator<Item = &'a AgentFigures>,
) -> (Totals, Option<RoutingTotals>, usize) {
    let mut t = Totals::default();
    let mut s: Option<RoutingTotals> = None;
    let mut n = 0;
    for a in agents {
        t.add(&a.totals);
        if let Some(st) = &a.status {
            s.get_or_insert_with(RoutingTotals::default).add(st);
        }
        n += 1;
    }
    (t, s, n)
}

/// An agent (or a total) as the filter language sees it.
pub(crate) struct Judged<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) totals: &'a Totals,
    pub(crate) status: Option<&'a RoutingTotals>,
    /// For an agent: its id, looked up in `members`; for a total: every agent summed must be
    /// a member.
    pub(crate) member_ids: &'a [&'a str],
    pub(crate) members: &'a dyn QueueMembers,
    /// The agent's state now (none for a total).
    pub(crate) now: Option<&'a AgentNow>,
    /// The moment judged (time in state is counted to it).
    pub(crate) at: DateTime<Utc>,
}

impl Judged<'_> {
    /// The figures `figures` as the screen shows them, `ACW/c 3:40 · Hold/c 1:05`
    /// (blank figures are left out).
    pub(crate) fn value_text(&self, figures: &[Figure]) -> String {
        figures
            .iter()
            .filter_map(|f| {
                let text = match (f.spec().live, self.now) {
                    (Some(l), Some(n)) => (l.text)(n, self.at),
                    (Some(_), None) => String::new(),
                    (None, _) => f.text(self.totals, self.status),
                };
                (!text.is_empty()).then(|| format!("{} {text}", f.title()))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

impl Subject for Judged<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn id(&self) -> &str {
        self.id
    }

    fn figure(&self, f: Figure) -> Option<f64> {
        let v = match f.is_live() {
            true => self.now.and_then(|n| f.live_value(n, self.at)),
            false => f.value(self.totals, self.status),
        };
        v.map(|v| f.spec().unit.to_filter(v))
    }

    fn state(&self) -> Option<&'static str> {
        self.now.map(|n| n.activity.key())
    }

    fn in_queue(&self, queue: &str) -> bool {
        !self.member_ids.is_empty()
            && self
                .member_ids
                .iter()
                .all(|id| self.members.is_member(queue, id))
    }
}
