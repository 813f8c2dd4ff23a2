//! The systemd notification protocol (sd_notify(3)), written by hand: one
//! datagram per message to `$NOTIFY_SOCKET` (a path, or `@name` for the
//! abstract namespace), and the watchdog cadence from `$WATCHDOG_USEC`.
//! Without `$NOTIFY_SOCKET` every call does nothing. Never blocks, never
//! allocates once set up: a message that does not fit the socket is
//! dropped (systemd reads it at once; a stuck reader must not stop a
//! monitor).

use std::fmt::{self, Write as _};
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rustix::net::{AddressFamily, SendFlags, SocketAddrUnix, SocketFlags, SocketType};

/// The service manager's socket and watchdog, if any.
pub struct Notifier {
    sock: Option<(OwnedFd, SocketAddrUnix)>,
    /// Half of WATCHDOG_USEC: how often `WATCHDOG=1` goes out.
    watchdog: Option<Duration>,
    next_watchdog: Option<Instant>,
}

impl Notifier {
    /// From `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` (the
    /// watchdog is ours only when that pid is unset or ours).
    pub fn from_env() -> Notifier {
        let sock = std::env::var_os("NOTIFY_SOCKET").and_then(|path| {
            let bytes = path.as_encoded_bytes();
            let addr = match bytes.strip_prefix(b"@") {
                Some(name) => SocketAddrUnix::new_abstract_name(name).ok()?,
                None => SocketAddrUnix::new(path.as_os_str()).ok()?,
            };
            let fd = rustix::net::socket_with(
                AddressFamily::UNIX,
                SocketType::DGRAM,
                SocketFlags::CLOEXEC | SocketFlags::NONBLOCK,
                None,
            )
            .ok()?;
            Some((fd, addr))
        });
        let ours = std::env::var("WATCHDOG_PID")
            .ok()
            .and_then(|p| p.parse::<i32>().ok())
            .is_none_or(|p| p == super::getpid());
        let watchdog = std::env::var("WATCHDOG_USEC")
            .ok()
            .and_then(|u| u.parse::<u64>().ok())
            .filter(|&u| u > 0 && ours && sock.is_some())
            .map(|u| Duration::from_micros(u / 2));
        Notifier {
            sock,
            watchdog,
            next_watchdog: watchdog.map(|w| Instant::now() + w),
        }
    }

    /// Whether a service manager listens.
    pub fn active(&self) -> bool {
        self.sock.is_some()
    }

    /// Sends one message (`READY=1`, `STATUS=…`, …); lines are joined by
    /// the caller with `\n`.
    pub fn send(&self, args: fmt::Arguments<'_>) {
        let Some((fd, addr)) = &self.sock else {
            return;
        };
        let mut buf = heapless::String::<512>::new();
        // A message longer than the buffer is cut: STATUS text only.
        let _ = buf.write_fmt(args);
        let _ = rustix::net::sendto(fd, buf.as_bytes(), SendFlags::NOSIGNAL, addr);
    }

    /// When the next `WATCHDOG=1` is due, if the unit asked for one.
    pub fn next_watchdog(&self) -> Option<Instant> {
        self.next_watchdog
    }

    /// Sends `WATCHDOG=1` when due; call on every turn of the loop.
    pub fn tick(&mut self, now: Instant) {
        if let (Some(due), Some(every)) = (self.next_watchdog, self.watchdog)
            && now >= due
        {
            self.send(format_args!("WATCHDOG=1"));
            self.next_watchdog = Some(now + every);
        }
    }
}
