//! Port mapper version 2 (RFC 1833 §3): the GETPORT procedure that maps a
//! program, version and transport to a port.
//!
//! The call's arguments are one fixed-size [`Mapping`], the reply's result
//! one unsigned integer, 0 when the program is not registered.

use super::be::{get_u32, put};
use super::oncrpc::{self, Result};
use super::xdr::{self, Writer};

/// The port mapper's program number (RFC 1833 §3).
pub const PROGRAM: u32 = 100_000;
/// Port mapper protocol version 2 (RFC 1833 §3).
pub const VERSION: u32 = 2;
/// The port mapper's well-known port, TCP and UDP (RFC 1833 §3).
pub const PORT: u16 = 111;

crate::enum_with_unknown! {
    /// Port mapper v2 procedures (RFC 1833 §3.2).
    pub enum Procedure(u32) {
        /// PMAPPROC_NULL
        Null = 0,
        /// PMAPPROC_SET
        Set = 1,
        /// PMAPPROC_UNSET
        Unset = 2,
        /// PMAPPROC_GETPORT
        GetPort = 3,
        /// PMAPPROC_DUMP
        Dump = 4,
        /// PMAPPROC_CALLIT
        CallIt = 5,
    }
}

crate::enum_with_unknown! {
    /// Transport protocol numbers in a mapping (RFC 1833 §3, IPPROTO_*).
    pub enum Protocol(u32) {
        /// IPPROTO_TCP
        Tcp = 6,
        /// IPPROTO_UDP
        Udp = 17,
    }
}

mod field {
    use crate::wire::Field;
    // struct mapping (RFC 1833 §3)
    pub const PROG: Field = 0..4;
    pub const VERS: Field = 4..8;
    pub const PROT: Field = 8..12;
    pub const PORT: Field = 12..16;
    pub const END: usize = 16;
}

/// Typed view of `struct mapping` (RFC 1833 §3).
#[derive(Debug, Clone)]
pub struct Mapping<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Mapping<T> {
    /// Wraps a buffer without checking its length (RFC 1833 §3).
    pub const fn new_unchecked(buffer: T) -> Self {
        Mapping { buffer }
    }

    /// Wraps a buffer and checks that it holds a whole mapping (RFC 1833 §3).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }

    /// Checks that the buffer holds the 16 bytes of a mapping (RFC 1833 §3).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < field::END {
            Err(oncrpc::Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// Program number (RFC 1833 §3, `prog`).
    pub fn prog(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::PROG)
    }
    /// Program version (RFC 1833 §3, `vers`).
    pub fn vers(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::VERS)
    }
    /// Transport (RFC 1833 §3, `prot`).
    pub fn prot(&self) -> Protocol {
        get_u32(self.buffer.as_ref(), field::PROT).into()
    }
    /// Port; ignored in a GETPORT call (RFC 1833 §3, `port`).
    pub fn port(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::PORT)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Mapping<T> {
    /// Sets `prog` (RFC 1833 §3).
    pub fn set_prog(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::PROG, &u32::to_be_bytes(v))
    }
    /// Sets `vers` (RFC 1833 §3).
    pub fn set_vers(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::VERS, &u32::to_be_bytes(v))
    }
    /// Sets `prot` (RFC 1833 §3).
    pub fn set_prot(&mut self, v: Protocol) {
        put(
            self.buffer.as_mut(),
            field::PROT,
            &u32::to_be_bytes(v.into()),
        )
    }
    /// Sets `port` (RFC 1833 §3).
    pub fn set_port(&mut self, v: u32) {
        put(self.buffer.as_mut(), field::PORT, &u32::to_be_bytes(v))
    }
}

/// A validated mapping: the arguments of PMAPPROC_GETPORT
/// (RFC 1833 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MappingRepr {
    /// Program number.
    pub prog: u32,
    /// Program version.
    pub vers: u32,
    /// Transport.
    pub prot: Protocol,
    /// Port (0 in a GETPORT call).
    pub port: u32,
}

impl MappingRepr {
    /// Parses a mapping and returns the rest (RFC 1833 §3).
    pub fn parse(b: &[u8]) -> Result<(&[u8], Self)> {
        let view = Mapping::new_checked(b)?;
        let rest = b.get(field::END..).ok_or(oncrpc::Error::Truncated)?;
        Ok((
            rest,
            MappingRepr {
                prog: view.prog(),
                vers: view.vers(),
                prot: view.prot(),
                port: view.port(),
            },
        ))
    }

    /// Encoded length: 16 bytes (RFC 1833 §3).
    pub const fn buffer_len(&self) -> usize {
        field::END
    }

