//! SMB 2 and 3 messages a share check needs (MS-SMB2 2.2): the sync/async
//! header (2.2.1), ERROR (2.2.2), NEGOTIATE (2.2.3, 2.2.4) with its
//! negotiate contexts (2.2.3.1), SESSION_SETUP (2.2.5, 2.2.6), LOGOFF
//! (2.2.7, 2.2.8), TREE_CONNECT (2.2.9, 2.2.10) and TREE_DISCONNECT
//! (2.2.11, 2.2.12).
//!
//! Body views wrap the bytes after the 64-byte header; buffer offsets in
//! the messages count from the start of the header, so the views subtract
//! [`HEADER_LEN`] and check every offset against the body they hold.

use core::fmt;

use super::ntstatus::NtStatus;

use super::Field;
use super::le::{get_u16, get_u32, get_u64, put};

/// Length of the SMB2 header (MS-SMB2 2.2.1).
pub const HEADER_LEN: usize = 64;
/// ProtocolId of every SMB2 message: 0xFE 'S' 'M' 'B' (MS-SMB2 2.2.1).
pub const PROTOCOL_ID: [u8; 4] = [0xFE, b'S', b'M', b'B'];
/// ProtocolId of an SMB2 TRANSFORM_HEADER (encrypted message, MS-SMB2 2.2.41).
pub const TRANSFORM_PROTOCOL_ID: [u8; 4] = [0xFD, b'S', b'M', b'B'];

/// Errors of the SMB2 codec (MS-SMB2 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer ends before the structure does.
    Truncated,
    /// ProtocolId is not 0xFE 'S' 'M' 'B' (MS-SMB2 2.2.1).
    BadProtocolId,
    /// StructureSize differs from the one the spec fixes.
    BadStructureSize(u16),
    /// An offset/length pair points outside the message.
    BadOffset,
    /// The output buffer is too small, or a list has too many items.
    NoSpace,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated SMB2 message"),
            Error::BadProtocolId => f.write_str("not an SMB2 message"),
            Error::BadStructureSize(s) => write!(f, "unexpected SMB2 StructureSize {s}"),
            Error::BadOffset => f.write_str("SMB2 buffer offset out of range"),
            Error::NoSpace => f.write_str("SMB2 output buffer too small"),
        }
    }
}

type Result<T> = core::result::Result<T, Error>;

/// The slice `off..off+len` of a body whose first byte sits at message
/// offset [`HEADER_LEN`]; an empty buffer may carry any offset.
fn body_slice(body: &[u8], off: usize, len: usize) -> Result<&[u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    let start = off.checked_sub(HEADER_LEN).ok_or(Error::BadOffset)?;
    let end = start.checked_add(len).ok_or(Error::BadOffset)?;
    body.get(start..end).ok_or(Error::BadOffset)
}

/// The buffer named by an offset field and a length field of `b`.
fn buffer_at(b: &[u8], off: Field, len: Field) -> Result<&[u8]> {
    let fixed = b.get(..len.end.max(off.end)).ok_or(Error::Truncated)?;
    body_slice(
        b,
        usize::from(get_u16(fixed, off)),
        usize::from(get_u16(fixed, len)),
    )
}

/// Checks the StructureSize field at body offset 0..2.
fn check_structure(body: &[u8], fixed: usize, size: u16) -> Result<()> {
    let b = body.get(..fixed).ok_or(Error::Truncated)?;
    match get_u16(b, 0..2) {
        s if s == size => Ok(()),
        s => Err(Error::BadStructureSize(s)),
    }
}

crate::enum_with_unknown! {
    /// SMB2 command codes (MS-SMB2 2.2.1.2).
    pub enum Command(u16) {
        /// SMB2 NEGOTIATE.
        Negotiate = 0x0000,
        /// SMB2 SESSION_SETUP.
        SessionSetup = 0x0001,
        /// SMB2 LOGOFF.
        Logoff = 0x0002,
        /// SMB2 TREE_CONNECT.
        TreeConnect = 0x0003,
        /// SMB2 TREE_DISCONNECT.
        TreeDisconnect = 0x0004,
        /// SMB2 CREATE.
        Create = 0x0005,
        /// SMB2 CLOSE.
        Close = 0x0006,
        /// SMB2 IOCTL.
        Ioctl = 0x000B,
        /// SMB2 ECHO.
        Echo = 0x000D,
    }
}

crate::enum_with_unknown! {
    /// Dialect revisions (MS-SMB2 2.2.3, 2.2.4).
    pub enum Dialect(u16) {
        /// SMB 2.0.2.
        Smb202 = 0x0202,
        /// SMB 2.1.
        Smb210 = 0x0210,
        /// SMB 3.0.
        Smb300 = 0x0300,
        /// SMB 3.0.2.
        Smb302 = 0x0302,
        /// SMB 3.1.1.
        Smb311 = 0x0311,
        /// SMB2 wildcard revision, the answer to an SMB1 multi-protocol
        /// negotiate (MS-SMB2 2.2.4).
        Wildcard = 0x02FF,
    }
}

/// The dialects a client offers, in the order MS-SMB2 3.2.4.2.2.2 lists them.
pub const OFFERED_DIALECTS: [Dialect; 5] = [
    Dialect::Smb202,
    Dialect::Smb210,
    Dialect::Smb300,
    Dialect::Smb302,
    Dialect::Smb311,
];

crate::enum_with_unknown! {
    /// ShareType of a TREE_CONNECT response (MS-SMB2 2.2.10).
    pub enum ShareType(u8) {
        /// SMB2_SHARE_TYPE_DISK.
        Disk = 0x01,
        /// SMB2_SHARE_TYPE_PIPE.
        Pipe = 0x02,
        /// SMB2_SHARE_TYPE_PRINT.
        Print = 0x03,
    }
}

crate::enum_with_unknown! {
    /// Negotiate context types (MS-SMB2 2.2.3.1).
    pub enum ContextType(u16) {
        /// SMB2_PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1).
        PreauthIntegrity = 0x0001,
        /// SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2).
        Encryption = 0x0002,
        /// SMB2_COMPRESSION_CAPABILITIES (2.2.3.1.3).
        Compression = 0x0003,
        /// SMB2_NETNAME_NEGOTIATE_CONTEXT_ID (2.2.3.1.4).
        NetName = 0x0005,
        /// SMB2_TRANSPORT_CAPABILITIES (2.2.3.1.5).
        Transport = 0x0006,
        /// SMB2_RDMA_TRANSFORM_CAPABILITIES (2.2.3.1.6).
        RdmaTransform = 0x0007,
        /// SMB2_SIGNING_CAPABILITIES (2.2.3.1.7).
        Signing = 0x0008,
    }
}

crate::enum_with_unknown! {
    /// Preauth integrity hash algorithms (MS-SMB2 2.2.3.1.1).
    pub enum HashAlgorithm(u16) {
        /// SHA-512.
        Sha512 = 0x0001,
    }
}

crate::enum_with_unknown! {
    /// Encryption ciphers (MS-SMB2 2.2.3.1.2).
    pub enum Cipher(u16) {
        /// AES-128-CCM.
        Aes128Ccm = 0x0001,
        /// AES-128-GCM.
        Aes128Gcm = 0x0002,
        /// AES-256-CCM.
        Aes256Ccm = 0x0003,
        /// AES-256-GCM.
        Aes256Gcm = 0x0004,
    }
}

crate::enum_with_unknown! {
    /// Signing algorithms (MS-SMB2 2.2.3.1.7).
    pub enum SigningAlgorithm(u16) {
        /// HMAC-SHA256.
        HmacSha256 = 0x0000,
        /// AES-CMAC.
        AesCmac = 0x0001,
        /// AES-GMAC.
        AesGmac = 0x0002,
    }
}

/// Header Flags bits (MS-SMB2 2.2.1.2).
pub mod flags {
    /// SMB2_FLAGS_SERVER_TO_REDIR: the message is a response.
    pub const SERVER_TO_REDIR: u32 = 0x0000_0001;
    /// SMB2_FLAGS_ASYNC_COMMAND: the header is the async form (2.2.1.1).
    pub const ASYNC_COMMAND: u32 = 0x0000_0002;
    /// SMB2_FLAGS_RELATED_OPERATIONS.
    pub const RELATED_OPERATIONS: u32 = 0x0000_0004;
    /// SMB2_FLAGS_SIGNED: Signature holds a valid signature.
    pub const SIGNED: u32 = 0x0000_0008;
}

/// SecurityMode bits of NEGOTIATE (MS-SMB2 2.2.3, 2.2.4).
pub mod security_mode {
    /// SMB2_NEGOTIATE_SIGNING_ENABLED.
    pub const SIGNING_ENABLED: u16 = 0x0001;
    /// SMB2_NEGOTIATE_SIGNING_REQUIRED.
    pub const SIGNING_REQUIRED: u16 = 0x0002;
}

/// SessionFlags bits of a SESSION_SETUP response (MS-SMB2 2.2.6).
pub mod session_flags {
    /// SMB2_SESSION_FLAG_IS_GUEST.
    pub const IS_GUEST: u16 = 0x0001;
    /// SMB2_SESSION_FLAG_IS_NULL (anonymous).
    pub const IS_NULL: u16 = 0x0002;
    /// SMB2_SESSION_FLAG_ENCRYPT_DATA.
    pub const ENCRYPT_DATA: u16 = 0x0004;
}

/// Capabilities bits of NEGOTIATE (MS-SMB2 2.2.3, 2.2.4).
pub mod capabilities {
    /// SMB2_GLOBAL_CAP_ENCRYPTION: 3.0/3.0.2 encryption (3.1.1 uses the
    /// ENCRYPTION_CAPABILITIES context instead).
    pub const ENCRYPTION: u32 = 0x0000_0040;
}

