//! NFS version 4.0 (RFC 7530): the COMPOUND procedure with the operations
//! a health check needs: PUTROOTFH, LOOKUP (one per path component),
//! GETATTR with a small attribute bitmap, and GETFH.
//!
//! Requests are built from a slice of [`ArgOp`] and emitted into a caller's
//! buffer; replies are decoded into [`CompoundRes`], which keeps every
//! operation's status (the server stops at the first failure, RFC 7530
//! §15.2) and the GETATTR and GETFH bodies.

use core::fmt;

use super::xdr::{self, Writer};

/// The NFS program number (RFC 7530 §16).
pub const PROGRAM: u32 = 100_003;
/// NFS protocol version 4 (RFC 7530 §16).
pub const VERSION: u32 = 4;
/// NFSv4's well-known port (RFC 7530 §3.1).
pub const PORT: u16 = 2049;
/// Maximum size of an NFSv4 file handle (RFC 7530 §4.2.1, NFS4_FHSIZE).
pub const NFS4_FHSIZE: usize = 128;
/// Operations kept in one COMPOUND by this codec (a health check's
/// PUTROOTFH, path components, GETATTR and GETFH) (RFC 7530 §16.2).
pub const MAX_OPS: usize = 20;
/// Bitmap words kept; further words are consumed and dropped (RFC 7530 §3.3.7).
pub const MAX_BITMAP_WORDS: usize = 3;
/// Longest tag or path component this codec accepts (RFC 7530 §16.13).
pub const MAX_NAME: usize = 1024;

/// Errors of the NFSv4 codec (RFC 7530 §16.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The message ends before an item it announces (RFC 4506 §3).
    Truncated,
    /// A variable-length item is longer than this codec's maximum.
    TooLong,
    /// The output buffer is too small.
    Exhausted,
    /// A boolean is neither 0 nor 1 (RFC 4506 §4.4).
    BadBool(u32),
    /// A successful operation whose result this codec cannot decode, so
    /// nothing after it can be found (RFC 7530 §16.2).
    UnsupportedOp(u32),
    /// More than [`MAX_OPS`] operations.
    TooManyOps,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("NFSv4 message truncated"),
            Error::TooLong => f.write_str("NFSv4 item longer than its maximum"),
            Error::Exhausted => f.write_str("NFSv4 output buffer exhausted"),
            Error::BadBool(v) => write!(f, "NFSv4 boolean has value {v}"),
            Error::UnsupportedOp(op) => write!(f, "NFSv4 operation {op} not decodable"),
            Error::TooManyOps => f.write_str("too many NFSv4 operations"),
        }
    }
}

impl From<xdr::Error> for Error {
    fn from(e: xdr::Error) -> Self {
        match e {
            xdr::Error::Truncated => Error::Truncated,
            xdr::Error::TooLong => Error::TooLong,
            xdr::Error::Exhausted => Error::Exhausted,
            xdr::Error::BadBool(v) => Error::BadBool(v),
        }
    }
}

/// Result of the NFSv4 codec (RFC 7530 §16.2).
pub type Result<T> = core::result::Result<T, Error>;

crate::enum_with_unknown! {
    /// NFSv4 procedures (RFC 7530 §16).
    pub enum Procedure(u32) {
        /// NFSPROC4_NULL (RFC 7530 §16.1)
        Null = 0,
        /// NFSPROC4_COMPOUND (RFC 7530 §16.2)
        Compound = 1,
    }
}

crate::enum_with_unknown! {
    /// `nfs_opnum4`, the operations this codec knows by name
    /// (RFC 7530 §16.2.1).
    pub enum Opcode(u32) {
        /// OP_GETATTR (RFC 7530 §16.7)
        GetAttr = 9,
        /// OP_GETFH (RFC 7530 §16.8)
        GetFh = 10,
        /// OP_LOOKUP (RFC 7530 §16.13)
        Lookup = 15,
        /// OP_PUTFH (RFC 7530 §16.20)
        PutFh = 22,
        /// OP_PUTROOTFH (RFC 7530 §16.22)
        PutRootFh = 24,
        /// OP_ILLEGAL (RFC 7530 §16.36)
        Illegal = 10044,
    }
}

