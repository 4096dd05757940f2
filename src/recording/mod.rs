//! Recording and replaying the snapshot stream: `floorwatch --record FILE`, `floorwatch replay
//! FILE`, `floorwatch export --from-recording FILE`.
//!
//! - [`Recorder`] appends every snapshot to a file as it arrives, one independently framed and
//!   checksummed record per snapshot, flushed after each, so a crash or kill loses at most the
//!   record being written and the file stays readable ([`Recorder::append`] cuts such a torn
//!   tail off before appending).
//! - [`Recording`] reads a file back: every whole record is checked and indexed at open;
//!   snapshots are rebuilt on demand from the nearest keyframe (the file holds only what
//!   changed between refreshes, so a whole shift is never held in memory as full snapshots).
//! - [`Replay`] is a plain state machine the UI loop owns: it says when the next snapshot is
//!   due ([`Replay::next_deadline`]), hands it over on [`Replay::tick`], and obeys
//!   [`ReplayControl`]s (pause, step, jump ±10 min, speed, seek). [`spawn_replay`] runs the same
//!   machine as a tokio task that sends [`crate::fetcher::FetchEvent::Snapshot`]s, for a UI
//!   that would rather consume a channel exactly as it consumes the fetcher.
//!
//! The byte layout is described in [`format`]. Nothing secret is ever written: the source is
//! `DEMO` or the org's region and API host, never a client id, secret or token.

pub(crate) mod alerts;
pub(crate) mod body;
pub mod format;
pub mod reader;
pub(crate) mod replay;
pub mod writer;

use std::io;
use std::path::PathBuf;

pub use format::{FORMAT_VERSION, MAGIC, RecordingMeta};
pub use reader::Recording;
pub use replay::{
    JUMP, MAX_GAP, MAX_SPEED, MIN_SPEED, Replay, ReplayControl, ReplayHandle, ReplayStatus, SPEEDS,
    spawn_replay,
};
pub use writer::{KEYFRAME_EVERY, Recorder};

/// Why a recording could not be written or read; always one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The file could not be opened, created, read, written or truncated.
    #[error("cannot {action} recording {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    /// [`Recorder::create`] refuses to overwrite.
    #[error("recording {path} already exists (use append to add to it)")]
    Exists { path: PathBuf },
    /// Zero bytes.
    #[error("{path} is empty, not a floorwatch recording")]
    Empty { path: PathBuf },
    /// Does not start with the magic bytes.
    #[error("{path} is not a floorwatch recording")]
    NotARecording { path: PathBuf },
    /// Written by a newer floorwatch.
    #[error(
        "{path} was written by a newer floorwatch (recording format v{found}; this build reads up to v{supported})"
    )]
    NewerVersion {
        path: PathBuf,
        found: u16,
        supported: u16,
    },
    /// The magic is there but the header is not readable.
    #[error("{path} has a damaged header: {detail}")]
    BadHeader { path: PathBuf, detail: String },
    /// [`Recorder::append`] found whole records after a damaged one.
    #[error(
        "recording {path} is damaged ({detail}) with records after the damage; not appending to it (record to a new file)"
    )]
    Damaged { path: PathBuf, detail: String },
    /// `--record` onto a recording of another zone or interval.
    #[error(
        "recording {path} was made in {tz} at {minutes}-minute intervals and this run is {want_tz} at {want_minutes}-minute intervals; not appending (record to a new file, or run with --tz {tz} --interval {minutes})"
    )]
    OtherGrid {
        path: PathBuf,
        tz: chrono_tz::Tz,
        minutes: i64,
        want_tz: chrono_tz::Tz,
        want_minutes: i64,
    },
    /// A snapshot could not be compressed.
    #[error("cannot encode a snapshot for recording {path}: {detail}")]
    Encode { path: PathBuf, detail: String },
    /// An earlier write failed and the file could not be cut back to its last whole record.
    #[error("recording {path} stopped after a failed write that could not be undone")]
    Broken { path: PathBuf },
}

impl RecordingError {
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: io::Error) -> Self {
        RecordingError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn from_header(path: &std::path::Path, e: format::HeaderError) -> Self {
        let path = path.to_path_buf();
        match e {
            format::HeaderError::Empty => RecordingError::Empty { path },
            format::HeaderError::NotARecording => RecordingError::NotARecording { path },
            format::HeaderError::Newer(found) => RecordingError::NewerVersion {
                path,
                found,
                supported: FORMAT_VERSION,
            },
            format::HeaderError::Damaged(detail) => RecordingError::BadHeader { path, detail },
        }
    }
}