/// ShareFlags bits of a TREE_CONNECT response (MS-SMB2 2.2.10).
pub mod share_flags {
    /// SMB2_SHAREFLAG_ENCRYPT_DATA.
    pub const ENCRYPT_DATA: u32 = 0x0000_8000;
}

// ---------------------------------------------------------------- header

mod hfield {
    use super::Field;
    pub const PROTOCOL_ID: Field = 0..4;
    pub const STRUCTURE_SIZE: Field = 4..6;
    pub const CREDIT_CHARGE: Field = 6..8;
    /// Status in responses; ChannelSequence/Reserved in requests.
    pub const STATUS: Field = 8..12;
    pub const COMMAND: Field = 12..14;
    /// CreditRequest / CreditResponse.
    pub const CREDIT: Field = 14..16;
    pub const FLAGS: Field = 16..20;
    pub const NEXT_COMMAND: Field = 20..24;
    pub const MESSAGE_ID: Field = 24..32;
    /// Sync: Reserved (32..36) and TreeId (36..40); async: AsyncId (32..40).
    pub const RESERVED: Field = 32..36;
    pub const TREE_ID: Field = 36..40;
    pub const ASYNC_ID: Field = 32..40;
    pub const SESSION_ID: Field = 40..48;
    pub const SIGNATURE: Field = 48..64;
}

/// A view of the SMB2 packet header (MS-SMB2 2.2.1.1 async, 2.2.1.2 sync).
#[derive(Debug, Clone, Copy)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checks (MS-SMB2 2.2.1).
    pub const fn new_unchecked(buffer: T) -> Header<T> {
        Header { buffer }
    }

    /// Wraps a buffer after [`Header::check_len`] (MS-SMB2 2.2.1).
    pub fn new_checked(buffer: T) -> Result<Header<T>> {
        let h = Header::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks that the 64-byte header is present (MS-SMB2 2.2.1).
    pub fn check_len(&self) -> Result<()> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The whole buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// ProtocolId, 0..4 (MS-SMB2 2.2.1).
    pub fn protocol_id(&self) -> [u8; 4] {
        let mut a = [0u8; 4];
        a.copy_from_slice(&self.buffer.as_ref()[hfield::PROTOCOL_ID]);
        a
    }
    /// StructureSize, 4..6, always 64 (MS-SMB2 2.2.1).
    pub fn structure_size(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::STRUCTURE_SIZE)
    }
    /// CreditCharge, 6..8 (MS-SMB2 2.2.1).
    pub fn credit_charge(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::CREDIT_CHARGE)
    }
    /// Status (responses) or ChannelSequence+Reserved (requests), 8..12 (MS-SMB2 2.2.1).
    pub fn status(&self) -> NtStatus {
        NtStatus::from(get_u32(self.buffer.as_ref(), hfield::STATUS))
    }
    /// Command, 12..14 (MS-SMB2 2.2.1).
    pub fn command(&self) -> Command {
        Command::from(get_u16(self.buffer.as_ref(), hfield::COMMAND))
    }
    /// CreditRequest/CreditResponse, 14..16 (MS-SMB2 2.2.1).
    pub fn credit(&self) -> u16 {
        get_u16(self.buffer.as_ref(), hfield::CREDIT)
    }
    /// Flags, 16..20 (MS-SMB2 2.2.1).
    pub fn flags(&self) -> u32 {
        get_u32(self.buffer.as_ref(), hfield::FLAGS)
    }
    /// NextCommand, 20..24 (MS-SMB2 2.2.1).
    pub fn next_command(&self) -> u32 {
        get_u32(self.buffer.as_ref(), hfield::NEXT_COMMAND)
    }
    /// MessageId, 24..32 (MS-SMB2 2.2.1).
    pub fn message_id(&self) -> u64 {
        get_u64(self.buffer.as_ref(), hfield::MESSAGE_ID)
    }
    /// Reserved (sync header), 32..36 (MS-SMB2 2.2.1.2).
    pub fn reserved(&self) -> u32 {
        get_u32(self.buffer.as_ref(), hfield::RESERVED)
    }
    /// TreeId (sync header), 36..40 (MS-SMB2 2.2.1.2).
    pub fn tree_id(&self) -> u32 {
        get_u32(self.buffer.as_ref(), hfield::TREE_ID)
    }
    /// AsyncId (async header), 32..40 (MS-SMB2 2.2.1.1).
    pub fn async_id(&self) -> u64 {
        get_u64(self.buffer.as_ref(), hfield::ASYNC_ID)
    }
    /// SessionId, 40..48 (MS-SMB2 2.2.1).
    pub fn session_id(&self) -> u64 {
        get_u64(self.buffer.as_ref(), hfield::SESSION_ID)
    }
    /// Signature, 48..64 (MS-SMB2 2.2.1).
    pub fn signature(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[hfield::SIGNATURE]);
        a
    }
    /// The body: everything after the 64-byte header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Header<T> {
    /// Sets ProtocolId (MS-SMB2 2.2.1).
    pub fn set_protocol_id(&mut self, v: [u8; 4]) {
        put(self.buffer.as_mut(), hfield::PROTOCOL_ID, &v);
    }
    /// Sets StructureSize (MS-SMB2 2.2.1).
    pub fn set_structure_size(&mut self, v: u16) {
        put(
            self.buffer.as_mut(),
            hfield::STRUCTURE_SIZE,
            &v.to_le_bytes(),
        );
    }
    /// Sets CreditCharge (MS-SMB2 2.2.1).
    pub fn set_credit_charge(&mut self, v: u16) {
        put(
            self.buffer.as_mut(),
            hfield::CREDIT_CHARGE,
            &v.to_le_bytes(),
        );
    }
    /// Sets Status / ChannelSequence (MS-SMB2 2.2.1).
    pub fn set_status(&mut self, v: NtStatus) {
        put(
            self.buffer.as_mut(),
            hfield::STATUS,
            &u32::from(v).to_le_bytes(),
        );
    }
    /// Sets Command (MS-SMB2 2.2.1).
    pub fn set_command(&mut self, v: Command) {
        put(
            self.buffer.as_mut(),
            hfield::COMMAND,
            &u16::from(v).to_le_bytes(),
        );
    }
    /// Sets CreditRequest/CreditResponse (MS-SMB2 2.2.1).
    pub fn set_credit(&mut self, v: u16) {
        put(self.buffer.as_mut(), hfield::CREDIT, &v.to_le_bytes());
    }
    /// Sets Flags (MS-SMB2 2.2.1).
    pub fn set_flags(&mut self, v: u32) {
        put(self.buffer.as_mut(), hfield::FLAGS, &v.to_le_bytes());
    }
    /// Sets NextCommand (MS-SMB2 2.2.1).
    pub fn set_next_command(&mut self, v: u32) {
        put(self.buffer.as_mut(), hfield::NEXT_COMMAND, &v.to_le_bytes());
    }
    /// Sets MessageId (MS-SMB2 2.2.1).
    pub fn set_message_id(&mut self, v: u64) {
        put(self.buffer.as_mut(), hfield::MESSAGE_ID, &v.to_le_bytes());
    }
    /// Sets Reserved of the sync header (MS-SMB2 2.2.1.2).
    pub fn set_reserved(&mut self, v: u32) {
        put(self.buffer.as_mut(), hfield::RESERVED, &v.to_le_bytes());
    }
    /// Sets TreeId of the sync header (MS-SMB2 2.2.1.2).
    pub fn set_tree_id(&mut self, v: u32) {
        put(self.buffer.as_mut(), hfield::TREE_ID, &v.to_le_bytes());
    }
    /// Sets AsyncId of the async header (MS-SMB2 2.2.1.1).
    pub fn set_async_id(&mut self, v: u64) {
        put(self.buffer.as_mut(), hfield::ASYNC_ID, &v.to_le_bytes());
    }
    /// Sets SessionId (MS-SMB2 2.2.1).
    pub fn set_session_id(&mut self, v: u64) {
        put(self.buffer.as_mut(), hfield::SESSION_ID, &v.to_le_bytes());
    }
    /// Sets Signature (MS-SMB2 2.2.1).
    pub fn set_signature(&mut self, v: [u8; 16]) {
        put(self.buffer.as_mut(), hfield::SIGNATURE, &v);
    }
    /// The body, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }
}

/// The validated SMB2 header (MS-SMB2 2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderRepr {
    /// CreditCharge.
    pub credit_charge: u16,
    /// Status (responses); zero ChannelSequence in requests.
    pub status: NtStatus,
    /// Command.
    pub command: Command,
    /// CreditRequest / CreditResponse.
    pub credit: u16,
    /// Flags ([`flags`]).
    pub flags: u32,
    /// NextCommand (compounding); zero for a single message.
    pub next_command: u32,
    /// MessageId.
    pub message_id: u64,
    /// AsyncId when `flags` has ASYNC_COMMAND, else `Reserved` (low 32 bits)
    /// and TreeId (high 32 bits) packed as they sit on the wire.
    pub async_or_tree: u64,
    /// SessionId.
    pub session_id: u64,
    /// Signature.
    pub signature: [u8; 16],
}

impl HeaderRepr {
    /// A request header with everything but command, message and ids zero
    /// (MS-SMB2 3.2.4.1.1).
    pub const fn request(
        command: Command,
        message_id: u64,
        tree_id: u32,
        session_id: u64,
    ) -> HeaderRepr {
        HeaderRepr {
            credit_charge: 1,
            status: NtStatus::Success,
            command,
            credit: 31,
            flags: 0,
            next_command: 0,
            message_id,
            async_or_tree: (tree_id as u64) << 32,
            session_id,
            signature: [0; 16],
        }
    }

