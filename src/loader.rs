//! Turns a day window and an agent selection into a [`Snapshot`]: resolves who to show, runs the
//! chunked aggregate queries, folds the answers, and names the agents. Used by the headless
//! export and the fetcher alike, for demo and live (only the client's transport differs).
//!
//! Each range of buckets is asked twice: the conversation aggregates (handle, ACW, hold…) and
//! the user aggregates (routing status and presence, for occupancy), with the same window,
//! zone, granularity, user chunks and slices. So a refresh sends twice as many aggregate
//! queries as before status existed, unless the user aggregates were refused (403): then the
//! fetcher only asks again on its full reloads.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::config::Selection;
use crate::genesys::aggregates;
pub use crate::genesys::aggregates::CellsByUser;
pub use crate::genesys::user_aggregates::StatusByUser;
use crate::genesys::user_aggregates::{self, StatusAnswer};
use crate::genesys::{ApiError, ApiRequest, GenesysClient, users};
use crate::model::{
    AgentDay, IntervalMetrics, Snapshot, Source, StatusAvailability, StatusMetrics,
};
use crate::timegrid::DayWindow;

/// Which agents the queries cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every agent with activity in the window (no userId predicates).
    Everyone,
    /// These user ids, in chunks of at most 100 per query; each gets a row even when idle.
    Users(Vec<String>),
}

impl Scope {
    fn users(&self) -> Option<&[String]> {
        match self {
            Scope::Everyone => None,
            Scope::Users(u) => Some(u),
        }
    }
}

/// Why loading failed, in one line.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    UnknownQueue(users::UnknownQueue),
}

impl From<users::QueueError> for LoadError {
    fn from(e: users::QueueError) -> Self {
        match e {
            users::QueueError::Api(e) => LoadError::Api(e),
            users::QueueError::Unknown(e) => LoadError::UnknownQueue(e),
        }
    }
}

/// Resolves `--queue`/`--user` into user ids (queue members first, then explicit users,
/// without duplicates); a `--queue` may be a Genesys wildcard pattern (`Billing*`). Names learnt along the way go into `names`.
pub async fn resolve_scope(
    client: &GenesysClient,
    selection: &Selection,
    names: &mut NameCache,
) -> Result<Scope, LoadError> {
    if selection.is_everyone() {
        return Ok(Scope::Everyone);
    }
    let mut ids: Vec<String> = Vec::new();
    for pattern in &selection.queues {
        for m in users::matching_queue_members(client, pattern)
            .await?
            .members
        {
            if !m.name.is_empty() {
                names.insert(m.id.clone(), m.name.clone());
            }
            if !ids.contains(&m.id) {
                ids.push(m.id);
            }
        }
    }
    for u in &selection.users {
        if !ids.contains(u) {
            ids.push(u.clone());
        }
    }
    Ok(Scope::Users(ids))
}

/// Runs the queries for buckets `[from, to)`, one chunk at a time (never more than one query
/// in flight per chunk), and folds every answer into cells keyed by user.
pub async fn fetch_cells(
    client: &GenesysClient,
    window: &DayWindow,
    from: usize,
    to: usize,
    media: &[String],
    scope: &Scope,
) -> Result<CellsByUser, ApiError> {
    fetch_cells_sliced(client, window, from, to, media, scope, None).await
}

/// Above this many agents, a whole-floor (everyone) query over many buckets is split into
/// time slices, so no single response body grows to tens of MB.
pub const LARGE_FLOOR_AGENTS: usize = 1000;

/// Buckets per slice for a large everyone-scope floor (a quarter of a half-hour day).
pub const SLICE_BUCKETS: usize = 12;

