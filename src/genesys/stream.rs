//! The streaming fold shared by the conversation and user aggregates responses: `results` is
//! walked group by group with borrowed strings and each group handed to the caller, then
//! dropped, so a body of tens of megabytes is never a JSON tree in memory. Each query brings its
//! own metric shape (`M`) and what to do with a group.

use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::aggregates::{ParseError, bucket_start};
use crate::timegrid::DayWindow;

/// One entry of `results`: the group keys and one data point per bucket.
#[derive(Deserialize)]
#[serde(bound(deserialize = "M: Deserialize<'de>"))]
pub struct Group<'a, M> {
    #[serde(default, borrow)]
    pub group: Keys<'a>,
    #[serde(default = "Vec::new")]
    pub data: Vec<Point<'a, M>>,
}

/// The group keys floorwatch reads (other dimensions, e.g. `mediaType`, are summed over).
#[derive(Default, Deserialize)]
pub struct Keys<'a> {
    #[serde(default, borrow, rename = "userId")]
    pub user_id: Option<Cow<'a, str>>,
}

/// One bucket of a group: its `"<start>/<end>"` interval and metrics.
#[derive(Deserialize)]
#[serde(bound(deserialize = "M: Deserialize<'de>"))]
pub struct Point<'a, M> {
    #[serde(borrow)]
    pub interval: Cow<'a, str>,
    #[serde(default = "Vec::new")]
    pub metrics: Vec<M>,
}

/// Folds every group of `body` with `fold`; a semantic error from `fold` (a bad bucket
/// string) is reported as is, a JSON error as `"<what>: <serde's words>"`.
pub fn fold_groups<'de, M, F>(body: &'de [u8], what: &str, mut fold: F) -> Result<(), ParseError>
where
    M: Deserialize<'de>,
    F: FnMut(Group<'de, M>) -> Result<(), ParseError>,
{
    let mut error = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = Top {
        fold: &mut fold,
        error: &mut error,
        what,
        metric: PhantomData,
    };
    let parsed = top.deserialize(&mut de).and_then(|()| de.end());
    if let Some(e) = error {
        return Err(e);
    }
    parsed.map_err(|e| ParseError(format!("{what}: {e}")))
}

/// Bucket index of each interval string, parsed once per distinct string.
pub struct Buckets<'w> {
    window: &'w DayWindow,
    seen: HashMap<String, Option<usize>>,
}

impl<'w> Buckets<'w> {
    /// An empty cache over `window`.
    pub fn new(window: &'w DayWindow) -> Self {
        Buckets {
            window,
            seen: HashMap::new(),
        }
    }

    /// The window's bucket for `interval`; `None` when outside the window.
    pub fn index(&mut self, interval: &str) -> Result<Option<usize>, ParseError> {
        if let Some(i) = self.seen.get(interval) {
            return Ok(*i);
        }
        let i = self.window.bucket_index(bucket_start(interval)?);
        self.seen.insert(interval.to_string(), i);
        Ok(i)
    }
}

/// The top-level object: `results` is walked, everything else skipped.
struct Top<'f, F, M> {
    fold: &'f mut F,
    error: &'f mut Option<ParseError>,
    what: &'f str,
    metric: PhantomData<M>,
}

impl<'de, F, M> DeserializeSeed<'de> for Top<'_, F, M>
where
    M: Deserialize<'de>,
    F: FnMut(Group<'de, M>) -> Result<(), ParseError>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F, M> Visitor<'de> for Top<'_, F, M>
where
    M: Deserialize<'de>,
    F: FnMut(Group<'de, M>) -> Result<(), ParseError>,
{
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an object ({})", self.what)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "results" {
                map.next_value_seed(Results {
                    fold: &mut *self.fold,
                    error: &mut *self.error,
                    metric: PhantomData::<M>,
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `results` array: each group is folded, then dropped.
struct Results<'f, F, M> {
    fold: &'f mut F,
    error: &'f mut Option<ParseError>,
    metric: PhantomData<M>,
}

impl<'de, F, M> DeserializeSeed<'de> for Results<'_, F, M>
where
    M: Deserialize<'de>,
    F: FnMut(Group<'de, M>) -> Result<(), ParseError>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F, M> Visitor<'de> for Results<'_, F, M>
where
    M: Deserialize<'de>,
    F: FnMut(Group<'de, M>) -> Result<(), ParseError>,
{
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of result groups")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(group) = seq.next_element::<Group<'de, M>>()? {
            if let Err(e) = (self.fold)(group) {
                *self.error = Some(e.clone());
                return Err(A::Error::custom(e.0));
            }
        }
        Ok(())
    }
}
