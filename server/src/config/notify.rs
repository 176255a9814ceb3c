//! `[notify]`: the hall's near-turn notices (R32) — a webhook the server posts to from its outbox.

use serde::Deserialize;
use toml::Spanned;

use super::ConfigError;
use super::raw::Locator;

/// `[notify]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNotify {
    #[serde(default)]
    enabled: bool,
    /// `http(s)://host[:port]/path` of the hall's receiver (an SMS gateway's relay, say).
    #[serde(default)]
    url: Option<Spanned<String>>,
    /// The HMAC-SHA256 key of the signature, in the file…
    #[serde(default)]
    secret: Option<Spanned<String>>,
    /// …or the name of an environment variable holding it (kept out of the file).
    #[serde(default)]
    secret_env: Option<Spanned<String>>,
    #[serde(default)]
    ahead: Option<Spanned<u32>>,
    #[serde(default)]
    minutes: Option<Spanned<u32>>,
    /// The booking reminder's time on the day before, `HH:MM`.
    #[serde(default)]
    reminder_time: Option<Spanned<String>>,
    #[serde(default)]
    timeout_seconds: Option<Spanned<u32>>,
    #[serde(default)]
    max_attempts: Option<Spanned<u32>>,
}

/// The validated notice settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NotifyCfg {
    pub(crate) enabled: bool,
    pub(crate) url: String,
    pub(crate) secret: String,
    /// A waiting ticket gets its notice when at most this many are ahead…
    pub(crate) ahead: u32,
    /// …or its estimated wait is at most this many minutes.
    pub(crate) minutes: u32,
    /// Minutes of the local day when the reminders of the next day's bookings go out.
    pub(crate) reminder_time: u32,
    pub(crate) timeout_seconds: u32,
    /// Tries of one notice before it is given up (and shown as failed on the console).
    pub(crate) max_attempts: u32,
}

impl Default for NotifyCfg {
    fn default() -> Self {
        NotifyCfg {
            enabled: false,
            url: String::new(),
            secret: String::new(),
            ahead: 3,
            minutes: 10,
            reminder_time: 18 * 60,
            timeout_seconds: 5,
            max_attempts: 10,
        }
    }
}

/// The shortest key accepted for the signature.
const MIN_SECRET: usize = 16;

