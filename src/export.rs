//! CSV writing: the headless day export (`floorwatch export`) and the dashboard's view export.
//! Files are written atomically (temp file in the target directory, then rename), so a failure
//! never leaves a partial file, and view exports never overwrite an existing file.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat};
use chrono_tz::Tz;
use thiserror::Error;

use crate::figures::Figure;
use crate::format::csv_text;
use crate::model::{RoutingMetrics, RoutingTotals, Snapshot, Totals};

/// The columns every day-export row starts with (the intervals view export's, by name).
pub(crate) const DAY_KEY_COLUMNS: &[&str] =
    &["agent_id", "agent_name", "interval_start", "interval_end"];

/// The figures of the day export, in order. Its header is fixed whatever the dashboard shows:
/// cron jobs and spreadsheets parse it.
pub(crate) const DAY_FIGURES: &[Figure] = &[
    Figure::Handled,
    Figure::Handle,
    Figure::Aht,
    Figure::Acw,
    Figure::Hold,
    Figure::Holds,
    Figure::Talk,
];

/// The status figures `--with-status` appends after [`DAY_FIGURES`], in order.
pub(crate) const STATUS_FIGURES: &[Figure] = &[
    Figure::OnQueue,
    Figure::Interacting,
    Figure::Idle,
    Figure::NotResponding,
    Figure::Occupancy,
];

/// The day export's header: [`DAY_KEY_COLUMNS`], the [`DAY_FIGURES`]' CSV names and, with
/// status, the [`STATUS_FIGURES`]'.
pub fn day_header(with_status: bool) -> Vec<&'static str> {
    let status: &[Figure] = if with_status { STATUS_FIGURES } else { &[] };
    DAY_KEY_COLUMNS
        .iter()
        .copied()
        .chain(DAY_FIGURES.iter().chain(status).map(|f| f.spec().csv))
        .collect()
}

/// Why an export failed; one line naming the path.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("cannot write CSV to {path}: {detail}")]
    Csv { path: PathBuf, detail: String },
}

/// An interval bound as RFC 3339 with the zone's offset, e.g. `2025-03-10T09:00:00-05:00`.
pub(crate) fn rfc3339(t: DateTime<Tz>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The cells of `figures` for one cell's sums (`status` when known), in order.
fn figure_cells<'a>(
    figures: &'a [Figure],
    t: &'a Totals,
    s: Option<&'a RoutingTotals>,
) -> impl Iterator<Item = String> + 'a {
    figures.iter().map(move |f| f.csv(t, s))
}

/// One row per agent per interval with any activity, sorted by agent name then interval.
/// Rows are produced lazily, so a 5000-agent day streams to disk without being held in memory.
pub fn day_rows(snapshot: &Snapshot) -> impl Iterator<Item = Vec<String>> + '_ {
    let mut agents: Vec<_> = snapshot.agents.iter().collect();
    agents.sort_by_cached_key(|a| a.sort_key());
    let w = &snapshot.window;
    agents.into_iter().flat_map(move |a| {
        a.intervals.iter().enumerate().filter_map(move |(i, cell)| {
            if cell.is_empty() {
                return None;
            }
            let (start, end) = (w.local_start(i)?, w.local_end(i)?);
            let mut row = Vec::with_capacity(DAY_KEY_COLUMNS.len() + DAY_FIGURES.len());
            row.extend([
                csv_text(&a.id),
                csv_text(a.display_name()),
                rfc3339(start),
                rfc3339(end),
            ]);
            row.extend(figure_cells(DAY_FIGURES, &Totals::from(cell), None));
            Some(row)
        })
    })
}

/// `floorwatch export --with-status`: [`day_rows`] with the [`STATUS_FIGURES`] appended
/// (header [`day_header`]`(true)`). A row is written for every agent and interval with
/// conversation figures **or** status time, so on-queue time without a conversation is
/// exported too. When the snapshot's status is not available (refused or not fetched) the
/// status cells are blank; the caller can say why from
/// [`crate::model::RoutingAvailability::forbidden_reason`].
pub fn day_rows_with_status(snapshot: &Snapshot) -> impl Iterator<Item = Vec<String>> + '_ {
    let mut agents: Vec<_> = snapshot.agents.iter().collect();
    agents.sort_by_cached_key(|a| a.sort_key());
    let w = &snapshot.window;
    let available = snapshot.status.is_available();
    agents.into_iter().flat_map(move |a| {
        a.intervals.iter().enumerate().filter_map(move |(i, cell)| {
            let status = a.routing_at(i).filter(|_| available);
            // A row needs conversation figures or time on queue; an interval spent only off
            // queue (logged in, on a break) is not a row of zeros.
            if cell.is_empty() && !status.is_some_and(RoutingMetrics::was_on_queue) {
                return None;
            }
            let (start, end) = (w.local_start(i)?, w.local_end(i)?);
            let mut row = Vec::with_capacity(
                DAY_KEY_COLUMNS.len() + DAY_FIGURES.len() + STATUS_FIGURES.len(),
            );
            row.extend([
                csv_text(&a.id),
                csv_text(a.display_name()),
                rfc3339(start),
                rfc3339(end),
            ]);
            let totals = Totals::from(cell);
            row.extend(figure_cells(DAY_FIGURES, &totals, None));
            match status {
                Some(s) => {
                    let st = RoutingTotals::from(s);
                    row.extend(figure_cells(STATUS_FIGURES, &totals, Some(&st)));
                }
                None => row.extend(std::iter::repeat_n(String::new(), STATUS_FIGURES.len())),
            }
            Some(row)
        })
    })
}

