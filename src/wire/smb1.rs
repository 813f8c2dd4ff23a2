//! The SMB1 messages of a share check with the NT LM 0.12 dialect: the
//! header (MS-CIFS 2.2.3.1), NEGOTIATE (MS-CIFS 2.2.4.52, MS-SMB 2.2.4.5),
//! SESSION_SETUP_ANDX with extended security (MS-SMB 2.2.4.6),
//! TREE_CONNECT_ANDX (MS-CIFS 2.2.4.55, MS-SMB 2.2.4.7), TREE_DISCONNECT
//! (MS-CIFS 2.2.4.51) and LOGOFF_ANDX (MS-CIFS 2.2.4.54), and MD5 message
//! signing (MS-CIFS 3.1.4.1).
//!
//! After the header every message is a parameter block (WordCount and
//! 16-bit words) and a data block (ByteCount and bytes), MS-CIFS 2.2.3.2
//! and 2.2.3.3; [`Blocks::parse`] splits them, the `Repr`s read the words.

use core::fmt;

use md5::{Digest, Md5};

use super::ntstatus::NtStatus;

use super::Field;
use super::le::{get_u16, get_u32, get_u64, put};

/// Length of the SMB1 header (MS-CIFS 2.2.3.1).
pub const HEADER_LEN: usize = 32;
/// Protocol of every SMB1 message: 0xFF 'S' 'M' 'B' (MS-CIFS 2.2.3.1).
pub const PROTOCOL_ID: [u8; 4] = [0xFF, b'S', b'M', b'B'];
/// The dialect string this client offers (MS-CIFS 2.2.4.52.1).
pub const NT_LM_012: &[u8] = b"NT LM 0.12";
/// DialectIndex when the server accepts none of the dialects (MS-CIFS 2.2.4.52.2).
pub const NO_DIALECT: u16 = 0xFFFF;

/// Errors of the SMB1 codec (MS-CIFS 2.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer ends before the structure does.
    Truncated,
    /// Protocol is not 0xFF 'S' 'M' 'B'.
    BadProtocolId,
    /// WordCount differs from what the command defines.
    BadWordCount(u8),
    /// A string has no terminator, or a length points outside the data.
    Malformed,
    /// The output buffer is too small.
    NoSpace,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated SMB1 message"),
            Error::BadProtocolId => f.write_str("not an SMB1 message"),
            Error::BadWordCount(n) => write!(f, "unexpected SMB1 WordCount {n}"),
            Error::Malformed => f.write_str("malformed SMB1 data block"),
            Error::NoSpace => f.write_str("SMB1 output buffer too small"),
        }
    }
}

type Result<T> = core::result::Result<T, Error>;

crate::enum_with_unknown! {
    /// SMB1 command codes (MS-CIFS 2.2.2.1).
    pub enum Command(u8) {
        /// SMB_COM_TREE_DISCONNECT.
        TreeDisconnect = 0x71,
        /// SMB_COM_NEGOTIATE.
        Negotiate = 0x72,
        /// SMB_COM_SESSION_SETUP_ANDX.
        SessionSetupAndx = 0x73,
        /// SMB_COM_LOGOFF_ANDX.
        LogoffAndx = 0x74,
        /// SMB_COM_TREE_CONNECT_ANDX.
        TreeConnectAndx = 0x75,
        /// SMB_COM_NO_ANDX_COMMAND.
        NoAndx = 0xFF,
    }
}

/// Flags bits (MS-CIFS 2.2.3.1).
pub mod flags {
    /// SMB_FLAGS_CASE_INSENSITIVE.
    pub const CASE_INSENSITIVE: u8 = 0x08;
    /// SMB_FLAGS_CANONICALIZED_PATHS.
    pub const CANONICALIZED_PATHS: u8 = 0x10;
    /// SMB_FLAGS_REPLY.
    pub const REPLY: u8 = 0x80;
}

/// Flags2 bits (MS-CIFS 2.2.3.1, MS-SMB 2.2.3.1).
pub mod flags2 {
    /// SMB_FLAGS2_LONG_NAMES.
    pub const LONG_NAMES: u16 = 0x0001;
    /// SMB_FLAGS2_SECURITY_SIGNATURE.
    pub const SECURITY_SIGNATURE: u16 = 0x0004;
    /// SMB_FLAGS2_SMB_SECURITY_SIGNATURE_REQUIRED.
    pub const SECURITY_SIGNATURE_REQUIRED: u16 = 0x0010;
    /// SMB_FLAGS2_IS_LONG_NAME.
    pub const IS_LONG_NAME: u16 = 0x0040;
    /// SMB_FLAGS2_EXTENDED_SECURITY.
    pub const EXTENDED_SECURITY: u16 = 0x0800;
    /// SMB_FLAGS2_NT_STATUS.
    pub const NT_STATUS: u16 = 0x4000;
    /// SMB_FLAGS2_UNICODE.
    pub const UNICODE: u16 = 0x8000;
}

/// Capabilities bits (MS-CIFS 2.2.4.52.2, MS-SMB 2.2.4.5.2).
pub mod caps {
    /// CAP_UNICODE.
    pub const UNICODE: u32 = 0x0000_0004;
    /// CAP_LARGE_FILES.
    pub const LARGE_FILES: u32 = 0x0000_0008;
    /// CAP_NT_SMBS.
    pub const NT_SMBS: u32 = 0x0000_0010;
    /// CAP_STATUS32.
    pub const NT_STATUS: u32 = 0x0000_0040;
    /// CAP_EXTENDED_SECURITY.
    pub const EXTENDED_SECURITY: u32 = 0x8000_0000;
}

/// SecurityMode bits of the NEGOTIATE response (MS-CIFS 2.2.4.52.2).
pub mod security_mode {
    /// NEGOTIATE_USER_SECURITY.
    pub const USER_SECURITY: u8 = 0x01;
    /// NEGOTIATE_ENCRYPT_PASSWORDS.
    pub const ENCRYPT_PASSWORDS: u8 = 0x02;
    /// NEGOTIATE_SECURITY_SIGNATURES_ENABLED.
    pub const SIGNATURES_ENABLED: u8 = 0x04;
    /// NEGOTIATE_SECURITY_SIGNATURES_REQUIRED.
    pub const SIGNATURES_REQUIRED: u8 = 0x08;
}

// ---------------------------------------------------------------- header

mod hfield {
    use super::Field;
    pub const PROTOCOL: Field = 0..4;
    pub const COMMAND: usize = 4;
    pub const STATUS: Field = 5..9;
    pub const FLAGS: usize = 9;
    pub const FLAGS2: Field = 10..12;
    pub const PID_HIGH: Field = 12..14;
    pub const SECURITY_FEATURES: Field = 14..22;
    pub const RESERVED: Field = 22..24;
    pub const TID: Field = 24..26;
    pub const PID_LOW: Field = 26..28;
    pub const UID: Field = 28..30;
    pub const MID: Field = 30..32;
}

