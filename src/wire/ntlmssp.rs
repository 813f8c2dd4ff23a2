//! NTLMSSP messages (MS-NLMP 2.2.1) and the NTLMv2 computations a client
//! needs (MS-NLMP 3.3.2), without NEGOTIATE_KEY_EXCH: the exported session
//! key is the NTLMv2 SessionBaseKey, so no RC4 is involved (MS-NLMP 3.4.5.1).
//!
//! Messages are a fixed header of `(Len, MaxLen, Offset)` field triples
//! (MS-NLMP 2.2.1) followed by a payload; offsets count from the `NTLMSSP\0`
//! signature. The views check every triple against the buffer.

use core::fmt;

use hmac::{Hmac, Mac};
use md4::{Digest, Md4};
use md5::Md5;

use super::Field;
use super::le::{get_u16, get_u32, put};
type HmacMd5 = Hmac<Md5>;

/// `NTLMSSP\0`, the Signature of every message (MS-NLMP 2.2.1).
pub const SIGNATURE: [u8; 8] = *b"NTLMSSP\0";

/// Errors of the NTLMSSP codec (MS-NLMP 2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer ends before the structure does.
    Truncated,
    /// Signature is not `NTLMSSP\0`.
    BadSignature,
    /// MessageType is not the one expected.
    BadMessageType(u32),
    /// A field's offset/length points outside the message.
    BadOffset,
    /// The output buffer is too small.
    NoSpace,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated NTLMSSP message"),
            Error::BadSignature => f.write_str("not an NTLMSSP message"),
            Error::BadMessageType(t) => write!(f, "unexpected NTLMSSP message type {t}"),
            Error::BadOffset => f.write_str("NTLMSSP field out of range"),
            Error::NoSpace => f.write_str("NTLMSSP output buffer too small"),
        }
    }
}

type Result<T> = core::result::Result<T, Error>;

crate::enum_with_unknown! {
    /// MessageType (MS-NLMP 2.2.1).
    pub enum MessageType(u32) {
        /// NEGOTIATE_MESSAGE (2.2.1.1).
        Negotiate = 1,
        /// CHALLENGE_MESSAGE (2.2.1.2).
        Challenge = 2,
        /// AUTHENTICATE_MESSAGE (2.2.1.3).
        Authenticate = 3,
    }
}

/// NegotiateFlags bits (MS-NLMP 2.2.2.5).
pub mod flags {
    /// NTLMSSP_NEGOTIATE_UNICODE (A).
    pub const UNICODE: u32 = 0x0000_0001;
    /// NTLM_NEGOTIATE_OEM (B).
    pub const OEM: u32 = 0x0000_0002;
    /// NTLMSSP_REQUEST_TARGET (C).
    pub const REQUEST_TARGET: u32 = 0x0000_0004;
    /// NTLMSSP_NEGOTIATE_SIGN (D).
    pub const SIGN: u32 = 0x0000_0010;
    /// NTLMSSP_NEGOTIATE_SEAL (E).
    pub const SEAL: u32 = 0x0000_0020;
    /// NTLMSSP_NEGOTIATE_LM_KEY (G).
    pub const LM_KEY: u32 = 0x0000_0080;
    /// NTLMSSP_NEGOTIATE_NTLM (H).
    pub const NTLM: u32 = 0x0000_0200;
    /// Anonymous connection (J).
    pub const ANONYMOUS: u32 = 0x0000_0800;
    /// NTLMSSP_NEGOTIATE_ALWAYS_SIGN (M).
    pub const ALWAYS_SIGN: u32 = 0x0000_8000;
    /// NTLMSSP_TARGET_TYPE_DOMAIN (N).
    pub const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
    /// NTLMSSP_TARGET_TYPE_SERVER (O).
    pub const TARGET_TYPE_SERVER: u32 = 0x0002_0000;
    /// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY (P).
    pub const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
    /// NTLMSSP_NEGOTIATE_TARGET_INFO (S).
    pub const TARGET_INFO: u32 = 0x0080_0000;
    /// NTLMSSP_NEGOTIATE_VERSION (T).
    pub const VERSION: u32 = 0x0200_0000;
    /// NTLMSSP_NEGOTIATE_128 (U).
    pub const NEGOTIATE_128: u32 = 0x2000_0000;
    /// NTLMSSP_NEGOTIATE_KEY_EXCH (V).
    pub const KEY_EXCH: u32 = 0x4000_0000;
    /// NTLMSSP_NEGOTIATE_56 (W).
    pub const NEGOTIATE_56: u32 = 0x8000_0000;

    /// What this client asks for: Unicode, NTLM with extended session
    /// security, signing, 128-bit, and no key exchange (MS-NLMP 3.1.5.1.1).
    pub const CLIENT: u32 = UNICODE
        | REQUEST_TARGET
        | SIGN
        | NTLM
        | ALWAYS_SIGN
        | EXTENDED_SESSIONSECURITY
        | NEGOTIATE_128
        | NEGOTIATE_56;
}

