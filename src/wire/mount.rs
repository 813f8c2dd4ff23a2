//! MOUNT protocol version 3 (RFC 1813 appendix I): MNT, which turns an
//! exported path into a file handle, and UMNT, which tells the server the
//! client is done with it.

use core::fmt;

use super::oncrpc::{AuthFlavor, Result};
use super::xdr::{self, Writer};

/// The MOUNT program number (RFC 1813 §I.5).
pub const PROGRAM: u32 = 100_005;
/// MOUNT protocol version 3 (RFC 1813 §I.5).
pub const VERSION: u32 = 3;
/// Maximum bytes in a path name (RFC 1813 §I.5.1, MNTPATHLEN).
pub const MNTPATHLEN: usize = 1024;
/// Maximum bytes in a v3 file handle (RFC 1813 §I.5.1, FHSIZE3).
pub const FHSIZE3: usize = 64;
/// Security flavors kept from a MNT reply; further ones are skipped (RFC 1813 §I.5.2).
pub const MAX_FLAVORS: usize = 8;

crate::enum_with_unknown! {
    /// MOUNT v3 procedures (RFC 1813 §I.5).
    pub enum Procedure(u32) {
        /// MOUNTPROC3_NULL
        Null = 0,
        /// MOUNTPROC3_MNT
        Mnt = 1,
        /// MOUNTPROC3_DUMP
        Dump = 2,
        /// MOUNTPROC3_UMNT
        Umnt = 3,
        /// MOUNTPROC3_UMNTALL
        UmntAll = 4,
        /// MOUNTPROC3_EXPORT
        Export = 5,
    }
}

crate::enum_with_unknown! {
    /// `mountstat3` (RFC 1813 §I.5.1).
    pub enum Mountstat3(u32) {
        /// MNT3_OK
        Ok = 0,
        /// MNT3ERR_PERM: not owner.
        Perm = 1,
        /// MNT3ERR_NOENT: no such file or directory.
        NoEnt = 2,
        /// MNT3ERR_IO: I/O error.
        Io = 5,
        /// MNT3ERR_ACCES: permission denied.
        Acces = 13,
        /// MNT3ERR_NOTDIR: not a directory.
        NotDir = 20,
        /// MNT3ERR_INVAL: invalid argument.
        Inval = 22,
        /// MNT3ERR_NAMETOOLONG: filename too long.
        NameTooLong = 63,
        /// MNT3ERR_NOTSUPP: operation not supported.
        NotSupp = 10004,
        /// MNT3ERR_SERVERFAULT: a failure on the server.
        ServerFault = 10006,
    }
}

impl fmt::Display for Mountstat3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Mountstat3::Ok => "MNT3_OK",
            Mountstat3::Perm => "MNT3ERR_PERM",
            Mountstat3::NoEnt => "MNT3ERR_NOENT",
            Mountstat3::Io => "MNT3ERR_IO",
            Mountstat3::Acces => "MNT3ERR_ACCES",
            Mountstat3::NotDir => "MNT3ERR_NOTDIR",
            Mountstat3::Inval => "MNT3ERR_INVAL",
            Mountstat3::NameTooLong => "MNT3ERR_NAMETOOLONG",
            Mountstat3::NotSupp => "MNT3ERR_NOTSUPP",
            Mountstat3::ServerFault => "MNT3ERR_SERVERFAULT",
            Mountstat3::Unknown(v) => return write!(f, "mountstat3 {v}"),
        };
        f.write_str(name)
    }
}

/// A v3 file handle of up to 64 bytes, kept in a fixed array
/// (RFC 1813 §I.5.1 `fhandle3`, same as `nfs_fh3` of RFC 1813 §2.3.3).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FileHandle3 {
    len: u8,
    data: [u8; FHSIZE3],
}

