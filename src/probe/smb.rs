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

use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use rustix::event::{PollFd, PollFlags, Timespec, poll};
use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

use crate::wire::nbss;
use crate::wire::ntlmssp::{
    self, AuthenticateRepr, ChallengeMessage, ChallengeRepr, NegotiateRepr,
};
use crate::wire::ntstatus::NtStatus;
use crate::wire::smb1;
use crate::wire::smb2::{self, Command, Dialect, Header, HeaderRepr, NegotiateContext, U16List};
use crate::wire::smb2_sign::{PreauthHash, SigningKey};
use crate::wire::spnego::{NegTokenInitRepr, NegTokenRespRepr};

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
    /// The server needs something this client does not do: encryption,
    /// AES-GMAC signing, SMB1 without extended security.
    Unsupported(Stage),
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
        }
    }
}

type Result<T> = core::result::Result<T, SmbFailure>;

/// User, domain and password for NTLMv2. The password never shows in
/// `Debug` output.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// User name (without the domain).
    pub user: &'a str,
    /// Domain; empty means the server's own (MsvAvNbDomainName).
    pub domain: &'a str,
    /// Password bytes (UTF-8, or Latin-1 when not valid UTF-8).
    pub password: &'a [u8],
}

impl<'a> Credentials<'a> {
    /// Splits `DOMAIN\user`; a plain name has an empty domain.
    pub fn new(user: &'a str, password: &'a [u8]) -> Credentials<'a> {
        match user.split_once('\\') {
            Some((domain, user)) => Credentials {
                user,
                domain,
                password,
            },
            None => Credentials {
                user,
                domain: "",
                password,
            },
        }
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &"<redacted>")
            .finish()
    }
}

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
    check_with(target, share, creds.as_ref(), timeout_per_request)
}

/// [`check`] with parsed credentials; `None` is anonymous.
pub fn check_with(
    target: SocketAddr,
    share: &str,
    creds: Option<&Credentials<'_>>,
    timeout: Duration,
) -> Result<CheckReport> {
    let mut rx = [0u8; RX_LEN];
    let mut conn = Conn::connect(target, timeout)?;
    match smb2_check(&mut conn, &mut rx, target, share, creds) {
        Err(Smb2Outcome::Smb1Only) => {
            drop(conn);
            let mut conn = Conn::connect(target, timeout)?;
            smb1_check(&mut conn, &mut rx, target, share, creds)
        }
        Err(Smb2Outcome::Failed(f)) => Err(f),
        Ok(r) => Ok(r),
    }
}

// ---------------------------------------------------------------- transport

struct Conn {
    fd: OwnedFd,
    timeout: Duration,
}

fn errno(e: Errno) -> i32 {
    e.raw_os_error()
}