/// Reads the `(Len, MaxLen, Offset)` triple at `f` and returns the payload
/// it names (MS-NLMP 2.2.1).
fn payload(msg: &[u8], f: Field) -> Result<&[u8]> {
    let fixed = msg.get(..f.end).ok_or(Error::Truncated)?;
    let len = usize::from(get_u16(fixed, f.start..f.start + 2));
    let off =
        usize::try_from(get_u32(fixed, f.start + 4..f.start + 8)).map_err(|_| Error::BadOffset)?;
    if len == 0 {
        return Ok(&[]);
    }
    let end = off.checked_add(len).ok_or(Error::BadOffset)?;
    msg.get(off..end).ok_or(Error::BadOffset)
}

/// Offset of a non-empty field, for guessing the header length.
fn field_offset(msg: &[u8], f: Field) -> Option<usize> {
    let fixed = msg.get(..f.end)?;
    if get_u16(fixed, f.start..f.start + 2) == 0 {
        return None;
    }
    usize::try_from(get_u32(fixed, f.start + 4..f.start + 8)).ok()
}

/// Writes a `(Len, MaxLen, Offset)` triple and its data at `*off`.
fn put_field(msg: &mut [u8], f: Field, data: &[u8], off: &mut usize) -> Result<()> {
    let len = u16::try_from(data.len()).map_err(|_| Error::NoSpace)?;
    let at = u32::try_from(*off).map_err(|_| Error::NoSpace)?;
    let dst = msg.get_mut(*off..*off + data.len()).ok_or(Error::NoSpace)?;
    dst.copy_from_slice(data);
    put(msg, f.start..f.start + 2, &len.to_le_bytes());
    put(msg, f.start + 2..f.start + 4, &len.to_le_bytes());
    put(msg, f.start + 4..f.end, &at.to_le_bytes());
    *off += data.len();
    Ok(())
}

fn check_head(msg: &[u8], fixed: usize, ty: MessageType) -> Result<()> {
    let h = msg.get(..fixed).ok_or(Error::Truncated)?;
    if h[0..8] != SIGNATURE {
        return Err(Error::BadSignature);
    }
    match MessageType::from(get_u32(h, 8..12)) {
        t if t == ty => Ok(()),
        t => Err(Error::BadMessageType(t.into())),
    }
}

// ---------------------------------------------------------------- NEGOTIATE

mod neg {
    use super::Field;
    pub const FLAGS: Field = 12..16;
    pub const DOMAIN: Field = 16..24;
    pub const WORKSTATION: Field = 24..32;
    pub const VERSION: Field = 32..40;
    pub const FIXED: usize = 32;
}

/// A view of a NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1).
#[derive(Debug, Clone, Copy)]
pub struct NegotiateMessage<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> NegotiateMessage<T> {
    /// Wraps a buffer without checks (MS-NLMP 2.2.1.1).
    pub const fn new_unchecked(buffer: T) -> Self {
        NegotiateMessage { buffer }
    }
    /// Wraps a buffer after [`Self::check_len`] (MS-NLMP 2.2.1.1).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks signature, type, fields and the Version when flagged (MS-NLMP 2.2.1.1).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        check_head(b, neg::FIXED, MessageType::Negotiate)?;
        payload(b, neg::DOMAIN)?;
        payload(b, neg::WORKSTATION)?;
        if self.flags() & flags::VERSION != 0 {
            b.get(neg::VERSION).ok_or(Error::Truncated)?;
        }
        Ok(())
    }
    /// NegotiateFlags (MS-NLMP 2.2.1.1).
    pub fn flags(&self) -> u32 {
        get_u32(self.buffer.as_ref(), neg::FLAGS)
    }
}

/// A NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NegotiateRepr<'a> {
    /// NegotiateFlags ([`flags`]).
    pub flags: u32,
    /// DomainName (OEM, only with OEM_DOMAIN_SUPPLIED).
    pub domain: &'a [u8],
    /// Workstation (OEM, only with OEM_WORKSTATION_SUPPLIED).
    pub workstation: &'a [u8],
    /// Version (MS-NLMP 2.2.2.10), present when `flags` has VERSION.
    pub version: Option<[u8; 8]>,
}

impl<'a> NegotiateRepr<'a> {
    /// This client's NEGOTIATE_MESSAGE (MS-NLMP 3.1.5.1.1).
    pub const fn client() -> NegotiateRepr<'static> {
        NegotiateRepr {
            flags: flags::CLIENT,
            domain: &[],
            workstation: &[],
            version: None,
        }
    }
    /// Parses a message (MS-NLMP 2.2.1.1).
    pub fn parse(v: &NegotiateMessage<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        let version = if v.flags() & flags::VERSION != 0 {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[neg::VERSION]);
            Some(a)
        } else {
            None
        };
        Ok(NegotiateRepr {
            flags: v.flags(),
            domain: payload(b, neg::DOMAIN)?,
            workstation: payload(b, neg::WORKSTATION)?,
            version,
        })
    }
    fn header_len(&self) -> usize {
        if self.version.is_some() {
            neg::VERSION.end
        } else {
            neg::FIXED
        }
    }
    /// Length of the message (MS-NLMP 2.2.1.1).
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.domain.len() + self.workstation.len()
    }
    /// Writes the message into `b`, returning its length (MS-NLMP 2.2.1.1).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        put(b, 0..8, &SIGNATURE);
        put(b, 8..12, &1u32.to_le_bytes());
        put(b, neg::FLAGS, &self.flags.to_le_bytes());
        let mut off = self.header_len();
        put_field(b, neg::DOMAIN, self.domain, &mut off)?;
        put_field(b, neg::WORKSTATION, self.workstation, &mut off)?;
        if let Some(v) = self.version {
            put(b, neg::VERSION, &v);
        }
        Ok(len)
    }
}

