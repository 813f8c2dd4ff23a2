//! NFS version 3 (RFC 1813): the NULL procedure and GETATTR, whose result
//! carries the fixed-layout `fattr3`.

use core::fmt;

use super::be::{get_u32, get_u64, put};
use super::oncrpc::Result;
use super::xdr::{self, Writer};

pub use super::mount::FileHandle3;

/// The NFS program number (RFC 1813 §1.2).
pub const PROGRAM: u32 = 100_003;
/// NFS protocol version 3 (RFC 1813 §1.2).
pub const VERSION: u32 = 3;
/// The port NFS servers conventionally listen on (RFC 1813 §1.2, §2.0).
pub const PORT: u16 = 2049;

crate::enum_with_unknown! {
    /// NFS v3 procedures used here (RFC 1813 §3).
    pub enum Procedure(u32) {
        /// NFSPROC3_NULL (RFC 1813 §3.3.0)
        Null = 0,
        /// NFSPROC3_GETATTR (RFC 1813 §3.3.1)
        GetAttr = 1,
        /// NFSPROC3_FSINFO (RFC 1813 §3.3.19)
        FsInfo = 19,
    }
}

crate::enum_with_unknown! {
    /// `nfsstat3` (RFC 1813 §2.6).
    pub enum Nfsstat3(u32) {
        /// NFS3_OK
        Ok = 0,
        /// NFS3ERR_PERM
        Perm = 1,
        /// NFS3ERR_NOENT
        NoEnt = 2,
        /// NFS3ERR_IO
        Io = 5,
        /// NFS3ERR_NXIO
        NxIo = 6,
        /// NFS3ERR_ACCES
        Acces = 13,
        /// NFS3ERR_EXIST
        Exist = 17,
        /// NFS3ERR_XDEV
        XDev = 18,
        /// NFS3ERR_NODEV
        NoDev = 19,
        /// NFS3ERR_NOTDIR
        NotDir = 20,
        /// NFS3ERR_ISDIR
        IsDir = 21,
        /// NFS3ERR_INVAL
        Inval = 22,
        /// NFS3ERR_FBIG
        FBig = 27,
        /// NFS3ERR_NOSPC
        NoSpc = 28,
        /// NFS3ERR_ROFS
        RoFs = 30,
        /// NFS3ERR_MLINK
        MLink = 31,
        /// NFS3ERR_NAMETOOLONG
        NameTooLong = 63,
        /// NFS3ERR_NOTEMPTY
        NotEmpty = 66,
        /// NFS3ERR_DQUOT
        DQuot = 69,
        /// NFS3ERR_STALE
        Stale = 70,
        /// NFS3ERR_REMOTE
        Remote = 71,
        /// NFS3ERR_BADHANDLE
        BadHandle = 10001,
        /// NFS3ERR_NOT_SYNC
        NotSync = 10002,
        /// NFS3ERR_BAD_COOKIE
        BadCookie = 10003,
        /// NFS3ERR_NOTSUPP
        NotSupp = 10004,
        /// NFS3ERR_TOOSMALL
        TooSmall = 10005,
        /// NFS3ERR_SERVERFAULT
        ServerFault = 10006,
        /// NFS3ERR_BADTYPE
        BadType = 10007,
        /// NFS3ERR_JUKEBOX
        Jukebox = 10008,
    }
}

impl fmt::Display for Nfsstat3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Nfsstat3::Ok => "NFS3_OK",
            Nfsstat3::Perm => "NFS3ERR_PERM",
            Nfsstat3::NoEnt => "NFS3ERR_NOENT",
            Nfsstat3::Io => "NFS3ERR_IO",
            Nfsstat3::NxIo => "NFS3ERR_NXIO",
            Nfsstat3::Acces => "NFS3ERR_ACCES",
            Nfsstat3::Exist => "NFS3ERR_EXIST",
            Nfsstat3::XDev => "NFS3ERR_XDEV",
            Nfsstat3::NoDev => "NFS3ERR_NODEV",
            Nfsstat3::NotDir => "NFS3ERR_NOTDIR",
            Nfsstat3::IsDir => "NFS3ERR_ISDIR",
            Nfsstat3::Inval => "NFS3ERR_INVAL",
            Nfsstat3::FBig => "NFS3ERR_FBIG",
            Nfsstat3::NoSpc => "NFS3ERR_NOSPC",
            Nfsstat3::RoFs => "NFS3ERR_ROFS",
            Nfsstat3::MLink => "NFS3ERR_MLINK",
            Nfsstat3::NameTooLong => "NFS3ERR_NAMETOOLONG",
            Nfsstat3::NotEmpty => "NFS3ERR_NOTEMPTY",
            Nfsstat3::DQuot => "NFS3ERR_DQUOT",
            Nfsstat3::Stale => "NFS3ERR_STALE",
            Nfsstat3::Remote => "NFS3ERR_REMOTE",
            Nfsstat3::BadHandle => "NFS3ERR_BADHANDLE",
            Nfsstat3::NotSync => "NFS3ERR_NOT_SYNC",
            Nfsstat3::BadCookie => "NFS3ERR_BAD_COOKIE",
            Nfsstat3::NotSupp => "NFS3ERR_NOTSUPP",
            Nfsstat3::TooSmall => "NFS3ERR_TOOSMALL",
            Nfsstat3::ServerFault => "NFS3ERR_SERVERFAULT",
            Nfsstat3::BadType => "NFS3ERR_BADTYPE",
            Nfsstat3::Jukebox => "NFS3ERR_JUKEBOX",
            Nfsstat3::Unknown(v) => return write!(f, "nfsstat3 {v}"),
        };
        f.write_str(name)
    }
}

