//! NFS health check: the I/O that drives the ONC RPC codecs of
//! [`crate::wire`] against a server, as `clp_nfsmon` does each interval
//! (SPEC.md §2): portmapper lookup, MOUNT of the directory, an NFS call on
//! the returned handle, unmount; or one NFSv4 COMPOUND where there is no
//! MOUNT service.
//!
//! Every step runs over TCP (RFC 5531 §11 record marking) on a
//! non-blocking socket; connect, send and receive are each bounded by
//! `poll` against one deadline per request. Nothing here allocates: calls
//! are built in stack arrays and replies reassembled into stack arrays.

use core::fmt;
use core::net::{IpAddr, SocketAddr};
use core::sync::atomic::{AtomicU32, Ordering};
use core::time::Duration;
use std::time::Instant;

use crate::probe::tcp::{Conn, SourcePort};
use crate::sys::errno::ErrnoText;

use crate::wire::mount::{self, DirPath, FileHandle3, MountRes3, Mountstat3};
use crate::wire::nfs3::{self, GetattrRes3, Nfsstat3};
use crate::wire::nfs4::{self, ArgOp, Bitmap4, CompoundArgs, CompoundRes, Nfsstat4, Opcode};
use crate::wire::oncrpc::{
    self, AcceptStat, AuthStat, AuthSys, CallRepr, Credential, OpaqueAuth, RecordMark, ReplyBody,
    ReplyRepr,
};
use crate::wire::portmap::{self, MappingRepr};
use crate::wire::xdr::Writer;

/// Which NFS protocol the check speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// NFSv3 through the portmapper and MOUNT; NFSv4 when the server has
    /// no MOUNT (or NFSv3) service, or when `nfs_port` is given and the
    /// portmapper cannot be reached or does not answer in time.
    Auto,
    /// NFSv3 only (RFC 1813).
    V3,
    /// NFSv4.0 only (RFC 7530).
    V4,
}

/// The step of the check that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// PMAPPROC_GETPORT for MOUNT v3 (RFC 1833 §3.2).
    GetPortMount,
    /// PMAPPROC_GETPORT for NFS v3 (RFC 1833 §3.2).
    GetPortNfs,
    /// MOUNTPROC3_MNT (RFC 1813 §I.5.2).
    Mount,
    /// NFSPROC3_GETATTR (RFC 1813 §3.3.1).
    Getattr,
    /// MOUNTPROC3_UMNT (RFC 1813 §I.5.4).
    Unmount,
    /// NFSPROC4_COMPOUND (RFC 7530 §16.2).
    Compound,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::GetPortMount => "portmapper GETPORT mountd",
            Stage::GetPortNfs => "portmapper GETPORT nfs",
            Stage::Mount => "MOUNT MNT",
            Stage::Getattr => "NFS3 GETATTR",
            Stage::Unmount => "MOUNT UMNT",
            Stage::Compound => "NFS4 COMPOUND",
        })
    }
}

/// A failure of the connection itself: the probes' one transport error.
pub use crate::probe::tcp::Error as Io;

/// An [`Io`] in the words of the ONC RPC library's `clnt_sperror`, which
/// the original's messages quote (seed 000 §8.2.2).
struct ClntText(Io);

impl fmt::Display for ClntText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Io::Socket(e) => write!(f, "RPC: Remote system error - {}", ErrnoText(e)),
            Io::Connect(e) | Io::Recv(e) | Io::Poll(e) => {
                write!(f, "RPC: Unable to receive; errno = {}", ErrnoText(e))
            }
            Io::Send(e) => write!(f, "RPC: Unable to send; errno = {}", ErrnoText(e)),
            Io::Closed => f.write_str("RPC: Unable to receive; errno = Connection reset by peer"),
            Io::Timeout => f.write_str("RPC: Timed out"),
        }
    }
}

