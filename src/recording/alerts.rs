//! The optional sections after a record's status section, and the first of them: the alert
//! events (fired, acknowledged, cleared) since the record before. See [`super::format`] for
//! where they sit; the layout of one section is
//!
//! ```text
//! sections := (var(tag ≥ 1) var(n) bytes[n])*      readers skip tags they do not know
//! alerts   := tag 1: var(count) event*
//! event    := u8(kind: 0 fired, 1 acknowledged, 2 cleared) zz(at s) var(at ns)
//!             str(rule) str(condition) u8(severity: 0 info, 1 warning, 2 critical)
//!             id(agent: empty for a total) str(agent name) str(value) zz(since s) var(since ns)
//! ```

use super::body::{get_id, put_id};
use super::format::{Dec, DecodeError, Enc, err};
use crate::alerts::{AlertEvent, AlertEventKind, Severity};

/// The alert events section's tag.
const ALERTS_TAG: u64 = 1;

/// Writes the sections (only the alerts one, and only when there are events).
pub(super) fn put_sections(e: &mut Enc, alerts: &[AlertEvent]) {
    if alerts.is_empty() {
        return;
    }
    let mut s = Enc::default();
    s.usize(alerts.len());
    for a in alerts {
        s.u8(a.kind.byte());
        s.time(a.at);
        s.str(&a.rule);
        s.str(&a.condition);
        s.u8(a.severity.byte());
        put_id(&mut s, &a.agent_id);
        s.str(&a.agent_name);
        s.str(&a.value);
        s.time(a.since);
    }
    e.var(ALERTS_TAG);
    e.usize(s.buf.len());
    e.buf.extend_from_slice(&s.buf);
}

/// Reads the sections to the end of the record; returns the alert events.
pub(super) fn get_sections(d: &mut Dec<'_>) -> Result<Vec<AlertEvent>, DecodeError> {
    let mut alerts = Vec::new();
    while d.remaining() != 0 {
        let tag = d.var()?;
        let n = d.count("section byte")?;
        let body = d.take(n)?;
        match tag {
            0 => return err("section tag 0 does not exist"),
            ALERTS_TAG => {
                let mut s = Dec::new(body);
                alerts.extend(get_alerts(&mut s)?);
                if s.remaining() != 0 {
                    return err("trailing bytes in the alerts section");
                }
            }
            // A later version's section: skipped whole.
            _ => {}
        }
    }
    Ok(alerts)
}

fn get_alerts(d: &mut Dec<'_>) -> Result<Vec<AlertEvent>, DecodeError> {
    let n = d.count("alert event")?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = AlertEventKind::from_byte(d.u8()?)
            .map_or_else(|| err("unknown alert event kind"), Ok)?;
        let at = d.time()?;
        let rule = d.str()?.to_string();
        let condition = d.str()?.to_string();
        let severity =
            Severity::from_byte(d.u8()?).map_or_else(|| err("unknown alert severity"), Ok)?;
        let agent_id = get_id(d)?;
        let agent_name = d.str()?.to_string();
        let value = d.str()?.to_string();
        let since = d.time()?;
        out.push(AlertEvent {
            kind,
            at,
            rule,
            condition,
            severity,
            agent_id,
            agent_name,
            value,
            since,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::{NaiveDate, TimeZone, Utc};

    use super::*;
    use crate::model::{AgentDay, IntervalMetrics, RoutingAvailability, Snapshot, Source};
    use crate::recording::body::{
        apply_delta_with, decode_keyframe, decode_keyframe_with, encode_delta, encode_delta_with,
        encode_keyframe, encode_keyframe_with,
    };
    use crate::timegrid::{DayWindow, Granularity};

    fn snap() -> Snapshot {
        let date = NaiveDate::from_ymd_opt(2025, 3, 10).expect("date");
        let mut intervals = vec![IntervalMetrics::default(); 48];
        intervals[20].handled = 3;
        Snapshot {
            window: Arc::new(DayWindow::new(date, chrono_tz::UTC, Granularity::Min30)),
            agents: vec![AgentDay {
                id: "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b".into(),
                name: Some("Ann".into()),
                intervals,
                status: Vec::new(),
            }],
            as_of: Utc.timestamp_opt(1_741_600_000, 5).single().expect("t"),
            source: Source::Demo,
            status: RoutingAvailability::Unknown,
        }
    }

    fn events() -> Vec<AlertEvent> {
        let at = Utc.timestamp_opt(1_741_600_030, 7).single().expect("t");
        let e = AlertEvent {
            kind: AlertEventKind::Fired,
            at,
            rule: "Long ACW".into(),
            condition: "acw/c>3m".into(),
            severity: Severity::Critical,
            agent_id: "6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b".into(),
            agent_name: "Ann".into(),
            value: "ACW/c 3:40".into(),
            since: at - chrono::Duration::seconds(90),
        };
        vec![
            e.clone(),
            AlertEvent {
                kind: AlertEventKind::Cleared,
                agent_id: String::new(),
                agent_name: "Floor".into(),
                severity: Severity::Info,
                ..e
            },
        ]
    }

    #[test]
    fn records_without_events_are_what_they_were_and_events_round_trip() {
        let s = snap();
        assert_eq!(encode_keyframe_with(&s, &[]), encode_keyframe(&s));
        assert_eq!(encode_delta_with(&s, &s, &[]), encode_delta(&s, &s));
        let raw = encode_keyframe_with(&s, &events());
        assert_eq!(
            decode_keyframe_with(&raw, s.as_of, None),
            Ok((s.clone(), events()))
        );
        // Readers that want only the snapshot skip the sections.
        assert_eq!(decode_keyframe(&raw, s.as_of, None), Ok(s.clone()));
        let raw = encode_delta_with(&s, &s, &events());
        let mut state = s.clone();
        assert_eq!(apply_delta_with(&mut state, &raw, s.as_of), Ok(events()));
        assert_eq!(state, s);
    }

    #[test]
    fn unknown_sections_are_skipped_and_damage_is_an_error_never_a_panic() {
        let s = snap();
        let whole = encode_keyframe_with(&s, &events());
        for cut in 0..whole.len() {
            let back = decode_keyframe_with(&whole[..cut], s.as_of, None);
            assert!(back != Ok((s.clone(), events())), "cut at {cut}");
        }
        // A later version's section after ours.
        let mut later = whole.clone();
        later.extend_from_slice(&[9, 3, 1, 2, 3]);
        assert!(decode_keyframe_with(&later, s.as_of, None) == Ok((s.clone(), events())));
        let mut zero = later.clone();
        zero.extend_from_slice(&[0, 0]);
        assert!(decode_keyframe_with(&zero, s.as_of, None).is_err());
        // An event kind no version wrote: the last event starts `event_len` from the end.
        let one = &events()[..1];
        let mut e = Enc::default();
        put_sections(&mut e, one);
        let event_len = e.buf.len() - 3; // tag, length, count
        let mut bad = encode_keyframe_with(&s, one);
        let at = bad.len() - event_len;
        assert_eq!(bad[at], AlertEventKind::Fired.byte());
        bad[at] = 7;
        assert!(decode_keyframe_with(&bad, s.as_of, None).is_err());
    }
}
