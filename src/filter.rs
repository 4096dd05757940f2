//! The `/` filter language of the agents table: plain name/id search plus comparisons on the
//! figures, so a supervisor can ask "who is over 10 minutes AHT with no holds?" without leaving
//! the keyboard.
//!
//! ```text
//! aht>6:00 acw/c>=90 hold/c>1m occ<70 handled=0 queue:Billing name~smith
//! ```
//!
//! Terms are separated by spaces and must all hold (AND):
//!
//! - `<figure><op><value>` with `op` one of `>` `>=` `<` `<=` `=` `!=`. A figure is named by
//!   its column title ([`crate::figures::FIGURES`]: `aht`, `acw`, `acw/c`, `hold/c`, `occ`, …),
//!   so a term compares exactly the figure the column shows. Durations: a bare number is
//!   seconds, or suffix `s` / `m` / `h` (decimals allowed: `1.5m`), or a clock `M:SS` /
//!   `H:MM:SS` as the table shows it (`6:00`); counts are whole numbers; occupancy is a
//!   percentage 0–100 with an optional `%`.
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

use crate::figures::{FIGURES, Figure, Unit};

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
    pub(crate) fn symbol(self) -> &'static str {
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
    pub(crate) fn holds(self, figure: f64, value: f64) -> bool {
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
    /// `aht>600`: `value` is in the figure's filter unit (seconds, count or percent), whatever
    /// unit was typed (`10m` and `10:00` are stored as `600`).
    Compare { figure: Figure, op: Op, value: f64 },
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
    /// `state=KEY`: what the agent is doing now, by its key (`acw`, `not_responding`,
    /// `break`); `state!=KEY` is its negation.
    State(String),
    /// `!TERM`: the term does not hold (`!queue:Billing`, `!name~smith`, `!smith`).
    Not(Box<Term>),
}

/// What a filter is evaluated against: one row of the agents table, seen without the UI.
pub(crate) trait Subject {
    /// The display name (the id when unresolved).
    fn name(&self) -> &str;
    /// The Genesys user id.
    fn id(&self) -> &str;
    /// The figure in its filter unit ([`Unit::to_filter`]: seconds, count, percent 0–100),
    /// or `None` when it is undefined for this agent (an average with a zero denominator,
    /// occupancy without on-queue time). Counts should always be `Some`.
    fn figure(&self, f: Figure) -> Option<f64>;
    /// Whether the agent belongs to the queue named `queue` (as the user typed it); implementors
    /// should compare case-insensitively.
    fn in_queue(&self, queue: &str) -> bool;
    /// The key of what the agent is doing now (`acw`), when the live floor knows.
    fn state(&self) -> Option<&'static str> {
        None
    }
}

/// A parsed filter: alternatives separated by `|`, each a list of terms that must all hold
/// (AND binds tighter than OR: `a b | c` is `(a and b) or c`); the empty filter shows every
/// agent. Names and ids compare case- and accent-insensitively both ways (`chloe` finds
/// Chloé, `müller` finds Muller).
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
    /// OR of ANDs; no alternative at all is the empty filter.
    any: Vec<Vec<Term>>,
}

impl Filter {
    /// A filter whose terms must all hold (the empty list shows everyone).
    pub fn new(terms: Vec<Term>) -> Self {
        Filter::any(vec![terms])
    }

    /// A filter that holds when any of `alternatives` does (each a list of terms that must all
    /// hold); empty alternatives are dropped.
    pub fn any(alternatives: Vec<Vec<Term>>) -> Self {
        Filter {
            any: alternatives.into_iter().filter(|a| !a.is_empty()).collect(),
        }
    }

    /// Every term of every alternative, in typed order (negations included as typed).
    pub(crate) fn terms(&self) -> impl Iterator<Item = &Term> {
        self.any.iter().flatten()
    }

    /// The queue names the filter mentions, negated or not (their members must be known).
    pub(crate) fn queues(&self) -> Vec<&str> {
        fn queue(t: &Term) -> Option<&str> {
            match t {
                Term::Queue(q) => Some(q),
                Term::Not(t) => queue(t),
                _ => None,
            }
        }
        self.terms().filter_map(queue).collect()
    }