crate::enum_with_unknown! {
    /// `nfsstat4` (RFC 7530 §13).
    pub enum Nfsstat4(u32) {
        /// NFS4_OK
        Ok = 0,
        /// NFS4ERR_PERM
        Perm = 1,
        /// NFS4ERR_NOENT
        NoEnt = 2,
        /// NFS4ERR_IO
        Io = 5,
        /// NFS4ERR_NXIO
        NxIo = 6,
        /// NFS4ERR_ACCESS
        Access = 13,
        /// NFS4ERR_EXIST
        Exist = 17,
        /// NFS4ERR_XDEV
        XDev = 18,
        /// NFS4ERR_NOTDIR
        NotDir = 20,
        /// NFS4ERR_ISDIR
        IsDir = 21,
        /// NFS4ERR_INVAL
        Inval = 22,
        /// NFS4ERR_FBIG
        FBig = 27,
        /// NFS4ERR_NOSPC
        NoSpc = 28,
        /// NFS4ERR_ROFS
        RoFs = 30,
        /// NFS4ERR_MLINK
        MLink = 31,
        /// NFS4ERR_NAMETOOLONG
        NameTooLong = 63,
        /// NFS4ERR_NOTEMPTY
        NotEmpty = 66,
        /// NFS4ERR_DQUOT
        DQuot = 69,
        /// NFS4ERR_STALE
        Stale = 70,
        /// NFS4ERR_BADHANDLE
        BadHandle = 10001,
        /// NFS4ERR_BAD_COOKIE
        BadCookie = 10003,
        /// NFS4ERR_NOTSUPP
        NotSupp = 10004,
        /// NFS4ERR_TOOSMALL
        TooSmall = 10005,
        /// NFS4ERR_SERVERFAULT
        ServerFault = 10006,
        /// NFS4ERR_BADTYPE
        BadType = 10007,
        /// NFS4ERR_DELAY
        Delay = 10008,
        /// NFS4ERR_SAME
        Same = 10009,
        /// NFS4ERR_DENIED
        Denied = 10010,
        /// NFS4ERR_EXPIRED
        Expired = 10011,
        /// NFS4ERR_LOCKED
        Locked = 10012,
        /// NFS4ERR_GRACE
        Grace = 10013,
        /// NFS4ERR_FHEXPIRED
        FhExpired = 10014,
        /// NFS4ERR_SHARE_DENIED
        ShareDenied = 10015,
        /// NFS4ERR_WRONGSEC
        WrongSec = 10016,
        /// NFS4ERR_CLID_INUSE
        ClidInUse = 10017,
        /// NFS4ERR_RESOURCE
        Resource = 10018,
        /// NFS4ERR_MOVED
        Moved = 10019,
        /// NFS4ERR_NOFILEHANDLE
        NoFileHandle = 10020,
        /// NFS4ERR_MINOR_VERS_MISMATCH
        MinorVersMismatch = 10021,
        /// NFS4ERR_STALE_CLIENTID
        StaleClientId = 10022,
        /// NFS4ERR_STALE_STATEID
        StaleStateId = 10023,
        /// NFS4ERR_OLD_STATEID
        OldStateId = 10024,
        /// NFS4ERR_BAD_STATEID
        BadStateId = 10025,
        /// NFS4ERR_BAD_SEQID
        BadSeqId = 10026,
        /// NFS4ERR_NOT_SAME
        NotSame = 10027,
        /// NFS4ERR_LOCK_RANGE
        LockRange = 10028,
        /// NFS4ERR_SYMLINK
        Symlink = 10029,
        /// NFS4ERR_RESTOREFH
        RestoreFh = 10030,
        /// NFS4ERR_LEASE_MOVED
        LeaseMoved = 10031,
        /// NFS4ERR_ATTRNOTSUPP
        AttrNotSupp = 10032,
        /// NFS4ERR_NO_GRACE
        NoGrace = 10033,
        /// NFS4ERR_RECLAIM_BAD
        ReclaimBad = 10034,
        /// NFS4ERR_RECLAIM_CONFLICT
        ReclaimConflict = 10035,
        /// NFS4ERR_BADXDR
        BadXdr = 10036,
        /// NFS4ERR_LOCKS_HELD
        LocksHeld = 10037,
        /// NFS4ERR_OPENMODE
        OpenMode = 10038,
        /// NFS4ERR_BADOWNER
        BadOwner = 10039,
        /// NFS4ERR_BADCHAR
        BadChar = 10040,
        /// NFS4ERR_BADNAME
        BadName = 10041,
        /// NFS4ERR_BAD_RANGE
        BadRange = 10042,
        /// NFS4ERR_LOCK_NOTSUPP
        LockNotSupp = 10043,
        /// NFS4ERR_OP_ILLEGAL
        OpIllegal = 10044,
        /// NFS4ERR_DEADLOCK
        Deadlock = 10045,
        /// NFS4ERR_FILE_OPEN
        FileOpen = 10046,
        /// NFS4ERR_ADMIN_REVOKED
        AdminRevoked = 10047,
        /// NFS4ERR_CB_PATH_DOWN
        CbPathDown = 10048,
    }
}

