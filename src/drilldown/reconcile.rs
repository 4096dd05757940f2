//! The listed conversations checked against the interval's cell. Handle and ACW post at the
//! end of wrap-up, the moment that decides which interval a conversation belongs to, so the
//! list's handle and ACW must add up to the cell's. Talk, hold and held sessions post at
//! hang-up, so they may legitimately differ; the [`Reconciliation`] says by how much and why,
//! in one line each.

use chrono::{DateTime, Utc};

use super::DrillDown;
use crate::format::clock;
use crate::model::IntervalMetrics;

/// A figure as the listed conversations add it up, and as the interval's cell has it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Compared {
    pub listed: u64,
    pub interval: u64,
}

impl Compared {
    /// `interval − listed`: positive when the cell counts more than the list shows.
    pub(crate) fn diff(&self) -> i128 {
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
    pub handled: Compared,
    /// ms.
    pub handle: Compared,
    pub acw: Compared,
    pub talk: Compared,
    pub hold: Compared,
    /// Held sessions (`tHeldComplete` datapoints) vs the interval's Holds.
    pub holds: Compared,
    /// One line per disagreement (handle, ACW, count, talk, hold, holds), each explaining it.
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
pub(crate) struct BucketSums {
    /// Listed: `tHandle` datapoints in the bucket.
    pub(crate) handled: u64,
    /// Listed: `tHandle` in the bucket.
    pub(crate) handle_in: u64,
    /// Listed: `tAcw` in the bucket.
    pub(crate) acw_in: u64,
    /// Listed: talk/hold posted before the bucket (hung up before b0).
    pub(crate) talk_before: u64,
    pub(crate) hold_before: u64,
    /// Not listed (wrapped up after the bucket, or still open): talk/hold posted in it.
    pub(crate) talk_unlisted: u64,
    pub(crate) hold_unlisted: u64,
    /// Held sessions: listed but posted before the bucket; unlisted but posted in it.
    pub(crate) holds_before: u64,
    pub(crate) holds_unlisted: u64,
}

impl DrillDown {
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
            handled: Compared {
                listed: s.handled,
                interval: u64::from(cell.handled),
            },
            handle: Compared {
                listed: t.handle_ms,
                interval: u64::from(cell.handle_ms),
            },
            acw: Compared {
                listed: t.acw_ms,
                interval: u64::from(cell.acw_ms),
            },
            talk: Compared {
                listed: t.talk_ms,
                interval: u64::from(cell.talk_ms),
            },
            hold: Compared {
                listed: t.hold_ms,
                interval: u64::from(cell.hold_ms),
            },
            holds: Compared {
                listed: t.holds,
                interval: u64::from(cell.holds),
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
        for (name, fig, before, unlisted, unit) in [
            ("talk", r.talk, s.talk_before, s.talk_unlisted, Amount::Time),
            ("hold", r.hold, s.hold_before, s.hold_unlisted, Amount::Time),
            (
                "holds",
                r.holds,
                s.holds_before,
                s.holds_unlisted,
                Amount::Count,
            ),
        ] {
            if let Some(n) = hang_up_note(name, fig, before, unlisted, unit, &b0, &b1) {
                r.notes.push(n);
            }
        }
        r
    }
}

/// Handle/ACW: these decide the bucket, so a difference means the two sources disagree.
fn wrap_up_note(
    name: &str,
    fig: Compared,
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

/// How a difference is written: a duration (`3:00`) or a count (`2`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Amount {
    Time,
    Count,
}

impl Amount {
    fn text(self, n: u64) -> String {
        match self {
            Amount::Time => clock(n),
            Amount::Count => n.to_string(),
        }
    }
}

/// Talk, hold and held sessions: they post at hang-up, so the interval and the list may each count some the
/// other does not.
fn hang_up_note(
    name: &str,
    fig: Compared,
    before: u64,
    unlisted: u64,
    unit: Amount,
    b0: &str,
    b1: &str,
) -> Option<String> {
    if fig.agrees() {
        return None;
    }
    let d = fig.diff();
    let by = unit.text(d.unsigned_abs().min(u128::from(u64::MAX)) as u64);
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
        "{name} differs from the interval's figure by {by}: {name} {posts} at hang-up, so {why}",
        posts = if unit == Amount::Count {
            "post"
        } else {
            "posts"
        }
    ))
}
