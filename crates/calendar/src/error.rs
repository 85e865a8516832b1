//! Errors from building a cutoff schedule.

/// Why a [`CutoffSchedule`](crate::CutoffSchedule) could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The schedule had no window times at all.
    #[error("a cutoff schedule needs at least one window time (e.g. \"10:00,14:15,16:15\")")]
    EmptySchedule,
    /// One comma-separated item of a schedule spec is not a valid `HH:MM` time.
    #[error(
        "cutoff window {position} ({item:?}) is invalid: {reason}; \
         expected HH:MM in 24-hour New York time, e.g. \"14:15\""
    )]
    InvalidTime {
        /// 1-based position of the item in the comma-separated list.
        position: usize,
        /// The offending item, trimmed of surrounding whitespace.
        item: String,
        /// What is wrong with it.
        reason: String,
    },
}
