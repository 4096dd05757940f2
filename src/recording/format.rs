//! The on-disk format of a recording, byte for byte. Everything here is pure (bytes in, bytes
//! out); the writer and the reader add files, errors naming paths, and caching.
//!
//! ```text
//! file    := header record*
//! header  := "FWREC" u16le(version) u32le(n) u32le(crc32(body)) body[n]
//! body    := str(floorwatch version) zz(created s) var(created ns) source str(tz) u8(minutes)
//!            (a later version may append fields; readers skip what they do not know)
//! record  := u32le(n) u32le(crc32(payload)) payload[n]
//! payload := u8(kind) zz(as_of s) var(as_of ns) var(raw length) zstd(raw)
//! ```
//!
//! `var` is an unsigned LEB128 varint, `zz` a zigzag-encoded signed varint, `str` a varint
//! length and UTF-8 bytes. The record's kind and `as_of` sit outside the compressed part so an
//! index can be built without decompressing.
//!
//! A **keyframe** (`kind` 0) is self-contained: the window (date, zone, granularity), the
//! source, the agent table (id, name, row length) and every non-empty cell. A **delta**
//! (`kind` 1) is relative to the snapshot of the record before it, which must have the same
//! window and source and full-length rows: an agent-table flag (0 = same ids, names and order;
//! 1 = a table of references to the previous table, renames and new agents follows), then only
//! the cells that changed, each as ten zigzag differences. Cells are written as
//! `var(agents changed)`, then per agent `var(position gap) var(cells changed)` and per cell
//! `var(interval gap)` and the ten field differences (the ninth, once the offered count, is
//! written as 0 and skipped on read); a keyframe writes its cells the same way, relative to
//! all-zero rows. Ids that are canonical lowercase UUIDs are stored as 16 bytes.
//!
//! Either kind may end with an optional **status section** (user aggregates, added later in
//! version 1; a record without it decodes as before): `u8(availability: 0 unknown,
//! 1 available, 2 forbidden) [str(reason) if 2]`, one `var(status row length)` per agent of the
//! record's table, then the changed status cells written like the cells above with six fields
//! (on queue, interacting, communicating, idle, not responding, off queue). A keyframe's status
//! rows are relative to zero; a delta's to the same agent's previous status row when it has the
//! same length, else to zero. A delta without the section leaves every status as it was (the
//! writer omits it only when neither snapshot has any status).
//!
//! After the status section come optional **tagged sections** (added later in version 1;
//! [`super::alerts`]): `var(tag) var(n) bytes[n]` each, to the end of the record, skipped
//! when a reader does not know the tag. Tag 1 holds the alert events (fired, acknowledged,
//! cleared) that happened since the record before. A record with sections always has a status
//! section (`0` unknown and empty rows when the snapshot has no status), so a record without
//! them decodes exactly as before.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::model::{Snapshot, Source};
use crate::timegrid::Granularity;

/// The snapshot bodies (keyframes, deltas) live in [`super::body`]; re-exported here so the
/// format reads as one API.
pub(crate) use super::body::{
    apply_delta, apply_delta_with, decode_keyframe, decode_keyframe_with, delta_possible,
    encode_delta_with, encode_keyframe_with,
};

/// The first bytes of every recording.
pub const MAGIC: &[u8; 5] = b"FWREC";
/// The format version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Magic, version, header length and header checksum.
pub const HEADER_PREFIX: usize = MAGIC.len() + 2 + 4 + 4;
/// Record length and checksum.
pub(crate) const FRAME_PREFIX: usize = 8;
/// Largest record or header accepted; anything longer is damage, not data.
pub(crate) const MAX_FRAME: usize = 1 << 30;

/// A record's kind byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecordKind {
    Keyframe,
    Delta,
}

impl RecordKind {
    fn byte(self) -> u8 {
        match self {
            RecordKind::Keyframe => 0,
            RecordKind::Delta => 1,
        }
    }
}

