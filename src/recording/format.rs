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
//! `var(interval gap)` and the ten field differences; a keyframe writes its cells the same way,
//! relative to all-zero rows. Ids that are canonical lowercase UUIDs are stored as 16 bytes.
//!
//! Either kind may end with an optional **status section** (user aggregates, added later in
//! version 1; a record without it decodes as before): `u8(availability: 0 unknown,
//! 1 available, 2 forbidden) [str(reason) if 2]`, one `var(status row length)` per agent of the
//! record's table, then the changed status cells written like the cells above with six fields
//! (on queue, interacting, communicating, idle, not responding, off queue). A keyframe's status
//! rows are relative to zero; a delta's to the same agent's previous status row when it has the
//! same length, else to zero. A delta without the section leaves every status as it was (the
//! writer omits it only when neither snapshot has any status).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::model::{
    AgentDay, IntervalMetrics, Snapshot, Source, StatusAvailability, StatusMetrics,
};
use crate::timegrid::{DayWindow, Granularity};

/// The first bytes of every recording.
pub const MAGIC: &[u8; 5] = b"FWREC";
/// The format version this build writes, and the newest it reads.
pub const FORMAT_VERSION: u16 = 1;
/// Magic, version, header length and header checksum.
pub const HEADER_PREFIX: usize = MAGIC.len() + 2 + 4 + 4;
/// Record length and checksum.
pub const FRAME_PREFIX: usize = 8;
/// Largest record or header accepted; anything longer is damage, not data.
pub const MAX_FRAME: usize = 1 << 30;

/// A record's kind byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Keyframe,
    Delta,
}

impl Kind {
    fn byte(self) -> u8 {
        match self {
            Kind::Keyframe => 0,
            Kind::Delta => 1,
        }
    }
}

/// Why bytes could not be decoded; the reader turns it into a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(what: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(what.into()))
}

/// Appends primitive values to a byte buffer.
#[derive(Default)]
pub struct Enc {
    pub buf: Vec<u8>,
}

impl Enc {
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn var(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub fn zz(&mut self, v: i64) {
        self.var(zigzag(v));
    }

    pub fn usize(&mut self, v: usize) {
        self.var(v as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.buf.extend_from_slice(s.as_bytes());
    }

    fn time(&mut self, t: DateTime<Utc>) {
        self.zz(t.timestamp());
        self.var(u64::from(t.timestamp_subsec_nanos()));
    }
}

/// Reads primitive values from a byte slice; every read is bounds-checked.
pub struct Dec<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Dec<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Dec { b, pos: 0 }
    }

    pub fn pos(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.b.len().saturating_sub(self.pos)
    }

    pub fn rest(&self) -> &'a [u8] {
        self.b.get(self.pos..).unwrap_or_default()
    }

    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        let v = *self.b.get(self.pos).ok_or_else(eof)?;
        self.pos += 1;
        Ok(v)
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.pos.checked_add(n).ok_or_else(eof)?;
        let s = self.b.get(self.pos..end).ok_or_else(eof)?;
        self.pos = end;
        Ok(s)
    }

    pub fn var(&mut self) -> Result<u64, DecodeError> {
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

    pub fn zz(&mut self) -> Result<i64, DecodeError> {
        Ok(unzigzag(self.var()?))
    }

    /// A count of items that each take at least one byte, so it cannot exceed what is left.
    pub fn count(&mut self, what: &str) -> Result<usize, DecodeError> {
        let v = self.var()?;
        match usize::try_from(v) {
            Ok(n) if n <= self.remaining() => Ok(n),
            _ => err(format!("{what} count {v} exceeds the record")),
        }
    }

    /// An index or length that is checked by the caller against its own bound.
    pub fn usize(&mut self) -> Result<usize, DecodeError> {
        let v = self.var()?;
        usize::try_from(v).or_else(|_| err(format!("value {v} out of range")))
    }

    pub fn str(&mut self) -> Result<&'a str, DecodeError> {
        let n = self.usize()?;
        let b = self.take(n)?;
        std::str::from_utf8(b).or_else(|_| err("text is not UTF-8"))
    }

    fn time(&mut self) -> Result<DateTime<Utc>, DecodeError> {
        let secs = self.zz()?;
        let nanos = u32::try_from(self.var()?).or_else(|_| err("bad timestamp"))?;
        DateTime::from_timestamp(secs, nanos).map_or_else(|| err("timestamp out of range"), Ok)
    }
}