// ---------------------------------------------------------------- CHALLENGE

mod chal {
    use super::Field;
    pub const TARGET_NAME: Field = 12..20;
    pub const FLAGS: Field = 20..24;
    pub const SERVER_CHALLENGE: Field = 24..32;
    pub const RESERVED: Field = 32..40;
    pub const TARGET_INFO: Field = 40..48;
    pub const VERSION: Field = 48..56;
    pub const FIXED: usize = 48;
}

/// A view of a CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2).
#[derive(Debug, Clone, Copy)]
pub struct ChallengeMessage<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ChallengeMessage<T> {
    /// Wraps a buffer without checks (MS-NLMP 2.2.1.2).
    pub const fn new_unchecked(buffer: T) -> Self {
        ChallengeMessage { buffer }
    }
    /// Wraps a buffer after [`Self::check_len`] (MS-NLMP 2.2.1.2).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks signature, type and both payload fields (MS-NLMP 2.2.1.2).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        check_head(b, chal::FIXED, MessageType::Challenge)?;
        payload(b, chal::TARGET_NAME)?;
        payload(b, chal::TARGET_INFO)?;
        if self.flags() & flags::VERSION != 0 {
            b.get(chal::VERSION).ok_or(Error::Truncated)?;
        }
        Ok(())
    }
    /// NegotiateFlags (MS-NLMP 2.2.1.2).
    pub fn flags(&self) -> u32 {
        get_u32(self.buffer.as_ref(), chal::FLAGS)
    }
    /// ServerChallenge (MS-NLMP 2.2.1.2).
    pub fn server_challenge(&self) -> [u8; 8] {
        let mut a = [0u8; 8];
        a.copy_from_slice(&self.buffer.as_ref()[chal::SERVER_CHALLENGE]);
        a
    }
}

/// A CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeRepr<'a> {
    /// NegotiateFlags.
    pub flags: u32,
    /// ServerChallenge.
    pub server_challenge: [u8; 8],
    /// TargetName (UTF-16LE with UNICODE).
    pub target_name: &'a [u8],
    /// TargetInfo: AV_PAIRs (MS-NLMP 2.2.2.1), see [`AvPairs`].
    pub target_info: &'a [u8],
    /// Version, when `flags` has VERSION.
    pub version: Option<[u8; 8]>,
}

impl<'a> ChallengeRepr<'a> {
    /// Parses a message (MS-NLMP 2.2.1.2).
    pub fn parse(v: &ChallengeMessage<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        let version = if v.flags() & flags::VERSION != 0 {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[chal::VERSION]);
            Some(a)
        } else {
            None
        };
        let repr = ChallengeRepr {
            flags: v.flags(),
            server_challenge: v.server_challenge(),
            target_name: payload(b, chal::TARGET_NAME)?,
            target_info: payload(b, chal::TARGET_INFO)?,
            version,
        };
        for pair in AvPairs::new(repr.target_info) {
            pair?;
        }
        Ok(repr)
    }
    fn header_len(&self) -> usize {
        if self.version.is_some() {
            chal::VERSION.end
        } else {
            chal::FIXED
        }
    }
    /// Length of the message (MS-NLMP 2.2.1.2).
    pub fn buffer_len(&self) -> usize {
        self.header_len() + self.target_name.len() + self.target_info.len()
    }
    /// Writes the message (MS-NLMP 2.2.1.2).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        put(b, 0..8, &SIGNATURE);
        put(b, 8..12, &2u32.to_le_bytes());
        put(b, chal::FLAGS, &self.flags.to_le_bytes());
        put(b, chal::SERVER_CHALLENGE, &self.server_challenge);
        put(b, chal::RESERVED, &[0; 8]);
        let mut off = self.header_len();
        put_field(b, chal::TARGET_NAME, self.target_name, &mut off)?;
        put_field(b, chal::TARGET_INFO, self.target_info, &mut off)?;
        if let Some(v) = self.version {
            put(b, chal::VERSION, &v);
        }
        Ok(len)
    }
    /// MsvAvTimestamp from TargetInfo, if the server sent one (MS-NLMP 2.2.2.1).
    pub fn timestamp(&self) -> Option<u64> {
        AvPairs::new(self.target_info)
            .filter_map(|p| p.ok())
            .find_map(|p| match p.id {
                AvId::Timestamp => {
                    let v = p.value.get(..8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(v);
                    Some(u64::from_le_bytes(a))
                }
                _ => None,
            })
    }
    /// MsvAvNbDomainName from TargetInfo, UTF-16LE (MS-NLMP 2.2.2.1).
    pub fn nb_domain_name(&self) -> Option<&'a [u8]> {
        AvPairs::new(self.target_info)
            .filter_map(|p| p.ok())
            .find(|p| p.id == AvId::NbDomainName)
            .map(|p| p.value)
    }
}

