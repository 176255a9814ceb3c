//! Where the server is, who this device is and which language it speaks: the same three settings for
//! every app, from a small TOML file or the command line (the command line wins).
//!
//! ```toml
//! # /etc/qcall/kiosk.toml
//! server = "http://192.168.1.10:8700"
//! key = "kiosk-1-secret-key"     # a device key; for the caller, the staff number to prefill
//! lang = "zh"                    # zh (default) or en
//!
//! [printer]                      # anything else is the app's own section, see `Settings::section`
//! destination = "tcp:192.168.1.50:9100"
//! ```
//!
//! A device key is a secret: put it in the file (readable by the app's user only) rather than on the
//! command line, where `ps` shows it. Settings never print it.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::i18n::Lang;

/// Where a server listens when the address names no port: `qcall-server`'s default.
pub const DEFAULT_PORT: u16 = 8700;
/// The server when none is configured: one on this machine, as in the README's quick start.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8700";

/// The command-line options every app takes. Apps add their own with `#[command(flatten)]`:
///
/// ```
/// #[derive(clap::Parser)]
/// struct Cli {
///     #[command(flatten)]
///     client: qcall_client::ClientArgs,
///     /// Start in elder mode.
///     #[arg(long)]
///     elder: bool,
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct ClientArgs {
    /// The hall server, e.g. `http://192.168.1.10:8700` or `192.168.1.10` (port 8700).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// This device's key (kiosk, display), or the staff number to prefill (caller). Prefer the
    /// config file: the command line is visible to other users.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The screen language.
    #[arg(long, value_enum, value_name = "zh|en")]
    pub lang: Option<Lang>,
    /// A TOML file with `server`, `key`, `lang` and the app's own sections.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Why the settings cannot be used; the message names the file or option and the fix.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The config file cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has a wrong value (the message has the line).
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
    /// The server address cannot be used.
    #[error("server address {value:?}: {reason}")]
    BadServer {
        /// What was given.
        value: String,
        /// Why it is refused, with the fix.
        reason: String,
    },
}

/// The hall server's address: the base of REST URLs and the WebSocket URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddr {
    /// `http://host:port`, no trailing slash.
    base: String,
    /// `ws://host:port/api/v1/ws`.
    ws: String,
}

impl ServerAddr {
    /// Reads `http://host:port`, `ws://host:port` or a bare `host[:port]` (port 8700 when a bare
    /// address names none). TLS is refused: the hall server speaks plain HTTP on the hall's LAN.
    pub fn parse(text: &str) -> Result<ServerAddr, SettingsError> {
        let bad = |reason: &str| SettingsError::BadServer {
            value: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(bad("empty; give e.g. http://192.168.1.10:8700"));
        }
        let bare = !trimmed.contains("://");
        let with_scheme = if bare {
            format!("http://{trimmed}")
        } else {
            trimmed.to_string()
        };
        let url = reqwest::Url::parse(&with_scheme)
            .map_err(|e| bad(&format!("{e}; give e.g. http://192.168.1.10:8700")))?;
        match url.scheme() {
            "http" | "ws" => {}
            "https" | "wss" => {
                return Err(bad(
                    "TLS is not supported: the hall server speaks plain HTTP on the LAN; use http://",
                ));
            }
            other => return Err(bad(&format!("unknown scheme {other:?}; use http://"))),
        }
        let host = url
            .host_str()
            .ok_or_else(|| bad("no host; give e.g. http://192.168.1.10:8700"))?
            .to_string();
        if !(url.path().is_empty() || url.path() == "/") || url.query().is_some() {
            return Err(bad(
                "give the server only, without a path: the client adds /api/v1 itself",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "no user or password in the address; use `key` for credentials",
            ));
        }
        let port = match url.port() {
            Some(port) => port,
            None if bare => DEFAULT_PORT,
            None => url.port_or_known_default().unwrap_or(DEFAULT_PORT),
        };
        // IPv6 hosts come back bracketed from `host_str`, ready to format.
        Ok(ServerAddr {
            base: format!("http://{host}:{port}"),
            ws: format!("ws://{host}:{port}{}/ws", qcall_protocol::API_PREFIX),
        })
    }