fn eof() -> DecodeError {
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

fn put_source(e: &mut Enc, s: &Source) {
    match s {
        Source::Demo => e.u8(0),
        Source::Live { region, api_host } => {
            e.u8(1);
            e.str(region);
            e.str(api_host);
        }
    }
}

fn get_source(d: &mut Dec<'_>) -> Result<Source, DecodeError> {
    match d.u8()? {
        0 => Ok(Source::Demo),
        1 => Ok(Source::Live {
            region: d.str()?.to_string(),
            api_host: d.str()?.to_string(),
        }),
        t => err(format!("unknown source kind {t}")),
    }
}

fn granularity_from(minutes: u8) -> Result<Granularity, DecodeError> {
    match minutes {
        15 => Ok(Granularity::Min15),
        30 => Ok(Granularity::Min30),
        60 => Ok(Granularity::Min60),
        m => err(format!("unknown interval of {m} minutes")),
    }
}

fn granularity_byte(g: Granularity) -> u8 {
    // 15, 30 or 60: always fits.
    u8::try_from(g.minutes()).unwrap_or(u8::MAX)
}

fn get_tz(d: &mut Dec<'_>) -> Result<Tz, DecodeError> {
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
pub enum HeaderError {
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
pub fn decode_header(b: &[u8]) -> Result<(RecordingMeta, usize), HeaderError> {
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
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(FRAME_PREFIX + payload.len());
    out.extend_from_slice(&frame_len(payload.len()).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// What is found at an offset where a record should start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Framed<'a> {
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
pub fn read_frame(b: &[u8], at: usize) -> Framed<'_> {
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
pub struct RecordHead {
    pub kind: Kind,
    pub as_of: DateTime<Utc>,
    pub raw_len: usize,
}

/// Splits a payload into its head and its compressed body.
pub fn decode_head(payload: &[u8]) -> Result<(RecordHead, &[u8]), DecodeError> {
    let mut d = Dec::new(payload);
    let kind = match d.u8()? {
        0 => Kind::Keyframe,
        1 => Kind::Delta,
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
pub fn encode_payload(kind: Kind, as_of: DateTime<Utc>, raw_len: usize, zbody: &[u8]) -> Vec<u8> {
    let mut e = Enc::default();
    e.u8(kind.byte());
    e.time(as_of);
    e.usize(raw_len);
    e.buf.extend_from_slice(zbody);
    e.buf
}

// ----- snapshot bodies -------------------------------------------------------------------------

fn put_id(e: &mut Enc, id: &str) {
    match uuid_bytes(id) {
        Some(b) => {
            e.u8(1);
            e.buf.extend_from_slice(&b);
        }
        None => {
            e.u8(0);
            e.str(id);
        }
    }
}

fn get_id(d: &mut Dec<'_>) -> Result<String, DecodeError> {
    match d.u8()? {
        0 => Ok(d.str()?.to_string()),
        1 => Ok(uuid_string(d.take(16)?)),
        t => err(format!("unknown id kind {t}")),
    }
}

/// `8-4-4-4-12` lowercase hex → 16 bytes; anything else (upper case, braces) stays text, so
/// the id always comes back exactly as it was.
fn uuid_bytes(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut k = 0;
    let mut i = 0;
    while i < 36 {
        if matches!(i, 8 | 13 | 18 | 23) {
            if b[i] != b'-' {
                return None;
            }
            i += 1;
            continue;
        }
        let hi = hex_val(b[i])?;
        let lo = hex_val(*b.get(i + 1)?)?;
        *out.get_mut(k)? = (hi << 4) | lo;
        k += 1;
        i += 2;
    }
    (k == 16).then_some(out)
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

fn uuid_string(b: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (k, byte) in b.iter().enumerate() {
        if matches!(k, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(char::from(HEX[usize::from(byte >> 4)]));
        s.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    s
}

fn put_name(e: &mut Enc, name: Option<&str>) {
    match name {
        None => e.var(0),
        Some(n) => {
            e.usize(n.len() + 1);
            e.buf.extend_from_slice(n.as_bytes());
        }
    }
}

fn get_name(d: &mut Dec<'_>) -> Result<Option<String>, DecodeError> {
    match d.usize()? {
        0 => Ok(None),
        n => {
            let b = d.take(n - 1)?;
            let s = std::str::from_utf8(b).or_else(|_| err("name is not UTF-8"))?;
            Ok(Some(s.to_string()))
        }
    }
}

/// A cell type written field by field (conversation cells and status cells).
trait CellFields: Copy + Default + PartialEq {
    type Array: AsRef<[u32]> + AsMut<[u32]> + Default;
    fn to_fields(&self) -> Self::Array;
    fn from_fields(f: Self::Array) -> Self;
}

impl CellFields for IntervalMetrics {
    type Array = [u32; 10];
    fn to_fields(&self) -> [u32; 10] {
        fields(self)
    }
    fn from_fields(f: [u32; 10]) -> Self {
        from_fields(f)
    }
}

impl CellFields for StatusMetrics {
    type Array = [u32; 6];
    fn to_fields(&self) -> [u32; 6] {
        [
            self.on_queue_ms,
            self.interacting_ms,
            self.communicating_ms,
            self.idle_ms,
            self.not_responding_ms,
            self.off_queue_ms,
        ]
    }
    fn from_fields(f: [u32; 6]) -> Self {
        StatusMetrics {
            on_queue_ms: f[0],
            interacting_ms: f[1],
            communicating_ms: f[2],
            idle_ms: f[3],
            not_responding_ms: f[4],
            off_queue_ms: f[5],
        }
    }
}

fn fields(c: &IntervalMetrics) -> [u32; 10] {
    [
        c.handled,
        c.handle_ms,
        c.acw_ms,
        c.acw_count,
        c.hold_ms,
        c.holds,
        c.talk_ms,
        c.talk_count,
        c.offered,
        c.answered,
    ]
}

fn from_fields(f: [u32; 10]) -> IntervalMetrics {
    IntervalMetrics {
        handled: f[0],
        handle_ms: f[1],
        acw_ms: f[2],
        acw_count: f[3],
        hold_ms: f[4],
        holds: f[5],
        talk_ms: f[6],
        talk_count: f[7],
        offered: f[8],
        answered: f[9],
    }
}

const EMPTY_ROW: &[IntervalMetrics] = &[];
const EMPTY_STATUS: &[StatusMetrics] = &[];

/// Writes the cells of `rows` that differ from `bases` (a missing base is all zero).
fn put_cells<'a, T: CellFields + 'a>(e: &mut Enc, rows: impl Iterator<Item = (&'a [T], &'a [T])>) {
    let zero = T::default();
    let mut agents = Enc::default();
    let mut n_agents = 0usize;
    let mut last_agent: Option<usize> = None;
    let mut cells = Enc::default();
    for (pos, (row, base)) in rows.enumerate() {
        cells.buf.clear();
        let mut n_cells = 0usize;
        let mut last_cell: Option<usize> = None;
        for (i, c) in row.iter().enumerate() {
            let b = base.get(i).unwrap_or(&zero);
            if c == b {
                continue;
            }
            cells.usize(gap(last_cell, i));
            last_cell = Some(i);
            for (new, old) in c.to_fields().as_ref().iter().zip(b.to_fields().as_ref()) {
                cells.zz(i64::from(*new) - i64::from(*old));
            }
            n_cells += 1;
        }
        if n_cells > 0 {
            agents.usize(gap(last_agent, pos));
            last_agent = Some(pos);
            agents.usize(n_cells);
            agents.buf.extend_from_slice(&cells.buf);
            n_agents += 1;
        }
    }
    e.usize(n_agents);
    e.buf.extend_from_slice(&agents.buf);
}

fn gap(last: Option<usize>, i: usize) -> usize {
    match last {
        None => i,
        Some(l) => i - l - 1,
    }
}

fn ungap(last: Option<usize>, g: usize) -> Option<usize> {
    match last {
        None => Some(g),
        Some(l) => l.checked_add(1)?.checked_add(g),
    }
}

/// Applies a cells section to `agents` in place.
fn apply_cells(d: &mut Dec<'_>, agents: &mut [AgentDay]) -> Result<(), DecodeError> {
    apply_rows(d, agents, |a| &mut a.intervals)
}

/// Applies a cells section to the rows `row` picks out of `agents`.
fn apply_rows<T: CellFields>(
    d: &mut Dec<'_>,
    agents: &mut [AgentDay],
    row: fn(&mut AgentDay) -> &mut Vec<T>,
) -> Result<(), DecodeError> {
    let n_agents = d.count("changed agent")?;
    let mut last_agent = None;
    for _ in 0..n_agents {
        let pos = ungap(last_agent, d.usize()?)
            .filter(|&p| p < agents.len())
            .map_or_else(|| err("agent position out of range"), Ok)?;
        last_agent = Some(pos);
        let row = row(&mut agents[pos]);
        let n_cells = d.count("changed cell")?;
        let mut last_cell = None;
        for _ in 0..n_cells {
            let i = ungap(last_cell, d.usize()?)
                .filter(|&i| i < row.len())
                .map_or_else(|| err("interval out of range"), Ok)?;
            last_cell = Some(i);
            let old = row[i].to_fields();
            let mut new = T::Array::default();
            for (n, o) in new.as_mut().iter_mut().zip(old.as_ref()) {
                let v = i64::from(*o) + d.zz()?;
                *n = u32::try_from(v).or_else(|_| err("cell value out of range"))?;
            }
            row[i] = T::from_fields(new);
        }
    }
    Ok(())
}

/// True when the snapshot carries any status information worth a status section.
fn has_status(s: &Snapshot) -> bool {
    s.status != StatusAvailability::Unknown || s.agents.iter().any(|a| !a.status.is_empty())
}

/// Writes the status section for `s`, each agent's status relative to `bases` (same order).
fn put_status<'a>(e: &mut Enc, s: &'a Snapshot, bases: impl Iterator<Item = &'a [StatusMetrics]>) {
    match &s.status {
        StatusAvailability::Unknown => e.u8(0),
        StatusAvailability::Available => e.u8(1),
        StatusAvailability::Forbidden(reason) => {
            e.u8(2);
            e.str(reason);
        }
    }
    e.usize(s.agents.len());
    for a in &s.agents {
        e.usize(a.status.len());
    }
    put_cells(
        e,
        s.agents.iter().zip(bases).map(|(a, b)| {
            let base = if b.len() == a.status.len() {
                b
            } else {
                EMPTY_STATUS
            };
            (a.status.as_slice(), base)
        }),
    );
}

/// Reads a status section over `agents` (whose current status rows are the bases).
fn apply_status(
    d: &mut Dec<'_>,
    agents: &mut [AgentDay],
) -> Result<StatusAvailability, DecodeError> {
    let availability = match d.u8()? {
        0 => StatusAvailability::Unknown,
        1 => StatusAvailability::Available,
        2 => StatusAvailability::Forbidden(d.str()?.to_string()),
        t => return err(format!("unknown status availability {t}")),
    };
    if d.count("status row")? != agents.len() {
        return err("status rows do not match the agents");
    }
    for a in agents.iter_mut() {
        let len = d.usize()?;
        if len > MAX_FRAME / 24 {
            return err("implausible status row length");
        }
        if a.status.len() != len {
            a.status = vec![StatusMetrics::default(); len];
        }
    }
    apply_rows(d, agents, |a| &mut a.status)?;
    Ok(availability)
}

/// True when `next` can be written as a delta over `prev`: same window and source, and every
/// row of both the window's length.
pub fn delta_possible(prev: &Snapshot, next: &Snapshot) -> bool {
    let n = next.window.len();
    (Arc::ptr_eq(&prev.window, &next.window) || *prev.window == *next.window)
        && prev.source == next.source
        && prev.agents.iter().all(|a| a.intervals.len() == n)
        && next.agents.iter().all(|a| a.intervals.len() == n)
}

/// The uncompressed body of a keyframe.
pub fn encode_keyframe(s: &Snapshot) -> Vec<u8> {
    let mut e = Enc::default();
    let w = &s.window;
    e.zz(i64::from(chrono::Datelike::num_days_from_ce(&w.date)));
    e.str(w.tz.name());
    e.u8(granularity_byte(w.granularity));
    put_source(&mut e, &s.source);
    e.usize(s.agents.len());
    for a in &s.agents {
        put_id(&mut e, &a.id);
        put_name(&mut e, a.name.as_deref());
        e.usize(a.intervals.len());
    }
    put_cells(
        &mut e,
        s.agents.iter().map(|a| (a.intervals.as_slice(), EMPTY_ROW)),
    );
    if has_status(s) {
        put_status(&mut e, s, std::iter::repeat(EMPTY_STATUS));
    }
    e.buf
}

/// Decodes a keyframe body into a snapshot. `window` is reused when it is the same day, so
/// consecutive snapshots share one `Arc<DayWindow>`.
pub fn decode_keyframe(
    raw: &[u8],
    as_of: DateTime<Utc>,
    window: Option<&Arc<DayWindow>>,
) -> Result<Snapshot, DecodeError> {
    let mut d = Dec::new(raw);
    let days = i32::try_from(d.zz()?).or_else(|_| err("date out of range"))?;
    let date = NaiveDate::from_num_days_from_ce_opt(days).map_or_else(|| err("bad date"), Ok)?;
    let tz = get_tz(&mut d)?;
    let granularity = granularity_from(d.u8()?)?;
    let window = match window {
        Some(w) if w.date == date && w.tz == tz && w.granularity == granularity => w.clone(),
        _ => Arc::new(DayWindow::new(date, tz, granularity)),
    };
    let source = get_source(&mut d)?;
    let n = d.count("agent")?;
    let mut agents = Vec::with_capacity(n);
    for _ in 0..n {
        let id = get_id(&mut d)?;
        let name = get_name(&mut d)?;
        let len = d.usize()?;
        if len > MAX_FRAME / 40 {
            return err("implausible row length");
        }
        agents.push(AgentDay {
            id,
            name,
            intervals: vec![IntervalMetrics::default(); len],
            status: Vec::new(),
        });
    }
    apply_cells(&mut d, &mut agents)?;
    let mut status = StatusAvailability::Unknown;
    if d.remaining() != 0 {
        status = apply_status(&mut d, &mut agents)?;
    }
    if d.remaining() != 0 {
        return err("trailing bytes after the cells");
    }
    Ok(Snapshot {
        window,
        agents,
        as_of,
        source,
        status,
    })
}

/// The uncompressed body of a delta from `prev` to `next` (see [`delta_possible`]).
pub fn encode_delta(prev: &Snapshot, next: &Snapshot) -> Vec<u8> {
    let mut e = Enc::default();
    let same_table = prev.agents.len() == next.agents.len()
        && prev
            .agents
            .iter()
            .zip(&next.agents)
            .all(|(p, n)| p.id == n.id && p.name == n.name);
    if same_table {
        e.u8(0);
        put_cells(
            &mut e,
            next.agents
                .iter()
                .zip(&prev.agents)
                .map(|(n, p)| (n.intervals.as_slice(), p.intervals.as_slice())),
        );
        if has_status(prev) || has_status(next) {
            put_status(
                &mut e,
                next,
                prev.agents.iter().map(|p| p.status.as_slice()),
            );
        }
        return e.buf;
    }
    e.u8(1);
    let by_id: HashMap<&str, usize> = prev
        .agents
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    e.usize(next.agents.len());
    let mut used = vec![false; prev.agents.len()];
    let mut expected = 0usize;
    let mut bases: Vec<&[IntervalMetrics]> = Vec::with_capacity(next.agents.len());
    let mut status_bases: Vec<&[StatusMetrics]> = Vec::with_capacity(next.agents.len());
    for a in &next.agents {
        // Each previous row is referenced at most once (ids are unique in practice; a
        // duplicate is written as a new agent).
        let found = by_id.get(a.id.as_str()).copied().filter(|&i| !used[i]);
        match found {
            None => {
                e.var(0);
                put_id(&mut e, &a.id);
                put_name(&mut e, a.name.as_deref());
                bases.push(EMPTY_ROW);
                status_bases.push(EMPTY_STATUS);
            }
            Some(i) => {
                used[i] = true;
                let p = &prev.agents[i];
                let rel = i as i64 - expected as i64;
                if p.name == a.name {
                    e.var(zigzag(rel) + 2);
                } else {
                    e.var(1);
                    e.zz(rel);
                    put_name(&mut e, a.name.as_deref());
                }
                expected = i + 1;
                bases.push(p.intervals.as_slice());
                status_bases.push(p.status.as_slice());
            }
        }
    }
    put_cells(
        &mut e,
        next.agents
            .iter()
            .zip(bases)
            .map(|(n, b)| (n.intervals.as_slice(), b)),
    );
    if has_status(prev) || has_status(next) {
        put_status(&mut e, next, status_bases.into_iter());
    }
    e.buf
}

/// Applies a delta body to `state` (the previous snapshot) in place, giving the next one.
pub fn apply_delta(
    state: &mut Snapshot,
    raw: &[u8],
    as_of: DateTime<Utc>,
) -> Result<(), DecodeError> {
    let n = state.window.len();
    if state.agents.iter().any(|a| a.intervals.len() != n) {
        return err("a delta follows a snapshot with irregular rows");
    }
    let mut d = Dec::new(raw);
    match d.u8()? {
        0 => {}
        1 => {
            let count = d.count("agent")?;
            let mut old: Vec<Option<AgentDay>> = std::mem::take(&mut state.agents)
                .into_iter()
                .map(Some)
                .collect();
            let mut agents = Vec::with_capacity(count);
            let mut expected = 0usize;
            for _ in 0..count {
                let tag = d.var()?;
                let (rel, renamed) = match tag {
                    0 => {
                        let id = get_id(&mut d)?;
                        let name = get_name(&mut d)?;
                        agents.push(AgentDay {
                            id,
                            name,
                            intervals: vec![IntervalMetrics::default(); n],
                            status: Vec::new(),
                        });
                        continue;
                    }
                    1 => (d.zz()?, true),
                    t => (unzigzag(t - 2), false),
                };
                let i = i64::try_from(expected)
                    .ok()
                    .and_then(|x| x.checked_add(rel))
                    .and_then(|x| usize::try_from(x).ok())
                    .filter(|&i| i < old.len())
                    .map_or_else(|| err("agent reference out of range"), Ok)?;
                let Some(mut a) = old[i].take() else {
                    return err("agent referenced twice");
                };
                if renamed {
                    a.name = get_name(&mut d)?;
                }
                agents.push(a);
                expected = i + 1;
            }
            state.agents = agents;
        }
        t => return err(format!("unknown agent-table flag {t}")),
    }
    apply_cells(&mut d, &mut state.agents)?;
    if d.remaining() != 0 {
        state.status = apply_status(&mut d, &mut state.agents)?;
    }
    if d.remaining() != 0 {
        return err("trailing bytes after the cells");
    }
    state.as_of = as_of;
    Ok(())
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
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
            offered: k + 1,
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
            status: StatusAvailability::Unknown,
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

    fn status(k: u32) -> StatusMetrics {
        StatusMetrics {
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
        with.status = StatusAvailability::Available;
        with.agents[0].status = vec![StatusMetrics::default(); 48];
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
        refused.status = StatusAvailability::Forbidden("needs analytics:userAggregate:view".into());
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
