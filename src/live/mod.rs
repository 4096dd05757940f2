//! The live floor (issue 15): what every agent is doing right now, pushed over the Genesys
//! notifications WebSocket and seeded from REST, with time in state; and the queue strip's
//! numbers. No terminal here: the UI applies [`LiveEvent`]s to a [`LiveSnapshot`].
//!
//! - [`state`]: the vocabulary (activity, presence, media) and the per-agent record, mapped to
//!   what the screen shows by reference §12.5.
//! - [`apply`]: the rules that update a record: stale events, the IDLE/OFF_QUEUE guard, the seed.
//! - [`queues`]: per-queue waiting, longest wait and members, from notifications and the query.
//! - [`store`]: the task's compact store and its batches of changes.
//! - [`snapshot`]: [`LiveEvent`] and the UI's [`LiveSnapshot`], with in-flight work.
//! - [`status`]: streaming, reconnecting or polling; as-of and STALE; refused topics.
//! - [`channel`]: one channel and its socket kept alive (watchdog, reconnects, renewal).
//! - [`task`]: the task: placement on channels, seeding, polling, coalescing.

pub mod apply;
pub(crate) mod channel;
pub mod queues;
pub mod snapshot;
pub mod state;
pub mod status;
pub mod store;
pub mod task;

pub use snapshot::{LiveEvent, LiveSnapshot};
pub use state::{Activity, AgentNow, AgentRecord, InFlight, Media, Presence, StateSource};
pub use status::{LiveMode, LiveStatus, Refusal};
pub use task::{LiveConfig, LiveControl, LiveHandle, LiveTimings, spawn};
