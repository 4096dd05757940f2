//! The drill-down's domain: from the conversations behind one agent × interval cell
//! ([`BucketConversations`]) to the rows, timelines, totals, sort orders, CSV records and the
//! reconciliation against the cell that the pane shows. Pure: no HTTP, no terminal.
//!
//! Per conversation, over the agent's own `agent` sessions (reference §11.4): talk =
//! Σ`tTalkComplete`, hold = Σ`tHeldComplete`, ACW = Σ`tAcw`, handle = Σ`tHandle`.
//! **Holds** counts the agent's `hold` *segments* (how many times the caller was put on hold);
//! when a session posted `tHeldComplete` but carries no hold segment, that session counts as
//! one. The interval table's "holds" is different: it counts *held sessions*
//! (`tHeldComplete.count`); [`DrillTotal::held_conversations`] is the comparable figure.
//!
//! Handle and ACW post at the end of wrap-up, the moment that decides which interval a
//! conversation belongs to, so the listed conversations' handle and ACW must add up to the
//! cell's. Talk and hold post at hang-up, so they may legitimately differ; the
//! [`Reconciliation`] says by how much and why, in one line each.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::export::rfc3339;
use crate::format::{clock, csv_secs, csv_text};
use crate::genesys::details::{BucketConversations, DetailConversation, DetailSession};
use crate::model::IntervalMetrics;
use crate::timegrid::Bucket;

/// The CSV export's header, exactly.
pub const CSV_HEADER: &[&str] = &[
    "conversation_id",
    "start",
    "end",
    "media_type",
    "queue",
    "direction",
    "talk_s",
    "hold_s",
    "holds",
    "acw_s",
    "handle_s",
    "wrap_up",
];

/// What a segment of the agent's session was.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SegmentKind {
    Alert,
    Interact,
    Hold,
    Wrapup,
    /// Any other `segmentType` (`dialing`, `contacting`, …), as Genesys spelled it.
    Other(String),
}

impl SegmentKind {
    /// From a `segmentType`.
    pub fn parse(s: &str) -> SegmentKind {
        match s.to_ascii_lowercase().as_str() {
            "alert" => SegmentKind::Alert,
            "interact" => SegmentKind::Interact,
            "hold" => SegmentKind::Hold,
            "wrapup" => SegmentKind::Wrapup,
            _ => SegmentKind::Other(s.to_string()),
        }
    }

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            SegmentKind::Alert => "alert",
            SegmentKind::Interact => "interact",
            SegmentKind::Hold => "hold",
            SegmentKind::Wrapup => "wrapup",
            SegmentKind::Other(s) => s,
        }
    }
}

/// One step of a conversation's timeline (the pop-up), in local time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineSegment {
    pub kind: SegmentKind,
    pub start: Option<DateTime<Tz>>,
    /// `None` while the segment is still open.
    pub end: Option<DateTime<Tz>>,
    pub queue_id: Option<String>,
    /// Only on `wrapup` segments.
    pub wrap_up_code: Option<String>,
}

impl TimelineSegment {
    /// Length in ms, when both ends are known.
    pub fn duration_ms(&self) -> Option<u64> {
        let (s, e) = (self.start?, self.end?);
        u64::try_from((e - s).num_milliseconds()).ok()
    }
}

/// One conversation as the pane shows it, for the drilled-down agent.
#[derive(Clone, Debug, PartialEq)]
pub struct DrillRow {
    pub conversation_id: String,
    /// `conversationStart` (else the agent's first segment), local.
    pub start: Option<DateTime<Tz>>,
    /// `conversationEnd`, local; `None` while the conversation is open.
    pub end: Option<DateTime<Tz>>,
    pub media_type: Option<String>,
    /// The queue id from the agent's segments (else the `acd` participant's); the pane
    /// resolves the name.
    pub queue_id: Option<String>,
    pub direction: Option<String>,
    pub talk_ms: u64,
    pub hold_ms: u64,
    /// Hold segments (see the module docs).
    pub holds: u32,
    pub acw_ms: u64,
    pub handle_ms: u64,
    /// From the agent's last `wrapup` segment that has one (an id or `ININ-WRAP-UP-TIMEOUT`).
    pub wrap_up_code: Option<String>,
    /// The agent's segments in time order.
    pub timeline: Vec<TimelineSegment>,
}