impl fmt::Display for Nfsstat4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Nfsstat4::Ok => "NFS4_OK",
            Nfsstat4::Perm => "NFS4ERR_PERM",
            Nfsstat4::NoEnt => "NFS4ERR_NOENT",
            Nfsstat4::Io => "NFS4ERR_IO",
            Nfsstat4::NxIo => "NFS4ERR_NXIO",
            Nfsstat4::Access => "NFS4ERR_ACCESS",
            Nfsstat4::Exist => "NFS4ERR_EXIST",
            Nfsstat4::XDev => "NFS4ERR_XDEV",
            Nfsstat4::NotDir => "NFS4ERR_NOTDIR",
            Nfsstat4::IsDir => "NFS4ERR_ISDIR",
            Nfsstat4::Inval => "NFS4ERR_INVAL",
            Nfsstat4::FBig => "NFS4ERR_FBIG",
            Nfsstat4::NoSpc => "NFS4ERR_NOSPC",
            Nfsstat4::RoFs => "NFS4ERR_ROFS",
            Nfsstat4::MLink => "NFS4ERR_MLINK",
            Nfsstat4::NameTooLong => "NFS4ERR_NAMETOOLONG",
            Nfsstat4::NotEmpty => "NFS4ERR_NOTEMPTY",
            Nfsstat4::DQuot => "NFS4ERR_DQUOT",
            Nfsstat4::Stale => "NFS4ERR_STALE",
            Nfsstat4::BadHandle => "NFS4ERR_BADHANDLE",
            Nfsstat4::BadCookie => "NFS4ERR_BAD_COOKIE",
            Nfsstat4::NotSupp => "NFS4ERR_NOTSUPP",
            Nfsstat4::TooSmall => "NFS4ERR_TOOSMALL",
            Nfsstat4::ServerFault => "NFS4ERR_SERVERFAULT",
            Nfsstat4::BadType => "NFS4ERR_BADTYPE",
            Nfsstat4::Delay => "NFS4ERR_DELAY",
            Nfsstat4::Same => "NFS4ERR_SAME",
            Nfsstat4::Denied => "NFS4ERR_DENIED",
            Nfsstat4::Expired => "NFS4ERR_EXPIRED",
            Nfsstat4::Locked => "NFS4ERR_LOCKED",
            Nfsstat4::Grace => "NFS4ERR_GRACE",
            Nfsstat4::FhExpired => "NFS4ERR_FHEXPIRED",
            Nfsstat4::ShareDenied => "NFS4ERR_SHARE_DENIED",
            Nfsstat4::WrongSec => "NFS4ERR_WRONGSEC",
            Nfsstat4::ClidInUse => "NFS4ERR_CLID_INUSE",
            Nfsstat4::Resource => "NFS4ERR_RESOURCE",
            Nfsstat4::Moved => "NFS4ERR_MOVED",
            Nfsstat4::NoFileHandle => "NFS4ERR_NOFILEHANDLE",
            Nfsstat4::MinorVersMismatch => "NFS4ERR_MINOR_VERS_MISMATCH",
            Nfsstat4::StaleClientId => "NFS4ERR_STALE_CLIENTID",
            Nfsstat4::StaleStateId => "NFS4ERR_STALE_STATEID",
            Nfsstat4::OldStateId => "NFS4ERR_OLD_STATEID",
            Nfsstat4::BadStateId => "NFS4ERR_BAD_STATEID",
            Nfsstat4::BadSeqId => "NFS4ERR_BAD_SEQID",
            Nfsstat4::NotSame => "NFS4ERR_NOT_SAME",
            Nfsstat4::LockRange => "NFS4ERR_LOCK_RANGE",
            Nfsstat4::Symlink => "NFS4ERR_SYMLINK",
            Nfsstat4::RestoreFh => "NFS4ERR_RESTOREFH",
            Nfsstat4::LeaseMoved => "NFS4ERR_LEASE_MOVED",
            Nfsstat4::AttrNotSupp => "NFS4ERR_ATTRNOTSUPP",
            Nfsstat4::NoGrace => "NFS4ERR_NO_GRACE",
            Nfsstat4::ReclaimBad => "NFS4ERR_RECLAIM_BAD",
            Nfsstat4::ReclaimConflict => "NFS4ERR_RECLAIM_CONFLICT",
            Nfsstat4::BadXdr => "NFS4ERR_BADXDR",
            Nfsstat4::LocksHeld => "NFS4ERR_LOCKS_HELD",
            Nfsstat4::OpenMode => "NFS4ERR_OPENMODE",
            Nfsstat4::BadOwner => "NFS4ERR_BADOWNER",
            Nfsstat4::BadChar => "NFS4ERR_BADCHAR",
            Nfsstat4::BadName => "NFS4ERR_BADNAME",
            Nfsstat4::BadRange => "NFS4ERR_BAD_RANGE",
            Nfsstat4::LockNotSupp => "NFS4ERR_LOCK_NOTSUPP",
            Nfsstat4::OpIllegal => "NFS4ERR_OP_ILLEGAL",
            Nfsstat4::Deadlock => "NFS4ERR_DEADLOCK",
            Nfsstat4::FileOpen => "NFS4ERR_FILE_OPEN",
            Nfsstat4::AdminRevoked => "NFS4ERR_ADMIN_REVOKED",
            Nfsstat4::CbPathDown => "NFS4ERR_CB_PATH_DOWN",
            Nfsstat4::Unknown(v) => return write!(f, "nfsstat4 {v}"),
        };
        f.write_str(name)
    }
}

crate::enum_with_unknown! {
    /// `nfs_ftype4` (RFC 7530 §5.8.1.2).
    pub enum Ftype4(u32) {
        /// NF4REG
        Reg = 1,
        /// NF4DIR
        Dir = 2,
        /// NF4BLK
        Blk = 3,
        /// NF4CHR
        Chr = 4,
        /// NF4LNK
        Lnk = 5,
        /// NF4SOCK
        Sock = 6,
        /// NF4FIFO
        Fifo = 7,
        /// NF4ATTRDIR
        AttrDir = 8,
        /// NF4NAMEDATTR
        NamedAttr = 9,
    }
}

/// Attribute numbers of the REQUIRED attributes this codec decodes, in
/// encoding order (RFC 7530 §5.8.1).
pub mod attr {
    /// FATTR4_SUPPORTED_ATTRS (RFC 7530 §5.8.1.1)
    pub const SUPPORTED_ATTRS: u32 = 0;
    /// FATTR4_TYPE (RFC 7530 §5.8.1.2)
    pub const TYPE: u32 = 1;
    /// FATTR4_FH_EXPIRE_TYPE (RFC 7530 §5.8.1.3)
    pub const FH_EXPIRE_TYPE: u32 = 2;
    /// FATTR4_CHANGE (RFC 7530 §5.8.1.4)
    pub const CHANGE: u32 = 3;
    /// FATTR4_SIZE (RFC 7530 §5.8.1.5)
    pub const SIZE: u32 = 4;
    /// FATTR4_LINK_SUPPORT (RFC 7530 §5.8.1.6)
    pub const LINK_SUPPORT: u32 = 5;
    /// FATTR4_SYMLINK_SUPPORT (RFC 7530 §5.8.1.7)
    pub const SYMLINK_SUPPORT: u32 = 6;
    /// FATTR4_NAMED_ATTR (RFC 7530 §5.8.1.8)
    pub const NAMED_ATTR: u32 = 7;
    /// FATTR4_FSID (RFC 7530 §5.8.1.9)
    pub const FSID: u32 = 8;
}