    /// Whether a term reads the live floor (`state=`, `for>`): the rows it picks change as
    /// states change and the clock runs.
    pub(crate) fn reads_live(&self) -> bool {
        fn live(t: &Term) -> bool {
            match t {
                Term::State(_) => true,
                Term::Compare { figure, .. } => figure.is_live(),
                Term::Not(t) => live(t),
                _ => false,
            }
        }
        self.terms().any(live)
    }

    /// True when the filter narrows nothing (so the header can omit it).
    pub(crate) fn is_empty(&self) -> bool {
        self.any.is_empty()
    }

    /// Whether the subject passes every term of some alternative.
    pub(crate) fn matches(&self, s: &impl Subject) -> bool {
        self.any.is_empty()
            || self
                .any
                .iter()
                .any(|all| all.iter().all(|t| term_matches(t, s)))
    }
}

fn term_matches(t: &Term, s: &impl Subject) -> bool {
    match t {
        Term::Compare { figure, op, value } => match s.figure(*figure) {
            Some(x) if x.is_finite() => op.holds(x.round(), *value),
            _ => false,
        },
        Term::Queue(q) => s.in_queue(q),
        Term::NameIs(t) => fold(s.name()) == fold(t),
        Term::NameContains(t) => contains(s.name(), t),
        Term::IdIs(t) => fold(s.id()) == fold(t),
        Term::IdContains(t) => contains(s.id(), t),
        Term::Search(t) => contains(s.name(), t) || contains(s.id(), t),
        Term::State(k) => s.state() == Some(k.as_str()),
        Term::Not(t) => !term_matches(t, s),
    }
}

fn contains(hay: &str, needle: &str) -> bool {
    needle.is_empty() || fold(hay).contains(&fold(needle))
}

/// Case- and accent-folded text: `Chloé Müller` → `chloe muller` (decomposed, marks dropped,
/// lower-cased), so a supervisor typing without accents finds names written with them.
pub(crate) fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
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

/// A token: a word (a term), or an unquoted `|` between alternatives.
enum Tok {
    /// The characters, and whether any part was quoted (`""` is a word: the empty text).
    Word(Vec<Ch>, bool),
    Bar(usize),
}

/// Splits on unquoted whitespace and `|`, resolving quotes and escapes.
fn tokenize(input: &str) -> Result<Vec<Tok>, FilterError> {
    let mut tokens = Vec::new();
    let mut cur: Vec<Ch> = Vec::new();
    let mut started = false;
    let mut had_quote = false;
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
        } else if c.is_whitespace() || c == '|' {
            if started {
                tokens.push(Tok::Word(std::mem::take(&mut cur), had_quote));
                started = false;
                had_quote = false;
            }
            if c == '|' {
                tokens.push(Tok::Bar(pos));
            }
        } else if c == '"' {
            quote_start = Some(pos);
            started = true;
            had_quote = true;
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
        tokens.push(Tok::Word(cur, had_quote));
    }
    Ok(tokens)
}

/// Parses a filter typed after `/`.
///
/// Errors carry the character position of the offending part; an input of only spaces is the
/// empty filter.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    let len = input.chars().count();
    let mut any: Vec<Vec<Term>> = vec![Vec::new()];
    let mut last_bar: Option<usize> = None;
    for tok in tokenize(input)? {
        match tok {
            Tok::Word(w, quoted) => {
                let term = parse_negated(&w, quoted, len)?;
                if let Some(all) = any.last_mut() {
                    all.push(term);
                }
            }
            Tok::Bar(pos) => {
                if any.last().is_none_or(Vec::is_empty) {
                    return err("expected a term before \"|\"", pos);
                }
                any.push(Vec::new());
                last_bar = Some(pos);
            }
        }
    }
    if let (Some(pos), Some(true)) = (last_bar, any.last().map(Vec::is_empty)) {
        return err("expected a term after \"|\"", pos + 1);
    }
    Ok(Filter::any(any))
}