fn local(t: Option<DateTime<Utc>>, tz: Tz) -> Option<DateTime<Tz>> {
    t.map(|t| t.with_timezone(&tz))
}

fn media_ok(s: &DetailSession, media: &[String]) -> bool {
    media.is_empty()
        || s.media_type
            .as_deref()
            .is_some_and(|m| media.iter().any(|x| x.eq_ignore_ascii_case(m)))
}

/// The sessions of `user_id`'s agent participants whose media type is in `media` (all when
/// `media` is empty).
fn sessions<'a>(
    c: &'a DetailConversation,
    user_id: &'a str,
    media: &'a [String],
) -> Vec<&'a DetailSession> {
    c.agent_sessions(user_id)
        .filter(|s| media_ok(s, media))
        .collect()
}

/// The row of conversation `c` for agent `user_id`, over all the agent's sessions.
pub fn row_for(c: &DetailConversation, user_id: &str, tz: Tz) -> DrillRow {
    row_from(c, &sessions(c, user_id, &[]), tz)
}

fn row_from(c: &DetailConversation, ss: &[&DetailSession], tz: Tz) -> DrillRow {
    let sum = |name: &str| ss.iter().map(|s| s.metric_sum(name)).sum::<u64>();
    let mut timeline: Vec<TimelineSegment> = ss
        .iter()
        .flat_map(|s| s.segments.iter())
        .map(|g| TimelineSegment {
            kind: SegmentKind::parse(g.segment_type.as_deref().unwrap_or_default()),
            start: local(g.segment_start, tz),
            end: local(g.segment_end, tz),
            queue_id: g.queue_id.clone(),
            wrap_up_code: g.wrap_up_code.clone(),
        })
        .collect();
    timeline.sort_by_key(|g| g.start.map(|t| t.with_timezone(&Utc)));
    let holds = ss
        .iter()
        .map(|s| {
            let segs = s
                .segments
                .iter()
                .filter(|g| {
                    g.segment_type
                        .as_deref()
                        .is_some_and(|t| t.eq_ignore_ascii_case("hold"))
                })
                .count();
            match segs {
                0 if s.metric_sum("tHeldComplete") > 0 => 1,
                n => u32::try_from(n).unwrap_or(u32::MAX),
            }
        })
        .sum();
    let queue_id = timeline
        .iter()
        .find_map(|g| g.queue_id.clone())
        .or_else(|| {
            c.participants
                .iter()
                .filter(|p| p.has_purpose("acd"))
                .flat_map(|p| p.sessions.iter().flat_map(|s| s.segments.iter()))
                .find_map(|g| g.queue_id.clone())
        });
    let wrap_up_code = timeline
        .iter()
        .rev()
        .filter(|g| g.kind == SegmentKind::Wrapup)
        .find_map(|g| g.wrap_up_code.clone());
    DrillRow {
        conversation_id: c.conversation_id.clone(),
        start: local(c.conversation_start, tz).or_else(|| timeline.first()?.start),
        end: local(c.conversation_end, tz),
        media_type: ss.iter().find_map(|s| s.media_type.clone()),
        queue_id,
        direction: ss.iter().find_map(|s| s.direction.clone()),
        talk_ms: sum("tTalkComplete"),
        hold_ms: sum("tHeldComplete"),
        holds,
        acw_ms: sum("tAcw"),
        handle_ms: sum("tHandle"),
        wrap_up_code,
        timeline,
    }
}

/// A column to sort by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortColumn {
    Start,
    End,
    MediaType,
    Queue,
    Direction,
    Talk,
    Hold,
    Holds,
    Acw,
    Handle,
    WrapUp,
    ConversationId,
}

