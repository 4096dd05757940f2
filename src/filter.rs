//! The `/` filter language of the agents table: plain name/id search plus comparisons on the
//! figures, so a supervisor can ask "who is over 10 minutes AHT with no holds?" without leaving
//! the keyboard.
//!
//! ```text
//! aht>600 acw>=90 hold>1m occ<70 handled=0 queue:Billing name~smith
//! ```
//!
//! Terms are separated by spaces and must all hold (AND):
//!
//! - `<field><op><value>` with `op` one of `>` `>=` `<` `<=` `=` `!=`, on the figures
//!   `aht`, `acw`, `hold`, `talk` (durations: a bare number is seconds, or suffix `s` / `m`,
//!   decimals allowed: `1.5m`), `handled`, `holds` (whole counts) and `occ` (occupancy in
//!   percent, 0–100, optional `%`).
//! - `queue:NAME` (member of the queue named NAME, case-insensitively), `name:TEXT` /
//!   `id:TEXT` (equal, case-insensitively), `name~TEXT` / `id~TEXT` (case-insensitive
//!   substring).
//! - A bare word (no operator) is the plain search the table always had: a case-insensitive
//!   substring of the name or the id.
//!
//! Values (and bare words) may be quoted to hold spaces or operator characters:
//! `queue:"Billing EU"`, `"a:b"`; inside quotes `\"` is a quote and `\\` a backslash.
//!
//! The module knows nothing of the UI: rows are seen through [`Subject`].

use std::fmt;
use std::str::FromStr;

/// A figure of an agent's day that a comparison can test.
///
/// Units are what a supervisor types: seconds for durations, a count, or percent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Average handle time per handled interaction, seconds.
    Aht,
    /// Average after-call work per wrap-up, seconds.
    Acw,
    /// Average hold time per handled interaction, seconds.
    Hold,
    /// Average talk time per talk session, seconds.
    Talk,
    /// Interactions handled (count; always defined, so `handled=0` finds idle agents).
    Handled,
    /// Held sessions (count).
    Holds,
    /// Occupancy in percent, 0–100.
    Occ,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Duration,
    Count,
    Percent,
}

impl Field {
    /// Every field, in the order the help lists them.
    pub const ALL: [Field; 7] = [
        Field::Aht,
        Field::Acw,
        Field::Hold,
        Field::Talk,
        Field::Handled,
        Field::Holds,
        Field::Occ,
    ];

    /// The name typed in a filter (and printed by [`Filter`]'s `Display`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Aht => "aht",
            Field::Acw => "acw",
            Field::Hold => "hold",
            Field::Talk => "talk",
            Field::Handled => "handled",
            Field::Holds => "holds",
            Field::Occ => "occ",
        }
    }

    /// The field a (case-insensitive) name denotes, if any.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }

    fn kind(self) -> Kind {
        match self {
            Field::Aht | Field::Acw | Field::Hold | Field::Talk => Kind::Duration,
            Field::Handled | Field::Holds => Kind::Count,
            Field::Occ => Kind::Percent,
        }
    }
}

/// A comparison operator of a numeric term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Op {
    /// The operator as typed.
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }

    /// Whether `figure <op> value` holds.
    pub fn holds(self, figure: f64, value: f64) -> bool {
        match self {
            Op::Gt => figure > value,
            Op::Ge => figure >= value,
            Op::Lt => figure < value,
            Op::Le => figure <= value,
            Op::Eq => figure == value,
            Op::Ne => figure != value,
        }
    }
}

/// One space-separated term of a filter; a filter holds when all its terms do.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// `aht>600`: `value` is in the field's unit (seconds, count or percent), whatever unit was
    /// typed (`10m` is stored as `600`).
    Compare { field: Field, op: Op, value: f64 },
    /// `queue:NAME`: the agent is a member of the queue named NAME (case-insensitively).
    Queue(String),
    /// `name:TEXT`: the name equals TEXT, case-insensitively.
    NameIs(String),
    /// `name~TEXT`: the name contains TEXT, case-insensitively.
    NameContains(String),
    /// `id:TEXT`: the id equals TEXT, case-insensitively.
    IdIs(String),
    /// `id~TEXT`: the id contains TEXT, case-insensitively.
    IdContains(String),
    /// A bare word: the plain search, a case-insensitive substring of the name or the id.
    Search(String),
}