crate::enum_with_unknown! {
    /// `ftype3` (RFC 1813 §2.3.5).
    pub enum Ftype3(u32) {
        /// NF3REG: regular file
        Reg = 1,
        /// NF3DIR: directory
        Dir = 2,
        /// NF3BLK: block device
        Blk = 3,
        /// NF3CHR: character device
        Chr = 4,
        /// NF3LNK: symbolic link
        Lnk = 5,
        /// NF3SOCK: socket
        Sock = 6,
        /// NF3FIFO: named pipe
        Fifo = 7,
    }
}

mod field {
    use crate::wire::Field;
    // struct fattr3 (RFC 1813 §2.3.5)
    pub const TYPE: Field = 0..4;
    pub const MODE: Field = 4..8;
    pub const NLINK: Field = 8..12;
    pub const UID: Field = 12..16;
    pub const GID: Field = 16..20;
    pub const SIZE: Field = 20..28;
    pub const USED: Field = 28..36;
    pub const RDEV_SPECDATA1: Field = 36..40;
    pub const RDEV_SPECDATA2: Field = 40..44;
    pub const FSID: Field = 44..52;
    pub const FILEID: Field = 52..60;
    pub const ATIME_SECONDS: Field = 60..64;
    pub const ATIME_NSECONDS: Field = 64..68;
    pub const MTIME_SECONDS: Field = 68..72;
    pub const MTIME_NSECONDS: Field = 72..76;
    pub const CTIME_SECONDS: Field = 76..80;
    pub const CTIME_NSECONDS: Field = 80..84;
    pub const END: usize = 84;
}

/// `nfstime3`: seconds and nanoseconds since the epoch (RFC 1813 §2.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NfsTime3 {
    /// Seconds.
    pub seconds: u32,
    /// Nanoseconds.
    pub nseconds: u32,
}

/// Typed view of `fattr3`, 84 bytes (RFC 1813 §2.3.5).
#[derive(Debug, Clone)]
pub struct Fattr3<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Fattr3<T> {
    /// Wraps a buffer without checking its length (RFC 1813 §2.3.5).
    pub const fn new_unchecked(buffer: T) -> Self {
        Fattr3 { buffer }
    }

    /// Wraps a buffer and checks that it holds a whole fattr3 (RFC 1813 §2.3.5).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }

    /// Checks that the buffer holds the 84 bytes of a fattr3 (RFC 1813 §2.3.5).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < field::END {
            Err(xdr::Error::Truncated.into())
        } else {
            Ok(())
        }
    }

    /// File type (`type`) (RFC 1813 §2.3.5).
    pub fn ftype(&self) -> Ftype3 {
        get_u32(self.buffer.as_ref(), field::TYPE).into()
    }
    /// Protection mode bits (`mode`) (RFC 1813 §2.3.5).
    pub fn mode(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::MODE)
    }
    /// Number of hard links (`nlink`) (RFC 1813 §2.3.5).
    pub fn nlink(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::NLINK)
    }
    /// Owner (`uid`) (RFC 1813 §2.3.5).
    pub fn uid(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::UID)
    }
    /// Group (`gid`) (RFC 1813 §2.3.5).
    pub fn gid(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::GID)
    }
    /// Size in bytes (`size`) (RFC 1813 §2.3.5).
    pub fn size(&self) -> u64 {
        get_u64(self.buffer.as_ref(), field::SIZE)
    }
    /// Disk space used (`used`) (RFC 1813 §2.3.5).
    pub fn used(&self) -> u64 {
        get_u64(self.buffer.as_ref(), field::USED)
    }
    /// Device numbers (`rdev`, specdata3) (RFC 1813 §2.3.5).
    pub fn rdev(&self) -> (u32, u32) {
        let b = self.buffer.as_ref();
        (
            get_u32(b, field::RDEV_SPECDATA1),
            get_u32(b, field::RDEV_SPECDATA2),
        )
    }
    /// File system id (`fsid`) (RFC 1813 §2.3.5).
    pub fn fsid(&self) -> u64 {
        get_u64(self.buffer.as_ref(), field::FSID)
    }
    /// File id (`fileid`) (RFC 1813 §2.3.5).
    pub fn fileid(&self) -> u64 {
        get_u64(self.buffer.as_ref(), field::FILEID)
    }
    /// Last access (`atime`) (RFC 1813 §2.3.5).
    pub fn atime(&self) -> NfsTime3 {
        let b = self.buffer.as_ref();
        NfsTime3 {
            seconds: get_u32(b, field::ATIME_SECONDS),
            nseconds: get_u32(b, field::ATIME_NSECONDS),
        }
    }
    /// Last modification (`mtime`) (RFC 1813 §2.3.5).
    pub fn mtime(&self) -> NfsTime3 {
        let b = self.buffer.as_ref();
        NfsTime3 {
            seconds: get_u32(b, field::MTIME_SECONDS),
            nseconds: get_u32(b, field::MTIME_NSECONDS),
        }
    }
    /// Last attribute change (`ctime`) (RFC 1813 §2.3.5).
    pub fn ctime(&self) -> NfsTime3 {
        let b = self.buffer.as_ref();
        NfsTime3 {
            seconds: get_u32(b, field::CTIME_SECONDS),
            nseconds: get_u32(b, field::CTIME_NSECONDS),
        }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Fattr3<T> {
    /// Sets `type` (RFC 1813 §2.3.5).
    pub fn set_ftype(&mut self, v: Ftype3) {
        put(
            self.buffer.as_mut(),
            field::TYPE,
            &u32::to_be_bytes(v.into()),
        )
    }
    /// Sets `mode` (RFC 1813 §2.3.5).
    pub fn set_mode(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::MODE, &u32::to_be_bytes(v))
    }
    /// Sets `nlink` (RFC 1813 §2.3.5).
    pub fn set_nlink(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::NLINK, &u32::to_be_bytes(v))
    }
    /// Sets `uid` (RFC 1813 §2.3.5).
    pub fn set_uid(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::UID, &u32::to_be_bytes(v))
    }
    /// Sets `gid` (RFC 1813 §2.3.5).
    pub fn set_gid(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::GID, &u32::to_be_bytes(v))
    }
    /// Sets `size` (RFC 1813 §2.3.5).
    pub fn set_size(&mut self, v: u64) {
        put(self.buffer.as_mut(), field::SIZE, &u64::to_be_bytes(v))
    }
    /// Sets `used` (RFC 1813 §2.3.5).
    pub fn set_used(&mut self, v: u64) {
        put(self.buffer.as_mut(), field::USED, &u64::to_be_bytes(v))
    }
    /// Sets `rdev` (RFC 1813 §2.3.5).
    pub fn set_rdev(&mut self, v: (u32, u32)) {
        let b = self.buffer.as_mut();
        put(b, field::RDEV_SPECDATA1, &u32::to_be_bytes(v.0));
        put(b, field::RDEV_SPECDATA2, &u32::to_be_bytes(v.1));
    }
    /// Sets `fsid` (RFC 1813 §2.3.5).
    pub fn set_fsid(&mut self, v: u64) {
        put(self.buffer.as_mut(), field::FSID, &u64::to_be_bytes(v))
    }
    /// Sets `fileid` (RFC 1813 §2.3.5).
    pub fn set_fileid(&mut self, v: u64) {
        put(self.buffer.as_mut(), field::FILEID, &u64::to_be_bytes(v))
    }
    /// Sets `atime` (RFC 1813 §2.3.5).
    pub fn set_atime(&mut self, v: NfsTime3) {
        let b = self.buffer.as_mut();
        put(b, field::ATIME_SECONDS, &u32::to_be_bytes(v.seconds));
        put(b, field::ATIME_NSECONDS, &u32::to_be_bytes(v.nseconds));
    }
    /// Sets `mtime` (RFC 1813 §2.3.5).
    pub fn set_mtime(&mut self, v: NfsTime3) {
        let b = self.buffer.as_mut();
        put(b, field::MTIME_SECONDS, &u32::to_be_bytes(v.seconds));
        put(b, field::MTIME_NSECONDS, &u32::to_be_bytes(v.nseconds));
    }
    /// Sets `ctime` (RFC 1813 §2.3.5).
    pub fn set_ctime(&mut self, v: NfsTime3) {
        let b = self.buffer.as_mut();
        put(b, field::CTIME_SECONDS, &u32::to_be_bytes(v.seconds));
        put(b, field::CTIME_NSECONDS, &u32::to_be_bytes(v.nseconds));
    }
}