impl SortColumn {
    /// Every column, in the CSV's order (conversation id last: it is rarely sorted on).
    pub const ALL: [SortColumn; 12] = [
        SortColumn::Start,
        SortColumn::End,
        SortColumn::MediaType,
        SortColumn::Queue,
        SortColumn::Direction,
        SortColumn::Talk,
        SortColumn::Hold,
        SortColumn::Holds,
        SortColumn::Acw,
        SortColumn::Handle,
        SortColumn::WrapUp,
        SortColumn::ConversationId,
    ];

    /// Short header label.
    pub fn label(self) -> &'static str {
        match self {
            SortColumn::Start => "Start",
            SortColumn::End => "End",
            SortColumn::MediaType => "Media",
            SortColumn::Queue => "Queue",
            SortColumn::Direction => "Dir",
            SortColumn::Talk => "Talk",
            SortColumn::Hold => "Hold",
            SortColumn::Holds => "Holds",
            SortColumn::Acw => "ACW",
            SortColumn::Handle => "Handle",
            SortColumn::WrapUp => "Wrap-up",
            SortColumn::ConversationId => "Conversation",
        }
    }

    /// The natural first direction: figures largest first, times and text ascending.
    pub fn default_descending(self) -> bool {
        matches!(
            self,
            SortColumn::Talk
                | SortColumn::Hold
                | SortColumn::Holds
                | SortColumn::Acw
                | SortColumn::Handle
        )
    }

    fn compare(self, a: &DrillRow, b: &DrillRow) -> Ordering {
        let utc = |t: Option<DateTime<Tz>>| t.map(|t| t.with_timezone(&Utc));
        match self {
            SortColumn::Start => utc(a.start).cmp(&utc(b.start)),
            // Open conversations (no end yet) sort after ended ones.
            SortColumn::End => (a.end.is_none(), utc(a.end)).cmp(&(b.end.is_none(), utc(b.end))),
            SortColumn::MediaType => a.media_type.cmp(&b.media_type),
            SortColumn::Queue => a.queue_id.cmp(&b.queue_id),
            SortColumn::Direction => a.direction.cmp(&b.direction),
            SortColumn::Talk => a.talk_ms.cmp(&b.talk_ms),
            SortColumn::Hold => a.hold_ms.cmp(&b.hold_ms),
            SortColumn::Holds => a.holds.cmp(&b.holds),
            SortColumn::Acw => a.acw_ms.cmp(&b.acw_ms),
            SortColumn::Handle => a.handle_ms.cmp(&b.handle_ms),
            SortColumn::WrapUp => a.wrap_up_code.cmp(&b.wrap_up_code),
            SortColumn::ConversationId => a.conversation_id.cmp(&b.conversation_id),
        }
    }
}

/// Sorts by `column` (reversed when `descending`); ties go by start, then conversation id,
/// always ascending, so the order is total and stable across refreshes.
pub fn sort_rows(rows: &mut [DrillRow], column: SortColumn, descending: bool) {
    rows.sort_by(|a, b| {
        let primary = column.compare(a, b);
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| SortColumn::Start.compare(a, b))
            .then_with(|| a.conversation_id.cmp(&b.conversation_id))
    });
}

/// The total row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrillTotal {
    pub conversations: usize,
    pub talk_ms: u64,
    pub hold_ms: u64,
    /// Σ hold segments.
    pub holds: u64,
    /// Conversations with any hold time (comparable to the interval's `holds`).
    pub held_conversations: usize,
    pub acw_ms: u64,
    pub handle_ms: u64,
}

impl DrillTotal {
    /// Sums rows.
    pub fn of(rows: &[DrillRow]) -> Self {
        let mut t = DrillTotal::default();
        for r in rows {
            t.conversations += 1;
            t.talk_ms += r.talk_ms;
            t.hold_ms += r.hold_ms;
            t.holds += u64::from(r.holds);
            t.held_conversations += usize::from(r.hold_ms > 0 || r.holds > 0);
            t.acw_ms += r.acw_ms;
            t.handle_ms += r.handle_ms;
        }
        t
    }