/// A term, or `!term` (it does not hold).
fn parse_negated(tok: &[Ch], quoted: bool, input_len: usize) -> Result<Term, FilterError> {
    match tok.split_first() {
        Some((bang, rest)) if bang.c == '!' && !bang.quoted => {
            if rest.is_empty() && !quoted {
                return err("expected a term after \"!\"", bang.pos + 1);
            }
            if rest.first().is_some_and(|c| c.c == '!' && !c.quoted) {
                return err("one \"!\" negates a term; \"!!\" is not needed", bang.pos);
            }
            Ok(Term::Not(Box::new(parse_term(rest, input_len)?)))
        }
        _ => parse_term(tok, input_len),
    }
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

/// The text fields: name, what they are, and how they are written (for errors and Tab).
const TEXT_FIELDS: &[(&str, TextField, &[&str])] = &[
    ("queue", TextField::Queue, &["queue:"]),
    ("name", TextField::Name, &["name:", "name~"]),
    ("id", TextField::Id, &["id:", "id~"]),
];

/// The live state's field (`state=acw`, `state!=offline`).
const STATE_FIELD: &str = "state";

/// `state=KEY` / `state:KEY` / `state!=KEY`, the key one of [`crate::live::Activity::keys`].
fn parse_state(rest: &[Ch], op_ch: Ch, input_len: usize) -> Result<Term, FilterError> {
    let next = rest.get(1).filter(|c| !c.quoted).map(|c| c.c);
    let (negated, op_len) = match (op_ch.c, next) {
        (':' | '=', _) => (false, 1),
        ('!', Some('=')) => (true, 2),
        _ => {
            return err(
                "state takes \"=\" (or \":\") and \"!=\"".to_string(),
                op_ch.pos,
            );
        }
    };
    let keys = crate::live::Activity::keys();
    let value: String = rest[op_len..].iter().map(|c| c.c).collect();
    let at = rest.get(op_len).map_or(input_len, |c| c.pos);
    let key = value.trim().to_lowercase().replace([' ', '-'], "_");
    if !keys.contains(&key.as_str()) {
        let what = if value.is_empty() {
            "expected a state".to_string()
        } else {
            format!("unknown state \"{value}\"")
        };
        return err(format!("{what}: one of {}", keys.join(", ")), at);
    }
    let term = Term::State(key);
    Ok(if negated {
        Term::Not(Box::new(term))
    } else {
        term
    })
}

/// Every field as it starts a term (`aht`, `acw/c`, `queue:`, `name~`, …): what Tab in the
/// prompt completes and what an unknown field's error lists.
pub(crate) fn field_names() -> Vec<String> {
    FIGURES
        .iter()
        .filter(|s| s.figure.is_compared())
        .map(|s| s.figure.filter_name())
        .chain(
            TEXT_FIELDS
                .iter()
                .flat_map(|(_, _, forms)| forms.iter().map(|f| f.to_string())),
        )
        .chain([format!("{STATE_FIELD}="), format!("{STATE_FIELD}!=")])
        .collect()
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
        return err(
            format!("unknown field \"{name}\"; {}", field_help()),
            first.pos,
        );
    }
    let lower = name.to_lowercase();
    if lower == STATE_FIELD {
        return parse_state(rest, op_ch, input_len);
    }
    let text_field = TEXT_FIELDS
        .iter()
        .find(|(n, _, _)| *n == lower)
        .map(|(_, f, _)| *f);
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
    let Some(figure) = Figure::from_filter_name(&lower) else {
        return err(
            format!("unknown field \"{name}\"; {}", field_help()),
            first.pos,
        );
    };
    let fname = figure.filter_name();
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
                format!("{fname} is compared with >, >=, <, <=, = or !="),
                op_ch.pos,
            );
        }
    };
    let value = &rest[op_len..];
    let after = format!("\"{fname}{}\"", op.symbol());
    let value_pos = value
        .first()
        .map_or_else(|| end_of(&rest[..op_len]), |c| c.pos);
    let value = parse_number(figure, value, value_pos, &after)?;
    Ok(Term::Compare { figure, op, value })
}

/// What the filter accepts, for the unknown-field error: every figure's name, then the text
/// fields.
fn field_help() -> String {
    format!("fields are {}", field_names().join(", "))
}