/// A view of the SMB1 header (MS-CIFS 2.2.3.1).
#[derive(Debug, Clone, Copy)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checks (MS-CIFS 2.2.3.1).
    pub const fn new_unchecked(buffer: T) -> Self {
        Header { buffer }
    }
    /// Wraps a buffer after [`Self::check_len`] (MS-CIFS 2.2.3.1).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks that the 32-byte header is present (MS-CIFS 2.2.3.1).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }
    /// Protocol, 0..4.
    pub fn protocol(&self) -> [u8; 4] {
        let mut a = [0u8; 4];
        a.copy_from_slice(&self.buffer.as_ref()[hfield::PROTOCOL]);
        a
    }
    /// Command, 4.
    pub fn command(&self) -> Command {
        Command::from(self.buffer.as_ref()[hfield::COMMAND])
    }
    /// Status (NT status with FLAGS2_NT_STATUS), 5..9.
    pub fn status(&self) -> NtStatus {
        NtStatus::from(get_u32(self.buffer.as_ref(), hfield::STATUS))
    }
    /// Flags, 9.
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[hfield::FLAGS]
    }
    /// Flags2, 10..12.
    pub fn flags2(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::FLAGS2)
    }
    /// PIDHigh, 12..14.
    pub fn pid_high(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::PID_HIGH)
    }
    /// SecurityFeatures: the signature when signing, 14..22.
    pub fn security_features(&self) -> [u8; 8] {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.buffer.as_ref()[hfield::SECURITY_FEATURES]);
        a
    }
    /// TID, 24..26.
    pub fn tid(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::TID)
    }
    /// PIDLow, 26..28.
    pub fn pid_low(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::PID_LOW)
    }
    /// UID, 28..30.
    pub fn uid(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::UID)
    }
    /// MID, 30..32.
    pub fn mid(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::MID)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Header<T> {
    /// Sets Protocol (MS-CIFS 2.2.3.1).
    pub fn set_protocol(&mut self, v: [u8; 4]) {
        put(self.buffer.as_mut(), hfield::PROTOCOL, &v);
    }
    /// Sets Command.
    pub fn set_command(&mut self, v: Command) {
        self.buffer.as_mut()[hfield::COMMAND] = v.into();
    }
    /// Sets Status.
    pub fn set_status(&mut self, v: NtStatus) {
        put(
            self.buffer.as_mut(),
            hfield::STATUS,
            &u32::from(v).to_le_bytes(),
        );
    }
    /// Sets Flags.
    pub fn set_flags(&mut self, v: u8) {
        self.buffer.as_mut()[hfield::FLAGS] = v;
    }
    /// Sets Flags2.
    pub fn set_flags2(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::FLAGS2, &v.to_le_bytes());
    }
    /// Sets PIDHigh.
    pub fn set_pid_high(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::PID_HIGH, &v.to_le_bytes());
    }
    /// Sets SecurityFeatures.
    pub fn set_security_features(&mut self, v: [u8; 8]) {
        put(self.buffer.as_mut(), hfield::SECURITY_FEATURES, &v);
    }
    /// Sets Reserved to zero.
    pub fn clear_reserved(&mut self) {
        put(self.buffer.as_mut(), hfield::RESERVED, &[0; 2]);
    }
    /// Sets TID.
    pub fn set_tid(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::TID, &v.to_le_bytes());
    }
    /// Sets PIDLow.
    pub fn set_pid_low(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::PID_LOW, &v.to_le_bytes());
    }
    /// Sets UID.
    pub fn set_uid(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::UID, &v.to_le_bytes());
    }
    /// Sets MID.
    pub fn set_mid(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::MID, &v.to_le_bytes());
    }
}

/// The validated SMB1 header (MS-CIFS 2.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderRepr {
    /// Command.
    pub command: Command,
    /// Status.
    pub status: NtStatus,
    /// Flags ([`flags`]).
    pub flags: u8,
    /// Flags2 ([`flags2`]).
    pub flags2: u16,
    /// PIDHigh.
    pub pid_high: u16,
    /// SecurityFeatures (signature).
    pub security_features: [u8; 8],
    /// TID.
    pub tid: u16,
    /// PIDLow.
    pub pid_low: u16,
    /// UID.
    pub uid: u16,
    /// MID.
    pub mid: u16,
}

impl HeaderRepr {
    /// A request header for this client: Unicode, NT status, extended
    /// security (MS-SMB 3.2.4.2.2).
    pub const fn request(command: Command, tid: u16, uid: u16, mid: u16, pid: u16) -> HeaderRepr {
        HeaderRepr {
            command,
            status: NtStatus::Success,
            flags: flags::CASE_INSENSITIVE | flags::CANONICALIZED_PATHS,
            flags2: flags2::UNICODE
                | flags2::NT_STATUS
                | flags2::EXTENDED_SECURITY
                | flags2::IS_LONG_NAME
                | flags2::LONG_NAMES,
            pid_high: 0,
            security_features: [0; 8],
            tid,
            pid_low: pid,
            uid,
            mid,
        }
    }
    /// Parses and checks Protocol (MS-CIFS 2.2.3.1).
    pub fn parse<T: AsRef<[u8]>>(h: &Header<T>) -> Result<HeaderRepr> {
        h.check_len()?;
        if h.protocol() != PROTOCOL_ID {
            return Err(Error::BadProtocolId);
        }
        Ok(HeaderRepr {
            command: h.command(),
            status: h.status(),
            flags: h.flags(),
            flags2: h.flags2(),
            pid_high: h.pid_high(),
            security_features: h.security_features(),
            tid: h.tid(),
            pid_low: h.pid_low(),
            uid: h.uid(),
            mid: h.mid(),
        })
    }
    /// True for a server reply (MS-CIFS 2.2.3.1 SMB_FLAGS_REPLY).
    pub fn is_reply(&self) -> bool {
        self.flags & flags::REPLY != 0
    }
    /// Always 32.
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }
    /// Writes the header (MS-CIFS 2.2.3.1).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, h: &mut Header<T>) {
        h.set_protocol(PROTOCOL_ID);
        h.set_command(self.command);
        h.set_status(self.status);
        h.set_flags(self.flags);
        h.set_flags2(self.flags2);
        h.set_pid_high(self.pid_high);
        h.set_security_features(self.security_features);
        h.clear_reserved();
        h.set_tid(self.tid);
        h.set_pid_low(self.pid_low);
        h.set_uid(self.uid);
        h.set_mid(self.mid);
    }
}

// ---------------------------------------------------------------- blocks

/// The parameter and data blocks after the header (MS-CIFS 2.2.3.2, 2.2.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Blocks<'a> {
    /// The words, 2 × WordCount bytes.
    pub words: &'a [u8],
    /// The bytes, ByteCount of them.
    pub bytes: &'a [u8],
    /// Offset of `bytes` from the start of the header, for Unicode alignment.
    pub bytes_offset: usize,
}

impl<'a> Blocks<'a> {
    /// Splits the body (everything after the 32-byte header).
    pub fn parse(body: &'a [u8]) -> Result<Blocks<'a>> {
        let wc = usize::from(*body.first().ok_or(Error::Truncated)?);
        let words = body.get(1..1 + 2 * wc).ok_or(Error::Truncated)?;
        let bc = body.get(1 + 2 * wc..3 + 2 * wc).ok_or(Error::Truncated)?;
        let bc = usize::from(u16::from_le_bytes([bc[0], bc[1]]));
        let bytes = body
            .get(3 + 2 * wc..3 + 2 * wc + bc)
            .ok_or(Error::Truncated)?;
        Ok(Blocks {
            words,
            bytes,
            bytes_offset: HEADER_LEN + 3 + 2 * wc,
        })
    }

    /// WordCount.
    pub fn word_count(&self) -> u8 {
        (self.words.len() / 2) as u8
    }

    /// The words, refusing another WordCount than `wc`.
    fn expect_words(&self, wc: u8) -> Result<&'a [u8]> {
        if self.word_count() == wc {
            Ok(self.words)
        } else {
            Err(Error::BadWordCount(self.word_count()))
        }
    }

    /// Writes WordCount, words, ByteCount and bytes into `out`; returns the length.
    pub fn emit(words: &[u8], bytes: &[&[u8]], out: &mut [u8]) -> Result<usize> {
        let wc = u8::try_from(words.len() / 2).map_err(|_| Error::NoSpace)?;
        let bc: usize = bytes.iter().map(|b| b.len()).sum();
        let bc16 = u16::try_from(bc).map_err(|_| Error::NoSpace)?;
        let len = 3 + words.len() + bc;
        let out = out.get_mut(..len).ok_or(Error::NoSpace)?;
        out[0] = wc;
        out[1..1 + words.len()].copy_from_slice(words);
        put(out, 1 + words.len()..3 + words.len(), &bc16.to_le_bytes());
        let mut at = 3 + words.len();
        for b in bytes {
            out[at..at + b.len()].copy_from_slice(b);
            at += b.len();
        }
        Ok(len)
    }
}

/// The AndX block heading the words of an AndX command (MS-CIFS 2.2.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AndX {
    /// AndXCommand ([`Command::NoAndx`] when none follows).
    pub command: Command,
    /// AndXReserved.
    pub reserved: u8,
    /// AndXOffset.
    pub offset: u16,
}

impl AndX {
    /// No chained command (MS-CIFS 2.2.3.4).
    pub const NONE: AndX = AndX {
        command: Command::NoAndx,
        reserved: 0,
        offset: 0,
    };
    fn parse(w: &[u8]) -> AndX {
        AndX {
            command: Command::from(w[0]),
            reserved: w[1],
            offset: get_u16(w, 2..4),
        }
    }
    fn emit(&self, w: &mut [u8]) {
        w[0] = self.command.into();
        w[1] = self.reserved;
        put(w, 2..4, &self.offset.to_le_bytes());
    }
}

