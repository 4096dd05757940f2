//! The supervisor's view — sort, filter, focus and visible columns — kept across starts in a
//! small JSON file in the platform state directory, so a dashboard reopened at the start of a
//! shift looks the way it was left. Names, not enum positions, are stored: a file written by
//! another version still loads, unknown names are skipped. `--reset-view` deletes it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file's name inside the state directory.
pub(crate) const FILE_NAME: &str = "view.json";

/// What is restored on the next start.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedView {
    /// The agents table's sort column, by key (`name`, `aht`, `occupancy`, …).
    #[serde(default)]
    pub sort: Option<String>,
    /// Largest (or Z) first.
    #[serde(default)]
    pub descending: bool,
    /// The filter text as typed.
    #[serde(default)]
    pub filter: String,
    /// `agents` or `intervals`.
    #[serde(default)]
    pub focus: Option<String>,
    /// Visible figure columns, by key, in order; `None` keeps the defaults.
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Filters accepted before, oldest first (↑ in the prompt walks them).
    #[serde(default)]
    pub filter_history: Vec<String>,
    /// Finds (F3) entered before, oldest first.
    #[serde(default)]
    pub find_history: Vec<String>,
    /// Command lines (`:`) run before, oldest first.
    #[serde(default)]
    pub command_history: Vec<String>,
    /// Alert rules snoozed and alerts acknowledged.
    #[serde(default, skip_serializing_if = "crate::alerts::AlertMemory::is_empty")]
    pub alerts: crate::alerts::AlertMemory,
}

/// `<state dir>/view.json` (next to the log), when the platform has a home.
pub(crate) fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "floorwatch").map(|d| {
        d.state_dir()
            .unwrap_or_else(|| d.cache_dir())
            .join(FILE_NAME)
    })
}

/// The saved view; `Ok(None)` when there is none yet. A damaged file is an error line naming
/// it (the dashboard starts with the defaults and says so).
pub(crate) fn load(path: &Path) -> Result<Option<SavedView>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read saved view {}: {e}", path.display())),
    };
    serde_json::from_slice(&bytes).map(Some).map_err(|e| {
        format!(
            "saved view {} is damaged ({e}); using defaults",
            path.display()
        )
    })
}

/// Writes the view atomically (a temp file renamed over the old one), creating the directory.
pub(crate) fn save(path: &Path, view: &SavedView) -> Result<(), String> {
    let fail =
        |e: &dyn std::fmt::Display| format!("cannot save the view to {}: {e}", path.display());
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    let json = serde_json::to_vec_pretty(view).map_err(|e| fail(&e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    std::io::Write::write_all(&mut tmp, &json).map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// Deletes the saved view (`--reset-view`); nothing to delete is fine.
pub(crate) fn forget(path: &Path) -> Result<(), String> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "cannot forget the saved view {}: {e}",
            path.display()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SavedView {
        SavedView {
            sort: Some("aht".into()),
            descending: true,
            filter: "aht>600 queue:Billing".into(),
            focus: Some("intervals".into()),
            columns: Some(vec!["handled".into(), "aht".into(), "occupancy".into()]),
            filter_history: vec!["aht>6m".into(), "name~smith, jo".into()],
            find_history: vec!["bob".into()],
            command_history: vec!["date -1".into()],
            alerts: Default::default(),
        }
    }

    #[test]
    fn round_trips_and_forgets() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("nested").join(FILE_NAME);
        assert_eq!(load(&path), Ok(None));
        save(&path, &sample()).expect("save");
        assert_eq!(load(&path), Ok(Some(sample())));
        forget(&path).expect("forget");
        assert_eq!(load(&path), Ok(None));
        forget(&path).expect("forgetting twice is fine");
    }

    #[test]
    fn a_damaged_file_is_one_line_naming_it() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, b"{not json").expect("write");
        let err = load(&path).expect_err("damaged");
        assert!(
            err.contains(&path.display().to_string()) && !err.contains('\n'),
            "{err}"
        );
    }

    #[test]
    fn missing_and_unknown_fields_are_tolerated() {
        let v: SavedView =
            serde_json::from_str(r#"{"sort":"talk","future_field":1}"#).expect("parse");
        assert_eq!(v.sort.as_deref(), Some("talk"));
        assert_eq!(v.columns, None);
    }
}
