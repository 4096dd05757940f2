//! When each metric posts: the one table the demo's aggregates (the bucket a datapoint lands
//! in) and its conversation details (each datapoint's `emitDate`) both read, so a drill-down
//! always adds up to its cell. Reference §4.3 and §11.2: a t-metric posts when what it measures
//! completes, an n-metric when it happens.

use chrono::{DateTime, Utc};

use super::sim::Conversation;

/// The moment of a conversation a metric posts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Moment {
    /// Offered to the agent (alerting starts).
    Offer,
    /// The agent answered.
    Answer,
    /// End of talk and holds, start of wrap-up.
    HangUp,
    /// End of wrap-up (`conversationEnd`).
    WrapUpEnd,
}

impl Moment {
    /// The instant of this moment in `c`.
    pub(crate) fn of(self, c: &Conversation) -> DateTime<Utc> {
        match self {
            Moment::Offer => c.start,
            Moment::Answer => c.answered_at,
            Moment::HangUp => c.hangup(),
            Moment::WrapUpEnd => c.end,
        }
    }
}

/// The participant whose session carries a metric in a details record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Session {
    /// The queue's `acd` participant (the offer is the queue's).
    Acd,
    /// The agent's own session.
    Agent,
}

/// One metric the demo posts for every conversation it simulates.
#[derive(Debug)]
pub(crate) struct MetricPosting {
    /// The Genesys name.
    pub(crate) name: &'static str,
    pub(crate) moment: Moment,
    pub(crate) session: Session,
    /// The datapoint's value (ms for t-metrics); `None` when it does not post (no hold).
    value: fn(&Conversation) -> Option<u64>,
}

/// Every metric the demo answers, with when it posts. The aggregates count the acd session's
/// `nOffered` for the agent who was offered the conversation.
pub(crate) const METRICS: &[MetricPosting] = &[
    MetricPosting {
        name: "nOffered",
        moment: Moment::Offer,
        session: Session::Acd,
        value: |_| Some(1),
    },
    MetricPosting {
        name: "tAnswered",
        moment: Moment::Answer,
        session: Session::Agent,
        value: |c| Some(c.alert_ms()),
    },
    MetricPosting {
        name: "tTalkComplete",
        moment: Moment::HangUp,
        session: Session::Agent,
        value: |c| Some(c.talk_ms),
    },
    MetricPosting {
        name: "tHeldComplete",
        moment: Moment::HangUp,
        session: Session::Agent,
        value: |c| (c.holds > 0).then_some(c.hold_ms),
    },
    MetricPosting {
        name: "tAcw",
        moment: Moment::WrapUpEnd,
        session: Session::Agent,
        value: |c| Some(c.acw_ms),
    },
    MetricPosting {
        name: "tHandle",
        moment: Moment::WrapUpEnd,
        session: Session::Agent,
        value: |c| Some(c.handle_ms()),
    },
];

impl MetricPosting {
    /// The metric called `name`, if the demo answers it.
    pub(crate) fn named(name: &str) -> Option<&'static MetricPosting> {
        METRICS.iter().find(|m| m.name == name)
    }

    /// n-metrics are counts: Genesys answers them with `count` only.
    pub(crate) fn is_count(&self) -> bool {
        self.name.starts_with('n')
    }

    /// `c`'s datapoint of this metric, (emit time, value), if it posts one.
    pub(crate) fn datapoint(&self, c: &Conversation) -> Option<(DateTime<Utc>, u64)> {
        (self.value)(c).map(|v| (self.moment.of(c), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::DemoFloor;
    use crate::demo::sim::generate_day;
    use chrono::NaiveDate;

    #[test]
    fn every_metric_floorwatch_asks_for_is_answered() {
        for name in crate::genesys::aggregates::METRICS {
            assert!(MetricPosting::named(name).is_some(), "{name}");
        }
        assert!(MetricPosting::named("tNope").is_none());
    }

    #[test]
    fn handle_is_talk_plus_hold_plus_acw_at_the_end_of_wrap_up() {
        let tz: chrono_tz::Tz = "America/Chicago".parse().expect("tz");
        let date = NaiveDate::from_ymd_opt(2025, 3, 12).expect("date");
        let convs = generate_day(&DemoFloor::builtin(), 0, date, tz);
        let point =
            |name: &str, c: &Conversation| MetricPosting::named(name).and_then(|m| m.datapoint(c));
        let mut held = 0;
        for c in &convs {
            let v = |name: &str| point(name, c).map(|p| p.1).unwrap_or(0);
            assert_eq!(
                v("tHandle"),
                v("tTalkComplete") + v("tHeldComplete") + v("tAcw")
            );
            assert_eq!(point("tHandle", c).map(|p| p.0), Some(c.end));
            assert_eq!(point("tTalkComplete", c).map(|p| p.0), Some(c.hangup()));
            assert_eq!(point("nOffered", c), Some((c.start, 1)));
            assert_eq!(point("tHeldComplete", c).is_some(), c.holds > 0);
            held += usize::from(c.holds > 0);
        }
        assert!(held > 0 && held < convs.len());
    }
}
