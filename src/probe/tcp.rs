//! The one TCP transport of the probes: a non-blocking socket whose
//! connect, send and receive each wait with `poll` against the caller's
//! deadline, so that no step of a check can outlive its time-out. The SMB
//! and NFS probes frame their messages on top (MS-SMB2 2.1 Direct TCP,
//! RFC 5531 §11 record marking); nothing here allocates.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use core::sync::atomic::{AtomicU16, Ordering};
use std::time::Instant;

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

use crate::sys::errno::ErrnoText;

/// Lowest and highest source port of a reserved-port connection: the
/// range the ONC RPC library's `bindresvport` walks, 1023 down to 665.
const FIRST_RESERVED_PORT: u16 = 665;
const LAST_RESERVED_PORT: u16 = 1023;
/// Connects retried with the next reserved port on EADDRNOTAVAIL.
const RESERVED_ATTEMPTS: u32 = 16;

/// The next reserved port to try; 0 until the first use.
static NEXT_RESERVED: AtomicU16 = AtomicU16::new(0);

/// Why the connection failed; the errno variants are the seed's network
/// errors 71–75 (seed 000 §8.1.3), raw OS error numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// `socket()` failed (message 71).
    Socket(i32),
    /// `connect()` failed, e.g. ECONNREFUSED (message 72).
    Connect(i32),
    /// `send()` failed (message 73).
    Send(i32),
    /// `poll()` failed (message 74, "select error").
    Poll(i32),
    /// `recv()` failed (message 75).
    Recv(i32),
    /// The peer closed the connection.
    Closed,
    /// The deadline passed.
    Timeout,
}

impl Error {
    /// The errno, for the variants that carry one.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Socket(e)
            | Error::Connect(e)
            | Error::Send(e)
            | Error::Poll(e)
            | Error::Recv(e) => Some(*e),
            Error::Closed | Error::Timeout => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Socket(e) => write!(f, "socket: {}", ErrnoText(*e)),
            Error::Connect(e) => write!(f, "connect: {}", ErrnoText(*e)),
            Error::Send(e) => write!(f, "send: {}", ErrnoText(*e)),
            Error::Poll(e) => write!(f, "poll: {}", ErrnoText(*e)),
            Error::Recv(e) => write!(f, "recv: {}", ErrnoText(*e)),
            Error::Closed => f.write_str("connection closed by peer"),
            Error::Timeout => f.write_str("timed out"),
        }
    }
}

/// Where the connection's source port comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourcePort {
    /// The kernel's ephemeral port.
    Ephemeral,
    /// A port in 665..=1023 when the process may bind one (root), as many
    /// NFS servers require for MOUNT; else the ephemeral port.
    Reserved,
}

/// One connected, non-blocking TCP socket.
#[derive(Debug)]
pub struct Conn {
    fd: OwnedFd,
}

impl Conn {
    /// Connects to `addr`, waiting at most until `deadline`.
    pub fn connect(addr: SocketAddr, source: SourcePort, deadline: Instant) -> Result<Conn, Error> {
        let family = match addr {
            SocketAddr::V4(_) => AddressFamily::INET,
            SocketAddr::V6(_) => AddressFamily::INET6,
        };
        let mut attempts = 0;
        let fd = loop {
            let fd = rustix::net::socket_with(
                family,
                SocketType::STREAM,
                SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
                Some(rustix::net::ipproto::TCP),
            )
            .map_err(|e| Error::Socket(e.raw_os_error()))?;
            let bound = source == SourcePort::Reserved && bind_reserved(&fd, addr.ip());
            attempts += 1;
            match rustix::net::connect(&fd, &addr) {
                Ok(()) => return Ok(Conn { fd }),
                Err(Errno::INPROGRESS) | Err(Errno::INTR) => break fd,
                // The reserved port (bound with SO_REUSEADDR) is in use
                // towards this very server, by another process or a
                // TIME_WAIT: take the next one.
                Err(Errno::ADDRNOTAVAIL) if bound && attempts < RESERVED_ATTEMPTS => continue,
                Err(e) => return Err(Error::Connect(e.raw_os_error())),
            }
        };
        let conn = Conn { fd };
        conn.wait(PollFlags::OUT, deadline)?;
        match rustix::net::sockopt::socket_error(&conn.fd) {
            Ok(Ok(())) => Ok(conn),
            Ok(Err(e)) | Err(e) => Err(Error::Connect(e.raw_os_error())),
        }
    }

    /// Sends all of `data`.
    pub fn send_all(&self, mut data: &[u8], deadline: Instant) -> Result<(), Error> {
        while !data.is_empty() {
            match rustix::net::send(&self.fd, data, SendFlags::NOSIGNAL) {
                Ok(n) => data = data.get(n..).unwrap_or(&[]),
                Err(Errno::AGAIN) | Err(Errno::INTR) => self.wait(PollFlags::OUT, deadline)?,
                Err(e) => return Err(Error::Send(e.raw_os_error())),
            }
        }
        Ok(())
    }