/// Validated file attributes (RFC 1813 §2.3.5, `fattr3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fattr3Repr {
    /// File type.
    pub ftype: Ftype3,
    /// Protection mode bits.
    pub mode: u32,
    /// Number of hard links.
    pub nlink: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Size in bytes.
    pub size: u64,
    /// Disk space used.
    pub used: u64,
    /// Device numbers.
    pub rdev: (u32, u32),
    /// File system id.
    pub fsid: u64,
    /// File id.
    pub fileid: u64,
    /// Last access.
    pub atime: NfsTime3,
    /// Last modification.
    pub mtime: NfsTime3,
    /// Last attribute change.
    pub ctime: NfsTime3,
}

impl Fattr3Repr {
    /// Parses a fattr3 and returns the rest (RFC 1813 §2.3.5).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let v = Fattr3::new_checked(b)?;
        let rest = b.get(field::END..).ok_or(xdr::Error::Truncated)?;
        Ok((
            rest,
            Fattr3Repr {
                ftype: v.ftype(),
                mode: v.mode(),
                nlink: v.nlink(),
                uid: v.uid(),
                gid: v.gid(),
                size: v.size(),
                used: v.used(),
                rdev: v.rdev(),
                fsid: v.fsid(),
                fileid: v.fileid(),
                atime: v.atime(),
                mtime: v.mtime(),
                ctime: v.ctime(),
            },
        ))
    }

    /// Encoded length: 84 bytes (RFC 1813 §2.3.5).
    pub const fn buffer_len(&self) -> usize {
        field::END
    }

    /// Emits the attributes (RFC 1813 §2.3.5).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        let mut raw = [0u8; field::END];
        let mut v = Fattr3::new_unchecked(&mut raw[..]);
        v.set_ftype(self.ftype);
        v.set_mode(self.mode);
        v.set_nlink(self.nlink);
        v.set_uid(self.uid);
        v.set_gid(self.gid);
        v.set_size(self.size);
        v.set_used(self.used);
        v.set_rdev(self.rdev);
        v.set_fsid(self.fsid);
        v.set_fileid(self.fileid);
        v.set_atime(self.atime);
        v.set_mtime(self.mtime);
        v.set_ctime(self.ctime);
        Ok(w.put_bytes(&raw)?)
    }
}

/// The argument of NFSPROC3_GETATTR: the object's handle
/// (RFC 1813 §3.3.1, `GETATTR3args`).
pub fn emit_getattr_args(fh: &FileHandle3, w: &mut Writer<'_>) -> Result<()> {
    fh.emit(w)
}

/// Parses the argument of NFSPROC3_GETATTR (RFC 1813 §3.3.1).
pub fn parse_getattr_args(b: &[u8]) -> Result<(&[u8], FileHandle3)> {
    FileHandle3::parse(b)
}

/// The result of NFSPROC3_GETATTR (RFC 1813 §3.3.1, `GETATTR3res`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetattrRes3 {
    /// NFS3_OK and the attributes.
    Ok(Fattr3Repr),
    /// Any other status: no body follows.
    Err(Nfsstat3),
}

