//! The one load pipeline: a [`Loader`] turns a day window and a [`Plan`] into a [`Snapshot`]. It
//! resolves who to show, runs the chunked aggregate queries of both endpoints, merges the
//! answers over its last snapshot and names the agents. The fetcher (every refresh) and the
//! headless export (`Plan::Full` once) call the same [`Loader::load`], for demo and live alike
//! (only the client's transport differs).
//!
//! Each range of buckets is asked twice: the conversation aggregates (handle, ACW, hold…) and
//! the user aggregates (routing status and presence, for occupancy), with the same window,
//! zone, granularity and slices; userIds are chunked to each endpoint's predicate budget. So a
//! refresh sends twice as many aggregate queries as before status existed, unless the user
//! aggregates were refused (403): then they are only asked again on full reloads.

mod fetch;
mod merge;
mod names;
mod scope;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Selection;
use crate::genesys::aggregates::users_per_query;
use crate::genesys::user_aggregates::forbidden_reason;
use crate::genesys::{ApiError, GenesysClient, users};
use crate::model::{IntervalMetrics, RoutingMetrics, Snapshot, Source};
use crate::timegrid::DayWindow;

use fetch::{LARGE_FLOOR_AGENTS, Range, SLICE_BUCKETS};
use merge::StatusFetch;
pub use names::NameCache;
pub use scope::{Scope, resolve_scope};

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

/// Which buckets a load re-reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plan {
    /// The whole day: first load, a new day, the periodic late-correction pass, the export.
    Full,
    /// Buckets `[from, to)`: the open interval and the few before it.
    Recent { from: usize, to: usize },
}

/// What every load of one [`Loader`] asks for.
#[derive(Clone, Debug, PartialEq)]
pub struct LoaderConfig {
    /// Media types to count (`--media`); empty means every media type.
    pub media: Vec<String>,
    /// `--queue` / `--user`; empty means every agent with activity.
    pub selection: Selection,
    /// What the snapshots say they come from (live region, demo).
    pub source: Source,
    /// Also ask the user aggregates (routing status, occupancy); off for `--no-status` and the
    /// plain export, so they cost no user aggregates queries.
    pub status: bool,
}

/// The load pipeline and what it remembers between loads: the scope, the name cache, the last
/// snapshot and full reload, whether status was refused, and how many userIds a query may carry.
pub struct Loader {
    client: GenesysClient,
    config: LoaderConfig,
    names: NameCache,
    scope: Option<Scope>,
    last: Option<Arc<Snapshot>>,
    last_full: Option<DateTime<Utc>>,
    /// Why the user aggregates were refused (403), if they were: not asked again until the
    /// next full reload, so a refused permission costs no requests on incremental refreshes.
    status_refused: Option<String>,
    /// UserIds per conversation query: the predicate budget, lowered if Genesys refused more.
    conversation_users: usize,
    /// UserIds per user aggregates query, likewise.
    status_users: usize,
}

impl Loader {
    /// A loader that has loaded nothing yet.
    pub fn new(client: GenesysClient, config: LoaderConfig) -> Self {
        Loader {
            conversation_users: users_per_query::<IntervalMetrics>(&config.media),
            status_users: users_per_query::<RoutingMetrics>(&config.media),
            client,
            config,
            names: NameCache::default(),
            scope: None,
            last: None,
            last_full: None,
            status_refused: None,
        }
    }

    /// What the next load of `window` at `now` should re-read: see [`plan`].
    /// The client the loader asks.
    pub(crate) fn client(&self) -> &GenesysClient {
        &self.client
    }

    pub(crate) fn plan(
        &self,
        window: &DayWindow,
        now: DateTime<Utc>,
        lookback: usize,
        full_every: Duration,
    ) -> Plan {
        plan(
            self.last.as_deref(),
            self.last_full,
            window,
            now,
            lookback,
            full_every,
        )
    }

    /// Loads `plan`'s buckets of `window` and returns the new snapshot (as of `as_of`), also
    /// kept as the base of the next load. A `Recent` plan merges over the last snapshot of the
    /// same day; a new day starts from nothing. A failed status query (403) hides status and
    /// never fails the load; any other failure leaves the last snapshot as it was.
    pub async fn load(
        &mut self,
        window: Arc<DayWindow>,
        plan: Plan,
        as_of: DateTime<Utc>,
    ) -> Result<Arc<Snapshot>, LoadError> {
        let scope = self.scope(plan).await?;
        let base = self.last.clone().filter(|s| s.window.date == window.date);
        let base = base.as_deref();
        let window = base.map(|s| s.window.clone()).unwrap_or(window);
        let (from, to) = match plan {
            Plan::Full => (0, window.len()),
            Plan::Recent { from, to } => (from, to),
        };
        tracing::debug!(?plan, from, to, "loading");
        let large_floor = base.is_some_and(|b| b.agents.len() > LARGE_FLOOR_AGENTS);
        let media = self.config.media.clone();
        let range = Range {
            window: &window,
            from,
            to,
            media: &media,
            scope: &scope,
            slice: (scope == Scope::Everyone && large_floor).then_some(SLICE_BUCKETS),
        };
        let fresh =
            fetch::fetch::<IntervalMetrics>(&self.client, range, &mut self.conversation_users)
                .await?;
        let status = self.status(range, plan).await?;
        let status = status.map(|s| match s {
            StatusFetch::Cells(cells) => {
                StatusFetch::Cells(merge::merge(merge::status_rows(base), cells, from, to))
            }
            refused => refused,
        });
        let mut cells = merge::merge(merge::conversation_rows(base), fresh, from, to);
        if let Some(s) = &status {
            merge::add_status_agents(&mut cells, s, window.len());
        }
        self.names.resolve(&self.client, cells.keys()).await;
        let snap = Arc::new(merge::assemble(
            window,
            cells,
            status,
            &self.names,
            as_of,
            self.config.source.clone(),
        ));
        if plan == Plan::Full {
            self.last_full = Some(as_of);
        }
        self.last = Some(snap.clone());
        Ok(snap)
    }