/// Reads a NUL-terminated OEM string, returning `(rest, string)` without NUL.
fn parse_oem(b: &[u8]) -> Result<(&[u8], &[u8])> {
    let end = b.iter().position(|&c| c == 0).ok_or(Error::Malformed)?;
    Ok((b.get(end + 1..).ok_or(Error::Truncated)?, &b[..end]))
}

/// Reads a NUL-terminated UTF-16LE string, returning `(rest, string)`
/// without the terminator.
fn parse_utf16(b: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut i = 0;
    loop {
        let u = b.get(i..i + 2).ok_or(Error::Malformed)?;
        if u == [0, 0] {
            return Ok((&b[i + 2..], &b[..i]));
        }
        i += 2;
    }
}

// ---------------------------------------------------------------- NEGOTIATE

/// A NEGOTIATE request (MS-CIFS 2.2.4.52.1): no words, the dialects as
/// `0x02 name NUL` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiateRequestRepr<'a> {
    /// The Dialects bytes as on the wire.
    pub dialects: &'a [u8],
}

impl<'a> NegotiateRequestRepr<'a> {
    /// The request offering NT LM 0.12 only.
    pub const NT_LM_012_ONLY: NegotiateRequestRepr<'static> = NegotiateRequestRepr {
        dialects: b"\x02NT LM 0.12\0",
    };

    /// Parses a request body and checks each dialect entry (MS-CIFS 2.2.4.52.1).
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let blocks = Blocks::parse(body)?;
        blocks.expect_words(0)?;
        let r = NegotiateRequestRepr {
            dialects: blocks.bytes,
        };
        for d in r.iter() {
            d?;
        }
        Ok(r)
    }
    /// The dialect names in order (MS-CIFS 2.2.4.52.1).
    pub fn iter(&self) -> impl Iterator<Item = Result<&'a [u8]>> + 'a {
        let mut rest = self.dialects;
        core::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            if rest[0] != 0x02 {
                rest = &[];
                return Some(Err(Error::Malformed));
            }
            match parse_oem(&rest[1..]) {
                Ok((r, name)) => {
                    rest = r;
                    Some(Ok(name))
                }
                Err(e) => {
                    rest = &[];
                    Some(Err(e))
                }
            }
        })
    }
    /// Length of the body.
    pub fn buffer_len(&self) -> usize {
        3 + self.dialects.len()
    }
    /// Writes the body (MS-CIFS 2.2.4.52.1).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        Blocks::emit(&[], &[self.dialects], out)
    }
}

mod nresp {
    use super::Field;
    pub const DIALECT_INDEX: Field = 0..2;
    pub const SECURITY_MODE: usize = 2;
    pub const MAX_MPX: Field = 3..5;
    pub const MAX_VCS: Field = 5..7;
    pub const MAX_BUFFER: Field = 7..11;
    pub const MAX_RAW: Field = 11..15;
    pub const SESSION_KEY: Field = 15..19;
    pub const CAPABILITIES: Field = 19..23;
    pub const SYSTEM_TIME: Field = 23..31;
    pub const TIME_ZONE: Field = 31..33;
    pub const CHALLENGE_LENGTH: usize = 33;
}

/// The NT LM 0.12 parameters of a NEGOTIATE response (MS-SMB 2.2.4.5.2.1
/// with extended security, MS-CIFS 2.2.4.52.2 without).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtLmParams<'a> {
    /// SecurityMode ([`security_mode`]).
    pub security_mode: u8,
    /// MaxMpxCount.
    pub max_mpx_count: u16,
    /// MaxNumberVcs.
    pub max_number_vcs: u16,
    /// MaxBufferSize.
    pub max_buffer_size: u32,
    /// MaxRawSize.
    pub max_raw_size: u32,
    /// SessionKey, echoed in SESSION_SETUP_ANDX.
    pub session_key: u32,
    /// Capabilities ([`caps`]).
    pub capabilities: u32,
    /// SystemTime (FILETIME).
    pub system_time: u64,
    /// ServerTimeZone.
    pub server_time_zone: i16,
    /// ServerGUID (extended security only).
    pub server_guid: [u8; 16],
    /// SecurityBlob (extended security) or Challenge+DomainName (without).
    pub security_blob: &'a [u8],
}

/// A NEGOTIATE response (MS-CIFS 2.2.4.52.2): the dialect chosen and, for
/// NT LM 0.12, its parameters; `params` is `None` for DialectIndex 0xFFFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiateResponseRepr<'a> {
    /// DialectIndex into the request's list, [`NO_DIALECT`] for none.
    pub dialect_index: u16,
    /// NT LM 0.12 parameters (WordCount 17).
    pub params: Option<NtLmParams<'a>>,
}

impl<'a> NegotiateResponseRepr<'a> {
    /// Parses a response body (MS-CIFS 2.2.4.52.2, MS-SMB 2.2.4.5.2).
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let blocks = Blocks::parse(body)?;
        match blocks.word_count() {
            1 => Ok(NegotiateResponseRepr {
                dialect_index: get_u16(blocks.words, 0..2),
                params: None,
            }),
            17 => {
                let w = blocks.words;
                let capabilities = get_u32(w, nresp::CAPABILITIES);
                let (server_guid, security_blob) = if capabilities & caps::EXTENDED_SECURITY != 0 {
                    let g = blocks.bytes.get(..16).ok_or(Error::Truncated)?;
                    let mut guid = [0u8; 16];
                    guid.copy_from_slice(g);
                    (guid, &blocks.bytes[16..])
                } else {
                    ([0u8; 16], blocks.bytes)
                };
                Ok(NegotiateResponseRepr {
                    dialect_index: get_u16(w, nresp::DIALECT_INDEX),
                    params: Some(NtLmParams {
                        security_mode: w[nresp::SECURITY_MODE],
                        max_mpx_count: get_u16(w, nresp::MAX_MPX),
                        max_number_vcs: get_u16(w, nresp::MAX_VCS),
                        max_buffer_size: get_u32(w, nresp::MAX_BUFFER),
                        max_raw_size: get_u32(w, nresp::MAX_RAW),
                        session_key: get_u32(w, nresp::SESSION_KEY),
                        capabilities,
                        system_time: get_u64(w, nresp::SYSTEM_TIME),
                        server_time_zone: get_u16(w, nresp::TIME_ZONE) as i16,
                        server_guid,
                        security_blob,
                    }),
                })
            }
            n => Err(Error::BadWordCount(n)),
        }
    }

    /// Writes the body (MS-CIFS 2.2.4.52.2); ChallengeLength is zero with
    /// extended security.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let Some(p) = self.params else {
            return Blocks::emit(&self.dialect_index.to_le_bytes(), &[], out);
        };
        let mut w = [0u8; 34];
        put(
            &mut w,
            nresp::DIALECT_INDEX,
            &self.dialect_index.to_le_bytes(),
        );
        w[nresp::SECURITY_MODE] = p.security_mode;
        put(&mut w, nresp::MAX_MPX, &p.max_mpx_count.to_le_bytes());
        put(&mut w, nresp::MAX_VCS, &p.max_number_vcs.to_le_bytes());
        put(&mut w, nresp::MAX_BUFFER, &p.max_buffer_size.to_le_bytes());
        put(&mut w, nresp::MAX_RAW, &p.max_raw_size.to_le_bytes());
        put(&mut w, nresp::SESSION_KEY, &p.session_key.to_le_bytes());
        put(&mut w, nresp::CAPABILITIES, &p.capabilities.to_le_bytes());
        put(&mut w, nresp::SYSTEM_TIME, &p.system_time.to_le_bytes());
        put(&mut w, nresp::TIME_ZONE, &p.server_time_zone.to_le_bytes());
        if p.capabilities & caps::EXTENDED_SECURITY != 0 {
            w[nresp::CHALLENGE_LENGTH] = 0;
            Blocks::emit(&w, &[&p.server_guid, p.security_blob], out)
        } else {
            w[nresp::CHALLENGE_LENGTH] = p.security_blob.len().min(8) as u8;
            Blocks::emit(&w, &[p.security_blob], out)
        }
    }
}

// ---------------------------------------------------------------- SESSION_SETUP_ANDX

