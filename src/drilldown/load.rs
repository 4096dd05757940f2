//! Fetching one cell's list: the details query for the agent and bucket, the rows, and the
//! queue and wrap-up code names (looked up once per session). Runs off the UI thread; the pane
//! and `floorwatch conversations` call the same [`load`], so the headless CSV and the pane's
//! `e` export are the same records.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{CallColumn, DrillDown, DrillRow};
use crate::genesys::details::{self, DEFAULT_PAGE_SIZE};
use crate::genesys::{ApiError, GenesysClient, users};
use crate::timegrid::Bucket;

/// The wrap-up code Genesys records when the agent let wrap-up time out; it has no entry in the
/// org's wrap-up codes, so its name is ours.
pub const WRAP_UP_TIMEOUT: &str = "ININ-WRAP-UP-TIMEOUT";

/// What the pane shows for one cell: the rows (sorted), and the names we could read.
#[derive(Clone, Debug, PartialEq)]
pub struct DrillPage {
    /// Rows, totals, reconciliation inputs.
    pub drill: DrillDown,
    /// Queue names by id, for the ids the org let us read.
    pub queues: HashMap<String, String>,
    /// Wrap-up code names by id, likewise.
    pub wrap_ups: HashMap<String, String>,
    /// When the fetch finished ("as of" of the list).
    pub fetched_at: DateTime<Utc>,
}

impl DrillPage {
    /// The queue's name, else its id; blank when the conversation named no queue.
    pub(crate) fn queue_label<'a>(&'a self, row: &'a DrillRow) -> &'a str {
        label(row.queue_id.as_deref(), &self.queues)
    }

    /// The wrap-up code's name, else its id; blank when there was none.
    pub(crate) fn wrap_up_label<'a>(&'a self, row: &'a DrillRow) -> &'a str {
        label(row.wrap_up_code.as_deref(), &self.wrap_ups)
    }

    /// Re-sorts the list; queue and wrap-up by the names shown.
    pub(crate) fn sort_by(&mut self, column: CallColumn, descending: bool) {
        let (queues, wrap_ups) = (&self.queues, &self.wrap_ups);
        self.drill.sort_by(column, descending, &|c, r| match c {
            CallColumn::Queue => label(r.queue_id.as_deref(), queues).to_string(),
            CallColumn::WrapUp => label(r.wrap_up_code.as_deref(), wrap_ups).to_string(),
            _ => String::new(),
        });
    }

    /// CSV records in the current order, with names where known (the header is
    /// [`super::csv_header`]).
    pub fn csv_records(&self) -> Vec<Vec<String>> {
        let queue = |id: &str| self.queues.get(id).cloned();
        let wrap_up = |id: &str| self.wrap_ups.get(id).cloned();
        self.drill.csv_records_named(&queue, &wrap_up)
    }
}

fn label<'a>(id: Option<&'a str>, names: &'a HashMap<String, String>) -> &'a str {
    match id {
        Some(id) => names.get(id).map_or(id, String::as_str),
        None => "",
    }
}

/// Queue and wrap-up names already looked up (or known to be unreadable), shared by every
/// fetch of a session so opening ten cells costs one look-up per queue and per wrap-up code.
#[derive(Clone, Debug, Default)]
pub struct Names(Arc<Mutex<NameBook>>);

#[derive(Debug, Default)]
struct NameBook {
    queues: HashMap<String, Option<String>>,
    wrap_ups: HashMap<String, Option<String>>,
    /// A 403 on a look-up: stop asking, show ids.
    queues_forbidden: bool,
    wrap_ups_forbidden: bool,
}