/// Why bytes could not be decoded; the reader turns it into a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(super) fn err<T>(what: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(what.into()))
}

/// Appends primitive values to a byte buffer.
#[derive(Default)]
pub(crate) struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub(crate) fn zz(&mut self, v: i64) {
        self.var(zigzag(v));
    }

    pub(crate) fn usize(&mut self, v: usize) {
        self.var(v as u64);
    }

    pub(crate) fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn time(&mut self, t: DateTime<Utc>) {
        self.zz(t.timestamp());
        self.var(u64::from(t.timestamp_subsec_nanos()));
    }
}

/// Reads primitive values from a byte slice; every read is bounds-checked.
pub(crate) struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Dec { b, pos: 0 }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.b.len().saturating_sub(self.pos)
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.b.get(self.pos..).unwrap_or_default()
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeError> {
        let v = *self.b.get(self.pos).ok_or_else(eof)?;
        self.pos += 1;
        Ok(v)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or_else(eof)?;
        let s = self.b.get(self.pos..end).ok_or_else(eof)?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn var(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                return err("varint overflows 64 bits");
            }
            v |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        err("varint longer than 10 bytes")
    }

    pub(crate) fn zz(&mut self) -> Result<i64, DecodeError> {
        Ok(unzigzag(self.var()?))
    }

    /// A count of items that each take at least one byte, so it cannot exceed what is left.
    pub(crate) fn count(&mut self, what: &str) -> Result<usize, DecodeError> {
        let v = self.var()?;
        match usize::try_from(v) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => err(format!("{what} count {v} exceeds the record")),
        }
    }

    /// An index or length that is checked by the caller against its own bound.
    pub(crate) fn usize(&mut self) -> Result<usize, DecodeError> {
        let v = self.var()?;
        usize::try_from(v).or_else(|_| err(format!("value {v} out of range")))
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.usize()?;
        let b = self.take(n)?;
        std::str::from_utf8(b).or_else(|_| err("text is not UTF-8"))
    }

    pub(crate) fn time(&mut self) -> Result<DateTime<Utc>, DecodeError> {
        let secs = self.zz()?;
        let nanos = u32::try_from(self.var()?).or_else(|_| err("bad timestamp"))?;
        DateTime::from_timestamp(secs, nanos).map_or_else(|| err("timestamp out of range"), Ok)
    }
}

pub(super) fn eof() -> DecodeError {
    DecodeError("unexpected end of data".into())
}

/// What a recording says about itself; written once, at the top of the file.
///
/// Holds nothing secret: the source is `Demo` or the org's region and API host (never a client
/// id, secret or token).
#[derive(Clone, Debug, PartialEq)]
pub struct RecordingMeta {
    /// `CARGO_PKG_VERSION` of the floorwatch that created the file.
    pub floorwatch_version: String,
    /// When the file was created.
    pub created: DateTime<Utc>,
    /// Demo or live org (region and API host only).
    pub source: Source,
    /// The zone the dashboard ran in.
    pub tz: Tz,
    /// The interval size the dashboard ran with.
    pub granularity: Granularity,
}

impl RecordingMeta {
    /// Metadata for a recording made by this build, now.
    pub fn new(source: Source, tz: Tz, granularity: Granularity) -> Self {
        RecordingMeta {
            floorwatch_version: env!("CARGO_PKG_VERSION").to_string(),
            created: Utc::now(),
            source,
            tz,
            granularity,
        }
    }

    /// Metadata matching a snapshot's source and window.
    pub fn for_snapshot(snapshot: &Snapshot) -> Self {
        Self::new(
            snapshot.source.clone(),
            snapshot.window.tz,
            snapshot.window.granularity,
        )
    }

    /// `DEMO` or `region · host`, for the header.
    pub fn source_label(&self) -> String {
        self.source.label()
    }
}

