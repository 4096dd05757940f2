//! The local day cut into fixed buckets, aligned in the supervisor's time zone.
//!
//! Genesys aligns `granularity` buckets in the query's `timeZone`; we do the same on our side so
//! a zero-filled day has exactly the buckets Genesys would return: 46 half-hours on a
//! spring-forward day, 50 on a fall-back day, and :15/:45 UTC boundaries for Asia/Kathmandu.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Bucket size; Genesys accepts any ISO-8601 period, floorwatch offers the three supervisors use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Granularity {
    Min15,
    Min30,
    Min60,
}

impl Granularity {
    /// Minutes per bucket.
    pub(crate) fn minutes(self) -> i64 {
        match self {
            Granularity::Min15 => 15,
            Granularity::Min30 => 30,
            Granularity::Min60 => 60,
        }
    }

    /// The ISO-8601 period sent as `granularity`.
    pub(crate) fn iso(self) -> &'static str {
        match self {
            Granularity::Min15 => "PT15M",
            Granularity::Min30 => "PT30M",
            Granularity::Min60 => "PT60M",
        }
    }

    /// Bucket length.
    pub(crate) fn duration(self) -> Duration {
        Duration::minutes(self.minutes())
    }
}

impl FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "15" => Ok(Granularity::Min15),
            "30" => Ok(Granularity::Min30),
            "60" => Ok(Granularity::Min60),
            other => Err(format!(
                "interval must be 15, 30 or 60 minutes, not {other:?}"
            )),
        }
    }
}

impl fmt::Display for Granularity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} min", self.minutes())
    }
}

/// One bucket, half-open `[start, end)` in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// A local calendar day in a zone, and its buckets.
#[derive(Clone, Debug, PartialEq)]
pub struct DayWindow {
    pub date: NaiveDate,
    pub tz: Tz,
    pub granularity: Granularity,
    buckets: Vec<Bucket>,
}

/// The first instant of a local date; a zone whose clocks skip midnight starts the day at the
/// first local time that exists.
pub(crate) fn local_day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let mut t = date.and_time(NaiveTime::MIN);
    for _ in 0..(24 * 4) {
        if let Some(dt) = tz.from_local_datetime(&t).earliest() {
            return dt.with_timezone(&Utc);
        }
        t += Duration::minutes(15);
    }
    // No zone skips a whole day of local time except Pacific/Apia's 2011-12-30; treat the
    // (then nonexistent) day as starting at UTC midnight rather than panicking.
    date.and_time(NaiveTime::MIN).and_utc()
}

impl DayWindow {
    /// Builds the buckets for `date` in `tz`, stepping in real time from local midnight to the
    /// next local midnight, so DST days get their true number of buckets.
    pub fn new(date: NaiveDate, tz: Tz, granularity: Granularity) -> Self {
        let start = local_day_start(tz, date);
        let end = date
            .succ_opt()
            .map(|next| local_day_start(tz, next))
            .unwrap_or(start + Duration::days(1));
        let step = granularity.duration();
        let mut buckets = Vec::with_capacity(52);
        let mut b = start;
        while b < end {
            let e = (b + step).min(end);
            buckets.push(Bucket { start: b, end: e });
            b = e;
        }
        DayWindow {
            date,
            tz,
            granularity,
            buckets,
        }
    }

    /// The local day containing `now`.
    pub fn containing(now: DateTime<Utc>, tz: Tz, granularity: Granularity) -> Self {
        Self::new(now.with_timezone(&tz).date_naive(), tz, granularity)
    }

    /// All buckets, in order.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }

    /// Number of buckets (46–50 for half-hours, depending on DST).
    pub fn len(&self) -> usize {
        self.buckets.len()
    }

    /// A day always has buckets; present for clippy's `len_without_is_empty`.
    pub fn is_empty(&self) -> bool {
        self.buckets.is_empty()
    }

    /// First instant of the day.
    pub fn start(&self) -> DateTime<Utc> {
        self.buckets.first().map(|b| b.start).unwrap_or_default()
    }

    /// End of the day (exclusive).
    pub(crate) fn end(&self) -> DateTime<Utc> {
        self.buckets.last().map(|b| b.end).unwrap_or_default()
    }

    /// Index of the bucket containing `t`, if `t` falls inside the day.
    pub fn bucket_index(&self, t: DateTime<Utc>) -> Option<usize> {
        let i = self.buckets.partition_point(|b| b.end <= t);
        (i < self.buckets.len() && self.buckets[i].start <= t).then_some(i)
    }

    /// Bucket start in local time, for labels and CSV.
    pub fn local_start(&self, i: usize) -> Option<DateTime<Tz>> {
        self.buckets.get(i).map(|b| b.start.with_timezone(&self.tz))
    }

    /// Bucket end in local time.
    pub(crate) fn local_end(&self, i: usize) -> Option<DateTime<Tz>> {
        self.buckets.get(i).map(|b| b.end.with_timezone(&self.tz))
    }

