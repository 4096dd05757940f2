//! The demo floor's answer to the conversation aggregates query (reference §4), grouped by
//! `userId` and `mediaType` (which Genesys adds to every group): each requested metric's
//! datapoints in the bucket of their emit time ([`super::metrics`]), and only once the demo
//! clock has passed it, so the floor fills up as time goes by.

use serde::Serialize;
use serde_json::Value;

use super::floor::MediaType;
use super::metrics::MetricPosting;
use super::query::{Buckets, Endpoint, Group, Key, Point, answer, read_frame};
use super::transport::DemoTransport;
use crate::genesys::transport::ApiResponse;

/// Answers `POST /api/v2/analytics/conversations/aggregates/query`.
pub(super) fn respond(t: &DemoTransport, body: Option<&Value>) -> ApiResponse {
    answer(run(t, body))
}

/// Running statistics of one metric in one bucket.
#[derive(Clone, Copy, Default)]
struct Acc {
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
}

impl Acc {
    fn add(&mut self, v: u64) {
        (self.min, self.max) = if self.count == 0 {
            (v, v)
        } else {
            (self.min.min(v), self.max.max(v))
        };
        self.count += 1;
        self.sum += v;
    }
}

#[derive(Serialize)]
struct AggregatesResponse<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    results: Vec<Group<'a, AggregatesMetric>>,
}

#[derive(Serialize)]
struct AggregatesMetric {
    metric: &'static str,
    stats: AggregatesStats,
}

/// `count` only for n-metrics; `max`, `min`, `count`, `sum` for t-metrics.
#[derive(Serialize)]
struct AggregatesStats {
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<u64>,
    count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    sum: Option<u64>,
}

fn run(t: &DemoTransport, body: Option<&Value>) -> Result<Vec<u8>, String> {
    let q = read_frame(Endpoint::Conversations, body)?;
    let metrics = q
        .metrics
        .iter()
        .map(|m| MetricPosting::named(m).ok_or_else(|| format!("unknown metric {m:?}")))
        .collect::<Result<Vec<_>, _>>()?;
    let tz = t.days_tz(q.tz);
    let buckets = Buckets::of(&q);
    let labels = buckets.labels();
    let cells_per_group = buckets.len() * metrics.len();
    let admits = |m: MediaType| {
        q.media
            .as_ref()
            .is_none_or(|l| l.iter().any(|x| x == m.as_str()))
    };
    let now = t.now();
    let floor = t.floor();
    let mut results = Vec::new();
    for ai in t.agents_named(q.users.as_deref()) {
        let Some(agent) = floor.agents().get(ai) else {
            continue;
        };
        let mut groups: Vec<(MediaType, Vec<Acc>)> = Vec::new();
        for day in t.agent_days(ai, q.start, q.end, tz) {
            for c in day.conversations.iter() {
                if c.start > now || !admits(c.media_type) {
                    continue;
                }
                let g = match groups.iter().position(|g| g.0 == c.media_type) {
                    Some(g) => g,
                    None => {
                        groups.push((c.media_type, vec![Acc::default(); cells_per_group]));
                        groups.len() - 1
                    }
                };
                for (mi, m) in metrics.iter().enumerate() {
                    let Some((at, v)) = m.datapoint(c).filter(|p| p.0 <= now) else {
                        continue;
                    };
                    if let Some(cell) = buckets
                        .index(at)
                        .and_then(|bi| groups[g].1.get_mut(bi * metrics.len() + mi))
                    {
                        cell.add(v);
                    }
                }
            }
        }
        groups.sort_by_key(|g| g.0);
        for (media, cells) in groups {
            let data: Vec<Point<'_, AggregatesMetric>> = cells
                .chunks(metrics.len().max(1))
                .zip(&labels)
                .filter_map(|(row, label)| {
                    let out: Vec<AggregatesMetric> = row
                        .iter()
                        .zip(&metrics)
                        .filter(|(a, _)| a.count > 0)
                        .map(|(a, m)| AggregatesMetric {
                            metric: m.name,
                            stats: stats(a, m.is_count()),
                        })
                        .collect();
                    (!out.is_empty()).then_some(Point {
                        interval: label,
                        metrics: out,
                    })
                })
                .collect();
            if !data.is_empty() {
                results.push(Group {
                    group: Key {
                        user_id: &agent.id,
                        media_type: Some(media.as_str()),
                    },
                    data,
                });
            }
        }
    }
    serde_json::to_vec(&AggregatesResponse { results }).map_err(|e| e.to_string())
}

fn stats(a: &Acc, count_only: bool) -> AggregatesStats {
    let some = |v: u64| (!count_only).then_some(v);
    AggregatesStats {
        max: some(a.max),
        min: some(a.min),
        count: a.count,
        sum: some(a.sum),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use chrono_tz::Tz;
    use serde_json::json;

    use crate::demo::{DemoTransport, fixed_clock};
    use crate::genesys::aggregates::PATH;
    use crate::genesys::transport::{ApiRequest, ApiResponse};
    use crate::timegrid::iso_ms;

    fn chicago() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        chicago()
            .with_ymd_and_hms(2025, 3, 12, h, m, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc)
    }

    fn body(r: &ApiResponse) -> serde_json::Value {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        serde_json::from_slice(&r.body).expect("json")
    }

    fn labels(v: &serde_json::Value) -> Vec<String> {
        let mut labels: Vec<String> = v["results"]
            .as_array()
            .expect("results")
            .iter()
            .flat_map(|r| r["data"].as_array().cloned().unwrap_or_default())
            .map(|p| p["interval"].as_str().unwrap_or_default().to_string())
            .collect();
        labels.sort();
        labels.dedup();
        labels
    }

    #[test]
    fn unaligned_intervals_are_clipped_to_their_bounds() {
        let t = DemoTransport::builtin(fixed_clock(at(23, 0)));
        let q = json!({
            "interval": format!("{}/{}", iso_ms(at(10, 10)), iso_ms(at(11, 0))),
            "granularity": "PT30M",
            "timeZone": "America/Chicago",
            "groupBy": ["userId"],
            "metrics": ["tHandle"],
        });
        let v = body(&t.respond(&ApiRequest::post(PATH, q)));
        assert_eq!(
            labels(&v),
            vec![
                "2025-03-12T15:10:00.000Z/2025-03-12T15:30:00.000Z".to_string(),
                "2025-03-12T15:30:00.000Z/2025-03-12T16:00:00.000Z".to_string(),
            ]
        );
    }

    #[test]
    fn a_pinned_floor_zone_keeps_shifts_in_place() {
        let utc_queries = DemoTransport::builtin(fixed_clock(at(23, 0))).with_floor_tz(chicago());
        assert_eq!(utc_queries.floor_tz(), Some(chicago()));
        let q = json!({
            "interval": "2025-03-12T00:00:00.000Z/2025-03-13T00:00:00.000Z",
            "granularity": "PT60M",
            "timeZone": "UTC",
            "groupBy": ["userId"],
            "metrics": ["nOffered"],
        });
        let v = body(&utc_queries.respond(&ApiRequest::post(PATH, q)));
        // Chicago's floor works 07:00–20:30 CDT = 12:00–01:30 UTC: the UTC day sees the end of
        // the previous Chicago day, then nothing until the morning shift logs in.
        let labels = labels(&v);
        assert!(labels.iter().any(|l| l.starts_with("2025-03-12T00")));
        assert!(labels.iter().any(|l| l.starts_with("2025-03-12T12")));
        for l in &labels {
            assert!(
                !(l.as_str() >= "2025-03-12T02" && l.as_str() < "2025-03-12T11"),
                "{l}"
            );
        }
    }
}