impl GetattrRes3 {
    /// Parses a `GETATTR3res` (RFC 1813 §3.3.1).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let (b, status) = xdr::get_u32(b)?;
        match Nfsstat3::from(status) {
            Nfsstat3::Ok => {
                let (b, attrs) = Fattr3Repr::parse(b)?;
                Ok((b, GetattrRes3::Ok(attrs)))
            }
            other => Ok((b, GetattrRes3::Err(other))),
        }
    }

    /// The status (RFC 1813 §3.3.1).
    pub fn status(&self) -> Nfsstat3 {
        match self {
            GetattrRes3::Ok(_) => Nfsstat3::Ok,
            GetattrRes3::Err(s) => *s,
        }
    }

    /// Encoded length (RFC 1813 §3.3.1).
    pub fn buffer_len(&self) -> usize {
        match self {
            GetattrRes3::Ok(a) => 4 + a.buffer_len(),
            GetattrRes3::Err(_) => 4,
        }
    }

    /// Emits the result (RFC 1813 §3.3.1).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(self.status().into())?;
        if let GetattrRes3::Ok(a) = self {
            a.emit(w)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::oncrpc::{CallRepr, ReplyRepr};

    // `tests/captures/libnfs-v3-mount-getattr.pcap`, frame 42: libnfs
    // calls NFSPROC3_GETATTR on the export's root handle.
    static GETATTR_CALL: [u8; 96] = [
        0x13, 0xd2, 0x22, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86,
        0xa3, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x1c, 0x00, 0x02, 0x22, 0xdf, 0x00, 0x00, 0x00, 0x06, 0x6c, 0x69, 0x62, 0x6e, 0x66,
        0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x00, 0x00, 0x18, 0x43, 0x00, 0x00, 0x01, 0x12, 0x44, 0x9b, 0xb6, 0xb9, 0xeb, 0x54,
        0x45, 0x62, 0xdc, 0x01, 0x55, 0xc2, 0x98, 0x00, 0x61, 0xfb, 0xa6, 0x0f,
        0x00, // nfs_fh3
    ];

    // Frame 43: nfs-ganesha 4.3 answers with the directory's fattr3.
    static GETATTR_REPLY: [u8; 112] = [
        0x13, 0xd2, 0x22, 0xe8, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x00, // NFS3_OK
        0x00, 0x00, 0x00, 0x02, // NF3DIR
        0x00, 0x00, 0x01, 0xed, // mode 0755
        0x00, 0x00, 0x00, 0x03, // nlink
        0x00, 0x00, 0x00, 0x00, // uid
        0x00, 0x00, 0x00, 0x00, // gid
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, // size
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, // used
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // rdev
        0xdc, 0x62, 0x45, 0x54, 0xeb, 0xb9, 0xb6, 0x9b, // fsid
        0x00, 0x00, 0x00, 0x00, 0x00, 0x98, 0xc2, 0x55, // fileid
        0x6b, 0x01, 0x5d, 0xd7, 0x32, 0x26, 0xef, 0xbc, // atime
        0x6b, 0x01, 0x5d, 0xd7, 0x32, 0x26, 0xef, 0xbc, // mtime
        0x6b, 0x01, 0x5d, 0xd7, 0x32, 0x26, 0xef, 0xbc, // ctime
    ];

    #[test]
    fn getattr_call() {
        let (args, call) = CallRepr::parse(&GETATTR_CALL).unwrap();
        assert_eq!((call.prog, call.vers), (PROGRAM, VERSION));
        assert_eq!(Procedure::from(call.procedure), Procedure::GetAttr);
        let (rest, fh) = parse_getattr_args(args).unwrap();
        assert!(rest.is_empty());
        assert_eq!(fh.as_bytes().len(), 24);
        let mut buf = [0xa5u8; 28];
        emit_getattr_args(&fh, &mut Writer::new(&mut buf)).unwrap();
        assert_eq!(&buf[..], args);
        for n in 0..args.len() {
            assert!(parse_getattr_args(&args[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn fattr3_view() {
        let v = Fattr3::new_checked(&GETATTR_REPLY[28..]).unwrap();
        assert_eq!(v.ftype(), Ftype3::Dir);
        assert_eq!(v.mode(), 0o755);
        assert_eq!(v.nlink(), 3);
        assert_eq!(v.size(), 4096);
        assert_eq!(v.fsid(), 0xdc62_4554_ebb9_b69b);
        assert_eq!(v.fileid(), 0x0098_c255);
        assert_eq!(v.mtime().seconds, 0x6b01_5dd7);
        assert!(Fattr3::new_checked(&GETATTR_REPLY[28..111]).is_err());
    }

    #[test]
    fn getattr_reply_parse_emit_truncate() {
        let (res, reply) = ReplyRepr::parse(&GETATTR_REPLY).unwrap();
        assert!(reply.is_success());
        let (rest, r) = GetattrRes3::parse(res).unwrap();
        assert!(rest.is_empty());
        let GetattrRes3::Ok(a) = r else {
            panic!("{r:?}")
        };
        assert_eq!(a.ftype, Ftype3::Dir);
        assert_eq!(a.uid, 0);
        let mut buf = [0xa5u8; 88];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w).unwrap();
        assert_eq!(w.len(), r.buffer_len());
        assert_eq!(&buf[..], res);
        for n in 0..res.len() {
            assert!(GetattrRes3::parse(&res[..n]).is_err(), "len {n}");
        }
        let (_, e) = GetattrRes3::parse(&[0, 0, 0x27, 0x11]).unwrap();
        assert_eq!(e, GetattrRes3::Err(Nfsstat3::BadHandle));
    }
}
