//! ONC RPC version 2 (RFC 5531): call and reply headers, AUTH_NONE and
//! AUTH_SYS credentials, and the record marking of RPC over TCP.
//!
//! A call is emitted from a [`CallRepr`] into a caller's buffer, followed
//! by the program's arguments. A reply is parsed with [`ReplyRepr::parse`],
//! which returns the unread rest (the procedure's results) for the
//! program's codec. The fixed front of both messages is also available as
//! the typed views [`CallHeader`] and [`ReplyHeader`].

use core::fmt;

use super::be::{get_u32, put};
use super::xdr::{self, Writer};

/// Errors of the ONC RPC layer (RFC 5531 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The message ends before a field it must contain (RFC 5531 §9).
    Truncated,
    /// An opaque_auth body is longer than 400 bytes, or an AUTH_SYS field
    /// longer than its maximum (RFC 5531 §8.2, appendix A).
    TooLong,
    /// The output buffer is too small.
    Exhausted,
    /// The message is a call where a reply was expected or the reverse:
    /// carries the raw msg_type (RFC 5531 §9).
    WrongMsgType(u32),
    /// The call's rpcvers is not 2 (RFC 5531 §9).
    RpcVersion(u32),
    /// A credential of a flavor this codec does not decode (RFC 5531 §8.2).
    Flavor(u32),
    /// A TCP record is larger than the caller's buffer (RFC 5531 §11).
    RecordTooLarge(u32),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("RPC message truncated"),
            Error::TooLong => f.write_str("RPC field longer than its maximum"),
            Error::Exhausted => f.write_str("RPC output buffer exhausted"),
            Error::WrongMsgType(t) => write!(f, "unexpected RPC message type {t}"),
            Error::RpcVersion(v) => write!(f, "unsupported RPC version {v}"),
            Error::Flavor(v) => write!(f, "unsupported RPC auth flavor {v}"),
            Error::RecordTooLarge(n) => write!(f, "RPC record of {n} bytes too large"),
        }
    }
}

impl From<xdr::Error> for Error {
    fn from(e: xdr::Error) -> Self {
        match e {
            xdr::Error::Truncated => Error::Truncated,
            xdr::Error::TooLong => Error::TooLong,
            xdr::Error::Exhausted => Error::Exhausted,
            // ONC RPC headers contain no booleans.
            xdr::Error::BadBool(_) => Error::Truncated,
        }
    }
}

/// Result of the ONC RPC layer (RFC 5531 §9).
pub type Result<T> = core::result::Result<T, Error>;

/// The only RPC protocol version (RFC 5531 §9, `rpcvers`).
pub const RPC_VERSION: u32 = 2;

/// Maximum length of an opaque_auth body (RFC 5531 §8.2).
pub const MAX_AUTH_BYTES: usize = 400;

/// Maximum length of the AUTH_SYS machine name (RFC 5531 appendix A).
pub const MAX_MACHINE_NAME: usize = 255;

/// Maximum number of AUTH_SYS supplementary groups (RFC 5531 appendix A).
pub const MAX_GIDS: usize = 16;

crate::enum_with_unknown! {
    /// `msg_type` (RFC 5531 §9).
    pub enum MsgType(u32) {
        /// CALL
        Call = 0,
        /// REPLY
        Reply = 1,
    }
}

crate::enum_with_unknown! {
    /// `reply_stat` (RFC 5531 §9).
    pub enum ReplyStat(u32) {
        /// MSG_ACCEPTED
        Accepted = 0,
        /// MSG_DENIED
        Denied = 1,
    }
}

crate::enum_with_unknown! {
    /// `accept_stat`: outcome of a call the server accepted (RFC 5531 §9).
    pub enum AcceptStat(u32) {
        /// SUCCESS: executed, results follow.
        Success = 0,
        /// PROG_UNAVAIL: the program is not exported by this server.
        ProgUnavail = 1,
        /// PROG_MISMATCH: the program version is not supported.
        ProgMismatch = 2,
        /// PROC_UNAVAIL: the procedure is not supported.
        ProcUnavail = 3,
        /// GARBAGE_ARGS: the arguments could not be decoded.
        GarbageArgs = 4,
        /// SYSTEM_ERR: e.g. memory allocation failure on the server.
        SystemErr = 5,
    }
}

crate::enum_with_unknown! {
    /// `reject_stat`: why the server denied a call (RFC 5531 §9).
    pub enum RejectStat(u32) {
        /// RPC_MISMATCH: rpcvers is not 2.
        RpcMismatch = 0,
        /// AUTH_ERROR: the credential was refused.
        AuthError = 1,
    }
}