    /// Receives exactly `buf.len()` bytes.
    pub fn recv_exact(&self, buf: &mut [u8], deadline: Instant) -> Result<(), Error> {
        let mut got = 0;
        while let Some(dst) = buf.get_mut(got..).filter(|d| !d.is_empty()) {
            got += self.recv_some(dst, deadline)?;
        }
        Ok(())
    }

    /// Receives what has arrived, at least one byte, into `buf` (not empty).
    pub fn recv_some(&self, buf: &mut [u8], deadline: Instant) -> Result<usize, Error> {
        loop {
            match rustix::net::recv(&self.fd, &mut *buf, RecvFlags::empty()) {
                Ok((0, _)) => return Err(Error::Closed),
                Ok((n, _)) => return Ok(n),
                Err(Errno::AGAIN) | Err(Errno::INTR) => self.wait(PollFlags::IN, deadline)?,
                Err(e) => return Err(Error::Recv(e.raw_os_error())),
            }
        }
    }

    /// Waits until the socket is ready for `flags`, or the deadline passes.
    fn wait(&self, flags: PollFlags, deadline: Instant) -> Result<(), Error> {
        loop {
            let left = deadline
                .checked_duration_since(Instant::now())
                .filter(|d| !d.is_zero())
                .ok_or(Error::Timeout)?;
            let ts = Timespec {
                tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(left.subsec_nanos()),
            };
            let mut fds = [PollFd::new(&self.fd, flags)];
            match poll(&mut fds, Some(&ts)) {
                // Zero ready: the time is up, which the next round sees.
                Ok(0) | Err(Errno::INTR) => continue,
                Ok(_) => return Ok(()),
                Err(e) => return Err(Error::Poll(e.raw_os_error())),
            }
        }
    }
}

/// Binds the socket to a free source port in 665..=1023 and says whether
/// it did; without the privilege (EACCES) the kernel's ephemeral port is
/// used instead.
fn bind_reserved(fd: &OwnedFd, server: IpAddr) -> bool {
    let any: IpAddr = match server {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    // A port whose last connection is in TIME_WAIT (60 s) may be bound
    // again: the rotation below keeps 4-tuples apart, and without this a
    // monitor checking every second or faster finds the whole range in
    // TIME_WAIT and pays hundreds of failed binds per connection.
    let _ = rustix::net::sockopt::set_socket_reuseaddr(fd, true);
    let span = LAST_RESERVED_PORT - FIRST_RESERVED_PORT + 1;
    for _ in 0..span {
        // Rotate through the range so that consecutive connections do not
        // reuse a port still in TIME_WAIT towards the same server.
        if NEXT_RESERVED.load(Ordering::Relaxed) == 0 {
            // Processes start at different places of the range, so that
            // two monitors of one server do not walk it in step.
            let offset = (std::process::id() % u32::from(span)) as u16;
            let _ = NEXT_RESERVED.compare_exchange(
                0,
                LAST_RESERVED_PORT - offset,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
        let prev = NEXT_RESERVED.fetch_sub(1, Ordering::Relaxed);
        let port = if (FIRST_RESERVED_PORT..=LAST_RESERVED_PORT).contains(&prev) {
            prev
        } else {
            NEXT_RESERVED.store(LAST_RESERVED_PORT, Ordering::Relaxed);
            LAST_RESERVED_PORT
        };
        match rustix::net::bind(fd, &SocketAddr::new(any, port)) {
            Ok(()) => return true,
            Err(Errno::ADDRINUSE) => continue,
            Err(_) => return false,
        }
    }
    false
}

#[cfg(test)]
mod test {
    use super::*;
    use core::time::Duration;
    use std::io::{Read, Write};

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(2)
    }

    #[test]
    fn refused_carries_errno() {
        // Port 1 on loopback: nothing listens there in a test environment.
        let addr = "127.0.0.1:1".parse().unwrap();
        let e = Conn::connect(addr, SourcePort::Ephemeral, soon()).unwrap_err();
        assert_eq!(e, Error::Connect(libc::ECONNREFUSED));
        assert_eq!(e.errno(), Some(libc::ECONNREFUSED));
    }

    #[test]
    fn exact_reads_join_segments_and_close_is_reported() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut req = [0u8; 3];
            s.read_exact(&mut req).unwrap();
            s.write_all(&req[..1]).unwrap();
            s.flush().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            s.write_all(&req[1..]).unwrap();
        });
        let c = Conn::connect(addr, SourcePort::Ephemeral, soon()).unwrap();
        c.send_all(b"abc", soon()).unwrap();
        let mut got = [0u8; 3];
        c.recv_exact(&mut got, soon()).unwrap();
        assert_eq!(&got, b"abc");
        server.join().unwrap();
        assert_eq!(c.recv_exact(&mut got, soon()), Err(Error::Closed));
    }

    #[test]
    fn silent_peer_times_out() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let c = Conn::connect(addr, SourcePort::Ephemeral, soon()).unwrap();
        let mut b = [0u8; 1];
        let deadline = Instant::now() + Duration::from_millis(30);
        assert_eq!(c.recv_exact(&mut b, deadline), Err(Error::Timeout));
        assert!(Instant::now() >= deadline);
        drop(l);
    }
}