crate::enum_with_unknown! {
    /// AvId of an AV_PAIR (MS-NLMP 2.2.2.1).
    pub enum AvId(u16) {
        /// MsvAvEOL.
        Eol = 0,
        /// MsvAvNbComputerName.
        NbComputerName = 1,
        /// MsvAvNbDomainName.
        NbDomainName = 2,
        /// MsvAvDnsComputerName.
        DnsComputerName = 3,
        /// MsvAvDnsDomainName.
        DnsDomainName = 4,
        /// MsvAvDnsTreeName.
        DnsTreeName = 5,
        /// MsvAvFlags.
        Flags = 6,
        /// MsvAvTimestamp.
        Timestamp = 7,
        /// MsvAvSingleHost.
        SingleHost = 8,
        /// MsvAvTargetName.
        TargetName = 9,
        /// MsvAvChannelBindings.
        ChannelBindings = 10,
    }
}

/// One AV_PAIR (MS-NLMP 2.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvPair<'a> {
    /// AvId.
    pub id: AvId,
    /// Value.
    pub value: &'a [u8],
}

impl<'a> AvPair<'a> {
    /// Parses one pair, returning the rest (MS-NLMP 2.2.2.1).
    pub fn parse(b: &'a [u8]) -> Result<(&'a [u8], AvPair<'a>)> {
        let h = b.get(..4).ok_or(Error::Truncated)?;
        let id = AvId::from(get_u16(h, 0..2));
        let len = usize::from(get_u16(h, 2..4));
        let value = b.get(4..4 + len).ok_or(Error::Truncated)?;
        let rest = b.get(4 + len..).ok_or(Error::Truncated)?;
        Ok((rest, AvPair { id, value }))
    }
}

/// The AV_PAIR list of a TargetInfo, up to MsvAvEOL (MS-NLMP 2.2.2.1).
/// A list that ends without MsvAvEOL yields an error.
#[derive(Debug, Clone, Copy)]
pub struct AvPairs<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> AvPairs<'a> {
    /// Iterates the pairs of `target_info`; an empty one holds none.
    pub fn new(target_info: &'a [u8]) -> AvPairs<'a> {
        AvPairs {
            rest: if target_info.is_empty() {
                None
            } else {
                Some(target_info)
            },
        }
    }
}

impl<'a> Iterator for AvPairs<'a> {
    type Item = Result<AvPair<'a>>;
    fn next(&mut self) -> Option<Self::Item> {
        let b = self.rest?;
        match AvPair::parse(b) {
            Ok((_, AvPair { id: AvId::Eol, .. })) => {
                self.rest = None;
                None
            }
            Ok((rest, pair)) => {
                self.rest = Some(rest);
                Some(Ok(pair))
            }
            Err(e) => {
                self.rest = None;
                Some(Err(e))
            }
        }
    }
}

// ---------------------------------------------------------------- AUTHENTICATE

mod auth {
    use super::Field;
    pub const LM_RESPONSE: Field = 12..20;
    pub const NT_RESPONSE: Field = 20..28;
    pub const DOMAIN: Field = 28..36;
    pub const USER: Field = 36..44;
    pub const WORKSTATION: Field = 44..52;
    pub const SESSION_KEY: Field = 52..60;
    pub const FLAGS: Field = 60..64;
    pub const VERSION: Field = 64..72;
    pub const MIC: Field = 72..88;
    pub const FIXED: usize = 64;
    pub const FIELDS: [Field; 6] = [
        LM_RESPONSE,
        NT_RESPONSE,
        DOMAIN,
        USER,
        WORKSTATION,
        SESSION_KEY,
    ];
}

/// A view of an AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3).
#[derive(Debug, Clone, Copy)]
pub struct AuthenticateMessage<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> AuthenticateMessage<T> {
    /// Wraps a buffer without checks (MS-NLMP 2.2.1.3).
    pub const fn new_unchecked(buffer: T) -> Self {
        AuthenticateMessage { buffer }
    }
    /// Wraps a buffer after [`Self::check_len`] (MS-NLMP 2.2.1.3).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks signature, type, all six payload fields (MS-NLMP 2.2.1.3).
    pub fn check_len(&self) -> Result<()> {
        let b = self.buffer.as_ref();
        check_head(b, auth::FIXED, MessageType::Authenticate)?;
        for f in auth::FIELDS {
            payload(b, f)?;
        }
        b.get(..self.header_len()).ok_or(Error::Truncated)?;
        Ok(())
    }
    /// NegotiateFlags (MS-NLMP 2.2.1.3).
    pub fn flags(&self) -> u32 {
        get_u32(self.buffer.as_ref(), auth::FLAGS)
    }
    /// 64, 72 with Version, or 88 with Version and MIC: where the lowest
    /// payload offset says the header ends (MS-NLMP 2.2.1.3).
    pub fn header_len(&self) -> usize {
        let b = self.buffer.as_ref();
        let first = auth::FIELDS
            .iter()
            .filter_map(|f| field_offset(b, f.clone()))
            .min()
            .unwrap_or(auth::FIXED);
        if first >= auth::MIC.end {
            auth::MIC.end
        } else if first >= auth::VERSION.end && self.flags() & flags::VERSION != 0 {
            auth::VERSION.end
        } else {
            auth::FIXED
        }
    }
}