crate::enum_with_unknown! {
    /// `auth_stat`: why authentication failed (RFC 5531 §9).
    pub enum AuthStat(u32) {
        /// AUTH_OK
        Ok = 0,
        /// AUTH_BADCRED: bad credential (seal broken).
        BadCred = 1,
        /// AUTH_REJECTEDCRED: client must begin a new session.
        RejectedCred = 2,
        /// AUTH_BADVERF: bad verifier (seal broken).
        BadVerf = 3,
        /// AUTH_REJECTEDVERF: verifier expired or replayed.
        RejectedVerf = 4,
        /// AUTH_TOOWEAK: rejected for security reasons.
        TooWeak = 5,
        /// AUTH_INVALIDRESP: bogus response verifier.
        InvalidResp = 6,
        /// AUTH_FAILED: reason unknown.
        Failed = 7,
        /// AUTH_KERB_GENERIC
        KerbGeneric = 8,
        /// AUTH_TIMEEXPIRE
        TimeExpire = 9,
        /// AUTH_TKT_FILE
        TktFile = 10,
        /// AUTH_DECODE
        Decode = 11,
        /// AUTH_NET_ADDR
        NetAddr = 12,
        /// RPCSEC_GSS_CREDPROBLEM
        RpcSecGssCredProblem = 13,
        /// RPCSEC_GSS_CTXPROBLEM
        RpcSecGssCtxProblem = 14,
    }
}

crate::enum_with_unknown! {
    /// `auth_flavor` (RFC 5531 §8.2, §8.2 table of RFC 5531 §16).
    pub enum AuthFlavor(u32) {
        /// AUTH_NONE (RFC 5531 §10.1)
        None = 0,
        /// AUTH_SYS (RFC 5531 §10.2, appendix A)
        Sys = 1,
        /// AUTH_SHORT
        Short = 2,
        /// AUTH_DH
        Dh = 3,
        /// RPCSEC_GSS (RFC 2203)
        RpcSecGss = 6,
    }
}

impl fmt::Display for AcceptStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcceptStat::Success => f.write_str("Success"),
            AcceptStat::ProgUnavail => f.write_str("Program unavailable"),
            AcceptStat::ProgMismatch => f.write_str("Program/version mismatch"),
            AcceptStat::ProcUnavail => f.write_str("Procedure unavailable"),
            AcceptStat::GarbageArgs => f.write_str("Server can't decode arguments"),
            AcceptStat::SystemErr => f.write_str("Remote system error"),
            AcceptStat::Unknown(v) => write!(f, "accept_stat {v}"),
        }
    }
}

impl fmt::Display for AuthStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthStat::Ok => f.write_str("Authentication OK"),
            AuthStat::BadCred => f.write_str("Invalid client credential"),
            AuthStat::RejectedCred => f.write_str("Server rejected credential"),
            AuthStat::BadVerf => f.write_str("Invalid client verifier"),
            AuthStat::RejectedVerf => f.write_str("Server rejected verifier"),
            AuthStat::TooWeak => f.write_str("Client credential too weak"),
            AuthStat::InvalidResp => f.write_str("Invalid server verifier"),
            AuthStat::Failed => f.write_str("Failed (unspecified error)"),
            other => write!(f, "auth_stat {}", u32::from(*other)),
        }
    }
}

/// `opaque_auth`: a flavor and up to 400 bytes of body (RFC 5531 §8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpaqueAuth<'a> {
    /// The authentication flavor.
    pub flavor: AuthFlavor,
    /// The flavor's body, uninterpreted.
    pub body: &'a [u8],
}

impl<'a> OpaqueAuth<'a> {
    /// AUTH_NONE with an empty body (RFC 5531 §10.1).
    pub const NONE: OpaqueAuth<'static> = OpaqueAuth {
        flavor: AuthFlavor::None,
        body: &[],
    };

    /// Parses an opaque_auth (RFC 5531 §8.2).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, flavor) = xdr::get_u32(b)?;
        let (b, body) = xdr::get_opaque(b, MAX_AUTH_BYTES)?;
        let flavor = AuthFlavor::from(flavor);
        Ok((b, OpaqueAuth { flavor, body }))
    }

    /// Encoded length (RFC 5531 §8.2).
    pub fn buffer_len(&self) -> usize {
        4 + xdr::var_opaque_len(self.body.len())
    }

    /// Emits the opaque_auth (RFC 5531 §8.2).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.body.len() > MAX_AUTH_BYTES {
            return Err(Error::TooLong);
        }
        w.put_u32(self.flavor.into())?;
        w.put_opaque(self.body)?;
        Ok(())
    }
}

/// The body of an AUTH_SYS credential (RFC 5531 appendix A,
/// `authsys_parms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSys<'a> {
    /// Arbitrary id the caller machine may generate.
    pub stamp: u32,
    /// Name of the caller's machine, at most 255 bytes.
    pub machine_name: &'a [u8],
    /// Caller's effective user id.
    pub uid: u32,
    /// Caller's effective group id.
    pub gid: u32,
    /// Supplementary groups, at most 16.
    pub gids: heapless::Vec<u32, MAX_GIDS>,
}

