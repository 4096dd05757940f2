//! Number formats shared by the headless export and the view export, so a CSV from `e` and a
//! CSV from `floorwatch export` read the same in a spreadsheet.

/// Milliseconds as seconds with millisecond precision: `412000` → `"412.000"`.
pub fn csv_secs(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// A fractional millisecond figure (an average) as seconds, rounded to the millisecond.
pub(crate) fn csv_secs_f(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return String::new();
    }
    csv_secs(ms.round() as u64)
}

/// Neutralises spreadsheet formula injection: a text cell starting with `=`, `+`, `-`, `@`
/// (or a tab/CR, which some spreadsheets strip before evaluating) gets a leading `'`.
/// Only text that came from the org (names, ids) goes through this; numbers never start so.
pub(crate) fn csv_text(s: &str) -> String {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// A duration for the screen: `m:ss` under an hour, `h:mm:ss` above.
pub(crate) fn clock(ms: u64) -> String {
    let s = (ms + 500) / 1000;
    let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_keep_milliseconds() {
        assert_eq!(csv_secs(412_000), "412.000");
        assert_eq!(csv_secs(1), "0.001");
        assert_eq!(csv_secs_f(801_000.0 / 3.0), "267.000");
        assert_eq!(csv_secs_f(1234.4), "1.234");
        assert_eq!(csv_secs_f(f64::NAN), "");
    }

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_text("+1"), "'+1");
        assert_eq!(csv_text("-2"), "'-2");
        assert_eq!(csv_text("@SUM"), "'@SUM");
        assert_eq!(csv_text("Ann Lee"), "Ann Lee");
    }

    #[test]
    fn clock_rounds_to_seconds() {
        assert_eq!(clock(267_000), "4:27");
        assert_eq!(clock(3_725_400), "1:02:05");
        assert_eq!(clock(0), "0:00");
    }
}
