//! When the demo clock starts. A newcomer who opens the demo at 02:00 or 23:00 should see a
//! floor mid-shift, not an empty one. So outside the floor's busy hours (fewer than half of its
//! agents scheduled on shift) the clock starts at the same minute and second of today's
//! busiest hour (the most agents on shift × the arrival intensity) and runs on in real time;
//! inside them it is the wall clock. Both come from the floor definition, in the zone the
//! supervisor watches.

use chrono::{DateTime, Duration, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;

use super::floor::DemoFloor;
use crate::timegrid::local_instant;

/// Where the demo clock starts, and whether that moment is simulated rather than now (for
/// the header to say so).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoStart {
    /// The demo's "now" at start; it runs on in real time from here.
    pub at: DateTime<Utc>,
    /// True when `at` is a busy moment of today rather than the wall clock.
    pub simulated: bool,
}

const MINUTES_PER_DAY: usize = 24 * 60;

/// The demo clock's start for a run beginning at wall-clock `now`, watched in `tz`.
pub fn start(now: DateTime<Utc>, tz: Tz, floor: &DemoFloor) -> DemoStart {
    let on_shift = staffing(floor);
    let local = now.with_timezone(&tz);
    let minute = (local.hour() * 60 + local.minute()) as usize;
    let busy = on_shift
        .get(minute)
        .is_some_and(|n| n * 2 >= floor.agents().len());
    if busy || floor.agents().is_empty() {
        return DemoStart {
            at: now,
            simulated: false,
        };
    }
    let hour = busiest_hour(floor, &on_shift);
    let time = NaiveTime::from_hms_opt(hour, local.minute(), local.second()).unwrap_or_default();
    let sub_second = Duration::nanoseconds(i64::from(local.nanosecond() % 1_000_000_000));
    let at = local_instant(tz, local.date_naive(), time) + sub_second;
    DemoStart {
        at,
        simulated: true,
    }
}

/// How many agents are scheduled on shift at each local minute of the day (a shift whose end
/// is at or before its start runs past midnight).
fn staffing(floor: &DemoFloor) -> Vec<usize> {
    let mut on = vec![0; MINUTES_PER_DAY];
    for shift in floor.agents().iter().filter_map(|a| floor.shift_of(a)) {
        let first = shift.start.num_seconds_from_midnight() as usize / 60;
        let len = usize::try_from(shift.minutes()).unwrap_or(0);
        for m in first..first + len {
            on[m % MINUTES_PER_DAY] += 1;
        }
    }
    on
}