/// An AUTHENTICATE_MESSAGE (MS-NLMP 2.2.1.3). Strings are UTF-16LE.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AuthenticateRepr<'a> {
    /// NegotiateFlags.
    pub flags: u32,
    /// LmChallengeResponse.
    pub lm_response: &'a [u8],
    /// NtChallengeResponse (NTLMv2_RESPONSE, MS-NLMP 2.2.2.8).
    pub nt_response: &'a [u8],
    /// DomainName.
    pub domain: &'a [u8],
    /// UserName.
    pub user: &'a [u8],
    /// Workstation.
    pub workstation: &'a [u8],
    /// EncryptedRandomSessionKey (empty without KEY_EXCH).
    pub session_key: &'a [u8],
    /// Version.
    pub version: Option<[u8; 8]>,
    /// MIC (requires `version`).
    pub mic: Option<[u8; 16]>,
}

impl fmt::Debug for AuthenticateRepr<'_> {
    /// Responses are password-equivalent for offline guessing: only lengths.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticateRepr")
            .field("flags", &self.flags)
            .field("lm_response_len", &self.lm_response.len())
            .field("nt_response_len", &self.nt_response.len())
            .field("domain_len", &self.domain.len())
            .field("user_len", &self.user.len())
            .finish_non_exhaustive()
    }
}

impl<'a> AuthenticateRepr<'a> {
    /// Parses a message (MS-NLMP 2.2.1.3).
    pub fn parse(v: &AuthenticateMessage<&'a [u8]>) -> Result<Self> {
        v.check_len()?;
        let b: &'a [u8] = v.buffer;
        let hl = v.header_len();
        let version = (hl >= auth::VERSION.end).then(|| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&b[auth::VERSION]);
            a
        });
        let mic = (hl >= auth::MIC.end).then(|| {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[auth::MIC]);
            a
        });
        Ok(AuthenticateRepr {
            flags: v.flags(),
            lm_response: payload(b, auth::LM_RESPONSE)?,
            nt_response: payload(b, auth::NT_RESPONSE)?,
            domain: payload(b, auth::DOMAIN)?,
            user: payload(b, auth::USER)?,
            workstation: payload(b, auth::WORKSTATION)?,
            session_key: payload(b, auth::SESSION_KEY)?,
            version,
            mic,
        })
    }
    fn header_len(&self) -> usize {
        match (self.version, self.mic) {
            (_, Some(_)) => auth::MIC.end,
            (Some(_), None) => auth::VERSION.end,
            (None, None) => auth::FIXED,
        }
    }
    /// Length of the message (MS-NLMP 2.2.1.3).
    pub fn buffer_len(&self) -> usize {
        self.header_len()
            + self.lm_response.len()
            + self.nt_response.len()
            + self.domain.len()
            + self.user.len()
            + self.workstation.len()
            + self.session_key.len()
    }
    /// Writes the message; payload in the order of the header fields (MS-NLMP 2.2.1.3).
    pub fn emit(&self, b: &mut [u8]) -> Result<usize> {
        let len = self.buffer_len();
        let b = b.get_mut(..len).ok_or(Error::NoSpace)?;
        put(b, 0..8, &SIGNATURE);
        put(b, 8..12, &3u32.to_le_bytes());
        put(b, auth::FLAGS, &self.flags.to_le_bytes());
        let mut off = self.header_len();
        put_field(b, auth::LM_RESPONSE, self.lm_response, &mut off)?;
        put_field(b, auth::NT_RESPONSE, self.nt_response, &mut off)?;
        put_field(b, auth::DOMAIN, self.domain, &mut off)?;
        put_field(b, auth::USER, self.user, &mut off)?;
        put_field(b, auth::WORKSTATION, self.workstation, &mut off)?;
        put_field(b, auth::SESSION_KEY, self.session_key, &mut off)?;
        if let Some(v) = self.version.or(self.mic.map(|_| [0; 8])) {
            put(b, auth::VERSION, &v);
        }
        if let Some(m) = self.mic {
            put(b, auth::MIC, &m);
        }
        Ok(len)
    }
}

// ---------------------------------------------------------------- NTLMv2

/// Feeds a password to `f` as UTF-16LE code units: UTF-8 when it is valid
/// UTF-8, otherwise each byte as one Latin-1 character.
fn password_units(password: &[u8], mut f: impl FnMut([u8; 2])) {
    match core::str::from_utf8(password) {
        Ok(s) => {
            for u in s.encode_utf16() {
                f(u.to_le_bytes());
            }
        }
        Err(_) => {
            for &b in password {
                f(u16::from(b).to_le_bytes());
            }
        }
    }
}

/// NTOWFv1: MD4 of the UTF-16LE password (MS-NLMP 3.3.1), the NT hash.
pub fn nt_hash(password: &[u8]) -> [u8; 16] {
    let mut h = Md4::new();
    password_units(password, |u| h.update(u));
    h.finalize().into()
}

fn hmac_md5(key: &[u8]) -> HmacMd5 {
    // HMAC takes keys of any length; this cannot fail.
    match HmacMd5::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts any key length"),
    }
}

