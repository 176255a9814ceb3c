//! What goes on a ticket slip, in words: the model the byte builder and the text preview both read.

use std::fmt;
use std::str::FromStr;

use qcall_client::i18n::{Lang, Text};
use qcall_protocol::{HallInfo, IssueResponse, Service, TicketClass, WindowNo};

/// The notes printed when the kiosk's configuration names none: what citizens most often get wrong.
/// (Where to wait and watch is the slip's own line, [`where_line`].)
pub const DEFAULT_NOTES: [&str; 1] = ["过号请到窗口重新排队"];

/// One ticket slip, everything already in the words that get printed.
///
/// Built from the server's answer with [`TicketSlip::from_issue`]; the fields are public so that a
/// preview, a test or a reprint can build one by hand. Text is printed as given, except that control
/// characters become spaces (configured text can never smuggle a printer command onto the wire).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSlip {
    /// The hall's Chinese name, the slip's heading.
    pub hall_name: String,
    /// The hall's English name, printed under it when the kiosk prints English.
    pub hall_name_en: Option<String>,
    /// The service's Chinese name: the citizen checks they queued for the right thing.
    pub service_name: String,
    /// The service's English name, when the kiosk prints English.
    pub service_name_en: Option<String>,
    /// The ticket number (`A001`), printed huge because it is what the citizen listens for.
    pub number: String,
    /// The class; anything but `normal` gets a label (爱心优先, 绿色通道, 预约).
    pub class: TicketClass,
    /// Tickets ahead at issue.
    pub ahead: u32,
    /// Estimated wait in minutes at issue; `None` prints "—" (no window serves the service now, R8).
    pub estimated_wait_minutes: Option<u32>,
    /// The windows serving the service at issue, where the citizen will be called; empty prints
    /// "watch the screens".
    pub windows: Vec<WindowNo>,
    /// Issue time as the citizen reads it, in the hall's local time (`2026-11-23 09:15`). The caller
    /// formats it: this crate does no time-zone work.
    pub issued_at: String,
    /// 一次性告知: the materials to bring, one item per entry.
    pub materials: Vec<String>,
    /// Short notes printed near the bottom, e.g. what to do after missing a call.
    pub notes: Vec<String>,
    /// The status page's full URL, printed as a QR code (R7).
    pub status_url: String,
}

/// The kiosk's printing settings that are not in the server's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipSettings {
    /// The server's address as citizens' phones reach it on the hall's network, e.g.
    /// `http://192.168.1.10:8700`. The ticket's `status_path` is appended to it for the QR code.
    pub status_base_url: String,
    /// Notes printed near the bottom of every slip.
    pub notes: Vec<String>,
    /// Also print the hall's and the service's English names.
    pub english: bool,
}

impl SlipSettings {
    /// Settings with the [`DEFAULT_NOTES`] and Chinese only.
    pub fn new(status_base_url: impl Into<String>) -> Self {
        SlipSettings {
            status_base_url: status_base_url.into(),
            notes: DEFAULT_NOTES.iter().map(|n| n.to_string()).collect(),
            english: false,
        }
    }
}

impl TicketSlip {
    /// The slip for a ticket the server just issued.
    ///
    /// `service` must be the ticket's service (the kiosk has it from the tile the citizen touched);
    /// `issued_at` is the issue time already formatted in the hall's local time.
    pub fn from_issue(
        issue: &IssueResponse,
        hall: &HallInfo,
        service: &Service,
        issued_at: &str,
        windows: &[WindowNo],
        settings: &SlipSettings,
    ) -> TicketSlip {
        let english = |s: &str| (settings.english && !s.trim().is_empty()).then(|| s.to_string());
        TicketSlip {
            hall_name: hall.name_zh.clone(),
            hall_name_en: english(&hall.name_en),
            service_name: service.name_zh.clone(),
            service_name_en: english(&service.name_en),
            number: issue.ticket.number.clone(),
            class: issue.ticket.class,
            ahead: issue.ahead,
            estimated_wait_minutes: issue.estimated_wait_minutes,
            windows: windows.to_vec(),
            issued_at: issued_at.to_string(),
            materials: service.materials.clone(),
            notes: settings.notes.clone(),
            status_url: join_url(&settings.status_base_url, &issue.status_path),
        }
    }

