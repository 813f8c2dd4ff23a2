//! The Samba share check of `clp_sambamon` (SPEC §2): TCP connect, SMB
//! negotiate, session setup (guest or NTLMv2), tree connect to
//! `\\IP\SHARE`, share type check, tree disconnect, logoff.
//!
//! SMB 2.0.2–3.1.1 is tried first (MS-SMB2 3.2.4.2.2.2). A server that
//! speaks only SMB1 drops such a connection (Samba with `server max
//! protocol = NT1`) or answers with an SMB1 header; the check then starts
//! over with the NT LM 0.12 dialect (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5).
//!
//! Every request/response pair is bounded by the caller's timeout, using
//! a non-blocking socket and `poll`. Nothing is allocated: messages are
//! built and read in fixed stack buffers. Requests are signed when the
//! server requires signing and the session is neither guest nor
//! anonymous (MS-SMB2 3.2.4.1.1, MS-SMB 3.2.4.1.1).
//!
//! SMB 3.x messages are encrypted (MS-SMB2 3.1.4.3) when the server asks
//! for it on the session (SMB2_SESSION_FLAG_ENCRYPT_DATA) or the share
//! (SMB2_SHAREFLAG_ENCRYPT_DATA, or an unencrypted TREE_CONNECT refused
//! with ACCESS_DENIED: then it is retried encrypted), or always with
//! [`Encryption::Always`]. Guest and anonymous sessions have no key and
//! cannot encrypt; that is reported as [`SmbFailure::GuestCannotEncrypt`].

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::probe::tcp::{self, SourcePort};
use crate::wire::nbss;
use crate::wire::ntstatus::NtStatus;
use crate::wire::smb2::{Cipher, Dialect};
use crate::wire::smb2_sign::PreauthHash;

mod session;
mod smb1;
mod smb2;

pub use session::Credentials;

/// Largest message the probe accepts: replies of a share check are a few
/// hundred bytes; anything longer is treated as malformed.
const RX_LEN: usize = 64 * 1024;
/// Largest request the probe builds (user names and the target info of
/// a CHALLENGE bound it).
const TX_LEN: usize = 4096;

/// The step of the check that failed (SPEC §2, seed 000 §8.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// TCP connect.
    Connect,
    /// SMB NEGOTIATE (MS-SMB2 2.2.3, MS-CIFS 2.2.4.52).
    Negotiate,
    /// SESSION_SETUP (MS-SMB2 2.2.5, MS-SMB 2.2.4.6).
    SessionSetup,
    /// TREE_CONNECT (MS-SMB2 2.2.9, MS-SMB 2.2.4.7).
    TreeConnect,
    /// TREE_DISCONNECT (MS-SMB2 2.2.11, MS-CIFS 2.2.4.51).
    TreeDisconnect,
    /// LOGOFF (MS-SMB2 2.2.7, MS-CIFS 2.2.4.54).
    Logoff,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Connect => "connect",
            Stage::Negotiate => "negotiate",
            Stage::SessionSetup => "session setup",
            Stage::TreeConnect => "tree connect",
            Stage::TreeDisconnect => "tree disconnect",
            Stage::Logoff => "logoff",
        })
    }
}

/// What kind of share the server reported (MS-SMB2 2.2.10 ShareType,
/// MS-CIFS 2.2.4.55.2 Service).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareKind {
    /// A disk share (SMB2 type 1, SMB1 service `A:`).
    Disk,
    /// A named pipe share such as IPC$ (SMB2 type 2, SMB1 `IPC`).
    Pipe,
    /// A printer share (SMB2 type 3, SMB1 `LPT1:`).
    Print,
    /// A serial device share (SMB1 `COMM`).
    Comm,
    /// An SMB2 ShareType without a name.
    Unknown(u8),
    /// An SMB1 service string without a name.
    UnknownService,
}

impl ShareKind {
    /// Disk and printer shares pass the share type check (SPEC §2).
    pub fn is_acceptable(self) -> bool {
        matches!(self, ShareKind::Disk | ShareKind::Print)
    }
}

/// The protocol a check ran over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// SMB1 with the NT LM 0.12 dialect (MS-CIFS, MS-SMB).
    Smb1,
    /// SMB2/3 with this dialect (MS-SMB2 2.2.4).
    Smb2(Dialect),
}

