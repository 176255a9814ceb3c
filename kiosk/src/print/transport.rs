//! Getting the bytes to the printer: a network printer (raw TCP, port 9100), a device file (USB
//! `/dev/usb/lp0`, serial `/dev/ttyS0`), a plain file, or nowhere.
//!
//! Every way is bounded in time, so a dead printer costs the kiosk at most a few seconds on a worker
//! thread, never a hang: TCP connect and write have timeouts, a device is opened non-blocking and
//! polled against a deadline, and the whole device job runs on a helper thread that is abandoned
//! if it still overstays (an open() the kernel blocks).
//!
//! Where the way back exists (TCP, device files) the printer is asked for its real-time status
//! (`DLE EOT`, see [`super::status`]) before the slip and again after it: a printer without paper,
//! with its cover open or in error is a print fault, not a slip the citizen waits for in vain. A
//! printer that does not answer within [`STATUS_WAIT`] is printed to as before, and not asked again
//! for that slip.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use super::status::{ANSWERS, Fault, PrinterStatus, STATUS_QUERY};

/// The raw-printing port of network printers (JetDirect / AppSocket).
pub const DEFAULT_PORT: u16 = 9100;

/// How long each step (resolve, connect, write) may take by default: long enough for a printer that
/// is busy cutting the previous slip, short enough that the citizen is not left waiting.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long to wait, after the last byte, for the printer to close its side. That close is the
/// only sign that it read everything; a printer that keeps the connection open costs this much.
const CLOSE_WAIT: Duration = Duration::from_millis(500);

/// How long to wait for the answers to a status query. Printers answer `DLE EOT` within
/// milliseconds; one that says nothing in this time does not answer at all on this transport.
pub const STATUS_WAIT: Duration = Duration::from_millis(500);

/// How often a non-blocking device is polled while it is not ready.
const POLL: Duration = Duration::from_millis(10);

/// Where slips go, as written in the kiosk's configuration (see [`Destination::from_str`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// A network printer: `tcp:HOST:PORT`, or `tcp:HOST` for port 9100.
    Tcp {
        /// Host name or IP address (IPv6 without brackets).
        host: String,
        /// TCP port.
        port: u16,
    },
    /// A printer device file, opened and written as is: `/dev/usb/lp0`, `/dev/ttyS0` (the serial
    /// line's speed is the operating system's setting, e.g. `stty -F /dev/ttyS0 9600`).
    Device(PathBuf),
    /// `file:PATH`: slips are appended to this file, for tests, demos without a printer, or an
    /// archive of what was printed.
    File(PathBuf),
    /// `none`: this kiosk has no printer; printing succeeds and does nothing.
    None,
}

/// A destination string that is none of the forms [`Destination`] accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid printer destination {given:?}: {why} (expected tcp:HOST[:PORT], a device path such as \
     /dev/usb/lp0, file:PATH, or none)"
)]
pub struct DestinationError {
    /// What was given.
    pub given: String,
    /// What is wrong with it.
    pub why: &'static str,
}

impl Destination {
    /// Whether slips actually go somewhere: a kiosk with `none` tells citizens up front that it does
    /// not print, rather than after each ticket.
    pub fn prints(&self) -> bool {
        !matches!(self, Destination::None)
    }
}

impl FromStr for Destination {
    type Err = DestinationError;

    /// Parses `tcp:HOST`, `tcp:HOST:PORT`, `tcp:[IPV6]:PORT`, an absolute device path, `file:PATH`
    /// or `none`. Nothing is resolved or opened here.
    fn from_str(s: &str) -> Result<Destination, DestinationError> {
        let given = s.trim();
        let fail = |why| DestinationError {
            given: s.to_string(),
            why,
        };
        if given.is_empty() {
            return Err(fail("it is empty"));
        }
        if given.eq_ignore_ascii_case("none") {
            return Ok(Destination::None);
        }
        if let Some(rest) = given.strip_prefix("tcp:") {
            if rest.contains(|c: char| c.is_whitespace() || "/?#@".contains(c)) {
                return Err(fail("the host is not a host name or IP address"));
            }
            let (host, port) = split_host_port(rest).map_err(fail)?;
            if host.is_empty() {
                return Err(fail("the host is missing"));
            }
            let port = match port {
                None => DEFAULT_PORT,
                Some(p) => match p.parse::<u16>() {
                    Ok(0) | Err(_) => return Err(fail("the port is not a number from 1 to 65535")),
                    Ok(p) => p,
                },
            };
            return Ok(Destination::Tcp {
                host: host.to_string(),
                port,
            });
        }
        if let Some(path) = given.strip_prefix("file:") {
            if path.is_empty() {
                return Err(fail("the file path is missing"));
            }
            return Ok(Destination::File(PathBuf::from(path)));
        }
        if given.starts_with('/') {
            return Ok(Destination::Device(PathBuf::from(given)));
        }
        if given.contains("://") {
            return Err(fail("a URL is not a printer destination"));
        }
        Err(fail("unknown kind of destination"))
    }
}

