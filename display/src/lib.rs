//! The hall board and window screens (综合屏, 窗口屏). For now this crate holds the hall board's
//! voice; the screens come next.
//!
//! - [`announce`]: the composer, a pure function from a call and the display's settings to the
//!   clips, pauses and chime that say it (R15).
//! - [`player`]: the voice pack in memory and the thread that plays announcements one at a time,
//!   in call order, through rodio (R16, R17).

pub mod announce;
pub mod player;