/// NTOWFv2 = HMAC_MD5(NT hash, UNICODE(Uppercase(User) ‖ UserDom)) (MS-NLMP 3.3.2).
pub fn nt_owf_v2(nt_hash: &[u8; 16], user: &str, domain: &str) -> [u8; 16] {
    let mut m = hmac_md5(nt_hash);
    let mut units = [0u16; 2];
    for ch in user.chars() {
        for c in ch.to_uppercase() {
            for u in c.encode_utf16(&mut units).iter() {
                m.update(&u.to_le_bytes());
            }
        }
    }
    for u in domain.encode_utf16() {
        m.update(&u.to_le_bytes());
    }
    m.finalize().into_bytes().into()
}

/// NTOWFv2 from wire strings: `upper_user` is UNICODE(Uppercase(User)) and
/// `domain` is UNICODE(UserDom), both UTF-16LE (MS-NLMP 3.3.2).
pub fn nt_owf_v2_le(nt_hash: &[u8; 16], upper_user: &[u8], domain: &[u8]) -> [u8; 16] {
    let mut m = hmac_md5(nt_hash);
    m.update(upper_user);
    m.update(domain);
    m.finalize().into_bytes().into()
}

/// SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr) (MS-NLMP 3.3.2):
/// the first 16 bytes of an NTLMv2 NtChallengeResponse are NTProofStr.
pub fn session_base_key(response_key: &[u8; 16], nt_proof: &[u8]) -> [u8; 16] {
    let mut m = hmac_md5(response_key);
    m.update(nt_proof);
    m.finalize().into_bytes().into()
}

/// The result of [`ntlmv2_response`]: the lengths written and the keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct NtlmV2 {
    /// Bytes of NtChallengeResponse written.
    pub nt_len: usize,
    /// LmChallengeResponse (LMv2, MS-NLMP 3.3.2).
    pub lm_response: [u8; 24],
    /// SessionBaseKey = KeyExchangeKey = ExportedSessionKey without
    /// KEY_EXCH (MS-NLMP 3.3.2, 3.4.5.1); the SMB session key.
    pub session_key: [u8; 16],
}

impl fmt::Debug for NtlmV2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtlmV2")
            .field("nt_len", &self.nt_len)
            .finish_non_exhaustive()
    }
}

/// Computes the NTLMv2 response (MS-NLMP 3.3.2) into `out`:
/// `NTProofStr ‖ temp` with `temp = 0x01 0x01 Z(6) Time ClientChallenge Z(4)
/// TargetInfo Z(4)` (NTLMv2_CLIENT_CHALLENGE, MS-NLMP 2.2.2.7).
pub fn ntlmv2_response(
    response_key: &[u8; 16],
    server_challenge: &[u8; 8],
    client_challenge: &[u8; 8],
    time: u64,
    target_info: &[u8],
    out: &mut [u8],
) -> Result<NtlmV2> {
    let temp_len = 28 + target_info.len() + 4;
    let nt_len = 16 + temp_len;
    let out = out.get_mut(..nt_len).ok_or(Error::NoSpace)?;
    {
        let temp = &mut out[16..];
        temp[0] = 1; // RespType
        temp[1] = 1; // HiRespType
        temp[2..8].fill(0);
        temp[8..16].copy_from_slice(&time.to_le_bytes());
        temp[16..24].copy_from_slice(client_challenge);
        temp[24..28].fill(0);
        temp[28..28 + target_info.len()].copy_from_slice(target_info);
        temp[28 + target_info.len()..].fill(0);
    }
    let mut m = hmac_md5(response_key);
    m.update(server_challenge);
    m.update(&out[16..]);
    let proof: [u8; 16] = m.finalize().into_bytes().into();
    out[..16].copy_from_slice(&proof);

    let session_key = session_base_key(response_key, &proof);

    let mut m = hmac_md5(response_key);
    m.update(server_challenge);
    m.update(client_challenge);
    let lm: [u8; 16] = m.finalize().into_bytes().into();
    let mut lm_response = [0u8; 24];
    lm_response[..16].copy_from_slice(&lm);
    lm_response[16..].copy_from_slice(client_challenge);
    Ok(NtlmV2 {
        nt_len,
        lm_response,
        session_key,
    })
}

#[cfg(test)]
mod test {
    use super::*;