pub(super) fn put_source(e: &mut Enc, s: &Source) {
    match s {
        Source::Demo => e.u8(0),
        Source::Live { region, api_host } => {
            e.u8(1);
            e.str(region);
            e.str(api_host);
        }
    }
}

pub(super) fn get_source(d: &mut Dec<'_>) -> Result<Source, DecodeError> {
    match d.u8()? {
        0 => Ok(Source::Demo),
        1 => Ok(Source::Live {
            region: d.str()?.to_string(),
            api_host: d.str()?.to_string(),
        }),
        t => err(format!("unknown source kind {t}")),
    }
}

pub(super) fn granularity_from(minutes: u8) -> Result<Granularity, DecodeError> {
    match minutes {
        15 => Ok(Granularity::Min15),
        30 => Ok(Granularity::Min30),
        60 => Ok(Granularity::Min60),
        m => err(format!("unknown interval of {m} minutes")),
    }
}

pub(super) fn granularity_byte(g: Granularity) -> u8 {
    // 15, 30 or 60: always fits.
    u8::try_from(g.minutes()).unwrap_or(u8::MAX)
}

pub(super) fn get_tz(d: &mut Dec<'_>) -> Result<Tz, DecodeError> {
    let name = d.str()?;
    name.parse::<Tz>()
        .or_else(|_| err(format!("unknown time zone {name:?}")))
}

/// The complete file header: magic, version, and the checksummed metadata.
pub fn encode_header(meta: &RecordingMeta) -> Vec<u8> {
    let mut body = Enc::default();
    body.str(&meta.floorwatch_version);
    body.time(meta.created);
    put_source(&mut body, &meta.source);
    body.str(meta.tz.name());
    body.u8(granularity_byte(meta.granularity));
    let mut out = Vec::with_capacity(HEADER_PREFIX + body.buf.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&frame_len(body.buf.len()).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(&body.buf).to_le_bytes());
    out.extend_from_slice(&body.buf);
    out
}

fn frame_len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Why a header was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// No bytes at all.
    Empty,
    /// Does not start with the magic bytes.
    NotARecording,
    /// Written by a newer format version.
    Newer(u16),
    /// Magic present but the rest is short or inconsistent.
    Damaged(String),
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at + 2)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at + 4)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Parses the header at the start of `b`; returns the metadata and the header's length.
pub(crate) fn decode_header(b: &[u8]) -> Result<(RecordingMeta, usize), HeaderError> {
    if b.is_empty() {
        return Err(HeaderError::Empty);
    }
    let n = b.len().min(MAGIC.len());
    if b[..n] != MAGIC[..n] {
        return Err(HeaderError::NotARecording);
    }
    if b.len() < MAGIC.len() {
        return Err(HeaderError::Damaged(
            "the file ends inside the header".into(),
        ));
    }
    let Some(version) = u16_at(b, MAGIC.len()) else {
        return Err(HeaderError::Damaged(
            "the file ends inside the header".into(),
        ));
    };
    if version > FORMAT_VERSION {
        return Err(HeaderError::Newer(version));
    }
    if version == 0 {
        return Err(HeaderError::Damaged(
            "format version 0 does not exist".into(),
        ));
    }
    let short = || HeaderError::Damaged("the file ends inside the header".into());
    let len = u32_at(b, MAGIC.len() + 2).ok_or_else(short)? as usize;
    let crc = u32_at(b, MAGIC.len() + 6).ok_or_else(short)?;
    if len > MAX_FRAME {
        return Err(HeaderError::Damaged(format!(
            "header length {len} is implausible"
        )));
    }
    let body = b
        .get(HEADER_PREFIX..HEADER_PREFIX + len)
        .ok_or_else(short)?;
    if crc32fast::hash(body) != crc {
        return Err(HeaderError::Damaged("header checksum mismatch".into()));
    }
    let mut d = Dec::new(body);
    let meta = (|| {
        Ok::<_, DecodeError>(RecordingMeta {
            floorwatch_version: d.str()?.to_string(),
            created: d.time()?,
            source: get_source(&mut d)?,
            tz: get_tz(&mut d)?,
            granularity: granularity_from(d.u8()?)?,
        })
    })()
    .map_err(|e| HeaderError::Damaged(e.0))?;
    Ok((meta, HEADER_PREFIX + len))
}

