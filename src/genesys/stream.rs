//! The streaming walk under both aggregates folds ([`super::aggregates::fold_body`]): `results`
//! is walked group by group with borrowed strings and each group handed to the caller, then
//! dropped, so a body of tens of megabytes is never a JSON tree in memory. Both endpoints answer
//! in the same shape (`{results:[{group, data:[{interval, metrics:[{metric, qualifier,
//! stats}]}]}]}`); everything else in the body is skipped.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{
    DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::aggregates::{ParseError, Stats, bucket_start};
use crate::timegrid::DayWindow;

/// One entry of `results`: the group keys and one data point per bucket.
#[derive(Deserialize)]
pub(crate) struct Group<'a> {
    #[serde(default, borrow)]
    pub group: Keys<'a>,
    #[serde(default, borrow)]
    pub data: Vec<Point<'a>>,
}

/// The group keys floorwatch reads (other dimensions, e.g. `mediaType`, are summed over).
#[derive(Default, Deserialize)]
pub(crate) struct Keys<'a> {
    #[serde(default, borrow, rename = "userId")]
    pub user_id: Option<Cow<'a, str>>,
}

/// One bucket of a group: its `"<start>/<end>"` interval and metrics.
#[derive(Deserialize)]
pub(crate) struct Point<'a> {
    #[serde(borrow)]
    pub interval: Cow<'a, str>,
    #[serde(default, borrow)]
    pub metrics: Vec<Metric<'a>>,
}

/// One metric of a bucket; the user aggregates put the status in `qualifier`.
#[derive(Deserialize)]
pub(crate) struct Metric<'a> {
    #[serde(borrow)]
    pub metric: Cow<'a, str>,
    #[serde(default, borrow)]
    pub qualifier: Option<Cow<'a, str>>,
    #[serde(default)]
    pub stats: Stats,
}

/// Folds every group of `body` with `fold`; a semantic error from `fold` (a bad bucket
/// string) is reported as is, a JSON error as `"<what>: <serde's words>"`.
pub(crate) fn fold_groups<'de, F>(
    body: &'de [u8],
    what: &str,
    mut fold: F,
) -> Result<(), ParseError>
where
    F: FnMut(Group<'de>) -> Result<(), ParseError>,
{
    let mut error = None;
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = Top {
        fold: &mut fold,
        error: &mut error,
        what,
    };
    let parsed = top.deserialize(&mut de).and_then(|()| de.end());
    if let Some(e) = error {
        return Err(e);
    }
    parsed.map_err(|e| ParseError(format!("{what}: {e}")))
}

/// Bucket index of each interval string, parsed once per distinct string.
pub(crate) struct Buckets<'w> {
    window: &'w DayWindow,
    seen: HashMap<String, Option<usize>>,
}

impl<'w> Buckets<'w> {
    /// An empty cache over `window`.
    pub(crate) fn new(window: &'w DayWindow) -> Self {
        Buckets {
            window,
            seen: HashMap::new(),
        }
    }

    /// The window's bucket for `interval`; `None` when outside the window.
    pub(crate) fn index(&mut self, interval: &str) -> Result<Option<usize>, ParseError> {
        if let Some(i) = self.seen.get(interval) {
            return Ok(*i);
        }
        let i = self.window.bucket_index(bucket_start(interval)?);
        self.seen.insert(interval.to_string(), i);
        Ok(i)
    }
}

/// The top-level object: `results` is walked, everything else skipped.
struct Top<'f, F> {
    fold: &'f mut F,
    error: &'f mut Option<ParseError>,
    what: &'f str,
}

impl<'de, F> DeserializeSeed<'de> for Top<'_, F>
where
    F: FnMut(Group<'de>) -> Result<(), ParseError>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F> Visitor<'de> for Top<'_, F>
where
    F: FnMut(Group<'de>) -> Result<(), ParseError>,
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
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// The `results` array: each group is folded, then dropped.
struct Results<'f, F> {
    fold: &'f mut F,
    error: &'f mut Option<ParseError>,
}

impl<'de, F> DeserializeSeed<'de> for Results<'_, F>
where
    F: FnMut(Group<'de>) -> Result<(), ParseError>,
{
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F> Visitor<'de> for Results<'_, F>
where
    F: FnMut(Group<'de>) -> Result<(), ParseError>,
{
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of result groups")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(group) = seq.next_element::<Group<'de>>()? {
            if let Err(e) = (self.fold)(group) {
                *self.error = Some(e.clone());
                return Err(A::Error::custom(e.0));
            }
        }
        Ok(())
    }
}
