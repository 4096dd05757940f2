//! [`Recording`]: a recording read back, indexed, with snapshots rebuilt on demand.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::RecordingError;
use super::format::{self, DecodeError, Framed, RecordKind, RecordingMeta};
use crate::alerts::AlertEvent;
use crate::alerts::log::{AlertRecord, fold};
use crate::model::Snapshot;
use crate::timegrid::{DayWindow, LocalMoment};

/// One record as indexed at open.
#[derive(Clone, Debug)]
struct Entry {
    kind: RecordKind,
    as_of: DateTime<Utc>,
    /// The compressed body's bytes in the file.
    body: Range<usize>,
    raw_len: usize,
    /// Index of the keyframe this record is rebuilt from.
    key: usize,
    window: Arc<DayWindow>,
    /// The alert events the record carries.
    alerts: Vec<AlertEvent>,
}

/// A recording opened for replay or export.
///
/// [`Recording::open`] reads the file, checks every record's checksum and decodes every record
/// once (so a damaged record is found now, not in the middle of a replay), and keeps the
/// compressed records plus an index. [`Recording::get`] rebuilds a snapshot from the nearest
/// keyframe and caches the last one, so stepping forward costs one delta.
pub struct Recording {
    path: PathBuf,
    meta: RecordingMeta,
    data: Vec<u8>,
    index: Vec<Entry>,
    truncated: Option<String>,
    valid_len: u64,
    /// Whatever could not be read is (at most) one last record: an interrupted write, safe to
    /// cut off before appending. False when whole records follow a damaged one.
    tail_only: bool,
    cache: Mutex<Option<(usize, Arc<Snapshot>)>>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("path", &self.path)
            .field("meta", &self.meta)
            .field("len", &self.index.len())
            .field("truncated", &self.truncated)
            .finish_non_exhaustive()
    }
}

fn decompress(zbody: &[u8], raw_len: usize) -> Result<Vec<u8>, DecodeError> {
    let raw = zstd::bulk::decompress(zbody, raw_len)
        .map_err(|e| DecodeError(format!("cannot decompress: {e}")))?;
    if raw.len() != raw_len {
        return Err(DecodeError(format!(
            "decompressed to {} bytes, expected {raw_len}",
            raw.len()
        )));
    }
    Ok(raw)
}