    // Fixtures: `tests/captures/smb311_user.pcapng` (smbclient -U smbtest%pw,
    // Samba 4.17) and `tests/captures/smb311_guest.pcapng` (smbclient -N).
    /// `smb311_user.pcapng` frame 8 (the NTLMSSP token inside SPNEGO).
    static NEGOTIATE_MSG: [u8; 40] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00, 0x15, 0x82, 0x08,
        0x62, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00,
        0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f,
    ];
    /// `smb311_user.pcapng` frame 9 (the NTLMSSP token inside SPNEGO).
    static CHALLENGE_MSG: [u8; 104] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x04, 0x00, 0x04,
        0x00, 0x38, 0x00, 0x00, 0x00, 0x15, 0x82, 0x8a, 0x62, 0xff, 0x17, 0xbb, 0xc7, 0x04, 0x7b,
        0xd9, 0x86, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x2c, 0x00, 0x3c,
        0x00, 0x00, 0x00, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x56, 0x00, 0x4d, 0x00,
        0x02, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x01, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d,
        0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x76, 0x00, 0x6d, 0x00, 0x07, 0x00,
        0x08, 0x00, 0x2a, 0x7a, 0x84, 0xec, 0x96, 0x79, 0xdd, 0x01, 0x00, 0x00, 0x00, 0x00,
    ];
    /// `smb311_user.pcapng` frame 10 (the NTLMSSP token inside SPNEGO).
    static AUTHENTICATE_MSG: [u8; 364] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00, 0x18, 0x00, 0x18,
        0x00, 0x58, 0x00, 0x00, 0x00, 0xc8, 0x00, 0xc8, 0x00, 0x70, 0x00, 0x00, 0x00, 0x12, 0x00,
        0x12, 0x00, 0x38, 0x01, 0x00, 0x00, 0x0e, 0x00, 0x0e, 0x00, 0x4a, 0x01, 0x00, 0x00, 0x04,
        0x00, 0x04, 0x00, 0x58, 0x01, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x5c, 0x01, 0x00, 0x00,
        0x15, 0x82, 0x08, 0x62, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0xa4, 0x39, 0x65,
        0x28, 0x17, 0x2e, 0x6d, 0xfa, 0xe3, 0x9c, 0xc2, 0x64, 0x76, 0x76, 0xe0, 0x4d, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9e, 0x92, 0x19, 0x82, 0x07, 0x2f, 0xb9, 0xb4,
        0x6c, 0x07, 0xf1, 0x6f, 0xe4, 0x61, 0x99, 0x5a, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x2a, 0x7a, 0x84, 0xec, 0x96, 0x79, 0xdd, 0x01, 0x0d, 0xdb, 0x76, 0xbf, 0x1f, 0x9b,
        0x66, 0x93, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x01,
        0x00, 0x04, 0x00, 0x56, 0x00, 0x4d, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00,
        0x76, 0x00, 0x6d, 0x00, 0x07, 0x00, 0x08, 0x00, 0x2a, 0x7a, 0x84, 0xec, 0x96, 0x79, 0xdd,
        0x01, 0x06, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x30, 0x00, 0x30, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02,
        0x1b, 0x56, 0x2d, 0x2b, 0x07, 0x43, 0xa2, 0x3c, 0x85, 0x47, 0x8c, 0x0d, 0x55, 0x37, 0xfa,
        0xa0, 0x2d, 0x6b, 0xd9, 0x18, 0xe3, 0x2d, 0xb5, 0x88, 0x29, 0x77, 0xea, 0xc7, 0x40, 0xc9,
        0x37, 0x0a, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x1c, 0x00, 0x63, 0x00, 0x69, 0x00, 0x66,
        0x00, 0x73, 0x00, 0x2f, 0x00, 0x31, 0x00, 0x32, 0x00, 0x37, 0x00, 0x2e, 0x00, 0x30, 0x00,
        0x2e, 0x00, 0x30, 0x00, 0x2e, 0x00, 0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x57, 0x00, 0x4f,
        0x00, 0x52, 0x00, 0x4b, 0x00, 0x47, 0x00, 0x52, 0x00, 0x4f, 0x00, 0x55, 0x00, 0x50, 0x00,
        0x73, 0x00, 0x6d, 0x00, 0x62, 0x00, 0x74, 0x00, 0x65, 0x00, 0x73, 0x00, 0x74, 0x00, 0x56,
        0x00, 0x4d, 0x00, 0x35, 0xdc, 0xf0, 0x4d, 0xf6, 0x4b, 0x92, 0x79, 0x25, 0xf3, 0x6b, 0x7c,
        0x04, 0xb4, 0x19, 0xa9,
    ];
    /// `smb311_guest.pcapng` frame 10 (the NTLMSSP token inside SPNEGO).
    static NOPW_AUTHENTICATE_MSG: [u8; 134] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x58, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x58, 0x00, 0x00, 0x00, 0x12, 0x00,
        0x12, 0x00, 0x58, 0x00, 0x00, 0x00, 0x08, 0x00, 0x08, 0x00, 0x6a, 0x00, 0x00, 0x00, 0x04,
        0x00, 0x04, 0x00, 0x72, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0x76, 0x00, 0x00, 0x00,
        0x15, 0x82, 0x00, 0x62, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0f, 0x69, 0x76, 0xe6,
        0x59, 0x87, 0xf7, 0x1c, 0xdf, 0x43, 0x26, 0x4c, 0x34, 0x75, 0x51, 0x08, 0x08, 0x57, 0x00,
        0x4f, 0x00, 0x52, 0x00, 0x4b, 0x00, 0x47, 0x00, 0x52, 0x00, 0x4f, 0x00, 0x55, 0x00, 0x50,
        0x00, 0x72, 0x00, 0x6f, 0x00, 0x6f, 0x00, 0x74, 0x00, 0x56, 0x00, 0x4d, 0x00, 0xfc, 0x36,
        0x84, 0x68, 0x58, 0x2a, 0x77, 0x6b, 0x6b, 0x78, 0x4a, 0x52, 0xaf, 0x45, 0x6d, 0x27,
    ];

    #[test]
    fn negotiate_read_and_emit() {
        let r = NegotiateRepr::parse(&NegotiateMessage::new_checked(&NEGOTIATE_MSG[..]).unwrap())
            .unwrap();
        assert_eq!(r.flags, 0x6208_8215);
        assert!(r.version.is_some());
        let mut buf = [0xa5u8; 40];
        assert_eq!(r.emit(&mut buf).unwrap(), 40);
        assert_eq!(buf, NEGOTIATE_MSG);
        let mine = NegotiateRepr::client();
        let mut buf = [0xa5u8; 64];
        let n = mine.emit(&mut buf).unwrap();
        assert_eq!(
            NegotiateRepr::parse(&NegotiateMessage::new_checked(&buf[..n]).unwrap()).unwrap(),
            mine
        );
    }

    #[test]
    fn challenge_read_and_emit() {
        let r = ChallengeRepr::parse(&ChallengeMessage::new_checked(&CHALLENGE_MSG[..]).unwrap())
            .unwrap();
        let mut vm = [0u8; 4];
        crate::wire::utf16le("VM", crate::wire::Case::AsIs, &mut vm).unwrap();
        assert_eq!(r.target_name, &vm);
        assert_eq!(r.nb_domain_name(), Some(&vm[..]));
        assert!(r.timestamp().is_some());
        assert_eq!(AvPairs::new(r.target_info).count(), 5);
        let mut buf = [0xa5u8; 104];
        r.emit(&mut buf).unwrap();
        assert_eq!(buf, CHALLENGE_MSG);
    }

    #[test]
    fn authenticate_read_and_emit() {
        for msg in [&AUTHENTICATE_MSG[..], &NOPW_AUTHENTICATE_MSG[..]] {
            let r =
                AuthenticateRepr::parse(&AuthenticateMessage::new_checked(msg).unwrap()).unwrap();
            assert!(r.mic.is_some());
            let mut buf = [0xa5u8; 400];
            let n = r.emit(&mut buf).unwrap();
            assert_eq!(&buf[..n], msg);
        }
    }

    /// The NTLMv2 proof smbclient computed for smbtest/pw in domain
    /// WORKGROUP, recomputed from the captured challenge and blob.
    #[test]
    fn ntlmv2_matches_samba_client() {
        let c = ChallengeRepr::parse(&ChallengeMessage::new_checked(&CHALLENGE_MSG[..]).unwrap())
            .unwrap();
        let a = AuthenticateRepr::parse(
            &AuthenticateMessage::new_checked(&AUTHENTICATE_MSG[..]).unwrap(),
        )
        .unwrap();
        let key = nt_owf_v2(&nt_hash(b"pw"), "smbtest", "WORKGROUP");
        let blob = &a.nt_response[16..];
        let mut time = [0u8; 8];
        time.copy_from_slice(&blob[8..16]);
        let mut cc = [0u8; 8];
        cc.copy_from_slice(&blob[16..24]);
        let ti = &blob[28..blob.len() - 4];
        let mut out = [0u8; 512];
        let r = ntlmv2_response(
            &key,
            &c.server_challenge,
            &cc,
            u64::from_le_bytes(time),
            ti,
            &mut out,
        )
        .unwrap();
        assert_eq!(&out[..r.nt_len], a.nt_response);
        let bad = nt_owf_v2(&nt_hash(b"px"), "smbtest", "WORKGROUP");
        let r2 = ntlmv2_response(
            &bad,
            &c.server_challenge,
            &cc,
            u64::from_le_bytes(time),
            ti,
            &mut out,
        )
        .unwrap();
        assert_ne!(&out[..16], &a.nt_response[..16]);
        assert_ne!(r.session_key, r2.session_key);
    }

    #[test]
    fn nt_hash_known_answer() {
        // MS-NLMP 4.2.2.1.2: NTOWFv1("Password").
        assert_eq!(
            nt_hash(b"Password"),
            [
                0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca, 0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f,
                0xd8, 0x52
            ]
        );
        // MS-NLMP 4.2.4.1.1: NTOWFv2("Password", "User", "Domain").
        assert_eq!(
            nt_owf_v2(&nt_hash(b"Password"), "User", "Domain"),
            [
                0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93, 0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0,
                0x2e, 0x3f
            ]
        );
    }

    #[test]
    fn every_truncation_fails() {
        for n in 0..NEGOTIATE_MSG.len() {
            assert!(
                NegotiateMessage::new_checked(&NEGOTIATE_MSG[..n]).is_err(),
                "{n}"
            );
        }
        for n in 0..CHALLENGE_MSG.len() {
            let r = ChallengeMessage::new_checked(&CHALLENGE_MSG[..n])
                .and_then(|v| ChallengeRepr::parse(&v));
            assert!(r.is_err(), "{n}");
        }
        for msg in [&AUTHENTICATE_MSG[..], &NOPW_AUTHENTICATE_MSG[..]] {
            for n in 0..msg.len() {
                assert!(AuthenticateMessage::new_checked(&msg[..n]).is_err(), "{n}");
            }
        }
        let mut bad = NEGOTIATE_MSG;
        bad[8] = 2;
        assert_eq!(
            NegotiateMessage::new_checked(&bad[..]).err(),
            Some(Error::BadMessageType(2))
        );
    }
}