/// An RPC-level refusal: the server answered, but not with results
/// (RFC 5531 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RpcError {
    /// MSG_ACCEPTED with a stat other than SUCCESS; PROG_MISMATCH carries
    /// the supported versions.
    Accept(AcceptStat, Option<(u32, u32)>),
    /// MSG_DENIED, RPC_MISMATCH.
    RpcMismatch(u32, u32),
    /// MSG_DENIED, AUTH_ERROR.
    Auth(AuthStat),
    /// MSG_DENIED with an unknown reject_stat, or an unknown reply_stat.
    Denied(u32),
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Accept(AcceptStat::ProgUnavail, _) => f.write_str("RPC: Program unavailable"),
            RpcError::Accept(AcceptStat::ProgMismatch, Some((lo, hi))) => {
                write!(
                    f,
                    "RPC: Program/version mismatch; low version = {lo}, high version = {hi}"
                )
            }
            RpcError::Accept(s, _) => write!(f, "RPC: {s}"),
            RpcError::RpcMismatch(lo, hi) => {
                write!(
                    f,
                    "RPC: Incompatible versions of RPC; low version = {lo}, high version = {hi}"
                )
            }
            RpcError::Auth(a) => write!(f, "RPC: Authentication error; why = {a}"),
            RpcError::Denied(v) => write!(f, "RPC: call denied ({v})"),
        }
    }
}

/// Why the portmapper could not answer (the "xxxx" of
/// `RPC: Port mapper failure - xxxx`, seed 000 §8.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortmapFailure {
    /// The connection failed.
    Io(Io),
    /// The portmapper refused the call.
    Rpc(RpcError),
    /// The reply could not be decoded.
    Malformed,
}

impl fmt::Display for PortmapFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortmapFailure::Io(io) => ClntText(*io).fmt(f),
            PortmapFailure::Rpc(e) => e.fmt(f),
            PortmapFailure::Malformed => f.write_str("RPC: Can't decode result"),
        }
    }
}

/// Why a check failed: exactly what `clp_nfsmon`'s messages need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NfsFailure {
    /// The portmapper could not be asked (`RPC: Port mapper failure - …`).
    PortMapper(Stage, PortmapFailure),
    /// The portmapper has no TCP port for the program
    /// (`RPC: Program not registered`).
    ProgramNotRegistered {
        /// Program number (100005 MOUNT, 100003 NFS).
        prog: u32,
        /// Program version.
        vers: u32,
    },
    /// The connection to MOUNT or NFS failed (messages 71–75, or a
    /// timeout).
    Io(Stage, Io),
    /// MOUNT or NFS refused the call at the RPC level.
    Rpc(Stage, RpcError),
    /// MNT failed (`mount error(…)`).
    Mount(Mountstat3),
    /// GETATTR failed.
    Nfs3(Nfsstat3),
    /// An operation of the COMPOUND failed.
    Nfs4 {
        /// The failing operation.
        op: Opcode,
        /// Its status.
        status: Nfsstat4,
    },
    /// A reply could not be decoded, or came with a wrong program layout.
    Malformed(Stage),
    /// The directory is empty, too long, or has too many components for
    /// one request.
    BadPath,
}

impl NfsFailure {
    /// The stage that failed, where one applies.
    pub fn stage(&self) -> Option<Stage> {
        match self {
            NfsFailure::PortMapper(s, _)
            | NfsFailure::Io(s, _)
            | NfsFailure::Rpc(s, _)
            | NfsFailure::Malformed(s) => Some(*s),
            NfsFailure::ProgramNotRegistered { .. } => Some(Stage::GetPortMount),
            NfsFailure::Mount(_) => Some(Stage::Mount),
            NfsFailure::Nfs3(_) => Some(Stage::Getattr),
            NfsFailure::Nfs4 { .. } => Some(Stage::Compound),
            NfsFailure::BadPath => None,
        }
    }

    /// True when the request timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(
            self,
            NfsFailure::Io(_, Io::Timeout)
                | NfsFailure::PortMapper(_, PortmapFailure::Io(Io::Timeout))
        )
    }
}

