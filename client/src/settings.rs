//! Where the server is, who this device is and which language it speaks: the same settings for
//! every app, from a small TOML file or the command line (the command line wins).
//!
//! ```toml
//! # /etc/qcall/kiosk.toml
//! server = "http://192.168.1.10:8700"  # or https://qcall.hall.local behind a TLS proxy
//! key = "kiosk-1-secret-key"     # a device key; for the caller, the staff number to prefill
//! lang = "zh"                    # zh (default) or en
//! # ca_file = "hall-ca.pem"      # https only: a CA to trust besides the machine's store
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
use crate::tls::{Tls, TlsError};

/// Where a server listens when a bare address names no port: `qcall-server`'s default.
pub const DEFAULT_PORT: u16 = 8700;
/// The port of an `https://` or `wss://` address that names none (a TLS proxy's).
pub const DEFAULT_TLS_PORT: u16 = 443;
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
    /// The hall server, e.g. `http://192.168.1.10:8700`, `192.168.1.10` (port 8700), or
    /// `https://qcall.hall.local` (port 443) behind a TLS reverse proxy.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// This device's key (kiosk, display), or the staff number to prefill (caller). Prefer the
    /// config file: the command line is visible to other users.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The screen language.
    #[arg(long, value_enum, value_name = "zh|en")]
    pub lang: Option<Lang>,
    /// A TOML file with `server`, `key`, `lang`, `ca_file` and the app's own sections.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// For an `https://` server: PEM certificates to trust besides the machine's store, e.g. the
    /// hall's own CA.
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
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
    /// The `ca_file` cannot be used.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// The hall server's address: the base of REST URLs and the WebSocket URL, and for `https://` the
/// TLS trust that both use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddr {
    /// `http://host:port` or `https://host:port`, no trailing slash.
    base: String,
    /// `ws://host:port/api/v1/ws` or `wss://…`.
    ws: String,
    /// `https://` / `wss://`: REST and the WebSocket speak TLS.
    secure: bool,
    /// The trust set with [`ServerAddr::with_tls`]; the machine's store when `None`.
    tls: Option<Tls>,
}

impl ServerAddr {
    /// Reads `http://host:port`, `ws://host:port`, a bare `host[:port]` (plain HTTP, port 8700 when
    /// it names none), or `https://host[:port]` / `wss://host[:port]` (TLS, port 443 when it names
    /// none: a reverse proxy in front of the hall server, see the README).
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
        let secure = match url.scheme() {
            "http" | "ws" => false,
            "https" | "wss" => true,
            other => {
                return Err(bad(&format!(
                    "unknown scheme {other:?}; use http:// or, behind a TLS proxy, https://"
                )));
            }
        };
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
            None if secure => DEFAULT_TLS_PORT,
            None => url.port_or_known_default().unwrap_or(DEFAULT_PORT),
        };
        let (http, ws) = if secure {
            ("https", "wss")
        } else {
            ("http", "ws")
        };
        // IPv6 hosts come back bracketed from `host_str`, ready to format.
        Ok(ServerAddr {
            base: format!("{http}://{host}:{port}"),
            ws: format!("{ws}://{host}:{port}{}/ws", qcall_protocol::API_PREFIX),
            secure,
            tls: None,
        })
    }

    /// The same address trusting `tls` (e.g. [`Tls::with_ca_file`]) instead of the machine's store
    /// alone. A plain `http://` address keeps it but never uses it.
    pub fn with_tls(self, tls: Tls) -> ServerAddr {
        ServerAddr {
            tls: Some(tls),
            ..self
        }
    }

    /// Whether REST and the WebSocket speak TLS (`https://`, `wss://`).
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The TLS trust of an `https://` address (the one set with [`ServerAddr::with_tls`], else
    /// the machine's store); `None` for plain HTTP.
    pub fn tls(&self) -> Option<Tls> {
        self.secure
            .then(|| self.tls.clone().unwrap_or_else(Tls::system))
    }

    /// `http://host:port` or `https://host:port`: REST URLs are this plus `/api/v1/…`.
    pub fn http_base(&self) -> &str {
        &self.base
    }

    /// The live-updates WebSocket, `ws://host:port/api/v1/ws` or `wss://…`.
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
    ca_file: Option<PathBuf>,
    #[serde(flatten)]
    rest: toml::Table,
}

/// The settings an app runs with.
#[derive(Clone, PartialEq)]
pub struct Settings {
    /// The hall server (with the `ca_file`'s trust once [`Settings::load`] read it).
    pub server: ServerAddr,
    /// PEM certificates to trust for an `https://` server besides the machine's store; a relative
    /// path in the config file is relative to the file.
    pub ca_file: Option<PathBuf>,
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
            .field("ca_file", &self.ca_file)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .field("file", &self.file)
            .finish()
    }
}