/// [`fetch_cells`], optionally splitting the range into slices of at most `slice` buckets.
/// Slicing bounds peak memory for a large floor queried without userId chunks; with userId
/// chunks each body is already small.
pub async fn fetch_cells_sliced(
    client: &GenesysClient,
    window: &DayWindow,
    from: usize,
    to: usize,
    media: &[String],
    scope: &Scope,
    slice: Option<usize>,
) -> Result<CellsByUser, ApiError> {
    let mut cells: CellsByUser = zero_rows(scope, window.len());
    for (start, end) in slices(from, to, slice) {
        for q in aggregates::build_queries(window, start, end, media, scope.users()) {
            let body = serde_json::to_value(&q).map_err(|e| ApiError::Malformed {
                what: "aggregates query".into(),
                detail: e.to_string(),
            })?;
            let bytes = client
                .send(&ApiRequest::post(aggregates::PATH, body))
                .await?;
            aggregates::fold_body(&bytes, window, &mut cells).map_err(|e| ApiError::Malformed {
                what: "aggregates query".into(),
                detail: e.0,
            })?;
        }
    }
    Ok(cells)
}

/// A zero-filled row per user of an explicit scope (an agent with no activity is still a row).
fn zero_rows<T: Default + Clone>(scope: &Scope, len: usize) -> HashMap<String, Vec<T>> {
    scope
        .users()
        .into_iter()
        .flatten()
        .map(|u| (u.clone(), vec![T::default(); len]))
        .collect()
}

/// `[from, to)` cut into slices of at most `slice` buckets (one slice when `None`).
fn slices(from: usize, to: usize, slice: Option<usize>) -> impl Iterator<Item = (usize, usize)> {
    let step = slice.unwrap_or(to.saturating_sub(from)).max(1);
    (from..to)
        .step_by(step)
        .map(move |start| (start, (start + step).min(to)))
}

/// What the user aggregates (status) queries gave for a range of buckets.
#[derive(Clone, Debug, PartialEq)]
pub enum StatusFetch {
    /// Status cells by user (zero-filled rows for every user of an explicit scope).
    Cells(StatusByUser),
    /// The query was refused (403); the plain-words reason naming the missing permission.
    /// The conversation metrics are unaffected.
    Forbidden(String),
}

/// Runs the user aggregates queries for buckets `[from, to)` with the same chunks and slices
/// as [`fetch_cells_sliced`], folding every answer into status cells. The first 403 stops the
/// remaining queries and gives [`StatusFetch::Forbidden`]; any other failure is an error, as
/// for the conversation query.
pub async fn fetch_status_sliced(
    client: &GenesysClient,
    window: &DayWindow,
    from: usize,
    to: usize,
    scope: &Scope,
    slice: Option<usize>,
) -> Result<StatusFetch, ApiError> {
    let mut cells: StatusByUser = zero_rows(scope, window.len());
    for (start, end) in slices(from, to, slice) {
        for q in user_aggregates::build_queries(window, start, end, scope.users()) {
            if let StatusAnswer::Forbidden(reason) =
                client.user_aggregates_into(&q, window, &mut cells).await?
            {
                return Ok(StatusFetch::Forbidden(reason));
            }
        }
    }
    Ok(StatusFetch::Cells(cells))
}

/// [`merge`] for status cells: fresh non-empty cells of `[from, to)` replace the previous
/// snapshot's, silent ones keep their values. Only a base whose status was available counts.
pub fn merge_status(
    base: Option<&Snapshot>,
    fresh: StatusByUser,
    from: usize,
    to: usize,
) -> StatusByUser {
    let Some(base) = base.filter(|b| b.status.is_available()) else {
        return fresh;
    };
    let mut cells: StatusByUser = base
        .agents
        .iter()
        .filter(|a| !a.status.is_empty())
        .map(|a| (a.id.clone(), a.status.clone()))
        .collect();
    overlay(&mut cells, fresh, from, to);
    cells
}

/// Gives a (zero) conversation row to every user who was on queue in `status` but has no row
/// yet: an agent on queue all day without a single interaction is exactly who occupancy is
/// about. Users merely logged in (never on queue, e.g. supervisors in an everyone-scope
/// query) get no row.
/// Returns the ids added (to be named).
pub fn add_status_agents(
    cells: &mut CellsByUser,
    status: &StatusFetch,
    buckets: usize,
) -> Vec<String> {
    let StatusFetch::Cells(status) = status else {
        return Vec::new();
    };
    let mut added = Vec::new();
    for (id, row) in status {
        if !cells.contains_key(id) && row.iter().any(StatusMetrics::was_on_queue) {
            cells.insert(id.clone(), vec![IntervalMetrics::default(); buckets]);
            added.push(id.clone());
        }
    }
    added
}