impl fmt::Debug for FileHandle3 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FileHandle3(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

impl FileHandle3 {
    /// Copies a handle; `None` when longer than 64 bytes
    /// (RFC 1813 §I.5.1).
    pub fn new(bytes: &[u8]) -> Option<Self> {
        let mut data = [0u8; FHSIZE3];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(FileHandle3 {
            len: bytes.len() as u8,
            data,
        })
    }

    /// The handle's bytes (RFC 1813 §I.5.1).
    pub fn as_bytes(&self) -> &[u8] {
        self.data.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Parses an `opaque fhandle3<FHSIZE3>` (RFC 1813 §I.5.1).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let (rest, bytes) = xdr::get_opaque(b, FHSIZE3)?;
        let fh = FileHandle3::new(bytes).ok_or(xdr::Error::TooLong)?;
        Ok((rest, fh))
    }

    /// Encoded length (RFC 1813 §I.5.1).
    pub fn buffer_len(&self) -> usize {
        xdr::var_opaque_len(self.as_bytes().len())
    }

    /// Emits the handle as variable-length opaque (RFC 1813 §I.5.1).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        Ok(w.put_opaque(self.as_bytes())?)
    }
}

/// `dirpath`: the argument of MNT and UMNT (RFC 1813 §I.5.1, §I.5.2,
/// §I.5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirPath<'a>(pub &'a [u8]);

impl<'a> DirPath<'a> {
    /// Parses a `dirpath<MNTPATHLEN>` (RFC 1813 §I.5.1).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], Self)> {
        let (rest, path) = xdr::get_string(b, MNTPATHLEN)?;
        Ok((rest, DirPath(path)))
    }

    /// Encoded length (RFC 1813 §I.5.2).
    pub fn buffer_len(&self) -> usize {
        xdr::var_opaque_len(self.0.len())
    }

    /// Emits the path; longer than 1024 bytes is refused (RFC 1813 §I.5.1).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        if self.0.len() > MNTPATHLEN {
            return Err(xdr::Error::TooLong.into());
        }
        Ok(w.put_string(self.0)?)
    }
}

/// The result of MOUNTPROC3_MNT (RFC 1813 §I.5.2, `mountres3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountRes3 {
    /// MNT3_OK: the handle of the exported directory and the security
    /// flavors the server accepts for it (at most [`MAX_FLAVORS`] kept).
    Ok {
        /// The root file handle of the mount.
        fhandle: FileHandle3,
        /// Accepted authentication flavors, in the server's order.
        auth_flavors: heapless::Vec<AuthFlavor, MAX_FLAVORS>,
    },
    /// Any other status: no body follows.
    Err(Mountstat3),
}