impl Recording {
    /// Reads and indexes the recording at `path`. Errors (missing file, not a recording, a
    /// newer format, a damaged header) are one line naming the path; a file cut short or
    /// damaged after the header is not an error: it reads up to the last whole record and
    /// [`Recording::truncated`] says where it stopped.
    pub fn open(path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|e| RecordingError::io("read", path, e))?;
        Recording::from_bytes(data, path)
    }

    /// Like [`Recording::open`] over bytes already in memory; `path` only names them in
    /// messages.
    pub fn from_bytes(data: Vec<u8>, path: impl AsRef<Path>) -> Result<Recording, RecordingError> {
        let path = path.as_ref();
        let (meta, mut at) =
            format::decode_header(&data).map_err(|e| RecordingError::from_header(path, e))?;
        let mut index: Vec<Entry> = Vec::new();
        let mut state: Option<Snapshot> = None;
        let mut key = 0usize;
        let mut truncated = None;
        let mut tail_only = true;
        loop {
            let n = index.len();
            let stop = |what: String| {
                format!(
                    "{}: {what}; read {n} whole record{} (up to byte {at} of {})",
                    path.display(),
                    if n == 1 { "" } else { "s" },
                    data.len()
                )
            };
            let (payload, next) = match format::read_frame(&data, at) {
                Framed::End => break,
                Framed::Record { payload, next } => (payload, next),
                Framed::Partial => {
                    truncated = Some(stop(format!(
                        "truncated inside record {} (an interrupted write)",
                        n + 1
                    )));
                    break;
                }
                Framed::Damaged { why, next } => {
                    tail_only = next.is_some_and(|e| e >= data.len());
                    truncated = Some(stop(format!("record {} is damaged ({why})", n + 1)));
                    break;
                }
            };
            let body_end = next;
            let decoded = (|| {
                let (head, zbody) = format::decode_head(payload)?;
                let raw = decompress(zbody, head.raw_len)?;
                let alerts = match head.kind {
                    RecordKind::Keyframe => {
                        let prev_window = index.last().map(|e| &e.window);
                        let (s, alerts) =
                            format::decode_keyframe_with(&raw, head.as_of, prev_window)?;
                        state = Some(s);
                        key = n;
                        alerts
                    }
                    RecordKind::Delta => match state.as_mut() {
                        Some(s) => format::apply_delta_with(s, &raw, head.as_of)?,
                        None => {
                            return Err(DecodeError("a delta with no keyframe before it".into()));
                        }
                    },
                };
                Ok((head, body_end - zbody.len()..body_end, alerts))
            })();
            match (decoded, state.as_ref()) {
                (Ok((head, body, alerts)), Some(s)) => index.push(Entry {
                    kind: head.kind,
                    as_of: head.as_of,
                    body,
                    raw_len: head.raw_len,
                    key,
                    window: s.window.clone(),
                    alerts,
                }),
                (Err(e), _) => {
                    tail_only = next >= data.len();
                    truncated = Some(stop(format!("record {} cannot be decoded ({e})", n + 1)));
                    break;
                }
                (Ok(_), None) => break,
            }
            at = next;
        }
        let mut cache = None;
        if let Some(s) = state
            && let Some(last) = index.len().checked_sub(1)
        {
            cache = Some((last, Arc::new(s)));
        }
        Ok(Recording {
            path: path.to_path_buf(),
            meta,
            data,
            index,
            truncated,
            valid_len: at as u64,
            tail_only,
            cache: Mutex::new(cache),
        })
    }

    /// What the header says: version of floorwatch, creation time, source, zone, interval.
    pub fn meta(&self) -> &RecordingMeta {
        &self.meta
    }

    /// Number of snapshots.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when the file holds no snapshot (only a header, or damage right after it).
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Where and why reading stopped early, as one line; `None` for a clean file.
    pub fn truncated(&self) -> Option<&str> {
        self.truncated.as_deref()
    }

    /// Bytes of the file up to the end of the last whole record.
    pub fn valid_len(&self) -> u64 {
        self.valid_len
    }

    /// True when nothing but (at most) the last record is unreadable, as after a crash in
    /// the middle of a write; false when whole records follow a damaged one.
    pub fn damage_is_only_at_the_end(&self) -> bool {
        self.tail_only
    }

    /// When snapshot `i` was fetched.
    pub fn as_of(&self, i: usize) -> Option<DateTime<Utc>> {
        self.index.get(i).map(|e| e.as_of)
    }

    /// The day window of snapshot `i` (cheap: no decoding).
    pub(crate) fn window(&self, i: usize) -> Option<&Arc<DayWindow>> {
        self.index.get(i).map(|e| &e.window)
    }

    /// True when record `i` is a keyframe (for diagnostics and the size benchmark).
    pub fn is_keyframe(&self, i: usize) -> bool {
        self.index
            .get(i)
            .is_some_and(|e| e.kind == RecordKind::Keyframe)
    }

    /// Snapshot `i`, rebuilt from its keyframe and the deltas after it; `None` past the end.
    pub fn get(&self, i: usize) -> Option<Arc<Snapshot>> {
        let entry = self.index.get(i)?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let (from, mut state) = match cache.as_ref() {
            Some((c, s)) if *c == i => return Some(s.clone()),
            Some((c, s)) if *c < i && *c >= entry.key => (*c + 1, (**s).clone()),
            _ => {
                let k = self.index.get(entry.key)?;
                let raw = self.raw(k).ok()?;
                let s = format::decode_keyframe(&raw, k.as_of, Some(&k.window)).ok()?;
                (entry.key + 1, s)
            }
        };
        for e in self.index.get(from..=i)? {
            let raw = self.raw(e).ok()?;
            format::apply_delta(&mut state, &raw, e.as_of).ok()?;
        }
        let snap = Arc::new(state);
        *cache = Some((i, snap.clone()));
        Some(snap)
    }

    fn raw(&self, e: &Entry) -> Result<Vec<u8>, DecodeError> {
        let z = self
            .data
            .get(e.body.clone())
            .ok_or_else(|| DecodeError("record outside the file".into()))?;
        decompress(z, e.raw_len)
    }

    /// The alert events record `i` carries (those since the record before); empty past the
    /// end or in a recording made without alerts.
    pub fn alerts(&self, i: usize) -> &[AlertEvent] {
        self.index.get(i).map_or(&[], |e| e.alerts.as_slice())
    }

    /// Every alert event of the recording, in recorded order.
    pub fn alert_events(&self) -> impl Iterator<Item = &AlertEvent> {
        self.index.iter().flat_map(|e| e.alerts.iter())
    }

    /// The alerts as of record `i` (its events and every one before), one record per alert;
    /// those still [`AlertRecord::is_active`] were firing at that snapshot (what a replay
    /// shows there).
    pub fn alerts_through(&self, i: usize) -> Vec<AlertRecord> {
        fold(
            self.index
                .iter()
                .take(i.saturating_add(1))
                .flat_map(|e| e.alerts.iter()),
        )
    }

    /// The snapshot in force at `t`: the last one (in recorded order) with `as_of ≤ t`;
    /// `None` when `t` is before the first.
    pub fn index_at_instant(&self, t: DateTime<Utc>) -> Option<usize> {
        self.index.iter().rposition(|e| e.as_of <= t)
    }

    /// The snapshot in force at `at` (`--at 10:30`, `10:30:15`, `01:30-06:00`) on the
    /// recording's day, in its zone, matched at the precision given ([`LocalMoment`]). A
    /// recording that spans midnight has several days: the first day on which the moment falls
    /// between the first and last snapshot is used; a moment after the end gives the last
    /// snapshot, one before the start `None`. A local time skipped by a DST change is taken just
    /// after the change.
    pub fn index_at(&self, at: LocalMoment) -> Option<usize> {
        let first = self.index.first()?.as_of;
        let last = self.index.last()?.as_of;
        let mut days: Vec<(NaiveDate, Tz)> = Vec::new();
        for e in &self.index {
            let d = (e.window.date, e.window.tz);
            if days.last() != Some(&d) && !days.contains(&d) {
                days.push(d);
            }
        }
        let spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = days
            .iter()
            .map(|&(date, tz)| (at.on(date, tz), at.end_on(date, tz)))
            .collect();
        let end = spans
            .iter()
            .find(|(on, end)| *end > first && *on <= last)
            .or_else(|| spans.iter().find(|(on, _)| *on > last))?
            .1;
        self.index.iter().rposition(|e| e.as_of < end)
    }

    /// What `export --from-recording FILE [--at HH:MM]` writes: the snapshot in force at `at`,
    /// or the last one without `--at`; `None` when the recording is empty or `at` is before it.
    pub fn snapshot_at(&self, at: Option<LocalMoment>) -> Option<Arc<Snapshot>> {
        let i = match at {
            Some(t) => self.index_at(t)?,
            None => self.len().checked_sub(1)?,
        };
        self.get(i)
    }

    /// [`Recording::index_at`] for `"HH:MM"` (or `"HH:MM:SS"`, with an optional offset);
    /// `None` for an unparsable time.
    pub fn index_at_str(&self, at: &str) -> Option<usize> {
        LocalMoment::parse(at).and_then(|m| self.index_at(m))
    }
}
