//! The queue strip's numbers per queue (reference §12.6, §12.3): customers waiting, alerting
//! and interacting per media type with the longest wait, and the members per routing status.
//!
//! A topic notification is a snapshot of one group: the metrics it lists replace the held ones
//! as a whole, and what it leaves out is 0 (zero qualifiers are omitted). It never carries the
//! longest wait (UNCONFIRMED: assumed never), so that comes from the observations query, re-polled
//! while the strip is shown, and is cleared when that media's waiting count becomes 0. The query
//! gives `oLongestWaiting` as the epoch ms of the oldest start (values above 10^12), or else a
//! duration; absent means nothing waits.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::state::{Media, Ms, to_time};
use crate::genesys::notifications::{ObservedMetric, QueueStatsBody};
use crate::genesys::observations::{QueueMetrics, QueueObservationResponse};

/// Above this, `oLongestWaiting` is an instant (epoch ms), not a duration.
const INSTANT_ABOVE: f64 = 1e12;

/// Conversations of one media type in a queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaNow {
    pub media: Media,
    pub waiting: u32,
    pub alerting: u32,
    pub interacting: u32,
    /// Start of the longest wait (the oldest waiting conversation), when something waits and
    /// the query said so.
    pub longest_since: Option<Ms>,
}

impl MediaNow {
    fn new(media: Media) -> MediaNow {
        MediaNow {
            media,
            waiting: 0,
            alerting: 0,
            interacting: 0,
            longest_since: None,
        }
    }

    /// The longest wait at `now`.
    pub fn longest_wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        let since = self.longest_since?;
        let ms = now.timestamp_millis().saturating_sub(since).max(0);
        Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }
}

/// Queue members per routing status (`oOnQueueUsers` by qualifier; off queue from
/// `oUserRoutingStatuses`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemberCounts {
    pub idle: u32,
    pub interacting: u32,
    pub communicating: u32,
    pub not_responding: u32,
    /// On queue in a status not named above.
    pub on_queue_other: u32,
    pub off_queue: u32,
}

impl MemberCounts {
    /// Members on queue, whatever their status.
    pub fn on_queue(&self) -> u32 {
        self.idle
            + self.interacting
            + self.communicating
            + self.not_responding
            + self.on_queue_other
    }

    fn set(&mut self, m: &ObservedMetric) {
        let n = count(m);
        let q = m.qualifier.as_deref().unwrap_or_default();
        match (m.metric.as_str(), q) {
            ("oOnQueueUsers", "IDLE") => self.idle = n,
            ("oOnQueueUsers", "INTERACTING") => self.interacting = n,
            ("oOnQueueUsers", "COMMUNICATING") => self.communicating = n,
            ("oOnQueueUsers", "NOT_RESPONDING") => self.not_responding = n,
            ("oOnQueueUsers", _) => self.on_queue_other += n,
            ("oUserRoutingStatuses", "OFF_QUEUE") => self.off_queue = n,
            _ => {}
        }
    }
}

fn count(m: &ObservedMetric) -> u32 {
    m.stats
        .count
        .filter(|c| c.is_finite() && *c >= 0.0)
        .map_or(0, |c| c.round().min(f64::from(u32::MAX)) as u32)
}

/// The member metrics a `{queueId}` group carries.
fn is_member_metric(name: &str) -> bool {
    matches!(
        name,
        "oOnQueueUsers"
            | "oUserRoutingStatuses"
            | "oOffQueueUsers"
            | "oActiveUsers"
            | "oMemberUsers"
            | "oUserPresences"
    )
}

/// One queue now.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueNow {
    /// Per media type, in [`Media::STRIP`] order (others after).
    pub media: Vec<MediaNow>,
    pub members: MemberCounts,
    /// When this queue's numbers were last received.
    pub as_of: Option<Ms>,
    /// When the longest wait was last asked (the query).
    pub longest_as_of: Option<Ms>,
}

impl QueueNow {
    /// The entry of `media`, created in strip order when missing.
    fn media_mut(&mut self, media: Media) -> &mut MediaNow {
        let pos = self.media.iter().position(|m| m.media == media);
        let i = match pos {
            Some(i) => i,
            None => {
                let order = |m: Media| Media::STRIP.iter().position(|s| *s == m).unwrap_or(99);
                let at = self
                    .media
                    .iter()
                    .position(|m| order(m.media) > order(media))
                    .unwrap_or(self.media.len());
                self.media.insert(at, MediaNow::new(media));
                at
            }
        };
        &mut self.media[i]
    }

    /// One media type's numbers, if seen.
    pub fn of(&self, media: Media) -> Option<&MediaNow> {
        self.media.iter().find(|m| m.media == media)
    }

    /// Customers waiting over all media.
    pub fn waiting(&self) -> u32 {
        self.media.iter().map(|m| m.waiting).sum()
    }

    /// The longest wait over all media at `now`.
    pub fn longest_wait(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.media.iter().filter_map(|m| m.longest_wait(now)).max()
    }

    /// When the numbers were received.
    pub fn as_of(&self) -> Option<DateTime<Utc>> {
        self.as_of.map(to_time)
    }

    /// A queue topic notification (one group, a snapshot of it).
    pub fn apply_notification(&mut self, body: &QueueStatsBody, received: Ms) {
        let metrics = body.data.iter().flat_map(|d| d.metrics.iter());
        match body.group.media_type.as_deref().map(Media::parse) {
            Some(media) => {
                let m = self.media_mut(media);
                m.waiting = 0;
                m.alerting = 0;
                m.interacting = 0;
                for x in metrics {
                    match x.metric.as_str() {
                        "oWaiting" => m.waiting = count(x),
                        "oAlerting" => m.alerting = count(x),
                        "oInteracting" => m.interacting = count(x),
                        _ => {}
                    }
                }
                if m.waiting == 0 {
                    m.longest_since = None;
                }
            }
            None => {
                self.members = MemberCounts::default();
                for x in metrics {
                    self.members.set(x);
                }
            }
        }
        self.as_of = Some(received);
    }