    /// Parses and validates ProtocolId and StructureSize (MS-SMB2 2.2.1).
    pub fn parse<T: AsRef<[u8]>>(h: &Header<T>) -> Result<HeaderRepr> {
        h.check_len()?;
        if h.protocol_id() != PROTOCOL_ID {
            return Err(Error::BadProtocolId);
        }
        if h.structure_size() != 64 {
            return Err(Error::BadStructureSize(h.structure_size()));
        }
        Ok(HeaderRepr {
            credit_charge: h.credit_charge(),
            status: h.status(),
            command: h.command(),
            credit: h.credit(),
            flags: h.flags(),
            next_command: h.next_command(),
            message_id: h.message_id(),
            async_or_tree: h.async_id(),
            session_id: h.session_id(),
            signature: h.signature(),
        })
    }

    /// TreeId of a sync header (MS-SMB2 2.2.1.2); zero for async.
    pub fn tree_id(&self) -> u32 {
        if self.is_async() {
            0
        } else {
            (self.async_or_tree >> 32) as u32
        }
    }

    /// True for the async header form (MS-SMB2 2.2.1.1).
    pub fn is_async(&self) -> bool {
        self.flags & flags::ASYNC_COMMAND != 0
    }

    /// True when the server sent it (MS-SMB2 2.2.1.2 SERVER_TO_REDIR).
    pub fn is_response(&self) -> bool {
        self.flags & flags::SERVER_TO_REDIR != 0
    }

    /// Always 64 (MS-SMB2 2.2.1).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header (MS-SMB2 2.2.1).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, h: &mut Header<T>) {
        h.set_protocol_id(PROTOCOL_ID);
        h.set_structure_size(64);
        h.set_credit_charge(self.credit_charge);
        h.set_status(self.status);
        h.set_command(self.command);
        h.set_credit(self.credit);
        h.set_flags(self.flags);
        h.set_next_command(self.next_command);
        h.set_message_id(self.message_id);
        h.set_async_id(self.async_or_tree);
        h.set_session_id(self.session_id);
        h.set_signature(self.signature);
    }
}

// ---------------------------------------------------------------- lists

/// A little-endian list of 16-bit codes as it sits on the wire (dialects,
/// hash algorithms, ciphers, signing algorithms; MS-SMB2 2.2.3, 2.2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct U16List<'a>(&'a [u8]);

impl<'a> U16List<'a> {
    /// Wraps wire bytes; an odd length is refused (MS-SMB2 2.2.3.1).
    pub fn from_le_bytes(b: &'a [u8]) -> Result<U16List<'a>> {
        if b.len().is_multiple_of(2) {
            Ok(U16List(b))
        } else {
            Err(Error::Truncated)
        }
    }
    /// Number of codes.
    pub fn len(&self) -> usize {
        self.0.len() / 2
    }
    /// True when there are no codes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The codes in order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.0
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
    }
    /// The wire bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
}

// ---------------------------------------------------------------- negotiate contexts

/// One negotiate context (MS-SMB2 2.2.3.1): the kinds a client offers
/// are typed, any other is kept raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegotiateContext<'a> {
    /// SMB2_PREAUTH_INTEGRITY_CAPABILITIES (2.2.3.1.1).
    PreauthIntegrity {
        /// HashAlgorithms ([`HashAlgorithm`] codes).
        hash_algorithms: U16List<'a>,
        /// Salt.
        salt: &'a [u8],
    },
    /// SMB2_ENCRYPTION_CAPABILITIES (2.2.3.1.2): [`Cipher`] codes.
    Encryption {
        /// Ciphers.
        ciphers: U16List<'a>,
    },
    /// SMB2_SIGNING_CAPABILITIES (2.2.3.1.7): [`SigningAlgorithm`] codes.
    Signing {
        /// SigningAlgorithms.
        algorithms: U16List<'a>,
    },
    /// Any other context, data kept as sent.
    Other {
        /// ContextType.
        context_type: ContextType,
        /// Data.
        data: &'a [u8],
    },
}

impl<'a> NegotiateContext<'a> {
    /// Parses one context at the start of `b` and returns the rest after
    /// the data, before any padding (MS-SMB2 2.2.3.1).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], NegotiateContext<'a>)> {
        let head = b.get(..8).ok_or(Error::Truncated)?;
        let context_type = ContextType::from(get_u16(head, 0..2));
        let len = usize::from(get_u16(head, 2..4));
        let data = b.get(8..8 + len).ok_or(Error::Truncated)?;
        let rest = b.get(8 + len..).ok_or(Error::Truncated)?;
        let ctx = match context_type {
            ContextType::PreauthIntegrity => {
                let d = data.get(..4).ok_or(Error::Truncated)?;
                let count = usize::from(get_u16(d, 0..2));
                let salt_len = usize::from(get_u16(d, 2..4));
                let algs = data.get(4..4 + 2 * count).ok_or(Error::Truncated)?;
                let salt = data
                    .get(4 + 2 * count..4 + 2 * count + salt_len)
                    .ok_or(Error::Truncated)?;
                NegotiateContext::PreauthIntegrity {
                    hash_algorithms: U16List(algs),
                    salt,
                }
            }
            ContextType::Encryption | ContextType::Signing => {
                let d = data.get(..2).ok_or(Error::Truncated)?;
                let count = usize::from(get_u16(d, 0..2));
                let list = U16List(data.get(2..2 + 2 * count).ok_or(Error::Truncated)?);
                if context_type == ContextType::Encryption {
                    NegotiateContext::Encryption { ciphers: list }
                } else {
                    NegotiateContext::Signing { algorithms: list }
                }
            }
            _ => NegotiateContext::Other { context_type, data },
        };
        Ok((rest, ctx))
    }

    /// ContextType (MS-SMB2 2.2.3.1).
    pub fn context_type(&self) -> ContextType {
        match self {
            NegotiateContext::PreauthIntegrity { .. } => ContextType::PreauthIntegrity,
            NegotiateContext::Encryption { .. } => ContextType::Encryption,
            NegotiateContext::Signing { .. } => ContextType::Signing,
            NegotiateContext::Other { context_type, .. } => *context_type,
        }
    }

    /// DataLength (MS-SMB2 2.2.3.1).
    pub fn data_len(&self) -> usize {
        match self {
            NegotiateContext::PreauthIntegrity {
                hash_algorithms,
                salt,
            } => 4 + hash_algorithms.as_bytes().len() + salt.len(),
            NegotiateContext::Encryption { ciphers: l }
            | NegotiateContext::Signing { algorithms: l } => 2 + l.as_bytes().len(),
            NegotiateContext::Other { data, .. } => data.len(),
        }
    }

    /// 8-byte context header plus data, without trailing padding.
    pub fn buffer_len(&self) -> usize {
        8 + self.data_len()
    }

    /// Writes the context into `b`, which must hold [`Self::buffer_len`] bytes.
    pub fn emit(&self, b: &mut [u8]) -> Result<()> {
        let b = b.get_mut(..self.buffer_len()).ok_or(Error::NoSpace)?;
        let data_len = u16::try_from(self.data_len()).map_err(|_| Error::NoSpace)?;
        put(b, 0..2, &u16::from(self.context_type()).to_le_bytes());
        put(b, 2..4, &data_len.to_le_bytes());
        put(b, 4..8, &[0; 4]);
        let d = &mut b[8..];
        match self {
            NegotiateContext::PreauthIntegrity {
                hash_algorithms,
                salt,
            } => {
                let count = u16::try_from(hash_algorithms.len()).map_err(|_| Error::NoSpace)?;
                let salt_len = u16::try_from(salt.len()).map_err(|_| Error::NoSpace)?;
                put(d, 0..2, &count.to_le_bytes());
                put(d, 2..4, &salt_len.to_le_bytes());
                let a = hash_algorithms.as_bytes();
                put(d, 4..4 + a.len(), a);
                put(d, 4 + a.len()..4 + a.len() + salt.len(), salt);
            }
            NegotiateContext::Encryption { ciphers: l }
            | NegotiateContext::Signing { algorithms: l } => {
                let count = u16::try_from(l.len()).map_err(|_| Error::NoSpace)?;
                put(d, 0..2, &count.to_le_bytes());
                put(d, 2..2 + l.as_bytes().len(), l.as_bytes());
            }
            NegotiateContext::Other { data, .. } => put(d, 0..data.len(), data),
        }
        Ok(())
    }
}

fn pad8(n: usize) -> usize {
    (n + 7) & !7
}

/// The NegotiateContextList of a NEGOTIATE request or response, parsed
/// lazily (MS-SMB2 2.2.3.1). Each context after the first starts on an
/// 8-byte boundary of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiateContexts<'a> {
    rest: &'a [u8],
    count: u16,
}

impl<'a> NegotiateContexts<'a> {
    /// The contexts starting at `list` (which begins 8-aligned), `count` of them.
    pub fn new(list: &'a [u8], count: u16) -> NegotiateContexts<'a> {
        NegotiateContexts { rest: list, count }
    }
    /// NegotiateContextCount.
    pub fn count(&self) -> u16 {
        self.count
    }
}

impl<'a> Iterator for NegotiateContexts<'a> {
    type Item = Result<NegotiateContext<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.count == 0 {
            return None;
        }
        self.count -= 1;
        match NegotiateContext::parse(self.rest) {
            Ok((rest, ctx)) => {
                // The list starts 8-aligned, so padding is relative to it.
                let used = self.rest.len() - rest.len();
                let skip = pad8(used) - used;
                self.rest = rest.get(skip..).unwrap_or(&[]);
                Some(Ok(ctx))
            }
            Err(e) => {
                self.count = 0;
                Some(Err(e))
            }
        }
    }
}

// ---------------------------------------------------------------- NEGOTIATE request

