//! Property tests of the `/` filter language: the parser must survive anything a supervisor
//! (or a paste) can type, and the canonical form shown in the header must parse back to the
//! very filter that is applied.

use floorwatch::figures::{Figure, Unit};
use floorwatch::filter::{Filter, Op, Term, parse};
use proptest::prelude::*;

/// The figures a filter compares with numbers (the state is a text term).
fn figure() -> impl Strategy<Value = Figure> {
    let compared: Vec<Figure> = Figure::ALL
        .into_iter()
        .filter(|f| f.spec().filter != floorwatch::figures::FilterName::Text)
        .collect();
    prop::sample::select(compared)
}

fn op() -> impl Strategy<Value = Op> {
    prop::sample::select(vec![Op::Gt, Op::Ge, Op::Lt, Op::Le, Op::Eq, Op::Ne])
}

/// Finite non-negative seconds, from whole minutes to tiny fractions and huge values.
fn seconds() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0u32..10_000).prop_map(f64::from),
        (0u32..1_000).prop_map(|m| f64::from(m) * 60.0),
        (0u32..100_000).prop_map(|n| f64::from(n) / 100.0),
        (0.0f64..1e12),
        any::<f64>().prop_filter_map("finite, non-negative", |v| {
            (v.is_finite() && v >= 0.0).then_some(v)
        }),
    ]
}

fn value_for(f: Figure) -> BoxedStrategy<f64> {
    match f.spec().unit {
        Unit::Count => prop_oneof![
            (0u32..50).prop_map(f64::from),
            any::<u32>().prop_map(f64::from),
        ]
        .boxed(),
        Unit::Fraction => prop_oneof![(0u32..=100).prop_map(f64::from), 0.0f64..=100.0].boxed(),
        Unit::Duration => seconds().boxed(),
    }
}

/// Text with the characters that need quoting or escaping, plus any unicode.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 _.-]{1,12}",
        "[a-z\"\\\\:~<>=! \t%é]{1,10}",
        any::<String>().prop_filter("non-empty", |s| !s.is_empty()),
    ]
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![
        4 => base_term(),
        1 => base_term().prop_map(|t| Term::Not(Box::new(t))),
    ]
}

fn base_term() -> impl Strategy<Value = Term> {
    prop_oneof![
        figure().prop_flat_map(|f| (Just(f), op(), value_for(f))
            .prop_map(|(figure, op, value)| { Term::Compare { figure, op, value } })),
        text().prop_map(Term::Queue),
        text().prop_map(Term::NameIs),
        text().prop_map(Term::NameContains),
        text().prop_map(Term::IdIs),
        text().prop_map(Term::IdContains),
        prop_oneof![text(), Just(String::new())].prop_map(Term::Search),
        prop::sample::select(floorwatch::live::Activity::keys())
            .prop_map(|k| Term::State(k.to_string())),
    ]
}

/// Alternatives (`|`) of AND-ed terms, negations among them.
fn filter() -> impl Strategy<Value = Filter> {
    prop::collection::vec(prop::collection::vec(term(), 1..5), 0..4).prop_map(Filter::any)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_any_string(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn parse_never_panics_on_filter_like_text(
        s in "[a-z<>=!~:/|\"\\\\ %.0-9smh\u{e9}\u{1F600}\u{3000}]{0,40}"
    ) {
        if let Err(e) = parse(&s) {
            prop_assert!(e.position <= s.chars().count(), "{e} in {s:?}");
        }
    }

    #[test]
    fn canonical_form_round_trips(f in filter()) {
        let shown = f.to_string();
        prop_assert_eq!(parse(&shown), Ok(f), "shown as {:?}", shown);
    }

    #[test]
    fn canonical_form_is_a_fixed_point(f in filter()) {
        let once = f.to_string();
        let again = parse(&once).map(|g| g.to_string());
        prop_assert_eq!(again, Ok(once));
    }
}
