//! Snapshot bodies inside a recording's records: keyframes (self-contained) and deltas
//! (relative to the record before), including the optional status section. The byte layout is
//! described in [`super::format`]; the container (header, frames, record heads) lives there.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use super::alerts::{get_sections, put_sections};
use super::format::*;
use crate::alerts::AlertEvent;
use crate::model::{AgentDay, IntervalMetrics, RoutingAvailability, RoutingMetrics, Snapshot};
use crate::timegrid::DayWindow;

// ----- snapshot bodies -------------------------------------------------------------------------

pub(super) fn put_id(e: &mut Enc, id: &str) {
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

pub(super) fn get_id(d: &mut Dec<'_>) -> Result<String, DecodeError> {
    match d.u8()? {
        0 => Ok(d.str()?.to_string()),
        1 => Ok(uuid_string(d.take(16)?)),
        t => err(format!("unknown id kind {t}")),
    }
}

/// `8-4-4-4-12` lowercase hex → 16 bytes; anything else (upper case, braces) stays text, so
/// the id always comes back exactly as it was.
pub(super) fn uuid_bytes(s: &str) -> Option<[u8; 16]> {
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
    /// Slots the layout keeps but the model no longer has: written as 0, skipped on read
    /// (whatever an older recording stored there, deltas included).
    const RETIRED: &'static [usize] = &[];
    fn to_fields(&self) -> Self::Array;
    fn from_fields(f: Self::Array) -> Self;
}

/// The slot where recordings before floorwatch stopped asking for `nOffered` (it is
/// queue-attributed, so a userId filter zeroes it) stored the offered count.
const OFFERED_SLOT: usize = 8;

impl CellFields for IntervalMetrics {
    type Array = [u32; 10];
    const RETIRED: &'static [usize] = &[OFFERED_SLOT];
    fn to_fields(&self) -> [u32; 10] {
        fields(self)
    }
    fn from_fields(f: [u32; 10]) -> Self {
        from_fields(f)
    }
}

impl CellFields for RoutingMetrics {
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
        RoutingMetrics {
            on_queue_ms: f[0],
            interacting_ms: f[1],
            communicating_ms: f[2],
            idle_ms: f[3],
            not_responding_ms: f[4],
            off_queue_ms: f[5],
        }
    }
}

/// The ten fields of the layout in order; slot 8 ([`OFFERED_SLOT`]) is always 0 so the format
/// stays byte-compatible with recordings that carried the offered count.
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
        0,
        c.answered,
    ]
}

/// The cell of ten fields; slot 8 ([`OFFERED_SLOT`]) is ignored.
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
        answered: f[9],
    }
}

const EMPTY_ROW: &[IntervalMetrics] = &[];
const EMPTY_STATUS: &[RoutingMetrics] = &[];

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
            for (k, (n, o)) in new.as_mut().iter_mut().zip(old.as_ref()).enumerate() {
                let diff = d.zz()?;
                if T::RETIRED.contains(&k) {
                    continue;
                }
                let v = i64::from(*o) + diff;
                *n = u32::try_from(v).or_else(|_| err("cell value out of range"))?;
            }
            row[i] = T::from_fields(new);
        }
    }
    Ok(())
}

/// True when the snapshot carries any status information worth a status section.
fn has_status(s: &Snapshot) -> bool {
    s.status != RoutingAvailability::Unknown || s.agents.iter().any(|a| !a.status.is_empty())
}

/// Writes the status section for `s`, each agent's status relative to `bases` (same order).
fn put_status<'a>(e: &mut Enc, s: &'a Snapshot, bases: impl Iterator<Item = &'a [RoutingMetrics]>) {
    match &s.status {
        RoutingAvailability::Unknown => e.u8(0),
        RoutingAvailability::Available => e.u8(1),
        RoutingAvailability::Forbidden(reason) => {
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
) -> Result<RoutingAvailability, DecodeError> {
    let availability = match d.u8()? {
        0 => RoutingAvailability::Unknown,
        1 => RoutingAvailability::Available,
        2 => RoutingAvailability::Forbidden(d.str()?.to_string()),
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
            a.status = vec![RoutingMetrics::default(); len];
        }
    }
    apply_rows(d, agents, |a| &mut a.status)?;
    Ok(availability)
}

/// True when `next` can be written as a delta over `prev`: same window and source, and every
/// row of both the window's length.
pub(crate) fn delta_possible(prev: &Snapshot, next: &Snapshot) -> bool {
    let n = next.window.len();
    (Arc::ptr_eq(&prev.window, &next.window) || *prev.window == *next.window)
        && prev.source == next.source
        && prev.agents.iter().all(|a| a.intervals.len() == n)
        && next.agents.iter().all(|a| a.intervals.len() == n)
}

/// The uncompressed body of a keyframe (without alert events).
#[cfg(test)]
pub(crate) fn encode_keyframe(s: &Snapshot) -> Vec<u8> {
    encode_keyframe_with(s, &[])
}

/// The uncompressed body of a keyframe carrying `alerts` (events since the record before).
pub(crate) fn encode_keyframe_with(s: &Snapshot, alerts: &[AlertEvent]) -> Vec<u8> {
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
    if has_status(s) || !alerts.is_empty() {
        put_status(&mut e, s, std::iter::repeat(EMPTY_STATUS));
    }
    put_sections(&mut e, alerts);
    e.buf
}

