//! Text cut and wrapped to fit, by display width (a CJK glyph or an emoji takes two columns),
//! always with a visible `…` where something was cut: names, wrap-up codes, error messages and
//! prose in pop-ups all go through here, so nothing is ever silently truncated mid-word.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// The mark left where text was cut.
pub(crate) const ELLIPSIS: char = '…';

/// Display width of `s` in terminal columns.
pub(crate) fn width(s: &str) -> usize {
    s.width()
}

/// `s` cut to at most `max` columns, ending in `…` when anything was cut (trailing spaces
/// before the mark are dropped). `max == 0` gives an empty string.
pub(crate) fn fit(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.truncate(out.trim_end().len());
    out.push(ELLIPSIS);
    out
}

/// Greedy word wrap to `max` columns; a word longer than a line is cut with `…` (never split
/// silently). Words are separated by single spaces in the result.
pub(crate) fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match out.last_mut() {
            Some(line) if line.width() + 1 + word.width() <= max => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(fit(word, max)),
        }
    }
    out
}

/// Collapses whitespace (newlines included) so a message stays on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_a_mark_by_display_width() {
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(
            fit("ab cdef", 4),
            "ab…",
            "no dangling space before the mark"
        );
        assert_eq!(fit("abc", 0), "");
        // 李 is two columns wide: four columns hold one of them and the mark.
        assert_eq!(fit("李小龍", 4), "李…");
        assert_eq!(width("李小龍"), 6);
        assert_eq!(fit("Chloé Dubois", 6), "Chloé…");
    }

    #[test]
    fn wrap_fills_lines_greedily_and_marks_long_words() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("a bb ccc", 80), ["a bb ccc"]);
        assert_eq!(wrap("abcdef", 4), ["abc…"]);
        assert_eq!(one_line("a\n  b\tc"), "a b c");
    }
}