/// `HOST`, `HOST:PORT`, `[V6]` or `[V6]:PORT` into host and optional port.
fn split_host_port(s: &str) -> Result<(&str, Option<&str>), &'static str> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address needs its closing ]")?;
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err("only :PORT may follow ]"),
            },
        };
    }
    match s.matches(':').count() {
        0 => Ok((s, None)),
        1 => Ok(s
            .split_once(':')
            .map(|(h, p)| (h, Some(p)))
            .unwrap_or((s, None))),
        _ => Err("write an IPv6 address in brackets, e.g. tcp:[fe80::1]:9100"),
    }
}

impl fmt::Display for Destination {
    /// The configuration form, which parses back to the same destination.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Tcp { host, port } if host.contains(':') => {
                write!(f, "tcp:[{host}]:{port}")
            }
            Destination::Tcp { host, port } => write!(f, "tcp:{host}:{port}"),
            Destination::Device(path) => write!(f, "{}", path.display()),
            Destination::File(path) => write!(f, "file:{}", path.display()),
            Destination::None => f.write_str("none"),
        }
    }
}

/// The step of a print job that ran out of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Looking up the printer's host name.
    Resolve,
    /// Opening the TCP connection.
    Connect,
    /// Sending the bytes (for a device: opening it and writing).
    Write,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Resolve => "resolving the host",
            Stage::Connect => "connecting",
            Stage::Write => "writing",
        })
    }
}

/// Why a slip was not printed. The ticket exists anyway: the kiosk shows [`PrintError::message_zh`] and
/// [`PrintError::message_en`] to the citizen and logs the `Display` form (which names the printer and
/// the cause) for hall IT.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Nothing listens at the printer's address: it is off, or the IP or port is wrong.
    #[error("printer {addr} refused the connection (switched off, or wrong address or port)")]
    Refused {
        /// The address tried last.
        addr: SocketAddr,
    },
    /// A step took longer than the timeout: the printer is off the network, hung, or out of paper
    /// with a full buffer.
    #[error("printer did not answer within {after:?} while {stage}")]
    Timeout {
        /// The step that ran out of time.
        stage: Stage,
        /// The timeout.
        after: Duration,
    },
    /// The network says there is no route to the printer.
    #[error("printer {addr} is unreachable (network down or wrong address)")]
    Unreachable {
        /// The address tried last.
        addr: SocketAddr,
    },
    /// The host name does not resolve, or the device file is missing (USB printer unplugged or off).
    #[error("printer not found: {what}")]
    NotFound {
        /// The host name or path.
        what: String,
    },
    /// The kiosk's user may not write to the device or file.
    #[error(
        "no permission to write to {} (add the kiosk's user to the device's group, e.g. lp or dialout)",
        path.display()
    )]
    PermissionDenied {
        /// The device or file.
        path: PathBuf,
    },
    /// Any other I/O failure, e.g. the printer dropped the connection halfway.
    #[error("printing to {target} failed: {source}")]
    Io {
        /// The destination, as configured.
        target: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The slip could not be turned into printer bytes (only a status URL too long for a QR code).
    #[error("the slip could not be encoded: {0}")]
    Encode(String),
    /// The printer answered its status query with a fault: before the slip (nothing was printed)
    /// or after it (the slip may be incomplete).
    #[error("printer {target} reports {fault} ({})", if *.after_slip { "after the slip: it may be incomplete" } else { "before the slip: nothing was printed" })]
    Fault {
        /// The destination, as configured.
        target: String,
        /// What is wrong.
        fault: Fault,
        /// Whether it was seen after the slip was sent (else before, and the slip was not sent).
        after_slip: bool,
    },
}