mod ssreq {
    use super::Field;
    pub const ANDX: Field = 0..4;
    pub const MAX_BUFFER: Field = 4..6;
    pub const MAX_MPX: Field = 6..8;
    pub const VC_NUMBER: Field = 8..10;
    pub const SESSION_KEY: Field = 10..14;
    pub const BLOB_LENGTH: Field = 14..16;
    pub const RESERVED: Field = 16..20;
    pub const CAPABILITIES: Field = 20..24;
    pub const WORDS: usize = 24;
}

/// A SESSION_SETUP_ANDX request with extended security, WordCount 12
/// (MS-SMB 2.2.4.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSetupRequestRepr<'a> {
    /// AndX block.
    pub andx: AndX,
    /// MaxBufferSize.
    pub max_buffer_size: u16,
    /// MaxMpxCount.
    pub max_mpx_count: u16,
    /// VcNumber.
    pub vc_number: u16,
    /// SessionKey (the server's, from NEGOTIATE).
    pub session_key: u32,
    /// Capabilities ([`caps`]).
    pub capabilities: u32,
    /// SecurityBlob: the SPNEGO token.
    pub security_blob: &'a [u8],
    /// What follows the blob: alignment padding, NativeOS, NativeLanMan.
    pub strings: &'a [u8],
}

impl<'a> SessionSetupRequestRepr<'a> {
    /// Empty NativeOS and NativeLanMan in UTF-16 (two terminators).
    pub const EMPTY_STRINGS: [u8; 4] = [0; 4];

    /// Parses a request body (MS-SMB 2.2.4.6.1).
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let blocks = Blocks::parse(body)?;
        let w = blocks.expect_words(12)?;
        let blob_len = usize::from(get_u16(w, ssreq::BLOB_LENGTH));
        let security_blob = blocks.bytes.get(..blob_len).ok_or(Error::Malformed)?;
        Ok(SessionSetupRequestRepr {
            andx: AndX::parse(&w[ssreq::ANDX]),
            max_buffer_size: get_u16(w, ssreq::MAX_BUFFER),
            max_mpx_count: get_u16(w, ssreq::MAX_MPX),
            vc_number: get_u16(w, ssreq::VC_NUMBER),
            session_key: get_u32(w, ssreq::SESSION_KEY),
            capabilities: get_u32(w, ssreq::CAPABILITIES),
            security_blob,
            strings: &blocks.bytes[blob_len..],
        })
    }
    /// Writes the body (MS-SMB 2.2.4.6.1).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let mut w = [0u8; ssreq::WORDS];
        self.andx.emit(&mut w[ssreq::ANDX]);
        put(
            &mut w,
            ssreq::MAX_BUFFER,
            &self.max_buffer_size.to_le_bytes(),
        );
        put(&mut w, ssreq::MAX_MPX, &self.max_mpx_count.to_le_bytes());
        put(&mut w, ssreq::VC_NUMBER, &self.vc_number.to_le_bytes());
        put(&mut w, ssreq::SESSION_KEY, &self.session_key.to_le_bytes());
        let blob_len = u16::try_from(self.security_blob.len()).map_err(|_| Error::NoSpace)?;
        put(&mut w, ssreq::BLOB_LENGTH, &blob_len.to_le_bytes());
        put(&mut w, ssreq::RESERVED, &[0; 4]);
        put(
            &mut w,
            ssreq::CAPABILITIES,
            &self.capabilities.to_le_bytes(),
        );
        Blocks::emit(&w, &[self.security_blob, self.strings], out)
    }
}

mod ssresp {
    use super::Field;
    pub const ANDX: Field = 0..4;
    pub const ACTION: Field = 4..6;
    pub const BLOB_LENGTH: Field = 6..8;
    pub const WORDS: usize = 8;
}

/// Action bit: the session is a guest session (MS-CIFS 2.2.4.53.2).
pub const ACTION_GUEST: u16 = 0x0001;

/// A SESSION_SETUP_ANDX response with extended security, WordCount 4
/// (MS-SMB 2.2.4.6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSetupResponseRepr<'a> {
    /// AndX block.
    pub andx: AndX,
    /// Action ([`ACTION_GUEST`]).
    pub action: u16,
    /// SecurityBlob: the SPNEGO token.
    pub security_blob: &'a [u8],
    /// What follows the blob: padding, NativeOS, NativeLanMan, PrimaryDomain.
    pub strings: &'a [u8],
}

impl<'a> SessionSetupResponseRepr<'a> {
    /// Parses a response body (MS-SMB 2.2.4.6.2).
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let blocks = Blocks::parse(body)?;
        let w = blocks.expect_words(4)?;
        let blob_len = usize::from(get_u16(w, ssresp::BLOB_LENGTH));
        let security_blob = blocks.bytes.get(..blob_len).ok_or(Error::Malformed)?;
        Ok(SessionSetupResponseRepr {
            andx: AndX::parse(&w[ssresp::ANDX]),
            action: get_u16(w, ssresp::ACTION),
            security_blob,
            strings: &blocks.bytes[blob_len..],
        })
    }
    /// Writes the body (MS-SMB 2.2.4.6.2).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let mut w = [0u8; ssresp::WORDS];
        self.andx.emit(&mut w[ssresp::ANDX]);
        put(&mut w, ssresp::ACTION, &self.action.to_le_bytes());
        let blob_len = u16::try_from(self.security_blob.len()).map_err(|_| Error::NoSpace)?;
        put(&mut w, ssresp::BLOB_LENGTH, &blob_len.to_le_bytes());
        Blocks::emit(&w, &[self.security_blob, self.strings], out)
    }
}

// ---------------------------------------------------------------- TREE_CONNECT_ANDX

mod tcreq {
    use super::Field;
    pub const ANDX: Field = 0..4;
    pub const FLAGS: Field = 4..6;
    pub const PASSWORD_LENGTH: Field = 6..8;
    pub const WORDS: usize = 8;
}

/// Service string asking the server for the share's type (MS-CIFS 2.2.4.55.1).
pub const SERVICE_ANY: &[u8] = b"?????";

/// TREE_CONNECT_ANDX Flags: extended response (MS-SMB 2.2.4.7.1).
pub const TREE_CONNECT_EXTENDED_RESPONSE: u16 = 0x0008;
/// TREE_CONNECT_ANDX Flags: extended signatures (MS-SMB 2.2.4.7.1).
pub const TREE_CONNECT_EXTENDED_SIGNATURES: u16 = 0x0004;

/// A TREE_CONNECT_ANDX request, WordCount 4 (MS-CIFS 2.2.4.55.1,
/// MS-SMB 2.2.4.7.1). With Unicode the path is 2-aligned from the header
/// start; the probe sends a 1-byte password so that no pad is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeConnectRequestRepr<'a> {
    /// AndX block.
    pub andx: AndX,
    /// Flags.
    pub flags: u16,
    /// Password (a single NUL with user-level security).
    pub password: &'a [u8],
    /// Path `\\server\share` in UTF-16LE, without terminator.
    pub path: &'a [u8],
    /// Service, OEM, without terminator ([`SERVICE_ANY`]).
    pub service: &'a [u8],
}

impl<'a> TreeConnectRequestRepr<'a> {
    /// Parses a Unicode request body (MS-CIFS 2.2.4.55.1).
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let blocks = Blocks::parse(body)?;
        let w = blocks.expect_words(4)?;
        let pw_len = usize::from(get_u16(w, tcreq::PASSWORD_LENGTH));
        let password = blocks.bytes.get(..pw_len).ok_or(Error::Malformed)?;
        let pad = (blocks.bytes_offset + pw_len) % 2;
        let rest = blocks.bytes.get(pw_len + pad..).ok_or(Error::Malformed)?;
        let (rest, path) = parse_utf16(rest)?;
        let (_, service) = parse_oem(rest)?;
        Ok(TreeConnectRequestRepr {
            andx: AndX::parse(&w[tcreq::ANDX]),
            flags: get_u16(w, tcreq::FLAGS),
            password,
            path,
            service,
        })
    }
    /// Writes the body (MS-CIFS 2.2.4.55.1).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let mut w = [0u8; tcreq::WORDS];
        self.andx.emit(&mut w[tcreq::ANDX]);
        put(&mut w, tcreq::FLAGS, &self.flags.to_le_bytes());
        let pw_len = u16::try_from(self.password.len()).map_err(|_| Error::NoSpace)?;
        put(&mut w, tcreq::PASSWORD_LENGTH, &pw_len.to_le_bytes());
        let bytes_offset = HEADER_LEN + 3 + tcreq::WORDS;
        let pad: &[u8] = if (bytes_offset + self.password.len()) % 2 == 1 {
            &[0]
        } else {
            &[]
        };
        Blocks::emit(
            &w,
            &[self.password, pad, self.path, &[0, 0], self.service, &[0]],
            out,
        )
    }
}

