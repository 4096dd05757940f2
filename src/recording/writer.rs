//! [`Recorder`]: appends snapshots to a recording, one framed record each, flushed at once.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::format::{self, RecordKind, RecordingMeta};
use super::{Recording, RecordingError};
use crate::alerts::AlertEvent;
use crate::model::Snapshot;

/// A keyframe is written at least this often (in records); everything between is a delta.
/// At a 30 s refresh that is one self-contained snapshot per hour of recording. Keyframes are
/// most of a file's size (`benches/recording_size.rs`: a 5000-agent keyframe is ~100 KB, a
/// delta ~2 KB), while rebuilding a snapshot from its keyframe and up to 119 deltas takes a
/// few milliseconds, so seeking stays instant.
pub const KEYFRAME_EVERY: usize = 120;

/// zstd level: records are small and written every few seconds, so a middling level is cheap.
const ZSTD_LEVEL: i32 = 6;

/// Appends snapshots to a recording.
///
/// The first record, and every [`KEYFRAME_EVERY`]th, is a keyframe; a new day, a new source or
/// a first record after [`Recorder::append`] is always a keyframe too. Each record goes out in a
/// single `write_all` followed by a flush (and `fdatasync` with [`Recorder::set_fsync`]); if a
/// write fails the file is cut back to its last whole record, so the next write can still
/// succeed and the file never holds a torn record in the middle.
pub struct Recorder {
    path: PathBuf,
    file: File,
    len: u64,
    prev: Option<Arc<Snapshot>>,
    since_key: usize,
    keyframe_every: usize,
    records: usize,
    fsync: bool,
    broken: bool,
    zstd: zstd::bulk::Compressor<'static>,
    /// Alert events waiting for the next record ([`Recorder::add_alerts`]).
    alerts: Vec<AlertEvent>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("path", &self.path)
            .field("len", &self.len)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// Creates a new recording at `path` and writes its header. Refuses to overwrite an
    /// existing file ([`RecordingError::Exists`]).
    pub fn create(
        path: impl AsRef<Path>,
        meta: &RecordingMeta,
    ) -> Result<Recorder, RecordingError> {
        let path = path.as_ref();
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => RecordingError::Exists {
                    path: path.to_path_buf(),
                },
                _ => RecordingError::io("create", path, e),
            })?;
        let mut r = Recorder::over(path, file, 0)?;
        if let Err(e) = r.write_bytes(&format::encode_header(meta)) {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Ok(r)
    }

    /// Opens an existing recording to add to it. The header must be readable and of this
    /// format version; a torn last record (a crash mid-write) is cut off first, but a file
    /// with whole records after a damaged one is refused ([`RecordingError::Damaged`]) rather
    /// than cut, since appending after the damage would hide what follows it and cutting would
    /// destroy it. The first snapshot written is a keyframe.
    pub fn append(path: impl AsRef<Path>) -> Result<Recorder, RecordingError> {
        Recorder::append_to(path.as_ref(), None)
    }

    /// [`Recorder::append`], refusing ([`RecordingError::OtherGrid`]) a recording whose zone or
    /// interval differs from `expect`'s: its replay would cut this run's snapshots wrong.
    fn append_to(path: &Path, expect: Option<&RecordingMeta>) -> Result<Recorder, RecordingError> {
        let existing = Recording::open(path)?;
        if let Some(want) = expect {
            let have = existing.meta();
            if (have.tz, have.granularity) != (want.tz, want.granularity) {
                return Err(RecordingError::OtherGrid {
                    path: path.to_path_buf(),
                    tz: have.tz,
                    minutes: have.granularity.minutes(),
                    want_tz: want.tz,
                    want_minutes: want.granularity.minutes(),
                });
            }
        }
        if !existing.damage_is_only_at_the_end() {
            return Err(RecordingError::Damaged {
                path: path.to_path_buf(),
                detail: format!("record {} is unreadable", existing.len() + 1),
            });
        }
        let valid = existing.valid_len();
        drop(existing);
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| RecordingError::io("open", path, e))?;
        let len = file
            .metadata()
            .map_err(|e| RecordingError::io("open", path, e))?
            .len();
        if len > valid {
            tracing::warn!(
                path = %path.display(),
                dropped = len - valid,
                "cutting a damaged or incomplete tail off the recording before appending"
            );
            file.set_len(valid)
                .map_err(|e| RecordingError::io("truncate", path, e))?;
        }
        Recorder::over(path, file, valid)
    }

    /// [`Recorder::append`] when `path` holds a recording made in the same zone and interval
    /// as `meta` (another is refused: [`RecordingError::OtherGrid`]), [`Recorder::create`]
    /// when it does not exist (or is an empty file): what `--record FILE` wants.
    pub fn open_or_create(
        path: impl AsRef<Path>,
        meta: &RecordingMeta,
    ) -> Result<Recorder, RecordingError> {
        let path = path.as_ref();
        match std::fs::metadata(path) {
            Ok(m) if m.len() > 0 => Recorder::append_to(path, Some(meta)),
            Ok(_) => {
                let file = OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| RecordingError::io("open", path, e))?;
                let mut r = Recorder::over(path, file, 0)?;
                r.write_bytes(&format::encode_header(meta))?;
                Ok(r)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Recorder::create(path, meta),
            Err(e) => Err(RecordingError::io("open", path, e)),
        }
    }

    fn over(path: &Path, file: File, len: u64) -> Result<Recorder, RecordingError> {
        let zstd = zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(|e| RecordingError::Encode {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        Ok(Recorder {
            path: path.to_path_buf(),
            file,
            len,
            prev: None,
            since_key: 0,
            keyframe_every: KEYFRAME_EVERY,
            records: 0,
            fsync: false,
            broken: false,
            zstd,
            alerts: Vec::new(),
        })
    }

    /// Appends one snapshot (copying it to diff the next one against; see
    /// [`Recorder::write_arc`] to share it instead).
    pub fn write(&mut self, snapshot: &Snapshot) -> Result<(), RecordingError> {
        self.write_arc(&Arc::new(snapshot.clone()))
    }

    /// Appends one snapshot, keeping a reference to it for the next delta.
    pub fn write_arc(&mut self, snapshot: &Arc<Snapshot>) -> Result<(), RecordingError> {
        if self.broken {
            return Err(RecordingError::Broken {
                path: self.path.clone(),
            });
        }
        let delta_base = self.prev.as_deref().filter(|p| {
            self.since_key + 1 < self.keyframe_every && format::delta_possible(p, snapshot)
        });
        let alerts = &self.alerts;
        let (kind, raw) = match delta_base {
            Some(p) => (
                RecordKind::Delta,
                format::encode_delta_with(p, snapshot, alerts),
            ),
            None => (
                RecordKind::Keyframe,
                format::encode_keyframe_with(snapshot, alerts),
            ),
        };
        let z = self
            .zstd
            .compress(&raw)
            .map_err(|e| RecordingError::Encode {
                path: self.path.clone(),
                detail: e.to_string(),
            })?;
        let payload = format::encode_payload(kind, snapshot.as_of, raw.len(), &z);
        self.write_bytes(&format::frame(&payload))?;
        self.since_key = match kind {
            RecordKind::Keyframe => 0,
            RecordKind::Delta => self.since_key + 1,
        };
        self.records += 1;
        self.prev = Some(snapshot.clone());
        self.alerts.clear();
        Ok(())
    }

    /// Queues alert events (fired, acknowledged, cleared) to go out with the next snapshot
    /// written; each keeps its own time, so the record they ride in does not move them.
    pub fn add_alerts(&mut self, events: &[AlertEvent]) {
        self.alerts.extend_from_slice(events);
    }

    /// Alert events queued and not written yet.
    pub fn pending_alerts(&self) -> usize {
        self.alerts.len()
    }

    /// Writes the queued alert events now, in a record repeating the last snapshot written
    /// (what a recording ends with when alerts happened after its last refresh). Nothing to
    /// do without queued events; kept queued when no snapshot was written yet.
    pub fn flush_alerts(&mut self) -> Result<(), RecordingError> {
        if self.alerts.is_empty() {
            return Ok(());
        }
        match self.prev.clone() {
            Some(prev) => self.write_arc(&prev),
            None => Ok(()),
        }
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> Result<(), RecordingError> {
        let result = self
            .file
            .write_all(bytes)
            .and_then(|()| self.file.flush())
            .and_then(|()| {
                if self.fsync {
                    self.file.sync_data()
                } else {
                    Ok(())
                }
            });
        match result {
            Ok(()) => {
                self.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                if self.file.set_len(self.len).is_err() {
                    self.broken = true;
                }
                Err(RecordingError::io("write", &self.path, e))
            }
        }
    }

    /// Writes a keyframe every `n` records (at least 1: every record a keyframe).
    pub fn set_keyframe_every(&mut self, n: usize) {
        self.keyframe_every = n.max(1);
    }

    /// The file's length in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.len
    }

    /// The file being written.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}