/// One framed record: length, checksum, payload.
pub(crate) fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_PREFIX + payload.len());
    out.extend_from_slice(&frame_len(payload.len()).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// What is found at an offset where a record should start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Framed<'a> {
    /// A whole record whose checksum matches; `next` is the offset after it.
    Record { payload: &'a [u8], next: usize },
    /// The end of the data, exactly on a record boundary.
    End,
    /// The data stops inside a record (a write cut short).
    Partial,
    /// A record whose length or checksum is wrong; `next` is where it claims to end, when its
    /// length is plausible.
    Damaged { why: String, next: Option<usize> },
}

/// Reads the framed record starting at `at`.
pub(crate) fn read_frame(b: &[u8], at: usize) -> Framed<'_> {
    if at >= b.len() {
        return Framed::End;
    }
    let (Some(len), Some(crc)) = (u32_at(b, at), u32_at(b, at + 4)) else {
        return Framed::Partial;
    };
    let len = len as usize;
    if len > MAX_FRAME {
        return Framed::Damaged {
            why: format!("implausible record length {len}"),
            next: None,
        };
    }
    let start = at + FRAME_PREFIX;
    let Some(payload) = b.get(start..start + len) else {
        return Framed::Partial;
    };
    if crc32fast::hash(payload) != crc {
        return Framed::Damaged {
            why: "checksum mismatch".into(),
            next: Some(start + len),
        };
    }
    Framed::Record {
        payload,
        next: start + len,
    }
}

/// The uncompressed prefix of a record's payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RecordHead {
    pub kind: RecordKind,
    pub as_of: DateTime<Utc>,
    pub raw_len: usize,
}

/// Splits a payload into its head and its compressed body.
pub(crate) fn decode_head(payload: &[u8]) -> Result<(RecordHead, &[u8]), DecodeError> {
    let mut d = Dec::new(payload);
    let kind = match d.u8()? {
        0 => RecordKind::Keyframe,
        1 => RecordKind::Delta,
        k => return err(format!("unknown record kind {k}")),
    };
    let as_of = d.time()?;
    let raw_len = d.usize()?;
    if raw_len > MAX_FRAME {
        return err(format!("implausible record size {raw_len}"));
    }
    Ok((
        RecordHead {
            kind,
            as_of,
            raw_len,
        },
        d.rest(),
    ))
}

/// Builds a payload from a head and the compressed body.
pub(crate) fn encode_payload(
    kind: RecordKind,
    as_of: DateTime<Utc>,
    raw_len: usize,
    zbody: &[u8],
) -> Vec<u8> {
    let mut e = Enc::default();
    e.u8(kind.byte());
    e.time(as_of);
    e.usize(raw_len);
    e.buf.extend_from_slice(zbody);
    e.buf
}

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