    /// `http://host:port`: REST URLs are this plus `/api/v1/…`.
    pub fn http_base(&self) -> &str {
        &self.base
    }

    /// The live-updates WebSocket, `ws://host:port/api/v1/ws`.
    pub fn ws_url(&self) -> &str {
        &self.ws
    }

    /// The full URL of a path the server gave, e.g. an issued ticket's `status_path` for its QR code.
    pub fn url_of(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base)
        } else {
            format!("{}/{path}", self.base)
        }
    }
}

impl std::fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.base)
    }
}

/// The config file's shape: the shared keys, and the rest for the app.
#[derive(Debug, Default, Deserialize)]
struct FileSettings {
    server: Option<String>,
    key: Option<String>,
    lang: Option<Lang>,
    #[serde(flatten)]
    rest: toml::Table,
}

/// The settings an app runs with.
#[derive(Clone, PartialEq)]
pub struct Settings {
    /// The hall server.
    pub server: ServerAddr,
    /// The device key (kiosk, display) or the staff number to prefill (caller).
    pub key: Option<String>,
    /// The screen language; Chinese unless told otherwise.
    pub lang: Lang,
    /// Every other key of the config file: the app's own sections (read with [`Settings::section`]).
    pub extra: toml::Table,
    /// The config file read, if any, for messages.
    pub file: Option<PathBuf>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("server", &self.server.http_base())
            .field("key", &self.key.as_ref().map(|_| "<set>"))
            .field("lang", &self.lang)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .field("file", &self.file)
            .finish()
    }
}

