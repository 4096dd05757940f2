//! The `:` command line: one table of commands (name, argument, what it does) that parsing,
//! Tab completion and the help all read. Parsing is pure; [`super::prompt`] runs the result.

use chrono::NaiveDate;

use crate::figures::FIGURES;
use crate::view::SortBy;

/// What a command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LineCommand {
    /// `:q`, `:quit`.
    Quit,
    /// `:export`: the view on screen to CSV, as `e`.
    Export,
    /// `:columns`: the column chooser, as `c`.
    Columns,
    /// `:help`: the key overlay.
    Help,
    /// `:date today|yesterday|-N|YYYY-MM-DD`.
    Date(DateArg),
    /// `:filter TEXT` (empty clears it).
    Filter(String),
    /// `:find TEXT`: as F3 then Enter.
    Find(String),
    /// `:sort COLUMN [asc|desc]`.
    Sort {
        by: SortBy,
        descending: Option<bool>,
    },
}

/// A day named on the command line, resolved against today by the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateArg {
    /// `today` / `yesterday` / `-3`: days before today.
    DaysAgo(u32),
    /// `2025-03-10`.
    On(NaiveDate),
}

/// One command of the table.
pub(crate) struct CommandSpec {
    pub(crate) name: &'static str,
    /// How its argument is written, for the help and errors (empty: none).
    pub(crate) args: &'static str,
    /// What it does.
    pub(crate) help: &'static str,
    parse: fn(&str) -> Result<LineCommand, String>,
    /// Words Tab offers for the argument.
    complete: fn() -> Vec<String>,
}

fn none() -> Vec<String> {
    Vec::new()
}

fn no_args(cmd: LineCommand) -> impl Fn(&str) -> Result<LineCommand, String> {
    move |arg: &str| match arg.is_empty() {
        true => Ok(cmd.clone()),
        false => Err(format!("takes no argument (got “{arg}”)")),
    }
}

/// Every command, in help order.
pub(crate) const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "date",
        args: "today|yesterday|-N|YYYY-MM-DD",
        help: "show another day (read-only)",
        parse: parse_date,
        complete: || vec!["today".into(), "yesterday".into()],
    },
    CommandSpec {
        name: "filter",
        args: "TEXT",
        help: "set the filter (empty clears it)",
        parse: |a| Ok(LineCommand::Filter(a.to_string())),
        complete: none,
    },
    CommandSpec {
        name: "find",
        args: "TEXT",
        help: "select the first match (then n / N)",
        parse: |a| Ok(LineCommand::Find(a.to_string())),
        complete: none,
    },
    CommandSpec {
        name: "sort",
        args: "COLUMN [asc|desc]",
        help: "sort the agents table",
        parse: parse_sort,
        complete: sort_words,
    },
    CommandSpec {
        name: "columns",
        args: "",
        help: "choose columns",
        parse: |a| no_args(LineCommand::Columns)(a),
        complete: none,
    },
    CommandSpec {
        name: "export",
        args: "",
        help: "export the view to CSV",
        parse: |a| no_args(LineCommand::Export)(a),
        complete: none,
    },
    CommandSpec {
        name: "help",
        args: "",
        help: "the keys",
        parse: |a| no_args(LineCommand::Help)(a),
        complete: none,
    },
    CommandSpec {
        name: "quit",
        args: "",
        help: "quit (also :q)",
        parse: |a| no_args(LineCommand::Quit)(a),
        complete: none,
    },
];

/// Parses a command line (without the `:`). A command may be shortened to any unique prefix
/// (`:ex`, `:q`); an unknown or ambiguous one is an error naming the choices.
pub(crate) fn parse(line: &str) -> Result<LineCommand, String> {
    let line = line.trim();
    let (word, arg) = match line.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (line, ""),
    };
    if word.is_empty() {
        return Err(format!("commands: {}", names().join(", ")));
    }
    let spec = find(word)?;
    (spec.parse)(arg).map_err(|e| format!(":{} {e}", spec.name))
}

/// The command `word` names: exact, or the only one it starts (`q` is quit although it is
/// a prefix of nothing else either).
fn find(word: &str) -> Result<&'static CommandSpec, String> {
    let word = word.to_lowercase();
    if let Some(spec) = COMMANDS.iter().find(|c| c.name == word) {
        return Ok(spec);
    }
    let starts: Vec<&CommandSpec> = COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(&word))
        .collect();
    match starts.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "unknown command “{word}”; commands: {}",
            names().join(", ")
        )),
        many => Err(format!(
            "“{word}” could be {}",
            many.iter().map(|c| c.name).collect::<Vec<_>>().join(" or ")
        )),
    }
}

