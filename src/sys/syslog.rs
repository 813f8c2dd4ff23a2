//! A syslog client: RFC 3164 datagrams `<PRI>Mmm dd hh:mm:ss ident[pid]: text`
//! to `/dev/log`, or to the socket named by `MAMORI_SYSLOG_SOCKET` (tests
//! bind their own). When no socket answers, the line goes to stderr so that
//! nothing is lost. Formatting uses a stack buffer: logging never allocates.

use core::fmt::{self, Write as _};
use std::os::fd::{AsFd, OwnedFd};

use rustix::net::{AddressFamily, SendFlags, SocketAddrUnix, SocketType};

/// Default socket of the system logger.
pub const DEFAULT_SOCKET: &str = "/dev/log";
/// Environment variable that replaces [`DEFAULT_SOCKET`].
pub const SOCKET_ENV: &str = "MAMORI_SYSLOG_SOCKET";

/// RFC 3164 facility `daemon`.
const FACILITY_DAEMON: u8 = 3;

/// Syslog severity (RFC 3164 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Crit = 2,
    Err = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
}

/// A line longer than this is cut: syslog daemons cut at 1024 or 2048 anyway.
const LINE_MAX: usize = 2048;

/// One process's connection to the system logger.
pub struct Syslog {
    ident: &'static str,
    pid: i32,
    addr: Option<SocketAddrUnix>,
    sock: Option<OwnedFd>,
    /// Also write every line to stderr (stderr is a terminal, or asked for).
    echo: bool,
    /// Lines dropped because the logger's queue was full: said once it
    /// takes lines again.
    dropped: u64,
}

impl Syslog {
    /// A logger for `ident` with this process's pid; the socket is found
    /// from the environment, and connected lazily.
    pub fn new(ident: &'static str) -> Syslog {
        let path = std::env::var_os(SOCKET_ENV)
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| DEFAULT_SOCKET.into());
        Syslog {
            ident,
            pid: super::getpid(),
            addr: SocketAddrUnix::new(path.as_os_str()).ok(),
            sock: None,
            echo: false,
            dropped: 0,
        }
    }

    /// Also copy every line to stderr.
    pub fn echo_to_stderr(&mut self, on: bool) {
        self.echo = on;
    }

    /// The pid this logger stamps its lines with (refreshed after a fork).
    pub fn set_pid(&mut self, pid: i32) {
        self.pid = pid;
    }

    /// Logs one line; never fails and never allocates.
    pub fn log(&mut self, severity: Severity, args: fmt::Arguments<'_>) {
        let (line, header_end) = self.datagram(severity, args);
        let sent = self.send(line.as_bytes());
        if !sent || self.echo {
            // stderr gets `ident[pid]: text`, without PRI and time stamp.
            let text = &line.as_bytes()[header_end + 1..];
            let stderr = rustix::stdio::stderr();
            let _ = write_all(stderr, text);
            let _ = write_all(stderr, b"\n");
        }
    }

    /// Logs one line to the system logger only: nothing when none
    /// listens (init writes the console itself). Never allocates.
    pub fn log_quietly(&mut self, severity: Severity, args: fmt::Arguments<'_>) {
        let (line, _) = self.datagram(severity, args);
        self.send(line.as_bytes());
    }

    /// `<PRI>stamp ident[pid]: text`, and where the stamp ends.
    fn datagram(
        &self,
        severity: Severity,
        args: fmt::Arguments<'_>,
    ) -> (heapless::String<LINE_MAX>, usize) {
        let mut line = heapless::String::<LINE_MAX>::new();
        let pri = FACILITY_DAEMON * 8 + severity as u8;
        let _ = write!(line, "<{pri}>");
        let _ = super::clock::write_syslog_stamp(&mut line, super::clock::now_unix());
        let header_end = line.len();
        let _ = write!(line, " {}[{}]: ", self.ident, self.pid);
        let _ = line.write_fmt(args);
        (line, header_end)
    }

    /// Sends one datagram without ever blocking: a logger that does not
    /// read (its queue full) must not stop a monitor, so what does not fit
    /// is dropped and counted. False when there is no logger at all.
    fn send(&mut self, datagram: &[u8]) -> bool {
        if self.dropped > 0 && !self.say_dropped() {
            self.dropped += 1;
            return true;
        }
        match self.try_send(datagram) {
            Sent::Yes => true,
            Sent::Full => {
                self.dropped += 1;
                true
            }
            Sent::NoLogger => false,
        }
    }

    /// Tells how many lines were lost, once the queue takes lines again.
    fn say_dropped(&mut self) -> bool {
        let dropped = self.dropped;
        let (line, _) = self.datagram(
            Severity::Warning,
            format_args!("{dropped} log lines dropped: the syslog socket was full"),
        );
        match self.try_send(line.as_bytes()) {
            Sent::Yes => {
                self.dropped = 0;
                true
            }
            _ => false,
        }
    }

    fn try_send(&mut self, datagram: &[u8]) -> Sent {
        for _attempt in 0..2 {
            if self.sock.is_none() {
                self.sock = self.connect();
            }
            let Some(sock) = &self.sock else {
                return Sent::NoLogger;
            };
            match rustix::net::send(sock, datagram, SendFlags::NOSIGNAL | SendFlags::DONTWAIT) {
                Ok(_) => return Sent::Yes,
                Err(rustix::io::Errno::AGAIN) => return Sent::Full,
                Err(rustix::io::Errno::INTR) => {}
                // The logger restarted: reconnect once.
                Err(_) => self.sock = None,
            }
        }
        Sent::NoLogger
    }

    fn connect(&self) -> Option<OwnedFd> {
        let addr = self.addr.as_ref()?;
        let sock = rustix::net::socket_with(
            AddressFamily::UNIX,
            SocketType::DGRAM,
            rustix::net::SocketFlags::CLOEXEC | rustix::net::SocketFlags::NONBLOCK,
            None,
        )
        .ok()?;
        rustix::net::connect(&sock, addr).ok()?;
        Some(sock)
    }
}

/// What became of one datagram.
enum Sent {
    Yes,
    /// The logger's queue is full: dropped.
    Full,
    /// No logger listens.
    NoLogger,
}

/// Writes all of `buf` to `fd`, retrying on EINTR and short writes.
pub fn write_all(fd: impl AsFd, mut buf: &[u8]) -> rustix::io::Result<()> {
    while !buf.is_empty() {
        match rustix::io::write(&fd, buf) {
            Ok(0) => return Err(rustix::io::Errno::IO),
            Ok(n) => buf = &buf[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `log!(logger, Severity::Info, "fmt", args…)`.
#[macro_export]
macro_rules! log {
    ($logger:expr, $sev:expr, $($arg:tt)+) => {
        $logger.log($sev, format_args!($($arg)+))
    };
}