/// User id → display name, kept across refreshes so each id is looked up once.
#[derive(Clone, Debug, Default)]
pub struct NameCache {
    names: HashMap<String, String>,
    /// Ids already asked for and not found (deleted beyond `state=any`, or no permission).
    unresolved: std::collections::HashSet<String>,
}

impl NameCache {
    /// Records a name.
    pub fn insert(&mut self, id: String, name: String) {
        self.names.insert(id, name);
    }

    /// The name of `id`, if known.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    /// Looks up every id not yet known. A failed look-up is not fatal: the rows show ids, and
    /// the error comes back for the log/status line.
    pub async fn resolve<'a>(
        &mut self,
        client: &GenesysClient,
        ids: impl IntoIterator<Item = &'a String>,
    ) -> Option<ApiError> {
        let missing: Vec<String> = ids
            .into_iter()
            .filter(|id| !self.names.contains_key(*id) && !self.unresolved.contains(*id))
            .cloned()
            .collect();
        if missing.is_empty() {
            return None;
        }
        let found = users::lookup_names(client, &missing).await;
        for id in missing {
            match found.names.get(&id) {
                Some(n) => {
                    self.names.insert(id, n.clone());
                }
                // Ids of a failed batch are asked again next time.
                None if found.failed.contains(&id) => {}
                None => {
                    self.unresolved.insert(id);
                }
            }
        }
        if let Some(e) = &found.error {
            tracing::warn!(error = %e, "could not resolve some agent names; showing ids");
        }
        found.error
    }
}

/// Merges freshly fetched buckets `[from, to)` over the previous snapshot's cells: a cell the
/// API returned figures for replaces the old one; a cell it was silent about keeps its old
/// values (a failed or partial answer never blanks good data). Agents seen for the first time
/// are added.
pub fn merge(base: Option<&Snapshot>, fresh: CellsByUser, from: usize, to: usize) -> CellsByUser {
    let Some(base) = base else { return fresh };
    let mut cells: CellsByUser = base
        .agents
        .iter()
        .map(|a| (a.id.clone(), a.intervals.clone()))
        .collect();
    overlay(&mut cells, fresh, from, to);
    cells
}

/// A stored cell that can say whether Genesys reported anything for it.
trait Reported: Copy {
    fn reported(&self) -> bool;
}

impl Reported for IntervalMetrics {
    fn reported(&self) -> bool {
        !self.is_empty()
    }
}

impl Reported for StatusMetrics {
    fn reported(&self) -> bool {
        !self.is_empty()
    }
}

/// Lays `fresh` rows over `cells` for buckets `from..to`: reported cells replace, silent ones
/// keep the old value (a partial answer never blanks good data); new users are added.
fn overlay<T: Reported>(
    cells: &mut HashMap<String, Vec<T>>,
    fresh: HashMap<String, Vec<T>>,
    from: usize,
    to: usize,
) {
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
}

/// Builds the immutable snapshot from folded cells, without status (
/// [`StatusAvailability::Unknown`]).
pub fn assemble(
    window: Arc<DayWindow>,
    cells: CellsByUser,
    names: &NameCache,
    as_of: DateTime<Utc>,
    source: Source,
) -> Snapshot {
    assemble_with_status(window, cells, None, names, as_of, source)
}