/// `bitmap4`: attribute mask, up to [`MAX_BITMAP_WORDS`] words kept
/// (RFC 7530 §3.3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Bitmap4 {
    words: [u32; MAX_BITMAP_WORDS],
    len: u8,
}

impl Bitmap4 {
    /// A bitmap with the given attribute numbers set (numbers beyond
    /// 32 × [`MAX_BITMAP_WORDS`] are ignored) (RFC 7530 §3.3.7).
    pub fn from_attrs(attrs: &[u32]) -> Self {
        let mut b = Bitmap4::default();
        for &a in attrs {
            let word = (a / 32) as usize;
            if let Some(w) = b.words.get_mut(word) {
                *w |= 1 << (a % 32);
                b.len = b.len.max(word as u8 + 1);
            }
        }
        b
    }

    /// The kept words (RFC 7530 §3.3.7).
    pub fn words(&self) -> &[u32] {
        self.words.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// True when attribute `a` is set (RFC 7530 §3.3.7).
    pub fn contains(&self, a: u32) -> bool {
        self.words()
            .get((a / 32) as usize)
            .is_some_and(|w| w & (1 << (a % 32)) != 0)
    }

    /// Parses a `bitmap4` (RFC 7530 §3.3.7).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let (mut b, count) = xdr::get_u32(b)?;
        let mut out = Bitmap4::default();
        for i in 0..count {
            let (rest, w) = xdr::get_u32(b)?;
            if let Some(slot) = out.words.get_mut(i as usize) {
                *slot = w;
                out.len = i as u8 + 1;
            }
            b = rest;
        }
        Ok((b, out))
    }

    /// Encoded length (RFC 7530 §3.3.7).
    pub fn buffer_len(&self) -> usize {
        4 + 4 * self.words().len()
    }

    /// Emits the bitmap (RFC 7530 §3.3.7).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(u32::from(self.len))?;
        for word in self.words() {
            w.put_u32(*word)?;
        }
        Ok(())
    }
}

/// An NFSv4 file handle of up to 128 bytes in a fixed array
/// (RFC 7530 §4.2.1, `nfs_fh4`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FileHandle4 {
    len: u8,
    data: [u8; NFS4_FHSIZE],
}

impl fmt::Debug for FileHandle4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileHandle4(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl FileHandle4 {
    /// Copies a handle; `None` when longer than 128 bytes
    /// (RFC 7530 §4.2.1).
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut data = [0u8; NFS4_FHSIZE];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(FileHandle4 {
            len: bytes.len() as u8,
            data,
        })
    }

    /// The handle's bytes (RFC 7530 §4.2.1).
    pub fn as_bytes(&self) -> &[u8] {
        self.data.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

/// `fsid4`: file system id (RFC 7530 §3.3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fsid4 {
    /// Major number.
    pub major: u64,
    /// Minor number.
    pub minor: u64,
}

/// The leading REQUIRED attributes decoded from a `fattr4`
/// (RFC 7530 §5.8.1): those present in the mask, up to FATTR4_FSID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SmallAttrs {
    /// FATTR4_TYPE.
    pub ftype: Option<Ftype4>,
    /// FATTR4_FH_EXPIRE_TYPE.
    pub fh_expire_type: Option<u32>,
    /// FATTR4_CHANGE.
    pub change: Option<u64>,
    /// FATTR4_SIZE.
    pub size: Option<u64>,
    /// FATTR4_LINK_SUPPORT.
    pub link_support: Option<bool>,
    /// FATTR4_SYMLINK_SUPPORT.
    pub symlink_support: Option<bool>,
    /// FATTR4_NAMED_ATTR.
    pub named_attr: Option<bool>,
    /// FATTR4_FSID.
    pub fsid: Option<Fsid4>,
}

/// `fattr4`: an attribute mask and the attribute values, kept opaque
/// (RFC 7530 §3.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fattr4<'a> {
    /// Which attributes `vals` holds.
    pub mask: Bitmap4,
    /// The encoded values, in attribute-number order.
    pub vals: &'a [u8],
}

impl<'a> Fattr4<'a> {
    /// Parses a `fattr4` (RFC 7530 §3.3.8).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, mask) = Bitmap4::parse(b)?;
        let (b, vals) = xdr::get_opaque(b, usize::MAX)?;
        Ok((b, Fattr4 { mask, vals }))
    }

    /// Encoded length (RFC 7530 §3.3.8).
    pub fn buffer_len(&self) -> usize {
        self.mask.buffer_len() + xdr::var_opaque_len(self.vals.len())
    }

    /// Emits the attributes (RFC 7530 §3.3.8).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        self.mask.emit(w)?;
        Ok(w.put_opaque(self.vals)?)
    }

    /// Decodes the attributes numbered 0 to 8 present in the mask; the
    /// values after FATTR4_FSID are left undecoded (RFC 7530 §5.8.1).
    pub fn decode_small(&self) -> Result<SmallAttrs> {
        let mut out = SmallAttrs::default();
        let mut b = self.vals;
        for a in attr::SUPPORTED_ATTRS..=attr::FSID {
            if !self.mask.contains(a) {
                continue;
            }
            b = match a {
                attr::SUPPORTED_ATTRS => Bitmap4::parse(b)?.0,
                attr::TYPE => {
                    let (rest, v) = xdr::get_u32(b)?;
                    out.ftype = Some(v.into());
                    rest
                }
                attr::FH_EXPIRE_TYPE => {
                    let (rest, v) = xdr::get_u32(b)?;
                    out.fh_expire_type = Some(v);
                    rest
                }
                attr::CHANGE => {
                    let (rest, v) = xdr::get_u64(b)?;
                    out.change = Some(v);
                    rest
                }
                attr::SIZE => {
                    let (rest, v) = xdr::get_u64(b)?;
                    out.size = Some(v);
                    rest
                }
                attr::LINK_SUPPORT => {
                    let (rest, v) = xdr::get_bool(b)?;
                    out.link_support = Some(v);
                    rest
                }
                attr::SYMLINK_SUPPORT => {
                    let (rest, v) = xdr::get_bool(b)?;
                    out.symlink_support = Some(v);
                    rest
                }
                attr::NAMED_ATTR => {
                    let (rest, v) = xdr::get_bool(b)?;
                    out.named_attr = Some(v);
                    rest
                }
                _ => {
                    let (rest, major) = xdr::get_u64(b)?;
                    let (rest, minor) = xdr::get_u64(rest)?;
                    out.fsid = Some(Fsid4 { major, minor });
                    rest
                }
            };
        }
        Ok(out)
    }
}