impl Settings {
    /// Reads `args.config` when given and merges it under the command line.
    pub fn load(args: &ClientArgs) -> Result<Settings, SettingsError> {
        let file = match &args.config {
            Some(path) => Some((
                std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
                    path: path.clone(),
                    source,
                })?,
                path.as_path(),
            )),
            None => None,
        };
        Settings::merge(
            args,
            file.as_ref().map(|(text, path)| (text.as_str(), *path)),
        )
    }

    /// The command line over the file's text over the defaults; no I/O, for tests.
    pub fn merge(
        args: &ClientArgs,
        file: Option<(&str, &Path)>,
    ) -> Result<Settings, SettingsError> {
        let parsed = match file {
            Some((text, path)) => {
                toml::from_str::<FileSettings>(text).map_err(|e| SettingsError::Parse {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?
            }
            None => FileSettings::default(),
        };
        let server = args
            .server
            .clone()
            .or(parsed.server)
            .unwrap_or_else(|| DEFAULT_SERVER.to_string());
        let key = args
            .key
            .clone()
            .or(parsed.key)
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty());
        Ok(Settings {
            server: ServerAddr::parse(&server)?,
            key,
            lang: args.lang.or(parsed.lang).unwrap_or_default(),
            extra: parsed.rest,
            file: file.map(|(_, path)| path.to_path_buf()),
        })
    }

    /// An app's own section of the config file, e.g. `[printer]`, if present.
    pub fn section<T: serde::de::DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<T>, SettingsError> {
        let Some(value) = self.extra.get(name) else {
            return Ok(None);
        };
        value
            .clone()
            .try_into()
            .map(Some)
            .map_err(|e: toml::de::Error| SettingsError::Parse {
                path: self.file.clone().unwrap_or_default(),
                message: format!("[{name}]: {e}"),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        client: ClientArgs,
    }

    fn args(line: &[&str]) -> ClientArgs {
        let mut argv = vec!["app"];
        argv.extend_from_slice(line);
        Cli::try_parse_from(argv)
            .expect("valid command line")
            .client
    }

    fn check_addr(input: &str, base: &str) {
        let addr = ServerAddr::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(addr.http_base(), base, "{input}");
        assert_eq!(
            addr.ws_url(),
            format!("{}/api/v1/ws", base.replace("http", "ws"))
        );
    }

    #[test]
    fn server_addresses_in_every_form_people_type() {
        check_addr("http://192.168.1.10:8700", "http://192.168.1.10:8700");
        check_addr("http://192.168.1.10:8700/", "http://192.168.1.10:8700");
        check_addr("192.168.1.10", "http://192.168.1.10:8700");
        check_addr(" 192.168.1.10:9000 ", "http://192.168.1.10:9000");
        check_addr("ws://hall-server:8700", "http://hall-server:8700");
        check_addr("http://hall-server", "http://hall-server:80");
        check_addr("[::1]:8700", "http://[::1]:8700");
        for bad in [
            "",
            "https://h",
            "wss://h",
            "ftp://h",
            "http://h:8700/api/v1",
            "http://u:p@h",
        ] {
            assert!(ServerAddr::parse(bad).is_err(), "{bad:?} is refused");
        }
        let e = ServerAddr::parse("https://h").expect_err("tls").to_string();
        assert!(e.contains("http://"), "the message says the fix: {e}");
        let addr = ServerAddr::parse("h:1").expect("addr");
        assert_eq!(addr.url_of("/t/abc"), "http://h:1/t/abc");
    }

    #[test]
    fn defaults_without_file_or_options() {
        let s = Settings::merge(&args(&[]), None).expect("defaults");
        assert_eq!(s.server.http_base(), DEFAULT_SERVER);
        assert_eq!(s.key, None);
        assert_eq!(s.lang, Lang::Zh, "Chinese by default");
    }

    #[test]
    fn the_command_line_wins_over_the_file() {
        let file = "server = \"10.0.0.5\"\nkey = \"file-key\"\nlang = \"en\"\n";
        let path = Path::new("kiosk.toml");
        let from_file = Settings::merge(&args(&[]), Some((file, path))).expect("file");
        assert_eq!(from_file.server.http_base(), "http://10.0.0.5:8700");
        assert_eq!(from_file.key.as_deref(), Some("file-key"));
        assert_eq!(from_file.lang, Lang::En);
        let both = Settings::merge(
            &args(&[
                "--server",
                "10.0.0.6:1234",
                "--key",
                "cli-key",
                "--lang",
                "zh",
            ]),
            Some((file, path)),
        )
        .expect("both");
        assert_eq!(both.server.http_base(), "http://10.0.0.6:1234");
        assert_eq!(both.key.as_deref(), Some("cli-key"));
        assert_eq!(both.lang, Lang::Zh);
        // Only what the command line sets wins; the rest still comes from the file.
        let partly = Settings::merge(&args(&["--lang", "zh"]), Some((file, path))).expect("partly");
        assert_eq!(partly.key.as_deref(), Some("file-key"));
    }

    #[test]
    fn bad_values_are_refused_with_the_file_and_line() {
        let path = Path::new("display.toml");
        let e = Settings::merge(&args(&[]), Some(("server = \"h\"\nlang = \"fr\"\n", path)))
            .expect_err("unknown language");
        let text = e.to_string();
        assert!(
            text.contains("display.toml") && text.contains("line 2"),
            "{text}"
        );
        assert!(Cli::try_parse_from(["app", "--lang", "fr"]).is_err());
        assert!(Settings::merge(&args(&["--server", "https://h"]), None).is_err());
    }

    #[test]
    fn app_sections_are_left_for_the_app() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Printer {
            address: String,
        }
        let file = "key = \"k\"\n[printer]\naddress = \"192.168.1.50:9100\"\n";
        let s = Settings::merge(&args(&[]), Some((file, Path::new("kiosk.toml")))).expect("ok");
        assert_eq!(
            s.section::<Printer>("printer").expect("printer"),
            Some(Printer {
                address: "192.168.1.50:9100".into()
            })
        );
        assert_eq!(s.section::<Printer>("audio").expect("absent"), None);
        assert!(s.section::<u32>("printer").is_err());
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let s = Settings::merge(&args(&["--key", "secret-device-key"]), None).expect("ok");
        assert!(!format!("{s:?}").contains("secret-device-key"));
    }

    #[test]
    fn load_reads_the_file_and_names_it_when_missing() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("caller.toml");
        std::fs::write(&path, "key = \"1001\"\n").expect("write");
        let s = Settings::load(&args(&["--config", path.to_str().expect("utf-8")])).expect("load");
        assert_eq!(s.key.as_deref(), Some("1001"));
        let missing = dir.path().join("nope.toml");
        let e = Settings::load(&args(&["--config", missing.to_str().expect("utf-8")]))
            .expect_err("missing");
        assert!(e.to_string().contains("nope.toml"));
    }
}