mod tcresp {
    use super::Field;
    pub const ANDX: Field = 0..4;
    pub const OPTIONAL_SUPPORT: Field = 4..6;
    pub const MAXIMAL_ACCESS: Field = 6..10;
    pub const GUEST_MAXIMAL_ACCESS: Field = 10..14;
}

/// A TREE_CONNECT_ANDX response: WordCount 3 (MS-CIFS 2.2.4.55.2) or 7
/// with the access masks (MS-SMB 2.2.4.7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeConnectResponseRepr<'a> {
    /// AndX block.
    pub andx: AndX,
    /// OptionalSupport.
    pub optional_support: u16,
    /// MaximalShareAccessRights and GuestMaximalShareAccessRights (WordCount 7).
    pub access: Option<(u32, u32)>,
    /// Service, OEM, without terminator: `A:`, `LPT1:`, `IPC`, `COMM`.
    pub service: &'a [u8],
    /// NativeFileSystem and anything after the service, as sent.
    pub native_fs: &'a [u8],
}

impl<'a> TreeConnectResponseRepr<'a> {
    /// Parses a response body (MS-CIFS 2.2.4.55.2, MS-SMB 2.2.4.7.2).
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        let blocks = Blocks::parse(body)?;
        let w = blocks.words;
        let access = match blocks.word_count() {
            3 => None,
            7 => Some((
                get_u32(w, tcresp::MAXIMAL_ACCESS),
                get_u32(w, tcresp::GUEST_MAXIMAL_ACCESS),
            )),
            n => return Err(Error::BadWordCount(n)),
        };
        let (native_fs, service) = parse_oem(blocks.bytes)?;
        Ok(TreeConnectResponseRepr {
            andx: AndX::parse(&w[tcresp::ANDX]),
            optional_support: get_u16(w, tcresp::OPTIONAL_SUPPORT),
            access,
            service,
            native_fs,
        })
    }
    /// Writes the body (MS-CIFS 2.2.4.55.2, MS-SMB 2.2.4.7.2).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let mut w = [0u8; 14];
        self.andx.emit(&mut w[tcresp::ANDX]);
        put(
            &mut w,
            tcresp::OPTIONAL_SUPPORT,
            &self.optional_support.to_le_bytes(),
        );
        let words = match self.access {
            Some((m, g)) => {
                put(&mut w, tcresp::MAXIMAL_ACCESS, &m.to_le_bytes());
                put(&mut w, tcresp::GUEST_MAXIMAL_ACCESS, &g.to_le_bytes());
                &w[..14]
            }
            None => &w[..6],
        };
        Blocks::emit(words, &[self.service, &[0], self.native_fs], out)
    }
}

// ---------------------------------------------------------------- TREE_DISCONNECT, LOGOFF_ANDX

/// TREE_DISCONNECT request and response: no words, no bytes (MS-CIFS 2.2.4.51).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyRepr;

impl EmptyRepr {
    /// Parses an empty body (MS-CIFS 2.2.4.51).
    pub fn parse(body: &[u8]) -> Result<EmptyRepr> {
        let b = Blocks::parse(body)?;
        b.expect_words(0)?;
        Ok(EmptyRepr)
    }
    /// Writes WordCount 0, ByteCount 0.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        Blocks::emit(&[], &[], out)
    }
}

/// LOGOFF_ANDX request and response: the AndX block only (MS-CIFS 2.2.4.54).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogoffRepr {
    /// AndX block.
    pub andx: AndX,
}

impl LogoffRepr {
    /// Parses a body (MS-CIFS 2.2.4.54).
    pub fn parse(body: &[u8]) -> Result<LogoffRepr> {
        let b = Blocks::parse(body)?;
        let w = b.expect_words(2)?;
        Ok(LogoffRepr {
            andx: AndX::parse(w),
        })
    }
    /// Writes the body (MS-CIFS 2.2.4.54).
    pub fn emit(&self, out: &mut [u8]) -> Result<usize> {
        let mut w = [0u8; 4];
        self.andx.emit(&mut w);
        Blocks::emit(&w, &[], out)
    }
}

// ---------------------------------------------------------------- signing

/// SMB1 message signing (MS-CIFS 3.1.4.1): the first 8 bytes of
/// `MD5(MAC key ‖ message)` with SecuritySignature holding the sequence
/// number. With extended security the MAC key is the 16-byte session key
/// (MS-SMB 3.2.5.3).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SigningKey(pub [u8; 16]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("smb1::SigningKey(..)")
    }
}