/// When the check encrypts its SMB 3.x messages (MS-SMB2 3.1.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encryption {
    /// When the session or the share requires it.
    #[default]
    AsRequired,
    /// From the first message after SESSION_SETUP on; a server or session
    /// that cannot encrypt fails the check (`clp_sambamon -e`).
    Always,
}

/// The result of a passing check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckReport {
    /// Protocol and dialect spoken.
    pub protocol: Protocol,
    /// True when requests were signed (server required signing, user session).
    pub signed: bool,
    /// True when the server made it a guest or anonymous session.
    pub guest: bool,
    /// The share's type.
    pub share: ShareKind,
    /// The cipher when messages were encrypted (MS-SMB2 2.2.3.1.2).
    pub encryption: Option<Cipher>,
}

/// Why a check failed: exactly what seed 000 §8.1's messages report.
/// `errno` values are raw OS error numbers.
///
/// | variant | message |
/// |---|---|
/// | `Socket` | 71 network error (socket error[errno]) |
/// | `Connect` | 72 network error (connect error[errno]) |
/// | `Send` | 73 network error (send error[errno]) |
/// | `Poll` | 74 network error (select error[errno]) |
/// | `Recv`, `Closed` | 75 network error (recv error[errno], 0 for EOF) |
/// | `Timeout` | no reply within the response timeout |
/// | `Negotiate`, `NoCommonDialect` | 65 negotiate error[status] |
/// | `SessionSetup` | 64 connect error[status] |
/// | `TreeConnect` | 62 tree connect error[status] |
/// | `ShareType` | 63 share type error |
/// | `GuestCannotEncrypt` | 64 or 62 with the status, saying why |
/// | `NoEncryption` | 65 negotiate error, saying why |
/// | the rest | a wrong reply |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmbFailure {
    /// `socket()` failed.
    Socket(i32),
    /// `connect()` failed (ECONNREFUSED when nothing listens).
    Connect(i32),
    /// `send()` failed.
    Send(Stage, i32),
    /// `poll()` failed.
    Poll(Stage, i32),
    /// `recv()` failed.
    Recv(Stage, i32),
    /// The server closed the connection.
    Closed(Stage),
    /// No reply within the timeout.
    Timeout(Stage),
    /// NEGOTIATE answered with an error status.
    Negotiate(NtStatus),
    /// The server accepts none of the offered dialects (SMB1 DialectIndex
    /// 0xFFFF, or an SMB2 dialect that was not offered).
    NoCommonDialect(u16),
    /// SESSION_SETUP failed (STATUS_LOGON_FAILURE for a wrong password).
    SessionSetup(NtStatus),
    /// TREE_CONNECT failed (STATUS_BAD_NETWORK_NAME for a missing share).
    TreeConnect(NtStatus),
    /// The share is neither a disk nor a printer.
    ShareType(ShareKind),
    /// TREE_DISCONNECT failed.
    TreeDisconnect(NtStatus),
    /// LOGOFF failed.
    Logoff(NtStatus),
    /// A reply could not be parsed, or did not match the request.
    Malformed(Stage),
    /// A signed reply did not verify with the session's signing key.
    BadSignature(Stage),
    /// The server needs something this client does not do (SMB1 without
    /// extended security), or a request does not fit the client's buffers.
    Unsupported(Stage),
    /// A guest or anonymous session was refused (the status), or would
    /// have to encrypt (`None`): such a session has no key to encrypt
    /// with (MS-SMB2 3.3.5.5.3), so a share or server that requires
    /// encryption needs a user.
    GuestCannotEncrypt(Stage, Option<NtStatus>),
    /// Encryption is needed (`Encryption::Always`) but the server offers
    /// none: SMB1 or 2.x only, `server smb encrypt = off`, or no cipher
    /// in common (MS-SMB2 3.2.5.2).
    NoEncryption(Stage),
}