/// What a filter is evaluated against: one row of the agents table, seen without the UI.
pub trait Subject {
    /// The display name (the id when unresolved).
    fn name(&self) -> &str;
    /// The Genesys user id.
    fn id(&self) -> &str;
    /// The figure in the unit of [`Field`] (seconds, count, percent 0–100), or `None` when it
    /// is undefined for this agent (an average with a zero denominator, occupancy without
    /// on-queue time). Counts should always be `Some`.
    fn figure(&self, f: Field) -> Option<f64>;
    /// Whether the agent belongs to the queue named `queue` (as the user typed it); implementors
    /// should compare case-insensitively.
    fn in_queue(&self, queue: &str) -> bool;
}

/// A parsed filter: every term must hold (AND); the empty filter shows every agent.
///
/// Comparisons round the agent's figure to the unit the table shows (whole seconds, whole
/// percent) before comparing, so `aht=267` finds the row showing `4:27`. A comparison on a
/// figure that is undefined for the agent (AHT or hold with nothing handled, ACW with no
/// wrap-up, occupancy with no on-queue time) is **false** whatever the operator — the agent is
/// neither above nor below a figure it does not have. Counts are always defined, so
/// `handled=0` matches agents who handled nothing.
///
/// `Display` prints a canonical form that [`parse`] reads back to an equal filter, so the
/// header and the export can show exactly what is applied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    terms: Vec<Term>,
}

impl Filter {
    /// A filter of the given terms (the empty list shows everyone).
    pub fn new(terms: Vec<Term>) -> Self {
        Filter { terms }
    }

    /// The terms, in typed order.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// True when the filter narrows nothing (so the header can omit it).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether the subject passes every term.
    pub fn matches(&self, s: &impl Subject) -> bool {
        self.terms.iter().all(|t| term_matches(t, s))
    }
}

fn term_matches(t: &Term, s: &impl Subject) -> bool {
    match t {
        Term::Compare { field, op, value } => match s.figure(*field) {
            Some(x) if x.is_finite() => op.holds(x.round(), *value),
            _ => false,
        },
        Term::Queue(q) => s.in_queue(q),
        Term::NameIs(t) => s.name().to_lowercase() == t.to_lowercase(),
        Term::NameContains(t) => contains(s.name(), t),
        Term::IdIs(t) => s.id().to_lowercase() == t.to_lowercase(),
        Term::IdContains(t) => contains(s.id(), t),
        Term::Search(t) => contains(s.name(), t) || contains(s.id(), t),
    }
}

fn contains(hay: &str, needle: &str) -> bool {
    needle.is_empty() || hay.to_lowercase().contains(&needle.to_lowercase())
}

/// Why a filter did not parse, and where, so the filter bar can point at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// What is wrong, in plain words.
    pub message: String,
    /// Character (not byte) offset into the input, 0-based; `Display` shows it 1-based as a
    /// column.
    pub position: usize,
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.message, self.position + 1)
    }
}

impl std::error::Error for FilterError {}

fn err<T>(message: impl Into<String>, position: usize) -> Result<T, FilterError> {
    Err(FilterError {
        message: message.into(),
        position,
    })
}

/// One character of a token: where it was, and whether it was inside quotes (which makes
/// operator characters literal).
#[derive(Clone, Copy, Debug)]
struct Ch {
    c: char,
    pos: usize,
    quoted: bool,
}

/// Characters that make an unquoted word a term rather than a plain search.
const OP_CHARS: [char; 6] = ['<', '>', '=', '!', '~', ':'];