impl SigningKey {
    /// The signature of `message` under sequence number `seq` (MS-CIFS 3.1.4.1).
    pub fn signature(&self, message: &[u8], seq: u32) -> Result<[u8; 8]> {
        let head = message.get(..HEADER_LEN).ok_or(Error::Truncated)?;
        let mut h = Md5::new();
        h.update(self.0);
        h.update(&head[..hfield::SECURITY_FEATURES.start]);
        h.update(u64::from(seq).to_le_bytes());
        h.update(&message[hfield::SECURITY_FEATURES.end..]);
        let d = h.finalize();
        let mut sig = [0u8; 8];
        sig.copy_from_slice(&d[..8]);
        Ok(sig)
    }
    /// Sets FLAGS2_SECURITY_SIGNATURE and writes the signature (MS-CIFS 3.1.4.1).
    pub fn sign(&self, message: &mut [u8], seq: u32) -> Result<()> {
        let head = message.get_mut(..HEADER_LEN).ok_or(Error::Truncated)?;
        let f2 = get_u16(head, hfield::FLAGS2) | flags2::SECURITY_SIGNATURE;
        put(head, hfield::FLAGS2, &f2.to_le_bytes());
        let sig = self.signature(message, seq)?;
        put(message, hfield::SECURITY_FEATURES, &sig);
        Ok(())
    }
    /// True when the message carries this key's signature for `seq` (MS-CIFS 3.1.5.1).
    pub fn verify(&self, message: &[u8], seq: u32) -> bool {
        match (
            self.signature(message, seq),
            message.get(hfield::SECURITY_FEATURES),
        ) {
            (Ok(s), Some(have)) => s == have,
            _ => false,
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // Fixtures: `tests/captures/smb1_guest.pcapng` (smbclient -N -m NT1
    // against Samba 4.17 with `server max protocol = NT1`) and
    // `tests/captures/smb1_to_smb2only.pcapng` (an NT LM 0.12-only
    // NEGOTIATE sent to a default, SMB2-only Samba 4.17).
    /// `smb1_guest.pcapng` frame 4 (NBSS header stripped).
    static NEG_REQ: [u8; 62] = [
        0xff, 0x53, 0x4d, 0x42, 0x72, 0x00, 0x00, 0x00, 0x00, 0x18, 0x43, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0xff, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x1b, 0x00, 0x02, 0x4e, 0x54, 0x20, 0x4c, 0x41, 0x4e, 0x4d, 0x41, 0x4e,
        0x20, 0x31, 0x2e, 0x30, 0x00, 0x02, 0x4e, 0x54, 0x20, 0x4c, 0x4d, 0x20, 0x30, 0x2e, 0x31,
        0x32, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 6 (NBSS header stripped).
    static NEG_RESP: [u8; 159] = [
        0xff, 0x53, 0x4d, 0x42, 0x72, 0x00, 0x00, 0x00, 0x00, 0x88, 0x43, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0xff, 0x00, 0x00,
        0x00, 0x00, 0x11, 0x00, 0x00, 0x03, 0x32, 0x00, 0x01, 0x00, 0x04, 0x41, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x00, 0xe0, 0x18, 0x00, 0x00, 0xfd, 0xf3, 0x80, 0x80, 0xb2, 0x0e, 0xdf, 0xec,
        0x96, 0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x5a, 0x00, 0x76, 0x6d, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x48, 0x06, 0x06, 0x2b,
        0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a,
        0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0,
        0x26, 0x1b, 0x24, 0x6e, 0x6f, 0x74, 0x5f, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x65, 0x64, 0x5f,
        0x69, 0x6e, 0x5f, 0x52, 0x46, 0x43, 0x34, 0x31, 0x37, 0x38, 0x40, 0x70, 0x6c, 0x65, 0x61,
        0x73, 0x65, 0x5f, 0x69, 0x67, 0x6e, 0x6f, 0x72, 0x65,
    ];
    /// `smb1_to_smb2only.pcapng` frame 6 (NBSS header stripped).
    static NEG_RESP_NONE: [u8; 37] = [
        0xff, 0x53, 0x4d, 0x42, 0x72, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0xc0, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0xff, 0x00, 0x00,
        0x00, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 8 (NBSS header stripped).
    static SESS_REQ1: [u8; 156] = [
        0xff, 0x53, 0x4d, 0x42, 0x73, 0x00, 0x00, 0x00, 0x00, 0x18, 0x43, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0x18, 0x00, 0x00,
        0x01, 0x00, 0x0c, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0xc0, 0x00, 0x80, 0x61, 0x00, 0x60,
        0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e,
        0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2,
        0x2a, 0x04, 0x28, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x15, 0x82, 0x08, 0x62, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x28, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x00, 0x55,
        0x00, 0x6e, 0x00, 0x69, 0x00, 0x78, 0x00, 0x00, 0x00, 0x53, 0x00, 0x61, 0x00, 0x6d, 0x00,
        0x62, 0x00, 0x61, 0x00, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 9 (NBSS header stripped).
    static SESS_RESP1: [u8; 258] = [
        0xff, 0x53, 0x4d, 0x42, 0x73, 0x16, 0x00, 0x00, 0xc0, 0x88, 0x03, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0x18, 0xc7, 0x79,
        0x01, 0x00, 0x04, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x84, 0x00, 0xd7, 0x00, 0xa1, 0x81,
        0x81, 0x30, 0x7f, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0xa1, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01,
        0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x6a, 0x04, 0x68, 0x4e, 0x54, 0x4c, 0x4d,
        0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x38, 0x00, 0x00,
        0x00, 0x15, 0x82, 0x8a, 0x62, 0x5c, 0xcd, 0x23, 0xf8, 0xcb, 0x4f, 0xc7, 0xe1, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x2c, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x06,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x56, 0x00, 0x4d, 0x00, 0x02, 0x00, 0x04, 0x00,
        0x56, 0x00, 0x4d, 0x00, 0x01, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x04, 0x00, 0x00,
        0x00, 0x03, 0x00, 0x04, 0x00, 0x76, 0x00, 0x6d, 0x00, 0x07, 0x00, 0x08, 0x00, 0x04, 0x44,
        0xe0, 0xec, 0x96, 0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x57, 0x00, 0x69, 0x00,
        0x6e, 0x00, 0x64, 0x00, 0x6f, 0x00, 0x77, 0x00, 0x73, 0x00, 0x20, 0x00, 0x36, 0x00, 0x2e,
        0x00, 0x31, 0x00, 0x00, 0x00, 0x53, 0x00, 0x61, 0x00, 0x6d, 0x00, 0x62, 0x00, 0x61, 0x00,
        0x20, 0x00, 0x34, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x32,
        0x00, 0x2d, 0x00, 0x44, 0x00, 0x65, 0x00, 0x62, 0x00, 0x69, 0x00, 0x61, 0x00, 0x6e, 0x00,
        0x00, 0x00, 0x54, 0x00, 0x45, 0x00, 0x53, 0x00, 0x54, 0x00, 0x47, 0x00, 0x52, 0x00, 0x50,
        0x00, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 10 (NBSS header stripped).
    static SESS_REQ2: [u8; 248] = [
        0xff, 0x53, 0x4d, 0x42, 0x73, 0x00, 0x00, 0x00, 0x00, 0x18, 0x43, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0x18, 0xc7, 0x79,
        0x02, 0x00, 0x0c, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0xa6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0xc0, 0x00, 0x80, 0xbd, 0x00, 0xa1,
        0x81, 0xa3, 0x30, 0x81, 0xa0, 0xa2, 0x81, 0x89, 0x04, 0x81, 0x86, 0x4e, 0x54, 0x4c, 0x4d,
        0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x12, 0x00, 0x12, 0x00, 0x58, 0x00,
        0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x6a, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x72,
        0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x76, 0x00, 0x00, 0x00, 0x15, 0x82, 0x00, 0x62,
        0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x5f, 0x60, 0x60, 0x35, 0x7b, 0x23, 0x3d,
        0x7b, 0x4f, 0x29, 0x19, 0x04, 0x40, 0x47, 0x00, 0xca, 0x57, 0x00, 0x4f, 0x00, 0x52, 0x00,
        0x4b, 0x00, 0x47, 0x00, 0x52, 0x00, 0x4f, 0x00, 0x55, 0x00, 0x50, 0x00, 0x72, 0x00, 0x6f,
        0x00, 0x6f, 0x00, 0x74, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x9f, 0xef, 0xf6, 0xf0, 0x33, 0x51,
        0xd9, 0x44, 0xd8, 0xe9, 0x75, 0xcb, 0x0e, 0x4a, 0x03, 0x9d, 0xa3, 0x12, 0x04, 0x10, 0x01,
        0x00, 0x00, 0x00, 0x78, 0x74, 0x70, 0x7f, 0x52, 0xcc, 0x1a, 0x93, 0x5c, 0xec, 0x71, 0xd4,
        0x00, 0x55, 0x00, 0x6e, 0x00, 0x69, 0x00, 0x78, 0x00, 0x00, 0x00, 0x53, 0x00, 0x61, 0x00,
        0x6d, 0x00, 0x62, 0x00, 0x61, 0x00, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 11 (NBSS header stripped).
    static SESS_RESP2: [u8; 134] = [
        0xff, 0x53, 0x4d, 0x42, 0x73, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xde, 0x18, 0xc7, 0x79,
        0x02, 0x00, 0x04, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x09, 0x00, 0x5b, 0x00, 0xa1, 0x07,
        0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0x57, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x64, 0x00,
        0x6f, 0x00, 0x77, 0x00, 0x73, 0x00, 0x20, 0x00, 0x36, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x00,
        0x00, 0x53, 0x00, 0x61, 0x00, 0x6d, 0x00, 0x62, 0x00, 0x61, 0x00, 0x20, 0x00, 0x34, 0x00,
        0x2e, 0x00, 0x31, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x32, 0x00, 0x2d, 0x00, 0x44,
        0x00, 0x65, 0x00, 0x62, 0x00, 0x69, 0x00, 0x61, 0x00, 0x6e, 0x00, 0x00, 0x00, 0x54, 0x00,
        0x45, 0x00, 0x53, 0x00, 0x54, 0x00, 0x47, 0x00, 0x52, 0x00, 0x50, 0x00, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 18 (NBSS header stripped).
    static TCON_REQ: [u8; 82] = [
        0xff, 0x53, 0x4d, 0x42, 0x75, 0x00, 0x00, 0x00, 0x00, 0x18, 0x43, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xde, 0x18, 0xc7, 0x79,
        0x06, 0x00, 0x04, 0xff, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x27, 0x00, 0x00, 0x5c,
        0x00, 0x5c, 0x00, 0x31, 0x00, 0x32, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00,
        0x30, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x5c, 0x00, 0x50, 0x00, 0x55, 0x00, 0x42, 0x00, 0x00,
        0x00, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 19 (NBSS header stripped).
    static TCON_RESP: [u8; 62] = [
        0xff, 0x53, 0x4d, 0x42, 0x75, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe2, 0x97, 0xde, 0x18, 0xc7, 0x79,
        0x06, 0x00, 0x07, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0xff, 0x01, 0x1f, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x0d, 0x00, 0x41, 0x3a, 0x00, 0x4e, 0x00, 0x54, 0x00, 0x46, 0x00, 0x53, 0x00,
        0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 13 (NBSS header stripped).
    static TCON_RESP_IPC: [u8; 56] = [
        0xff, 0x53, 0x4d, 0x42, 0x75, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd9, 0x9b, 0xde, 0x18, 0xc7, 0x79,
        0x03, 0x00, 0x07, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00, 0xff, 0x01,
        0x00, 0x00, 0x07, 0x00, 0x49, 0x50, 0x43, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 24 (NBSS header stripped).
    static TDIS_REQ: [u8; 35] = [
        0xff, 0x53, 0x4d, 0x42, 0x71, 0x00, 0x00, 0x00, 0x00, 0x18, 0x43, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe2, 0x97, 0xde, 0x18, 0xc7, 0x79,
        0x09, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb1_guest.pcapng` frame 25 (NBSS header stripped).
    static TDIS_RESP: [u8; 35] = [
        0xff, 0x53, 0x4d, 0x42, 0x71, 0x00, 0x00, 0x00, 0x00, 0x88, 0x03, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe2, 0x97, 0xde, 0x18, 0xc7, 0x79,
        0x09, 0x00, 0x00, 0x00, 0x00,
    ];

    fn body(m: &[u8]) -> &[u8] {
        &m[HEADER_LEN..]
    }

    fn parse_all(m: &[u8]) -> Result<()> {
        let h = HeaderRepr::parse(&Header::new_checked(m)?)?;
        let b = &m[HEADER_LEN..];
        match (h.command, h.is_reply()) {
            (Command::Negotiate, false) => NegotiateRequestRepr::parse(b).map(|_| ()),
            (Command::Negotiate, true) => NegotiateResponseRepr::parse(b).map(|_| ()),
            (Command::SessionSetupAndx, false) => SessionSetupRequestRepr::parse(b).map(|_| ()),
            (Command::SessionSetupAndx, true) => SessionSetupResponseRepr::parse(b).map(|_| ()),
            (Command::TreeConnectAndx, false) => TreeConnectRequestRepr::parse(b).map(|_| ()),
            (Command::TreeConnectAndx, true) => TreeConnectResponseRepr::parse(b).map(|_| ()),
            (Command::LogoffAndx, _) => LogoffRepr::parse(b).map(|_| ()),
            _ => EmptyRepr::parse(b).map(|_| ()),
        }
    }

    const ALL: [&[u8]; 12] = [
        &NEG_REQ,
        &NEG_RESP,
        &NEG_RESP_NONE,
        &SESS_REQ1,
        &SESS_RESP1,
        &SESS_REQ2,
        &SESS_RESP2,
        &TCON_REQ,
        &TCON_RESP,
        &TCON_RESP_IPC,
        &TDIS_REQ,
        &TDIS_RESP,
    ];

    #[test]
    fn every_fixture_parses_and_every_truncation_fails() {
        for m in ALL {
            parse_all(m).unwrap();
            for n in 0..m.len() {
                assert!(parse_all(&m[..n]).is_err(), "prefix {n} of {}", m.len());
            }
        }
    }

    #[test]
    fn header_read_and_emit() {
        for m in ALL {
            let h = HeaderRepr::parse(&Header::new_checked(m).unwrap()).unwrap();
            let mut buf = [0xa5u8; HEADER_LEN];
            h.emit(&mut Header::new_unchecked(&mut buf[..]));
            assert_eq!(&buf[..], &m[..HEADER_LEN]);
        }
        let h = HeaderRepr::parse(&Header::new_checked(&SESS_RESP1[..]).unwrap()).unwrap();
        assert_eq!(h.status, NtStatus::MoreProcessingRequired);
        assert!(h.is_reply());
        assert_ne!(h.uid, 0);
    }

    #[test]
    fn negotiate_read_and_emit() {
        let r = NegotiateRequestRepr::parse(body(&NEG_REQ)).unwrap();
        let names: heapless::Vec<&[u8], 4> = r.iter().map(|d| d.unwrap()).collect();
        assert_eq!(&names[..], &[&b"NT LANMAN 1.0"[..], NT_LM_012]);
        let mut buf = [0xa5u8; 64];
        let n = r.emit(&mut buf).unwrap();
        assert_eq!(&buf[..n], body(&NEG_REQ));
        let n = NegotiateRequestRepr::NT_LM_012_ONLY.emit(&mut buf).unwrap();
        assert_eq!(
            NegotiateRequestRepr::parse(&buf[..n])
                .unwrap()
                .iter()
                .count(),
            1
        );

        let r = NegotiateResponseRepr::parse(body(&NEG_RESP)).unwrap();
        let p = r.params.unwrap();
        assert_eq!(r.dialect_index, 0);
        assert_ne!(p.capabilities & caps::EXTENDED_SECURITY, 0);
        assert_eq!(p.security_blob[0], 0x60);
        let mut buf = [0xa5u8; 256];
        let n = r.emit(&mut buf).unwrap();
        assert_eq!(&buf[..n], body(&NEG_RESP));

        let none = NegotiateResponseRepr::parse(body(&NEG_RESP_NONE)).unwrap();
        assert_eq!(
            none,
            NegotiateResponseRepr {
                dialect_index: NO_DIALECT,
                params: None
            }
        );
        let n = none.emit(&mut buf).unwrap();
        assert_eq!(&buf[..n], body(&NEG_RESP_NONE));
    }

    #[test]
    fn session_setup_read_and_emit() {
        for m in [&SESS_REQ1[..], &SESS_REQ2[..]] {
            let r = SessionSetupRequestRepr::parse(body(m)).unwrap();
            assert_eq!(r.andx, AndX::NONE);
            let mut buf = [0xa5u8; 300];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..n], body(m));
        }
        for m in [&SESS_RESP1[..], &SESS_RESP2[..]] {
            let r = SessionSetupResponseRepr::parse(body(m)).unwrap();
            let mut buf = [0xa5u8; 300];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..n], body(m));
        }
        let r = SessionSetupResponseRepr::parse(body(&SESS_RESP2)).unwrap();
        assert_eq!(r.action & ACTION_GUEST, ACTION_GUEST);
    }

    #[test]
    fn tree_connect_read_and_emit() {
        let r = TreeConnectRequestRepr::parse(body(&TCON_REQ)).unwrap();
        let mut path = [0u8; 64];
        let n =
            crate::wire::utf16le("\\\\127.0.0.1\\PUB", crate::wire::Case::AsIs, &mut path).unwrap();
        assert_eq!(r.path, &path[..n]);
        assert_eq!(r.service, SERVICE_ANY);
        let mut buf = [0xa5u8; 128];
        let n = r.emit(&mut buf).unwrap();
        assert_eq!(&buf[..n], body(&TCON_REQ));

        let r = TreeConnectResponseRepr::parse(body(&TCON_RESP)).unwrap();
        assert_eq!(r.service, b"A:");
        assert!(r.access.is_some());
        let n = r.emit(&mut buf).unwrap();
        assert_eq!(&buf[..n], body(&TCON_RESP));
        let ipc = TreeConnectResponseRepr::parse(body(&TCON_RESP_IPC)).unwrap();
        assert_eq!(ipc.service, b"IPC");
    }

    #[test]
    fn empty_bodies() {
        for m in [&TDIS_REQ[..], &TDIS_RESP[..]] {
            EmptyRepr::parse(body(m)).unwrap();
            let mut buf = [0xa5u8; 3];
            EmptyRepr.emit(&mut buf).unwrap();
            assert_eq!(&buf[..], body(m));
        }
        let mut buf = [0xa5u8; 7];
        LogoffRepr { andx: AndX::NONE }.emit(&mut buf).unwrap();
        assert_eq!(LogoffRepr::parse(&buf).unwrap().andx, AndX::NONE);
    }

    #[test]
    fn signing_round_trip() {
        let key = SigningKey([7; 16]);
        let mut m = TDIS_REQ;
        key.sign(&mut m, 4).unwrap();
        assert!(key.verify(&m, 4));
        assert!(!key.verify(&m, 5));
        assert!(!SigningKey([8; 16]).verify(&m, 4));
    }

    // `tests/captures/probe_smb1_signed.pcapng`: this crate's probe (user
    // smbtest, password "pw") against Samba 4.17 with `server max protocol
    // = NT1` and `server signing = mandatory`. F18 is the SESSION_SETUP_ANDX
    // with the AUTHENTICATE; F20..F25 are TREE_CONNECT, TREE_DISCONNECT and
    // LOGOFF requests and replies, signed with sequence numbers 2..7.
    /// `probe_smb1_signed.pcapng` frame 18 (NBSS header stripped).
    static SIGNED_F18: [u8; 286] = [
        0xff, 0x53, 0x4d, 0x42, 0x73, 0x00, 0x00, 0x00, 0x00, 0x18, 0x41, 0xc8, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x82, 0x62, 0xf9, 0x34,
        0x03, 0x00, 0x0c, 0xff, 0x00, 0x00, 0x00, 0xff, 0xff, 0x32, 0x00, 0x01, 0x00, 0x84, 0x62,
        0x00, 0x00, 0xde, 0x00, 0x00, 0x00, 0x00, 0x00, 0x5c, 0x00, 0x00, 0x80, 0xe3, 0x00, 0xa1,
        0x81, 0xdb, 0x30, 0x81, 0xd8, 0xa2, 0x81, 0xd5, 0x04, 0x81, 0xd2, 0x4e, 0x54, 0x4c, 0x4d,
        0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00, 0x18, 0x00, 0x18, 0x00, 0x40, 0x00, 0x00,
        0x00, 0x5c, 0x00, 0x5c, 0x00, 0x58, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0xb4, 0x00,
        0x00, 0x00, 0x0e, 0x00, 0x0e, 0x00, 0xb8, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0xc6,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd2, 0x00, 0x00, 0x00, 0x15, 0x82, 0x88, 0xa0,
        0xd3, 0x14, 0xa5, 0xfb, 0x0b, 0x07, 0xb0, 0xf9, 0xc1, 0x1b, 0x6f, 0xaa, 0xf1, 0x78, 0x13,
        0x36, 0xab, 0x6a, 0xa8, 0x50, 0x7e, 0x1b, 0xa0, 0x09, 0x57, 0x21, 0x02, 0x07, 0xa4, 0xb7,
        0xbc, 0xd4, 0x15, 0x27, 0xea, 0x6e, 0x07, 0xf7, 0x9c, 0x5f, 0x01, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x44, 0xc8, 0xb9, 0x0c, 0x98, 0x79, 0xdd, 0x01, 0xab, 0x6a, 0xa8, 0x50,
        0x7e, 0x1b, 0xa0, 0x09, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d,
        0x00, 0x01, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00,
        0x04, 0x00, 0x76, 0x00, 0x6d, 0x00, 0x07, 0x00, 0x08, 0x00, 0x44, 0xc8, 0xb9, 0x0c, 0x98,
        0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x56, 0x00, 0x4d, 0x00,
        0x73, 0x00, 0x6d, 0x00, 0x62, 0x00, 0x74, 0x00, 0x65, 0x00, 0x73, 0x00, 0x74, 0x00, 0x4d,
        0x00, 0x41, 0x00, 0x4d, 0x00, 0x4f, 0x00, 0x52, 0x00, 0x49, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00,
    ];
    /// `probe_smb1_signed.pcapng` frame 20 (NBSS header stripped).
    static SIGNED_F20: [u8; 90] = [
        0xff, 0x53, 0x4d, 0x42, 0x75, 0x00, 0x00, 0x00, 0x00, 0x18, 0x45, 0xc8, 0x00, 0x00, 0x68,
        0xa9, 0xfb, 0x52, 0xa5, 0xda, 0x85, 0x62, 0x00, 0x00, 0x00, 0x00, 0x82, 0x62, 0xf9, 0x34,
        0x04, 0x00, 0x04, 0xff, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x00, 0x2f, 0x00, 0x00, 0x5c,
        0x00, 0x5c, 0x00, 0x31, 0x00, 0x32, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00,
        0x30, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x5c, 0x00, 0x70, 0x00, 0x72, 0x00, 0x69, 0x00, 0x76,
        0x00, 0x61, 0x00, 0x74, 0x00, 0x65, 0x00, 0x00, 0x00, 0x3f, 0x3f, 0x3f, 0x3f, 0x3f, 0x00,
    ];
    /// `probe_smb1_signed.pcapng` frame 21 (NBSS header stripped).
    static SIGNED_F21: [u8; 62] = [
        0xff, 0x53, 0x4d, 0x42, 0x75, 0x00, 0x00, 0x00, 0x00, 0x88, 0x07, 0xc8, 0x00, 0x00, 0xaf,
        0x05, 0xbe, 0xb9, 0x16, 0xea, 0xdd, 0x25, 0x00, 0x00, 0x92, 0x63, 0x82, 0x62, 0xf9, 0x34,
        0x04, 0x00, 0x07, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0xa9, 0x00, 0x1f, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x0d, 0x00, 0x41, 0x3a, 0x00, 0x4e, 0x00, 0x54, 0x00, 0x46, 0x00, 0x53, 0x00,
        0x00, 0x00,
    ];
    /// `probe_smb1_signed.pcapng` frame 22 (NBSS header stripped).
    static SIGNED_F22: [u8; 35] = [
        0xff, 0x53, 0x4d, 0x42, 0x71, 0x00, 0x00, 0x00, 0x00, 0x18, 0x45, 0xc8, 0x00, 0x00, 0x69,
        0xf1, 0x2e, 0xbe, 0xfa, 0x96, 0xfd, 0x7a, 0x00, 0x00, 0x92, 0x63, 0x82, 0x62, 0xf9, 0x34,
        0x05, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `probe_smb1_signed.pcapng` frame 23 (NBSS header stripped).
    static SIGNED_F23: [u8; 35] = [
        0xff, 0x53, 0x4d, 0x42, 0x71, 0x00, 0x00, 0x00, 0x00, 0x88, 0x07, 0xc8, 0x00, 0x00, 0x80,
        0xe2, 0xd8, 0xaa, 0xd9, 0x38, 0x37, 0x06, 0x00, 0x00, 0x92, 0x63, 0x82, 0x62, 0xf9, 0x34,
        0x05, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `probe_smb1_signed.pcapng` frame 24 (NBSS header stripped).
    static SIGNED_F24: [u8; 39] = [
        0xff, 0x53, 0x4d, 0x42, 0x74, 0x00, 0x00, 0x00, 0x00, 0x18, 0x45, 0xc8, 0x00, 0x00, 0x19,
        0xe3, 0xe2, 0x85, 0x6d, 0x5f, 0x8d, 0x98, 0x00, 0x00, 0x00, 0x00, 0x82, 0x62, 0xf9, 0x34,
        0x06, 0x00, 0x02, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `probe_smb1_signed.pcapng` frame 25 (NBSS header stripped).
    static SIGNED_F25: [u8; 39] = [
        0xff, 0x53, 0x4d, 0x42, 0x74, 0x00, 0x00, 0x00, 0x00, 0x88, 0x07, 0xc8, 0x00, 0x00, 0x37,
        0xe8, 0x04, 0x87, 0x2b, 0x01, 0x83, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x82, 0x62, 0xf9, 0x34,
        0x06, 0x00, 0x02, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn signed_session_from_capture() {
        use crate::wire::ntlmssp::{self, AuthenticateMessage, AuthenticateRepr};
        use crate::wire::spnego::NegTokenRespRepr;
        let r = SessionSetupRequestRepr::parse(body(&SIGNED_F18)).unwrap();
        let token = NegTokenRespRepr::parse(r.security_blob)
            .unwrap()
            .response_token
            .unwrap();
        let a = AuthenticateRepr::parse(&AuthenticateMessage::new_checked(token).unwrap()).unwrap();
        let mut upper = [0u8; 32];
        let n = crate::wire::utf16le("SMBTEST", crate::wire::Case::AsIs, &mut upper).unwrap();
        let rk = ntlmssp::nt_owf_v2_le(&ntlmssp::nt_hash(b"pw"), &upper[..n], a.domain);
        let key = SigningKey(ntlmssp::session_base_key(&rk, &a.nt_response[..16]));
        let msgs: [&[u8]; 6] = [
            &SIGNED_F20,
            &SIGNED_F21,
            &SIGNED_F22,
            &SIGNED_F23,
            &SIGNED_F24,
            &SIGNED_F25,
        ];
        for (seq, m) in (2u32..).zip(msgs) {
            assert!(key.verify(m, seq), "seq {seq}");
            assert!(!key.verify(m, seq + 1));
        }
        // Logoff request and reply parse; the reply round-trips.
        assert_eq!(
            LogoffRepr::parse(body(&SIGNED_F24)).unwrap().andx,
            AndX::NONE
        );
        let l = LogoffRepr::parse(body(&SIGNED_F25)).unwrap();
        let mut buf = [0xa5u8; 7];
        l.emit(&mut buf).unwrap();
        assert_eq!(&buf[..], body(&SIGNED_F25));
        for n in 0..SIGNED_F25.len() {
            assert!(parse_all(&SIGNED_F25[..n]).is_err());
        }
    }
}