    /// Emits the mapping (RFC 1833 §3).
    pub fn emit(&self, w: &mut Writer<'_>) -> Result<()> {
        let mut raw = [0u8; field::END];
        let mut view = Mapping::new_unchecked(&mut raw[..]);
        view.set_prog(self.prog);
        view.set_vers(self.vers);
        view.set_prot(self.prot);
        view.set_port(self.port);
        w.put_bytes(&raw)?;
        Ok(())
    }
}

/// Parses the result of PMAPPROC_GETPORT: the port, 0 when the program is
/// not registered (RFC 1833 §3.2).
pub fn parse_getport_result(b: &[u8]) -> Result<(&[u8], u32)> {
    Ok(xdr::get_u32(b)?)
}

/// Emits the result of PMAPPROC_GETPORT (RFC 1833 §3.2).
pub fn emit_getport_result(port: u32, w: &mut Writer<'_>) -> Result<()> {
    Ok(w.put_u32(port)?)
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::wire::oncrpc::{CallRepr, ReplyRepr};

    // `tests/captures/libnfs-v3-mount-getattr.pcap`, frame 30: libnfs asks
    // rpcbind 1.2.6 for NFS v3 over TCP (record mark stripped).
    static GETPORT_NFS_CALL: [u8; 84] = [
        0x13, 0xd2, 0x22, 0xe5, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x86,
        0xa0, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x00, 0x1c, 0x00, 0x02, 0x22, 0xdf, 0x00, 0x00, 0x00, 0x06, 0x6c, 0x69, 0x62, 0x6e, 0x66,
        0x73, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // verf
        0x00, 0x01, 0x86, 0xa3, // prog 100003
        0x00, 0x00, 0x00, 0x03, // vers 3
        0x00, 0x00, 0x00, 0x06, // TCP
        0x00, 0x00, 0x00, 0x00, // port
    ];

    // Frame 31: the reply, port 2049.
    static GETPORT_NFS_REPLY: [u8; 28] = [
        0x13, 0xd2, 0x22, 0xe5, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x08, 0x01, // port 2049
    ];

    const NFS_V3_TCP: MappingRepr = MappingRepr {
        prog: 100_003,
        vers: 3,
        prot: Protocol::Tcp,
        port: 0,
    };

    #[test]
    fn mapping_view() {
        let (args, call) = CallRepr::parse(&GETPORT_NFS_CALL).unwrap();
        assert_eq!(call.prog, PROGRAM);
        assert_eq!(call.vers, VERSION);
        assert_eq!(Procedure::from(call.procedure), Procedure::GetPort);
        let view = Mapping::new_checked(args).unwrap();
        assert_eq!(view.prog(), 100_003);
        assert_eq!(view.vers(), 3);
        assert_eq!(view.prot(), Protocol::Tcp);
        assert_eq!(view.port(), 0);
    }

    #[test]
    fn mapping_parse_emit_truncate() {
        let args = &GETPORT_NFS_CALL[68..];
        let (rest, m) = MappingRepr::parse(args).unwrap();
        assert!(rest.is_empty());
        assert_eq!(m, NFS_V3_TCP);
        let mut buf = [0xa5u8; 16];
        let mut w = Writer::new(&mut buf);
        m.emit(&mut w).unwrap();
        assert_eq!(w.len(), m.buffer_len());
        assert_eq!(&buf, args);
        for n in 0..args.len() {
            assert!(MappingRepr::parse(&args[..n]).is_err(), "len {n}");
        }
    }

    // `tests/captures/rpc-accept-errors.pcap`, frame 6: rpcbind 1.2.6
    // answers GETPORT for NLM v4 (not registered) with port 0.
    static GETPORT_UNREGISTERED_REPLY: [u8; 28] = [
        0x11, 0x11, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // SUCCESS
        0x00, 0x00, 0x00, 0x00, // port 0: not registered
    ];

    #[test]
    fn getport_unregistered() {
        let (res, reply) = ReplyRepr::parse(&GETPORT_UNREGISTERED_REPLY).unwrap();
        assert!(reply.is_success());
        assert_eq!(parse_getport_result(res).unwrap(), (&[][..], 0));
    }

    #[test]
    fn getport_reply() {
        let (res, reply) = ReplyRepr::parse(&GETPORT_NFS_REPLY).unwrap();
        assert!(reply.is_success());
        assert_eq!(reply.xid, 0x13d2_22e5);
        let (rest, port) = parse_getport_result(res).unwrap();
        assert!(rest.is_empty());
        assert_eq!(port, 2049);
        let mut buf = [0xa5u8; 4];
        emit_getport_result(2049, &mut Writer::new(&mut buf)).unwrap();
        assert_eq!(&buf, res);
        for n in 0..res.len() {
            assert!(parse_getport_result(&res[..n]).is_err());
        }
    }
}
