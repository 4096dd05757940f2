//! The conversations list's columns, in one table: heading, width, when a narrow pane drops
//! it, how it sorts, and its CSV name. The pane, its sort keys and the CSV all read
//! [`CALL_COLUMNS`].

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::DrillRow;

/// A column of the conversations list (and of its CSV).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallColumn {
    ConversationId,
    Start,
    End,
    Media,
    Queue,
    Direction,
    Talk,
    Hold,
    Holds,
    Acw,
    Handle,
    WrapUp,
}

/// One column's definition.
#[derive(Clone, Copy, Debug)]
pub struct CallColumnSpec {
    /// The column this row defines.
    pub column: CallColumn,
    /// Heading on screen (and the sort's name in the provenance).
    pub title: &'static str,
    /// Header in the CSV.
    pub csv: &'static str,
    /// Width on screen (minimum, for the flexible queue and wrap-up columns); times are
    /// wider when they show seconds.
    pub width: u16,
    /// Shown in the pane (the conversation id is CSV only).
    pub on_screen: bool,
    /// Dropped on a narrow pane, lower first; `None` is never dropped.
    pub drop: Option<u8>,
    /// A figure: right-aligned, largest first when sorted.
    pub numeric: bool,
}

const fn col(
    column: CallColumn,
    title: &'static str,
    csv: &'static str,
    width: u16,
    drop: Option<u8>,
    numeric: bool,
) -> CallColumnSpec {
    CallColumnSpec {
        column,
        title,
        csv,
        width,
        on_screen: !matches!(column, CallColumn::ConversationId),
        drop,
        numeric,
    }
}

/// Every column, in CSV order; the screen shows them in the same order, without the id.
pub const CALL_COLUMNS: [CallColumnSpec; 12] = [
    col(
        CallColumn::ConversationId,
        "Conversation",
        "conversation_id",
        36,
        None,
        false,
    ),
    col(CallColumn::Start, "Start", "start", 5, None, false),
    col(CallColumn::End, "End", "end", 5, Some(1), false),
    col(CallColumn::Media, "Media", "media_type", 8, Some(3), false),
    col(CallColumn::Queue, "Queue", "queue", 8, None, false),
    col(CallColumn::Direction, "Dir", "direction", 3, Some(2), false),
    col(CallColumn::Talk, "Talk", "talk_s", 7, None, true),
    col(CallColumn::Hold, "Hold", "hold_s", 7, None, true),
    col(CallColumn::Holds, "Holds", "holds", 5, Some(4), true),
    col(CallColumn::Acw, "ACW", "acw_s", 7, None, true),
    col(CallColumn::Handle, "Handle", "handle_s", 7, None, true),
    col(CallColumn::WrapUp, "Wrap-up", "wrap_up", 10, None, false),
];

/// The CSV header of every conversations export, from [`CALL_COLUMNS`].
pub fn csv_header() -> Vec<&'static str> {
    CALL_COLUMNS.iter().map(|c| c.csv).collect()
}

impl CallColumn {
    /// Every column, in CSV order.
    pub const ALL: [CallColumn; 12] = {
        let mut all = [CallColumn::ConversationId; 12];
        let mut i = 0;
        while i < CALL_COLUMNS.len() {
            all[i] = CALL_COLUMNS[i].column;
            i += 1;
        }
        all
    };

    /// This column's row of [`CALL_COLUMNS`].
    pub fn spec(self) -> &'static CallColumnSpec {
        &CALL_COLUMNS[self as usize]
    }

    /// The screen heading.
    pub(crate) fn title(self) -> &'static str {
        self.spec().title
    }

    /// The columns the pane can show, in order.
    pub(crate) fn on_screen() -> impl Iterator<Item = CallColumn> {
        CALL_COLUMNS
            .iter()
            .filter(|c| c.on_screen)
            .map(|c| c.column)
    }

    /// The column `s` moves to: the next one on screen (wrapping).
    pub(crate) fn next(self) -> CallColumn {
        let shown: Vec<CallColumn> = Self::on_screen().collect();
        let i = shown.iter().position(|c| *c == self).map_or(0, |i| i + 1);
        shown[i % shown.len()]
    }

    /// The natural first direction: figures largest first, times and text ascending.
    pub(crate) fn default_descending(self) -> bool {
        self.spec().numeric
    }

    /// Compares two rows on this column. Queue and wrap-up compare by the names shown
    /// (`label`), not by their ids.
    pub(crate) fn compare(
        self,
        a: &DrillRow,
        b: &DrillRow,
        label: &dyn Fn(CallColumn, &DrillRow) -> String,
    ) -> Ordering {
        let utc = |t: Option<DateTime<Tz>>| t.map(|t| t.with_timezone(&Utc));
        match self {
            CallColumn::ConversationId => a.conversation_id.cmp(&b.conversation_id),
            CallColumn::Start => utc(a.start).cmp(&utc(b.start)),
            // Open conversations (no end yet) sort after ended ones.
            CallColumn::End => (a.end.is_none(), utc(a.end)).cmp(&(b.end.is_none(), utc(b.end))),
            CallColumn::Media => a.media_type.cmp(&b.media_type),
            CallColumn::Direction => a.direction.cmp(&b.direction),
            CallColumn::Talk => a.talk_ms.cmp(&b.talk_ms),
            CallColumn::Hold => a.hold_ms.cmp(&b.hold_ms),
            CallColumn::Holds => a.holds.cmp(&b.holds),
            CallColumn::Acw => a.acw_ms.cmp(&b.acw_ms),
            CallColumn::Handle => a.handle_ms.cmp(&b.handle_ms),
            CallColumn::Queue | CallColumn::WrapUp => {
                let (x, y) = (label(self, a), label(self, b));
                x.to_lowercase().cmp(&y.to_lowercase()).then(x.cmp(&y))
            }
        }
    }
}

/// Sorts by `column` (reversed when `descending`), queue and wrap-up by the names `label`
/// gives; ties go by start, then conversation id, always ascending, so the order is total and
/// stable across refreshes.
pub fn sort_rows(
    rows: &mut [DrillRow],
    column: CallColumn,
    descending: bool,
    label: &dyn Fn(CallColumn, &DrillRow) -> String,
) {
    rows.sort_by(|a, b| {
        let primary = column.compare(a, b, label);
        let primary = if descending {
            primary.reverse()
        } else {
            primary
        };
        primary
            .then_with(|| CallColumn::Start.compare(a, b, label))
            .then_with(|| a.conversation_id.cmp(&b.conversation_id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_line_up_with_variants_and_s_skips_the_id() {
        for (i, c) in CALL_COLUMNS.iter().enumerate() {
            assert_eq!(c.column as usize, i, "{:?}", c.column);
        }
        assert_eq!(CallColumn::WrapUp.next(), CallColumn::Start);
        assert_eq!(CallColumn::Handle.next(), CallColumn::WrapUp);
        assert!(CallColumn::on_screen().all(|c| c != CallColumn::ConversationId));
        assert_eq!(
            csv_header().join(","),
            "conversation_id,start,end,media_type,queue,direction,talk_s,hold_s,holds,acw_s,handle_s,wrap_up"
        );
    }
}
