//! Agent display names, kept across loads so each id is looked up once.

use std::collections::{HashMap, HashSet};

use crate::genesys::{ApiError, GenesysClient, users};

/// User id → display name, kept across refreshes so each id is looked up once.
#[derive(Clone, Debug, Default)]
pub struct NameCache {
    names: HashMap<String, String>,
    /// Ids already asked for and not found (deleted beyond `state=any`, or no permission).
    unresolved: HashSet<String>,
}

impl NameCache {
    /// Records a name.
    pub(crate) fn insert(&mut self, id: String, name: String) {
        self.names.insert(id, name);
    }

    /// The name of `id`, if known.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.names.get(id).map(String::as_str)
    }

    /// Looks up every id not yet known. A failed look-up is not fatal: the rows show ids, and
    /// the error comes back for the log/status line.
    pub async fn resolve<'a>(
        &mut self,
        client: &GenesysClient,
        ids: impl IntoIterator<Item = &'a String>,
    ) -> Option<ApiError> {
        let missing: Vec<String> = ids
            .into_iter()
            .filter(|id| !self.names.contains_key(*id) && !self.unresolved.contains(*id))
            .cloned()
            .collect();
        if missing.is_empty() {
            return None;
        }
        let found = users::lookup_names(client, &missing).await;
        for id in missing {
            match found.names.get(&id) {
                Some(n) => {
                    self.names.insert(id, n.clone());
                }
                // Ids of a failed batch are asked again next time.
                None if found.failed.contains(&id) => {}
                None => {
                    self.unresolved.insert(id);
                }
            }
        }
        if let Some(e) = &found.error {
            tracing::warn!(error = %e, "could not resolve some agent names; showing ids");
        }
        found.error
    }
}