pub(super) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::body::*;
    use super::*;
    use crate::model::{AgentDay, IntervalMetrics, RoutingAvailability, RoutingMetrics};
    use crate::timegrid::DayWindow;
    use chrono::NaiveDate;
    use chrono::TimeZone;

    fn window(day: u32) -> Arc<DayWindow> {
        Arc::new(DayWindow::new(
            NaiveDate::from_ymd_opt(2025, 3, day).expect("date"),
            chrono_tz::America::Chicago,
            Granularity::Min30,
        ))
    }

    fn cell(k: u32) -> IntervalMetrics {
        IntervalMetrics {
            handled: k,
            handle_ms: k * 301_117,
            acw_ms: k * 45_000,
            acw_count: k,
            hold_ms: 12_345,
            holds: 1,
            talk_ms: k * 250_000,
            talk_count: k,
            answered: k,
        }
    }

    fn agent(id: &str, name: Option<&str>, cells: &[(usize, IntervalMetrics)]) -> AgentDay {
        let mut intervals = vec![IntervalMetrics::default(); 48];
        for (i, c) in cells {
            intervals[*i] = *c;
        }
        AgentDay {
            id: id.into(),
            name: name.map(str::to_string),
            intervals,
            status: Vec::new(),
        }
    }

    fn snap(w: &Arc<DayWindow>, secs: i64, agents: Vec<AgentDay>) -> Snapshot {
        Snapshot {
            window: w.clone(),
            agents,
            as_of: Utc
                .timestamp_opt(1_741_600_000 + secs, 123_456_789)
                .single()
                .expect("t"),
            source: Source::Demo,
            status: RoutingAvailability::Unknown,
        }
    }

    fn roundtrip_delta(prev: &Snapshot, next: &Snapshot) {
        assert!(delta_possible(prev, next));
        let raw = encode_delta(prev, next);
        let mut state = prev.clone();
        apply_delta(&mut state, &raw, next.as_of).expect("decodes");
        assert_eq!(state, *next);
    }

    #[test]
    fn varints_round_trip_and_reject_overlong() {
        let mut e = Enc::default();
        let us = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        let is = [0, -1, 1, -64, 64, i64::MIN, i64::MAX];
        for v in us {
            e.var(v);
        }
        for v in is {
            e.zz(v);
        }
        let mut d = Dec::new(&e.buf);
        for v in us {
            assert_eq!(d.var(), Ok(v));
        }
        for v in is {
            assert_eq!(d.zz(), Ok(v));
        }
        assert_eq!(d.remaining(), 0);
        assert!(d.var().is_err());
        assert!(Dec::new(&[0xff; 11]).var().is_err());
        assert!(
            Dec::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
                .var()
                .is_err()
        );
        // A count larger than the bytes left is refused before anything is allocated.
        let mut e = Enc::default();
        e.var(1 << 40);
        assert!(Dec::new(&e.buf).count("agent").is_err());
    }

    #[test]
    fn ids_round_trip_exactly() {
        for id in [
            "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b",
            "6F1A2B3C-4D5E-4F60-8A7B-9C0D1E2F3A4B",
            "{6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4}",
            "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4g",
            "6f1a2b3c-4d5e-4f60-8a7b+9c0d1e2f3a4b",
            "user-1",
            "",
            "ünïcödé",
        ] {
            let mut e = Enc::default();
            put_id(&mut e, id);
            let compact = uuid_bytes(id).is_some();
            assert_eq!(e.buf.len() == 17, compact, "{id}");
            assert_eq!(get_id(&mut Dec::new(&e.buf)).as_deref(), Ok(id));
        }
        assert!(uuid_bytes("6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b").is_some());
    }

    #[test]
    fn header_round_trips_and_refuses_what_it_cannot_read() {
        let meta = RecordingMeta {
            floorwatch_version: "9.9.9".into(),
            created: Utc.timestamp_opt(1_741_600_000, 5).single().expect("t"),
            source: Source::Live {
                region: "eu-west-1".into(),
                api_host: "api.mypurecloud.ie".into(),
            },
            tz: chrono_tz::Asia::Kathmandu,
            granularity: Granularity::Min15,
        };
        let mut h = encode_header(&meta);
        let n = h.len();
        h.extend_from_slice(b"records follow");
        assert_eq!(decode_header(&h), Ok((meta, n)));
        assert_eq!(decode_header(b""), Err(HeaderError::Empty));
        assert_eq!(
            decode_header(b"PK\x03\x04"),
            Err(HeaderError::NotARecording)
        );
        assert!(matches!(
            decode_header(b"FWR"),
            Err(HeaderError::Damaged(_))
        ));
        for cut in 1..n {
            assert!(decode_header(&h[..cut]).is_err(), "cut at {cut}");
        }
        let mut newer = h.clone();
        newer[5] = 7;
        assert_eq!(decode_header(&newer), Err(HeaderError::Newer(7)));
    }

    #[test]
    fn keyframes_round_trip_any_snapshot() {
        let w = window(10);
        let mut s = snap(
            &w,
            0,
            vec![
                agent("b", None, &[(0, cell(1)), (47, cell(2))]),
                agent("6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b", Some("Ann"), &[]),
                agent("c", Some(""), &[(20, cell(u32::MAX / 301_117))]),
            ],
        );
        s.agents[2].intervals[21] = IntervalMetrics {
            handled: u32::MAX,
            ..Default::default()
        };
        // Rows of irregular length survive a keyframe (and rule out deltas).
        s.agents.push(AgentDay {
            id: "short".into(),
            name: None,
            intervals: vec![cell(3); 5],
            status: Vec::new(),
        });
        let raw = encode_keyframe(&s);
        let back = decode_keyframe(&raw, s.as_of, None).expect("decodes");
        assert_eq!(back, s);
        assert!(!delta_possible(&s, &s));
        // The window is shared when the day is the same.
        let again = decode_keyframe(&raw, s.as_of, Some(&w)).expect("decodes");
        assert!(Arc::ptr_eq(&again.window, &w));
        // Trailing or missing bytes are errors, never panics.
        let mut long = raw.clone();
        long.push(0);
        assert!(decode_keyframe(&long, s.as_of, None).is_err());
        for cut in 0..raw.len() {
            assert!(decode_keyframe(&raw[..cut], s.as_of, None).is_err());
        }
    }

    #[test]
    fn deltas_carry_changed_cells_and_table_changes() {
        let w = window(10);
        let prev = snap(
            &w,
            0,
            vec![
                agent("a", Some("Ann"), &[(18, cell(1))]),
                agent("b", Some("Bob"), &[(18, cell(2))]),
                agent("c", None, &[(19, cell(3))]),
            ],
        );
        // Same table, one cell grew, one appeared.
        let mut next = prev.clone();
        next.as_of += chrono::Duration::seconds(30);
        next.agents[1].intervals[18] = cell(3);
        next.agents[2].intervals[20] = cell(1);
        roundtrip_delta(&prev, &next);
        let small = encode_delta(&prev, &next);
        assert!(small.len() < 60, "{} bytes", small.len());
        // Nothing changed but the time.
        let mut same = prev.clone();
        same.as_of += chrono::Duration::seconds(30);
        roundtrip_delta(&prev, &same);
        assert_eq!(encode_delta(&prev, &same), vec![0, 0]);
        // A name resolved, an agent left, two arrived, the order changed.
        let mut table = next.clone();
        table.agents = vec![
            agent("c", Some("Cy"), &[(19, cell(3)), (20, cell(1))]),
            agent("new", None, &[(20, cell(1))]),
            agent("a", Some("Ann"), &[(18, cell(1)), (21, cell(9))]),
            agent("z", Some("Zed"), &[]),
        ];
        roundtrip_delta(&next, &table);
        // Duplicate ids (never produced by the loader) still round-trip.
        let mut dup = table.clone();
        dup.agents.push(agent("a", Some("Ann 2"), &[(0, cell(1))]));
        dup.agents.push(agent("a", Some("Ann"), &[]));
        roundtrip_delta(&table, &dup);
        roundtrip_delta(&dup, &table);
        // Values swing from the largest to zero and back.
        let mut max = table.clone();
        max.agents[0].intervals[0] = IntervalMetrics {
            handled: u32::MAX,
            handle_ms: u32::MAX,
            ..Default::default()
        };
        roundtrip_delta(&table, &max);
        roundtrip_delta(&max, &table);
        // Everyone gone.
        let mut empty = table.clone();
        empty.agents.clear();
        roundtrip_delta(&table, &empty);
        roundtrip_delta(&empty, &table);
    }

    fn status(k: u32) -> RoutingMetrics {
        RoutingMetrics {
            on_queue_ms: 1_800_000,
            interacting_ms: k * 1000,
            idle_ms: 1_800_000 - k * 1000,
            not_responding_ms: k,
            ..Default::default()
        }
    }

    #[test]
    fn status_rows_round_trip_in_keyframes_and_deltas() {
        let w = window(10);
        let plain = snap(&w, 0, vec![agent("a", Some("Ann"), &[(18, cell(1))])]);
        // Without status the bytes are exactly what they were before status existed.
        let raw = encode_keyframe(&plain);
        assert_eq!(decode_keyframe(&raw, plain.as_of, None), Ok(plain.clone()));
        let mut with = plain.clone();
        with.status = RoutingAvailability::Available;
        with.agents[0].status = vec![RoutingMetrics::default(); 48];
        with.agents[0].status[18] = status(600);
        let raw = encode_keyframe(&with);
        assert_eq!(decode_keyframe(&raw, with.as_of, None), Ok(with.clone()));
        roundtrip_delta(&plain, &with);
        // A status cell grows; an agent arrives without status; then status is refused.
        let mut next = with.clone();
        next.as_of += chrono::Duration::seconds(30);
        next.agents[0].status[18] = status(900);
        roundtrip_delta(&with, &next);
        let mut table = next.clone();
        table.agents.insert(0, agent("0", None, &[(3, cell(2))]));
        roundtrip_delta(&next, &table);
        let mut refused = table.clone();
        refused.status =
            RoutingAvailability::Forbidden("needs analytics:userAggregate:view".into());
        for a in &mut refused.agents {
            a.status.clear();
        }
        roundtrip_delta(&table, &refused);
        roundtrip_delta(&refused, &table);
        let raw = encode_keyframe(&refused);
        assert_eq!(
            decode_keyframe(&raw, refused.as_of, None),
            Ok(refused.clone())
        );
        // A cut is never mistaken for the whole record (cut right before the optional section
        // it reads as a record without status; the frame's CRC catches that on disk).
        for cut in 0..raw.len() {
            let back = decode_keyframe(&raw[..cut], refused.as_of, None).ok();
            assert_ne!(back.as_ref(), Some(&refused), "cut at {cut}");
        }
    }

    #[test]
    fn deltas_need_the_same_window_and_source() {
        let a = snap(&window(10), 0, vec![agent("a", None, &[])]);
        let mut b = a.clone();
        b.window = window(11);
        assert!(!delta_possible(&a, &b));
        let mut c = a.clone();
        c.window = window(10);
        assert!(delta_possible(&a, &c), "an equal window in another Arc");
        c.source = Source::Live {
            region: "r".into(),
            api_host: "h".into(),
        };
        assert!(!delta_possible(&a, &c));
    }

    #[test]
    fn a_delta_that_does_not_fit_its_base_is_an_error() {
        let w = window(10);
        let prev = snap(&w, 0, vec![agent("a", None, &[(5, cell(2))])]);
        let mut next = prev.clone();
        next.agents[0].intervals[5] = cell(1);
        let raw = encode_delta(&prev, &next);
        // Applied over a base with smaller values the differences underflow.
        let mut zero = snap(&w, 0, vec![agent("a", None, &[])]);
        assert!(apply_delta(&mut zero, &raw, next.as_of).is_err());
        // Applied over a base with fewer agents the position is out of range.
        let mut none = snap(&w, 0, vec![]);
        assert!(apply_delta(&mut none, &raw, next.as_of).is_err());
        for cut in 0..raw.len() {
            let mut base = prev.clone();
            assert!(apply_delta(&mut base, &raw[..cut], next.as_of).is_err());
        }
    }
}