mod nreq {
    use super::Field;
    pub const STRUCTURE_SIZE: Field = 0..2;
    pub const DIALECT_COUNT: Field = 2..4;
    pub const SECURITY_MODE: Field = 4..6;
    pub const RESERVED: Field = 6..8;
    pub const CAPABILITIES: Field = 8..12;
    pub const CLIENT_GUID: Field = 12..28;
    pub const CONTEXT_OFFSET: Field = 28..32;
    pub const CONTEXT_COUNT: Field = 32..34;
    pub const RESERVED2: Field = 34..36;
    pub const DIALECTS: usize = 36;
}

/// A view of a NEGOTIATE request body (MS-SMB2 2.2.3).
#[derive(Debug, Clone, Copy)]
pub struct NegotiateRequest<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> NegotiateRequest<T> {
    /// Wraps a body without checks (MS-SMB2 2.2.3).
    pub const fn new_unchecked(buffer: T) -> Self {
        NegotiateRequest { buffer }
    }
    /// Wraps a body after [`Self::check_len`] (MS-SMB2 2.2.3).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks StructureSize 36 and that the dialect array fits (MS-SMB2 2.2.3).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        check_structure(b, nreq::DIALECTS, 36)?;
        let n = usize::from(get_u16(b, nreq::DIALECT_COUNT));
        b.get(nreq::DIALECTS..nreq::DIALECTS + 2 * n)
            .ok_or(Error::Truncated)?;
        Ok(())
    }
    /// DialectCount (MS-SMB2 2.2.3).
    pub fn dialect_count(&self) -> u16 {
        get_u16(self.buffer.as_ref(), nreq::DIALECT_COUNT)
    }
    /// SecurityMode (MS-SMB2 2.2.3).
    pub fn security_mode(&self) -> u16 {
        get_u16(self.buffer.as_ref(), nreq::SECURITY_MODE)
    }
    /// Capabilities (MS-SMB2 2.2.3).
    pub fn capabilities(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nreq::CAPABILITIES)
    }
    /// ClientGuid (MS-SMB2 2.2.3).
    pub fn client_guid(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[nreq::CLIENT_GUID]);
        a
    }
    /// NegotiateContextOffset, from the start of the header (MS-SMB2 2.2.3).
    pub fn context_offset(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nreq::CONTEXT_OFFSET)
    }
    /// NegotiateContextCount (MS-SMB2 2.2.3).
    pub fn context_count(&self) -> u16 {
        get_u16(self.buffer.as_ref(), nreq::CONTEXT_COUNT)
    }
    /// Dialects (MS-SMB2 2.2.3).
    pub fn dialects(&self) -> U16List<'_> {
        let n = usize::from(self.dialect_count());
        U16List(&self.buffer.as_ref()[nreq::DIALECTS..nreq::DIALECTS + 2 * n])
    }
}

/// A NEGOTIATE request (MS-SMB2 2.2.3). With 3.1.1 among the dialects the
/// contexts follow the dialects 8-aligned (MS-SMB2 3.2.4.2.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiateRequestRepr<'a> {
    /// SecurityMode ([`security_mode`]).
    pub security_mode: u16,
    /// Capabilities (MS-SMB2 2.2.3).
    pub capabilities: u32,
    /// ClientGuid.
    pub client_guid: [u8; 16],
    /// Dialects.
    pub dialects: U16List<'a>,
    /// Negotiate contexts, as raw list bytes (see [`NegotiateContexts`]) or
    /// given as typed items via [`NegotiateRequestRepr::emit_with`].
    pub contexts: NegotiateContexts<'a>,
}

impl<'a> NegotiateRequestRepr<'a> {
    /// Parses a request body (MS-SMB2 2.2.3).
    pub fn parse(v: &NegotiateRequest<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        let count = v.context_count();
        let contexts = if count == 0 {
            NegotiateContexts::new(&[], 0)
        } else {
            let off = usize::try_from(v.context_offset()).map_err(|_| Error::BadOffset)?;
            let start = off.checked_sub(HEADER_LEN).ok_or(Error::BadOffset)?;
            NegotiateContexts::new(b.get(start..).ok_or(Error::BadOffset)?, count)
        };
        Ok(NegotiateRequestRepr {
            security_mode: v.security_mode(),
            capabilities: v.capabilities(),
            client_guid: v.client_guid(),
            dialects: U16List(
                &b[nreq::DIALECTS..nreq::DIALECTS + 2 * usize::from(v.dialect_count())],
            ),
            contexts,
        })
    }

    /// Body length of a request with `contexts` (MS-SMB2 2.2.3).
    pub fn buffer_len_with(&self, contexts: &[NegotiateContext<'_>]) -> usize {
        let mut n = nreq::DIALECTS + self.dialects.as_bytes().len();
        for c in contexts {
            n = pad8(n) + c.buffer_len();
        }
        n
    }

    /// Writes the body into `b` with the typed `contexts` (ignoring
    /// `self.contexts`), returning its length (MS-SMB2 2.2.3).
    pub fn emit_with(&self, contexts: &[NegotiateContext<'_>], b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len_with(contexts);
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        let dialect_count = u16::try_from(self.dialects.len()).map_err(|_| Error::NoSpace)?;
        let count = u16::try_from(contexts.len()).map_err(|_| Error::NoSpace)?;
        put(b, nreq::STRUCTURE_SIZE, &36u16.to_le_bytes());
        put(b, nreq::DIALECT_COUNT, &dialect_count.to_le_bytes());
        put(b, nreq::SECURITY_MODE, &self.security_mode.to_le_bytes());
        put(b, nreq::RESERVED, &[0; 2]);
        put(b, nreq::CAPABILITIES, &self.capabilities.to_le_bytes());
        put(b, nreq::CLIENT_GUID, &self.client_guid);
        let mut n = nreq::DIALECTS + self.dialects.as_bytes().len();
        put(b, nreq::DIALECTS..n, self.dialects.as_bytes());
        let first = if contexts.is_empty() {
            0
        } else {
            HEADER_LEN + pad8(n)
        };
        put(b, nreq::CONTEXT_OFFSET, &(first as u32).to_le_bytes());
        put(b, nreq::CONTEXT_COUNT, &count.to_le_bytes());
        put(b, nreq::RESERVED2, &[0; 2]);
        for c in contexts {
            let p = pad8(n);
            b[n..p].fill(0);
            c.emit(&mut b[p..])?;
            n = p + c.buffer_len();
        }
        Ok(n)
    }
}

// ---------------------------------------------------------------- NEGOTIATE response

mod nresp {
    use super::Field;
    pub const SECURITY_MODE: Field = 2..4;
    pub const DIALECT: Field = 4..6;
    pub const CONTEXT_COUNT: Field = 6..8;
    pub const SERVER_GUID: Field = 8..24;
    pub const CAPABILITIES: Field = 24..28;
    pub const MAX_TRANSACT: Field = 28..32;
    pub const MAX_READ: Field = 32..36;
    pub const MAX_WRITE: Field = 36..40;
    pub const SYSTEM_TIME: Field = 40..48;
    pub const START_TIME: Field = 48..56;
    pub const SEC_OFFSET: Field = 56..58;
    pub const SEC_LENGTH: Field = 58..60;
    pub const CONTEXT_OFFSET: Field = 60..64;
    pub const FIXED: usize = 64;
}

/// A view of a NEGOTIATE response body (MS-SMB2 2.2.4).
#[derive(Debug, Clone, Copy)]
pub struct NegotiateResponse<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> NegotiateResponse<T> {
    /// Wraps a body without checks (MS-SMB2 2.2.4).
    pub const fn new_unchecked(buffer: T) -> Self {
        NegotiateResponse { buffer }
    }
    /// Wraps a body after [`Self::check_len`] (MS-SMB2 2.2.4).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks StructureSize 65, the fixed part and the security buffer (MS-SMB2 2.2.4).
    pub fn check_len(&self) -> Result<()> {
        check_structure(self.buffer.as_ref(), nresp::FIXED, 65)?;
        self.security_buffer_checked().map(|_| ())
    }
    /// SecurityMode (MS-SMB2 2.2.4).
    pub fn security_mode(&self) -> u16 {
        get_u16(self.buffer.as_ref(), nresp::SECURITY_MODE)
    }
    /// DialectRevision (MS-SMB2 2.2.4).
    pub fn dialect(&self) -> Dialect {
        Dialect::from(get_u16(self.buffer.as_ref(), nresp::DIALECT))
    }
    /// NegotiateContextCount, 3.1.1 only (MS-SMB2 2.2.4).
    pub fn context_count(&self) -> u16 {
        get_u16(self.buffer.as_ref(), nresp::CONTEXT_COUNT)
    }
    /// ServerGuid (MS-SMB2 2.2.4).
    pub fn server_guid(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[nresp::SERVER_GUID]);
        a
    }
    /// Capabilities (MS-SMB2 2.2.4).
    pub fn capabilities(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nresp::CAPABILITIES)
    }
    /// MaxTransactSize (MS-SMB2 2.2.4).
    pub fn max_transact_size(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nresp::MAX_TRANSACT)
    }
    /// MaxReadSize (MS-SMB2 2.2.4).
    pub fn max_read_size(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nresp::MAX_READ)
    }
    /// MaxWriteSize (MS-SMB2 2.2.4).
    pub fn max_write_size(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nresp::MAX_WRITE)
    }
    /// SystemTime, FILETIME (MS-SMB2 2.2.4).
    pub fn system_time(&self) -> u64 {
        get_u64(self.buffer.as_ref(), nresp::SYSTEM_TIME)
    }
    /// ServerStartTime, FILETIME (MS-SMB2 2.2.4).
    pub fn server_start_time(&self) -> u64 {
        get_u64(self.buffer.as_ref(), nresp::START_TIME)
    }
    /// NegotiateContextOffset, from the header start (MS-SMB2 2.2.4).
    pub fn context_offset(&self) -> u32 {
        get_u32(self.buffer.as_ref(), nresp::CONTEXT_OFFSET)
    }
    fn security_buffer_checked(&self) -> Result<&[u8]> {
        buffer_at(self.buffer.as_ref(), nresp::SEC_OFFSET, nresp::SEC_LENGTH)
    }
    /// The security buffer: a GSS token, SPNEGO here (MS-SMB2 2.2.4).
    pub fn security_buffer(&self) -> &[u8] {
        self.security_buffer_checked().unwrap_or(&[])
    }
    /// The negotiate contexts (3.1.1), parsed lazily (MS-SMB2 2.2.4).
    pub fn contexts(&self) -> Result<NegotiateContexts<'_>> {
        let count = self.context_count();
        if self.dialect() != Dialect::Smb311 || count == 0 {
            return Ok(NegotiateContexts::new(&[], 0));
        }
        let off = usize::try_from(self.context_offset()).map_err(|_| Error::BadOffset)?;
        let start = off.checked_sub(HEADER_LEN).ok_or(Error::BadOffset)?;
        let list = self.buffer.as_ref().get(start..).ok_or(Error::BadOffset)?;
        Ok(NegotiateContexts::new(list, count))
    }
}

