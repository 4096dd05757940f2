//! The built-in simulated contact center ("demo floor"): what floorwatch shows when no
//! credentials are configured. It answers the same HTTP-level requests the live Genesys client
//! sends, so query building, parsing and merging are shared; only the transport differs.
//!
//! - [`floor`]: the floor's definition (`assets/demo-floor.toml`, or [`DemoFloor::synthetic`]).
//! - [`sim`]: each agent's conversations for a local day, as explicit records.
//! - [`transport`]: [`DemoTransport`], the [`crate::genesys::Transport`] over the simulation.
//! - [`status`]: the user aggregates (routing status, presence) from the same shifts.
//! - [`rng`]: the small deterministic PRNG everything is drawn from.

pub mod details;
pub mod floor;
pub mod rng;
pub mod sim;
pub mod status;
pub mod transport;

pub use floor::{DemoAgent, DemoFloor, DemoQueue, DemoShift, FloorError, MediaType};
pub use sim::{
    Conversation, ConversationId, DayTimeline, Direction, Segment, SegmentKind, generate_day,
    simulate_day,
};
pub use transport::{DemoClock, DemoTransport, fixed_clock};