impl Settings {
    /// Reads `args.config` when given, merges it under the command line, and reads the `ca_file`
    /// into the server's TLS trust.
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
        let mut settings = Settings::merge(
            args,
            file.as_ref().map(|(text, path)| (text.as_str(), *path)),
        )?;
        if let Some(path) = &settings.ca_file {
            settings.server = settings.server.with_tls(Tls::with_ca_file(path)?);
        }
        Ok(settings)
    }

    /// The command line over the file's text over the defaults; no I/O, for tests: the `ca_file`
    /// is only named here, [`Settings::load`] reads it.
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
        // A relative `ca_file` in the file is next to the file, wherever the app was started.
        let ca_file = args.ca_file.clone().or_else(|| {
            let named = parsed.ca_file?;
            let dir = file.and_then(|(_, path)| path.parent());
            Some(match dir {
                Some(dir) if named.is_relative() => dir.join(named),
                _ => named,
            })
        });
        Ok(Settings {
            server: ServerAddr::parse(&server)?,
            ca_file,
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
            format!("{}/api/v1/ws", base.replacen("http", "ws", 1))
        );
        let secure = base.starts_with("https://");
        assert_eq!(addr.is_secure(), secure, "{input}");
        assert_eq!(addr.tls().is_some(), secure, "{input}: TLS only for https");
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
        // Behind a TLS reverse proxy: port 443 unless named.
        check_addr("https://qcall.hall.local", "https://qcall.hall.local:443");
        check_addr("https://qcall.hall.local/", "https://qcall.hall.local:443");
        check_addr("https://10.0.0.5:8443", "https://10.0.0.5:8443");
        check_addr("wss://qcall.hall.local", "https://qcall.hall.local:443");
        check_addr("WSS://[::1]:9443", "https://[::1]:9443");
        for bad in [
            "",
            "ftp://h",
            "file:///etc/passwd",
            "http://h:8700/api/v1",
            "https://h/qcall",
            "https://h?x=1",
            "http://u:p@h",
            "https://u@h",
        ] {
            assert!(ServerAddr::parse(bad).is_err(), "{bad:?} is refused");
        }
        let e = ServerAddr::parse("ftp://h")
            .expect_err("scheme")
            .to_string();
        assert!(
            e.contains("http://") && e.contains("https://"),
            "the message says the fix: {e}"
        );
        let addr = ServerAddr::parse("h:1").expect("addr");
        assert_eq!(addr.url_of("/t/abc"), "http://h:1/t/abc");
        let addr = ServerAddr::parse("https://h").expect("addr");
        assert_eq!(addr.url_of("/t/abc"), "https://h:443/t/abc");
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
        assert!(Settings::merge(&args(&["--server", "gopher://h"]), None).is_err());
    }

    #[test]
    fn a_ca_file_comes_from_the_command_line_or_next_to_the_config_file() {
        let file = "server = \"https://qcall.hall.local\"\nca_file = \"hall-ca.pem\"\n";
        let path = Path::new("/etc/qcall/kiosk.toml");
        let s = Settings::merge(&args(&[]), Some((file, path))).expect("file");
        assert_eq!(
            s.ca_file.as_deref(),
            Some(Path::new("/etc/qcall/hall-ca.pem"))
        );
        let absolute = "ca_file = \"/srv/ca.pem\"\n";
        let s = Settings::merge(&args(&[]), Some((absolute, path))).expect("absolute");
        assert_eq!(s.ca_file.as_deref(), Some(Path::new("/srv/ca.pem")));
        let s = Settings::merge(&args(&["--ca-file", "mine.pem"]), Some((file, path)))
            .expect("command line");
        assert_eq!(
            s.ca_file.as_deref(),
            Some(Path::new("mine.pem")),
            "as typed"
        );
        assert_eq!(
            Settings::merge(&args(&[]), None).expect("none").ca_file,
            None
        );
    }

    #[test]
    fn load_reads_the_ca_file_into_the_servers_trust() {
        let dir = tempfile::tempdir().expect("tmp");
        let ca = rcgen::generate_simple_self_signed(vec!["qcall.hall.local".into()]).expect("ca");
        std::fs::write(dir.path().join("hall-ca.pem"), ca.cert.pem()).expect("write");
        let config = dir.path().join("display.toml");
        std::fs::write(
            &config,
            "server = \"https://qcall.hall.local\"\nca_file = \"hall-ca.pem\"\n",
        )
        .expect("write");
        let s =
            Settings::load(&args(&["--config", config.to_str().expect("utf-8")])).expect("load");
        let tls = s.server.tls().expect("https");
        assert_eq!(
            tls.ca_file(),
            Some(dir.path().join("hall-ca.pem").as_path())
        );

        let missing = dir.path().join("nope.pem");
        let e = Settings::load(&args(&[
            "--server",
            "https://h",
            "--ca-file",
            missing.to_str().expect("utf-8"),
        ]))
        .expect_err("missing CA")
        .to_string();
        assert!(e.contains("nope.pem"), "names the file: {e}");
        // Without a ca_file, an https server is checked against the machine's store.
        let s = Settings::load(&args(&["--server", "https://h"])).expect("load");
        assert_eq!(
            s.server
                .tls()
                .and_then(|t| t.ca_file().map(Path::to_path_buf)),
            None
        );
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
