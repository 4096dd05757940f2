//! The built-in simulated contact center ("demo floor"): what floorwatch shows when no
//! credentials are configured. It answers the same HTTP-level requests the live Genesys client
//! sends, so query building, parsing and merging are shared; only the transport differs. It
//! answers what floorwatch sends, and refuses the rest with Genesys-shaped errors.
//!
//! - [`floor`]: the floor's definition (`assets/demo-floor.toml`, or [`DemoFloor::synthetic`]).
//! - [`sim`]: each agent's day (shift, breaks, conversations) as explicit records.
//! - [`metrics`]: when each metric posts, the one table the aggregates and details read.
//! - [`transport`]: [`DemoTransport`], the [`crate::genesys::Transport`] over the simulation,
//!   with the one walk over an agent's simulated days every answer takes.
//! - [`query`]: the aggregates request frame and its clipped buckets, and the error bodies.
//! - [`aggregates`], [`status`], [`details`], [`directory`]: one endpoint family each
//!   (conversation aggregates, user aggregates, conversation details, users and queues).
//! - [`live_state`], [`notifications`]: the live floor: each agent's state at any instant (from
//!   the same simulated day), and the channels, seed, queue observations and socket that stream it.
//! - [`clock`]: where the demo clock starts (a busy moment of today when run off-hours).
//! - [`rng`]: the small deterministic PRNG everything is drawn from.

mod aggregates;
pub mod clock;
mod details;
mod directory;
mod floor;
mod live_state;
mod metrics;
mod notifications;
mod query;
mod rng;
mod routing;
mod sim;
mod transport;

pub use crate::drilldown::SegmentKind;
pub use floor::{DemoAgent, DemoFloor, DemoQueue, DemoShift, FloorError, MediaType};
pub use sim::{Conversation, ConversationId, Direction, Segment, generate_day};
pub use transport::{DemoClock, DemoTransport, fixed_clock};