fn is_op_char(c: char) -> bool {
    OP_CHARS.contains(&c)
}

/// Splits on unquoted whitespace, resolving quotes and escapes.
fn tokenize(input: &str) -> Result<Vec<Vec<Ch>>, FilterError> {
    let mut tokens = Vec::new();
    let mut cur: Vec<Ch> = Vec::new();
    let mut started = false;
    let mut quote_start: Option<usize> = None;
    let mut chars = input.chars().enumerate().peekable();
    while let Some((pos, c)) = chars.next() {
        if quote_start.is_some() {
            match c {
                '"' => quote_start = None,
                '\\' => match chars.peek() {
                    Some(&(p, e @ ('"' | '\\'))) => {
                        chars.next();
                        cur.push(Ch {
                            c: e,
                            pos: p,
                            quoted: true,
                        });
                    }
                    _ => cur.push(Ch {
                        c,
                        pos,
                        quoted: true,
                    }),
                },
                _ => cur.push(Ch {
                    c,
                    pos,
                    quoted: true,
                }),
            }
        } else if c.is_whitespace() {
            if started {
                tokens.push(std::mem::take(&mut cur));
                started = false;
            }
        } else if c == '"' {
            quote_start = Some(pos);
            started = true;
        } else {
            cur.push(Ch {
                c,
                pos,
                quoted: false,
            });
            started = true;
        }
    }
    if let Some(p) = quote_start {
        return err("unterminated quote", p);
    }
    if started {
        tokens.push(cur);
    }
    Ok(tokens)
}

/// Parses a filter typed after `/`.
///
/// Errors carry the character position of the offending part; an input of only spaces is the
/// empty filter.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let len = input.chars().count();
    let terms = tokenize(input)?
        .iter()
        .map(|t| parse_term(t, len))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Filter { terms })
}

