//! Times of day as the hall config and the wire write them: `HH:MM` (00:00–24:00) and ranges
//! `HH:MM-HH:MM`. One parser for the server's config check, the kiosk's break rule and the
//! display's quiet hours, so that they cannot disagree on what a time is.

/// Minutes since midnight of `HH:MM`, two digits each, from `00:00` to `24:00`.
pub fn parse_hhmm(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 1440).then_some(total)
}

/// Both ends of `HH:MM-HH:MM` in minutes, in the order written; whether the end may come before
/// the start (a range across midnight) is the caller's rule.
pub fn parse_hhmm_range(text: &str) -> Option<(u32, u32)> {
    let (a, b) = text.split_once('-')?;
    Some((parse_hhmm(a)?, parse_hhmm(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_of_day() {
        for (text, expected) in [
            ("00:00", Some(0)),
            ("09:30", Some(570)),
            (" 17:05 ", Some(1025)),
            ("24:00", Some(1440)),
            ("24:01", None),
            ("9:30", None),
            ("09:60", None),
            ("0930", None),
            ("ab:cd", None),
        ] {
            assert_eq!(parse_hhmm(text), expected, "{text:?}");
        }
        assert_eq!(parse_hhmm_range("09:00-17:30"), Some((540, 1050)));
        assert_eq!(parse_hhmm_range("22:00-06:00"), Some((1320, 360)));
        assert_eq!(parse_hhmm_range("09:00"), None);
        assert_eq!(parse_hhmm_range("09:00-9:30"), None);
    }
}
