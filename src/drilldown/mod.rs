//! The drill-down: from the conversations behind one agent × interval cell (the details
//! query, [`crate::genesys::details`]) to the rows, timelines, totals, sort orders, CSV
//! records and the reconciliation against the cell that the pane shows.
//!
//! - [`rows`]: one row per conversation over the agent's own sessions, and the total row.
//! - [`columns`]: the list's columns in one table (screen, sort keys, CSV header).
//! - [`reconcile`]: the list checked against the interval's figures, in words.
//! - [`csv`]: CSV records in the list's order.
//! - [`load`]: fetching a cell's list with its queue and wrap-up names (the pane and
//!   `floorwatch conversations` share it).
//!
//! Per conversation, over the agent's own `agent` sessions (reference §11.4): talk =
//! Σ`tTalkComplete`, hold = Σ`tHeldComplete`, ACW = Σ`tAcw`, handle = Σ`tHandle`, and
//! **Holds** = the agent's held sessions (`tHeldComplete` datapoints), the same definition as
//! the intervals' Holds (`count(tHeldComplete)`), so the total row adds up to the cell's.

mod columns;
mod csv;
mod load;
mod reconcile;
mod rows;

use chrono_tz::Tz;

pub use columns::{CALL_COLUMNS, CallColumn, CallColumnSpec, csv_header, sort_rows};
pub use csv::{NameOf, csv_record};
pub use load::{DrillPage, Names, WRAP_UP_TIMEOUT, describe, load};
pub use reconcile::{Compared, Reconciliation};
pub use rows::{DrillRow, DrillTotal, SegmentKind, TimelineSegment, row_for};

use crate::genesys::details::{BucketConversations, DetailSession};
use crate::timegrid::Bucket;
use reconcile::BucketSums;
use rows::{row_from, sessions};

/// The drill-down of one cell: rows (in the current sort order), the bucket, and what the
/// reconciliation needs.
#[derive(Clone, Debug, PartialEq)]
pub struct DrillDown {
    pub user_id: String,
    pub bucket: Bucket,
    pub tz: Tz,
    pub rows: Vec<DrillRow>,
    /// The current sort.
    pub sort: (CallColumn, bool),
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
        // Σ and non-zero datapoints of `name` posted before the bucket / inside it.
        let posted = |s: &DetailSession, name: &str, inside: bool| -> (u64, u64) {
            s.metric(name)
                .filter(|(t, _)| {
                    t.is_some_and(|t| match inside {
                        true => b.start <= t && t < b.end,
                        false => t < b.start,
                    })
                })
                .fold((0, 0), |(sum, n), (_, v)| (sum + v, n + u64::from(v > 0)))
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
                sums.talk_before += posted(s, "tTalkComplete", false).0;
                let (hold, held) = posted(s, "tHeldComplete", false);
                sums.hold_before += hold;
                sums.holds_before += held;
            }
            rows.push(row_from(c, &ss, tz));
        }
        for c in &found.unlisted {
            for s in sessions(c, user, media) {
                sums.talk_unlisted += posted(s, "tTalkComplete", true).0;
                let (hold, held) = posted(s, "tHeldComplete", true);
                sums.hold_unlisted += hold;
                sums.holds_unlisted += held;
            }
        }
        let mut d = DrillDown {
            user_id: found.user_id.clone(),
            bucket: b,
            tz,
            rows,
            sort: (CallColumn::Handle, true),
            incomplete: found.incomplete.clone(),
            sums,
        };
        d.sort_by(CallColumn::Handle, true, &|_, r| r.conversation_id.clone());
        d
    }

    /// Re-sorts the rows; queue and wrap-up sort by what `label` shows for them.
    pub fn sort_by(
        &mut self,
        column: CallColumn,
        descending: bool,
        label: &dyn Fn(CallColumn, &DrillRow) -> String,
    ) {
        sort_rows(&mut self.rows, column, descending, label);
        self.sort = (column, descending);
    }

    /// The total row.
    pub fn total(&self) -> DrillTotal {
        DrillTotal::of(&self.rows)
    }

    /// The CSV records (without the header, [`csv_header`]) in the current order, ids as is.
    pub fn csv_records(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| csv_record(r, None, None))
            .collect()
    }

    /// The CSV records with queue and wrap-up names where the resolvers know them (ids
    /// otherwise).
    pub(crate) fn csv_records_named(
        &self,
        queue_name: NameOf<'_>,
        wrap_up_name: NameOf<'_>,
    ) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| csv_record(r, Some(queue_name), Some(wrap_up_name)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesys::details::{
        DetailConversation, DetailParticipant, DetailSegment, SessionMetric, parse_page,
    };
    use crate::model::IntervalMetrics;
    use chrono::{DateTime, Utc};
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
            (tot.conversations, tot.handle_ms, tot.holds),
            (2, 555_000, 1)
        );
        let csv = d.csv_records();
        assert_eq!(csv[0].len(), csv_header().len());
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
        let ids = |c: CallColumn, r: &DrillRow| match c {
            CallColumn::Queue => r.queue_id.clone().unwrap_or_default(),
            _ => r.wrap_up_code.clone().unwrap_or_default(),
        };
        for col in CallColumn::ALL {
            for desc in [false, true] {
                let mut a = rows.clone();
                sort_rows(&mut a, col, desc, &ids);
                let mut b = rows.clone();
                b.reverse();
                sort_rows(&mut b, col, desc, &ids);
                assert_eq!(a, b, "{col:?} {desc}");
            }
        }
        let mut r = rows.clone();
        sort_rows(&mut r, CallColumn::Start, false, &ids);
        assert_eq!(r[0].conversation_id, "c3");
        sort_rows(&mut r, CallColumn::Hold, true, &ids);
        assert_eq!(r[0].conversation_id, "c2");
        sort_rows(&mut r, CallColumn::WrapUp, false, &ids);
        assert_eq!(r[0].conversation_id, "c3");
        // By name, not id: "y" is named "Alpha", so it comes first.
        let named = |c: CallColumn, r: &DrillRow| match r.wrap_up_code.as_deref() {
            Some("y") if c == CallColumn::WrapUp => "Alpha".to_string(),
            other => other.unwrap_or_default().to_string(),
        };
        sort_rows(&mut r, CallColumn::WrapUp, false, &named);
        assert_eq!(r[0].conversation_id, "c2");
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
    fn held_sessions_are_reconciled_like_hold() {
        // Held and hung up at 09:58 (hold posted to 09:30–10:00), wrapped up at 10:01.
        let early = call("early", t(9, 50, 0), 300, 120, 180, "x");
        let d = DrillDown::new(&found(vec![early], vec![]), tz(), &[]);
        assert_eq!(d.total().holds, 1, "one held session listed");
        let cell = IntervalMetrics {
            handled: 1,
            handle_ms: 600_000,
            acw_ms: 180_000,
            acw_count: 1,
            ..IntervalMetrics::default()
        };
        let r = d.reconcile(&cell);
        assert!(r.matches(), "{r:?}");
        assert_eq!((r.holds.listed, r.holds.interval), (1, 0));
        assert!(
            r.notes.iter().any(|n| n
                == "holds differs from the interval's figure by 1: holds post at hang-up, so \
                    calls hung up before 10:00 and wrapped up in this interval posted their \
                    holds to an earlier one"),
            "{:?}",
            r.notes
        );
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