impl fmt::Display for NfsFailure {
    /// The text after `clp_nfsmon: ` (seed 000 §8.2.2, §8.2.3).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NfsFailure::PortMapper(_, why) => write!(f, "RPC: Port mapper failure - {why}"),
            NfsFailure::ProgramNotRegistered { .. } => f.write_str("RPC: Program not registered"),
            NfsFailure::Io(_, io) => ClntText(*io).fmt(f),
            NfsFailure::Rpc(_, e) => e.fmt(f),
            NfsFailure::Mount(s) => write!(f, "mount error({s})"),
            NfsFailure::Nfs3(s) => write!(f, "NFS3 GETATTR error({s})"),
            NfsFailure::Nfs4 { op, status } => {
                write!(f, "NFS4 COMPOUND error({status} in op {})", u32::from(*op))
            }
            NfsFailure::Malformed(s) => write!(f, "RPC: Can't decode result ({s})"),
            NfsFailure::BadPath => f.write_str("invalid directory"),
        }
    }
}

/// What a successful check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckReport {
    /// The protocol spoken: [`Version::V3`] or [`Version::V4`].
    pub version: Version,
    /// MOUNT's port (NFSv3 only).
    pub mount_port: Option<u16>,
    /// The NFS port used.
    pub nfs_port: u16,
    /// The directory's file type (`ftype3` or `nfs_ftype4`; 2 = directory).
    pub ftype: u32,
    /// The directory's file system id (NFSv3: `fsid` and 0; NFSv4:
    /// `fsid4` major and minor).
    pub fsid: (u64, u64),
}

/// Runs one check of `dir` on `server`.
///
/// `timeout_per_request` bounds each connect and each call/reply pair.
/// With `reserved_port`, MOUNT and NFS connections come from a source port
/// below 1024 when the process may bind one (root), as many servers
/// require for MOUNT.
pub fn check(
    server: IpAddr,
    portmap_port: u16,
    nfs_port: Option<u16>,
    dir: &str,
    version: Version,
    timeout_per_request: Duration,
    reserved_port: bool,
) -> Result<CheckReport, NfsFailure> {
    let dir = dir.as_bytes();
    if dir.is_empty() || dir.len() > mount::MNTPATHLEN {
        return Err(NfsFailure::BadPath);
    }
    let mut c = Client {
        timeout: timeout_per_request,
        reserved_port,
    };
    if version == Version::V4 {
        return c.check_v4(server, nfs_port.unwrap_or(nfs4::PORT), dir);
    }
    match c.check_v3(server, portmap_port, nfs_port, dir) {
        Err(Fallback::V4 { .. }) if version == Version::Auto => {
            c.check_v4(server, nfs_port.unwrap_or(nfs4::PORT), dir)
        }
        Err(Fallback::V4 { prog, vers }) => Err(NfsFailure::ProgramNotRegistered { prog, vers }),
        Err(Fallback::PortmapGone(_)) if version == Version::Auto && nfs_port.is_some() => {
            c.check_v4(server, nfs_port.unwrap_or(nfs4::PORT), dir)
        }
        Err(Fallback::PortmapGone(f)) | Err(Fallback::Fail(f)) => Err(f),
        Ok(r) => Ok(r),
    }
}

/// How the NFSv3 path ended when it did not succeed.
enum Fallback {
    /// No MOUNT (or NFSv3) service: NFSv4 may still answer.
    V4 {
        /// The program missing.
        prog: u32,
        /// Its version.
        vers: u32,
    },
    /// The portmapper could not be reached.
    PortmapGone(NfsFailure),
    /// A failure to report.
    Fail(NfsFailure),
}

impl From<NfsFailure> for Fallback {
    fn from(f: NfsFailure) -> Self {
        Fallback::Fail(f)
    }
}