    /// The label printed under the number, `None` for a normal ticket (R2: the class is shown, never
    /// part of the number).
    pub fn class_label(&self) -> Option<&'static str> {
        class_label(self.class)
    }

    /// "您前面还有 3 人，预计等待 12 分钟", or "预计等待 —" when the wait is unknown; with nobody
    /// ahead, the on-screen words for it ([`ahead_words`]) instead of "0 人 … —".
    pub fn wait_line(&self) -> String {
        if let Some(next) = ahead_words(Lang::Zh, self.ahead, self.estimated_wait_minutes) {
            return next.to_string();
        }
        match self.estimated_wait_minutes {
            Some(minutes) => format!("您前面还有 {} 人，预计等待 {} 分钟", self.ahead, minutes),
            None => format!("您前面还有 {} 人，预计等待 —", self.ahead),
        }
    }

    /// Where to wait and which windows call this service: the on-screen words, in Chinese.
    pub fn where_line(&self) -> String {
        where_line(Lang::Zh, &self.windows)
    }
}

/// What to say instead of "0 ahead" when nobody is ahead: 即将叫号, or, when no window serves the
/// service now (no estimate, R8), that the citizen is next once one opens. `None` when some are ahead.
pub fn ahead_words(lang: Lang, ahead: u32, estimate: Option<u32>) -> Option<&'static str> {
    match (ahead, estimate) {
        (0, Some(_)) => Some(Text::CallingSoon.get(lang)),
        (0, None) => Some(Text::NextWhenOpen.get(lang)),
        _ => None,
    }
}

/// 请在等候区留意 3号、5号窗口叫号, from the windows serving the service; with none, to watch the
/// screens.
pub fn where_line(lang: Lang, windows: &[WindowNo]) -> String {
    if windows.is_empty() {
        return Text::WaitWatchScreens.get(lang).to_string();
    }
    let list = match lang {
        Lang::Zh => windows
            .iter()
            .map(|w| format!("{w}号"))
            .collect::<Vec<_>>()
            .join("、"),
        Lang::En => {
            let numbers: Vec<String> = windows.iter().map(ToString::to_string).collect();
            match numbers.split_last() {
                Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                _ => numbers.join(""),
            }
        }
    };
    Text::WaitAtWindows.fill(lang, &[("windows", &list)])
}

/// The Chinese label of a ticket class, `None` for `normal`.
pub fn class_label(class: TicketClass) -> Option<&'static str> {
    match class {
        TicketClass::Normal => None,
        TicketClass::Priority => Some("爱心优先"),
        TicketClass::Green => Some("绿色通道"),
        TicketClass::Appointment => Some("预约"),
    }
}

/// `base` + `path` with exactly one slash between them, whatever the configuration wrote.
fn join_url(base: &str, path: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    let path = path.trim().trim_start_matches('/');
    format!("{base}/{path}")
}

/// The paper roll in the printer: it decides the line width in columns and the QR code's size.
///
/// Columns are Font A (12 × 24 dots): an ASCII character takes one column, a hanzi two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Paper {
    /// 80 mm roll: 576 dots, 48 columns (24 hanzi). The usual kiosk printer.
    #[default]
    Mm80,
    /// 58 mm roll: 384 dots, 32 columns (16 hanzi).
    Mm58,
}

impl Paper {
    /// Columns per line in Font A.
    pub fn columns(self) -> usize {
        match self {
            Paper::Mm80 => 48,
            Paper::Mm58 => 32,
        }
    }

    /// Printable width in dots (203 dpi heads).
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm80 => 576,
            Paper::Mm58 => 384,
        }
    }

    /// QR module size in dots: a status URL is a version 5–6 symbol (37–41 modules), so 7 dots make
    /// about 32 mm on 80 mm paper and 5 dots about 23 mm on 58 mm paper, easy for any phone and well
    /// inside the printable width even for a long base URL.
    pub fn qr_module_dots(self) -> u8 {
        match self {
            Paper::Mm80 => 7,
            Paper::Mm58 => 5,
        }
    }
}