/// Reads a number for `figure` and returns it in the figure's filter unit: `digits[.digits]`
/// with an optional unit (`s`, `m`, `h` for durations, `%` for percentages), or a clock
/// `M:SS` / `H:MM:SS` (the format the table shows) for durations.
fn parse_number(figure: Figure, v: &[Ch], pos: usize, after: &str) -> Result<f64, FilterError> {
    let expected = || err(format!("expected a number after {after}"), pos);
    if v.iter().any(|c| c.quoted) {
        return expected();
    }
    let name = figure.filter_name();
    let unit_kind = figure.spec().unit;
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
    if v.get(int).is_some_and(|c| c.c == ':') {
        if unit_kind != Unit::Duration {
            return err(
                format!("{name} is not a duration; write a plain number"),
                v[int].pos,
            );
        }
        return parse_clock(v, after);
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
    if unit.starts_with(|c: char| c == '.' || c == ':' || c.is_ascii_digit()) {
        return err(format!("malformed number after {after}"), pos);
    }
    let unit_pos = v.get(end).map_or(pos, |c| c.pos);
    let Ok(n) = number.parse::<f64>() else {
        return expected();
    };
    let value = match unit_kind {
        Unit::Duration => match unit.as_str() {
            "" | "s" | "S" => n,
            "m" | "M" => n * 60.0,
            "h" | "H" => n * 3600.0,
            _ => {
                return err(
                    format!("unknown unit \"{unit}\" after {after}; use s, m, h or M:SS"),
                    unit_pos,
                );
            }
        },
        Unit::Fraction => match unit.as_str() {
            "" | "%" => {
                if n > 100.0 {
                    return err(format!("{name} is a percentage from 0 to 100"), pos);
                }
                n
            }
            _ => {
                return err(
                    format!("unknown unit \"{unit}\" after {after}; {name} takes % or nothing"),
                    unit_pos,
                );
            }
        },
        Unit::Count => {
            if decimal {
                return err(format!("{name} takes a whole number"), pos);
            }
            if !unit.is_empty() {
                return err(format!("{name} is a count and takes no unit"), unit_pos);
            }
            n
        }
    };
    if !value.is_finite() {
        return err(format!("number too large after {after}"), pos);
    }
    Ok(value)
}

/// `M:SS` or `H:MM:SS` in seconds: every group after the first is two digits under 60.
fn parse_clock(v: &[Ch], after: &str) -> Result<f64, FilterError> {
    let mut groups: Vec<(String, usize)> = vec![(String::new(), v[0].pos)];
    for c in v {
        match c.c {
            ':' => groups.push((String::new(), c.pos + 1)),
            d if d.is_ascii_digit() => {
                if let Some(g) = groups.last_mut() {
                    g.0.push(d);
                }
            }
            _ => {
                return err(
                    format!("malformed time after {after}; write M:SS or H:MM:SS"),
                    c.pos,
                );
            }
        }
    }
    if groups.len() > 3 {
        return err(
            format!("malformed time after {after}; write M:SS or H:MM:SS"),
            groups[3].1,
        );
    }
    let mut secs = 0.0;
    for (i, (g, at)) in groups.iter().enumerate() {
        let Ok(n) = g.parse::<f64>() else {
            return err(format!("expected digits in the time after {after}"), *at);
        };
        if i > 0 && (g.len() != 2 || n >= 60.0) {
            return err(
                format!("expected two digits under 60 in the time after {after}"),
                *at,
            );
        }
        secs = secs * 60.0 + n;
    }
    if !secs.is_finite() {
        return err(format!("number too large after {after}"), v[0].pos);
    }
    Ok(secs)
}

/// Writes `s` as a value, quoting it when it could not be read back bare.
fn write_text(f: &mut fmt::Formatter<'_>, s: &str, bare_word: bool) -> fmt::Result {
    let needs_quotes = s.is_empty()
        || (bare_word && s.starts_with('!'))
        || s.chars().any(|c| {
            c.is_whitespace() || c == '"' || c == '\\' || c == '|' || (bare_word && is_op_char(c))
        });
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
            Term::Compare { figure, op, value } => {
                write!(f, "{}{}", figure.filter_name(), op.symbol())?;
                // `-0.0` (only reachable through `Filter::new`) prints as `0`, which is equal.
                let v = if *value == 0.0 { 0.0 } else { *value };
                return match figure.spec().unit {
                    Unit::Duration if (60.0..EXACT_INT).contains(&v) && v % 60.0 == 0.0 => {
                        write!(f, "{}m", v / 60.0)
                    }
                    Unit::Duration => write!(f, "{v}s"),
                    Unit::Fraction => write!(f, "{v}%"),
                    Unit::Count => write!(f, "{v}"),
                };
            }
            Term::Queue(t) => ("queue:", t),
            Term::NameIs(t) => ("name:", t),
            Term::NameContains(t) => ("name~", t),
            Term::IdIs(t) => ("id:", t),
            Term::IdContains(t) => ("id~", t),
            Term::Search(t) => return write_text(f, t, true),
            Term::State(k) => return write!(f, "state={k}"),
            Term::Not(t) => return write!(f, "!{t}"),
        };
        f.write_str(prefix)?;
        write_text(f, text, false)
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (g, all) in self.any.iter().enumerate() {
            if g > 0 {
                f.write_str(" | ")?;
            }
            for (i, t) in all.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{t}")?;
            }
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
        figures: Vec<(Figure, f64)>,
    }

    impl Subject for Agent {
        fn name(&self) -> &str {
            self.name
        }
        fn id(&self) -> &str {
            self.id
        }
        fn figure(&self, f: Figure) -> Option<f64> {
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
                (Figure::Aht, 620.0),
                (Figure::AcwPerCall, 90.0),
                (Figure::HoldPerCall, 45.4),
                (Figure::Talk, 480.0),
                (Figure::Handled, 12.0),
                (Figure::Holds, 3.0),
                (Figure::Occupancy, 82.0),
            ],
        }
    }

    fn idle() -> Agent {
        Agent {
            name: "Bob Jones",
            id: "u-0002-def",
            queues: vec!["Sales"],
            figures: vec![(Figure::Handled, 0.0), (Figure::Holds, 0.0)],
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

    fn cmp(figure: Figure, op: Op, value: f64) -> Filter {
        Filter::new(vec![Term::Compare { figure, op, value }])
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
        assert_eq!(ok("aht>=5"), cmp(Figure::Aht, Op::Ge, 5.0));
        assert_eq!(ok("aht<=5"), cmp(Figure::Aht, Op::Le, 5.0));
        assert_eq!(ok("aht!=5"), cmp(Figure::Aht, Op::Ne, 5.0));
    }

    #[test]
    fn every_field() {
        let a = ann();
        assert!(m("aht>10m", &a));
        assert!(m("acw/c=90", &a));
        assert!(m("hold/c=45", &a), "figures round to whole seconds");
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
        for f in Figure::ALL.into_iter().filter(|f| f.is_compared()) {
            assert_eq!(Figure::from_filter_name(&f.filter_name()), Some(f));
            assert_eq!(
                Figure::from_filter_name(&f.filter_name().to_uppercase()),
                Some(f)
            );
        }
        assert_eq!(ok("AHT>5"), cmp(Figure::Aht, Op::Gt, 5.0));
        assert_eq!(ok("for>30s"), cmp(Figure::InState, Op::Gt, 30.0));
    }

    #[test]
    fn terms_are_anded() {
        let a = ann();
        assert!(m(
            "aht>600 acw/c>=90 hold/c>40 occ<90 queue:Billing name~smith",
            &a
        ));
        assert!(!m("aht>600 acw/c>=91", &a));
        assert!(ok("").matches(&a) && ok("   ").is_empty());
    }

    #[test]
    fn units() {
        assert_eq!(ok("aht>90"), cmp(Figure::Aht, Op::Gt, 90.0));
        assert_eq!(ok("aht>90s"), cmp(Figure::Aht, Op::Gt, 90.0));
        assert_eq!(ok("aht>1m"), cmp(Figure::Aht, Op::Gt, 60.0));
        assert_eq!(ok("aht>1.5m"), cmp(Figure::Aht, Op::Gt, 90.0));
        assert_eq!(ok("hold/c>2.5s"), cmp(Figure::HoldPerCall, Op::Gt, 2.5));
        assert_eq!(ok("acw/c>1M"), cmp(Figure::AcwPerCall, Op::Gt, 60.0));
        assert_eq!(ok("occ<70"), cmp(Figure::Occupancy, Op::Lt, 70.0));
        assert_eq!(ok("occ<70%"), cmp(Figure::Occupancy, Op::Lt, 70.0));
        assert_eq!(ok("occ<=72.5%"), cmp(Figure::Occupancy, Op::Le, 72.5));
        assert_eq!(ok("handled=0"), cmp(Figure::Handled, Op::Eq, 0.0));
    }

    #[test]
    fn undefined_figures_are_false_but_counts_are_defined() {
        let b = idle();
        for s in [
            "aht>0",
            "aht<1000",
            "aht!=5",
            "occ<100",
            "acw/c=0",
            "hold/c>=0",
        ] {
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

        let e = error("aht>= acw/c>1");
        assert_eq!(
            (e.position, e.message.as_str()),
            (5, "expected a number after \"aht>=\"")
        );

        let e = error("hold/c>5x");
        assert_eq!(e.position, 8);
        assert!(e.message.contains("unknown unit \"x\""), "{e}");

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
    fn alternatives_negation_and_accents() {
        let (a, b) = (ann(), idle());
        assert!(m("aht>10m | handled=0", &a) && m("aht>10m | handled=0", &b));
        assert!(m("aht>10m|handled=0", &b), "bars need no spaces");
        assert!(!m("aht>11m | handled>20", &a));
        // AND binds tighter than OR.
        assert!(m("name~jones handled>5 | queue:Billing", &a));
        assert!(!m("name~jones | queue:Sales handled>5", &a));
        assert!(m("!queue:Sales", &a) && !m("!queue:Sales", &b));
        assert!(m("!name~jones", &a) && !m("!jones", &b));
        assert!(m("!aht>11m", &a), "a negated comparison");
        assert_eq!(
            ok("!queue:Billing | !x").queues(),
            vec!["Billing"],
            "negated queues still need their members"
        );
        let chloe = Agent {
            name: "Chloé Müller",
            ..Agent::default()
        };
        for q in [
            "chloe",
            "muller",
            "MÜLLER",
            "name:\"chloe muller\"",
            "name~CHLOÉ",
        ] {
            assert!(m(q, &chloe), "{q}");
        }
        let plain = Agent {
            name: "Chloe Muller",
            ..Agent::default()
        };
        assert!(
            m("chloé", &plain) && m("name:\"Chloé Müller\"", &plain),
            "both ways"
        );
        assert_eq!(fold("Ångström Ñandú"), "angstrom nandu");
    }

    #[test]
    fn alternative_and_negation_errors_point_at_the_mistake() {
        for (input, position) in [
            ("|", 0),
            ("| aht>5", 0),
            ("aht>5 |", 7),
            ("aht>5 || x", 7),
            ("!", 1),
            ("x !", 3),
            ("!!x", 0),
        ] {
            assert_eq!(error(input).position, position, "{input}");
        }
        assert!(error("!aht>").message.contains("expected a number"));
    }

    #[test]
    fn display_is_canonical_and_round_trips() {
        let f = ok("aht>10m|hold/c>2m !queue:Billing  |  \"a|b\" \"!x\"");
        assert_eq!(
            f.to_string(),
            "aht>10m | hold/c>2m !queue:Billing | \"a|b\" \"!x\""
        );
        assert_eq!(parse(&f.to_string()), Ok(f));
        let f = ok(
            "AHT>600 acw/c>=1.5m hold/c>45.5 occ<70 handled=0 queue:\"Billing EU\" name~smith ann",
        );
        assert_eq!(
            f.to_string(),
            "aht>10m acw/c>=90s hold/c>45.5s occ<70% handled=0 queue:\"Billing EU\" name~smith ann"
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