fn remaining(deadline: Instant) -> Option<Timespec> {
    let left = deadline.checked_duration_since(Instant::now())?;
    if left.is_zero() {
        return None;
    }
    Some(Timespec {
        tv_sec: i64::try_from(left.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(left.subsec_nanos()),
    })
}

impl Conn {
    /// Non-blocking connect bounded by the timeout.
    fn connect(target: SocketAddr, timeout: Duration) -> Result<Conn> {
        let family = if target.is_ipv4() {
            AddressFamily::INET
        } else {
            AddressFamily::INET6
        };
        let fd = rustix::net::socket_with(
            family,
            SocketType::STREAM,
            SocketFlags::NONBLOCK | SocketFlags::CLOEXEC,
            None,
        )
        .map_err(|e| SmbFailure::Socket(errno(e)))?;
        let conn = Conn { fd, timeout };
        match rustix::net::connect(&conn.fd, &target) {
            Ok(()) => return Ok(conn),
            Err(Errno::INPROGRESS) | Err(Errno::INTR) => {}
            Err(e) => return Err(SmbFailure::Connect(errno(e))),
        }
        let deadline = Instant::now() + timeout;
        conn.wait(PollFlags::OUT, deadline, Stage::Connect)?;
        match rustix::net::sockopt::socket_error(&conn.fd) {
            Ok(Ok(())) => Ok(conn),
            Ok(Err(e)) | Err(e) => Err(SmbFailure::Connect(errno(e))),
        }
    }

    /// Waits until the socket is ready for `flags`, or the deadline passes.
    fn wait(&self, flags: PollFlags, deadline: Instant, stage: Stage) -> Result<()> {
        loop {
            let ts = remaining(deadline).ok_or(SmbFailure::Timeout(stage))?;
            let mut fds = [PollFd::new(&self.fd, flags)];
            match poll(&mut fds, Some(&ts)) {
                Ok(0) => return Err(SmbFailure::Timeout(stage)),
                Ok(_) => return Ok(()),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(SmbFailure::Poll(stage, errno(e))),
            }
        }
    }

    fn send_all(&self, mut b: &[u8], deadline: Instant, stage: Stage) -> Result<()> {
        while !b.is_empty() {
            match rustix::net::send(&self.fd, b, SendFlags::NOSIGNAL) {
                Ok(n) => b = b.get(n..).unwrap_or(&[]),
                Err(Errno::AGAIN) | Err(Errno::INTR) => {
                    self.wait(PollFlags::OUT, deadline, stage)?
                }
                Err(e) => return Err(SmbFailure::Send(stage, errno(e))),
            }
        }
        Ok(())
    }

    fn recv_exact(&self, b: &mut [u8], deadline: Instant, stage: Stage) -> Result<()> {
        let mut got = 0;
        while got < b.len() {
            let dst = &mut b[got..];
            match rustix::net::recv(&self.fd, dst, RecvFlags::empty()) {
                Ok((0, _)) => return Err(SmbFailure::Closed(stage)),
                Ok((n, _)) => got += n,
                Err(Errno::AGAIN) | Err(Errno::INTR) => {
                    self.wait(PollFlags::IN, deadline, stage)?
                }
                Err(e) => return Err(SmbFailure::Recv(stage, errno(e))),
            }
        }
        Ok(())
    }

    /// Sends one framed message (`frame` starts with the 4 transport bytes).
    fn send_frame(&self, frame: &mut [u8], deadline: Instant, stage: Stage) -> Result<()> {
        let len = frame.len() - nbss::HEADER_LEN;
        let repr = nbss::Repr::new(len).map_err(|_| SmbFailure::Malformed(stage))?;
        repr.emit(&mut nbss::Header::new_unchecked(
            &mut frame[..nbss::HEADER_LEN],
        ));
        self.send_all(frame, deadline, stage)
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
            self.recv_exact(&mut head, deadline, stage)?;
            let h = nbss::Header::new_unchecked(&head[..]);
            let len = usize::try_from(h.length()).map_err(|_| SmbFailure::Malformed(stage))?;
            match h.msg_type() {
                0 => {
                    let dst = rx.get_mut(..len).ok_or(SmbFailure::Malformed(stage))?;
                    self.recv_exact(dst, deadline, stage)?;
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
    smb2::utf16le(&s, out).ok()
}

/// What the session setup exchange produced.
struct Session {
    guest: bool,
    /// The NTLMv2 session key, absent for anonymous.
    key: Option<[u8; 16]>,
}

/// Builds the NTLMSSP AUTHENTICATE for `challenge` into `out`; returns
/// its length and the session key (MS-NLMP 3.1.5.1.2).
fn authenticate(
    challenge: &[u8],
    creds: Option<&Credentials<'_>>,
    out: &mut [u8],
    stage: Stage,
) -> Result<(usize, Option<[u8; 16]>)> {
    let malformed = SmbFailure::Malformed(stage);
    let view = ChallengeMessage::new_checked(challenge).map_err(|_| malformed)?;
    let chal = ChallengeRepr::parse(&view).map_err(|_| malformed)?;
    let mut workstation = [0u8; 12];
    let ws_len = smb2::utf16le("MAMORI", &mut workstation).map_err(|_| malformed)?;
    let Some(creds) = creds else {
        // Anonymous: LmChallengeResponse Z(1), empty NT response, no
        // names (MS-NLMP 3.2.5.1.2).
        let repr = AuthenticateRepr {
            flags: ntlmssp::flags::CLIENT | ntlmssp::flags::ANONYMOUS,
            lm_response: &[0],
            nt_response: &[],
            domain: &[],
            user: &[],
            workstation: &[],
            session_key: &[],
            version: None,
            mic: None,
        };
        let n = repr.emit(out).map_err(|_| SmbFailure::Unsupported(stage))?;
        return Ok((n, None));
    };
    let mut user = [0u8; 512];
    let mut upper = [0u8; 512];
    let mut domain = [0u8; 512];
    let too_long = SmbFailure::Unsupported(stage);
    let user_len = ntlmssp::utf16le(creds.user, false, &mut user).map_err(|_| too_long)?;
    let upper_len = ntlmssp::utf16le(creds.user, true, &mut upper).map_err(|_| too_long)?;
    let domain_len = if creds.domain.is_empty() {
        let d = chal.nb_domain_name().unwrap_or(chal.target_name);
        let dst = domain.get_mut(..d.len()).ok_or(too_long)?;
        dst.copy_from_slice(d);
        d.len()
    } else {
        ntlmssp::utf16le(creds.domain, false, &mut domain).map_err(|_| too_long)?
    };
    let key = ntlmssp::nt_owf_v2_le(
        &ntlmssp::nt_hash(creds.password),
        &upper[..upper_len],
        &domain[..domain_len],
    );
    let mut client_challenge = [0u8; 8];
    random_bytes(&mut client_challenge);
    let time = chal.timestamp().unwrap_or_else(filetime_now);
    let mut nt = [0u8; 1536];
    let v2 = ntlmssp::ntlmv2_response(
        &key,
        &chal.server_challenge,
        &client_challenge,
        time,
        chal.target_info,
        &mut nt,
    )
    .map_err(|_| too_long)?;
    let repr = AuthenticateRepr {
        flags: ntlmssp::flags::CLIENT | (chal.flags & ntlmssp::flags::TARGET_INFO),
        lm_response: &v2.lm_response,
        nt_response: &nt[..v2.nt_len],
        domain: &domain[..domain_len],
        user: &user[..user_len],
        workstation: &workstation[..ws_len],
        session_key: &[],
        version: None,
        mic: None,
    };
    let n = repr.emit(out).map_err(|_| too_long)?;
    Ok((n, Some(v2.session_key)))
}

/// SPNEGO NegTokenInit around the NTLMSSP NEGOTIATE (MS-SPNG 3.1.5.1).
fn spnego_init(out: &mut [u8], stage: Stage) -> Result<usize> {
    let mut neg = [0u8; 64];
    let n = NegotiateRepr::client()
        .emit(&mut neg)
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    let init = NegTokenInitRepr {
        mech_types: &NegTokenInitRepr::NTLMSSP_MECH_TYPES,
        mech_token: Some(&neg[..n]),
    };
    init.emit(out).map_err(|_| SmbFailure::Unsupported(stage))
}

/// The NTLMSSP token inside a server's NegTokenResp.
fn spnego_token(b: &[u8], stage: Stage) -> Result<&[u8]> {
    let resp = NegTokenRespRepr::parse(b).map_err(|_| SmbFailure::Malformed(stage))?;
    resp.response_token.ok_or(SmbFailure::Malformed(stage))
}

/// SPNEGO NegTokenResp around the AUTHENTICATE (MS-SPNG 3.1.5.2).
fn spnego_auth(
    challenge_token: &[u8],
    creds: Option<&Credentials<'_>>,
    out: &mut [u8],
    stage: Stage,
) -> Result<(usize, Option<[u8; 16]>)> {
    let mut auth = [0u8; 2048];
    let (n, key) = authenticate(challenge_token, creds, &mut auth, stage)?;
    let resp = NegTokenRespRepr {
        neg_state: None,
        supported_mech: None,
        response_token: Some(&auth[..n]),
        mech_list_mic: None,
    };
    let len = resp.emit(out).map_err(|_| SmbFailure::Unsupported(stage))?;
    Ok((len, key))
}

// ---------------------------------------------------------------- SMB2

enum Smb2Outcome {
    Smb1Only,
    Failed(SmbFailure),
}

impl From<SmbFailure> for Smb2Outcome {
    fn from(f: SmbFailure) -> Self {
        Smb2Outcome::Failed(f)
    }
}

struct Smb2 {
    dialect: Dialect,
    message_id: u64,
    session_id: u64,
    tree_id: u32,
    /// The session's signing key, for verifying and for TREE_CONNECT.
    signing: Option<SigningKey>,
    /// Sign every request (the server requires signing).
    sign_all: bool,
}

impl Smb2 {
    fn header(&self, command: Command) -> HeaderRepr {
        let mut h = HeaderRepr::request(command, self.message_id, self.tree_id, self.session_id);
        if matches!(self.dialect, Dialect::Smb202) {
            h.credit_charge = 0;
        }
        h
    }

    /// Sends `tx[..4 + len]` (transport header + SMB2 message), signing it
    /// when the session signs, and returns the matching response.
    fn exchange<'r>(
        &mut self,
        conn: &Conn,
        tx: &mut [u8],
        len: usize,
        rx: &'r mut [u8],
        stage: Stage,
    ) -> Result<(HeaderRepr, &'r [u8])> {
        let frame = &mut tx[..nbss::HEADER_LEN + len];
        // 3.1.1 signs TREE_CONNECT of every user session (MS-SMB2 3.2.4.1.1).
        let tree_connect_311 = stage == Stage::TreeConnect && self.dialect == Dialect::Smb311;
        if let Some(key) = self
            .signing
            .as_ref()
            .filter(|_| self.sign_all || tree_connect_311)
        {
            key.sign(&mut frame[nbss::HEADER_LEN..])
                .map_err(|_| SmbFailure::Malformed(stage))?;
        }
        let deadline = Instant::now() + conn.timeout;
        conn.send_frame(frame, deadline, stage)?;
        let expect_id = self.message_id;
        self.message_id += 1;
        loop {
            // Re-borrow per iteration: an interim response is dropped.
            let msg_len = conn.recv_frame(rx, deadline, stage)?.len();
            let msg = &rx[..msg_len];
            if msg.get(..4) == Some(&smb1::PROTOCOL_ID[..]) {
                return Err(SmbFailure::NoCommonDialect(SMB1_REPLY));
            }
            let h = Header::new_checked(msg).map_err(|_| SmbFailure::Malformed(stage))?;
            let hr = HeaderRepr::parse(&h).map_err(|_| SmbFailure::Malformed(stage))?;
            if hr.message_id != expect_id || !hr.is_response() {
                return Err(SmbFailure::Malformed(stage));
            }
            if hr.is_async() && hr.status == NtStatus::Pending {
                continue;
            }
            let msg: &'r [u8] = &rx[..msg_len];
            return Ok((hr, msg));
        }
    }

    fn verify(&self, hr: &HeaderRepr, msg: &[u8], stage: Stage) -> Result<()> {
        match &self.signing {
            Some(key) if hr.flags & smb2::flags::SIGNED != 0 => {
                if key.verify(msg) {
                    Ok(())
                } else {
                    Err(SmbFailure::BadSignature(stage))
                }
            }
            _ => Ok(()),
        }
    }
}

fn smb2_check(
    conn: &mut Conn,
    rx: &mut [u8],
    target: SocketAddr,
    share: &str,
    creds: Option<&Credentials<'_>>,
) -> core::result::Result<CheckReport, Smb2Outcome> {
    let mut tx = [0u8; TX_LEN];
    let mut s = Smb2 {
        dialect: Dialect::Smb311,
        message_id: 0,
        session_id: 0,
        tree_id: 0,
        signing: None,
        sign_all: false,
    };
    let mut preauth = PreauthHash::default();
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;

    // NEGOTIATE (MS-SMB2 3.2.4.2.2.2).
    let stage = Stage::Negotiate;
    let mut guid = [0u8; 16];
    let mut salt = [0u8; 32];
    random_bytes(&mut guid);
    random_bytes(&mut salt);
    let dialects: [u8; 10] = le_list(smb2::OFFERED_DIALECTS.map(u16::from));
    let hash_algs: [u8; 2] = le_list([smb2::HashAlgorithm::Sha512.into()]);
    let ciphers: [u8; 4] = le_list([
        smb2::Cipher::Aes128Gcm.into(),
        smb2::Cipher::Aes128Ccm.into(),
    ]);
    // No AES-GMAC: it needs AES-GCM, which this client does not carry.
    let signing_algs: [u8; 4] = le_list([
        smb2::SigningAlgorithm::AesCmac.into(),
        smb2::SigningAlgorithm::HmacSha256.into(),
    ]);
    let list = |b| U16List::from_le_bytes(b).map_err(|_| SmbFailure::Malformed(stage));
    let contexts = [
        NegotiateContext::PreauthIntegrity {
            hash_algorithms: list(&hash_algs)?,
            salt: &salt,
        },
        NegotiateContext::Encryption {
            ciphers: list(&ciphers)?,
        },
        NegotiateContext::Signing {
            algorithms: list(&signing_algs)?,
        },
    ];
    let req = smb2::NegotiateRequestRepr {
        security_mode: smb2::security_mode::SIGNING_ENABLED,
        capabilities: 0,
        client_guid: guid,
        dialects: list(&dialects)?,
        contexts: smb2::NegotiateContexts::new(&[], 0),
    };
    let mut h = s.header(Command::Negotiate);
    h.credit_charge = 0;
    h.emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let body = req
        .emit_with(&contexts, &mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let len = smb2::HEADER_LEN + body;
    preauth.update(&tx[m0..m0 + len]);
    let (hr, msg) = match s.exchange(conn, &mut tx, len, rx, stage) {
        Ok(r) => r,
        // A server without SMB2 drops the connection (Samba NT1-only).
        Err(SmbFailure::Closed(_)) | Err(SmbFailure::Recv(_, _)) => {
            return Err(Smb2Outcome::Smb1Only);
        }
        // An SMB1 reply to an SMB2 NEGOTIATE: the server speaks SMB1 only.
        Err(SmbFailure::NoCommonDialect(SMB1_REPLY)) => return Err(Smb2Outcome::Smb1Only),
        Err(e) => return Err(e.into()),
    };
    if hr.status != NtStatus::Success {
        return Err(SmbFailure::Negotiate(hr.status).into());
    }
    let body = &msg[smb2::HEADER_LEN..];
    let view =
        smb2::NegotiateResponse::new_checked(body).map_err(|_| SmbFailure::Malformed(stage))?;
    let neg =
        smb2::NegotiateResponseRepr::parse(&view).map_err(|_| SmbFailure::Malformed(stage))?;
    if !smb2::OFFERED_DIALECTS.contains(&neg.dialect) {
        return Err(SmbFailure::NoCommonDialect(neg.dialect.into()).into());
    }
    s.dialect = neg.dialect;
    let signing_required = neg.security_mode & smb2::security_mode::SIGNING_REQUIRED != 0;
    let signing_algorithm = neg.signing_algorithm;
    if neg.dialect == Dialect::Smb311 {
        preauth.update(msg);
    }

    // SESSION_SETUP, round 1: NTLMSSP NEGOTIATE (MS-SMB2 3.2.4.2.3).
    let stage = Stage::SessionSetup;
    let mut token = [0u8; 2048];
    let n = spnego_init(&mut token, stage)?;
    let len = emit_session_setup(&s, &mut tx, &token[..n], stage)?;
    if s.dialect == Dialect::Smb311 {
        preauth.update(&tx[m0..m0 + len]);
    }
    let (hr, msg) = s.exchange(conn, &mut tx, len, rx, stage)?;
    if hr.status != NtStatus::MoreProcessingRequired {
        return Err(SmbFailure::SessionSetup(hr.status).into());
    }
    if s.dialect == Dialect::Smb311 {
        preauth.update(msg);
    }
    s.session_id = hr.session_id;
    let resp = session_setup_body(msg, stage)?;
    let challenge = spnego_token(resp.security_buffer, stage)?;

    // Round 2: AUTHENTICATE.
    let (n, key) = spnego_auth(challenge, creds, &mut token, stage)?;
    let len = emit_session_setup(&s, &mut tx, &token[..n], stage)?;
    if s.dialect == Dialect::Smb311 {
        preauth.update(&tx[m0..m0 + len]);
    }
    let (hr, msg) = s.exchange(conn, &mut tx, len, rx, stage)?;
    if hr.status != NtStatus::Success {
        return Err(SmbFailure::SessionSetup(hr.status).into());
    }
    let resp = session_setup_body(msg, stage)?;
    let flags = resp.session_flags;
    if flags & smb2::session_flags::ENCRYPT_DATA != 0 {
        return Err(SmbFailure::Unsupported(stage).into());
    }
    // Samba maps an anonymous session to guest without saying so.
    let session = Session {
        guest: creds.is_none()
            || flags & (smb2::session_flags::IS_GUEST | smb2::session_flags::IS_NULL) != 0,
        key,
    };
    if let (false, Some(k), true) = (
        session.guest,
        session.key,
        signing_required || s.dialect == Dialect::Smb311,
    ) {
        let sk = SigningKey::derive(s.dialect, &k, &preauth, signing_algorithm)
            .map_err(|_| SmbFailure::Unsupported(stage))?;
        s.signing = Some(sk);
        s.sign_all = signing_required;
        s.verify(&hr, msg, stage)?;
    }

    // TREE_CONNECT (MS-SMB2 3.2.4.2.4).
    let stage = Stage::TreeConnect;
    let mut path = [0u8; 1024];
    let path_len = unc_path(target, share, &mut path).ok_or(SmbFailure::Unsupported(stage))?;
    s.header(Command::TreeConnect)
        .emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let body = smb2::TreeConnectRequestRepr {
        flags: 0,
        path: &path[..path_len],
    }
    .emit(&mut tx[b0..])
    .map_err(|_| SmbFailure::Unsupported(stage))?;
    let (hr, msg) = s.exchange(conn, &mut tx, smb2::HEADER_LEN + body, rx, stage)?;
    s.verify(&hr, msg, stage)?;
    if hr.status != NtStatus::Success {
        let f = SmbFailure::TreeConnect(hr.status);
        let _ = smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff);
        return Err(f.into());
    }
    let tc = smb2::TreeConnectResponse::new_checked(&msg[smb2::HEADER_LEN..])
        .and_then(|v| smb2::TreeConnectResponseRepr::parse(&v))
        .map_err(|_| SmbFailure::Malformed(stage))?;
    s.tree_id = hr.tree_id();
    let share_kind = match tc.share_type {
        smb2::ShareType::Disk => ShareKind::Disk,
        smb2::ShareType::Pipe => ShareKind::Pipe,
        smb2::ShareType::Print => ShareKind::Print,
        smb2::ShareType::Unknown(t) => ShareKind::Unknown(t),
    };

    // TREE_DISCONNECT and LOGOFF (MS-SMB2 3.2.4.3, 3.2.4.22).
    let disconnect = smb2_simple(
        &mut s,
        conn,
        &mut tx,
        rx,
        Command::TreeDisconnect,
        Stage::TreeDisconnect,
    );
    s.tree_id = 0;
    if !share_kind.is_acceptable() {
        let _ = smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff);
        return Err(SmbFailure::ShareType(share_kind).into());
    }
    disconnect?;
    smb2_simple(&mut s, conn, &mut tx, rx, Command::Logoff, Stage::Logoff)?;
    Ok(CheckReport {
        protocol: Protocol::Smb2(s.dialect),
        signed: s.sign_all,
        guest: session.guest,
        share: share_kind,
    })
}

/// Lays 16-bit codes out little-endian, as every SMB2 list (MS-SMB2 2.2.3).
/// `B` must be twice `N`; extra bytes stay zero.
fn le_list<const N: usize, const B: usize>(codes: [u16; N]) -> [u8; B] {
    let mut out = [0u8; B];
    for (code, chunk) in codes.iter().zip(out.chunks_exact_mut(2)) {
        chunk.copy_from_slice(&code.to_le_bytes());
    }
    out
}

/// Marks an SMB1 reply where an SMB2 one was expected (an SMB1 server
/// answers an SMB2 NEGOTIATE with DialectIndex 0xFFFF, MS-SMB2 3.2.5.2).
const SMB1_REPLY: u16 = 0xFFFF;

fn emit_session_setup(s: &Smb2, tx: &mut [u8], token: &[u8], stage: Stage) -> Result<usize> {
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;
    s.header(Command::SessionSetup)
        .emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let req = smb2::SessionSetupRequestRepr {
        flags: 0,
        security_mode: smb2::security_mode::SIGNING_ENABLED as u8,
        capabilities: 0,
        channel: 0,
        previous_session_id: 0,
        security_buffer: token,
    };
    let body = req
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    Ok(smb2::HEADER_LEN + body)
}

fn session_setup_body(msg: &[u8], stage: Stage) -> Result<smb2::SessionSetupResponseRepr<'_>> {
    let body = msg
        .get(smb2::HEADER_LEN..)
        .ok_or(SmbFailure::Malformed(stage))?;
    let v =
        smb2::SessionSetupResponse::new_checked(body).map_err(|_| SmbFailure::Malformed(stage))?;
    smb2::SessionSetupResponseRepr::parse(&v).map_err(|_| SmbFailure::Malformed(stage))
}

/// A request with the 4-byte body: TREE_DISCONNECT or LOGOFF.
fn smb2_simple(
    s: &mut Smb2,
    conn: &Conn,
    tx: &mut [u8],
    rx: &mut [u8],
    command: Command,
    stage: Stage,
) -> Result<()> {
    let m0 = nbss::HEADER_LEN;
    let b0 = m0 + smb2::HEADER_LEN;
    s.header(command)
        .emit(&mut Header::new_unchecked(&mut tx[m0..b0]));
    let body = smb2::EmptyRepr
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let (hr, msg) = s.exchange(conn, tx, smb2::HEADER_LEN + body, rx, stage)?;
    s.verify(&hr, msg, stage)?;
    if hr.status != NtStatus::Success {
        return Err(match command {
            Command::Logoff => SmbFailure::Logoff(hr.status),
            _ => SmbFailure::TreeDisconnect(hr.status),
        });
    }
    smb2::EmptyRepr::parse(&msg[smb2::HEADER_LEN..]).map_err(|_| SmbFailure::Malformed(stage))?;
    Ok(())
}

// ---------------------------------------------------------------- SMB1

struct Smb1 {
    mid: u16,
    uid: u16,
    tid: u16,
    pid: u16,
    /// MAC key and the next sequence number (MS-CIFS 3.1.4.1).
    signing: Option<(smb1::SigningKey, u32)>,
}

impl Smb1 {
    fn header(&self, command: smb1::Command) -> smb1::HeaderRepr {
        smb1::HeaderRepr::request(command, self.tid, self.uid, self.mid, self.pid)
    }

    /// Emits header + `body` into `tx`, signs when active, sends, and
    /// returns the matching reply.
    fn exchange<'r>(
        &mut self,
        conn: &Conn,
        tx: &mut [u8],
        command: smb1::Command,
        body_len: usize,
        rx: &'r mut [u8],
        stage: Stage,
    ) -> Result<(smb1::HeaderRepr, &'r [u8])> {
        let m0 = nbss::HEADER_LEN;
        let len = smb1::HEADER_LEN + body_len;
        let mut h = self.header(command);
        if self.signing.is_some() {
            h.flags2 |= smb1::flags2::SECURITY_SIGNATURE;
        }
        h.emit(&mut smb1::Header::new_unchecked(
            &mut tx[m0..m0 + smb1::HEADER_LEN],
        ));
        let frame = &mut tx[..m0 + len];
        let reply_seq = if let Some((key, seq)) = &mut self.signing {
            key.sign(&mut frame[m0..], *seq)
                .map_err(|_| SmbFailure::Malformed(stage))?;
            *seq += 2;
            Some(*seq - 1)
        } else {
            None
        };
        let deadline = Instant::now() + conn.timeout;
        conn.send_frame(frame, deadline, stage)?;
        let mid = self.mid;
        self.mid = self.mid.wrapping_add(1);
        let msg = conn.recv_frame(rx, deadline, stage)?;
        let hv = smb1::Header::new_checked(msg).map_err(|_| SmbFailure::Malformed(stage))?;
        let hr = smb1::HeaderRepr::parse(&hv).map_err(|_| SmbFailure::Malformed(stage))?;
        if hr.mid != mid || !hr.is_reply() || hr.command != command {
            return Err(SmbFailure::Malformed(stage));
        }
        if let (Some((key, _)), Some(seq)) = (&self.signing, reply_seq)
            && hr.flags2 & smb1::flags2::SECURITY_SIGNATURE != 0
            && !key.verify(msg, seq)
        {
            return Err(SmbFailure::BadSignature(stage));
        }
        Ok((hr, msg))
    }
}

