//! Who the queries cover: `--queue`/`--user` resolved into user ids, or everyone.

use crate::config::Selection;
use crate::genesys::{GenesysClient, users};

use super::LoadError;
use super::names::NameCache;

/// Which agents the queries cover.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every agent with activity in the window (no userId predicates).
    Everyone,
    /// These user ids, chunked to the predicate budget; each gets a row even when idle.
    Users(Vec<String>),
}

impl Scope {
    /// The explicit user ids, if any.
    pub(crate) fn users(&self) -> Option<&[String]> {
        match self {
            Scope::Everyone => None,
            Scope::Users(u) => Some(u),
        }
    }
}

/// Resolves `--queue`/`--user` into user ids (queue members first, then explicit users,
/// without duplicates); a `--queue` may be a Genesys wildcard pattern (`Billing*`). Names
/// learnt along the way go into `names`.
pub async fn resolve_scope(
    client: &GenesysClient,
    selection: &Selection,
    names: &mut NameCache,
) -> Result<Scope, LoadError> {
    if selection.is_everyone() {
        return Ok(Scope::Everyone);
    }
    let mut ids: Vec<String> = Vec::new();
    for pattern in &selection.queues {
        for m in users::matching_queue_members(client, pattern)
            .await?
            .members
        {
            if !m.name.is_empty() {
                names.insert(m.id.clone(), m.name.clone());
            }
            if !ids.contains(&m.id) {
                ids.push(m.id);
            }
        }
    }
    for u in &selection.users {
        if !ids.contains(u) {
            ids.push(u.clone());
        }
    }
    Ok(Scope::Users(ids))
}