/// What every failure message ends with: the ticket is valid, and how to keep it.
macro_rules! advice_zh {
    () => {
        "您的号码已取到，请记下屏幕上的号码，或用手机扫描屏幕上的二维码查看排队进度。"
    };
}
macro_rules! advice_en {
    () => {
        "Your ticket is valid: please note the number on the screen, or scan the QR code on the \
         screen with your phone to follow the queue."
    };
}

impl PrintError {
    /// A short, kind message for the citizen at the kiosk, in Chinese: what happened in plain words,
    /// then that the ticket is valid and how to keep it.
    pub fn message_zh(&self) -> &'static str {
        match self {
            PrintError::Refused { .. }
            | PrintError::Unreachable { .. }
            | PrintError::NotFound { .. } => concat!("打印机暂时无法连接。", advice_zh!()),
            PrintError::Timeout { .. } => concat!("打印机暂时没有响应。", advice_zh!()),
            PrintError::PermissionDenied { .. } | PrintError::Io { .. } | PrintError::Encode(_) => {
                concat!("小票打印出现故障。", advice_zh!())
            }
            PrintError::Fault { fault, .. } => match fault {
                Fault::PaperOut => concat!("打印机缺纸，请告知工作人员。", advice_zh!()),
                Fault::CoverOpen => concat!("打印机纸仓盖未合上，请告知工作人员。", advice_zh!()),
                Fault::Error | Fault::Offline => {
                    concat!("打印机故障，请告知工作人员。", advice_zh!())
                }
            },
        }
    }

    /// The same message in English, for the kiosk's English mode.
    pub fn message_en(&self) -> &'static str {
        match self {
            PrintError::Refused { .. }
            | PrintError::Unreachable { .. }
            | PrintError::NotFound { .. } => {
                concat!("The printer cannot be reached right now. ", advice_en!())
            }
            PrintError::Timeout { .. } => {
                concat!("The printer is not responding right now. ", advice_en!())
            }
            PrintError::PermissionDenied { .. } | PrintError::Io { .. } | PrintError::Encode(_) => {
                concat!("The ticket could not be printed. ", advice_en!())
            }
            PrintError::Fault { fault, .. } => match fault {
                Fault::PaperOut => concat!(
                    "The printer is out of paper; please tell a member of staff. ",
                    advice_en!()
                ),
                Fault::CoverOpen => concat!(
                    "The printer's cover is open; please tell a member of staff. ",
                    advice_en!()
                ),
                Fault::Error | Fault::Offline => concat!(
                    "The printer has a fault; please tell a member of staff. ",
                    advice_en!()
                ),
            },
        }
    }
}

/// Sends `bytes` to `destination`, each step bounded by `timeout`. Blocking: call it from a worker
/// thread, never from the UI thread.
///
/// On TCP and device files the printer is asked for its status (`DLE EOT`) before the slip, and,
/// if it answered, again after it. A fault before the slip sends nothing and is
/// [`PrintError::Fault`]; one after it is the same error with `after_slip`. `Ok` carries the last
/// status the printer gave (for warnings such as a roll near its end), or `None` when it gave none
/// (a file, or a printer that does not answer on this transport).
///
/// Without a status, `Ok` means only that the bytes were handed over: written to the file or
/// device, or read by the network printer (it closed its side after our last byte, or at least
/// accepted every byte).
pub fn send(
    destination: &Destination,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Option<PrinterStatus>, PrintError> {
    match destination {
        Destination::None => Ok(None),
        Destination::Tcp { host, port } => send_tcp(host, *port, bytes, timeout),
        Destination::File(path) => {
            let io = |e| fs_error(e, path);
            let mut file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(io)?;
            file.write_all(bytes).map_err(io)?;
            file.flush().map_err(io)?;
            Ok(None)
        }
        Destination::Device(path) => {
            let (path, bytes) = (path.clone(), bytes.to_vec());
            // Non-blocking and polled, so the job ends by itself; the helper thread is for an
            // open() that a driver blocks all the same. Its limit leaves room for both queries.
            let limit = timeout + 2 * STATUS_WAIT + Duration::from_millis(500);
            with_deadline(limit, Stage::Write, move || {
                send_device(&path, &bytes, timeout)
            })
        }
    }
}

/// A status read: the answer, or `None` when the printer said nothing (or nothing readable).
fn read_status(
    mut read: impl FnMut(&mut [u8]) -> io::Result<usize>,
    wait: Duration,
) -> io::Result<Option<PrinterStatus>> {
    let deadline = Instant::now() + wait;
    let mut got = Vec::with_capacity(ANSWERS);
    let mut buf = [0u8; 16];
    while got.len() < ANSWERS && Instant::now() < deadline {
        match read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => break,
            Err(e) => return Err(e),
        }
    }
    Ok(PrinterStatus::parse(&got))
}