    /// Average handle time of the listed conversations.
    pub fn aht_ms(&self) -> Option<f64> {
        (self.conversations > 0).then(|| self.handle_ms as f64 / self.conversations as f64)
    }
}

/// A figure as the listed conversations add it up, and as the interval's cell has it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figure {
    pub listed: u64,
    pub interval: u64,
}

impl Figure {
    /// `interval − listed`: positive when the cell counts more than the list shows.
    pub fn diff(&self) -> i128 {
        i128::from(self.interval) - i128::from(self.listed)
    }

    /// Whether both agree.
    pub fn agrees(&self) -> bool {
        self.listed == self.interval
    }
}

/// The listed conversations checked against the interval's cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Conversations (`tHandle` datapoints in the bucket) vs `tHandle.count`.
    pub handled: Figure,
    /// ms.
    pub handle: Figure,
    pub acw: Figure,
    pub talk: Figure,
    pub hold: Figure,
    /// One line per disagreement (handle, ACW, count, talk, hold), each explaining it.
    pub notes: Vec<String>,
}

impl Reconciliation {
    /// Handle, ACW and the count agree: the list is exactly the cell.
    pub fn matches(&self) -> bool {
        self.handle.agrees() && self.acw.agrees() && self.handled.agrees()
    }
}

/// Per-bucket sums over the agent's (media-matching) sessions, by emitDate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct BucketSums {
    /// Listed: `tHandle` datapoints in the bucket.
    handled: u64,
    /// Listed: `tHandle` in the bucket.
    handle_in: u64,
    /// Listed: `tAcw` in the bucket.
    acw_in: u64,
    /// Listed: talk/hold posted before the bucket (hung up before b0).
    talk_before: u64,
    hold_before: u64,
    /// Not listed (wrapped up after the bucket, or still open): talk/hold posted in it.
    talk_unlisted: u64,
    hold_unlisted: u64,
}

/// The drill-down of one cell: rows (in the current sort order), the bucket, and what the
/// reconciliation needs.
#[derive(Clone, Debug, PartialEq)]
pub struct DrillDown {
    pub user_id: String,
    pub bucket: Bucket,
    pub tz: Tz,
    pub rows: Vec<DrillRow>,
    /// The current sort.
    pub sort: (SortColumn, bool),
    /// Carried over from the fetch: why the list may be short.
    pub incomplete: Option<String>,
    sums: BucketSums,
}

impl DrillDown {
    /// Rows for the fetched conversations, in `tz`, counting only the agent's sessions whose
    /// media type is in `media` (the dashboard's media filter; empty = all), longest handle
    /// first.
    pub fn new(found: &BucketConversations, tz: Tz, media: &[String]) -> Self {
        let user = found.user_id.as_str();
        let b = found.bucket;
        let before = |s: &DetailSession, name: &str| -> u64 {
            s.metric(name)
                .filter(|(t, _)| t.is_some_and(|t| t < b.start))
                .map(|(_, v)| v)
                .sum()
        };
        let mut sums = BucketSums::default();
        let mut rows = Vec::with_capacity(found.conversations.len());
        for c in &found.conversations {
            let ss = sessions(c, user, media);
            if ss.is_empty() {
                continue;
            }
            for s in &ss {
                let (h, n) = s.metric_in("tHandle", b);
                sums.handled += u64::from(n);
                sums.handle_in += h;
                sums.acw_in += s.metric_in("tAcw", b).0;
                sums.talk_before += before(s, "tTalkComplete");
                sums.hold_before += before(s, "tHeldComplete");
            }
            rows.push(row_from(c, &ss, tz));
        }
        for c in &found.unlisted {
            for s in sessions(c, user, media) {
                sums.talk_unlisted += s.metric_in("tTalkComplete", b).0;
                sums.hold_unlisted += s.metric_in("tHeldComplete", b).0;
            }
        }
        let mut d = DrillDown {
            user_id: found.user_id.clone(),
            bucket: b,
            tz,
            rows,
            sort: (SortColumn::Handle, true),
            incomplete: found.incomplete.clone(),
            sums,
        };
        d.sort_by(SortColumn::Handle, true);
        d
    }