impl MountRes3 {
    /// Parses a `mountres3` (RFC 1813 §I.5.2).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let (b, status) = xdr::get_u32(b)?;
        match Mountstat3::from(status) {
            Mountstat3::Ok => {
                let (b, fhandle) = FileHandle3::parse(b)?;
                let (mut b, count) = xdr::get_u32(b)?;
                let mut auth_flavors = heapless::Vec::new();
                for _ in 0..count {
                    let (rest, flavor) = xdr::get_u32(b)?;
                    // Flavors past the first MAX_FLAVORS are only skipped.
                    let _ = auth_flavors.push(AuthFlavor::from(flavor));
                    b = rest;
                }
                Ok((
                    b,
                    MountRes3::Ok {
                        fhandle,
                        auth_flavors,
                    },
                ))
            }
            other => Ok((b, MountRes3::Err(other))),
        }
    }

    /// The status (RFC 1813 §I.5.2).
    pub fn status(&self) -> Mountstat3 {
        match self {
            MountRes3::Ok { .. } => Mountstat3::Ok,
            MountRes3::Err(s) => *s,
        }
    }

    /// Encoded length (RFC 1813 §I.5.2).
    pub fn buffer_len(&self) -> usize {
        match self {
            MountRes3::Ok {
                fhandle,
                auth_flavors,
            } => 4 + fhandle.buffer_len() + 4 + 4 * auth_flavors.len(),
            MountRes3::Err(_) => 4,
        }
    }

    /// Emits the result (RFC 1813 §I.5.2).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        w.put_u32(self.status().into())?;
        if let MountRes3::Ok {
            fhandle,
            auth_flavors,
        } = self
        {
            fhandle.emit(w)?;
            w.put_u32(auth_flavors.len() as u32)?;
            for f in auth_flavors {
                w.put_u32((*f).into())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::oncrpc::{CallRepr, ReplyRepr};

    // `tests/captures/libnfs-v3-mount-getattr.pcap`, frame 18: libnfs calls
    // MOUNTPROC3_MNT for /tmp/rpcx/d/export (record mark stripped).
    static MNT_CALL: [u8; 92] = [
        0x13, 0xd2, 0x22, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86,
        0xa5, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x1c, 0x00, 0x02, 0x22, 0xdf, 0x00, 0x00, 0x00, 0x06, 0x6c, 0x69, 0x62, 0x6e, 0x66,
        0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x00, 0x00, 0x12, 0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x72, 0x70, 0x63, 0x78, 0x2f, 0x64,
        0x2f, 0x65, 0x78, 0x70, 0x6f, 0x72, 0x74, 0x00, 0x00, // dirpath
    ];

    // Frame 19: nfs-ganesha 4.3 answers MNT3_OK with a 24-byte handle and
    // AUTH_SYS.
    static MNT_REPLY_OK: [u8; 64] = [
        0x13, 0xd2, 0x22, 0xe2, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x00, // MNT3_OK
        0x00, 0x00, 0x00, 0x18, // fhandle3, 24 bytes
        0x43, 0x00, 0x00, 0x01, 0x12, 0x44, 0x9b, 0xb6, 0xb9, 0xeb, 0x54, 0x45, 0x62, 0xdc, 0x01,
        0x55, 0xc2, 0x98, 0x00, 0x61, 0xfb, 0xa6, 0x0f, 0x00, //
        0x00, 0x00, 0x00, 0x01, // one flavor
        0x00, 0x00, 0x00, 0x01, // AUTH_SYS
    ];

    // `tests/captures/libnfs-showmount-rpcinfo.pcap`, frame 99: MNT of the
    // pseudo path /export is refused with MNT3ERR_ACCES.
    static MNT_REPLY_ACCES: [u8; 28] = [
        0x13, 0x15, 0x12, 0xa2, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x0d, // MNT3ERR_ACCES
    ];

    #[test]
    fn mnt_call() {
        let (args, call) = CallRepr::parse(&MNT_CALL).unwrap();
        assert_eq!((call.prog, call.vers), (PROGRAM, VERSION));
        assert_eq!(Procedure::from(call.procedure), Procedure::Mnt);
        let (rest, path) = DirPath::parse(args).unwrap();
        assert!(rest.is_empty());
        assert_eq!(path.0, b"/tmp/rpcx/d/export");
        let mut buf = [0xa5u8; 24];
        let mut w = Writer::new(&mut buf);
        path.emit(&mut w).unwrap();
        assert_eq!(w.len(), path.buffer_len());
        assert_eq!(&buf[..], args);
        for n in 0..args.len() {
            assert!(DirPath::parse(&args[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn mnt_reply_ok() {
        let (res, reply) = ReplyRepr::parse(&MNT_REPLY_OK).unwrap();
        assert!(reply.is_success());
        let (rest, m) = MountRes3::parse(res).unwrap();
        assert!(rest.is_empty());
        let MountRes3::Ok {
            fhandle,
            auth_flavors,
        } = &m
        else {
            panic!("{m:?}");
        };
        assert_eq!(fhandle.as_bytes(), &MNT_REPLY_OK[32..56]);
        assert_eq!(auth_flavors.as_slice(), &[AuthFlavor::Sys]);
        let mut buf = [0xa5u8; 40];
        let mut w = Writer::new(&mut buf);
        m.emit(&mut w).unwrap();
        assert_eq!(w.len(), m.buffer_len());
        assert_eq!(&buf[..], res);
        for n in 0..res.len() {
            assert!(MountRes3::parse(&res[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn mnt_reply_acces() {
        let (res, _) = ReplyRepr::parse(&MNT_REPLY_ACCES).unwrap();
        let (rest, m) = MountRes3::parse(res).unwrap();
        assert!(rest.is_empty());
        assert_eq!(m, MountRes3::Err(Mountstat3::Acces));
        let mut buf = [0xa5u8; 4];
        m.emit(&mut Writer::new(&mut buf)).unwrap();
        assert_eq!(&buf[..], res);
        for n in 0..res.len() {
            assert!(MountRes3::parse(&res[..n]).is_err(), "len {n}");
        }
    }

    // `tests/captures/mamori-probe-v3-v4.pcap`, frame 28: this crate's
    // probe calls MOUNTPROC3_UMNT (AUTH_SYS as root, machine "mamori").
    static UMNT_CALL: [u8; 92] = [
        0x54, 0xf4, 0xba, 0xd9, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86,
        0xa5, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x1c, 0x54, 0xf4, 0xba, 0xd9, 0x00, 0x00, 0x00, 0x06, 0x6d, 0x61, 0x6d, 0x6f, 0x72,
        0x69, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x00, 0x00, 0x12, 0x2f, 0x74, 0x6d, 0x70, 0x2f, 0x72, 0x70, 0x63, 0x78, 0x2f, 0x64,
        0x2f, 0x65, 0x78, 0x70, 0x6f, 0x72, 0x74, 0x00, 0x00, // dirpath
    ];

    // Frame 31: nfs-ganesha 4.3 answers UMNT (void result).
    static UMNT_REPLY: [u8; 24] = [
        0x54, 0xf4, 0xba, 0xd9, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn umnt_call_emit_and_reply() {
        use crate::wire::oncrpc::{AuthSys, Credential, OpaqueAuth};
        let call = CallRepr {
            xid: 0x54f4_bad9,
            prog: PROGRAM,
            vers: VERSION,
            procedure: Procedure::Umnt.into(),
            cred: Credential::Sys(AuthSys {
                stamp: 0x54f4_bad9,
                machine_name: b"mamori",
                uid: 0,
                gid: 0,
                gids: heapless::Vec::new(),
            }),
            verf: OpaqueAuth::NONE,
        };
        let path = DirPath(b"/tmp/rpcx/d/export");
        let mut buf = [0xa5u8; 96];
        let mut w = Writer::new(&mut buf);
        call.emit(&mut w).unwrap();
        path.emit(&mut w).unwrap();
        assert_eq!(w.len(), call.buffer_len() + path.buffer_len());
        assert_eq!(&buf[..92], &UMNT_CALL[..]);
        assert_eq!(&buf[92..], &[0xa5; 4]);
        let (args, back) = CallRepr::parse(&UMNT_CALL).unwrap();
        assert_eq!(back, call);
        assert_eq!(DirPath::parse(args).unwrap().1, path);
        for n in 0..UMNT_CALL.len() {
            let r = CallRepr::parse(&UMNT_CALL[..n]).and_then(|(a, _)| DirPath::parse(a));
            assert!(r.is_err(), "len {n}");
        }
        let (rest, reply) = ReplyRepr::parse(&UMNT_REPLY).unwrap();
        assert!(reply.is_success() && rest.is_empty());
        for n in 0..UMNT_REPLY.len() {
            assert!(ReplyRepr::parse(&UMNT_REPLY[..n]).is_err(), "len {n}");
        }
    }

    #[test]
    fn oversized_handle_and_many_flavors() {
        let mut b = [0u8; 4 + 4 + 68];
        b[7] = 65;
        assert!(MountRes3::parse(&b).is_err());
        // 10 flavors: 8 kept, all consumed.
        let mut b = [0u8; 4 + 4 + 4 + 40];
        b[11] = 10;
        let (rest, m) = MountRes3::parse(&b).unwrap();
        assert!(rest.is_empty());
        let MountRes3::Ok { auth_flavors, .. } = m else {
            panic!()
        };
        assert_eq!(auth_flavors.len(), MAX_FLAVORS);
    }
}