/// The local hour with the most work: agent-minutes on shift × the hour's arrival intensity
/// (the earliest such hour on a tie).
fn busiest_hour(floor: &DemoFloor, on_shift: &[usize]) -> u32 {
    let arrival = &floor.distributions().arrival;
    let score = |h: usize| {
        let staffed: usize = on_shift.iter().skip(h * 60).take(60).sum();
        arrival.get(h).copied().unwrap_or(0.0) * staffed as f64
    };
    (0..24)
        .max_by(|a, b| score(*a).total_cmp(&score(*b)).then(b.cmp(a)))
        .map_or(0, |h| h as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::floor::BUILTIN_TOML;
    use chrono::{NaiveDate, TimeZone};

    fn chicago() -> Tz {
        "America/Chicago".parse().expect("tz")
    }

    /// Local wall-clock time on `date` in Chicago; `second` picks the later of two.
    fn local(date: (i32, u32, u32), h: u32, m: u32, s: u32, second: bool) -> DateTime<Utc> {
        let d = NaiveDate::from_ymd_opt(date.0, date.1, date.2).expect("date");
        let t = chicago().from_local_datetime(&d.and_hms_opt(h, m, s).expect("time"));
        let t = if second { t.latest() } else { t.earliest() };
        t.expect("exists").with_timezone(&Utc)
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("time")
            .with_timezone(&Utc)
    }

    #[test]
    fn at_night_the_clock_starts_at_the_same_minute_of_the_busiest_hour() {
        let floor = DemoFloor::builtin();
        // The built-in floor: all three shifts overlap 12:00–15:30, and 14:00 is the
        // afternoon peak (arrival 0.9 with all 40 agents on shift).
        assert_eq!(busiest_hour(&floor, &staffing(&floor)), 14);
        let at_two = start(local((2025, 6, 3), 2, 17, 5, false), chicago(), &floor);
        assert_eq!(
            at_two,
            DemoStart {
                at: local((2025, 6, 3), 14, 17, 5, false),
                simulated: true
            }
        );
        let late = start(local((2025, 6, 3), 23, 59, 59, false), chicago(), &floor);
        assert_eq!(late.at, local((2025, 6, 3), 14, 59, 59, false));
        assert!(late.simulated);
        // Sub-second precision is kept, so the clock runs on smoothly.
        let ms = local((2025, 6, 3), 2, 0, 0, false) + chrono::Duration::milliseconds(250);
        assert_eq!(
            start(ms, chicago(), &floor).at,
            local((2025, 6, 3), 14, 0, 0, false) + chrono::Duration::milliseconds(250)
        );
    }

    #[test]
    fn in_busy_hours_it_is_the_wall_clock() {
        let floor = DemoFloor::builtin();
        for (h, m) in [(9, 0), (12, 0), (15, 29), (17, 29)] {
            let now = local((2025, 6, 3), h, m, 0, false);
            assert_eq!(
                start(now, chicago(), &floor),
                DemoStart {
                    at: now,
                    simulated: false
                },
                "{h}:{m:02}"
            );
        }
        // Before 09:00 only the early shift is on (13 of 40); after 17:30 only the late one.
        for (h, m) in [(8, 59), (17, 30)] {
            let now = local((2025, 6, 3), h, m, 0, false);
            assert!(start(now, chicago(), &floor).simulated, "{h}:{m:02}");
        }
    }

    #[test]
    fn across_a_dst_change_the_busy_moment_is_today_in_local_time() {
        let floor = DemoFloor::builtin();
        // Spring forward (2025-03-09): 01:30 CST, then 14:30 is CDT.
        let spring = start(utc("2025-03-09T07:30:00Z"), chicago(), &floor);
        assert_eq!(spring.at, utc("2025-03-09T19:30:00Z"));
        // Fall back (2025-11-02): either 01:30 (CDT, then CST) leads to 14:30 CST.
        for second in [false, true] {
            let now = local((2025, 11, 2), 1, 30, 0, second);
            assert_eq!(
                start(now, chicago(), &floor).at,
                utc("2025-11-02T20:30:00Z")
            );
        }
        assert_eq!(
            start(utc("2025-11-03T05:59:00Z"), chicago(), &floor).at,
            utc("2025-11-02T20:59:00Z"),
            "23:59 CST stays on its own date"
        );
    }

    #[test]
    fn busy_hours_come_from_the_floor_definition() {
        // The same floor working nights (22:00–06:30): 02:00 is busy, noon is not, and the
        // busiest hour is 06:00 (the morning's arrival 0.20 against 0.05 at night).
        let mut night = BUILTIN_TOML.to_string();
        for (from, to) in [
            ("start = \"07:00\"", "start = \"22:00\""),
            ("start = \"09:00\"", "start = \"22:00\""),
            ("start = \"12:00\"", "start = \"22:00\""),
            ("end = \"15:30\"", "end = \"06:30\""),
            ("end = \"17:30\"", "end = \"06:30\""),
            ("end = \"20:30\"", "end = \"06:30\""),
        ] {
            assert!(night.contains(from), "{from}");
            night = night.replace(from, to);
        }
        let floor = DemoFloor::from_toml(&night).expect("night floor");
        let two = local((2025, 6, 3), 2, 0, 0, false);
        assert!(!start(two, chicago(), &floor).simulated);
        let noon = start(local((2025, 6, 3), 12, 10, 0, false), chicago(), &floor);
        assert_eq!(noon.at, local((2025, 6, 3), 6, 10, 0, false));
        assert!(noon.simulated);
        // An empty floor has nothing to show at any hour: the wall clock.
        let empty = DemoFloor::synthetic(0);
        assert!(!start(noon.at, chicago(), &empty).simulated);
    }
}