    /// Re-sorts the rows.
    pub fn sort_by(&mut self, column: SortColumn, descending: bool) {
        sort_rows(&mut self.rows, column, descending);
        self.sort = (column, descending);
    }

    /// The total row.
    pub fn total(&self) -> DrillTotal {
        DrillTotal::of(&self.rows)
    }

    /// The CSV records (without the header, [`CSV_HEADER`]) in the current order, ids as is.
    pub fn csv_records(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| csv_record(r, None, None))
            .collect()
    }

    /// The CSV records with queue and wrap-up names where the resolvers know them (ids
    /// otherwise).
    pub fn csv_records_named(
        &self,
        queue_name: NameOf<'_>,
        wrap_up_name: NameOf<'_>,
    ) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| csv_record(r, Some(queue_name), Some(wrap_up_name)))
            .collect()
    }

    fn hm(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%H:%M").to_string()
    }

    /// Checks the rows against the interval's cell (same agent, same bucket, same media
    /// filter). Handle, ACW and the count must agree; talk and hold may differ, and each
    /// difference gets a one-line explanation.
    pub fn reconcile(&self, cell: &IntervalMetrics) -> Reconciliation {
        let t = self.total();
        let s = self.sums;
        let mut r = Reconciliation {
            handled: Figure {
                listed: s.handled,
                interval: u64::from(cell.handled),
            },
            handle: Figure {
                listed: t.handle_ms,
                interval: u64::from(cell.handle_ms),
            },
            acw: Figure {
                listed: t.acw_ms,
                interval: u64::from(cell.acw_ms),
            },
            talk: Figure {
                listed: t.talk_ms,
                interval: u64::from(cell.talk_ms),
            },
            hold: Figure {
                listed: t.hold_ms,
                interval: u64::from(cell.hold_ms),
            },
            notes: Vec::new(),
        };
        let (b0, b1) = (self.hm(self.bucket.start), self.hm(self.bucket.end));
        let incomplete = self.incomplete.as_deref();
        for (name, fig, in_bucket) in [("handle", r.handle, s.handle_in), ("ACW", r.acw, s.acw_in)]
        {
            if let Some(n) = wrap_up_note(name, fig, in_bucket, incomplete) {
                r.notes.push(n);
            }
        }
        if !r.handled.agrees() && r.handle.agrees() && r.acw.agrees() {
            r.notes.push(format!(
                "{} conversations listed but the interval counts {}",
                r.handled.listed, r.handled.interval
            ));
        }
        for (name, fig, before, unlisted) in [
            ("talk", r.talk, s.talk_before, s.talk_unlisted),
            ("hold", r.hold, s.hold_before, s.hold_unlisted),
        ] {
            if let Some(n) = hang_up_note(name, fig, before, unlisted, &b0, &b1) {
                r.notes.push(n);
            }
        }
        r
    }
}

/// Handle/ACW: these decide the bucket, so a difference means the two sources disagree.
fn wrap_up_note(
    name: &str,
    fig: Figure,
    in_bucket: u64,
    incomplete: Option<&str>,
) -> Option<String> {
    if fig.agrees() {
        return None;
    }
    let d = fig.diff();
    let by = clock(d.unsigned_abs().min(u128::from(u64::MAX)) as u64);
    let why = if in_bucket == fig.interval {
        "a listed conversation has another session of this agent wrapped up outside this \
         interval"
            .to_string()
    } else if let Some(reason) = incomplete.filter(|_| d > 0) {
        format!("the list is incomplete: {reason}")
    } else if d > 0 {
        "the interval counts conversations the details query does not return yet (it can \
         trail the aggregates)"
            .to_string()
    } else {
        "the details include conversations the interval's figures do not show yet (refresh \
         the dashboard)"
            .to_string()
    };
    Some(format!(
        "{name} differs from the interval's figure by {by}: {why}"
    ))
}