const TX_LEN: usize = 2048;
const RX_LEN: usize = 4096;
/// The AUTH_SYS machine name: this node's name, as an NFS client sends it
/// (RFC 5531 §14: at most 255 bytes), read once.
fn machine_name() -> &'static [u8] {
    static NAME: std::sync::OnceLock<heapless::Vec<u8, 255>> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let uts = rustix::system::uname();
        let node = uts.nodename().to_bytes();
        let mut v = heapless::Vec::new();
        let _ = v.extend_from_slice(&node[..node.len().min(255)]);
        if v.is_empty() {
            let _ = v.extend_from_slice(b"localhost");
        }
        v
    })
}

static NEXT_XID: AtomicU32 = AtomicU32::new(0);

fn next_xid() -> u32 {
    if NEXT_XID.load(Ordering::Relaxed) == 0 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
            .unwrap_or(1);
        let seed = nanos ^ (std::process::id() << 16) | 1;
        let _ = NEXT_XID.compare_exchange(0, seed, Ordering::Relaxed, Ordering::Relaxed);
    }
    NEXT_XID.fetch_add(1, Ordering::Relaxed)
}

struct Client {
    timeout: Duration,
    reserved_port: bool,
}

impl Client {
    fn check_v3(
        &mut self,
        server: IpAddr,
        portmap_port: u16,
        nfs_port: Option<u16>,
        dir: &[u8],
    ) -> Result<CheckReport, Fallback> {
        // Portmapper: MOUNT's port, then NFS's unless given.
        let pm_fail = |stage, io| {
            Fallback::PortmapGone(NfsFailure::PortMapper(stage, PortmapFailure::Io(io)))
        };
        let pm = self
            .connect(SocketAddr::new(server, portmap_port), false)
            .map_err(|io| pm_fail(Stage::GetPortMount, io))?;
        let mount_port =
            match self.getport(&pm, Stage::GetPortMount, mount::PROGRAM, mount::VERSION)? {
                0 => {
                    return Err(Fallback::V4 {
                        prog: mount::PROGRAM,
                        vers: mount::VERSION,
                    });
                }
                p => p,
            };
        let nfs_port = match nfs_port {
            Some(p) => p,
            None => match self.getport(&pm, Stage::GetPortNfs, nfs3::PROGRAM, nfs3::VERSION)? {
                0 => {
                    return Err(Fallback::V4 {
                        prog: nfs3::PROGRAM,
                        vers: nfs3::VERSION,
                    });
                }
                p => p,
            },
        };
        drop(pm);

        // MOUNT the directory.
        let mnt = self
            .connect(SocketAddr::new(server, mount_port), true)
            .map_err(|io| NfsFailure::Io(Stage::Mount, io))?;
        let fh = self.mnt(&mnt, dir)?;

        // One NFS call on the handle.
        let nfs = self
            .connect(SocketAddr::new(server, nfs_port), true)
            .map_err(|io| NfsFailure::Io(Stage::Getattr, io))?;
        let attrs = self.getattr3(&nfs, &fh)?;
        drop(nfs);

        // Unmount on the MOUNT connection, still open.
        self.umnt(&mnt, dir)?;
        Ok(CheckReport {
            version: Version::V3,
            mount_port: Some(mount_port),
            nfs_port,
            ftype: attrs.ftype.into(),
            fsid: (attrs.fsid, 0),
        })
    }