/// The fault in `status`, as the error for `target`.
fn check(
    status: Option<PrinterStatus>,
    target: &str,
    after_slip: bool,
) -> Result<Option<PrinterStatus>, PrintError> {
    match status.and_then(|s| s.fault()) {
        Some(fault) => Err(PrintError::Fault {
            target: target.to_string(),
            fault,
            after_slip,
        }),
        None => Ok(status),
    }
}

fn send_tcp(
    host: &str,
    port: u16,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Option<PrinterStatus>, PrintError> {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            // The system resolver has no timeout of its own.
            let name = host.to_string();
            with_deadline(timeout, Stage::Resolve, move || {
                let not_found = || PrintError::NotFound { what: name.clone() };
                (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|addrs| addrs.collect())
                    .map_err(|_| not_found())
            })?
        }
    };
    let mut last_error = PrintError::NotFound {
        what: host.to_string(),
    };
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = connect_error(e, addr, timeout),
        }
    }
    let Some(mut stream) = stream else {
        return Err(last_error);
    };
    let target = format!("tcp:{host}:{port}");
    let io = |source| PrintError::Io {
        target: target.clone(),
        source,
    };
    let write_error = |e| match e {
        WriteError::Timeout => PrintError::Timeout {
            stage: Stage::Write,
            after: timeout,
        },
        WriteError::Io(source) => io(source),
    };
    // The slip is one burst; do not hold back its last segment.
    stream.set_nodelay(true).map_err(io)?;
    let wait = STATUS_WAIT.min(timeout);
    let query = |stream: &mut TcpStream| -> Result<Option<PrinterStatus>, PrintError> {
        write_all_by(stream, &STATUS_QUERY, Instant::now() + timeout).map_err(write_error)?;
        let deadline = Instant::now() + wait;
        read_status(
            |buf| {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::ErrorKind::TimedOut.into());
                }
                stream.set_read_timeout(Some(left))?;
                stream.read(buf)
            },
            wait,
        )
        .map_err(io)
    };
    let before = check(query(&mut stream)?, &target, false)?;
    write_all_by(&mut stream, bytes, Instant::now() + timeout).map_err(write_error)?;
    // A printer that did not answer before the slip will not answer after it.
    let after = match before {
        Some(_) => check(query(&mut stream)?, &target, true)?,
        None => None,
    };
    // Say we are done, then give the printer a moment to read everything and close: closing a socket
    // that still has unread input (a printer's status byte) resets it and may drop our last bytes.
    if stream.shutdown(Shutdown::Write).is_ok() {
        drain_until_closed(&mut stream, CLOSE_WAIT.min(timeout));
    }
    Ok(after.or(before))
}

/// A device file: opened for reading and writing without blocking where the system allows it (the
/// status answers come back on the same file), else for writing only and without a status.
fn send_device(
    path: &Path,
    bytes: &[u8],
    timeout: Duration,
) -> Result<Option<PrinterStatus>, PrintError> {
    let target = path.display().to_string();
    let io = |e| fs_error(e, path);
    let (mut device, can_read) = match open_device(path, true) {
        Ok(device) => (device, true),
        // A device the kiosk may write but not read: print without a status.
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            (open_device(path, false).map_err(io)?, false)
        }
        Err(e) => return Err(io(e)),
    };
    let write = |device: &mut std::fs::File, bytes: &[u8]| {
        write_polled(device, bytes, Instant::now() + timeout).map_err(|e| match e {
            WriteError::Timeout => PrintError::Timeout {
                stage: Stage::Write,
                after: timeout,
            },
            WriteError::Io(e) => io(e),
        })
    };
    let query = |device: &mut std::fs::File| -> Result<Option<PrinterStatus>, PrintError> {
        write(device, &STATUS_QUERY)?;
        match read_status(|buf| device.read(buf), STATUS_WAIT.min(timeout)) {
            Ok(status) => Ok(status),
            // usblp refuses reads from a printer that is not bidirectional: no status, not a fault.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(None),
            Err(e) => Err(io(e)),
        }
    };
    let before = if can_read {
        check(query(&mut device)?, &target, false)?
    } else {
        None
    };
    write(&mut device, bytes)?;
    let after = match before {
        Some(_) => check(query(&mut device)?, &target, true)?,
        None => None,
    };
    device.flush().map_err(io)?;
    Ok(after.or(before))
}

