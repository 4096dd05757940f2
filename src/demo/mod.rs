//! The built-in simulated contact center ("demo floor"): what floorwatch shows when no
//! credentials are configured. It answers the same HTTP-level requests the live Genesys client
//! sends, so query building, parsing and merging are shared; only the transport differs.

pub mod floor;
pub mod rng;

pub use floor::{DemoAgent, DemoFloor, DemoQueue, DemoShift, FloorError, MediaType};