    /// The Genesys `interval` string for buckets `[from, to)`.
    pub(crate) fn interval_param(&self, from: usize, to: usize) -> Option<String> {
        if from >= to {
            return None;
        }
        let first = self.buckets.get(from)?;
        let last = self.buckets.get(to.checked_sub(1)?)?;
        Some(format!("{}/{}", iso_ms(first.start), iso_ms(last.end)))
    }
}

/// `2025-03-10T05:00:00.000Z`, the form Genesys documents.
pub fn iso_ms(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parses `HH:MM` or `HH:MM:SS`.
pub fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

/// Local `date time` in `tz` as an instant; the earlier of an ambiguous pair, and for a time
/// inside a spring-forward gap the first instant after the gap.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut local = date.and_time(time);
    for _ in 0..(4 * 24) {
        if let Some(t) = tz.from_local_datetime(&local).earliest() {
            return t.with_timezone(&Utc);
        }
        local += Duration::minutes(15);
        local = local
            .date()
            .and_hms_opt(
                chrono::Timelike::hour(&local),
                chrono::Timelike::minute(&local) / 15 * 15,
                0,
            )
            .unwrap_or(local);
    }
    date.and_time(time).and_utc()
}

/// A moment named on the command line (`--at`): a local time given to the minute (`10:30`)
/// or to the second (`10:30:15`), optionally with a UTC offset (`01:30-06:00`) that says
/// which of the two 01:30s of a DST fall-back day is meant.
///
/// Matching is at the precision given: the snapshot "in force at 10:30" is the last one whose
/// as-of time, as the screen shows it, reads 10:30 or earlier, so `--at 11:31:49` finds the
/// snapshot shown "as of 11:31:49" and `--at 10:00` the one taken at 10:00:12.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalMoment {
    /// The local time.
    pub time: NaiveTime,
    /// Given to the second (`HH:MM:SS`) rather than the minute.
    pub seconds: bool,
    /// The UTC offset given with it, if any.
    pub offset: Option<chrono::FixedOffset>,
}

impl LocalMoment {
    /// Parses `HH:MM`, `HH:MM:SS`, either followed by `Z` or `±HH:MM`.
    pub fn parse(s: &str) -> Option<LocalMoment> {
        let s = s.trim();
        let (clock, offset) = match s.find(['+', '-', 'Z', 'z']) {
            Some(i) => {
                let (c, o) = s.split_at(i);
                let offset = if o.eq_ignore_ascii_case("z") {
                    chrono::FixedOffset::east_opt(0)?
                } else {
                    let sign = if o.starts_with('-') { -1 } else { 1 };
                    let hm = NaiveTime::parse_from_str(&o[1..], "%H:%M").ok()?;
                    let secs = chrono::Timelike::num_seconds_from_midnight(&hm) as i32;
                    chrono::FixedOffset::east_opt(sign * secs)?
                };
                (c, Some(offset))
            }
            None => (s, None),
        };
        let (time, seconds) = match NaiveTime::parse_from_str(clock, "%H:%M") {
            Ok(t) => (t, false),
            Err(_) => (NaiveTime::parse_from_str(clock, "%H:%M:%S").ok()?, true),
        };
        Some(LocalMoment {
            time,
            seconds,
            offset,
        })
    }

    /// The instant this moment names on `date` in `tz`: with an offset, exactly that; without,
    /// the earlier of an ambiguous pair, and the first instant after a spring-forward gap.
    pub fn on(&self, date: NaiveDate, tz: Tz) -> DateTime<Utc> {
        match self.offset {
            Some(o) => (date.and_time(self.time)
                - Duration::seconds(i64::from(o.local_minus_utc())))
            .and_utc(),
            None => local_instant(tz, date, self.time),
        }
    }