/// One operation of a COMPOUND request (RFC 7530 §16.2, `nfs_argop4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgOp<'a> {
    /// PUTROOTFH: no arguments (RFC 7530 §16.22).
    PutRootFh,
    /// LOOKUP of one path component (RFC 7530 §16.13).
    Lookup(&'a [u8]),
    /// GETATTR of the attributes in the mask (RFC 7530 §16.7).
    GetAttr(Bitmap4),
    /// GETFH: no arguments (RFC 7530 §16.8).
    GetFh,
}

impl<'a> ArgOp<'a> {
    /// The operation's number (RFC 7530 §16.2.1).
    pub fn opcode(&self) -> Opcode {
        match self {
            ArgOp::PutRootFh => Opcode::PutRootFh,
            ArgOp::Lookup(_) => Opcode::Lookup,
            ArgOp::GetAttr(_) => Opcode::GetAttr,
            ArgOp::GetFh => Opcode::GetFh,
        }
    }

    fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, op) = xdr::get_u32(b)?;
        match Opcode::from(op) {
            Opcode::PutRootFh => Ok((b, ArgOp::PutRootFh)),
            Opcode::GetFh => Ok((b, ArgOp::GetFh)),
            Opcode::Lookup => {
                let (b, name) = xdr::get_string(b, MAX_NAME)?;
                Ok((b, ArgOp::Lookup(name)))
            }
            Opcode::GetAttr => {
                let (b, mask) = Bitmap4::parse(b)?;
                Ok((b, ArgOp::GetAttr(mask)))
            }
            _ => Err(Error::UnsupportedOp(op)),
        }
    }

    fn buffer_len(&self) -> usize {
        4 + match self {
            ArgOp::PutRootFh | ArgOp::GetFh => 0,
            ArgOp::Lookup(name) => xdr::var_opaque_len(name.len()),
            ArgOp::GetAttr(mask) => mask.buffer_len(),
        }
    }

    fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(self.opcode().into())?;
        match self {
            ArgOp::PutRootFh | ArgOp::GetFh => Ok(()),
            ArgOp::Lookup(name) => {
                if name.len() > MAX_NAME {
                    return Err(Error::TooLong);
                }
                Ok(w.put_string(name)?)
            }
            ArgOp::GetAttr(mask) => mask.emit(w),
        }
    }
}

/// The arguments of NFSPROC4_COMPOUND (RFC 7530 §16.2, `COMPOUND4args`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompoundArgs<'a> {
    /// Opaque tag echoed by the server.
    pub tag: &'a [u8],
    /// 0 for NFSv4.0.
    pub minorversion: u32,
    /// The operations, in order.
    pub ops: heapless::Vec<ArgOp<'a>, MAX_OPS>,
}

impl<'a> CompoundArgs<'a> {
    /// Parses COMPOUND4args; operations other than the four this codec
    /// builds are refused with [`Error::UnsupportedOp`] (RFC 7530 §16.2).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, tag) = xdr::get_string(b, MAX_NAME)?;
        let (b, minorversion) = xdr::get_u32(b)?;
        let (mut b, count) = xdr::get_u32(b)?;
        if count as usize > MAX_OPS {
            return Err(Error::TooManyOps);
        }
        let mut ops = heapless::Vec::new();
        for _ in 0..count {
            let (rest, op) = ArgOp::parse(b)?;
            ops.push(op).map_err(|_| Error::TooManyOps)?;
            b = rest;
        }
        Ok((
            b,
            CompoundArgs {
                tag,
                minorversion,
                ops,
            },
        ))
    }

    /// Encoded length (RFC 7530 §16.2).
    pub fn buffer_len(&self) -> usize {
        xdr::var_opaque_len(self.tag.len())
            + 8
            + self.ops.iter().map(ArgOp::buffer_len).sum::<usize>()
    }

    /// Emits COMPOUND4args (RFC 7530 §16.2).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.tag.len() > MAX_NAME {
            return Err(Error::TooLong);
        }
        w.put_string(self.tag)?;
        w.put_u32(self.minorversion)?;
        w.put_u32(self.ops.len() as u32)?;
        for op in &self.ops {
            op.emit(w)?;
        }
        Ok(())
    }
}

/// One operation's result in a COMPOUND reply (RFC 7530 §16.2,
/// `nfs_resop4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResOp<'a> {
    /// An operation whose result is only a status: PUTROOTFH, PUTFH,
    /// LOOKUP; or any operation that failed (RFC 7530 §15.2).
    Status(Opcode, Nfsstat4),
    /// A successful GETATTR (RFC 7530 §16.7).
    GetAttr(Fattr4<'a>),
    /// A successful GETFH (RFC 7530 §16.8).
    GetFh(FileHandle4),
}