impl<'a> AuthSys<'a> {
    /// Parses an `authsys_parms` body (RFC 5531 appendix A).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, stamp) = xdr::get_u32(b)?;
        let (b, machine_name) = xdr::get_string(b, MAX_MACHINE_NAME)?;
        let (b, uid) = xdr::get_u32(b)?;
        let (b, gid) = xdr::get_u32(b)?;
        let (mut b, count) = xdr::get_u32(b)?;
        if count as usize > MAX_GIDS {
            return Err(Error::TooLong);
        }
        let mut gids = heapless::Vec::new();
        for _ in 0..count {
            let (rest, g) = xdr::get_u32(b)?;
            gids.push(g).map_err(|_| Error::TooLong)?;
            b = rest;
        }
        Ok((
            b,
            AuthSys {
                stamp,
                machine_name,
                uid,
                gid,
                gids,
            },
        ))
    }

    /// Encoded length of the body (RFC 5531 appendix A).
    pub fn buffer_len(&self) -> usize {
        4 + xdr::var_opaque_len(self.machine_name.len()) + 4 + 4 + 4 + 4 * self.gids.len()
    }

    /// Emits the body (RFC 5531 appendix A).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.machine_name.len() > MAX_MACHINE_NAME {
            return Err(Error::TooLong);
        }
        w.put_u32(self.stamp)?;
        w.put_string(self.machine_name)?;
        w.put_u32(self.uid)?;
        w.put_u32(self.gid)?;
        w.put_u32(self.gids.len() as u32)?;
        for g in &self.gids {
            w.put_u32(*g)?;
        }
        Ok(())
    }
}

/// A call's credential: the flavors this codec can build
/// (RFC 5531 §10.1, appendix A).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential<'a> {
    /// AUTH_NONE (RFC 5531 §10.1).
    None,
    /// AUTH_SYS (RFC 5531 appendix A).
    Sys(AuthSys<'a>),
}

impl<'a> Credential<'a> {
    /// Parses a credential; flavors other than AUTH_NONE and AUTH_SYS are
    /// refused with [`Error::Flavor`] (RFC 5531 §8.2).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (rest, auth) = OpaqueAuth::parse(b)?;
        match auth.flavor {
            AuthFlavor::None => Ok((rest, Credential::None)),
            AuthFlavor::Sys => {
                let (tail, sys) = AuthSys::parse(auth.body)?;
                if !tail.is_empty() {
                    return Err(Error::TooLong);
                }
                Ok((rest, Credential::Sys(sys)))
            }
            other => Err(Error::Flavor(other.into())),
        }
    }

    /// Encoded length, flavor and body length included (RFC 5531 §8.2).
    pub fn buffer_len(&self) -> usize {
        match self {
            Credential::None => 8,
            Credential::Sys(sys) => 8 + sys.buffer_len(),
        }
    }

    /// Emits the credential as an opaque_auth (RFC 5531 §8.2).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        match self {
            Credential::None => OpaqueAuth::NONE.emit(w),
            Credential::Sys(sys) => {
                let len = sys.buffer_len();
                if len > MAX_AUTH_BYTES {
                    return Err(Error::TooLong);
                }
                w.put_u32(AuthFlavor::Sys.into())?;
                w.put_u32(len as u32)?;
                sys.emit(w)
            }
        }
    }
}

mod field {
    use crate::wire::Field;
    // call_body (RFC 5531 §9), after xid and msg_type
    pub const XID: Field = 0..4;
    pub const MSG_TYPE: Field = 4..8;
    pub const RPCVERS: Field = 8..12;
    pub const PROG: Field = 12..16;
    pub const VERS: Field = 16..20;
    pub const PROC: Field = 20..24;
    pub const CALL_FIXED_END: usize = 24;
    // reply_body (RFC 5531 §9)
    pub const REPLY_STAT: Field = 8..12;
    pub const REPLY_FIXED_END: usize = 12;
}

/// Typed view of the fixed front of a call message: xid, msg_type,
/// rpcvers, prog, vers, proc (RFC 5531 §9).
#[derive(Debug, Clone)]
pub struct CallHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> CallHeader<T> {
    /// Wraps a buffer without checking its length (RFC 5531 §9).
    pub const fn new_unchecked(buffer: T) -> Self {
        CallHeader { buffer }
    }

    /// Wraps a buffer and checks that it holds the fixed part (RFC 5531 §9).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }

    /// Checks that the buffer holds the 24-byte fixed part (RFC 5531 §9).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < field::CALL_FIXED_END {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// Transaction id (`xid`, RFC 5531 §9).
    pub fn xid(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::XID)
    }
    /// `msg_type` (RFC 5531 §9).
    pub fn msg_type(&self) -> MsgType {
        get_u32(self.buffer.as_ref(), field::MSG_TYPE).into()
    }
    /// `rpcvers` (RFC 5531 §9).
    pub fn rpc_version(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::RPCVERS)
    }
    /// Program number (`prog`, RFC 5531 §9).
    pub fn prog(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::PROG)
    }
    /// Program version (`vers`, RFC 5531 §9).
    pub fn vers(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VERS)
    }
    /// Procedure number (`proc`, RFC 5531 §9).
    pub fn procedure(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::PROC)
    }
    /// Bytes after the fixed part: credential, verifier, arguments (RFC 5531 §9).
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::CALL_FIXED_END..)
            .unwrap_or(&[])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> CallHeader<T> {
    /// Sets the xid (RFC 5531 §9).
    pub fn set_xid(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::XID, &u32::to_be_bytes(v))
    }
    /// Sets msg_type (RFC 5531 §9).
    pub fn set_msg_type(&mut self, v: MsgType) {
        put(
            self.buffer.as_mut(),
            field::MSG_TYPE,
            &u32::to_be_bytes(v.into()),
        )
    }
    /// Sets rpcvers (RFC 5531 §9).
    pub fn set_rpc_version(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::RPCVERS, &u32::to_be_bytes(v))
    }
    /// Sets prog (RFC 5531 §9).
    pub fn set_prog(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::PROG, &u32::to_be_bytes(v))
    }
    /// Sets vers (RFC 5531 §9).
    pub fn set_vers(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::VERS, &u32::to_be_bytes(v))
    }
    /// Sets proc (RFC 5531 §9).
    pub fn set_procedure(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::PROC, &u32::to_be_bytes(v))
    }
}

/// Typed view of the fixed front of a reply message: xid, msg_type,
/// reply_stat (RFC 5531 §9).
#[derive(Debug, Clone)]
pub struct ReplyHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ReplyHeader<T> {
    /// Wraps a buffer without checking its length (RFC 5531 §9).
    pub const fn new_unchecked(buffer: T) -> Self {
        ReplyHeader { buffer }
    }

    /// Wraps a buffer and checks that it holds the fixed part (RFC 5531 §9).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }

    /// Checks that the buffer holds the 12-byte fixed part (RFC 5531 §9).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < field::REPLY_FIXED_END {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// Transaction id (`xid`, RFC 5531 §9).
    pub fn xid(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::XID)
    }
    /// `msg_type` (RFC 5531 §9).
    pub fn msg_type(&self) -> MsgType {
        get_u32(self.buffer.as_ref(), field::MSG_TYPE).into()
    }
    /// `reply_stat` (RFC 5531 §9).
    pub fn reply_stat(&self) -> ReplyStat {
        get_u32(self.buffer.as_ref(), field::REPLY_STAT).into()
    }
    /// Bytes after the fixed part (RFC 5531 §9).
    pub fn payload(&self) -> &[u8] {
        self.buffer
            .as_ref()
            .get(field::REPLY_FIXED_END..)
            .unwrap_or(&[])
    }
}

/// A call message's header: everything before the procedure's arguments
/// (RFC 5531 §9, `call_body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRepr<'a> {
    /// Transaction id the reply will carry.
    pub xid: u32,
    /// Program number.
    pub prog: u32,
    /// Program version.
    pub vers: u32,
    /// Procedure number.
    pub procedure: u32,
    /// Credential.
    pub cred: Credential<'a>,
    /// Verifier; AUTH_NONE for AUTH_NONE and AUTH_SYS credentials.
    pub verf: OpaqueAuth<'a>,
}

impl<'a> CallRepr<'a> {
    /// Parses a call header and returns the arguments as the rest
    /// (RFC 5531 §9).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let view = CallHeader::new_checked(b)?;
        if view.msg_type() != MsgType::Call {
            return Err(Error::WrongMsgType(view.msg_type().into()));
        }
        if view.rpc_version() != RPC_VERSION {
            return Err(Error::RpcVersion(view.rpc_version()));
        }
        let rest = b.get(field::CALL_FIXED_END..).ok_or(Error::Truncated)?;
        let (rest, cred) = Credential::parse(rest)?;
        let (rest, verf) = OpaqueAuth::parse(rest)?;
        Ok((
            rest,
            CallRepr {
                xid: view.xid(),
                prog: view.prog(),
                vers: view.vers(),
                procedure: view.procedure(),
                cred,
                verf,
            },
        ))
    }

    /// Encoded length of the header (RFC 5531 §9).
    pub fn buffer_len(&self) -> usize {
        field::CALL_FIXED_END + self.cred.buffer_len() + self.verf.buffer_len()
    }

    /// Emits the header at the start of `w`'s buffer (RFC 5531 §9).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        let mut fixed = [0u8; field::CALL_FIXED_END];
        let mut view = CallHeader::new_unchecked(&mut fixed[..]);
        view.set_xid(self.xid);
        view.set_msg_type(MsgType::Call);
        view.set_rpc_version(RPC_VERSION);
        view.set_prog(self.prog);
        view.set_vers(self.vers);
        view.set_procedure(self.procedure);
        w.put_bytes(&fixed)?;
        self.cred.emit(w)?;
        self.verf.emit(w)
    }
}

