//! Runs the aggregates queries of one endpoint for a range of buckets, generic over the cell
//! ([`AggregateCell`]): time slices for a large whole-floor query, userId chunks within the
//! predicate budget, and a chunk split in two when Genesys says it has too many predicates.
//! One query in flight at a time; every answer is folded as it streams in.

use std::collections::{HashMap, VecDeque};

use crate::genesys::aggregates::{self, AggregateCell, AggregationQuery, UserCells};
use crate::genesys::{ApiError, GenesysClient};
use crate::timegrid::DayWindow;

use super::scope::Scope;

/// Above this many agents, a whole-floor (everyone) query over many buckets is split into
/// time slices, so no single response body grows to tens of MB.
pub(crate) const LARGE_FLOOR_AGENTS: usize = 1000;

/// Buckets per slice for a large everyone-scope floor (a quarter of a half-hour day).
pub(crate) const SLICE_BUCKETS: usize = 12;

/// What one fetch covers: buckets `[from, to)` of `window`, for `scope`, filtered on `media`
/// (where the endpoint takes it), in slices of at most `slice` buckets when set.
#[derive(Clone, Copy)]
pub(crate) struct Range<'a> {
    pub window: &'a DayWindow,
    pub from: usize,
    pub to: usize,
    pub media: &'a [String],
    pub scope: &'a Scope,
    pub slice: Option<usize>,
}

/// Runs `C`'s queries over `range` and folds every answer into cells keyed by user (a
/// zero-filled row for every user of an explicit scope). `users_per_query` is how many userIds
/// a query may carry; a 400 naming the predicate limit halves the refused chunk, retries both
/// halves and lowers `users_per_query` for the rest of this load and the next ones. Any other
/// failure is the error.
pub(crate) async fn fetch<C: AggregateCell>(
    client: &GenesysClient,
    range: Range<'_>,
    users_per_query: &mut usize,
) -> Result<UserCells<C>, ApiError> {
    let Range {
        window,
        from,
        to,
        media,
        scope,
        slice,
    } = range;
    let mut cells: UserCells<C> = zero_rows(scope, window.len());
    for (start, end) in slices(from, to, slice) {
        let Some(users) = scope.users() else {
            if let Some(q) = AggregationQuery::new::<C>(window, start, end, media, None) {
                client.aggregates_into(&q, window, &mut cells).await?;
            }
            continue;
        };
        let mut todo: VecDeque<&[String]> = users.chunks((*users_per_query).max(1)).collect();
        while let Some(chunk) = todo.pop_front() {
            let Some(q) = AggregationQuery::new::<C>(window, start, end, media, Some(chunk)) else {
                continue;
            };
            match client.aggregates_into(&q, window, &mut cells).await {
                Ok(()) => {}
                Err(e) if chunk.len() > 1 && aggregates::is_predicate_limit(&e) => {
                    let half = chunk.len().div_ceil(2);
                    tracing::warn!(
                        endpoint = C::PATH,
                        users = chunk.len(),
                        retry_with = half,
                        error = %e,
                        "aggregates filter refused as too large; splitting the chunk"
                    );
                    *users_per_query = (*users_per_query).min(half);
                    let (a, b) = chunk.split_at(half);
                    todo.push_front(b);
                    todo.push_front(a);
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(cells)
}

/// A zero-filled row per user of an explicit scope (an agent with no activity is still a row).
fn zero_rows<T: Default + Clone>(scope: &Scope, len: usize) -> HashMap<String, Vec<T>> {
    scope
        .users()
        .into_iter()
        .flatten()
        .map(|u| (u.clone(), vec![T::default(); len]))
        .collect()
}

/// `[from, to)` cut into slices of at most `slice` buckets (one slice when `None`).
fn slices(from: usize, to: usize, slice: Option<usize>) -> impl Iterator<Item = (usize, usize)> {
    let step = slice.unwrap_or(to.saturating_sub(from)).max(1);
    (from..to)
        .step_by(step)
        .map(move |start| (start, (start + step).min(to)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoFloor, DemoTransport, fixed_clock};
    use crate::model::IntervalMetrics;
    use crate::timegrid::Granularity;
    use chrono::{NaiveDate, TimeZone, Utc};
    use std::sync::Arc;

    #[tokio::test]
    async fn sliced_fetch_equals_one_query_and_bounds_each_body() {
        let w = DayWindow::new(
            NaiveDate::from_ymd_opt(2025, 3, 10).expect("date"),
            chrono_tz::UTC,
            Granularity::Min30,
        );
        let end = Utc
            .with_ymd_and_hms(2025, 3, 11, 0, 0, 0)
            .single()
            .expect("t");
        let client = GenesysClient::new(Arc::new(DemoTransport::new(
            Arc::new(DemoFloor::builtin()),
            fixed_clock(end),
        )));
        let media = vec!["voice".to_string()];
        let range = Range {
            window: &w,
            from: 0,
            to: w.len(),
            media: &media,
            scope: &Scope::Everyone,
            slice: None,
        };
        let mut cap = 100;
        let whole = fetch::<IntervalMetrics>(&client, range, &mut cap)
            .await
            .expect("whole");
        let before = client.stats().requests;
        let sliced = fetch::<IntervalMetrics>(
            &client,
            Range {
                slice: Some(SLICE_BUCKETS),
                ..range
            },
            &mut cap,
        )
        .await
        .expect("sliced");
        assert_eq!(
            client.stats().requests - before,
            4,
            "48 buckets in slices of 12"
        );
        assert!(!whole.is_empty());
        assert_eq!(sliced, whole);
    }

    #[test]
    fn slices_cover_the_range_once() {
        let v: Vec<_> = slices(3, 30, Some(12)).collect();
        assert_eq!(v, vec![(3, 15), (15, 27), (27, 30)]);
        assert_eq!(slices(0, 48, None).collect::<Vec<_>>(), vec![(0, 48)]);
        assert_eq!(slices(5, 5, None).count(), 0);
    }
}