impl fmt::Display for Paper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Paper::Mm80 => "80mm",
            Paper::Mm58 => "58mm",
        })
    }
}

/// A paper width that is neither 80 mm nor 58 mm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown paper width {0:?}: expected 80mm or 58mm")]
pub struct PaperError(pub String);

impl FromStr for Paper {
    type Err = PaperError;

    /// `80mm`, `80`, `58mm` or `58`, as written in a kiosk's configuration.
    fn from_str(s: &str) -> Result<Paper, PaperError> {
        match s.trim().to_ascii_lowercase().trim_end_matches("mm").trim() {
            "80" => Ok(Paper::Mm80),
            "58" => Ok(Paper::Mm58),
            _ => Err(PaperError(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_url_has_exactly_one_slash_between_base_and_path() {
        let check = |base: &str, path: &str, expected: &str| {
            assert_eq!(join_url(base, path), expected, "{base:?} + {path:?}");
        };
        check(
            "http://192.168.1.10:8700",
            "/t/abc",
            "http://192.168.1.10:8700/t/abc",
        );
        check(
            "http://192.168.1.10:8700/",
            "/t/abc",
            "http://192.168.1.10:8700/t/abc",
        );
        check(
            "http://192.168.1.10:8700//",
            "t/abc",
            "http://192.168.1.10:8700/t/abc",
        );
        check(
            " http://hall.local/q ",
            "/t/abc",
            "http://hall.local/q/t/abc",
        );
    }

    #[test]
    fn wait_line_says_dash_when_the_wait_is_unknown() {
        let mut slip = crate::print::tests::sample_slip();
        slip.ahead = 3;
        slip.estimated_wait_minutes = Some(12);
        assert_eq!(slip.wait_line(), "您前面还有 3 人，预计等待 12 分钟");
        slip.estimated_wait_minutes = None;
        assert_eq!(slip.wait_line(), "您前面还有 3 人，预计等待 —");
    }

    #[test]
    fn nobody_ahead_is_calling_soon_not_zero_and_a_dash() {
        let mut slip = crate::print::tests::sample_slip();
        slip.ahead = 0;
        slip.estimated_wait_minutes = Some(0);
        assert_eq!(slip.wait_line(), "即将叫号，请留意叫号");
        slip.estimated_wait_minutes = None;
        assert_eq!(slip.wait_line(), "您是下一位，窗口开始办理后即叫号");
    }

    #[test]
    fn the_where_line_names_the_windows_serving_the_service() {
        let check = |lang, windows: &[WindowNo], expected: &str| {
            assert_eq!(where_line(lang, windows), expected, "{lang:?} {windows:?}");
        };
        check(Lang::Zh, &[3, 5], "请在等候区留意 3号、5号窗口叫号");
        check(Lang::Zh, &[1], "请在等候区留意 1号窗口叫号");
        check(Lang::Zh, &[], "请在等候区留意屏幕与语音叫号");
        check(
            Lang::En,
            &[3, 5, 7],
            "Please wait in the waiting area for a call to window 3, 5 or 7",
        );
        check(
            Lang::En,
            &[2],
            "Please wait in the waiting area for a call to window 2",
        );
    }

    #[test]
    fn paper_parses_from_config_text() {
        assert_eq!("80mm".parse(), Ok(Paper::Mm80));
        assert_eq!(" 58MM ".parse(), Ok(Paper::Mm58));
        assert_eq!("58".parse(), Ok(Paper::Mm58));
        assert_eq!("76mm".parse::<Paper>(), Err(PaperError("76mm".into())));
        assert_eq!(Paper::Mm58.to_string().parse(), Ok(Paper::Mm58));
    }

    #[test]
    fn only_non_normal_classes_get_a_label() {
        assert_eq!(class_label(TicketClass::Normal), None);
        assert_eq!(class_label(TicketClass::Priority), Some("爱心优先"));
        assert_eq!(class_label(TicketClass::Green), Some("绿色通道"));
        assert_eq!(class_label(TicketClass::Appointment), Some("预约"));
    }
}