pub(super) fn check(
    raw: RawNotify,
    loc: &Locator<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<NotifyCfg, ConfigError> {
    let d = NotifyCfg::default();
    let number = |v: &Option<Spanned<u32>>,
                  default: u32,
                  range: std::ops::RangeInclusive<u32>,
                  what: &str| {
        match v {
            None => Ok(default),
            Some(s) if range.contains(s.get_ref()) => Ok(*s.get_ref()),
            Some(s) => Err(loc.err(
                s.span(),
                format!(
                    "notify.{what} is {}, outside {}–{}",
                    s.get_ref(),
                    range.start(),
                    range.end()
                ),
                format!(
                    "use a value from {} to {}, e.g. {default}",
                    range.start(),
                    range.end()
                ),
            )),
        }
    };
    let ahead = number(&raw.ahead, d.ahead, 0..=50, "ahead")?;
    let minutes = number(&raw.minutes, d.minutes, 0..=240, "minutes")?;
    let timeout_seconds = number(
        &raw.timeout_seconds,
        d.timeout_seconds,
        1..=60,
        "timeout_seconds",
    )?;
    let max_attempts = number(&raw.max_attempts, d.max_attempts, 1..=100, "max_attempts")?;
    let reminder_time = match &raw.reminder_time {
        None => d.reminder_time,
        Some(s) => crate::calendar::parse_hhmm(s.get_ref())
            .filter(|m| *m < 1440)
            .ok_or_else(|| {
                loc.err(
                    s.span(),
                    format!("notify.reminder_time {:?} is not a time", s.get_ref()),
                    "write it as \"HH:MM\", e.g. \"18:00\"",
                )
            })?,
    };
    let url = match &raw.url {
        Some(u) => {
            check_url(u.get_ref()).map_err(|why| loc.err(u.span(), why, "give the receiver as http://host:port/path or https://…, e.g. \"http://192.168.1.20:9000/qcall\""))?;
            u.get_ref().trim().to_string()
        }
        None if raw.enabled => {
            return Err(loc.err(
                0..0,
                "notify.enabled is true but notify.url is missing",
                "add url = \"http://…\" under [notify], or set enabled = false",
            ));
        }
        None => String::new(),
    };
    let secret = match (&raw.secret, &raw.secret_env) {
        (Some(_), Some(e)) => {
            return Err(loc.err(
                e.span(),
                "notify.secret and notify.secret_env are both given",
                "keep one: secret_env (the name of an environment variable) keeps the key out of the file",
            ));
        }
        (Some(s), None) => (s.get_ref().clone(), s.span()),
        (None, Some(e)) => {
            let value = env(e.get_ref()).ok_or_else(|| {
                loc.err(
                    e.span(),
                    format!("the environment variable {:?} (notify.secret_env) is not set", e.get_ref()),
                    "set it in the server's environment (e.g. the systemd unit's Environment=), or give notify.secret",
                )
            })?;
            (value, e.span())
        }
        (None, None) => (String::new(), 0..0),
    };
    if raw.enabled && secret.0.chars().count() < MIN_SECRET {
        return Err(loc.err(
            secret.1,
            format!("the notice webhook's secret has fewer than {MIN_SECRET} characters"),
            "give notify.secret (or secret_env) a random key of at least 16 characters, e.g. from `openssl rand -hex 32`; the receiver checks each notice's signature with it",
        ));
    }
    Ok(NotifyCfg {
        enabled: raw.enabled,
        url,
        secret: secret.0,
        ahead,
        minutes,
        reminder_time,
        timeout_seconds,
        max_attempts,
    })
}

/// An `http://` or `https://` address with a host; why not otherwise.
fn check_url(url: &str) -> Result<(), String> {
    let trimmed = url.trim();
    let rest = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"))
        .ok_or_else(|| format!("notify.url {url:?} is not an http:// or https:// address"))?;
    let host = rest.split(['/', '?']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') || host.contains(char::is_whitespace) {
        return Err(format!("notify.url {url:?} has no usable host"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<NotifyCfg, ConfigError> {
        #[derive(Deserialize)]
        struct File {
            notify: RawNotify,
        }
        let file: File = toml::from_str(src).expect("toml");
        let loc = Locator {
            src,
            file: "hall.toml",
        };
        check(file.notify, &loc, env)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_are_off_with_three_ahead_and_ten_minutes() {
        let c = parse("[notify]\n", &no_env).expect("ok");
        assert_eq!(c, NotifyCfg::default());
        assert!(!c.enabled);
    }

    #[test]
    fn an_enabled_webhook_needs_an_http_url_and_a_long_secret() {
        let ok = parse(
            "[notify]\nenabled = true\nurl = \"http://10.0.0.5:9000/n\"\nsecret = \"0123456789abcdef\"\nahead = 2\nreminder_time = \"17:30\"\n",
            &no_env,
        )
        .expect("ok");
        assert_eq!((ok.ahead, ok.reminder_time), (2, 17 * 60 + 30));
        let e = parse(
            "[notify]\nenabled = true\nsecret = \"0123456789abcdef\"\n",
            &no_env,
        )
        .expect_err("no url");
        assert!(e.message.contains("url is missing"), "{e:?}");
        parse(
            "[notify]\nenabled = true\nurl = \"https://sms.example/n\"\nsecret = \"0123456789abcdef\"\n",
            &no_env,
        )
        .expect("https is fine");
        let e = parse(
            "[notify]\nenabled = true\nurl = \"ftp://x/n\"\nsecret = \"0123456789abcdef\"\n",
            &no_env,
        )
        .expect_err("ftp");
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.fix.contains("https://"), "{e:?}");
        let e = parse(
            "[notify]\nenabled = true\nurl = \"http://x/n\"\nsecret = \"short\"\n",
            &no_env,
        )
        .expect_err("short");
        assert_eq!(e.line, 4, "{e:?}");
    }

    #[test]
    fn the_secret_may_come_from_the_environment() {
        let env = |name: &str| (name == "QCALL_NOTIFY_KEY").then(|| "k".repeat(32));
        let c = parse(
            "[notify]\nenabled = true\nurl = \"http://x:1/n\"\nsecret_env = \"QCALL_NOTIFY_KEY\"\n",
            &env,
        )
        .expect("ok");
        assert_eq!(c.secret.len(), 32);
        let e = parse(
            "[notify]\nenabled = true\nurl = \"http://x:1/n\"\nsecret_env = \"OTHER\"\n",
            &env,
        )
        .expect_err("unset");
        assert!(e.message.contains("OTHER"), "{e:?}");
        let e = parse(
            "[notify]\nurl = \"http://x:1/n\"\nsecret = \"0123456789abcdef\"\nsecret_env = \"QCALL_NOTIFY_KEY\"\n",
            &env,
        )
        .expect_err("both");
        assert_eq!(e.line, 4);
    }

    #[test]
    fn numbers_out_of_range_name_their_line() {
        let e = parse("[notify]\nminutes = 999\n", &no_env).expect_err("range");
        assert_eq!(e.line, 2);
        let e = parse("[notify]\nreminder_time = \"25:00\"\n", &no_env).expect_err("time");
        assert_eq!(e.line, 2);
    }
}
