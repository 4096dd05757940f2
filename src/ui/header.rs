//! The header line: where the data comes from, which day and zone, how fresh it is, and the
//! states a supervisor must not miss (FROZEN, an active filter). On a narrow terminal the
//! least important parts are dropped whole rather than cut mid-word.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Theme;
use crate::app::{App, Freshness};
use crate::model::Source;

/// One header part; lower `rank` survives longer when space runs out. Parts that are never
/// dropped (rank 0) may offer a `short` form, used when even they do not fit.
struct Part {
    rank: u8,
    spans: Vec<Span<'static>>,
    short: Option<Vec<Span<'static>>>,
}

impl Part {
    fn width(&self) -> usize {
        self.spans.iter().map(Span::width).sum()
    }
}

fn part(rank: u8, text: String, style: Style) -> Part {
    Part {
        rank,
        spans: vec![Span::styled(text, style)],
        short: None,
    }
}

fn with_short(mut p: Part, text: String, style: Style) -> Part {
    p.short = Some(vec![Span::styled(text, style)]);
    p
}

/// How the live floor is doing: a quiet `● live` while it streams, a badge that is never
/// dropped when it is stale (the state column must not pass for now), a warning otherwise
/// (the status line says why).
fn live_part(st: &crate::live::LiveStatus, theme: &Theme) -> Part {
    use crate::live::LiveMode;
    if st.stale {
        return with_short(
            part(0, " LIVE STATE STALE ".to_string(), theme.alarm_badge),
            " STALE ".to_string(),
            theme.alarm_badge,
        );
    }
    match &st.mode {
        LiveMode::Streaming => part(4, "● live".to_string(), theme.ok),
        LiveMode::Starting => part(4, "live: connecting".to_string(), theme.muted),
        LiveMode::Reconnecting { .. } => part(2, "live: reconnecting".to_string(), theme.warn),
        LiveMode::Polling { .. } => part(2, "live: polling".to_string(), theme.warn),
        LiveMode::Unavailable { .. } => part(3, "no live state".to_string(), theme.warn),
    }
}

/// The alerts firing: their count and the worst unacknowledged severity, as a word and a
/// colour; kept longer than anything but the source while one is new.
fn alerts_part(c: &crate::alerts::AlertCounts, theme: &Theme) -> Part {
    let n = c.active;
    let s = if n == 1 { "" } else { "s" };
    if n == 0 {
        let r = c.snoozed_rules;
        return part(
            6,
            format!("{r} alert rule{} snoozed", if r == 1 { "" } else { "s" }),
            theme.muted,
        );
    }
    match c.worst {
        Some(w) => with_short(
            part(
                1,
                format!("⚠ {n} alert{s} ({} new, {})", c.unacknowledged, w.word()),
                super::alert_strip::style(w, theme),
            ),
            format!("⚠ {n}"),
            super::alert_strip::style(w, theme),
        ),
        None => part(5, format!("{n} alert{s} acknowledged"), theme.muted),
    }
}