/// The conversations whose handle time posted in `bucket` for `user_id`, counting only
/// `media` (empty = all, as the dashboard does), times in `tz`, longest handle first, with
/// names resolved through `names`; `fetched_at` is the list's "as of". Errors are one line in
/// plain words.
pub async fn load(
    client: &GenesysClient,
    names: &Names,
    (tz, media): (Tz, &[String]),
    user_id: &str,
    bucket: Bucket,
    fetched_at: impl FnOnce() -> DateTime<Utc>,
) -> Result<DrillPage, String> {
    let found = details::conversations_in_bucket(
        client,
        user_id,
        bucket,
        details::default_lookback(),
        DEFAULT_PAGE_SIZE,
    )
    .await
    .map_err(|e| describe(&e))?;
    let drill = DrillDown::new(&found, tz, media);
    let (queues, wrap_ups) = names.names_for(client, &drill).await;
    Ok(DrillPage {
        drill,
        queues,
        wrap_ups,
        fetched_at: fetched_at(),
    })
}

impl Names {
    async fn names_for(
        &self,
        client: &GenesysClient,
        drill: &DrillDown,
    ) -> (HashMap<String, String>, HashMap<String, String>) {
        let mut queue_ids: Vec<&str> = drill
            .rows
            .iter()
            .filter_map(|r| r.queue_id.as_deref())
            .collect();
        let mut code_ids: Vec<&str> = drill
            .rows
            .iter()
            .filter_map(|r| r.wrap_up_code.as_deref())
            .collect();
        queue_ids.sort_unstable();
        queue_ids.dedup();
        code_ids.sort_unstable();
        code_ids.dedup();
        let mut queues = HashMap::new();
        for id in queue_ids {
            if let Some(n) = self.name(client, id, NameKind::Queue).await {
                queues.insert(id.to_string(), n);
            }
        }
        let mut wrap_ups = HashMap::new();
        for id in code_ids {
            if let Some(n) = self.name(client, id, NameKind::WrapUp).await {
                wrap_ups.insert(id.to_string(), n);
            }
        }
        (queues, wrap_ups)
    }

    /// One name, from the book or Genesys; `None` when unreadable (the id is shown). A failing
    /// look-up never fails the drill-down.
    async fn name(&self, client: &GenesysClient, id: &str, kind: NameKind) -> Option<String> {
        if kind == NameKind::WrapUp && id == WRAP_UP_TIMEOUT {
            return Some("Wrap-up timeout".to_string());
        }
        {
            let book = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let (map, forbidden) = book.part(kind);
            if let Some(known) = map.get(id) {
                return known.clone();
            }
            if forbidden {
                return None;
            }
        }
        let res = match kind {
            NameKind::Queue => users::queue_name(client, id).await,
            NameKind::WrapUp => users::wrap_up_code_name(client, id).await,
        };
        let mut book = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match res {
            Ok(name) => {
                book.part_mut(kind).insert(id.to_string(), name.clone());
                name
            }
            Err(ApiError::Forbidden { .. }) => {
                tracing::info!(?kind, "no permission to read names; showing ids");
                book.forbid(kind);
                None
            }
            Err(e) => {
                tracing::warn!(?kind, error = %e, "name look-up failed; showing the id");
                None
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NameKind {
    Queue,
    WrapUp,
}

impl NameBook {
    fn part(&self, kind: NameKind) -> (&HashMap<String, Option<String>>, bool) {
        match kind {
            NameKind::Queue => (&self.queues, self.queues_forbidden),
            NameKind::WrapUp => (&self.wrap_ups, self.wrap_ups_forbidden),
        }
    }

    fn part_mut(&mut self, kind: NameKind) -> &mut HashMap<String, Option<String>> {
        match kind {
            NameKind::Queue => &mut self.queues,
            NameKind::WrapUp => &mut self.wrap_ups,
        }
    }

    fn forbid(&mut self, kind: NameKind) {
        match kind {
            NameKind::Queue => self.queues_forbidden = true,
            NameKind::WrapUp => self.wrap_ups_forbidden = true,
        }
    }
}

/// Plain words for the pane: a 403 names the permission the OAuth client's role lacks.
pub fn describe(e: &ApiError) -> String {
    match e {
        ApiError::Forbidden { permission, .. } => format!(
            "cannot list conversations: the OAuth client's role lacks the {} permission \
             (ask your Genesys Cloud admin to add it)",
            permission.as_deref().unwrap_or(details::PERMISSION)
        ),
        other => format!("cannot list conversations: {other}"),
    }
}