/// What a client needs from a NEGOTIATE response (MS-SMB2 2.2.4, 3.2.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiateResponseRepr<'a> {
    /// SecurityMode ([`security_mode`]).
    pub security_mode: u16,
    /// DialectRevision.
    pub dialect: Dialect,
    /// ServerGuid.
    pub server_guid: [u8; 16],
    /// Capabilities.
    pub capabilities: u32,
    /// MaxTransactSize.
    pub max_transact_size: u32,
    /// MaxReadSize.
    pub max_read_size: u32,
    /// MaxWriteSize.
    pub max_write_size: u32,
    /// SystemTime.
    pub system_time: u64,
    /// ServerStartTime.
    pub server_start_time: u64,
    /// The SPNEGO hint token.
    pub security_buffer: &'a [u8],
    /// SigningAlgorithmId the server chose (3.1.1 with SIGNING_CAPABILITIES).
    pub signing_algorithm: Option<SigningAlgorithm>,
    /// Cipher the server chose (3.1.1 with ENCRYPTION_CAPABILITIES).
    pub cipher: Option<Cipher>,
    /// HashAlgorithm the server chose (3.1.1 PREAUTH_INTEGRITY_CAPABILITIES).
    pub hash_algorithm: Option<HashAlgorithm>,
}

impl<'a> NegotiateResponseRepr<'a> {
    /// Parses a response body and its contexts (MS-SMB2 2.2.4, 3.2.5.2).
    pub fn parse(v: &NegotiateResponse<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        let mut repr = NegotiateResponseRepr {
            security_mode: v.security_mode(),
            dialect: v.dialect(),
            server_guid: v.server_guid(),
            capabilities: v.capabilities(),
            max_transact_size: v.max_transact_size(),
            max_read_size: v.max_read_size(),
            max_write_size: v.max_write_size(),
            system_time: v.system_time(),
            server_start_time: v.server_start_time(),
            security_buffer: buffer_at(b, nresp::SEC_OFFSET, nresp::SEC_LENGTH)?,
            signing_algorithm: None,
            cipher: None,
            hash_algorithm: None,
        };
        for ctx in NegotiateResponse::new_unchecked(b).contexts()? {
            match ctx? {
                NegotiateContext::PreauthIntegrity {
                    hash_algorithms, ..
                } => {
                    repr.hash_algorithm = hash_algorithms.iter().next().map(HashAlgorithm::from);
                }
                NegotiateContext::Encryption { ciphers } => {
                    repr.cipher = ciphers.iter().next().map(Cipher::from);
                }
                NegotiateContext::Signing { algorithms } => {
                    repr.signing_algorithm = algorithms.iter().next().map(SigningAlgorithm::from);
                }
                NegotiateContext::Other { .. } => {}
            }
        }
        Ok(repr)
    }
}

// ---------------------------------------------------------------- SESSION_SETUP

mod ssreq {
    use super::Field;
    pub const FLAGS: usize = 2;
    pub const SECURITY_MODE: usize = 3;
    pub const CAPABILITIES: Field = 4..8;
    pub const CHANNEL: Field = 8..12;
    pub const SEC_OFFSET: Field = 12..14;
    pub const SEC_LENGTH: Field = 14..16;
    pub const PREVIOUS_SESSION_ID: Field = 16..24;
    pub const FIXED: usize = 24;
}

/// A view of a SESSION_SETUP request body (MS-SMB2 2.2.5).
#[derive(Debug, Clone, Copy)]
pub struct SessionSetupRequest<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SessionSetupRequest<T> {
    /// Wraps a body without checks (MS-SMB2 2.2.5).
    pub const fn new_unchecked(buffer: T) -> Self {
        SessionSetupRequest { buffer }
    }
    /// Wraps a body after [`Self::check_len`] (MS-SMB2 2.2.5).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks StructureSize 25 and the security buffer (MS-SMB2 2.2.5).
    pub fn check_len(&self) -> Result<()> {
        check_structure(self.buffer.as_ref(), ssreq::FIXED, 25)?;
        self.security_buffer_checked().map(|_| ())
    }
    /// Flags (MS-SMB2 2.2.5).
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[ssreq::FLAGS]
    }
    /// SecurityMode (MS-SMB2 2.2.5).
    pub fn security_mode(&self) -> u8 {
        self.buffer.as_ref()[ssreq::SECURITY_MODE]
    }
    /// Capabilities (MS-SMB2 2.2.5).
    pub fn capabilities(&self) -> u32 {
        get_u32(self.buffer.as_ref(), ssreq::CAPABILITIES)
    }
    /// Channel (MS-SMB2 2.2.5).
    pub fn channel(&self) -> u32 {
        get_u32(self.buffer.as_ref(), ssreq::CHANNEL)
    }
    /// PreviousSessionId (MS-SMB2 2.2.5).
    pub fn previous_session_id(&self) -> u64 {
        get_u64(self.buffer.as_ref(), ssreq::PREVIOUS_SESSION_ID)
    }
    fn security_buffer_checked(&self) -> Result<&[u8]> {
        buffer_at(self.buffer.as_ref(), ssreq::SEC_OFFSET, ssreq::SEC_LENGTH)
    }
    /// The GSS token (MS-SMB2 2.2.5).
    pub fn security_buffer(&self) -> &[u8] {
        self.security_buffer_checked().unwrap_or(&[])
    }
}

/// A SESSION_SETUP request (MS-SMB2 2.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSetupRequestRepr<'a> {
    /// Flags (SMB2_SESSION_FLAG_BINDING only).
    pub flags: u8,
    /// SecurityMode ([`security_mode`], low byte).
    pub security_mode: u8,
    /// Capabilities.
    pub capabilities: u32,
    /// Channel, zero.
    pub channel: u32,
    /// PreviousSessionId.
    pub previous_session_id: u64,
    /// The GSS token.
    pub security_buffer: &'a [u8],
}

impl<'a> SessionSetupRequestRepr<'a> {
    /// Parses a request body (MS-SMB2 2.2.5).
    pub fn parse(v: &SessionSetupRequest<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        Ok(SessionSetupRequestRepr {
            flags: v.flags(),
            security_mode: v.security_mode(),
            capabilities: v.capabilities(),
            channel: v.channel(),
            previous_session_id: v.previous_session_id(),
            security_buffer: buffer_at(b, ssreq::SEC_OFFSET, ssreq::SEC_LENGTH)?,
        })
    }
    /// Body length (MS-SMB2 2.2.5).
    pub fn buffer_len(&self) -> usize {
        ssreq::FIXED + self.security_buffer.len()
    }
    /// Writes the body into `b` of at least [`Self::buffer_len`] bytes (MS-SMB2 2.2.5).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        let sec_len = u16::try_from(self.security_buffer.len()).map_err(|_| Error::NoSpace)?;
        put(b, 0..2, &25u16.to_le_bytes());
        b[ssreq::FLAGS] = self.flags;
        b[ssreq::SECURITY_MODE] = self.security_mode;
        put(b, ssreq::CAPABILITIES, &self.capabilities.to_le_bytes());
        put(b, ssreq::CHANNEL, &self.channel.to_le_bytes());
        put(
            b,
            ssreq::SEC_OFFSET,
            &((HEADER_LEN + ssreq::FIXED) as u16).to_le_bytes(),
        );
        put(b, ssreq::SEC_LENGTH, &sec_len.to_le_bytes());
        put(
            b,
            ssreq::PREVIOUS_SESSION_ID,
            &self.previous_session_id.to_le_bytes(),
        );
        put(b, ssreq::FIXED..len, self.security_buffer);
        Ok(len)
    }
}

mod ssresp {
    use super::Field;
    pub const SESSION_FLAGS: Field = 2..4;
    pub const SEC_OFFSET: Field = 4..6;
    pub const SEC_LENGTH: Field = 6..8;
    pub const FIXED: usize = 8;
}

/// A view of a SESSION_SETUP response body (MS-SMB2 2.2.6).
#[derive(Debug, Clone, Copy)]
pub struct SessionSetupResponse<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> SessionSetupResponse<T> {
    /// Wraps a body without checks (MS-SMB2 2.2.6).
    pub const fn new_unchecked(buffer: T) -> Self {
        SessionSetupResponse { buffer }
    }
    /// Wraps a body after [`Self::check_len`] (MS-SMB2 2.2.6).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks StructureSize 9 and the security buffer (MS-SMB2 2.2.6).
    pub fn check_len(&self) -> Result<()> {
        check_structure(self.buffer.as_ref(), ssresp::FIXED, 9)?;
        self.security_buffer_checked().map(|_| ())
    }
    /// SessionFlags ([`session_flags`], MS-SMB2 2.2.6).
    pub fn session_flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), ssresp::SESSION_FLAGS)
    }
    fn security_buffer_checked(&self) -> Result<&[u8]> {
        buffer_at(self.buffer.as_ref(), ssresp::SEC_OFFSET, ssresp::SEC_LENGTH)
    }
    /// The GSS token (MS-SMB2 2.2.6).
    pub fn security_buffer(&self) -> &[u8] {
        self.security_buffer_checked().unwrap_or(&[])
    }
}

