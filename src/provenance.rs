//! Where a view export came from: the `floorwatch-….json` written beside every
//! `floorwatch-….csv` the `e` key writes (live, demo or replay).
//!
//! The CSV keeps its plain header so spreadsheets and scripts read it unchanged; the JSON says
//! what it is a picture of: the source (a live org's region and API host, the demo floor, or a
//! recording file and the moment replayed), the data's "as of" time, the zone, the interval
//! size, the filter and sort, and the view. It is generic over [`ViewExport`]: any view kind
//! (agents, intervals, conversations) gets one.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::export::ExportError;
use crate::model::Source;
use crate::view::ViewExport;

/// What a view export is a picture of; serialised as the `.json` beside the CSV.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The floorwatch that wrote it.
    pub floorwatch_version: String,
    /// `agents`, `intervals`, `conversations`: the table exported.
    pub view: String,
    /// The CSV's file name (same stem as this file).
    pub csv: String,
    /// Data rows in the CSV.
    pub rows: usize,
    /// Live org, demo floor, or a recording being replayed.
    pub source: ProvenanceSource,
    /// When the data on screen was fetched (RFC 3339 with the zone's offset); `null` before
    /// data (never the case for a written export).
    pub as_of: Option<String>,
    /// The local day shown, `YYYY-MM-DD`.
    pub date: String,
    /// IANA zone the day and its intervals are aligned in.
    pub time_zone: String,
    /// Interval length in minutes.
    pub granularity_minutes: i64,
    /// The exported columns as the screen titles them, in CSV order (the CSV's header has
    /// their machine names).
    #[serde(default)]
    pub columns: Vec<String>,
    /// The agents filter in force (`null` when none, and for intervals and conversations
    /// exports, which it does not narrow).
    pub filter: Option<String>,
    /// The exported table's order.
    pub sort: SortInfo,
    /// The agent whose intervals (or one interval's conversations) were exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The interval whose conversations were exported (conversations view only), as
    /// `start/end` in RFC 3339 with the zone's offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    /// When the export was made, by the dashboard's clock (RFC 3339 with offset).
    pub exported_at: String,
}

/// The agents table's sort as written in the provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortInfo {
    /// Column title as on screen (`Agent`, `AHT`, …).
    pub column: String,
    /// Largest (or Z) first.
    pub descending: bool,
}

/// Where the exported data came from. Never holds a client id, secret or token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProvenanceSource {
    /// A live org.
    Live { region: String, api_host: String },
    /// The built-in simulated floor.
    Demo,
    /// A recording replayed with `floorwatch replay`.
    Replay {
        /// The recording file (absolute when it could be resolved).
        recording: String,
        /// What was recorded: `DEMO` or `region · host`.
        recorded_from: String,
        /// The recorded moment on screen (RFC 3339 with offset).
        moment: Option<String>,
        /// Snapshot number on screen, 1-based, and how many the recording holds.
        position: usize,
        total: usize,
    },
}

impl ProvenanceSource {
    /// The live or demo source of a snapshot.
    pub(crate) fn of(source: &Source) -> Self {
        match source {
            Source::Demo => ProvenanceSource::Demo,
            Source::Live { region, api_host } => ProvenanceSource::Live {
                region: region.clone(),
                api_host: api_host.clone(),
            },
        }
    }
}

/// RFC 3339 with the zone's offset, seconds precision.
pub(crate) fn local_rfc3339(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The `.json` path beside a CSV: same stem (so `…-2.csv` gets `…-2.json`).
pub(crate) fn json_path(csv: &Path) -> PathBuf {
    csv.with_extension("json")
}

/// Writes `prov` (with the CSV's name and row count filled in) beside `csv`, atomically; returns
/// the JSON's path.
pub(crate) fn write_beside(
    csv: &Path,
    view: &ViewExport,
    prov: &Provenance,
) -> Result<PathBuf, ExportError> {
    let path = json_path(csv);
    let mut prov = prov.clone();
    prov.csv = csv
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    prov.rows = view.rows.len();
    let io_err = |source: io::Error| ExportError::Io {
        path: path.clone(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".floorwatch-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io_err)?;
    let mut body = serde_json::to_vec_pretty(&prov).map_err(|e| io_err(io::Error::other(e)))?;
    body.push(b'\n');
    tmp.write_all(&body).map_err(io_err)?;
    tmp.as_file().sync_all().map_err(io_err)?;
    // The CSV's stem was just claimed without overwriting, so a JSON by that name can only be
    // a leftover; replacing it keeps the pair consistent.
    tmp.persist(&path).map_err(|e| io_err(e.error))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::ViewKind;

    #[test]
    fn json_follows_the_csv_stem_and_round_trips() {
        let dir = tempfile::tempdir().expect("dir");
        let csv = dir.path().join("floorwatch-agents-20250310-101500-2.csv");
        let view = ViewExport {
            kind: ViewKind::Agents,
            header: vec!["h".into()],
            columns: vec!["H".into()],
            rows: vec![vec!["x".into()], vec!["y".into()]],
        };
        let prov = Provenance {
            floorwatch_version: "0".into(),
            view: "agents".into(),
            csv: String::new(),
            rows: 0,
            source: ProvenanceSource::Live {
                region: "us-east-1".into(),
                api_host: "api.mypurecloud.com".into(),
            },
            as_of: Some("2025-03-10T10:15:00-05:00".into()),
            date: "2025-03-10".into(),
            time_zone: "America/Chicago".into(),
            granularity_minutes: 30,
            columns: view.columns.clone(),
            filter: None,
            sort: SortInfo {
                column: "Agent".into(),
                descending: false,
            },
            agent_id: None,
            interval: None,
            exported_at: "2025-03-10T10:15:01-05:00".into(),
        };
        let p = write_beside(&csv, &view, &prov).expect("write");
        assert!(p.ends_with("floorwatch-agents-20250310-101500-2.json"));
        let back: Provenance =
            serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("parse");
        assert_eq!(back.rows, 2);
        assert_eq!(back.csv, "floorwatch-agents-20250310-101500-2.csv");
        assert_eq!(back.source, prov.source);
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&p).expect("read")).expect("parse");
        assert_eq!(v["source"]["kind"], "live");
    }
}