/// Opens a device file, never created, non-blocking on Unix: a printer that is offline then answers
/// "not now" instead of holding the thread, and a status read that gets nothing returns.
fn open_device(path: &Path, read: bool) -> io::Result<std::fs::File> {
    let mut options = OpenOptions::new();
    options.read(read).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// `write_all` on a non-blocking file: waits while the device is not ready, up to `deadline`.
fn write_polled(
    device: &mut std::fs::File,
    mut bytes: &[u8],
    deadline: Instant,
) -> Result<(), WriteError> {
    while !bytes.is_empty() {
        match device.write(bytes) {
            Ok(0) => return Err(WriteError::Io(io::ErrorKind::WriteZero.into())),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if Instant::now() >= deadline {
                    return Err(WriteError::Timeout);
                }
                thread::sleep(POLL);
            }
            Err(e) => return Err(WriteError::Io(e)),
        }
    }
    Ok(())
}

enum WriteError {
    Timeout,
    Io(io::Error),
}

/// `write_all` that gives up at `deadline` however the printer trickles its reads.
fn write_all_by(
    stream: &mut TcpStream,
    mut bytes: &[u8],
    deadline: Instant,
) -> Result<(), WriteError> {
    while !bytes.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(WriteError::Timeout);
        }
        stream
            .set_write_timeout(Some(left))
            .map_err(WriteError::Io)?;
        match stream.write(bytes) {
            Ok(0) => return Err(WriteError::Io(io::ErrorKind::WriteZero.into())),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(WriteError::Timeout);
            }
            Err(e) => return Err(WriteError::Io(e)),
        }
    }
    Ok(())
}

/// Reads and drops whatever the printer sends until it closes, an error, or `wait` has passed.
fn drain_until_closed(stream: &mut TcpStream, wait: Duration) {
    let deadline = Instant::now() + wait;
    let mut buf = [0u8; 256];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

fn connect_error(e: io::Error, addr: SocketAddr, timeout: Duration) -> PrintError {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => PrintError::Refused { addr },
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => PrintError::Timeout {
            stage: Stage::Connect,
            after: timeout,
        },
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            PrintError::Unreachable { addr }
        }
        _ => PrintError::Io {
            target: format!("tcp:{addr}"),
            source: e,
        },
    }
}

fn fs_error(e: io::Error, path: &Path) -> PrintError {
    match e.kind() {
        io::ErrorKind::NotFound => PrintError::NotFound {
            what: path.display().to_string(),
        },
        io::ErrorKind::PermissionDenied => PrintError::PermissionDenied {
            path: path.to_path_buf(),
        },
        _ => PrintError::Io {
            target: path.display().to_string(),
            source: e,
        },
    }
}