/// Rows for the writers: anything iterable of records.
pub trait Rows: IntoIterator<Item = Self::Row> {
    type Row: IntoIterator<Item = Self::Cell>;
    type Cell: AsRef<[u8]>;
}

impl<I, R, C> Rows for I
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = C>,
    C: AsRef<[u8]>,
{
    type Row = R;
    type Cell = C;
}

fn write_records<W: Write>(w: W, header: &[&str], rows: impl Rows) -> Result<usize, csv::Error> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(header)?;
    let mut n = 0;
    for r in rows {
        out.write_record(r)?;
        n += 1;
    }
    out.flush()?;
    Ok(n)
}

/// Writes CSV to standard output; returns the number of data rows. A closed pipe (`| head`)
/// ends the output quietly, as Unix tools do.
pub(crate) fn write_stdout(header: &[&str], rows: impl Rows) -> Result<usize, ExportError> {
    let stdout = io::stdout();
    match write_records(stdout.lock(), header, rows) {
        Ok(n) => Ok(n),
        Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::BrokenPipe) => {
            Ok(0)
        }
        Err(e) => Err(ExportError::Csv {
            path: PathBuf::from("<stdout>"),
            detail: e.to_string(),
        }),
    }
}

fn temp_in(path: &Path) -> Result<tempfile::NamedTempFile, ExportError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".floorwatch-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|source| ExportError::Io {
            path: path.to_path_buf(),
            source,
        })
}