impl fmt::Display for SmbFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmbFailure::Socket(e) => write!(f, "socket error[{e}]"),
            SmbFailure::Connect(e) => write!(f, "connect error[{e}]"),
            SmbFailure::Send(s, e) => write!(f, "send error[{e}] at {s}"),
            SmbFailure::Poll(s, e) => write!(f, "select error[{e}] at {s}"),
            SmbFailure::Recv(s, e) => write!(f, "recv error[{e}] at {s}"),
            SmbFailure::Closed(s) => write!(f, "connection closed by server at {s}"),
            SmbFailure::Timeout(s) => write!(f, "no reply at {s}"),
            SmbFailure::Negotiate(st) => write!(f, "negotiate error[{st}]"),
            SmbFailure::NoCommonDialect(d) => {
                write!(f, "negotiate error[no common dialect 0x{d:04X}]")
            }
            SmbFailure::SessionSetup(st) => write!(f, "connect error[{st}]"),
            SmbFailure::TreeConnect(st) => write!(f, "tree connect error[{st}]"),
            SmbFailure::ShareType(k) => write!(f, "share type error ({k:?})"),
            SmbFailure::TreeDisconnect(st) => write!(f, "tree disconnect error[{st}]"),
            SmbFailure::Logoff(st) => write!(f, "logoff error[{st}]"),
            SmbFailure::Malformed(s) => write!(f, "malformed reply at {s}"),
            SmbFailure::BadSignature(s) => write!(f, "bad signature at {s}"),
            SmbFailure::Unsupported(s) => write!(f, "unsupported server requirement at {s}"),
            SmbFailure::GuestCannotEncrypt(s, Some(st)) => write!(
                f,
                "{s} error[{st}]: a guest session cannot use SMB3 encryption"
            ),
            SmbFailure::GuestCannotEncrypt(s, None) => {
                write!(f, "{s}: a guest session cannot use SMB3 encryption")
            }
            SmbFailure::NoEncryption(s) => {
                write!(f, "the server offers no SMB3 encryption (at {s})")
            }
        }
    }
}

type Result<T> = core::result::Result<T, SmbFailure>;

/// Runs one share check against `target` (SPEC §2). `user: None` asks for
/// an anonymous session, which Samba maps to guest. `timeout_per_request`
/// bounds the connect and every request/response pair.
pub fn check(
    target: SocketAddr,
    share: &str,
    user: Option<&str>,
    password: Option<&[u8]>,
    timeout_per_request: Duration,
) -> Result<CheckReport> {
    let creds = user.map(|u| Credentials::new(u, password.unwrap_or(b"")));
    check_with(
        target,
        share,
        creds.as_ref(),
        timeout_per_request,
        Encryption::AsRequired,
    )
}

/// [`check`] with parsed credentials (`None` is anonymous) and the
/// encryption policy.
pub fn check_with(
    target: SocketAddr,
    share: &str,
    creds: Option<&Credentials<'_>>,
    timeout: Duration,
    encryption: Encryption,
) -> Result<CheckReport> {
    let mut rx = [0u8; RX_LEN];
    let conn = Conn::connect(target, timeout)?;
    match smb2::check(&conn, &mut rx, target, share, creds, encryption) {
        Err(smb2::Outcome::Smb1Only) if encryption == Encryption::Always => {
            Err(SmbFailure::NoEncryption(Stage::Negotiate))
        }
        Err(smb2::Outcome::Smb1Only) => {
            drop(conn);
            let conn = Conn::connect(target, timeout)?;
            smb1::check(&conn, &mut rx, target, share, creds)
        }
        Err(smb2::Outcome::Failed(f)) => Err(f),
        Ok(r) => Ok(r),
    }
}

// ---------------------------------------------------------------- transport

/// The connection of one check: the probes' TCP transport, the Direct TCP
/// framing (MS-SMB2 2.1) and the time-out of one request/response pair.
struct Conn {
    tcp: tcp::Conn,
    timeout: Duration,
}

/// A transport error at `stage` in the words of seed 000 §8.1.3.
fn io_failure(stage: Stage, e: tcp::Error) -> SmbFailure {
    match e {
        tcp::Error::Socket(e) => SmbFailure::Socket(e),
        tcp::Error::Connect(e) => SmbFailure::Connect(e),
        tcp::Error::Send(e) => SmbFailure::Send(stage, e),
        tcp::Error::Poll(e) => SmbFailure::Poll(stage, e),
        tcp::Error::Recv(e) => SmbFailure::Recv(stage, e),
        tcp::Error::Closed => SmbFailure::Closed(stage),
        tcp::Error::Timeout => SmbFailure::Timeout(stage),
    }
}