/// Talk/hold: they post at hang-up, so the interval and the list may each count some the
/// other does not.
fn hang_up_note(
    name: &str,
    fig: Figure,
    before: u64,
    unlisted: u64,
    b0: &str,
    b1: &str,
) -> Option<String> {
    if fig.agrees() {
        return None;
    }
    let d = fig.diff();
    let by = clock(d.unsigned_abs().min(u128::from(u64::MAX)) as u64);
    let earlier = format!(
        "calls hung up before {b0} and wrapped up in this interval posted their {name} to an \
         earlier one"
    );
    let later = format!("calls wrapped up after {b1} can add {name} to this interval");
    let mut why = match (before > 0, unlisted > 0) {
        (true, true) => format!("{earlier}, and {later}"),
        (true, false) => earlier,
        (false, true) => later,
        (false, false) if d > 0 => later,
        (false, false) => earlier,
    };
    let explained = i128::from(unlisted) - i128::from(before);
    if (before > 0 || unlisted > 0) && explained != d {
        why.push_str("; the rest is not in the details yet");
    }
    Some(format!(
        "{name} differs from the interval's figure by {by}: {name} posts at hang-up, so {why}"
    ))
}

/// Resolves an id (queue, wrap-up code) to a display name.
pub type NameOf<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One CSV record: times RFC 3339 with the zone's offset, seconds with ms, text neutralised.
pub fn csv_record(
    r: &DrillRow,
    queue_name: Option<NameOf<'_>>,
    wrap_up_name: Option<NameOf<'_>>,
) -> Vec<String> {
    let named = |id: Option<&str>, f: Option<NameOf<'_>>| -> String {
        let Some(id) = id else {
            return String::new();
        };
        let text = f.and_then(|f| f(id)).unwrap_or_else(|| id.to_string());
        csv_text(&text)
    };
    vec![
        csv_text(&r.conversation_id),
        r.start.map(rfc3339).unwrap_or_default(),
        r.end.map(rfc3339).unwrap_or_default(),
        csv_text(r.media_type.as_deref().unwrap_or_default()),
        named(r.queue_id.as_deref(), queue_name),
        csv_text(r.direction.as_deref().unwrap_or_default()),
        csv_secs(r.talk_ms),
        csv_secs(r.hold_ms),
        r.holds.to_string(),
        csv_secs(r.acw_ms),
        csv_secs(r.handle_ms),
        named(r.wrap_up_code.as_deref(), wrap_up_name),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::details::{DetailParticipant, DetailSegment, SessionMetric, parse_page};
    use chrono::{Duration, TimeZone};

    fn tz() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    /// 2025-03-10 at h:m CDT (UTC−5).
    fn t(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        tz().with_ymd_and_hms(2025, 3, 10, h, m, s)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    fn bucket() -> Bucket {
        Bucket {
            start: t(10, 0, 0),
            end: t(10, 30, 0),
        }
    }

    fn seg(kind: &str, a: DateTime<Utc>, b: Option<DateTime<Utc>>) -> DetailSegment {
        DetailSegment {
            segment_start: Some(a),
            segment_end: b,
            segment_type: Some(kind.into()),
            queue_id: Some("q-1".into()),
            ..DetailSegment::default()
        }
    }

    /// A call of agent `u`: answered at `a`, talk `talk` s then one hold of `hold` s (if any),
    /// wrap-up `acw` s.
    fn call(
        id: &str,
        a: DateTime<Utc>,
        talk: i64,
        hold: i64,
        acw: i64,
        code: &str,
    ) -> DetailConversation {
        let hang = a + Duration::seconds(talk + hold);
        let end = hang + Duration::seconds(acw);
        let mut segments = vec![seg("alert", a - Duration::seconds(5), Some(a))];
        if hold > 0 {
            segments.push(seg("interact", a, Some(a + Duration::seconds(talk / 2))));
            segments.push(seg(
                "hold",
                a + Duration::seconds(talk / 2),
                Some(a + Duration::seconds(talk / 2 + hold)),
            ));
            segments.push(seg(
                "interact",
                a + Duration::seconds(talk / 2 + hold),
                Some(hang),
            ));
        } else {
            segments.push(seg("interact", a, Some(hang)));
        }
        let mut wrap = seg("wrapup", hang, Some(end));
        wrap.wrap_up_code = Some(code.into());
        segments.push(wrap);
        let mut metrics = vec![SessionMetric::new(
            "tTalkComplete",
            hang,
            talk as u64 * 1000,
        )];
        if hold > 0 {
            metrics.push(SessionMetric::new(
                "tHeldComplete",
                hang,
                hold as u64 * 1000,
            ));
        }
        metrics.push(SessionMetric::new("tAcw", end, acw as u64 * 1000));
        metrics.push(SessionMetric::new(
            "tHandle",
            end,
            (talk + hold + acw) as u64 * 1000,
        ));
        DetailConversation {
            conversation_id: id.into(),
            conversation_start: Some(a - Duration::seconds(5)),
            conversation_end: Some(end),
            participants: vec![
                DetailParticipant {
                    purpose: Some("customer".into()),
                    ..DetailParticipant::default()
                },
                DetailParticipant {
                    purpose: Some("agent".into()),
                    user_id: Some("u".into()),
                    sessions: vec![DetailSession {
                        media_type: Some("voice".into()),
                        direction: Some("inbound".into()),
                        segments,
                        metrics,
                        ..DetailSession::default()
                    }],
                    ..DetailParticipant::default()
                },
            ],
            ..DetailConversation::default()
        }
    }

    fn found(
        kept: Vec<DetailConversation>,
        unlisted: Vec<DetailConversation>,
    ) -> BucketConversations {
        BucketConversations {
            user_id: "u".into(),
            bucket: bucket(),
            interval: String::new(),
            conversations: kept,
            unlisted,
            pages: 1,
            total_hits: None,
            incomplete: None,
        }
    }

    #[test]
    fn rows_sum_the_agents_sessions_and_sort_longest_first() {
        let a = call("c-a", t(10, 2, 0), 120, 0, 30, "wu-1");
        let b = call("c-b", t(10, 5, 0), 300, 60, 45, "=cmd");
        let d = DrillDown::new(&found(vec![a, b], vec![]), tz(), &[]);
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[0].conversation_id, "c-b");
        let r = &d.rows[0];
        assert_eq!(
            (r.talk_ms, r.hold_ms, r.holds, r.acw_ms, r.handle_ms),
            (300_000, 60_000, 1, 45_000, 405_000)
        );
        assert_eq!(r.queue_id.as_deref(), Some("q-1"));
        assert_eq!(r.wrap_up_code.as_deref(), Some("=cmd"));
        let kinds: Vec<&str> = r.timeline.iter().map(|g| g.kind.as_str()).collect();
        assert_eq!(kinds, ["alert", "interact", "hold", "interact", "wrapup"]);
        assert_eq!(r.timeline[2].duration_ms(), Some(60_000));
        let tot = d.total();
        assert_eq!(
            (
                tot.conversations,
                tot.handle_ms,
                tot.holds,
                tot.held_conversations
            ),
            (2, 555_000, 1, 1)
        );
        let csv = d.csv_records();
        assert_eq!(csv[0].len(), CSV_HEADER.len());
        assert_eq!(csv[0][1], "2025-03-10T10:04:55-05:00");
        assert_eq!(csv[0][10], "405.000");
        assert_eq!(csv[0][11], "'=cmd");
        let named =
            d.csv_records_named(&|q| (q == "q-1").then(|| "Billing".to_string()), &|_| None);
        assert_eq!(named[1][4], "Billing");
    }

    #[test]
    fn every_column_sorts_with_total_ties() {
        let rows: Vec<DrillRow> = [
            call("c1", t(10, 1, 0), 100, 0, 10, "x"),
            call("c2", t(10, 2, 0), 100, 20, 10, "y"),
            call("c3", t(9, 50, 0), 300, 0, 10, "x"),
        ]
        .iter()
        .map(|c| row_for(c, "u", tz()))
        .collect();
        for col in SortColumn::ALL {
            for desc in [false, true] {
                let mut a = rows.clone();
                sort_rows(&mut a, col, desc);
                let mut b = rows.clone();
                b.reverse();
                sort_rows(&mut b, col, desc);
                assert_eq!(a, b, "{col:?} {desc}");
            }
        }
        let mut r = rows.clone();
        sort_rows(&mut r, SortColumn::Start, false);
        assert_eq!(r[0].conversation_id, "c3");
        sort_rows(&mut r, SortColumn::Hold, true);
        assert_eq!(r[0].conversation_id, "c2");
        sort_rows(&mut r, SortColumn::WrapUp, false);
        assert_eq!(r[0].conversation_id, "c3");
    }

    #[test]
    fn talk_differences_are_explained_handle_must_match() {
        // Listed: hung up 09:58 (talk posted to 09:30–10:00), wrapped up 10:01.
        let early = call("early", t(9, 50, 0), 480, 0, 180, "x");
        // Listed: entirely inside.
        let inside = call("inside", t(10, 5, 0), 200, 0, 30, "x");
        // Not listed: hung up 10:25, wraps up 10:35.
        let late = call("late", t(10, 20, 0), 300, 0, 600, "x");
        let d = DrillDown::new(
            &found(vec![early, inside], vec![late]),
            tz(),
            &["voice".into()],
        );
        let cell = IntervalMetrics {
            handled: 2,
            handle_ms: (660 + 230) * 1000,
            acw_ms: (180 + 30) * 1000,
            acw_count: 2,
            talk_ms: (200 + 300) * 1000,
            talk_count: 2,
            ..IntervalMetrics::default()
        };
        let r = d.reconcile(&cell);
        assert!(r.matches(), "{r:?}");
        assert_eq!(r.talk.diff(), -180_000);
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        assert_eq!(
            r.notes[0],
            "talk differs from the interval's figure by 3:00: talk posts at hang-up, so calls \
             hung up before 10:00 and wrapped up in this interval posted their talk to an \
             earlier one, and calls wrapped up after 10:30 can add talk to this interval"
        );
        let mut wrong = cell;
        wrong.handle_ms += 5000;
        wrong.handled += 1;
        let r = d.reconcile(&wrong);
        assert!(!r.matches());
        assert!(
            r.notes[0].starts_with("handle differs from the interval's figure by 0:05"),
            "{:?}",
            r.notes
        );
        // Another media type filters the rows away entirely.
        let none = DrillDown::new(
            &found(vec![call("c", t(10, 5, 0), 1, 0, 1, "x")], vec![]),
            tz(),
            &["chat".into()],
        );
        assert!(none.rows.is_empty());
    }

    #[test]
    fn open_conversations_and_sparse_records_still_make_rows() {
        let page = parse_page(
            br#"{"conversations": [{"conversationId": "c", "participants": [
                {"purpose": "acd", "sessions": [{"segments": [{"segmentType": "interact", "queueId": "q-9"}]}]},
                {"purpose": "agent", "userId": "u", "sessions": [{"mediaType": "chat",
                  "segments": [{"segmentType": "interact", "segmentStart": "2025-03-10T15:20:00Z"},
                               {"segmentType": "hold", "segmentStart": "2025-03-10T15:21:00Z"}],
                  "metrics": [{"name": "tHeldComplete", "value": 1000, "emitDate": "2025-03-10T15:22:00Z"}]}]}]}]}"#,
        )
        .expect("page");
        let r = row_for(&page.conversations[0], "u", tz());
        assert_eq!(
            r.start.map(|t| t.to_rfc3339()),
            Some("2025-03-10T10:20:00-05:00".into())
        );
        assert_eq!(r.end, None);
        assert_eq!(r.queue_id.as_deref(), Some("q-9"));
        assert_eq!(r.holds, 1);
        assert_eq!(r.timeline[1].end, None);
        assert_eq!(r.timeline[1].duration_ms(), None);
        let rec = csv_record(&r, None, None);
        assert_eq!(rec[2], "");
        assert_eq!(rec[11], "");
    }
}