impl FromStr for Filter {
    type Err = FilterError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TextField {
    Queue,
    Name,
    Id,
}

fn parse_term(tok: &[Ch], input_len: usize) -> Result<Term, FilterError> {
    let text = |chs: &[Ch]| chs.iter().map(|c| c.c).collect::<String>();
    let Some(k) = tok.iter().position(|c| !c.quoted && is_op_char(c.c)) else {
        return Ok(Term::Search(text(tok)));
    };
    let (prefix, rest) = tok.split_at(k);
    let op_ch = rest[0];
    let Some(first) = prefix.first() else {
        return err(
            format!("expected a field name before \"{}\"", op_ch.c),
            op_ch.pos,
        );
    };
    let name = text(prefix);
    let end_of = |chs: &[Ch]| chs.last().map_or(input_len, |c| c.pos + 1);
    if prefix.iter().any(|c| c.quoted) {
        return err(format!("unknown field \"{name}\"; {FIELD_HELP}"), first.pos);
    }
    let lower = name.to_lowercase();
    let text_field = match lower.as_str() {
        "queue" => Some(TextField::Queue),
        "name" => Some(TextField::Name),
        "id" => Some(TextField::Id),
        _ => None,
    };
    if let Some(tf) = text_field {
        let contains = match op_ch.c {
            ':' => false,
            '~' if tf != TextField::Queue => true,
            _ => {
                let allowed = if tf == TextField::Queue {
                    "\":\" (the queue's name)"
                } else {
                    "\":\" (equals) or \"~\" (contains)"
                };
                return err(format!("{lower} takes {allowed}"), op_ch.pos);
            }
        };
        let value = &rest[1..];
        if value.is_empty() {
            let what = if tf == TextField::Queue {
                "a queue name"
            } else {
                "some text"
            };
            return err(
                format!("expected {what} after \"{lower}{}\"", op_ch.c),
                op_ch.pos + 1,
            );
        }
        let v = text(value);
        return Ok(match (tf, contains) {
            (TextField::Queue, _) => Term::Queue(v),
            (TextField::Name, false) => Term::NameIs(v),
            (TextField::Name, true) => Term::NameContains(v),
            (TextField::Id, false) => Term::IdIs(v),
            (TextField::Id, true) => Term::IdContains(v),
        });
    }
    let Some(field) = Field::from_name(&lower) else {
        return err(format!("unknown field \"{name}\"; {FIELD_HELP}"), first.pos);
    };
    let next = rest.get(1).filter(|c| !c.quoted).map(|c| c.c);
    let (op, op_len) = match (op_ch.c, next) {
        ('>', Some('=')) => (Op::Ge, 2),
        ('>', _) => (Op::Gt, 1),
        ('<', Some('=')) => (Op::Le, 2),
        ('<', _) => (Op::Lt, 1),
        ('=', _) => (Op::Eq, 1),
        ('!', Some('=')) => (Op::Ne, 2),
        _ => {
            return err(
                format!("{} is compared with >, >=, <, <=, = or !=", field.name()),
                op_ch.pos,
            );
        }
    };
    let value = &rest[op_len..];
    let after = format!("\"{}{}\"", field.name(), op.symbol());
    let value_pos = value
        .first()
        .map_or_else(|| end_of(&rest[..op_len]), |c| c.pos);
    let value = parse_number(field, value, value_pos, &after)?;
    Ok(Term::Compare { field, op, value })
}

const FIELD_HELP: &str =
    "fields are aht, acw, hold, talk, handled, holds, occ, queue:, name:, name~, id:, id~";

/// Reads `digits[.digits][unit]` for `field`, returning the value in the field's unit.
fn parse_number(field: Field, v: &[Ch], pos: usize, after: &str) -> Result<f64, FilterError> {
    let expected = || err(format!("expected a number after {after}"), pos);
    if v.iter().any(|c| c.quoted) {
        return expected();
    }
    let digits = |from: usize| {
        v[from..]
            .iter()
            .take_while(|c| c.c.is_ascii_digit())
            .count()
    };
    let int = digits(0);
    if int == 0 {
        return expected();
    }
    let mut end = int;
    let mut decimal = false;
    if v.get(end).is_some_and(|c| c.c == '.') {
        let frac = digits(end + 1);
        if frac == 0 {
            return err(
                format!("expected digits after \".\" in the number after {after}"),
                v.get(end + 1).map_or(v[end].pos + 1, |c| c.pos),
            );
        }
        decimal = true;
        end += 1 + frac;
    }
    let number: String = v[..end].iter().map(|c| c.c).collect();
    let unit: String = v[end..].iter().map(|c| c.c).collect();
    if unit.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
        return err(format!("malformed number after {after}"), pos);
    }
    let unit_pos = v.get(end).map_or(pos, |c| c.pos);
    let Ok(n) = number.parse::<f64>() else {
        return expected();
    };
    let value = match field.kind() {
        Kind::Duration => match unit.as_str() {
            "" | "s" | "S" => n,
            "m" | "M" => n * 60.0,
            _ => {
                return err(
                    format!("unknown unit \"{unit}\" after {after}; use s or m"),
                    unit_pos,
                );
            }
        },
        Kind::Percent => match unit.as_str() {
            "" | "%" => {
                if n > 100.0 {
                    return err("occupancy is a percentage from 0 to 100", pos);
                }
                n
            }
            _ => {
                return err(
                    format!("unknown unit \"{unit}\" after {after}; occupancy takes % or nothing"),
                    unit_pos,
                );
            }
        },
        Kind::Count => {
            if decimal {
                return err(format!("{} takes a whole number", field.name()), pos);
            }
            if !unit.is_empty() {
                return err(
                    format!("{} is a count and takes no unit", field.name()),
                    unit_pos,
                );
            }
            n
        }
    };
    if !value.is_finite() {
        return err(format!("number too large after {after}"), pos);
    }
    Ok(value)
}