impl Conn {
    /// Connects, bounded by the timeout.
    fn connect(target: SocketAddr, timeout: Duration) -> Result<Conn> {
        let deadline = Instant::now() + timeout;
        let tcp = tcp::Conn::connect(target, SourcePort::Ephemeral, deadline)
            .map_err(|e| io_failure(Stage::Connect, e))?;
        Ok(Conn { tcp, timeout })
    }

    /// The deadline of a request sent now.
    fn deadline(&self) -> Instant {
        Instant::now() + self.timeout
    }

    /// Sends one framed message (`frame` starts with the 4 transport bytes).
    fn send_frame(&self, frame: &mut [u8], deadline: Instant, stage: Stage) -> Result<()> {
        let len = frame.len() - nbss::HEADER_LEN;
        let repr = nbss::Repr::new(len).map_err(|_| SmbFailure::Malformed(stage))?;
        repr.emit(&mut nbss::Header::new_unchecked(
            &mut frame[..nbss::HEADER_LEN],
        ));
        self.tcp
            .send_all(frame, deadline)
            .map_err(|e| io_failure(stage, e))
    }

    /// Receives one framed message into `rx`, returning the SMB message.
    fn recv_frame<'r>(
        &self,
        rx: &'r mut [u8],
        deadline: Instant,
        stage: Stage,
    ) -> Result<&'r [u8]> {
        let mut head = [0u8; nbss::HEADER_LEN];
        loop {
            self.tcp
                .recv_exact(&mut head, deadline)
                .map_err(|e| io_failure(stage, e))?;
            let h = nbss::Header::new_unchecked(&head[..]);
            let len = usize::try_from(h.length()).map_err(|_| SmbFailure::Malformed(stage))?;
            match h.msg_type() {
                0 => {
                    let dst = rx.get_mut(..len).ok_or(SmbFailure::Malformed(stage))?;
                    self.tcp
                        .recv_exact(dst, deadline)
                        .map_err(|e| io_failure(stage, e))?;
                    return Ok(&rx[..len]);
                }
                // A NetBIOS keep-alive (RFC 1002 4.3.7): skip it.
                0x85 if len == 0 => continue,
                _ => return Err(SmbFailure::Malformed(stage)),
            }
        }
    }
}

// ---------------------------------------------------------------- helpers

fn random_bytes(out: &mut [u8]) {
    use rustix::fs::{Mode, OFlags};
    let ok = rustix::fs::open(
        "/dev/urandom",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()
    .and_then(|fd| rustix::io::read(&fd, &mut *out).ok())
    .is_some_and(|n| n == out.len());
    if !ok {
        // Uniqueness is all a challenge or GUID needs; mix the clocks in.
        let mut h = PreauthHash::default();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        h.update(&now.as_nanos().to_le_bytes());
        h.update(&std::process::id().to_le_bytes());
        for (o, b) in out.iter_mut().zip(h.0.iter().cycle()) {
            *o = *b;
        }
    }
}

/// Now as a FILETIME (100 ns since 1601, MS-DTYP 2.3.3).
fn filetime_now() -> u64 {
    let unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let ticks = unix.as_secs() * 10_000_000 + u64::from(unix.subsec_nanos() / 100);
    ticks + 116_444_736_000_000_000
}

/// Writes `\\IP\SHARE` into `out` as UTF-16LE (MS-SMB2 2.2.9).
fn unc_path(target: SocketAddr, share: &str, out: &mut [u8]) -> Option<usize> {
    use core::fmt::Write;
    let mut s: heapless::String<320> = heapless::String::new();
    write!(s, "\\\\{}\\{}", target.ip(), share).ok()?;
    crate::wire::utf16le(&s, crate::wire::Case::AsIs, out).ok()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn password_not_in_debug() {
        let c = Credentials::new("DOM\\alice", b"hunter2-secret");
        let mut s: heapless::String<200> = heapless::String::new();
        core::fmt::write(&mut s, format_args!("{c:?}")).unwrap();
        assert!(!s.contains("hunter2"));
        assert!(s.contains("alice") && s.contains("DOM"));
    }

    #[test]
    fn connect_refused_is_reported_with_errno() {
        // Port 1 on loopback: nothing listens there in a test environment.
        let r = check(
            "127.0.0.1:1".parse().unwrap(),
            "x",
            None,
            None,
            Duration::from_secs(2),
        );
        assert_eq!(r, Err(SmbFailure::Connect(libc::ECONNREFUSED)));
    }
}