/// The low and high versions a server supports (RFC 5531 §9,
/// `mismatch_info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MismatchInfo {
    /// Lowest supported version.
    pub low: u32,
    /// Highest supported version.
    pub high: u32,
}

/// What the server said about a call (RFC 5531 §9, `reply_body`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyBody<'a> {
    /// MSG_ACCEPTED: a verifier and an accept_stat; results follow when
    /// the stat is SUCCESS; `mismatch` is present for PROG_MISMATCH.
    Accepted {
        /// The server's verifier.
        verf: OpaqueAuth<'a>,
        /// The outcome.
        stat: AcceptStat,
        /// Supported versions, for PROG_MISMATCH only.
        mismatch: Option<MismatchInfo>,
    },
    /// MSG_DENIED with RPC_MISMATCH: supported RPC versions.
    RpcMismatch(MismatchInfo),
    /// MSG_DENIED with AUTH_ERROR.
    AuthError(AuthStat),
    /// MSG_DENIED with a reject_stat this codec does not know.
    Rejected(u32),
    /// A reply_stat this codec does not know; nothing after it is decoded.
    Unknown(u32),
}

/// A reply message's header: everything before the procedure's results
/// (RFC 5531 §9, `reply_body`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyRepr<'a> {
    /// Transaction id of the call answered.
    pub xid: u32,
    /// The server's verdict.
    pub body: ReplyBody<'a>,
}

impl<'a> ReplyRepr<'a> {
    /// Parses a reply header; the rest holds the results when
    /// [`ReplyRepr::is_success`] (RFC 5531 §9).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let view = ReplyHeader::new_checked(b)?;
        if view.msg_type() != MsgType::Reply {
            return Err(Error::WrongMsgType(view.msg_type().into()));
        }
        let xid = view.xid();
        let rest = b.get(field::REPLY_FIXED_END..).ok_or(Error::Truncated)?;
        let (rest, body) = match view.reply_stat() {
            ReplyStat::Accepted => {
                let (rest, verf) = OpaqueAuth::parse(rest)?;
                let (rest, stat) = xdr::get_u32(rest)?;
                let stat = AcceptStat::from(stat);
                let (rest, mismatch) = if stat == AcceptStat::ProgMismatch {
                    let (rest, m) = parse_mismatch(rest)?;
                    (rest, Some(m))
                } else {
                    (rest, None)
                };
                (
                    rest,
                    ReplyBody::Accepted {
                        verf,
                        stat,
                        mismatch,
                    },
                )
            }
            ReplyStat::Denied => {
                let (rest, stat) = xdr::get_u32(rest)?;
                match RejectStat::from(stat) {
                    RejectStat::RpcMismatch => {
                        let (rest, m) = parse_mismatch(rest)?;
                        (rest, ReplyBody::RpcMismatch(m))
                    }
                    RejectStat::AuthError => {
                        let (rest, a) = xdr::get_u32(rest)?;
                        (rest, ReplyBody::AuthError(a.into()))
                    }
                    RejectStat::Unknown(v) => (rest, ReplyBody::Rejected(v)),
                }
            }
            ReplyStat::Unknown(v) => (rest, ReplyBody::Unknown(v)),
        };
        Ok((rest, ReplyRepr { xid, body }))
    }

    /// True when the call was accepted and executed: results follow
    /// (RFC 5531 §9, SUCCESS).
    pub fn is_success(&self) -> bool {
        matches!(
            self.body,
            ReplyBody::Accepted {
                stat: AcceptStat::Success,
                ..
            }
        )
    }

    /// Encoded length of the header (RFC 5531 §9).
    pub fn buffer_len(&self) -> usize {
        field::REPLY_FIXED_END
            + match &self.body {
                ReplyBody::Accepted { verf, mismatch, .. } => {
                    verf.buffer_len() + 4 + if mismatch.is_some() { 8 } else { 0 }
                }
                ReplyBody::RpcMismatch(_) => 12,
                ReplyBody::AuthError(_) => 8,
                ReplyBody::Rejected(_) => 4,
                ReplyBody::Unknown(_) => 0,
            }
    }

    /// Emits the header (RFC 5531 §9).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(self.xid)?;
        w.put_u32(MsgType::Reply.into())?;
        match &self.body {
            ReplyBody::Accepted {
                verf,
                stat,
                mismatch,
            } => {
                w.put_u32(ReplyStat::Accepted.into())?;
                verf.emit(w)?;
                w.put_u32((*stat).into())?;
                if let Some(m) = mismatch {
                    w.put_u32(m.low)?;
                    w.put_u32(m.high)?;
                }
            }
            ReplyBody::RpcMismatch(m) => {
                w.put_u32(ReplyStat::Denied.into())?;
                w.put_u32(RejectStat::RpcMismatch.into())?;
                w.put_u32(m.low)?;
                w.put_u32(m.high)?;
            }
            ReplyBody::AuthError(a) => {
                w.put_u32(ReplyStat::Denied.into())?;
                w.put_u32(RejectStat::AuthError.into())?;
                w.put_u32((*a).into())?;
            }
            ReplyBody::Rejected(v) => {
                w.put_u32(ReplyStat::Denied.into())?;
                w.put_u32(*v)?;
            }
            ReplyBody::Unknown(v) => w.put_u32(*v)?,
        }
        Ok(())
    }
}