/// Builds the immutable snapshot from folded conversation cells and the status answer: with
/// status cells every agent gets a full-length status row (zeros where Genesys was silent) and
/// the snapshot is [`StatusAvailability::Available`]; when refused, rows stay empty and the
/// snapshot carries the reason; `None` means status was not asked for. Rows come from `cells`
/// (see [`add_status_agents`] for status-only agents).
pub fn assemble_with_status(
    window: Arc<DayWindow>,
    cells: CellsByUser,
    status: Option<StatusFetch>,
    names: &NameCache,
    as_of: DateTime<Utc>,
    source: Source,
) -> Snapshot {
    let len = window.len();
    let (mut by_user, availability) = match status {
        None => (StatusByUser::new(), StatusAvailability::Unknown),
        Some(StatusFetch::Forbidden(reason)) => {
            (StatusByUser::new(), StatusAvailability::Forbidden(reason))
        }
        Some(StatusFetch::Cells(c)) => (c, StatusAvailability::Available),
    };
    let available = availability.is_available();
    let agents = cells
        .into_iter()
        .map(|(id, intervals)| {
            let status = if available {
                let mut row = by_user
                    .remove(&id)
                    .unwrap_or_else(|| vec![StatusMetrics::default(); len]);
                row.resize(len, StatusMetrics::default());
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

/// Loads a whole day: scope, queries, names. The headless export's one call. Conversation
/// metrics only (status [`StatusAvailability::Unknown`]), so a plain export costs no user
/// aggregates queries; see [`load_day_with_status`].
pub async fn load_day(
    client: &GenesysClient,
    window: Arc<DayWindow>,
    media: &[String],
    selection: &Selection,
    source: Source,
    as_of: DateTime<Utc>,
) -> Result<Snapshot, LoadError> {
    load(client, window, media, selection, source, as_of, false).await
}

/// [`load_day`] plus the user aggregates (routing status, presence, occupancy) for
/// `floorwatch export --with-status`. A 403 on the user aggregates does not fail the load: the
/// snapshot is [`StatusAvailability::Forbidden`] with the reason, conversation figures intact.
/// Agents on queue without any conversation get a row.
pub async fn load_day_with_status(
    client: &GenesysClient,
    window: Arc<DayWindow>,
    media: &[String],
    selection: &Selection,
    source: Source,
    as_of: DateTime<Utc>,
) -> Result<Snapshot, LoadError> {
    load(client, window, media, selection, source, as_of, true).await
}

async fn load(
    client: &GenesysClient,
    window: Arc<DayWindow>,
    media: &[String],
    selection: &Selection,
    source: Source,
    as_of: DateTime<Utc>,
    with_status: bool,
) -> Result<Snapshot, LoadError> {
    let mut names = NameCache::default();
    let scope = resolve_scope(client, selection, &mut names).await?;
    let mut cells = fetch_cells(client, &window, 0, window.len(), media, &scope).await?;
    let status = if with_status {
        let s = fetch_status_sliced(client, &window, 0, window.len(), &scope, None).await?;
        add_status_agents(&mut cells, &s, window.len());
        Some(s)
    } else {
        None
    };
    names.resolve(client, cells.keys()).await;
    Ok(assemble_with_status(
        window, cells, status, &names, as_of, source,
    ))
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
            status: StatusAvailability::Unknown,
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
        let merged = merge(Some(&base), fresh, 10, 12);
        assert_eq!(merged["a"][10], cell(5));
        assert_eq!(merged["a"][11], cell(2), "silent bucket keeps its values");
        assert!(merged["a"][9].is_empty());
        assert_eq!(merged["b"][11], cell(1));
    }

    #[tokio::test]
    async fn sliced_fetch_equals_one_query_and_bounds_each_body() {
        use crate::demo::{DemoFloor, DemoTransport, fixed_clock};
        use chrono::TimeZone;
        let w = window();
        let end = Utc
            .with_ymd_and_hms(2025, 3, 11, 0, 0, 0)
            .single()
            .expect("t");
        let client = GenesysClient::new(Arc::new(DemoTransport::new(
            Arc::new(DemoFloor::builtin()),
            fixed_clock(end),
        )));
        let media = vec!["voice".to_string()];
        let whole = fetch_cells(&client, &w, 0, w.len(), &media, &Scope::Everyone)
            .await
            .expect("whole");
        let before = client.stats().requests;
        let sliced = fetch_cells_sliced(
            &client,
            &w,
            0,
            w.len(),
            &media,
            &Scope::Everyone,
            Some(SLICE_BUCKETS),
        )
        .await
        .expect("sliced");
        assert_eq!(
            client.stats().requests - before,
            4,
            "48 buckets in slices of 12"
        );
        assert!(!whole.is_empty());
        assert_eq!(sliced, whole);
    }
}
