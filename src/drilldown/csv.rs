//! CSV records of the conversations list, one per row in the list's order, with the columns of
//! [`super::CALL_COLUMNS`]: times RFC 3339 with the zone's offset, seconds with milliseconds,
//! text from the org neutralised against formula injection.

use super::{CALL_COLUMNS, CallColumn, DrillRow};
use crate::export::rfc3339;
use crate::format::{csv_secs, csv_text};

/// Resolves an id (queue, wrap-up code) to a display name.
pub type NameOf<'a> = &'a dyn Fn(&str) -> Option<String>;

/// One CSV record, in [`super::csv_header`] order; queue and wrap-up by name where the
/// resolvers know them, else by id.
pub fn csv_record(
    r: &DrillRow,
    queue_name: Option<NameOf<'_>>,
    wrap_up_name: Option<NameOf<'_>>,
) -> Vec<String> {
    let named = |id: Option<&str>, f: Option<NameOf<'_>>| -> String {
        let Some(id) = id else {
            return String::new();
        };
        let text = f.and_then(|f| f(id)).unwrap_or_else(|| id.to_string());
        csv_text(&text)
    };
    let text = |s: Option<&str>| csv_text(s.unwrap_or_default());
    CALL_COLUMNS
        .iter()
        .map(|c| match c.column {
            CallColumn::ConversationId => csv_text(&r.conversation_id),
            CallColumn::Start => r.start.map(rfc3339).unwrap_or_default(),
            CallColumn::End => r.end.map(rfc3339).unwrap_or_default(),
            CallColumn::Media => text(r.media_type.as_deref()),
            CallColumn::Queue => named(r.queue_id.as_deref(), queue_name),
            CallColumn::Direction => text(r.direction.as_deref()),
            CallColumn::Talk => csv_secs(r.talk_ms),
            CallColumn::Hold => csv_secs(r.hold_ms),
            CallColumn::Holds => r.holds.to_string(),
            CallColumn::Acw => csv_secs(r.acw_ms),
            CallColumn::Handle => csv_secs(r.handle_ms),
            CallColumn::WrapUp => named(r.wrap_up_code.as_deref(), wrap_up_name),
        })
        .collect()
}