impl<'a> ResOp<'a> {
    /// The operation's number (RFC 7530 §16.2).
    pub fn opcode(&self) -> Opcode {
        match self {
            ResOp::Status(op, _) => *op,
            ResOp::GetAttr(_) => Opcode::GetAttr,
            ResOp::GetFh(_) => Opcode::GetFh,
        }
    }

    /// The operation's status (RFC 7530 §16.2).
    pub fn status(&self) -> Nfsstat4 {
        match self {
            ResOp::Status(_, s) => *s,
            _ => Nfsstat4::Ok,
        }
    }

    fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, op) = xdr::get_u32(b)?;
        let (b, status) = xdr::get_u32(b)?;
        let (op, status) = (Opcode::from(op), Nfsstat4::from(status));
        if status != Nfsstat4::Ok {
            // No result body follows a failed operation of the kinds
            // decoded here; an unknown one ends the reply anyway.
            return Ok((b, ResOp::Status(op, status)));
        }
        match op {
            Opcode::PutRootFh | Opcode::PutFh | Opcode::Lookup => {
                Ok((b, ResOp::Status(op, status)))
            }
            Opcode::GetAttr => {
                let (b, attrs) = Fattr4::parse(b)?;
                Ok((b, ResOp::GetAttr(attrs)))
            }
            Opcode::GetFh => {
                let (b, fh) = xdr::get_opaque(b, NFS4_FHSIZE)?;
                let fh = FileHandle4::new(fh).ok_or(Error::TooLong)?;
                Ok((b, ResOp::GetFh(fh)))
            }
            other => Err(Error::UnsupportedOp(other.into())),
        }
    }

    fn buffer_len(&self) -> usize {
        8 + match self {
            ResOp::Status(..) => 0,
            ResOp::GetAttr(a) => a.buffer_len(),
            ResOp::GetFh(fh) => xdr::var_opaque_len(fh.as_bytes().len()),
        }
    }

    fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(self.opcode().into())?;
        w.put_u32(self.status().into())?;
        match self {
            ResOp::Status(..) => Ok(()),
            ResOp::GetAttr(a) => a.emit(w),
            ResOp::GetFh(fh) => Ok(w.put_opaque(fh.as_bytes())?),
        }
    }
}

/// The result of NFSPROC4_COMPOUND (RFC 7530 §16.2, `COMPOUND4res`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompoundRes<'a> {
    /// Status of the last operation evaluated.
    pub status: Nfsstat4,
    /// The request's tag, echoed.
    pub tag: &'a [u8],
    /// One result per operation evaluated.
    pub results: heapless::Vec<ResOp<'a>, MAX_OPS>,
}