    fn check_v4(
        &mut self,
        server: IpAddr,
        port: u16,
        dir: &[u8],
    ) -> Result<CheckReport, NfsFailure> {
        let mut ops: heapless::Vec<ArgOp<'_>, { nfs4::MAX_OPS }> = heapless::Vec::new();
        ops.push(ArgOp::PutRootFh)
            .map_err(|_| NfsFailure::BadPath)?;
        for comp in dir.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
            if comp == b"." {
                continue;
            }
            ops.push(ArgOp::Lookup(comp))
                .map_err(|_| NfsFailure::BadPath)?;
        }
        let mask = Bitmap4::from_attrs(&[nfs4::attr::TYPE, nfs4::attr::FSID]);
        ops.push(ArgOp::GetAttr(mask))
            .map_err(|_| NfsFailure::BadPath)?;
        let args = CompoundArgs {
            tag: b"",
            minorversion: 0,
            ops,
        };
        let stage = Stage::Compound;
        let conn = self
            .connect(SocketAddr::new(server, port), true)
            .map_err(|io| NfsFailure::Io(stage, io))?;
        let mut rx = [0u8; RX_LEN];
        let res = self.call(
            &conn,
            stage,
            nfs4::PROGRAM,
            nfs4::VERSION,
            nfs4::Procedure::Compound.into(),
            |w| args.emit(w).map_err(|_| NfsFailure::BadPath),
            &mut rx,
        )?;
        let (_, reply) = CompoundRes::parse(res).map_err(|_| NfsFailure::Malformed(stage))?;
        if let Some((_, op, status)) = reply.failed_op() {
            return Err(NfsFailure::Nfs4 { op, status });
        }
        if reply.status != Nfsstat4::Ok {
            return Err(NfsFailure::Nfs4 {
                op: Opcode::Unknown(0),
                status: reply.status,
            });
        }
        let attrs = reply
            .attrs()
            .and_then(|a| a.decode_small().ok())
            .ok_or(NfsFailure::Malformed(stage))?;
        let fsid = attrs.fsid.map(|f| (f.major, f.minor)).unwrap_or((0, 0));
        Ok(CheckReport {
            version: Version::V4,
            mount_port: None,
            nfs_port: port,
            ftype: attrs.ftype.map(u32::from).unwrap_or(0),
            fsid,
        })
    }

    fn getport(
        &mut self,
        conn: &Conn,
        stage: Stage,
        prog: u32,
        vers: u32,
    ) -> Result<u16, Fallback> {
        let mapping = MappingRepr {
            prog,
            vers,
            prot: portmap::Protocol::Tcp,
            port: 0,
        };
        let mut rx = [0u8; RX_LEN];
        let res = self.call(
            conn,
            stage,
            portmap::PROGRAM,
            portmap::VERSION,
            portmap::Procedure::GetPort.into(),
            |w| mapping.emit(w).map_err(|_| NfsFailure::Malformed(stage)),
            &mut rx,
        );
        let res = match res {
            Ok(r) => r,
            Err(NfsFailure::Io(s, io)) => {
                return Err(Fallback::PortmapGone(NfsFailure::PortMapper(
                    s,
                    PortmapFailure::Io(io),
                )));
            }
            Err(NfsFailure::Rpc(s, e)) => {
                return Err(Fallback::Fail(NfsFailure::PortMapper(
                    s,
                    PortmapFailure::Rpc(e),
                )));
            }
            Err(NfsFailure::Malformed(s)) => {
                return Err(Fallback::Fail(NfsFailure::PortMapper(
                    s,
                    PortmapFailure::Malformed,
                )));
            }
            Err(f) => return Err(Fallback::Fail(f)),
        };
        let malformed = || Fallback::Fail(NfsFailure::PortMapper(stage, PortmapFailure::Malformed));
        let (_, port) = portmap::parse_getport_result(res).map_err(|_| malformed())?;
        u16::try_from(port).map_err(|_| malformed())
    }

    fn mnt(&mut self, conn: &Conn, dir: &[u8]) -> Result<FileHandle3, Fallback> {
        let stage = Stage::Mount;
        let mut rx = [0u8; RX_LEN];
        let res = self.call(
            conn,
            stage,
            mount::PROGRAM,
            mount::VERSION,
            mount::Procedure::Mnt.into(),
            |w| DirPath(dir).emit(w).map_err(|_| NfsFailure::BadPath),
            &mut rx,
        );
        let res = match res {
            Err(NfsFailure::Rpc(_, RpcError::Accept(AcceptStat::ProgUnavail, _)))
            | Err(NfsFailure::Rpc(_, RpcError::Accept(AcceptStat::ProgMismatch, _))) => {
                return Err(Fallback::V4 {
                    prog: mount::PROGRAM,
                    vers: mount::VERSION,
                });
            }
            other => other?,
        };
        match MountRes3::parse(res)
            .map_err(|_| NfsFailure::Malformed(stage))?
            .1
        {
            MountRes3::Ok { fhandle, .. } => Ok(fhandle),
            MountRes3::Err(s) => Err(NfsFailure::Mount(s).into()),
        }
    }

    fn getattr3(&mut self, conn: &Conn, fh: &FileHandle3) -> Result<nfs3::Fattr3Repr, NfsFailure> {
        let stage = Stage::Getattr;
        let mut rx = [0u8; RX_LEN];
        let res = self.call(
            conn,
            stage,
            nfs3::PROGRAM,
            nfs3::VERSION,
            nfs3::Procedure::GetAttr.into(),
            |w| nfs3::emit_getattr_args(fh, w).map_err(|_| NfsFailure::Malformed(stage)),
            &mut rx,
        )?;
        match GetattrRes3::parse(res)
            .map_err(|_| NfsFailure::Malformed(stage))?
            .1
        {
            GetattrRes3::Ok(a) => Ok(a),
            GetattrRes3::Err(s) => Err(NfsFailure::Nfs3(s)),
        }
    }

    fn umnt(&mut self, conn: &Conn, dir: &[u8]) -> Result<(), NfsFailure> {
        let mut rx = [0u8; RX_LEN];
        self.call(
            conn,
            Stage::Unmount,
            mount::PROGRAM,
            mount::VERSION,
            mount::Procedure::Umnt.into(),
            |w| DirPath(dir).emit(w).map_err(|_| NfsFailure::BadPath),
            &mut rx,
        )?;
        Ok(())
    }

    /// Sends one call and waits for the reply with the same xid; returns
    /// the procedure's results (RFC 5531 §9, §11).
    #[allow(clippy::too_many_arguments)]
    fn call<'r>(
        &mut self,
        conn: &Conn,
        stage: Stage,
        prog: u32,
        vers: u32,
        procedure: u32,
        args: impl FnOnce(&mut Writer<'_>) -> Result<(), NfsFailure>,
        record: &'r mut [u8; RX_LEN],
    ) -> Result<&'r [u8], NfsFailure> {
        let deadline = Instant::now() + self.timeout;
        let xid = next_xid();
        let mut tx = [0u8; TX_LEN];
        let len = {
            let mut w = Writer::new(&mut tx);
            let malformed = |_| NfsFailure::BadPath;
            RecordMark { last: true, len: 0 }
                .emit(&mut w)
                .map_err(malformed)?;
            let call = CallRepr {
                xid,
                prog,
                vers,
                procedure,
                cred: Credential::Sys(AuthSys {
                    stamp: xid,
                    machine_name: machine_name(),
                    uid: rustix::process::geteuid().as_raw(),
                    gid: rustix::process::getegid().as_raw(),
                    gids: heapless::Vec::new(),
                }),
                verf: OpaqueAuth::NONE,
            };
            call.emit(&mut w).map_err(malformed)?;
            args(&mut w)?;
            w.len()
        };
        // Patch the record mark now that the length is known.
        let body_len =
            u32::try_from(len - oncrpc::RECORD_MARK_LEN).map_err(|_| NfsFailure::BadPath)?;
        let mut head = Writer::new(&mut tx[..oncrpc::RECORD_MARK_LEN]);
        RecordMark {
            last: true,
            len: body_len,
        }
        .emit(&mut head)
        .map_err(|_| NfsFailure::BadPath)?;
        let out = tx.get(..len).ok_or(NfsFailure::BadPath)?;
        conn.send_all(out, deadline)
            .map_err(|io| NfsFailure::Io(stage, io))?;

        // Receive records until the one answering this xid.
        let mut stream = [0u8; RX_LEN];
        let mut have = 0usize;
        loop {
            let rec = match oncrpc::reassemble(stream.get(..have).unwrap_or(&[]), record) {
                Ok(Some(rec)) => rec,
                Ok(None) => {
                    let free = stream.get_mut(have..).unwrap_or(&mut []);
                    if free.is_empty() {
                        return Err(NfsFailure::Malformed(stage));
                    }
                    let n = conn
                        .recv_some(free, deadline)
                        .map_err(|io| NfsFailure::Io(stage, io))?;
                    have += n;
                    continue;
                }
                Err(_) => return Err(NfsFailure::Malformed(stage)),
            };
            let body = record.get(..rec.len).unwrap_or(&[]);
            let (results, reply) =
                ReplyRepr::parse(body).map_err(|_| NfsFailure::Malformed(stage))?;
            if reply.xid != xid {
                // A late reply to an earlier call: drop it and read on.
                stream.copy_within(rec.consumed..have, 0);
                have -= rec.consumed;
                continue;
            }
            let results_at = rec.len - results.len();
            match reply.body {
                ReplyBody::Accepted {
                    stat: AcceptStat::Success,
                    ..
                } => {}
                ReplyBody::Accepted { stat, mismatch, .. } => {
                    return Err(NfsFailure::Rpc(
                        stage,
                        RpcError::Accept(stat, mismatch.map(|m| (m.low, m.high))),
                    ));
                }
                ReplyBody::RpcMismatch(m) => {
                    return Err(NfsFailure::Rpc(stage, RpcError::RpcMismatch(m.low, m.high)));
                }
                ReplyBody::AuthError(a) => return Err(NfsFailure::Rpc(stage, RpcError::Auth(a))),
                ReplyBody::Rejected(v) | ReplyBody::Unknown(v) => {
                    return Err(NfsFailure::Rpc(stage, RpcError::Denied(v)));
                }
            }
            return record
                .get(results_at..rec.len)
                .ok_or(NfsFailure::Malformed(stage));
        }
    }

    /// Opens a TCP connection, bounded by the timeout; `reserved` asks
    /// for a source port below 1024 when the check was told to use one.
    fn connect(&mut self, addr: SocketAddr, reserved: bool) -> Result<Conn, Io> {
        let source = if reserved && self.reserved_port {
            SourcePort::Reserved
        } else {
            SourcePort::Ephemeral
        };
        Conn::connect(addr, source, Instant::now() + self.timeout)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn messages() {
        let f = NfsFailure::PortMapper(
            Stage::GetPortMount,
            PortmapFailure::Io(Io::Connect(libc::ECONNREFUSED)),
        );
        let mut s = heapless::String::<128>::new();
        core::fmt::write(&mut s, format_args!("{f}")).unwrap();
        assert_eq!(
            s.as_str(),
            "RPC: Port mapper failure - RPC: Unable to receive; errno = Connection refused"
        );
        let mut s = heapless::String::<64>::new();
        core::fmt::write(
            &mut s,
            format_args!("{}", NfsFailure::Mount(Mountstat3::Acces)),
        )
        .unwrap();
        assert_eq!(s.as_str(), "mount error(MNT3ERR_ACCES)");
        assert_eq!(f.stage(), Some(Stage::GetPortMount));
        assert!(!f.is_timeout());
    }

    /// The reply of nfs-ganesha 4.3 to COMPOUND { PUTROOTFH, LOOKUP export,
    /// GETATTR {type, fsid} } after its xid
    /// (`tests/captures/mamori-probe-v3-v4.pcap`, frame 74).
    static COMPOUND_REPLY_AFTER_XID: [u8; 88] = [
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x03, 0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0xeb, 0xb9, 0xb6, 0x9b, 0x00, 0x00, 0x00, 0x00, 0xdc, 0x62, 0x45, 0x54,
    ];

    /// A one-shot fake server on 127.0.0.1: reads one call record and
    /// hands its xid and the stream to `answer`.
    fn fake_server(
        answer: impl FnOnce([u8; 4], &mut std::net::TcpStream) + Send + 'static,
    ) -> (u16, std::thread::JoinHandle<()>) {
        use std::io::Read;
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let h = std::thread::spawn(move || {
            let (mut s, _) = l.accept().unwrap();
            let mut mark = [0u8; 4];
            s.read_exact(&mut mark).unwrap();
            let len = (u32::from_be_bytes(mark) & 0x7fff_ffff) as usize;
            let mut call = [0u8; 2048];
            s.read_exact(&mut call[..len]).unwrap();
            let mut xid = [0u8; 4];
            xid.copy_from_slice(&call[..4]);
            answer(xid, &mut s);
        });
        (port, h)
    }

    #[test]
    fn stale_xid_skipped_and_fragments_joined() {
        use std::io::Write;
        let (port, h) = fake_server(|xid, s| {
            // A stale reply for another xid, then the answer in two
            // fragments of 10 and 82 bytes.
            let mut stale = [0u8; 4 + 92];
            stale[..4].copy_from_slice(&(0x8000_0000u32 | 92).to_be_bytes());
            stale[4..8].copy_from_slice(&(u32::from_be_bytes(xid) ^ 1).to_be_bytes());
            stale[8..].copy_from_slice(&COMPOUND_REPLY_AFTER_XID);
            s.write_all(&stale).unwrap();
            let mut body = [0u8; 92];
            body[..4].copy_from_slice(&xid);
            body[4..].copy_from_slice(&COMPOUND_REPLY_AFTER_XID);
            s.write_all(&10u32.to_be_bytes()).unwrap();
            s.write_all(&body[..10]).unwrap();
            s.flush().unwrap();
            std::thread::sleep(Duration::from_millis(20));
            s.write_all(&(0x8000_0000u32 | 82).to_be_bytes()).unwrap();
            s.write_all(&body[10..]).unwrap();
        });
        let ip = IpAddr::V4(core::net::Ipv4Addr::LOCALHOST);
        let r = check(
            ip,
            1,
            Some(port),
            "/export",
            Version::V4,
            Duration::from_secs(2),
            false,
        )
        .unwrap();
        h.join().unwrap();
        assert_eq!(r.version, Version::V4);
        assert_eq!(r.ftype, 2);
        assert_eq!(r.fsid, (0xebb9_b69b, 0xdc62_4554));
    }

    #[test]
    fn garbage_is_malformed_and_close_is_reported() {
        use std::io::Write;
        let ip = IpAddr::V4(core::net::Ipv4Addr::LOCALHOST);
        let t = Duration::from_secs(2);
        let (port, h) = fake_server(|xid, s| {
            let mut rec = [0u8; 12];
            rec[..4].copy_from_slice(&(0x8000_0000u32 | 8).to_be_bytes());
            rec[4..8].copy_from_slice(&xid);
            // msg_type 7 is neither CALL nor REPLY.
            rec[8..].copy_from_slice(&7u32.to_be_bytes());
            s.write_all(&rec).unwrap();
        });
        let e = check(ip, 1, Some(port), "/export", Version::V4, t, false).unwrap_err();
        h.join().unwrap();
        assert_eq!(e, NfsFailure::Malformed(Stage::Compound));

        let (port, h) = fake_server(|_, s| {
            s.shutdown(std::net::Shutdown::Both).unwrap();
        });
        let e = check(ip, 1, Some(port), "/export", Version::V4, t, false).unwrap_err();
        h.join().unwrap();
        assert_eq!(e, NfsFailure::Io(Stage::Compound, Io::Closed));
    }

    #[test]
    fn bad_paths() {
        let ip = IpAddr::V4(core::net::Ipv4Addr::LOCALHOST);
        let t = Duration::from_millis(10);
        assert_eq!(
            check(ip, 111, None, "", Version::V3, t, false),
            Err(NfsFailure::BadPath)
        );
        let long = [b'a'; 1025];
        let long = core::str::from_utf8(&long).unwrap();
        assert_eq!(
            check(ip, 111, None, long, Version::V3, t, false),
            Err(NfsFailure::BadPath)
        );
    }
}