/// Runs `job` on a helper thread and waits at most `timeout` for its answer. A job still running then
/// is left to finish on its own (its answer is dropped): the caller is free either way.
fn with_deadline<T: Send + 'static>(
    timeout: Duration,
    stage: Stage,
    job: impl FnOnce() -> Result<T, PrintError> + Send + 'static,
) -> Result<T, PrintError> {
    let (tx, rx) = mpsc::sync_channel(1);
    thread::Builder::new()
        .name("qcall-print".to_string())
        .spawn(move || {
            // The receiver is gone if we timed out; nobody needs the answer then.
            let _ = tx.send(job());
        })
        .map_err(|source| PrintError::Io {
            target: "a printing thread".to_string(),
            source,
        })?;
    match rx.recv_timeout(timeout) {
        Ok(answer) => answer,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(PrintError::Timeout {
            stage,
            after: timeout,
        }),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(PrintError::Io {
            target: "a printing thread".to_string(),
            source: io::Error::other("the printing thread stopped without an answer"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tcp(host: &str, port: u16) -> Destination {
        Destination::Tcp {
            host: host.to_string(),
            port,
        }
    }

    #[test]
    fn destinations_parse_from_config_text() {
        let ok: &[(&str, Destination)] = &[
            ("tcp:192.168.1.50", tcp("192.168.1.50", 9100)),
            ("tcp:192.168.1.50:9101", tcp("192.168.1.50", 9101)),
            (
                "tcp:printer-1.hall.local",
                tcp("printer-1.hall.local", 9100),
            ),
            ("  tcp:printer:9100 ", tcp("printer", 9100)),
            ("tcp:[fe80::1]:9100", tcp("fe80::1", 9100)),
            ("tcp:[::1]", tcp("::1", 9100)),
            ("/dev/usb/lp0", Destination::Device("/dev/usb/lp0".into())),
            ("/dev/ttyS0", Destination::Device("/dev/ttyS0".into())),
            (
                "file:/tmp/slips.bin",
                Destination::File("/tmp/slips.bin".into()),
            ),
            ("file:slips.bin", Destination::File("slips.bin".into())),
            ("none", Destination::None),
            ("NONE", Destination::None),
        ];
        for (text, expected) in ok {
            assert_eq!(
                text.parse::<Destination>().as_ref(),
                Ok(expected),
                "{text:?}"
            );
            // What we show parses back to the same thing.
            assert_eq!(
                expected.to_string().parse::<Destination>().as_ref(),
                Ok(expected)
            );
        }
    }

    #[test]
    fn garbage_destinations_say_what_is_wrong() {
        let bad: &[(&str, &str)] = &[
            ("", "it is empty"),
            ("   ", "it is empty"),
            ("tcp:", "the host is missing"),
            ("tcp::9100", "the host is missing"),
            ("tcp:printer:", "the port is not a number from 1 to 65535"),
            ("tcp:printer:0", "the port is not a number from 1 to 65535"),
            (
                "tcp:printer:70000",
                "the port is not a number from 1 to 65535",
            ),
            (
                "tcp:printer:abc",
                "the port is not a number from 1 to 65535",
            ),
            (
                "tcp:fe80::1",
                "write an IPv6 address in brackets, e.g. tcp:[fe80::1]:9100",
            ),
            ("tcp:[fe80::1", "an IPv6 address needs its closing ]"),
            ("tcp:[::1]9100", "only :PORT may follow ]"),
            (
                "tcp:my printer",
                "the host is not a host name or IP address",
            ),
            ("tcp:http://x", "the host is not a host name or IP address"),
            ("file:", "the file path is missing"),
            (
                "http://192.168.1.50:9100",
                "a URL is not a printer destination",
            ),
            ("lp0", "unknown kind of destination"),
            ("usb", "unknown kind of destination"),
            ("tcp", "unknown kind of destination"),
        ];
        for (text, why) in bad {
            let err = text.parse::<Destination>().expect_err(text);
            assert_eq!(err.why, *why, "{text:?}");
            let shown = err.to_string();
            assert!(shown.contains("expected tcp:HOST[:PORT]"), "{shown}");
        }
    }

    #[test]
    fn only_none_does_not_print() {
        assert!(!Destination::None.prints());
        assert!(tcp("p", 9100).prints());
        assert!(Destination::File("x".into()).prints());
    }

    #[test]
    fn every_error_tells_the_citizen_the_ticket_is_valid() {
        let errors = [
            PrintError::Refused {
                addr: ([127, 0, 0, 1], 9100).into(),
            },
            PrintError::Timeout {
                stage: Stage::Write,
                after: DEFAULT_TIMEOUT,
            },
            PrintError::NotFound {
                what: "/dev/usb/lp0".into(),
            },
            PrintError::Io {
                target: "tcp:p:9100".into(),
                source: io::ErrorKind::BrokenPipe.into(),
            },
        ];
        for e in &errors {
            assert!(e.message_zh().contains("您的号码已取到"), "{e}");
            assert!(e.message_zh().contains("二维码"), "{e}");
            assert!(e.message_en().contains("Your ticket is valid"), "{e}");
        }
        assert_ne!(errors[0].message_zh(), errors[1].message_zh());
    }
}