/// A SESSION_SETUP response (MS-SMB2 2.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSetupResponseRepr<'a> {
    /// SessionFlags ([`session_flags`]).
    pub session_flags: u16,
    /// The GSS token.
    pub security_buffer: &'a [u8],
}

impl<'a> SessionSetupResponseRepr<'a> {
    /// Parses a response body (MS-SMB2 2.2.6).
    pub fn parse(v: &SessionSetupResponse<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        Ok(SessionSetupResponseRepr {
            session_flags: v.session_flags(),
            security_buffer: buffer_at(b, ssresp::SEC_OFFSET, ssresp::SEC_LENGTH)?,
        })
    }
    /// Body length (MS-SMB2 2.2.6).
    pub fn buffer_len(&self) -> usize {
        ssresp::FIXED + self.security_buffer.len()
    }
    /// Writes the body (MS-SMB2 2.2.6).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        let sec_len = u16::try_from(self.security_buffer.len()).map_err(|_| Error::NoSpace)?;
        put(b, 0..2, &9u16.to_le_bytes());
        put(b, ssresp::SESSION_FLAGS, &self.session_flags.to_le_bytes());
        put(
            b,
            ssresp::SEC_OFFSET,
            &((HEADER_LEN + ssresp::FIXED) as u16).to_le_bytes(),
        );
        put(b, ssresp::SEC_LENGTH, &sec_len.to_le_bytes());
        put(b, ssresp::FIXED..len, self.security_buffer);
        Ok(len)
    }
}

// ---------------------------------------------------------------- TREE_CONNECT

mod tcreq {
    use super::Field;
    pub const FLAGS: Field = 2..4;
    pub const PATH_OFFSET: Field = 4..6;
    pub const PATH_LENGTH: Field = 6..8;
    pub const FIXED: usize = 8;
}

/// A view of a TREE_CONNECT request body (MS-SMB2 2.2.9).
#[derive(Debug, Clone, Copy)]
pub struct TreeConnectRequest<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TreeConnectRequest<T> {
    /// Wraps a body without checks (MS-SMB2 2.2.9).
    pub const fn new_unchecked(buffer: T) -> Self {
        TreeConnectRequest { buffer }
    }
    /// Wraps a body after [`Self::check_len`] (MS-SMB2 2.2.9).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks StructureSize 9 and the path buffer (MS-SMB2 2.2.9).
    pub fn check_len(&self) -> Result<()> {
        check_structure(self.buffer.as_ref(), tcreq::FIXED, 9)?;
        self.path_checked().map(|_| ())
    }
    /// Flags (3.1.1) or Reserved (MS-SMB2 2.2.9).
    pub fn flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), tcreq::FLAGS)
    }
    fn path_checked(&self) -> Result<&[u8]> {
        buffer_at(self.buffer.as_ref(), tcreq::PATH_OFFSET, tcreq::PATH_LENGTH)
    }
    /// The share path `\\server\share`, UTF-16LE (MS-SMB2 2.2.9).
    pub fn path(&self) -> &[u8] {
        self.path_checked().unwrap_or(&[])
    }
}

/// A TREE_CONNECT request (MS-SMB2 2.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeConnectRequestRepr<'a> {
    /// Flags (3.1.1) / Reserved.
    pub flags: u16,
    /// `\\server\share` in UTF-16LE (see [`crate::wire::utf16le`]).
    pub path: &'a [u8],
}

impl<'a> TreeConnectRequestRepr<'a> {
    /// Parses a request body (MS-SMB2 2.2.9).
    pub fn parse(v: &TreeConnectRequest<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        Ok(TreeConnectRequestRepr {
            flags: v.flags(),
            path: buffer_at(b, tcreq::PATH_OFFSET, tcreq::PATH_LENGTH)?,
        })
    }
    /// Body length (MS-SMB2 2.2.9).
    pub fn buffer_len(&self) -> usize {
        tcreq::FIXED + self.path.len()
    }
    /// Writes the body (MS-SMB2 2.2.9).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        let path_len = u16::try_from(self.path.len()).map_err(|_| Error::NoSpace)?;
        put(b, 0..2, &9u16.to_le_bytes());
        put(b, tcreq::FLAGS, &self.flags.to_le_bytes());
        put(
            b,
            tcreq::PATH_OFFSET,
            &((HEADER_LEN + tcreq::FIXED) as u16).to_le_bytes(),
        );
        put(b, tcreq::PATH_LENGTH, &path_len.to_le_bytes());
        put(b, tcreq::FIXED..len, self.path);
        Ok(len)
    }
}

mod tcresp {
    use super::Field;
    pub const SHARE_TYPE: usize = 2;
    pub const RESERVED: usize = 3;
    pub const SHARE_FLAGS: Field = 4..8;
    pub const CAPABILITIES: Field = 8..12;
    pub const MAXIMAL_ACCESS: Field = 12..16;
    pub const FIXED: usize = 16;
}

/// A view of a TREE_CONNECT response body (MS-SMB2 2.2.10).
#[derive(Debug, Clone, Copy)]
pub struct TreeConnectResponse<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TreeConnectResponse<T> {
    /// Wraps a body without checks (MS-SMB2 2.2.10).
    pub const fn new_unchecked(buffer: T) -> Self {
        TreeConnectResponse { buffer }
    }
    /// Wraps a body after [`Self::check_len`] (MS-SMB2 2.2.10).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks StructureSize 16 (MS-SMB2 2.2.10).
    pub fn check_len(&self) -> Result<()> {
        check_structure(self.buffer.as_ref(), tcresp::FIXED, 16)
    }
    /// ShareType (MS-SMB2 2.2.10).
    pub fn share_type(&self) -> ShareType {
        ShareType::from(self.buffer.as_ref()[tcresp::SHARE_TYPE])
    }
    /// ShareFlags (MS-SMB2 2.2.10).
    pub fn share_flags(&self) -> u32 {
        get_u32(self.buffer.as_ref(), tcresp::SHARE_FLAGS)
    }
    /// Capabilities (MS-SMB2 2.2.10).
    pub fn capabilities(&self) -> u32 {
        get_u32(self.buffer.as_ref(), tcresp::CAPABILITIES)
    }
    /// MaximalAccess (MS-SMB2 2.2.10).
    pub fn maximal_access(&self) -> u32 {
        get_u32(self.buffer.as_ref(), tcresp::MAXIMAL_ACCESS)
    }
}

/// A TREE_CONNECT response (MS-SMB2 2.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeConnectResponseRepr {
    /// ShareType.
    pub share_type: ShareType,
    /// ShareFlags ([`share_flags`]).
    pub share_flags: u32,
    /// Capabilities.
    pub capabilities: u32,
    /// MaximalAccess.
    pub maximal_access: u32,
}

impl TreeConnectResponseRepr {
    /// Parses a response body (MS-SMB2 2.2.10).
    pub fn parse<T: AsRef<[u8]>>(v: &TreeConnectResponse<T>) -> Result<Self> {
        v.check_len()?;
        Ok(TreeConnectResponseRepr {
            share_type: v.share_type(),
            share_flags: v.share_flags(),
            capabilities: v.capabilities(),
            maximal_access: v.maximal_access(),
        })
    }
    /// Always 16 (MS-SMB2 2.2.10).
    pub const fn buffer_len(&self) -> usize {
        tcresp::FIXED
    }
    /// Writes the body (MS-SMB2 2.2.10).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let b = b.get_mut(..tcresp::FIXED).ok_or(Error::NoSpace)?;
        put(b, 0..2, &16u16.to_le_bytes());
        b[tcresp::SHARE_TYPE] = self.share_type.into();
        b[tcresp::RESERVED] = 0;
        put(b, tcresp::SHARE_FLAGS, &self.share_flags.to_le_bytes());
        put(b, tcresp::CAPABILITIES, &self.capabilities.to_le_bytes());
        put(
            b,
            tcresp::MAXIMAL_ACCESS,
            &self.maximal_access.to_le_bytes(),
        );
        Ok(tcresp::FIXED)
    }
}

// ---------------------------------------------------------------- 4-byte bodies

/// The 4-byte body (StructureSize 4, Reserved) shared by LOGOFF request and
/// response (MS-SMB2 2.2.7, 2.2.8) and TREE_DISCONNECT request and response
/// (MS-SMB2 2.2.11, 2.2.12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmptyRepr;

impl EmptyRepr {
    /// Length of the body.
    pub const LEN: usize = 4;
    /// Checks StructureSize 4 (MS-SMB2 2.2.7, 2.2.8, 2.2.11, 2.2.12).
    pub fn parse(body: &[u8]) -> Result<EmptyRepr> {
        check_structure(body, Self::LEN, 4).map(|_| EmptyRepr)
    }
    /// Always 4.
    pub const fn buffer_len(&self) -> usize {
        Self::LEN
    }
    /// Writes StructureSize 4 and Reserved 0.
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let b = b.get_mut(..Self::LEN).ok_or(Error::NoSpace)?;
        put(b, 0..2, &4u16.to_le_bytes());
        put(b, 2..4, &[0; 2]);
        Ok(Self::LEN)
    }
}

// ---------------------------------------------------------------- ERROR

/// An ERROR response body (MS-SMB2 2.2.2), sent with a failing Status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorRepr<'a> {
    /// ErrorContextCount (3.1.1).
    pub error_context_count: u8,
    /// ErrorData.
    pub error_data: &'a [u8],
}