fn names() -> Vec<&'static str> {
    COMMANDS.iter().map(|c| c.name).collect()
}

/// Tab: what the word at the end of `line` could become (command names for the first word,
/// the command's words after it), sorted.
pub(crate) fn completions(line: &str) -> Vec<String> {
    let trimmed = line.trim_start();
    match trimmed.split_once(char::is_whitespace) {
        None => {
            let word = trimmed.to_lowercase();
            COMMANDS
                .iter()
                .filter(|c| c.name.starts_with(&word))
                .map(|c| c.name.to_string())
                .collect()
        }
        Some((cmd, rest)) => {
            let Ok(spec) = find(cmd) else {
                return Vec::new();
            };
            let last = rest.rsplit(char::is_whitespace).next().unwrap_or("");
            let last = last.to_lowercase();
            let mut words: Vec<String> = (spec.complete)()
                .into_iter()
                .filter(|w| w.to_lowercase().starts_with(&last))
                .collect();
            words.sort();
            words.dedup();
            words
        }
    }
}

fn parse_date(arg: &str) -> Result<LineCommand, String> {
    let bad = || format!("takes today, yesterday, -N (days back) or YYYY-MM-DD, not “{arg}”");
    let day = match arg.to_lowercase().as_str() {
        "" | "today" => DateArg::DaysAgo(0),
        "yesterday" => DateArg::DaysAgo(1),
        a if a.starts_with('-') => DateArg::DaysAgo(a[1..].parse().map_err(|_| bad())?),
        a => DateArg::On(NaiveDate::parse_from_str(a, "%Y-%m-%d").map_err(|_| bad())?),
    };
    Ok(LineCommand::Date(day))
}

/// Words a sort names: `name` and each figure's filter name (`aht`, `acw/c`), then the
/// directions.
fn sort_words() -> Vec<String> {
    std::iter::once("name".to_string())
        .chain(FIGURES.iter().map(|s| s.figure.filter_name()))
        .chain(["asc".to_string(), "desc".to_string()])
        .collect()
}

fn parse_sort(arg: &str) -> Result<LineCommand, String> {
    let mut words = arg.split_whitespace();
    let Some(col) = words.next() else {
        return Err("takes a column: name or a figure (aht, acw, hold, …)".into());
    };
    let by = match col.to_lowercase().as_str() {
        "name" | "agent" => SortBy::Name,
        c => crate::figures::Figure::from_word(c)
            .map(SortBy::Figure)
            .ok_or_else(|| format!("knows no column “{col}”"))?,
    };
    let descending = match words.next().map(str::to_lowercase).as_deref() {
        None => None,
        Some("asc") => Some(false),
        Some("desc") => Some(true),
        Some(other) => return Err(format!("takes asc or desc after the column, not “{other}”")),
    };
    if let Some(extra) = words.next() {
        return Err(format!(
            "has one column and a direction; “{extra}” is extra"
        ));
    }
    Ok(LineCommand::Sort { by, descending })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::figures::Figure;

    #[test]
    fn prefixes_and_errors() {
        assert_eq!(parse("q"), Ok(LineCommand::Quit));
        assert_eq!(parse("  EXP "), Ok(LineCommand::Export));
        assert_eq!(
            parse("date 2025-03-10"),
            Ok(LineCommand::Date(DateArg::On(
                NaiveDate::from_ymd_opt(2025, 3, 10).expect("date")
            )))
        );
        assert_eq!(parse("d -2"), Ok(LineCommand::Date(DateArg::DaysAgo(2))));
        assert_eq!(
            parse("sort acw/c asc"),
            Ok(LineCommand::Sort {
                by: SortBy::Figure(Figure::AcwPerCall),
                descending: Some(false)
            })
        );
        assert!(
            parse("f x")
                .expect_err("an error")
                .contains("filter or find")
        );
        assert!(
            parse("zap")
                .expect_err("an error")
                .starts_with("unknown command “zap”")
        );
        assert!(
            parse("date tomorrow")
                .expect_err("an error")
                .starts_with(":date takes")
        );
        assert!(
            parse("export now")
                .expect_err("an error")
                .contains("no argument")
        );
    }

    #[test]
    fn completion_offers_commands_then_their_words() {
        assert_eq!(completions("f"), ["filter", "find"]);
        assert_eq!(completions("date y"), ["yesterday"]);
        assert!(completions("sort ac").contains(&"acw/c".to_string()));
        assert!(completions("nope x").is_empty());
    }
}