fn fill(
    tmp: &mut tempfile::NamedTempFile,
    path: &Path,
    header: &[&str],
    rows: impl Rows,
) -> Result<usize, ExportError> {
    let n = write_records(io::BufWriter::new(tmp.as_file_mut()), header, rows).map_err(|e| {
        ExportError::Csv {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    })?;
    tmp.as_file().sync_all().map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(n)
}

/// Writes `path` atomically, replacing it if it exists (the headless export's `--out`);
/// returns the number of data rows.
pub fn write_file_atomic(
    path: &Path,
    header: &[&str],
    rows: impl Rows,
) -> Result<usize, ExportError> {
    let mut tmp = temp_in(path)?;
    let n = fill(&mut tmp, path, header, rows)?;
    tmp.persist(path).map_err(|e| ExportError::Io {
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(n)
}

/// Writes a view export `floorwatch-<slug>-<YYYYMMDD-HHMMSS>.csv` in `dir`, never overwriting:
/// when the name is taken (two exports in one second) a `-2`, `-3`, … suffix is added.
pub(crate) fn write_view(
    dir: &Path,
    slug: &str,
    at: DateTime<Tz>,
    header: &[&str],
    rows: impl Rows,
) -> Result<PathBuf, ExportError> {
    let stem = format!("floorwatch-{slug}-{}", at.format("%Y%m%d-%H%M%S"));
    let first = dir.join(format!("{stem}.csv"));
    let mut tmp = temp_in(&first)?;
    fill(&mut tmp, &first, header, rows)?;
    for n in 1..1000 {
        let path = if n == 1 {
            first.clone()
        } else {
            dir.join(format!("{stem}-{n}.csv"))
        };
        match tmp.persist_noclobber(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => tmp = e.file,
            Err(e) => {
                return Err(ExportError::Io {
                    path,
                    source: e.error,
                });
            }
        }
    }
    Err(ExportError::Io {
        path: first,
        source: io::Error::new(
            io::ErrorKind::AlreadyExists,
            "too many exports with this name",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentDay, IntervalMetrics, Source};
    use crate::timegrid::{DayWindow, Granularity};
    use chrono::{NaiveDate, TimeZone, Utc};
    use std::sync::Arc;

    fn snapshot() -> Snapshot {
        let w = DayWindow::new(
            NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"),
            "America/Chicago".parse().expect("tz"),
            Granularity::Min30,
        );
        let mut cells = vec![IntervalMetrics::default(); w.len()];
        cells[18] = IntervalMetrics {
            handled: 3,
            handle_ms: 801_000,
            acw_ms: 104_000,
            acw_count: 3,
            hold_ms: 120_000,
            holds: 2,
            talk_ms: 577_000,
            talk_count: 3,
            ..Default::default()
        };
        Snapshot {
            window: Arc::new(w),
            agents: vec![
                AgentDay {
                    id: "b".into(),
                    name: Some("=cmd()".into()),
                    intervals: cells.clone(),
                    status: Vec::new(),
                },
                AgentDay {
                    id: "a".into(),
                    name: Some("Ann".into()),
                    intervals: cells,
                    status: Vec::new(),
                },
            ],
            as_of: Utc
                .with_ymd_and_hms(2025, 3, 10, 15, 0, 0)
                .single()
                .expect("t"),
            source: Source::Demo,
            status: Default::default(),
        }
    }

    #[test]
    fn rows_are_sorted_formatted_and_neutralised() {
        let snap = snapshot();
        let rows: Vec<Vec<String>> = day_rows(&snap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1],
            vec![
                "a",
                "Ann",
                "2025-03-10T09:00:00-05:00",
                "2025-03-10T09:30:00-05:00",
                "3",
                "801.000",
                "267.000",
                "104.000",
                "120.000",
                "2",
                "577.000"
            ]
        );
        assert_eq!(rows[0][1], "'=cmd()");
    }

    #[test]
    fn with_status_appends_columns_and_keeps_on_queue_only_intervals() {
        use crate::model::{RoutingAvailability, RoutingMetrics};
        let plain = day_header(false);
        assert_eq!(&day_header(true)[..plain.len()], plain);
        assert_eq!(
            day_header(true)[plain.len()..],
            [
                "on_queue_s",
                "interacting_s",
                "idle_s",
                "not_responding_s",
                "occupancy"
            ]
        );
        assert_eq!(
            plain,
            [
                "agent_id",
                "agent_name",
                "interval_start",
                "interval_end",
                "handled",
                "handle_s",
                "avg_handle_s",
                "acw_s",
                "hold_s",
                "holds",
                "talk_s"
            ]
        );
        let mut snap = snapshot();
        snap.status = RoutingAvailability::Available;
        for a in &mut snap.agents {
            a.status = vec![RoutingMetrics::default(); snap.window.len()];
        }
        snap.agents[1].status[18] = RoutingMetrics {
            on_queue_ms: 1_800_000,
            interacting_ms: 1_125_000,
            idle_ms: 600_000,
            not_responding_ms: 75_000,
            ..Default::default()
        };
        // Off queue the whole interval (a break): no row, not a row of zeros.
        snap.agents[1].status[19] = RoutingMetrics {
            off_queue_ms: 1_800_000,
            ..Default::default()
        };
        // On queue without a conversation: a row, with the on-queue time.
        snap.agents[1].status[20] = RoutingMetrics {
            on_queue_ms: 1_800_000,
            idle_ms: 1_800_000,
            ..Default::default()
        };
        let rows: Vec<Vec<String>> = day_rows_with_status(&snap).collect();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[1][..11], day_rows(&snap).nth(1).expect("row")[..]);
        assert_eq!(
            rows[1][11..],
            ["1800.000", "1125.000", "600.000", "75.000", "0.6522"]
        );
        assert!(
            rows.iter().all(|r| r[2] != "2025-03-10T09:30:00-05:00"),
            "the off-queue interval is not exported: {rows:?}"
        );
        assert_eq!(rows[2][2], "2025-03-10T10:00:00-05:00");
        assert_eq!(rows[2][4..7], ["0", "0.000", ""]);
        assert_eq!(
            rows[2][11..],
            ["1800.000", "0.000", "1800.000", "0.000", "0.0000"]
        );
        assert_eq!(rows[0][11..], ["0.000", "0.000", "0.000", "0.000", ""]);
        // Refused: the same rows as without status, status cells blank.
        snap.status = RoutingAvailability::Forbidden("needs a permission".into());
        let rows: Vec<Vec<String>> = day_rows_with_status(&snap).collect();
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r[11..].iter().all(String::is_empty)));
    }

    #[test]
    fn view_export_never_overwrites() {
        let dir = tempfile::tempdir().expect("dir");
        let at = chrono_tz::UTC
            .with_ymd_and_hms(2025, 3, 10, 9, 0, 1)
            .single()
            .expect("t");
        let rows = vec![vec!["x".to_string()]];
        let p1 = write_view(dir.path(), "agents", at, &["h"], &rows).expect("first");
        let p2 = write_view(dir.path(), "agents", at, &["h"], &rows).expect("second");
        assert_ne!(p1, p2);
        assert!(p1.ends_with("floorwatch-agents-20250310-090001.csv"));
        assert!(p2.ends_with("floorwatch-agents-20250310-090001-2.csv"));
        let leftovers = std::fs::read_dir(dir.path()).expect("ls").count();
        assert_eq!(leftovers, 2);
    }

    #[test]
    fn unwritable_directory_is_an_error_naming_it() {
        let at = chrono_tz::UTC
            .with_ymd_and_hms(2025, 3, 10, 9, 0, 1)
            .single()
            .expect("t");
        let e = write_view(
            Path::new("/nonexistent/dir"),
            "agents",
            at,
            &["h"],
            Vec::<Vec<String>>::new(),
        )
        .expect_err("fails");
        assert!(e.to_string().contains("/nonexistent/dir"));
    }
}
