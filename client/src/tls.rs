//! TLS for an `https://` or `wss://` server address (a reverse proxy in front of the hall server,
//! README "HTTPS on the hall LAN"): the one rustls client configuration an app uses for both its
//! REST calls and its WebSocket, and how to tell a TLS failure from any other link failure.
//!
//! The certificates trusted are the machine's own store (`/etc/ssl/certs`, or `SSL_CERT_FILE` /
//! `SSL_CERT_DIR`: where an admin installs a hall's CA with `update-ca-certificates`) plus, when
//! given, the PEM certificates of the app's `ca_file` setting: a hall that signs its proxy's
//! certificate with a CA of its own hands each app that CA's certificate, without touching the
//! machine's store. Nothing turns verification off.
//!
//! The crypto is aws-lc-rs, rustls's default provider: reqwest 0.13 offers rustls only with it
//! (its `rustls-no-provider` panics in every client built before a provider is installed, the
//! tests' plain ones included), and it builds here with a C compiler alone.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};
use tracing::{debug, warn};

/// Why a `ca_file` cannot be used; the message names the file and the fix.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file cannot be read.
    #[error("ca_file {path}: cannot read it: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file holds no usable certificate.
    #[error(
        "ca_file {path}: {reason}; give the CA's certificate in PEM (-----BEGIN CERTIFICATE-----)"
    )]
    Certificates {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// The trust an app's TLS connections use: one rustls [`ClientConfig`], cheap to clone, shared by
/// the [`crate::RestClient`] and the [`crate::Connection`] of a server address
/// ([`crate::ServerAddr::tls`]).
#[derive(Clone)]
pub struct Tls {
    config: Arc<ClientConfig>,
    /// The extra certificates' file, if any: what tells two trusts apart.
    ca_file: Option<PathBuf>,
}

impl Tls {
    /// The machine's trust store alone, loaded once per process.
    pub fn system() -> Tls {
        static SYSTEM: OnceLock<Tls> = OnceLock::new();
        SYSTEM
            .get_or_init(|| Tls {
                config: client_config(system_roots()),
                ca_file: None,
            })
            .clone()
    }

    /// The machine's trust store plus every certificate in `path` (PEM), e.g. a hall's own CA.
    pub fn with_ca_file(path: &Path) -> Result<Tls, TlsError> {
        let pem = std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |reason: String| TlsError::Certificates {
            path: path.to_path_buf(),
            reason,
        };
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(format!("not PEM: {e}")))?;
        if certs.is_empty() {
            return Err(bad("no certificate in it".into()));
        }
        let mut roots = system_roots();
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| bad(format!("not a usable CA certificate: {e}")))?;
        }
        Ok(Tls {
            config: client_config(roots),
            ca_file: Some(path.to_path_buf()),
        })
    }

    /// The rustls configuration, for reqwest and tokio-tungstenite.
    pub fn client_config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// The extra certificates' file, if any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }
}

impl PartialEq for Tls {
    fn eq(&self, other: &Tls) -> bool {
        self.ca_file == other.ca_file
    }
}

impl Eq for Tls {}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("ca_file", &self.ca_file)
            .finish_non_exhaustive()
    }
}

/// The machine's store. Unreadable entries are skipped with a warning: one bad file in
/// `/etc/ssl/certs` must not keep an app off a server whose CA is elsewhere in it.
fn system_roots() -> RootCertStore {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        warn!(cause = %error, "system certificate store: skipped");
    }
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    debug!(added, ignored, "system certificate store loaded");
    roots
}

fn client_config(roots: RootCertStore) -> Arc<ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|builder| builder.with_root_certificates(roots).with_no_client_auth());
    // The provider's own default versions are always valid for it.
    Arc::new(config.expect("aws-lc-rs supports the safe default TLS versions"))
}

/// The TLS failure somewhere in `error`'s chain, if there is one (an untrusted or mismatched
/// certificate, a handshake with something that does not speak TLS): the apps then say "secure
/// connection failed" rather than "cannot reach the server". tokio-rustls hands rustls errors up
/// inside `std::io::Error`, whose `source` skips the wrapped error, hence the `get_ref`.
pub fn tls_failure<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    if let Some(io) = error.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
        && let Some(tls) = tls_failure(inner)
    {
        return Some(tls);
    }
    error.source().and_then(tls_failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_is_read_and_bad_ones_are_refused_with_the_file() {
        let dir = tempfile::tempdir().expect("tmp");
        let missing = dir.path().join("hall-ca.pem");
        let e = Tls::with_ca_file(&missing)
            .expect_err("missing")
            .to_string();
        assert!(
            e.contains("hall-ca.pem") && e.contains("cannot read"),
            "{e}"
        );

        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let e = Tls::with_ca_file(&empty).expect_err("empty").to_string();
        assert!(e.contains("empty.pem") && e.contains("PEM"), "{e}");

        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let e = Tls::with_ca_file(&garbage)
            .expect_err("garbage")
            .to_string();
        assert!(e.contains("garbage.pem"), "{e}");

        let ca = rcgen::generate_simple_self_signed(vec!["hall.local".into()]).expect("cert");
        let good = dir.path().join("ca.pem");
        std::fs::write(&good, ca.cert.pem()).expect("write");
        let tls = Tls::with_ca_file(&good).expect("a PEM certificate");
        assert_eq!(tls.ca_file(), Some(good.as_path()));
        assert_ne!(tls, Tls::system(), "a different trust");
        assert_eq!(Tls::system(), Tls::system());
    }

    #[test]
    fn tls_failures_are_found_inside_io_errors() {
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, tls.clone());
        assert_eq!(tls_failure(&io), Some(&tls));
        let ws = tokio_tungstenite::tungstenite::Error::Io(io);
        assert_eq!(tls_failure(&ws), Some(&tls));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(tls_failure(&refused), None);
    }
}