fn smb1_check(
    conn: &mut Conn,
    rx: &mut [u8],
    target: SocketAddr,
    share: &str,
    creds: Option<&Credentials<'_>>,
) -> Result<CheckReport> {
    let mut tx = [0u8; TX_LEN];
    let b0 = nbss::HEADER_LEN + smb1::HEADER_LEN;
    let mut s = Smb1 {
        mid: 1,
        uid: 0,
        tid: 0,
        pid: (std::process::id() & 0xFFFF) as u16,
        signing: None,
    };

    // NEGOTIATE with NT LM 0.12 (MS-CIFS 3.2.4.2.1).
    let stage = Stage::Negotiate;
    let n = smb1::NegotiateRequestRepr::NT_LM_012_ONLY
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let (hr, msg) = s.exchange(conn, &mut tx, smb1::Command::Negotiate, n, rx, stage)?;
    if hr.status != NtStatus::Success {
        return Err(SmbFailure::Negotiate(hr.status));
    }
    let neg = smb1::NegotiateResponseRepr::parse(&msg[smb1::HEADER_LEN..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let params = match (neg.dialect_index, neg.params) {
        (0, Some(p)) => Smb1Params {
            max_mpx_count: p.max_mpx_count,
            session_key: p.session_key,
            capabilities: p.capabilities,
            security_mode: p.security_mode,
        },
        (i, _) => return Err(SmbFailure::NoCommonDialect(i)),
    };
    if params.capabilities & smb1::caps::EXTENDED_SECURITY == 0 {
        return Err(SmbFailure::Unsupported(stage));
    }
    let signing_required = params.security_mode & smb1::security_mode::SIGNATURES_REQUIRED != 0;

    // SESSION_SETUP_ANDX, two rounds of NTLMSSP (MS-SMB 3.2.4.2.4).
    let stage = Stage::SessionSetup;
    let mut token = [0u8; 2048];
    let n = spnego_init(&mut token, stage)?;
    let body = emit_smb1_session_setup(&params, &token[..n], &mut tx[b0..], stage)?;
    let (hr, msg) = s.exchange(
        conn,
        &mut tx,
        smb1::Command::SessionSetupAndx,
        body,
        rx,
        stage,
    )?;
    if hr.status != NtStatus::MoreProcessingRequired {
        return Err(SmbFailure::SessionSetup(hr.status));
    }
    s.uid = hr.uid;
    let resp = smb1::SessionSetupResponseRepr::parse(&msg[smb1::HEADER_LEN..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let challenge = spnego_token(resp.security_blob, stage)?;
    let (n, key) = spnego_auth(challenge, creds, &mut token, stage)?;
    let body = emit_smb1_session_setup(&params, &token[..n], &mut tx[b0..], stage)?;
    let (hr, msg) = s.exchange(
        conn,
        &mut tx,
        smb1::Command::SessionSetupAndx,
        body,
        rx,
        stage,
    )?;
    if hr.status != NtStatus::Success {
        return Err(SmbFailure::SessionSetup(hr.status));
    }
    let resp = smb1::SessionSetupResponseRepr::parse(&msg[smb1::HEADER_LEN..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let guest = creds.is_none() || resp.action & smb1::ACTION_GUEST != 0;
    if let (true, false, Some(k)) = (signing_required, guest, key) {
        // The final SESSION_SETUP request and its reply used sequence
        // numbers 0 and 1 (MS-CIFS 3.2.5.3 / 3.2.4.1.1): the next is 2.
        let key = smb1::SigningKey(k);
        if hr.flags2 & smb1::flags2::SECURITY_SIGNATURE != 0 && !key.verify(msg, 1) {
            return Err(SmbFailure::BadSignature(stage));
        }
        s.signing = Some((key, 2));
    }

    // TREE_CONNECT_ANDX (MS-CIFS 3.2.4.4).
    let stage = Stage::TreeConnect;
    let mut path = [0u8; 1024];
    let path_len = unc_path(target, share, &mut path).ok_or(SmbFailure::Unsupported(stage))?;
    let req = smb1::TreeConnectRequestRepr {
        andx: smb1::AndX::NONE,
        flags: smb1::TREE_CONNECT_EXTENDED_RESPONSE,
        password: &[0],
        path: &path[..path_len],
        service: smb1::SERVICE_ANY,
    };
    let n = req
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Unsupported(stage))?;
    let (hr, msg) = s.exchange(conn, &mut tx, smb1::Command::TreeConnectAndx, n, rx, stage)?;
    if hr.status != NtStatus::Success {
        let _ = smb1_logoff(&mut s, conn, &mut tx, rx);
        return Err(SmbFailure::TreeConnect(hr.status));
    }
    let tc = smb1::TreeConnectResponseRepr::parse(&msg[smb1::HEADER_LEN..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    s.tid = hr.tid;
    let share_kind = match tc.service {
        b"A:" => ShareKind::Disk,
        b"LPT1:" => ShareKind::Print,
        b"IPC" => ShareKind::Pipe,
        b"COMM" => ShareKind::Comm,
        _ => ShareKind::UnknownService,
    };

    // TREE_DISCONNECT and LOGOFF_ANDX (MS-CIFS 3.2.4.5, 3.2.4.23).
    let stage = Stage::TreeDisconnect;
    let n = smb1::EmptyRepr
        .emit(&mut tx[b0..])
        .map_err(|_| SmbFailure::Malformed(stage))?;
    let disconnect = s
        .exchange(conn, &mut tx, smb1::Command::TreeDisconnect, n, rx, stage)
        .and_then(|(hr, _)| {
            if hr.status == NtStatus::Success {
                Ok(())
            } else {
                Err(SmbFailure::TreeDisconnect(hr.status))
            }
        });
    s.tid = 0;
    if !share_kind.is_acceptable() {
        let _ = smb1_logoff(&mut s, conn, &mut tx, rx);
        return Err(SmbFailure::ShareType(share_kind));
    }
    disconnect?;
    smb1_logoff(&mut s, conn, &mut tx, rx)?;
    Ok(CheckReport {
        protocol: Protocol::Smb1,
        signed: s.signing.is_some(),
        guest,
        share: share_kind,
    })
}

/// What SESSION_SETUP_ANDX needs from the NEGOTIATE response.
struct Smb1Params {
    max_mpx_count: u16,
    session_key: u32,
    capabilities: u32,
    security_mode: u8,
}

fn emit_smb1_session_setup(
    params: &Smb1Params,
    blob: &[u8],
    out: &mut [u8],
    stage: Stage,
) -> Result<usize> {
    // NativeOS and NativeLanMan are empty UTF-16 strings, 2-aligned from
    // the header start: the data block starts at 32 + 1 + 24 + 2 = 59.
    let strings: &[u8] = if (59 + blob.len()) % 2 == 1 {
        &[0; 5]
    } else {
        &[0; 4]
    };
    let req = smb1::SessionSetupRequestRepr {
        andx: smb1::AndX::NONE,
        max_buffer_size: 0xFFFF,
        max_mpx_count: params.max_mpx_count.clamp(1, 50),
        vc_number: 1,
        session_key: params.session_key,
        capabilities: smb1::caps::UNICODE
            | smb1::caps::NT_SMBS
            | smb1::caps::NT_STATUS
            | smb1::caps::LARGE_FILES
            | smb1::caps::EXTENDED_SECURITY,
        security_blob: blob,
        strings,
    };
    req.emit(out).map_err(|_| SmbFailure::Unsupported(stage))
}

fn smb1_logoff(s: &mut Smb1, conn: &Conn, tx: &mut [u8], rx: &mut [u8]) -> Result<()> {
    let stage = Stage::Logoff;
    let b0 = nbss::HEADER_LEN + smb1::HEADER_LEN;
    let n = smb1::LogoffRepr {
        andx: smb1::AndX::NONE,
    }
    .emit(&mut tx[b0..])
    .map_err(|_| SmbFailure::Malformed(stage))?;
    let (hr, _) = s.exchange(conn, tx, smb1::Command::LogoffAndx, n, rx, stage)?;
    if hr.status == NtStatus::Success {
        Ok(())
    } else {
        Err(SmbFailure::Logoff(hr.status))
    }
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
