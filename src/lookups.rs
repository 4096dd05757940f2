//! On-demand look-ups, outside the refresh schedule and off the UI thread: a drill-down (the
//! conversations behind one agent × interval cell) and a queue's members (for `queue:`
//! filters and per-queue targets). The loop spawns one task per request; the answers come
//! back as actions.

use chrono_tz::Tz;

use crate::drilldown::{self, DrillPage, Names};
use crate::fetcher::Clock;
use crate::genesys::{GenesysClient, users};
use crate::timegrid::Bucket;

/// What the dashboard can ask of Genesys on demand: the client, the supervisor's zone and
/// media filter (so a drill-down adds up to the cell on screen), and the names already known.
#[derive(Clone)]
pub struct Lookups {
    client: GenesysClient,
    tz: Tz,
    media: Vec<String>,
    names: Names,
    clock: Clock,
}

impl Lookups {
    /// Look-ups answered by `client` (demo or live), showing times in `tz`, counting only
    /// `media` (empty = all, as the dashboard does).
    pub fn new(client: GenesysClient, tz: Tz, media: Vec<String>, clock: Clock) -> Self {
        Lookups {
            client,
            tz,
            media,
            names: Names::default(),
            clock,
        }
    }

    /// The conversations whose handle time posted in `bucket` for `user_id`
    /// ([`drilldown::load`]).
    pub async fn drill(&self, user_id: &str, bucket: Bucket) -> Result<DrillPage, String> {
        let clock = self.clock.clone();
        drilldown::load(
            &self.client,
            &self.names,
            (self.tz, &self.media),
            user_id,
            bucket,
            move || clock(),
        )
        .await
    }

    /// The user ids of every member of the queues matching `pattern` (a name, or Genesys's
    /// `Bill*` wildcard), for a `queue:` filter term or a per-queue target: the same look-up,
    /// and for an unknown queue the same one line with close names, as `--queue`.
    pub(crate) async fn queue_members(&self, pattern: &str) -> Result<Vec<String>, String> {
        match users::matching_queue_members(&self.client, pattern).await {
            Ok(found) => Ok(found.members.into_iter().map(|m| m.id).collect()),
            Err(users::QueueError::Unknown(e)) => Err(e.to_string()),
            Err(users::QueueError::Api(e)) => Err(format!("cannot look the queue up: {e}")),
        }
    }

    /// A queue's name by id, for the queue strip; `None` when it is gone or not readable (the
    /// strip then shows the id).
    pub(crate) async fn queue_name(&self, id: &str) -> Option<String> {
        match users::queue_name(&self.client, id).await {
            Ok(name) => name,
            Err(e) => {
                tracing::warn!(queue = %id, error = %e, "queue name look-up failed");
                None
            }
        }
    }
}