    /// The scope for `plan`. Queue membership changes during a shift: it is re-read with every
    /// full load. If that fails but an earlier scope exists, the earlier one is kept rather
    /// than failing the load.
    async fn scope(&mut self, plan: Plan) -> Result<Scope, LoadError> {
        if let (Some(s), Plan::Recent { .. }) = (&self.scope, plan) {
            return Ok(s.clone());
        }
        match scope::resolve_scope(&self.client, &self.config.selection, &mut self.names).await {
            Ok(s) => {
                self.scope = Some(s.clone());
                Ok(s)
            }
            Err(e) => match &self.scope {
                Some(s) => {
                    tracing::warn!(error = %e, "could not re-read queue membership; keeping the previous agents");
                    Ok(s.clone())
                }
                None => Err(e),
            },
        }
    }

    /// Status (user aggregates) over the same range: `None` when not asked for; a refusal
    /// (403) is remembered and not asked again before the next full load. Other errors fail
    /// the load like the conversation query.
    async fn status(
        &mut self,
        range: Range<'_>,
        plan: Plan,
    ) -> Result<Option<StatusFetch>, ApiError> {
        if !self.config.status {
            return Ok(None);
        }
        if let (Some(reason), Plan::Recent { .. }) = (&self.status_refused, plan) {
            return Ok(Some(StatusFetch::Forbidden(reason.clone())));
        }
        match fetch::fetch::<RoutingMetrics>(&self.client, range, &mut self.status_users).await {
            Ok(cells) => {
                self.status_refused = None;
                Ok(Some(StatusFetch::Cells(cells)))
            }
            Err(e @ ApiError::Forbidden { .. }) => {
                let reason = forbidden_reason(&e);
                if self.status_refused.is_none() {
                    tracing::warn!(%reason, "user aggregates refused; status columns hidden");
                }
                self.status_refused = Some(reason.clone());
                Ok(Some(StatusFetch::Forbidden(reason)))
            }
            Err(e) => Err(e),
        }
    }
}

/// Decides what to re-read: the whole day on the first load, on a new day or zone, and every
/// `full_every` (late corrections to older intervals); otherwise the open interval and the
/// `lookback - 1` before it. Pure, so the schedule is testable without a server.
pub(crate) fn plan(
    last: Option<&Snapshot>,
    last_full: Option<DateTime<Utc>>,
    window: &DayWindow,
    now: DateTime<Utc>,
    lookback: usize,
    full_every: Duration,
) -> Plan {
    let Some(last) = last else { return Plan::Full };
    let Some(last_full) = last_full else {
        return Plan::Full;
    };
    if last.window.date != window.date
        || last.window.tz != window.tz
        || now - last_full >= chrono::Duration::from_std(full_every).unwrap_or_default()
    {
        return Plan::Full;
    }
    let to = window
        .bucket_index(now)
        .map(|i| i + 1)
        .unwrap_or(window.len());
    let from = to.saturating_sub(lookback.max(1));
    Plan::Recent { from, to }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timegrid::Granularity;
    use chrono::TimeZone;

    fn snap(window: DayWindow) -> Snapshot {
        Snapshot {
            window: Arc::new(window),
            agents: Vec::new(),
            as_of: DateTime::<Utc>::default(),
            source: Source::Demo,
            status: Default::default(),
        }
    }

    #[test]
    fn plan_reads_recent_buckets_then_the_whole_day_again() {
        let tz = chrono_tz::UTC;
        let t = |h, m| {
            Utc.with_ymd_and_hms(2025, 3, 10, h, m, 0)
                .single()
                .expect("time")
        };
        let w = DayWindow::containing(t(10, 7), tz, Granularity::Min30);
        let every = Duration::from_secs(15 * 60);
        assert_eq!(plan(None, None, &w, t(10, 7), 3, every), Plan::Full);
        let last = snap(w.clone());
        assert_eq!(
            plan(Some(&last), Some(t(10, 0)), &w, t(10, 7), 3, every),
            Plan::Recent { from: 18, to: 21 }
        );
        assert_eq!(
            plan(Some(&last), Some(t(9, 52)), &w, t(10, 7), 3, every),
            Plan::Full
        );
        assert_eq!(
            plan(Some(&last), Some(t(0, 0)), &w, t(0, 5), 3, every),
            Plan::Recent { from: 0, to: 1 }
        );
        let tomorrow = DayWindow::containing(
            t(23, 59) + chrono::Duration::minutes(2),
            tz,
            Granularity::Min30,
        );
        assert_eq!(
            plan(Some(&last), Some(t(23, 55)), &tomorrow, t(23, 59), 3, every),
            Plan::Full
        );
    }
}