/// Decodes a keyframe body into a snapshot. `window` is reused when it is the same day, so
/// consecutive snapshots share one `Arc<DayWindow>`.
pub(crate) fn decode_keyframe(
    raw: &[u8],
    as_of: DateTime<Utc>,
    window: Option<&Arc<DayWindow>>,
) -> Result<Snapshot, DecodeError> {
    decode_keyframe_with(raw, as_of, window).map(|(s, _)| s)
}

/// [`decode_keyframe`], also giving the record's alert events.
pub(crate) fn decode_keyframe_with(
    raw: &[u8],
    as_of: DateTime<Utc>,
    window: Option<&Arc<DayWindow>>,
) -> Result<(Snapshot, Vec<AlertEvent>), DecodeError> {
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
    let mut status = RoutingAvailability::Unknown;
    if d.remaining() != 0 {
        status = apply_status(&mut d, &mut agents)?;
    }
    let alerts = get_sections(&mut d)?;
    Ok((
        Snapshot {
            window,
            agents,
            as_of,
            source,
            status,
        },
        alerts,
    ))
}

/// The uncompressed body of a delta from `prev` to `next` (see [`delta_possible`]), without
/// alert events.
#[cfg(test)]
pub(crate) fn encode_delta(prev: &Snapshot, next: &Snapshot) -> Vec<u8> {
    encode_delta_with(prev, next, &[])
}

/// The uncompressed body of a delta carrying `alerts` (events since the record before).
pub(crate) fn encode_delta_with(
    prev: &Snapshot,
    next: &Snapshot,
    alerts: &[AlertEvent],
) -> Vec<u8> {
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
        if has_status(prev) || has_status(next) || !alerts.is_empty() {
            put_status(
                &mut e,
                next,
                prev.agents.iter().map(|p| p.status.as_slice()),
            );
        }
        put_sections(&mut e, alerts);
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
    let mut status_bases: Vec<&[RoutingMetrics]> = Vec::with_capacity(next.agents.len());
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
    if has_status(prev) || has_status(next) || !alerts.is_empty() {
        put_status(&mut e, next, status_bases.into_iter());
    }
    put_sections(&mut e, alerts);
    e.buf
}

/// Applies a delta body to `state` (the previous snapshot) in place, giving the next one.
pub(crate) fn apply_delta(
    state: &mut Snapshot,
    raw: &[u8],
    as_of: DateTime<Utc>,
) -> Result<(), DecodeError> {
    apply_delta_with(state, raw, as_of).map(|_| ())
}

/// [`apply_delta`], also giving the record's alert events.
pub(crate) fn apply_delta_with(
    state: &mut Snapshot,
    raw: &[u8],
    as_of: DateTime<Utc>,
) -> Result<Vec<AlertEvent>, DecodeError> {
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
    let alerts = get_sections(&mut d)?;
    state.as_of = as_of;
    Ok(alerts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent_row(len: usize) -> AgentDay {
        AgentDay {
            id: "a".into(),
            name: None,
            intervals: vec![IntervalMetrics::default(); len],
            status: Vec::new(),
        }
    }

    /// Cells as an older floorwatch wrote them: the offered count in slot 8, here falling
    /// from 7 to 2 between records (a delta of −5 that the model has nowhere to put).
    #[test]
    fn the_retired_offered_slot_is_written_as_zero_and_skipped_on_read() {
        let mut agents = vec![agent_row(48)];
        let mut e = Enc::default();
        let write = |e: &mut Enc, slots: [i64; 10]| {
            e.usize(1); // one agent changed
            e.usize(0); // at position 0
            e.usize(1); // one cell changed
            e.usize(18); // bucket 18
            for v in slots {
                e.zz(v);
            }
        };
        write(&mut e, [3, 900_000, 120_000, 3, 0, 0, 780_000, 3, 7, 3]);
        apply_cells(&mut Dec::new(&e.buf), &mut agents).expect("keyframe cells");
        let mut delta = Enc::default();
        write(&mut delta, [1, 300_000, 0, 1, 0, 0, 300_000, 1, -5, 1]);
        apply_cells(&mut Dec::new(&delta.buf), &mut agents).expect("delta cells");
        let c = agents[0].intervals[18];
        assert_eq!(
            (c.handled, c.handle_ms, c.talk_ms, c.answered),
            (4, 1_200_000, 1_080_000, 4)
        );
        assert_eq!(fields(&c)[OFFERED_SLOT], 0);
        // What floorwatch writes now round-trips and carries 0 in the slot.
        let mut out = Enc::default();
        put_cells(
            &mut out,
            std::iter::once((agents[0].intervals.as_slice(), EMPTY_ROW)),
        );
        let mut fresh = vec![agent_row(48)];
        apply_cells(&mut Dec::new(&out.buf), &mut fresh).expect("round trip");
        assert_eq!(fresh[0].intervals, agents[0].intervals);
        let mut d = Dec::new(&out.buf);
        let header: Vec<usize> = (0..4).map(|_| d.usize().expect("head")).collect();
        assert_eq!(header, vec![1, 0, 1, 18]);
        let slots: Vec<i64> = (0..10).map(|_| d.zz().expect("slot")).collect();
        assert_eq!(slots[OFFERED_SLOT], 0);
    }
}