/// Writes `s` as a value, quoting it when it could not be read back bare.
fn write_text(f: &mut fmt::Formatter<'_>, s: &str, bare_word: bool) -> fmt::Result {
    let needs_quotes = s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c == '"' || c == '\\' || (bare_word && is_op_char(c)));
    if !needs_quotes {
        return f.write_str(s);
    }
    f.write_str("\"")?;
    for c in s.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

/// Largest integer `f64` below which every integer is exact, so `n / 60` is exact too.
const EXACT_INT: f64 = 9_007_199_254_740_992.0;

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (prefix, text) = match self {
            Term::Compare { field, op, value } => {
                write!(f, "{}{}", field.name(), op.symbol())?;
                // `-0.0` (only reachable through `Filter::new`) prints as `0`, which is equal.
                let v = if *value == 0.0 { 0.0 } else { *value };
                return match field.kind() {
                    Kind::Duration if (60.0..EXACT_INT).contains(&v) && v % 60.0 == 0.0 => {
                        write!(f, "{}m", v / 60.0)
                    }
                    Kind::Duration => write!(f, "{v}s"),
                    Kind::Percent => write!(f, "{v}%"),
                    Kind::Count => write!(f, "{v}"),
                };
            }
            Term::Queue(t) => ("queue:", t),
            Term::NameIs(t) => ("name:", t),
            Term::NameContains(t) => ("name~", t),
            Term::IdIs(t) => ("id:", t),
            Term::IdContains(t) => ("id~", t),
            Term::Search(t) => return write_text(f, t, true),
        };
        f.write_str(prefix)?;
        write_text(f, text, false)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Agent {
        name: &'static str,
        id: &'static str,
        queues: Vec<&'static str>,
        figures: Vec<(Field, f64)>,
    }

    impl Subject for Agent {
        fn name(&self) -> &str {
            self.name
        }
        fn id(&self) -> &str {
            self.id
        }
        fn figure(&self, f: Field) -> Option<f64> {
            self.figures.iter().find(|(g, _)| *g == f).map(|(_, v)| *v)
        }
        fn in_queue(&self, queue: &str) -> bool {
            self.queues.iter().any(|q| q.eq_ignore_ascii_case(queue))
        }
    }

    fn ann() -> Agent {
        Agent {
            name: "Ann Smith",
            id: "u-0001-abc",
            queues: vec!["Billing", "Billing EU"],
            figures: vec![
                (Field::Aht, 620.0),
                (Field::Acw, 90.0),
                (Field::Hold, 45.4),
                (Field::Talk, 480.0),
                (Field::Handled, 12.0),
                (Field::Holds, 3.0),
                (Field::Occ, 82.0),
            ],
        }
    }

    fn idle() -> Agent {
        Agent {
            name: "Bob Jones",
            id: "u-0002-def",
            queues: vec!["Sales"],
            figures: vec![(Field::Handled, 0.0), (Field::Holds, 0.0)],
        }
    }

    fn ok(s: &str) -> Filter {
        match parse(s) {
            Ok(f) => f,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    fn m(s: &str, a: &Agent) -> bool {
        ok(s).matches(a)
    }

    fn error(s: &str) -> FilterError {
        match parse(s) {
            Ok(f) => panic!("{s:?} should not parse, got {f:?}"),
            Err(e) => e,
        }
    }

    fn cmp(field: Field, op: Op, value: f64) -> Filter {
        Filter::new(vec![Term::Compare { field, op, value }])
    }

    #[test]
    fn every_operator() {
        let a = ann();
        assert!(m("aht>619", &a) && !m("aht>620", &a));
        assert!(m("aht>=620", &a) && !m("aht>=621", &a));
        assert!(m("aht<621", &a) && !m("aht<620", &a));
        assert!(m("aht<=620", &a) && !m("aht<=619", &a));
        assert!(m("aht=620", &a) && !m("aht=619", &a));
        assert!(m("aht!=619", &a) && !m("aht!=620", &a));
        assert_eq!(ok("aht>=5"), cmp(Field::Aht, Op::Ge, 5.0));
        assert_eq!(ok("aht<=5"), cmp(Field::Aht, Op::Le, 5.0));
        assert_eq!(ok("aht!=5"), cmp(Field::Aht, Op::Ne, 5.0));
    }

    #[test]
    fn every_field() {
        let a = ann();
        assert!(m("aht>10m", &a));
        assert!(m("acw=90", &a));
        assert!(m("hold=45", &a), "figures round to whole seconds");
        assert!(m("talk=8m", &a));
        assert!(m("handled>=12", &a));
        assert!(m("holds=3", &a));
        assert!(m("occ>80", &a) && m("occ<83%", &a));
        assert!(m("queue:billing", &a) && m("queue:BILLING", &a));
        assert!(!m("queue:Sales", &a));
        assert!(m("name~smith", &a) && m("name~ANN", &a));
        assert!(!m("name~jones", &a));
        assert!(m("name:\"ANN SMITH\"", &a) && !m("name:ann", &a));
        assert!(m("id:U-0001-ABC", &a) && !m("id:u-0001", &a));
        assert!(m("id~0001", &a) && !m("id~0002", &a));
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
            assert_eq!(Field::from_name(&field.name().to_uppercase()), Some(field));
        }
        assert_eq!(ok("AHT>5"), cmp(Field::Aht, Op::Gt, 5.0));
    }

    #[test]
    fn terms_are_anded() {
        let a = ann();
        assert!(m(
            "aht>600 acw>=90 hold>40 occ<90 queue:Billing name~smith",
            &a
        ));
        assert!(!m("aht>600 acw>=91", &a));
        assert!(ok("").matches(&a) && ok("   ").is_empty());
    }

    #[test]
    fn units() {
        assert_eq!(ok("aht>90"), cmp(Field::Aht, Op::Gt, 90.0));
        assert_eq!(ok("aht>90s"), cmp(Field::Aht, Op::Gt, 90.0));
        assert_eq!(ok("aht>1m"), cmp(Field::Aht, Op::Gt, 60.0));
        assert_eq!(ok("aht>1.5m"), cmp(Field::Aht, Op::Gt, 90.0));
        assert_eq!(ok("hold>2.5s"), cmp(Field::Hold, Op::Gt, 2.5));
        assert_eq!(ok("acw>1M"), cmp(Field::Acw, Op::Gt, 60.0));
        assert_eq!(ok("occ<70"), cmp(Field::Occ, Op::Lt, 70.0));
        assert_eq!(ok("occ<70%"), cmp(Field::Occ, Op::Lt, 70.0));
        assert_eq!(ok("occ<=72.5%"), cmp(Field::Occ, Op::Le, 72.5));
        assert_eq!(ok("handled=0"), cmp(Field::Handled, Op::Eq, 0.0));
    }

    #[test]
    fn undefined_figures_are_false_but_counts_are_defined() {
        let b = idle();
        for s in ["aht>0", "aht<1000", "aht!=5", "occ<100", "acw=0", "hold>=0"] {
            assert!(!m(s, &b), "{s}");
        }
        assert!(m("handled=0", &b) && m("holds<1", &b));
        assert!(!m("handled=0", &ann()));
    }

    #[test]
    fn plain_search_is_unchanged() {
        let (a, b) = (ann(), idle());
        assert!(m("smith", &a) && !m("smith", &b));
        assert!(m("SMI", &a));
        assert!(m("0002", &b), "ids are searched too");
        assert!(m("ann smith", &a), "several words are ANDed");
        assert!(!m("ann jones", &a));
        assert_eq!(ok("aht"), Filter::new(vec![Term::Search("aht".into())]));
        assert_eq!(
            ok("\"ann smith\""),
            Filter::new(vec![Term::Search("ann smith".into())])
        );
        assert!(m("\"ann smith\"", &a) && !m("\"ann  smith\"", &a));
    }

    #[test]
    fn quoting() {
        assert_eq!(
            ok("queue:\"Billing EU\""),
            Filter::new(vec![Term::Queue("Billing EU".into())])
        );
        assert!(m("queue:\"billing eu\"", &ann()));
        assert_eq!(
            ok(r#"name~"say \"hi\" \\o/""#),
            Filter::new(vec![Term::NameContains(r#"say "hi" \o/"#.into())])
        );
        assert_eq!(ok("\"a:b\""), Filter::new(vec![Term::Search("a:b".into())]));
        assert_eq!(
            ok("name~a:b"),
            Filter::new(vec![Term::NameContains("a:b".into())])
        );
    }

    #[test]
    fn error_positions() {
        let e = error("aht>");
        assert_eq!(e.position, 4);
        assert_eq!(
            e.to_string(),
            "expected a number after \"aht>\" at column 5"
        );

        let e = error("handled=0 ahtt>5");
        assert_eq!(e.position, 10);
        assert!(e.message.starts_with("unknown field \"ahtt\""), "{e}");

        let e = error("aht>= acw>1");
        assert_eq!(
            (e.position, e.message.as_str()),
            (5, "expected a number after \"aht>=\"")
        );

        let e = error("hold>5h");
        assert_eq!(e.position, 6);
        assert!(e.message.contains("unknown unit \"h\""), "{e}");

        let e = error("aht>abc");
        assert_eq!(e.position, 4);
        let e = error("aht>-5");
        assert_eq!(e.position, 4);
        let e = error("aht>1.m");
        assert_eq!(e.position, 6);
        let e = error("aht>1.2.3");
        assert_eq!(e.position, 4);
        assert!(e.message.contains("malformed"), "{e}");

        let e = error("x queue:\"Billing");
        assert_eq!((e.position, e.message.as_str()), (8, "unterminated quote"));

        let e = error(">5");
        assert_eq!(e.position, 0);
        assert!(e.message.contains("field name"), "{e}");
        let e = error("aht!5");
        assert_eq!(e.position, 3);
        let e = error("aht:5");
        assert_eq!(e.position, 3);
        let e = error("aht~5");
        assert_eq!(e.position, 3);
        let e = error("queue~Bill");
        assert_eq!(e.position, 5);
        let e = error("queue:");
        assert_eq!(e.position, 6);
        let e = error("name~");
        assert_eq!(e.position, 5);

        let e = error("handled>1.5");
        assert!(e.message.contains("whole number"), "{e}");
        let e = error("holds>2s");
        assert_eq!(e.position, 7);
        let e = error("occ>101");
        assert_eq!(e.position, 4);
        let e = error("occ>5s");
        assert_eq!(e.position, 5);
        let e = error("aht>\"5\"");
        assert_eq!(e.position, 5, "numbers are never quoted");
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let e = error("émile aht>x");
        assert_eq!(e.position, 10);
        let e = error("ünknown>5");
        assert_eq!(e.position, 0);
    }

    #[test]
    fn huge_numbers_are_rejected_not_infinite() {
        let big = format!("aht>{}m", "9".repeat(400));
        assert!(parse(&big).is_err());
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        let f =
            ok("AHT>600 acw>=1.5m hold>45.5 occ<70 handled=0 queue:\"Billing EU\" name~smith ann");
        assert_eq!(
            f.to_string(),
            "aht>10m acw>=90s hold>45.5s occ<70% handled=0 queue:\"Billing EU\" name~smith ann"
        );
        assert_eq!(parse(&f.to_string()), Ok(f));
        let g = Filter::new(vec![
            Term::Search("a:b".into()),
            Term::Search(String::new()),
            Term::IdIs("x\"y\\".into()),
        ]);
        assert_eq!(g.to_string(), r#""a:b" "" id:"x\"y\\""#);
        assert_eq!(parse(&g.to_string()), Ok(g));
        assert_eq!(Filter::default().to_string(), "");
    }
}