fn parse_mismatch(b: &[u8]) -> Result<(&[u8], MismatchInfo)> {
    let (b, low) = xdr::get_u32(b)?;
    let (b, high) = xdr::get_u32(b)?;
    Ok((b, MismatchInfo { low, high }))
}

/// Length of a record-marking header (RFC 5531 §11).
pub const RECORD_MARK_LEN: usize = 4;

const LAST_FRAGMENT: u32 = 0x8000_0000;
const FRAGMENT_LEN: u32 = 0x7fff_ffff;

/// A TCP record-marking header: the last-fragment bit and the fragment's
/// length in its low 31 bits (RFC 5531 §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordMark {
    /// This fragment ends the record.
    pub last: bool,
    /// Bytes of fragment data that follow the header.
    pub len: u32,
}

impl RecordMark {
    /// Parses a record mark (RFC 5531 §11).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let (rest, word) = xdr::get_u32(b)?;
        Ok((
            rest,
            RecordMark {
                last: word & LAST_FRAGMENT != 0,
                len: word & FRAGMENT_LEN,
            },
        ))
    }

    /// Emits a record mark (RFC 5531 §11); lengths above 2^31-1 are
    /// refused.
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.len > FRAGMENT_LEN {
            return Err(Error::TooLong);
        }
        let last = if self.last { LAST_FRAGMENT } else { 0 };
        w.put_u32(last | self.len)?;
        Ok(())
    }
}

/// A complete record found by [`reassemble`] (RFC 5531 §11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Stream bytes the record occupied, record marks included.
    pub consumed: usize,
    /// Bytes of record data copied to the caller's buffer.
    pub len: usize,
}