    /// This queue's groups of an observations query that asked for `asked`: each metric asked
    /// is set from the answer, or to 0 (none) where the answer omits it.
    pub fn apply_query(
        &mut self,
        queue_id: &str,
        answer: &QueueObservationResponse,
        asked: QueueMetrics,
        received: Ms,
    ) {
        let asked = asked.names();
        let wants = |m: &str| asked.contains(&m);
        let mut seen: Vec<Media> = Vec::new();
        let mut members_seen = false;
        for r in answer
            .results
            .iter()
            .filter(|r| r.group.queue_id.as_deref() == Some(queue_id))
        {
            match r.group.media_type.as_deref().map(Media::parse) {
                Some(media) => {
                    seen.push(media);
                    let m = self.media_mut(media);
                    reset_media(m, &wants);
                    for x in &r.data {
                        match x.metric.as_str() {
                            "oWaiting" => m.waiting = count(x),
                            "oAlerting" => m.alerting = count(x),
                            "oInteracting" => m.interacting = count(x),
                            "oLongestWaiting" => {
                                m.longest_since = longest_since(x, received);
                            }
                            _ => {}
                        }
                    }
                    if m.waiting == 0 && wants("oWaiting") {
                        m.longest_since = None;
                    }
                }
                None => {
                    if asked.iter().any(|m| is_member_metric(m)) {
                        members_seen = true;
                        self.members = MemberCounts::default();
                        for x in r.data.iter().filter(|x| wants(&x.metric)) {
                            self.members.set(x);
                        }
                    }
                }
            }
        }
        for m in self.media.iter_mut().filter(|m| !seen.contains(&m.media)) {
            reset_media(m, &wants);
        }
        if !members_seen && asked.iter().any(|m| is_member_metric(m)) {
            self.members = MemberCounts::default();
        }
        self.as_of = Some(received);
        if wants("oLongestWaiting") {
            self.longest_as_of = Some(received);
        }
    }
}

fn reset_media(m: &mut MediaNow, wants: &impl Fn(&str) -> bool) {
    if wants("oWaiting") {
        m.waiting = 0;
    }
    if wants("oAlerting") {
        m.alerting = 0;
    }
    if wants("oInteracting") {
        m.interacting = 0;
    }
    if wants("oLongestWaiting") {
        m.longest_since = None;
    }
}

/// `oLongestWaiting`'s start: its value is an instant above 10^12, else a duration back from
/// `received`.
fn longest_since(m: &ObservedMetric, received: Ms) -> Option<Ms> {
    let v = m
        .stats
        .calculated_metric_value
        .filter(|v| v.is_finite() && *v >= 0.0)?;
    Some(if v > INSTANT_ABOVE {
        v.round() as Ms
    } else {
        received - v.round() as Ms
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn note(v: serde_json::Value) -> QueueStatsBody {
        serde_json::from_value(v).expect("body")
    }

    #[test]
    fn a_notification_replaces_its_group_and_omitted_qualifiers_are_zero() {
        let mut q = QueueNow::default();
        q.apply_notification(
            &note(json!({"group":{"queueId":"q"},"data":[{"metrics":[
                {"metric":"oOnQueueUsers","qualifier":"IDLE","stats":{"count":1}},
                {"metric":"oOnQueueUsers","qualifier":"INTERACTING","stats":{"count":4}}]}]})),
            1,
        );
        assert_eq!((q.members.idle, q.members.interacting), (1, 4));
        q.apply_notification(
            &note(json!({"group":{"queueId":"q"},"data":[{"metrics":[
                {"metric":"oOnQueueUsers","qualifier":"INTERACTING","stats":{"count":5}}]}]})),
            2,
        );
        assert_eq!((q.members.idle, q.members.interacting), (0, 5));
    }

    #[test]
    fn longest_wait_is_an_instant_or_a_duration_and_clears_when_nothing_waits() {
        let answer: QueueObservationResponse = serde_json::from_value(json!({"results":[
            {"group":{"queueId":"q","mediaType":"voice"},"data":[
                {"metric":"oWaiting","stats":{"count":1}},
                {"metric":"oLongestWaiting","stats":{"calculatedMetricValue":1741640808386u64}}]},
            {"group":{"queueId":"q","mediaType":"chat"},"data":[
                {"metric":"oWaiting","stats":{"count":2}},
                {"metric":"oLongestWaiting","stats":{"calculatedMetricValue":30000}}]}]}))
        .expect("answer");
        let mut q = QueueNow::default();
        q.apply_query("q", &answer, QueueMetrics::LongestWait, 1_741_640_820_000);
        assert_eq!(
            q.of(Media::Voice).and_then(|m| m.longest_since),
            Some(1_741_640_808_386)
        );
        assert_eq!(
            q.of(Media::Chat).and_then(|m| m.longest_since),
            Some(1_741_640_790_000)
        );
        // The strip order holds whatever the answer's.
        assert_eq!(q.media[0].media, Media::Voice);
        q.apply_notification(
            &note(
                json!({"group":{"queueId":"q","mediaType":"voice"},"data":[{"metrics":[
                {"metric":"oWaiting","stats":{"count":0}}]}]}),
            ),
            1_741_640_830_000,
        );
        assert_eq!(q.of(Media::Voice).and_then(|m| m.longest_since), None);
        assert!(q.of(Media::Chat).and_then(|m| m.longest_since).is_some());
    }
}
