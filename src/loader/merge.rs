//! Fresh cells over the last snapshot, status-only agents, and the immutable [`Snapshot`].

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::genesys::aggregates::{AggregateCell, CellsByUser, UserCells};
use crate::genesys::user_aggregates::StatusByUser;
use crate::model::{
    AgentDay, IntervalMetrics, RoutingAvailability, RoutingMetrics, Snapshot, Source,
};
use crate::timegrid::DayWindow;

use super::names::NameCache;

/// What the user aggregates (status) queries gave for a range of buckets.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StatusFetch {
    /// Status cells by user (zero-filled rows for every user of an explicit scope).
    Cells(StatusByUser),
    /// The query was refused (403); the plain-words reason naming the missing permission.
    /// The conversation metrics are unaffected.
    Forbidden(String),
}

/// Freshly fetched buckets `[from, to)` over the previous snapshot's rows (`base_rows`, `None`
/// when there is no usable base): a cell the API reported replaces the old one; a cell it was
/// silent about keeps its old values (a failed or partial answer never blanks good data).
/// Users seen for the first time are added.
pub(crate) fn merge<C: AggregateCell>(
    base_rows: Option<UserCells<C>>,
    fresh: UserCells<C>,
    from: usize,
    to: usize,
) -> UserCells<C> {
    let Some(mut cells) = base_rows else {
        return fresh;
    };
    for (id, row) in fresh {
        match cells.get_mut(&id) {
            Some(old) => {
                for i in from..to.min(row.len()).min(old.len()) {
                    if row[i].reported() {
                        old[i] = row[i];
                    }
                }
            }
            None => {
                cells.insert(id, row);
            }
        }
    }
    cells
}

/// The conversation rows of `base`, for [`merge`].
pub(crate) fn conversation_rows(base: Option<&Snapshot>) -> Option<CellsByUser> {
    base.map(|b| {
        b.agents
            .iter()
            .map(|a| (a.id.clone(), a.intervals.clone()))
            .collect()
    })
}

/// The status rows of `base`, for [`merge`]; only a base whose status was available counts.
pub(crate) fn status_rows(base: Option<&Snapshot>) -> Option<StatusByUser> {
    base.filter(|b| b.status.is_available()).map(|b| {
        b.agents
            .iter()
            .filter(|a| !a.status.is_empty())
            .map(|a| (a.id.clone(), a.status.clone()))
            .collect()
    })
}

/// Gives a (zero) conversation row to every user who was on queue in `status` but has no row
/// yet: an agent on queue all day without a single interaction is exactly who occupancy is
/// about. Users merely logged in (never on queue, e.g. supervisors in an everyone-scope
/// query) get no row.
pub(crate) fn add_status_agents(cells: &mut CellsByUser, status: &StatusFetch, buckets: usize) {
    let StatusFetch::Cells(status) = status else {
        return;
    };
    for (id, row) in status {
        if !cells.contains_key(id) && row.iter().any(RoutingMetrics::was_on_queue) {
            cells.insert(id.clone(), vec![IntervalMetrics::default(); buckets]);
        }
    }
}

/// Builds the immutable snapshot from folded conversation cells and the status answer: with
/// status cells every agent gets a full-length status row (zeros where Genesys was silent) and
/// the snapshot is [`RoutingAvailability::Available`]; when refused, rows stay empty and the
/// snapshot carries the reason; `None` means status was not asked for
/// ([`RoutingAvailability::Unknown`]). Rows come from `cells` (see [`add_status_agents`]).
pub(crate) fn assemble(
    window: Arc<DayWindow>,
    cells: CellsByUser,
    status: Option<StatusFetch>,
    names: &NameCache,
    as_of: DateTime<Utc>,
    source: Source,
) -> Snapshot {
    let len = window.len();
    let (mut by_user, availability) = match status {
        None => (StatusByUser::new(), RoutingAvailability::Unknown),
        Some(StatusFetch::Forbidden(reason)) => {
            (StatusByUser::new(), RoutingAvailability::Forbidden(reason))
        }
        Some(StatusFetch::Cells(c)) => (c, RoutingAvailability::Available),
    };
    let available = availability.is_available();
    let agents = cells
        .into_iter()
        .map(|(id, intervals)| {
            let status = if available {
                let mut row = by_user
                    .remove(&id)
                    .unwrap_or_else(|| vec![RoutingMetrics::default(); len]);
                row.resize(len, RoutingMetrics::default());
                row
            } else {
                Vec::new()
            };
            AgentDay {
                name: names.get(&id).map(str::to_string),
                id,
                intervals,
                status,
            }
        })
        .collect();
    let mut snap = Snapshot {
        window,
        agents,
        as_of,
        source,
        status: availability,
    };
    snap.sort_agents();
    snap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timegrid::Granularity;
    use chrono::NaiveDate;

    fn window() -> Arc<DayWindow> {
        Arc::new(DayWindow::new(
            NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"),
            chrono_tz::UTC,
            Granularity::Min30,
        ))
    }

    fn cell(handled: u32) -> IntervalMetrics {
        IntervalMetrics {
            handled,
            handle_ms: handled * 1000,
            ..Default::default()
        }
    }

    #[test]
    fn merge_replaces_only_what_the_api_returned() {
        let w = window();
        let mut a = vec![IntervalMetrics::default(); w.len()];
        a[10] = cell(1);
        a[11] = cell(2);
        let base = Snapshot {
            window: w.clone(),
            agents: vec![AgentDay {
                id: "a".into(),
                name: None,
                intervals: a,
                status: Vec::new(),
            }],
            as_of: DateTime::<Utc>::default(),
            source: Source::Demo,
            status: RoutingAvailability::Unknown,
        };
        let mut fresh = CellsByUser::new();
        let mut row = vec![IntervalMetrics::default(); w.len()];
        row[10] = cell(5); // late data grew an older interval
        row[9] = cell(7); // outside the refreshed range: ignored
        fresh.insert("a".into(), row);
        fresh.insert("b".into(), {
            let mut r = vec![IntervalMetrics::default(); w.len()];
            r[11] = cell(1);
            r
        });
        let merged = merge(conversation_rows(Some(&base)), fresh, 10, 12);
        assert_eq!(merged["a"][10], cell(5));
        assert_eq!(merged["a"][11], cell(2), "silent bucket keeps its values");
        assert!(merged["a"][9].is_empty());
        assert_eq!(merged["b"][11], cell(1));
        // A base without status gives no status rows to merge over.
        assert!(status_rows(Some(&base)).is_none());
    }
}