/// Looks for one complete record at the front of `stream`, the bytes read
/// from a TCP connection so far, and copies the data of all its fragments,
/// without the record marks, to the front of `out` (RFC 5531 §11).
///
/// Returns `Ok(None)` while the last fragment has not fully arrived, and
/// [`Error::RecordTooLarge`] when the record cannot fit in `out`.
pub fn reassemble(stream: &[u8], out: &mut [u8]) -> Result<Option<Record>> {
    let mut rest = stream;
    let mut len = 0usize;
    loop {
        let Ok((after_mark, mark)) = RecordMark::parse(rest) else {
            return Ok(None);
        };
        let frag_len = mark.len as usize;
        let total = len
            .checked_add(frag_len)
            .ok_or(Error::RecordTooLarge(mark.len))?;
        let dst = out.get_mut(len..total).ok_or(Error::RecordTooLarge(
            u32::try_from(total).unwrap_or(u32::MAX),
        ))?;
        let Some(src) = after_mark.get(..frag_len) else {
            return Ok(None);
        };
        dst.copy_from_slice(src);
        len = total;
        rest = after_mark.get(frag_len..).unwrap_or(&[]);
        if mark.last {
            return Ok(Some(Record {
                consumed: stream.len() - rest.len(),
                len,
            }));
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // From `tests/captures/libnfs-v3-mount-getattr.pcap`, frame 8: libnfs
    // calls PMAPPROC_GETPORT for MOUNT v3/TCP with AUTH_SYS, record mark
    // included.
    static GETPORT_CALL: [u8; 88] = [
        0x80, 0x00, 0x00, 0x54, // record mark: last, 84 bytes
        0x13, 0xd2, 0x22, 0xe0, // xid
        0x00, 0x00, 0x00, 0x00, // CALL
        0x00, 0x00, 0x00, 0x02, // rpcvers 2
        0x00, 0x01, 0x86, 0xa0, // prog 100000
        0x00, 0x00, 0x00, 0x02, // vers 2
        0x00, 0x00, 0x00, 0x03, // proc GETPORT
        0x00, 0x00, 0x00, 0x01, // cred AUTH_SYS
        0x00, 0x00, 0x00, 0x1c, // 28 bytes
        0x00, 0x02, 0x22, 0xdf, // stamp
        0x00, 0x00, 0x00, 0x06, b'l', b'i', b'b', b'n', b'f', b's', 0, 0, // name
        0x00, 0x00, 0x00, 0x00, // uid
        0x00, 0x00, 0x00, 0x00, // gid
        0x00, 0x00, 0x00, 0x00, // gids<>
        0x00, 0x00, 0x00, 0x00, // verf AUTH_NONE
        0x00, 0x00, 0x00, 0x00, // 0 bytes
        0x00, 0x01, 0x86, 0xa5, // mapping.prog 100005
        0x00, 0x00, 0x00, 0x03, // vers 3
        0x00, 0x00, 0x00, 0x06, // IPPROTO_TCP
        0x00, 0x00, 0x00, 0x00, // port
    ];

    // Frame 9 of the same capture: rpcbind 1.2.6 answers port 20048.
    static GETPORT_REPLY: [u8; 32] = [
        0x80, 0x00, 0x00, 0x1c, // record mark: last, 28 bytes
        0x13, 0xd2, 0x22, 0xe0, // xid
        0x00, 0x00, 0x00, 0x01, // REPLY
        0x00, 0x00, 0x00, 0x00, // MSG_ACCEPTED
        0x00, 0x00, 0x00, 0x00, // verf AUTH_NONE
        0x00, 0x00, 0x00, 0x00, // 0 bytes
        0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x4e, 0x50, // port 20048
    ];

    fn libnfs_call() -> CallRepr<'static> {
        CallRepr {
            xid: 0x13d2_22e0,
            prog: 100_000,
            vers: 2,
            procedure: 3,
            cred: Credential::Sys(AuthSys {
                stamp: 0x0002_22df,
                machine_name: b"libnfs",
                uid: 0,
                gid: 0,
                gids: heapless::Vec::new(),
            }),
            verf: OpaqueAuth::NONE,
        }
    }

    #[test]
    fn call_view() {
        let v = CallHeader::new_checked(&GETPORT_CALL[4..]).unwrap();
        assert_eq!(v.xid(), 0x13d2_22e0);
        assert_eq!(v.msg_type(), MsgType::Call);
        assert_eq!(v.rpc_version(), 2);
        assert_eq!(v.prog(), 100_000);
        assert_eq!(v.vers(), 2);
        assert_eq!(v.procedure(), 3);
        assert_eq!(v.payload().len(), 84 - 24);
    }

    #[test]
    fn call_parse_emit() {
        let (args, call) = CallRepr::parse(&GETPORT_CALL[4..]).unwrap();
        assert_eq!(call, libnfs_call());
        assert_eq!(args, &GETPORT_CALL[72..]);
        assert_eq!(call.buffer_len(), 68);

        let mut buf = [0xa5u8; 72];
        let mut w = Writer::new(&mut buf);
        RecordMark {
            last: true,
            len: 84,
        }
        .emit(&mut w)
        .unwrap();
        call.emit(&mut w).unwrap();
        assert_eq!(w.len(), 72);
        assert_eq!(&buf[..], &GETPORT_CALL[..72]);
    }

    #[test]
    fn call_truncated() {
        for n in 0..68 {
            assert!(CallRepr::parse(&GETPORT_CALL[4..4 + n]).is_err(), "len {n}");
        }
        let mut small = [0xa5u8; 67];
        assert_eq!(
            libnfs_call().emit(&mut Writer::new(&mut small)),
            Err(Error::Exhausted)
        );
    }

    #[test]
    fn reply_parse_emit() {
        let (results, reply) = ReplyRepr::parse(&GETPORT_REPLY[4..]).unwrap();
        assert_eq!(reply.xid, 0x13d2_22e0);
        assert!(reply.is_success());
        assert_eq!(results, &[0, 0, 0x4e, 0x50]);
        let view = ReplyHeader::new_checked(&GETPORT_REPLY[4..]).unwrap();
        assert_eq!(view.reply_stat(), ReplyStat::Accepted);

        let mut buf = [0xa5u8; 28];
        let mut w = Writer::new(&mut buf);
        reply.emit(&mut w).unwrap();
        assert_eq!(w.len(), reply.buffer_len());
        assert_eq!(&buf[..24], &GETPORT_REPLY[4..28]);
        assert_eq!(&buf[24..], &[0xa5; 4]);
        for n in 0..24 {
            assert!(
                ReplyRepr::parse(&GETPORT_REPLY[4..4 + n]).is_err(),
                "len {n}"
            );
        }
        // A call is not a reply.
        assert_eq!(
            ReplyRepr::parse(&GETPORT_CALL[4..]),
            Err(Error::WrongMsgType(0))
        );
    }

    // `tests/captures/rpc-accept-errors.pcap`, frame 16: nfs-ganesha 4.3
    // answers a call for NFS version 5 with PROG_MISMATCH, versions 3..4.
    static PROG_MISMATCH_REPLY: [u8; 32] = [
        0x11, 0x11, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x00, 0x00, 0x02, // PROG_MISMATCH
        0x00, 0x00, 0x00, 0x03, // low
        0x00, 0x00, 0x00, 0x04, // high
    ];

    // Same capture: ganesha's PROG_UNAVAIL for program 100099 on port
    // 2049, and PROC_UNAVAIL (frame 46) for MOUNT procedure 99.
    static PROG_UNAVAIL_REPLY: [u8; 24] = [
        0x11, 0x11, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    ];
    static PROC_UNAVAIL_REPLY: [u8; 24] = [
        0x11, 0x11, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
    ];

    #[test]
    fn real_accept_errors() {
        let cases: [(&[u8], AcceptStat, Option<MismatchInfo>); 3] = [
            (
                &PROG_MISMATCH_REPLY,
                AcceptStat::ProgMismatch,
                Some(MismatchInfo { low: 3, high: 4 }),
            ),
            (&PROG_UNAVAIL_REPLY, AcceptStat::ProgUnavail, None),
            (&PROC_UNAVAIL_REPLY, AcceptStat::ProcUnavail, None),
        ];
        for (bytes, want, want_mismatch) in cases {
            let (rest, r) = ReplyRepr::parse(bytes).unwrap();
            assert!(rest.is_empty());
            assert!(!r.is_success());
            let ReplyBody::Accepted { stat, mismatch, .. } = r.body else {
                panic!("{r:?}")
            };
            assert_eq!((stat, mismatch), (want, want_mismatch));
            let mut buf = [0xa5u8; 36];
            let mut w = Writer::new(&mut buf);
            r.emit(&mut w).unwrap();
            assert_eq!(w.len(), bytes.len());
            assert_eq!(&buf[..bytes.len()], bytes);
            for n in 0..bytes.len() {
                assert!(ReplyRepr::parse(&bytes[..n]).is_err(), "len {n}");
            }
        }
    }

    #[test]
    fn reply_denied_and_mismatch() {
        let cases = [
            ReplyBody::AuthError(AuthStat::TooWeak),
            ReplyBody::RpcMismatch(MismatchInfo { low: 2, high: 2 }),
            ReplyBody::Accepted {
                verf: OpaqueAuth::NONE,
                stat: AcceptStat::ProgMismatch,
                mismatch: Some(MismatchInfo { low: 2, high: 4 }),
            },
            ReplyBody::Accepted {
                verf: OpaqueAuth::NONE,
                stat: AcceptStat::Unknown(77),
                mismatch: None,
            },
            ReplyBody::Rejected(9),
            ReplyBody::Unknown(5),
        ];
        for body in cases {
            let r = ReplyRepr { xid: 7, body };
            let mut buf = [0xa5u8; 64];
            let mut w = Writer::new(&mut buf);
            r.emit(&mut w).unwrap();
            let n = w.len();
            assert_eq!(n, r.buffer_len());
            let (rest, back) = ReplyRepr::parse(&buf[..n]).unwrap();
            assert!(rest.is_empty());
            assert_eq!(back, r);
            assert!(!back.is_success());
        }
    }

    #[test]
    fn record_single_and_multi_fragment() {
        let mut out = [0u8; 64];
        // Incomplete stream: every prefix needs more data.
        for n in 0..GETPORT_REPLY.len() {
            assert_eq!(
                reassemble(&GETPORT_REPLY[..n], &mut out),
                Ok(None),
                "len {n}"
            );
        }
        let rec = reassemble(&GETPORT_REPLY, &mut out).unwrap().unwrap();
        assert_eq!(
            rec,
            Record {
                consumed: 32,
                len: 28
            }
        );
        assert_eq!(&out[..28], &GETPORT_REPLY[4..]);

        // The same reply split into fragments of 5, 0 and 23 bytes.
        let mut stream = [0u8; 40];
        let mut w = Writer::new(&mut stream);
        RecordMark {
            last: false,
            len: 5,
        }
        .emit(&mut w)
        .unwrap();
        w.put_bytes(&GETPORT_REPLY[4..9]).unwrap();
        RecordMark {
            last: false,
            len: 0,
        }
        .emit(&mut w)
        .unwrap();
        RecordMark {
            last: true,
            len: 23,
        }
        .emit(&mut w)
        .unwrap();
        w.put_bytes(&GETPORT_REPLY[9..]).unwrap();
        assert_eq!(w.len(), 40);
        let mut out2 = [0u8; 28];
        for n in 0..40 {
            assert_eq!(reassemble(&stream[..n], &mut out2), Ok(None), "len {n}");
        }
        let rec = reassemble(&stream, &mut out2).unwrap().unwrap();
        assert_eq!(
            rec,
            Record {
                consumed: 40,
                len: 28
            }
        );
        assert_eq!(&out2[..], &GETPORT_REPLY[4..]);

        let mut tiny = [0u8; 27];
        assert_eq!(
            reassemble(&GETPORT_REPLY, &mut tiny),
            Err(Error::RecordTooLarge(28))
        );
    }
}