/// Header parts in display order, each with its drop rank.
fn parts(app: &App, theme: &Theme) -> Vec<Part> {
    let mut out = Vec::new();
    out.push(match app.source() {
        Source::Demo => part(0, " DEMO ".to_string(), theme.demo_badge),
        Source::Live { region, .. } => with_short(
            part(0, app.source().label(), theme.source),
            region.clone(),
            theme.source,
        ),
    });
    if app.is_clock_simulated() {
        // Never dropped: a made-up clock must not pass for the time now.
        out.push(with_short(
            part(0, "simulated clock".to_string(), theme.muted),
            "sim".to_string(),
            theme.muted,
        ));
    }
    if app.is_past_day() {
        // Never dropped, and with its date: yesterday's figures must not pass for today's.
        let date = app.date();
        out.push(with_short(
            part(
                0,
                format!(
                    " PAST DAY {} · read-only (> today) ",
                    date.format("%a %Y-%m-%d")
                ),
                theme.frozen_badge,
            ),
            format!(" PAST DAY {} ", date.format("%m-%d")),
            theme.frozen_badge,
        ));
    }
    if app.recording().is_some() {
        out.push(part(0, " REC ".to_string(), theme.alarm_badge));
    }
    if let (Some(label), Some(short)) = (app.replay_label(), app.replay_short_label()) {
        // Never dropped: a recording must not pass for the floor now.
        out.push(with_short(
            part(0, format!(" {label} "), theme.replay_badge),
            format!(" {short} "),
            theme.replay_badge,
        ));
    }
    if app.is_frozen() {
        let short = " FROZEN ".to_string();
        out.push(if app.has_pending() {
            let long = " FROZEN · newer data waiting (f) ".to_string();
            with_short(part(0, long, theme.frozen_badge), short, theme.frozen_badge)
        } else {
            part(0, short, theme.frozen_badge)
        });
    }
    let date = app.date();
    out.push(part(3, date.format("%a %Y-%m-%d").to_string(), theme.muted));
    out.push(part(5, app.tz().name().to_string(), theme.muted));
    out.push(part(6, app.granularity().to_string(), theme.muted));
    match app.as_of_text() {
        // The replay badge already carries the recorded time.
        Some(_) if app.is_replay() => {}
        Some(t) => out.push(as_of_part(app, t, theme)),
        None => out.push(part(1, "waiting for first data…".to_string(), theme.filter)),
    }
    if let Some(t) = app.next_text() {
        out.push(part(4, t, theme.muted));
    }
    if let Some(st) = app.live_floor().map(|f| f.status()) {
        out.push(live_part(st, theme));
    }
    if let Some(c) = app
        .alert_counts()
        .filter(|c| c.active > 0 || c.snoozed_rules > 0)
    {
        out.push(alerts_part(&c, theme));
    }
    if let Some(t) = app.usage_text() {
        // Near the limit it matters more than the date; otherwise it goes first.
        out.push(if app.usage_is_high() {
            part(2, t, theme.warn)
        } else {
            part(7, t, theme.muted)
        });
    }
    let applied = app.filter_applied();
    if !applied.is_empty() || app.filter_error().is_some() {
        let mut spans = vec![
            Span::styled("filter: ", theme.muted),
            Span::styled(
                if applied.is_empty() {
                    "none".to_string()
                } else {
                    applied
                },
                theme.filter,
            ),
        ];
        let editing = app.filter_error().is_some();
        if editing {
            // The prompt's text does not parse: the table shows the last filter that did.
            spans.push(Span::styled(" (last valid)", theme.warn));
        }
        out.push(Part {
            // While the prompt has an error, what the table applies matters most.
            rank: if editing { 1 } else { 2 },
            spans,
            short: None,
        });
    }
    if let Some(n) = app.over_target_count().filter(|&n| n > 0) {
        // Dropped with the filter, before the freshness a supervisor must not lose.
        out.push(part(2, format!("{n} over target"), theme.over));
    }
    out
}

/// `as of 10:14:03 (12 s ago)`, preceded by `STALE` (amber) or `VERY STALE` (red) when the
/// data is old. A stale time is never dropped for lack of room.
fn as_of_part(app: &App, text: String, theme: &Theme) -> Part {
    let freshness = app.freshness();
    let Some(marker) = freshness.marker() else {
        return part(1, text, Style::new());
    };
    let (marker, style) = match freshness {
        Freshness::VeryStale => (
            Span::styled(format!(" {marker} "), theme.alarm_badge),
            theme.alarm,
        ),
        _ => (Span::styled(marker, theme.warn), theme.warn),
    };
    Part {
        rank: 0,
        spans: vec![marker, Span::raw(" "), Span::styled(text, style)],
        short: None,
    }
}

/// Joins parts with a separator, dropping the highest-ranked parts until the line fits; a part
/// dropped early is put back if the later drops left room for it.
fn fit(mut parts: Vec<Part>, width: usize, sep: Span<'static>) -> Line<'static> {
    let sep_w = sep.width();
    let total = |parts: &[Part]| {
        parts.iter().map(Part::width).sum::<usize>() + sep_w * parts.len().saturating_sub(1)
    };
    // (original position, part) of the parts dropped, to try again once the line is settled.
    let mut dropped: Vec<(usize, Part)> = Vec::new();
    let mut positions: Vec<usize> = (0..parts.len()).collect();
    loop {
        if total(&parts) <= width || parts.len() <= 1 {
            break;
        }
        let Some(worst) = parts.iter().map(|p| p.rank).max() else {
            break;
        };
        if worst == 0 {
            // Only never-dropped parts are left: shorten the first that can be.
            match parts.iter_mut().find(|p| p.short.is_some()) {
                Some(p) => p.spans = p.short.take().unwrap_or_default(),
                None => break,
            }
            continue;
        }
        if let Some(i) = parts.iter().rposition(|p| p.rank == worst) {
            dropped.push((positions.remove(i), parts.remove(i)));
        }
    }
    // Most important first, each back in its place if it fits now.
    dropped.sort_by_key(|(_, p)| p.rank);
    for (pos, p) in dropped {
        let at = positions
            .iter()
            .position(|&q| q > pos)
            .unwrap_or(positions.len());
        parts.insert(at, p);
        if total(&parts) <= width {
            positions.insert(at, pos);
        } else {
            parts.remove(at);
        }
    }
    let mut spans = Vec::new();
    for (i, p) in parts.into_iter().enumerate() {
        if i > 0 {
            spans.push(sep.clone());
        }
        spans.extend(p.spans);
    }
    Line::from(spans)
}

/// Draws the header into a one-line area.
pub(crate) fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let line = fit(
        parts(app, theme),
        area.width as usize,
        Span::styled("  ", theme.muted),
    );
    frame.render_widget(Paragraph::new(line), area);
}