    /// The first instant after the moment at its precision on `date`: a snapshot is in force
    /// at the moment when its as-of time is before this.
    pub fn end_on(&self, date: NaiveDate, tz: Tz) -> DateTime<Utc> {
        let unit = if self.seconds {
            Duration::seconds(1)
        } else {
            Duration::minutes(1)
        };
        self.on(date, tz) + unit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(tz: &str, y: i32, m: u32, d: u32, g: Granularity) -> DayWindow {
        let tz: Tz = tz.parse().expect("zone");
        DayWindow::new(NaiveDate::from_ymd_opt(y, m, d).expect("date"), tz, g)
    }

    #[test]
    fn ordinary_day_has_48_half_hours() {
        let w = day("America/Chicago", 2025, 3, 4, Granularity::Min30);
        assert_eq!(w.len(), 48);
        assert_eq!(iso_ms(w.start()), "2025-03-04T06:00:00.000Z");
    }

    #[test]
    fn spring_forward_has_46_and_fall_back_50() {
        assert_eq!(
            day("America/Chicago", 2025, 3, 9, Granularity::Min30).len(),
            46
        );
        assert_eq!(
            day("America/Chicago", 2025, 11, 2, Granularity::Min30).len(),
            50
        );
        assert_eq!(
            day("Europe/London", 2025, 3, 30, Granularity::Min15).len(),
            92
        );
        assert_eq!(
            day("Europe/London", 2025, 10, 26, Granularity::Min60).len(),
            25
        );
    }

    #[test]
    fn odd_offsets_align_locally() {
        let w = day("Asia/Kathmandu", 2025, 6, 1, Granularity::Min30);
        assert_eq!(iso_ms(w.start()), "2025-05-31T18:15:00.000Z");
        assert_eq!(w.len(), 48);
        let local = w.local_start(3).expect("bucket");
        assert_eq!(local.format("%H:%M").to_string(), "01:30");
        let k = day("Asia/Kolkata", 2025, 6, 1, Granularity::Min60);
        assert_eq!(iso_ms(k.start()), "2025-05-31T18:30:00.000Z");
        assert_eq!(k.len(), 24);
    }

    #[test]
    fn bucket_index_is_half_open() {
        let w = day("UTC", 2025, 6, 1, Granularity::Min30);
        let b = w.buckets()[5];
        assert_eq!(w.bucket_index(b.start), Some(5));
        assert_eq!(w.bucket_index(b.end), Some(6));
        assert_eq!(w.bucket_index(w.end()), None);
        assert_eq!(w.bucket_index(w.start() - Duration::seconds(1)), None);
    }

    #[test]
    fn interval_param_spans_buckets() {
        let w = day("UTC", 2025, 6, 1, Granularity::Min30);
        assert_eq!(
            w.interval_param(0, w.len()).as_deref(),
            Some("2025-06-01T00:00:00.000Z/2025-06-02T00:00:00.000Z")
        );
        assert_eq!(w.interval_param(3, 3), None);
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("time")
    }

    #[test]
    fn local_times_across_dst_changes() {
        let chicago = chrono_tz::America::Chicago;
        let spring = NaiveDate::from_ymd_opt(2025, 3, 9).expect("date");
        // 02:30 does not exist: the first instant after the gap, 03:00 CDT.
        assert_eq!(
            local_instant(chicago, spring, hm(2, 30)).to_rfc3339(),
            "2025-03-09T08:00:00+00:00"
        );
        assert_eq!(
            local_instant(chicago, spring, hm(3, 30)).to_rfc3339(),
            "2025-03-09T08:30:00+00:00"
        );
        // 01:30 happens twice: the first (CDT).
        let fall = NaiveDate::from_ymd_opt(2025, 11, 2).expect("date");
        assert_eq!(
            local_instant(chicago, fall, hm(1, 30)).to_rfc3339(),
            "2025-11-02T06:30:00+00:00"
        );
        let ktm = chrono_tz::Asia::Kathmandu;
        let d = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
        assert_eq!(
            local_instant(ktm, d, hm(0, 0)).to_rfc3339(),
            "2025-05-31T18:15:00+00:00"
        );
    }

    #[test]
    fn hhmm_parses_strictly() {
        assert_eq!(parse_hhmm("09:45"), Some(hm(9, 45)));
        assert_eq!(parse_hhmm(" 9:05 "), Some(hm(9, 5)));
        assert_eq!(parse_hhmm("23:59:30"), NaiveTime::from_hms_opt(23, 59, 30));
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("noon"), None);
        assert_eq!(parse_hhmm(""), None);
    }

    #[test]
    fn moments_parse_with_precision_and_offset() {
        let m = LocalMoment::parse("10:30").expect("hh:mm");
        assert_eq!((m.time, m.seconds, m.offset), (hm(10, 30), false, None));
        let m = LocalMoment::parse("11:31:49").expect("hh:mm:ss");
        assert!(m.seconds);
        let fall = NaiveDate::from_ymd_opt(2025, 11, 2).expect("date");
        let chicago = chrono_tz::America::Chicago;
        // The two 01:30s of the fall-back day: the plain time is the first (CDT), the offset
        // names the second (CST).
        let first = LocalMoment::parse("01:30").expect("plain");
        let second = LocalMoment::parse("01:30-06:00").expect("offset");
        assert_eq!(
            first.on(fall, chicago).to_rfc3339(),
            "2025-11-02T06:30:00+00:00"
        );
        assert_eq!(
            second.on(fall, chicago).to_rfc3339(),
            "2025-11-02T07:30:00+00:00"
        );
        assert_eq!(
            LocalMoment::parse("07:30Z")
                .expect("z")
                .on(fall, chicago)
                .to_rfc3339(),
            "2025-11-02T07:30:00+00:00"
        );
        // Matching bound: the end of the minute or second named.
        assert_eq!(
            first.end_on(fall, chicago).to_rfc3339(),
            "2025-11-02T06:31:00+00:00"
        );
        let s = LocalMoment::parse("01:30:05").expect("secs");
        assert_eq!(
            s.end_on(fall, chicago).to_rfc3339(),
            "2025-11-02T06:30:06+00:00"
        );
        for bad in ["", "noon", "25:00", "10:30+5", "10:30-06"] {
            assert_eq!(LocalMoment::parse(bad), None, "{bad}");
        }
    }
}