impl<'a> CompoundRes<'a> {
    /// Parses COMPOUND4res (RFC 7530 §16.2).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (b, status) = xdr::get_u32(b)?;
        let (b, tag) = xdr::get_string(b, MAX_NAME)?;
        let (mut b, count) = xdr::get_u32(b)?;
        if count as usize > MAX_OPS {
            return Err(Error::TooManyOps);
        }
        let mut results = heapless::Vec::new();
        for _ in 0..count {
            let (rest, r) = ResOp::parse(b)?;
            results.push(r).map_err(|_| Error::TooManyOps)?;
            b = rest;
        }
        Ok((
            b,
            CompoundRes {
                status: status.into(),
                tag,
                results,
            },
        ))
    }

    /// The first failed operation, its position and its status
    /// (RFC 7530 §15.2).
    pub fn failed_op(&self) -> Option<(usize, Opcode, Nfsstat4)> {
        self.results
            .iter()
            .enumerate()
            .find(|(_, r)| r.status() != Nfsstat4::Ok)
            .map(|(i, r)| (i, r.opcode(), r.status()))
    }

    /// The attributes of the last successful GETATTR (RFC 7530 §16.2).
    pub fn attrs(&self) -> Option<Fattr4<'a>> {
        self.results.iter().rev().find_map(|r| match r {
            ResOp::GetAttr(a) => Some(*a),
            _ => None,
        })
    }

    /// The handle of the last successful GETFH (RFC 7530 §16.2).
    pub fn fh(&self) -> Option<FileHandle4> {
        self.results.iter().rev().find_map(|r| match r {
            ResOp::GetFh(fh) => Some(*fh),
            _ => None,
        })
    }

    /// Encoded length (RFC 7530 §16.2).
    pub fn buffer_len(&self) -> usize {
        4 + xdr::var_opaque_len(self.tag.len())
            + 4
            + self.results.iter().map(ResOp::buffer_len).sum::<usize>()
    }

    /// Emits COMPOUND4res (RFC 7530 §16.2).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(self.status.into())?;
        w.put_string(self.tag)?;
        w.put_u32(self.results.len() as u32)?;
        for r in &self.results {
            r.emit(w)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::oncrpc::{CallRepr, ReplyRepr};

    // `tests/captures/libnfs-showmount-rpcinfo.pcap`, frame 152: libnfs
    // sends COMPOUND { PUTROOTFH, LOOKUP export, LOOKUP sub, GETATTR, GETFH }
    // (record mark stripped).
    static LOOKUP_CALL: [u8; 132] = [
        0x13, 0x19, 0x12, 0xc6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86,
        0xa3, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x1c, 0x00, 0x02, 0x12, 0xc3, 0x00, 0x00, 0x00, 0x06, 0x6c, 0x69, 0x62, 0x6e, 0x66,
        0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x00, 0x00, 0x00, // tag ""
        0x00, 0x00, 0x00, 0x00, // minorversion 0
        0x00, 0x00, 0x00, 0x05, // 5 ops
        0x00, 0x00, 0x00, 0x18, // PUTROOTFH
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x06, 0x65, 0x78, 0x70, 0x6f, 0x72, 0x74, 0x00,
        0x00, // LOOKUP "export"
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x03, 0x73, 0x75, 0x62,
        0x00, // LOOKUP "sub"
        0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00, 0x12, 0x00, 0x30, 0xa0,
        0x3a, // GETATTR {0x00100012, 0x0030a03a}
        0x00, 0x00, 0x00, 0x0a, // GETFH
    ];

    // Frame 153: nfs-ganesha 4.3 answers all five with NFS4_OK.
    static LOOKUP_REPLY: [u8; 232] = [
        0x13, 0x19, 0x12, 0xc6, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x00, // NFS4_OK
        0x00, 0x00, 0x00, 0x00, // tag ""
        0x00, 0x00, 0x00, 0x05, // 5 results
        0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, // PUTROOTFH OK
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, // LOOKUP OK
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, // LOOKUP OK
        0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, // GETATTR OK
        0x00, 0x00, 0x00, 0x02, 0x00, 0x10, 0x00, 0x12, 0x00, 0x30, 0xa0, 0x3a, // mask
        0x00, 0x00, 0x00, 0x70, // 112 bytes of values
        0x00, 0x00, 0x00, 0x02, // type NF4DIR
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, // size 4096
        0x00, 0x00, 0x00, 0x00, 0x00, 0x98, 0xc2, 0x56, // fileid
        0x00, 0x00, 0x01, 0xed, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x10, 0x72, 0x6f, 0x6f,
        0x74, 0x40, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x64, 0x6f, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00,
        0x00, 0x10, 0x72, 0x6f, 0x6f, 0x74, 0x40, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0x64, 0x6f, 0x6d,
        0x61, 0x69, 0x6e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x6b, 0x01, 0x5d, 0xd7, 0x32, 0x26, 0xef, 0xbc, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x01, 0x5d,
        0xd7, 0x32, 0x26, 0xef, 0xbc, 0x00, 0x00, 0x00, 0x00, 0x6b, 0x01, 0x5d, 0xd7, 0x32, 0x26,
        0xef, 0xbc, // mode, numlinks, owner, group, space_used, times
        0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, // GETFH OK
        0x00, 0x00, 0x00, 0x17, 0x43, 0x00, 0x00, 0x01, 0x12, 0x44, 0x9b, 0xb6, 0xb9, 0xeb, 0x54,
        0x45, 0x62, 0xdc, 0x01, 0x56, 0xc2, 0x98, 0x00, 0x11, 0x2c, 0x4e, 0x6a,
        0x00, // 23 bytes
    ];

    // Frame 169 of the same capture: LOOKUP of a missing name fails with
    // NFS4ERR_NOENT at the third operation.
    static NOENT_REPLY: [u8; 60] = [
        0x13, 0x1b, 0x12, 0xd6, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x02, // NFS4ERR_NOENT
        0x00, 0x00, 0x00, 0x00, // tag ""
        0x00, 0x00, 0x00, 0x03, // 3 results
        0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, // PUTROOTFH OK
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, // LOOKUP OK
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x02, // LOOKUP NOENT
    ];

    #[test]
    fn compound_call_parse_emit_truncate() {
        let (args, call) = CallRepr::parse(&LOOKUP_CALL).unwrap();
        assert_eq!((call.prog, call.vers), (PROGRAM, VERSION));
        assert_eq!(Procedure::from(call.procedure), Procedure::Compound);
        let (rest, c) = CompoundArgs::parse(args).unwrap();
        assert!(rest.is_empty());
        assert_eq!(c.tag, b"");
        assert_eq!(c.minorversion, 0);
        let ops = [
            ArgOp::PutRootFh,
            ArgOp::Lookup(b"export"),
            ArgOp::Lookup(b"sub"),
            ArgOp::GetAttr(c.ops[3].getattr_mask()),
            ArgOp::GetFh,
        ];
        assert_eq!(c.ops.as_slice(), &ops);
        let mask = c.ops[3].getattr_mask();
        assert_eq!(mask.words(), &[0x0010_0012, 0x0030_a03a]);
        assert!(mask.contains(attr::TYPE) && !mask.contains(attr::FSID));

        let mut buf = [0xa5u8; 64];
        let mut w = Writer::new(&mut buf);
        c.emit(&mut w).unwrap();
        assert_eq!(w.len(), c.buffer_len());
        assert_eq!(&buf[..], args);
        for n in 0..args.len() {
            assert!(CompoundArgs::parse(&args[..n]).is_err(), "len {n}");
        }
    }

    impl ArgOp<'_> {
        fn getattr_mask(&self) -> Bitmap4 {
            match self {
                ArgOp::GetAttr(m) => *m,
                _ => Bitmap4::default(),
            }
        }
    }

    #[test]
    fn compound_reply_ok() {
        let (res, reply) = ReplyRepr::parse(&LOOKUP_REPLY).unwrap();
        assert!(reply.is_success());
        let (rest, c) = CompoundRes::parse(res).unwrap();
        assert!(rest.is_empty());
        assert_eq!(c.status, Nfsstat4::Ok);
        assert_eq!(c.results.len(), 5);
        assert_eq!(c.failed_op(), None);
        let a = c.attrs().unwrap().decode_small().unwrap();
        assert_eq!(a.ftype, Some(Ftype4::Dir));
        assert_eq!(a.size, Some(4096));
        assert_eq!(a.fsid, None);
        assert_eq!(c.fh().unwrap().as_bytes().len(), 23);

        let mut buf = [0xa5u8; 208];
        let mut w = Writer::new(&mut buf);
        c.emit(&mut w).unwrap();
        assert_eq!(w.len(), c.buffer_len());
        assert_eq!(&buf[..], res);
        for n in 0..res.len() {
            assert!(CompoundRes::parse(&res[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn compound_reply_noent() {
        let (res, _) = ReplyRepr::parse(&NOENT_REPLY).unwrap();
        let (rest, c) = CompoundRes::parse(res).unwrap();
        assert!(rest.is_empty());
        assert_eq!(c.status, Nfsstat4::NoEnt);
        assert_eq!(c.failed_op(), Some((2, Opcode::Lookup, Nfsstat4::NoEnt)));
        assert_eq!(c.attrs(), None);
        let mut buf = [0xa5u8; 36];
        c.emit(&mut Writer::new(&mut buf)).unwrap();
        assert_eq!(&buf[..], res);
        for n in 0..res.len() {
            assert!(CompoundRes::parse(&res[..n]).is_err(), "len {n}");
        }
    }

    // `tests/captures/mamori-probe-v3-v4.pcap`, frame 72: this crate's
    // probe sends COMPOUND { PUTROOTFH, LOOKUP export, GETATTR {type, fsid} }.
    static PROBE_CALL: [u8; 112] = [
        0x55, 0xf7, 0x58, 0x87, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86,
        0xa3, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x1c, 0x55, 0xf7, 0x58, 0x87, 0x00, 0x00, 0x00, 0x06, 0x6d, 0x61, 0x6d, 0x6f, 0x72,
        0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x03, // tag, minor, 3
        0x00, 0x00, 0x00, 0x18, // PUTROOTFH
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x06, 0x65, 0x78, 0x70, 0x6f, 0x72, 0x74, 0x00,
        0x00, // LOOKUP "export"
        0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02, // GETATTR
    ];

    // Frame 74: nfs-ganesha 4.3 answers with type NF4DIR and the fsid.
    static PROBE_REPLY: [u8; 92] = [
        0x55, 0xf7, 0x58, 0x87, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, // OK, "", 3
        0x00, 0x00, 0x00, 0x18, 0x00, 0x00, 0x00, 0x00, // PUTROOTFH OK
        0x00, 0x00, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, // LOOKUP OK
        0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, // GETATTR OK
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02, // mask {type, fsid}
        0x00, 0x00, 0x00, 0x14, // 20 bytes
        0x00, 0x00, 0x00, 0x02, // NF4DIR
        0x00, 0x00, 0x00, 0x00, 0xeb, 0xb9, 0xb6, 0x9b, // fsid.major
        0x00, 0x00, 0x00, 0x00, 0xdc, 0x62, 0x45, 0x54, // fsid.minor
    ];

    #[test]
    fn probe_compound_emit_and_reply() {
        use crate::wire::oncrpc::{AuthSys, Credential, OpaqueAuth};
        let call = CallRepr {
            xid: 0x55f7_5887,
            prog: PROGRAM,
            vers: VERSION,
            procedure: Procedure::Compound.into(),
            cred: Credential::Sys(AuthSys {
                stamp: 0x55f7_5887,
                machine_name: b"mamori",
                uid: 0,
                gid: 0,
                gids: heapless::Vec::new(),
            }),
            verf: OpaqueAuth::NONE,
        };
        let mut ops = heapless::Vec::new();
        ops.push(ArgOp::PutRootFh).unwrap();
        ops.push(ArgOp::Lookup(b"export")).unwrap();
        ops.push(ArgOp::GetAttr(Bitmap4::from_attrs(&[
            attr::TYPE,
            attr::FSID,
        ])))
        .unwrap();
        let args = CompoundArgs {
            tag: b"",
            minorversion: 0,
            ops,
        };
        let mut buf = [0xa5u8; 116];
        let mut w = Writer::new(&mut buf);
        call.emit(&mut w).unwrap();
        args.emit(&mut w).unwrap();
        assert_eq!(w.len(), call.buffer_len() + args.buffer_len());
        assert_eq!(&buf[..112], &PROBE_CALL[..]);
        assert_eq!(&buf[112..], &[0xa5; 4]);

        let (res, _) = ReplyRepr::parse(&PROBE_REPLY).unwrap();
        let (rest, c) = CompoundRes::parse(res).unwrap();
        assert!(rest.is_empty());
        let a = c.attrs().unwrap().decode_small().unwrap();
        assert_eq!(a.ftype, Some(Ftype4::Dir));
        assert_eq!(
            a.fsid,
            Some(Fsid4 {
                major: 0xebb9_b69b,
                minor: 0xdc62_4554
            })
        );
        let mut out = [0xa5u8; 68];
        c.emit(&mut Writer::new(&mut out)).unwrap();
        assert_eq!(&out[..], res);
        for n in 0..res.len() {
            assert!(CompoundRes::parse(&res[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn small_attrs_with_fsid() {
        let mask = Bitmap4::from_attrs(&[attr::TYPE, attr::FSID]);
        assert_eq!(mask.words(), &[0x0000_0102]);
        let vals = [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2];
        let a = Fattr4 { mask, vals: &vals }.decode_small().unwrap();
        assert_eq!(a.ftype, Some(Ftype4::Dir));
        assert_eq!(a.fsid, Some(Fsid4 { major: 1, minor: 2 }));
        for n in 0..vals.len() {
            assert!(
                Fattr4 {
                    mask,
                    vals: &vals[..n]
                }
                .decode_small()
                .is_err(),
                "len {n}"
            );
        }
    }
}