impl<'a> ErrorRepr<'a> {
    /// Parses an ERROR body (MS-SMB2 2.2.2). Servers send ByteCount 0 with
    /// one padding byte, which is accepted.
    pub fn parse(body: &'a [u8]) -> Result<Self> {
        check_structure(body, 9, 9)?;
        let fixed = body.get(..8).ok_or(Error::Truncated)?;
        let count = usize::try_from(get_u32(fixed, 4..8)).map_err(|_| Error::BadOffset)?;
        let error_data = body.get(8..8 + count).ok_or(Error::Truncated)?;
        Ok(ErrorRepr {
            error_context_count: fixed[2],
            error_data,
        })
    }
    /// Body length: 8 fixed bytes and the data, at least one byte of it (MS-SMB2 2.2.2).
    pub fn buffer_len(&self) -> usize {
        8 + self.error_data.len().max(1)
    }
    /// Writes the body (MS-SMB2 2.2.2).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        let count = u32::try_from(self.error_data.len()).map_err(|_| Error::NoSpace)?;
        put(b, 0..2, &9u16.to_le_bytes());
        b[2] = self.error_context_count;
        b[3] = 0;
        put(b, 4..8, &count.to_le_bytes());
        b[8] = 0;
        put(b, 8..8 + self.error_data.len(), self.error_data);
        Ok(len)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    // Fixtures: `tests/captures/smb311_guest.pcapng` (smbclient -N against
    // Samba 4.17, SMB 3.1.1), `smb311_badshare.pcapng`, `smb311_badpw.pcapng`.
    /// `smb311_guest.pcapng` frame 4 (NBSS header stripped).
    static NEG_REQ: [u8; 226] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1f,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x7f, 0x00, 0x00,
        0x00, 0x0b, 0x3b, 0x80, 0x19, 0x7a, 0x33, 0xd5, 0x4a, 0x93, 0x2b, 0x5d, 0x38, 0x35, 0xb3,
        0x17, 0x27, 0x70, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x02, 0x10, 0x02, 0x00,
        0x03, 0x02, 0x03, 0x11, 0x03, 0x00, 0x00, 0x01, 0x00, 0x26, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x20, 0x00, 0x01, 0x00, 0x92, 0xc0, 0x16, 0x09, 0x74, 0xab, 0x86, 0x5e, 0x27,
        0x08, 0xb9, 0xbe, 0x20, 0x2e, 0x5c, 0x1c, 0x75, 0x41, 0xe8, 0x59, 0x27, 0x0a, 0x43, 0xd0,
        0xc4, 0x39, 0x34, 0xb0, 0x73, 0xd9, 0x0b, 0x8c, 0x00, 0x00, 0x02, 0x00, 0x0a, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, 0x01, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x05, 0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x31, 0x00,
        0x32, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00, 0x31,
        0x00,
    ];
    /// `smb311_guest.pcapng` frame 6 (NBSS header stripped).
    static NEG_RESP: [u8; 284] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x41, 0x00, 0x01, 0x00, 0x11, 0x03, 0x03, 0x00, 0x76, 0x6d, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x80, 0x00, 0x3c,
        0x3c, 0x79, 0xec, 0x96, 0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x80, 0x00, 0x4a, 0x00, 0xd0, 0x00, 0x00, 0x00, 0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01,
        0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06,
        0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa3, 0x2a, 0x30, 0x28, 0xa0, 0x26, 0x1b,
        0x24, 0x6e, 0x6f, 0x74, 0x5f, 0x64, 0x65, 0x66, 0x69, 0x6e, 0x65, 0x64, 0x5f, 0x69, 0x6e,
        0x5f, 0x52, 0x46, 0x43, 0x34, 0x31, 0x37, 0x38, 0x40, 0x70, 0x6c, 0x65, 0x61, 0x73, 0x65,
        0x5f, 0x69, 0x67, 0x6e, 0x6f, 0x72, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x26, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x20, 0x00, 0x01, 0x00, 0x8c, 0x18, 0x77,
        0x3b, 0x8a, 0x8d, 0xbd, 0xca, 0x63, 0xf6, 0xaa, 0xf4, 0x12, 0xdf, 0xa3, 0x2f, 0x0a, 0x3d,
        0x3a, 0xe1, 0x0e, 0xf1, 0x14, 0x54, 0x29, 0x53, 0x37, 0x06, 0x11, 0x3a, 0x24, 0x8b, 0x00,
        0x00, 0x02, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x08, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00,
    ];
    /// `smb311_guest.pcapng` frame 8 (NBSS header stripped).
    static SESS_REQ1: [u8; 162] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x20, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x58, 0x00, 0x4a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x60, 0x48,
        0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e, 0x30, 0x3c, 0xa0, 0x0e, 0x30,
        0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x2a,
        0x04, 0x28, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15,
        0x82, 0x08, 0x62, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x28, 0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f,
    ];
    /// `smb311_guest.pcapng` frame 9 (NBSS header stripped).
    static SESS_RESP1: [u8; 204] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x16, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x01,
        0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x48, 0x00, 0x84, 0x00, 0xa1, 0x81, 0x81,
        0x30, 0x7f, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0xa1, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
        0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x6a, 0x04, 0x68, 0x4e, 0x54, 0x4c, 0x4d, 0x53,
        0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x38, 0x00, 0x00, 0x00,
        0x15, 0x82, 0x8a, 0x62, 0xce, 0x4c, 0x16, 0x7e, 0xe0, 0x0b, 0x42, 0xdb, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x2c, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x06, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x56, 0x00, 0x4d, 0x00, 0x02, 0x00, 0x04, 0x00, 0x56,
        0x00, 0x4d, 0x00, 0x01, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x03, 0x00, 0x04, 0x00, 0x76, 0x00, 0x6d, 0x00, 0x07, 0x00, 0x08, 0x00, 0x58, 0xe7, 0x7a,
        0xec, 0x96, 0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb311_guest.pcapng` frame 10 (NBSS header stripped).
    static SESS_REQ2: [u8; 254] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x20, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x19, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x58, 0x00, 0xa6, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1, 0x81,
        0xa3, 0x30, 0x81, 0xa0, 0xa2, 0x81, 0x89, 0x04, 0x81, 0x86, 0x4e, 0x54, 0x4c, 0x4d, 0x53,
        0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x12, 0x00, 0x12, 0x00, 0x58, 0x00, 0x00,
        0x00, 0x08, 0x00, 0x08, 0x00, 0x6a, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04, 0x00, 0x72, 0x00,
        0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x76, 0x00, 0x00, 0x00, 0x15, 0x82, 0x00, 0x62, 0x06,
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x69, 0x76, 0xe6, 0x59, 0x87, 0xf7, 0x1c, 0xdf,
        0x43, 0x26, 0x4c, 0x34, 0x75, 0x51, 0x08, 0x08, 0x57, 0x00, 0x4f, 0x00, 0x52, 0x00, 0x4b,
        0x00, 0x47, 0x00, 0x52, 0x00, 0x4f, 0x00, 0x55, 0x00, 0x50, 0x00, 0x72, 0x00, 0x6f, 0x00,
        0x6f, 0x00, 0x74, 0x00, 0x56, 0x00, 0x4d, 0x00, 0xfc, 0x36, 0x84, 0x68, 0x58, 0x2a, 0x77,
        0x6b, 0x6b, 0x78, 0x4a, 0x52, 0xaf, 0x45, 0x6d, 0x27, 0xa3, 0x12, 0x04, 0x10, 0x01, 0x00,
        0x00, 0x00, 0x63, 0xc3, 0x50, 0xbe, 0x60, 0x37, 0x24, 0xa1, 0x62, 0x27, 0x9a, 0xa9,
    ];
    /// `smb311_guest.pcapng` frame 11 (NBSS header stripped).
    static SESS_RESP2: [u8; 81] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
        0x20, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x01, 0x00, 0x48, 0x00, 0x09, 0x00, 0xa1, 0x07, 0x30,
        0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00,
    ];
    /// `smb311_guest.pcapng` frame 16 (NBSS header stripped).
    static TDIS_REQ: [u8; 68] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01,
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x45, 0x9c, 0x94, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    ];
    /// `smb311_guest.pcapng` frame 17 (NBSS header stripped).
    static TDIS_RESP: [u8; 68] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01,
        0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x14, 0x45, 0x9c, 0x94, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    ];
    /// `smb311_guest.pcapng` frame 18 (NBSS header stripped).
    static TCON_REQ: [u8; 102] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01,
        0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x48, 0x00, 0x1e, 0x00, 0x5c, 0x00, 0x5c,
        0x00, 0x31, 0x00, 0x32, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00, 0x30, 0x00,
        0x2e, 0x00, 0x31, 0x00, 0x5c, 0x00, 0x70, 0x00, 0x75, 0x00, 0x62, 0x00,
    ];
    /// `smb311_guest.pcapng` frame 19 (NBSS header stripped).
    static TCON_RESP: [u8; 80] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01,
        0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xd3, 0x71, 0xe5, 0x7a, 0xf2, 0xef, 0x16, 0x82, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xff, 0x01, 0x1f, 0x00,
    ];
    /// `smb311_badshare.pcapng` frame 19 (NBSS header stripped).
    static ERR_BAD_NETWORK_NAME: [u8; 73] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0xcc, 0x00, 0x00, 0xc0, 0x03, 0x00, 0x01,
        0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfa, 0x6a, 0xcb, 0xf7, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb311_badpw.pcapng` frame 11 (NBSS header stripped).
    static ERR_LOGON_FAILURE: [u8; 73] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x6d, 0x00, 0x00, 0xc0, 0x01, 0x00, 0x01,
        0x00, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x73, 0x75, 0xc6, 0x57, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    // `tests/captures/probe_smb311_anon.pcapng`: this crate's probe, LOGOFF.
    /// `probe_smb311_anon.pcapng` frame 16 (NBSS header stripped).
    static LOGOFF_REQ: [u8; 68] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x1f,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x55, 0x72, 0x0a, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    ];
    /// `probe_smb311_anon.pcapng` frame 17 (NBSS header stripped).
    static LOGOFF_RESP: [u8; 68] = [
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x1f,
        0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf7, 0x55, 0x72, 0x0a, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    ];

    fn body(msg: &[u8]) -> &[u8] {
        &msg[HEADER_LEN..]
    }

    /// Parses a whole message the way a client would, including every
    /// negotiate context, so that any truncation must surface as an error.
    fn parse_all(msg: &[u8]) -> Result<()> {
        let h = Header::new_checked(msg)?;
        let hr = HeaderRepr::parse(&h)?;
        let b = &msg[HEADER_LEN..];
        if hr.is_response() && hr.status.is_error() && hr.status != NtStatus::MoreProcessingRequired
        {
            return ErrorRepr::parse(b).map(|_| ());
        }
        match (hr.command, hr.is_response()) {
            (Command::Negotiate, false) => {
                let r = NegotiateRequestRepr::parse(&NegotiateRequest::new_checked(b)?)?;
                for c in r.contexts {
                    c?;
                }
            }
            (Command::Negotiate, true) => {
                NegotiateResponseRepr::parse(&NegotiateResponse::new_checked(b)?)?;
            }
            (Command::SessionSetup, false) => {
                SessionSetupRequestRepr::parse(&SessionSetupRequest::new_checked(b)?)?;
            }
            (Command::SessionSetup, true) => {
                SessionSetupResponseRepr::parse(&SessionSetupResponse::new_checked(b)?)?;
            }
            (Command::TreeConnect, false) => {
                TreeConnectRequestRepr::parse(&TreeConnectRequest::new_checked(b)?)?;
            }
            (Command::TreeConnect, true) => {
                TreeConnectResponseRepr::parse(&TreeConnectResponse::new_checked(b)?)?;
            }
            _ => {
                EmptyRepr::parse(b)?;
            }
        }
        Ok(())
    }

    const ALL: [&[u8]; 14] = [
        &LOGOFF_REQ,
        &LOGOFF_RESP,
        &NEG_REQ,
        &NEG_RESP,
        &SESS_REQ1,
        &SESS_RESP1,
        &SESS_REQ2,
        &SESS_RESP2,
        &TDIS_REQ,
        &TDIS_RESP,
        &TCON_REQ,
        &TCON_RESP,
        &ERR_BAD_NETWORK_NAME,
        &ERR_LOGON_FAILURE,
    ];

    #[test]
    fn every_fixture_parses_and_every_truncation_fails() {
        for msg in ALL {
            parse_all(msg).unwrap();
            for n in 0..msg.len() {
                assert!(
                    parse_all(&msg[..n]).is_err(),
                    "prefix {n} of {} bytes parsed",
                    msg.len()
                );
            }
        }
    }

    #[test]
    fn header_read_and_emit() {
        let h = Header::new_checked(&TCON_RESP[..]).unwrap();
        let r = HeaderRepr::parse(&h).unwrap();
        assert_eq!(r.command, Command::TreeConnect);
        assert_eq!(r.status, NtStatus::Success);
        assert!(r.is_response());
        assert_eq!(r.message_id, 6);
        assert_eq!(r.session_id, 0x8216_eff2);
        assert_eq!(r.tree_id(), 0x7ae5_71d3);
        for msg in ALL {
            let r = HeaderRepr::parse(&Header::new_checked(msg).unwrap()).unwrap();
            let mut buf = [0xa5u8; HEADER_LEN];
            r.emit(&mut Header::new_unchecked(&mut buf[..]));
            assert_eq!(&buf[..], &msg[..HEADER_LEN]);
        }
        let bad = [0u8; HEADER_LEN];
        assert_eq!(
            HeaderRepr::parse(&Header::new_unchecked(&bad[..])),
            Err(Error::BadProtocolId)
        );
    }

    #[test]
    fn negotiate_request_read_and_emit() {
        let v = NegotiateRequest::new_checked(body(&NEG_REQ)).unwrap();
        let r = NegotiateRequestRepr::parse(&v).unwrap();
        let dialects: heapless::Vec<u16, 8> = r.dialects.iter().collect();
        assert_eq!(&dialects[..], &[0x0202, 0x0210, 0x0300, 0x0302, 0x0311]);
        assert_eq!(r.security_mode, security_mode::SIGNING_ENABLED);
        let mut ctxs: heapless::Vec<NegotiateContext<'_>, 8> = heapless::Vec::new();
        for c in r.contexts {
            ctxs.push(c.unwrap()).unwrap();
        }
        assert_eq!(ctxs.len(), 4);
        match ctxs[0] {
            NegotiateContext::PreauthIntegrity {
                hash_algorithms,
                salt,
            } => {
                assert_eq!(
                    hash_algorithms.iter().next(),
                    Some(u16::from(HashAlgorithm::Sha512))
                );
                assert_eq!(salt.len(), 32);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(ctxs[3].context_type(), ContextType::NetName);
        let mut buf = [0xa5u8; 512];
        let n = r.emit_with(&ctxs, &mut buf).unwrap();
        assert_eq!(&buf[..n], body(&NEG_REQ));
        assert!(r.emit_with(&ctxs, &mut buf[..n - 1]).is_err());
    }

    #[test]
    fn negotiate_response_read() {
        let v = NegotiateResponse::new_checked(body(&NEG_RESP)).unwrap();
        let r = NegotiateResponseRepr::parse(&v).unwrap();
        assert_eq!(r.dialect, Dialect::Smb311);
        assert_eq!(r.security_mode, security_mode::SIGNING_ENABLED);
        assert_eq!(r.security_buffer.len(), 74);
        assert_eq!(r.security_buffer[0], 0x60);
        assert_eq!(r.hash_algorithm, Some(HashAlgorithm::Sha512));
        assert_eq!(r.cipher, Some(Cipher::Aes128Gcm));
        assert_eq!(r.signing_algorithm, Some(SigningAlgorithm::AesGmac));
        assert_eq!(r.max_read_size, 0x0080_0000);
    }

    #[test]
    fn session_setup_read_and_emit() {
        for msg in [&SESS_REQ1[..], &SESS_REQ2[..]] {
            let r = SessionSetupRequestRepr::parse(
                &SessionSetupRequest::new_checked(body(msg)).unwrap(),
            )
            .unwrap();
            assert_eq!(
                &r.security_buffer[..1],
                &[if msg.len() == SESS_REQ1.len() {
                    0x60
                } else {
                    0xa1
                }]
            );
            let mut buf = [0xa5u8; 256];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..n], body(msg));
        }
        for msg in [&SESS_RESP1[..], &SESS_RESP2[..]] {
            let r = SessionSetupResponseRepr::parse(
                &SessionSetupResponse::new_checked(body(msg)).unwrap(),
            )
            .unwrap();
            let mut buf = [0xa5u8; 256];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..n], body(msg));
        }
        let h = HeaderRepr::parse(&Header::new_checked(&SESS_RESP1[..]).unwrap()).unwrap();
        assert_eq!(h.status, NtStatus::MoreProcessingRequired);
    }

    #[test]
    fn tree_connect_read_and_emit() {
        let r = TreeConnectRequestRepr::parse(
            &TreeConnectRequest::new_checked(body(&TCON_REQ)).unwrap(),
        )
        .unwrap();
        let mut path = [0u8; 64];
        let n =
            crate::wire::utf16le("\\\\127.0.0.1\\pub", crate::wire::Case::AsIs, &mut path).unwrap();
        assert_eq!(r.path, &path[..n]);
        let mut buf = [0xa5u8; 128];
        let n = TreeConnectRequestRepr {
            flags: 0,
            path: &path[..n],
        }
        .emit(&mut buf)
        .unwrap();
        assert_eq!(&buf[..n], body(&TCON_REQ));

        let r = TreeConnectResponseRepr::parse(
            &TreeConnectResponse::new_checked(body(&TCON_RESP)).unwrap(),
        )
        .unwrap();
        assert_eq!(r.share_type, ShareType::Disk);
        let mut buf = [0xa5u8; 16];
        r.emit(&mut buf).unwrap();
        assert_eq!(&buf[..], body(&TCON_RESP));
        assert_eq!(ShareType::from(0x07), ShareType::Unknown(7));
    }

    #[test]
    fn empty_and_error_bodies() {
        for msg in [
            &TDIS_REQ[..],
            &TDIS_RESP[..],
            &LOGOFF_REQ[..],
            &LOGOFF_RESP[..],
        ] {
            let r = EmptyRepr::parse(body(msg)).unwrap();
            let mut buf = [0xa5u8; 4];
            r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..], body(msg));
        }
        for (msg, st) in [
            (&ERR_BAD_NETWORK_NAME, NtStatus::BadNetworkName),
            (&ERR_LOGON_FAILURE, NtStatus::LogonFailure),
        ] {
            let h = HeaderRepr::parse(&Header::new_checked(&msg[..]).unwrap()).unwrap();
            assert_eq!(h.status, st);
            let r = ErrorRepr::parse(body(msg)).unwrap();
            let mut buf = [0xa5u8; 9];
            r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..], body(msg));
        }
    }

    #[test]
    fn context_parse_rejects_bad_lengths() {
        // A preauth context claiming 3 hash algorithms in 6 bytes of data.
        let ctx = [
            0x01, 0x00, 0x06, 0x00, 0, 0, 0, 0, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00,
        ];
        assert_eq!(NegotiateContext::parse(&ctx).err(), Some(Error::Truncated));
        assert!(U16List::from_le_bytes(&[1, 2, 3]).is_err());
    }
}
