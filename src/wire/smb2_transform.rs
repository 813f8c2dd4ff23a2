//! The SMB2 TRANSFORM_HEADER that wraps an encrypted SMB 3.x message
//! (MS-SMB2 2.2.41): 52 bytes in front of the ciphertext, whose bytes
//! from Nonce on are the AEAD's associated data (MS-SMB2 3.1.4.3).
//!
//! A pure codec: the cipher work is in [`super::smb2_crypt`].

use core::fmt;

use super::Field;
use super::le::{get_u16, get_u32, get_u64, put};
use super::smb2::TRANSFORM_PROTOCOL_ID;

/// Length of the TRANSFORM_HEADER (MS-SMB2 2.2.41).
pub const HEADER_LEN: usize = 52;
/// The associated data of the AEAD: Nonce through SessionId (MS-SMB2 3.1.4.3).
pub const AAD: Field = field::NONCE.start..HEADER_LEN;
/// Flags (3.1.1) / EncryptionAlgorithm (3.0, 3.0.2): 0x0001, "encrypted"
/// and SMB2_ENCRYPTION_AES128_CCM are the same value (MS-SMB2 2.2.41).
pub const FLAGS_ENCRYPTED: u16 = 0x0001;

mod field {
    use super::Field;
    pub const PROTOCOL_ID: Field = 0..4;
    pub const SIGNATURE: Field = 4..20;
    pub const NONCE: Field = 20..36;
    pub const ORIGINAL_MESSAGE_SIZE: Field = 36..40;
    pub const RESERVED: Field = 40..42;
    pub const FLAGS: Field = 42..44;
    pub const SESSION_ID: Field = 44..52;
}

/// Errors of the TRANSFORM_HEADER codec (MS-SMB2 2.2.41).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Shorter than the 52-byte header.
    Truncated,
    /// ProtocolId is not 0xFD 'S' 'M' 'B'.
    BadProtocolId,
    /// Flags/EncryptionAlgorithm is not 0x0001.
    BadFlags(u16),
    /// OriginalMessageSize differs from the bytes after the header.
    BadSize(u32),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated SMB2 transform header"),
            Error::BadProtocolId => f.write_str("not an SMB2 transform header"),
            Error::BadFlags(v) => write!(f, "SMB2 transform flags 0x{v:04x}"),
            Error::BadSize(n) => write!(f, "SMB2 transform OriginalMessageSize {n}"),
        }
    }
}

type Result<T> = core::result::Result<T, Error>;

/// A view of a TRANSFORM_HEADER and the ciphertext after it (MS-SMB2 2.2.41).
#[derive(Debug, Clone, Copy)]
pub struct TransformHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TransformHeader<T> {
    /// Wraps a buffer without checks (MS-SMB2 2.2.41).
    pub const fn new_unchecked(buffer: T) -> Self {
        TransformHeader { buffer }
    }
    /// Wraps a buffer after [`Self::check_len`] (MS-SMB2 2.2.41).
    pub fn new_checked(buffer: T) -> Result<Self> {
        let v = Self::new_unchecked(buffer);
        v.check_len()?;
        Ok(v)
    }
    /// Checks that the 52-byte header is present (MS-SMB2 2.2.41).
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
    /// ProtocolId, 0..4: 0xFD 'S' 'M' 'B' (MS-SMB2 2.2.41).
    pub fn protocol_id(&self) -> [u8; 4] {
        let mut a = [0u8; 4];
        a.copy_from_slice(&self.buffer.as_ref()[field::PROTOCOL_ID]);
        a
    }
    /// Signature, 4..20: the AEAD tag (MS-SMB2 2.2.41).
    pub fn signature(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::SIGNATURE]);
        a
    }
    /// Nonce, 20..36: 11 bytes used by CCM, 12 by GCM, the rest zero
    /// (MS-SMB2 2.2.41).
    pub fn nonce(&self) -> [u8; 16] {
        let mut a = [0u8; 16];
        a.copy_from_slice(&self.buffer.as_ref()[field::NONCE]);
        a
    }
    /// OriginalMessageSize, 36..40 (MS-SMB2 2.2.41).
    pub fn original_message_size(&self) -> u32 {
        get_u32(self.buffer.as_ref(), field::ORIGINAL_MESSAGE_SIZE)
    }
    /// Reserved, 40..42 (MS-SMB2 2.2.41).
    pub fn reserved(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::RESERVED)
    }
    /// Flags / EncryptionAlgorithm, 42..44 (MS-SMB2 2.2.41).
    pub fn flags(&self) -> u16 {
        get_u16(self.buffer.as_ref(), field::FLAGS)
    }
    /// SessionId, 44..52 (MS-SMB2 2.2.41).
    pub fn session_id(&self) -> u64 {
        get_u64(self.buffer.as_ref(), field::SESSION_ID)
    }
    /// The associated data, bytes 20..52 (MS-SMB2 3.1.4.3).
    pub fn aad(&self) -> &[u8] {
        &self.buffer.as_ref()[AAD]
    }
    /// The encrypted message after the header (MS-SMB2 2.2.41).
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TransformHeader<T> {
    /// Sets ProtocolId (MS-SMB2 2.2.41).
    pub fn set_protocol_id(&mut self, v: [u8; 4]) {
        put(self.buffer.as_mut(), field::PROTOCOL_ID, &v);
    }
    /// Sets Signature (MS-SMB2 2.2.41).
    pub fn set_signature(&mut self, v: [u8; 16]) {
        put(self.buffer.as_mut(), field::SIGNATURE, &v);
    }
    /// Sets Nonce (MS-SMB2 2.2.41).
    pub fn set_nonce(&mut self, v: [u8; 16]) {
        put(self.buffer.as_mut(), field::NONCE, &v);
    }
    /// Sets OriginalMessageSize (MS-SMB2 2.2.41).
    pub fn set_original_message_size(&mut self, v: u32) {
        put(
            self.buffer.as_mut(),
            field::ORIGINAL_MESSAGE_SIZE,
            &v.to_le_bytes(),
        );
    }
    /// Sets Reserved (MS-SMB2 2.2.41).
    pub fn set_reserved(&mut self, v: u16) {
        put(self.buffer.as_mut(), field::RESERVED, &v.to_le_bytes());
    }
    /// Sets Flags / EncryptionAlgorithm (MS-SMB2 2.2.41).
    pub fn set_flags(&mut self, v: u16) {
        put(self.buffer.as_mut(), field::FLAGS, &v.to_le_bytes());
    }
    /// Sets SessionId (MS-SMB2 2.2.41).
    pub fn set_session_id(&mut self, v: u64) {
        put(self.buffer.as_mut(), field::SESSION_ID, &v.to_le_bytes());
    }
    /// The associated data and the payload, split for an in-place AEAD
    /// (MS-SMB2 3.1.4.3).
    pub fn aad_and_payload_mut(&mut self) -> (&[u8], &mut [u8]) {
        let (head, payload) = self.buffer.as_mut().split_at_mut(HEADER_LEN);
        (&head[AAD], payload)
    }
}

/// A validated TRANSFORM_HEADER (MS-SMB2 2.2.41, 3.2.5.1.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransformRepr {
    /// The AEAD tag.
    pub signature: [u8; 16],
    /// The nonce, zero-padded to 16 bytes.
    pub nonce: [u8; 16],
    /// Length of the plaintext message.
    pub original_message_size: u32,
    /// SessionId of the key that encrypted it.
    pub session_id: u64,
}

impl TransformRepr {
    /// Parses a header whose payload is exactly the encrypted message:
    /// the ProtocolId, Flags = 0x0001 and a matching OriginalMessageSize
    /// (MS-SMB2 3.2.5.1.1.1).
    pub fn parse<T: AsRef<[u8]>>(v: &TransformHeader<T>) -> Result<TransformRepr> {
        v.check_len()?;
        if v.protocol_id() != TRANSFORM_PROTOCOL_ID {
            return Err(Error::BadProtocolId);
        }
        if v.flags() != FLAGS_ENCRYPTED {
            return Err(Error::BadFlags(v.flags()));
        }
        let size = v.original_message_size();
        if usize::try_from(size).ok() != Some(v.payload().len()) {
            return Err(Error::BadSize(size));
        }
        Ok(TransformRepr {
            signature: v.signature(),
            nonce: v.nonce(),
            original_message_size: size,
            session_id: v.session_id(),
        })
    }

    /// Always [`HEADER_LEN`].
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header (Reserved 0, Flags 0x0001) into the first
    /// [`HEADER_LEN`] bytes of `v` (MS-SMB2 3.2.4.1.8).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, v: &mut TransformHeader<T>) {
        v.set_protocol_id(TRANSFORM_PROTOCOL_ID);
        v.set_signature(self.signature);
        v.set_nonce(self.nonce);
        v.set_original_message_size(self.original_message_size);
        v.set_reserved(0);
        v.set_flags(FLAGS_ENCRYPTED);
        v.set_session_id(self.session_id);
    }
}

#[cfg(test)]
mod test {
    use super::*;
    // Samba's encrypted TREE_DISCONNECT response, frame 15 of
    // `tests/captures/probe_smb311_encrypted.pcapng`.
    use crate::wire::smb2_crypt::test::E311_F15 as F15;

    #[test]
    fn reads_a_captured_header() {
        let v = TransformHeader::new_checked(&F15[..]).unwrap();
        assert_eq!(v.protocol_id(), TRANSFORM_PROTOCOL_ID);
        assert_eq!(v.original_message_size(), 68);
        assert_eq!(v.payload().len(), 68);
        assert_eq!((v.reserved(), v.flags()), (0, FLAGS_ENCRYPTED));
        // GCM: 12 nonce bytes, the rest zero.
        assert_eq!(&v.nonce()[12..], &[0; 4]);
        assert_eq!(v.aad(), &F15[20..52]);
        let r = TransformRepr::parse(&v).unwrap();
        assert_eq!(r.session_id, v.session_id());
        assert_eq!(r.signature, v.signature());
        assert_eq!(r.buffer_len(), HEADER_LEN);
    }

    #[test]
    fn emit_matches_capture() {
        let r = TransformRepr::parse(&TransformHeader::new_unchecked(&F15[..])).unwrap();
        let mut b = [0xa5u8; 120];
        b[HEADER_LEN..].copy_from_slice(&F15[HEADER_LEN..]);
        r.emit(&mut TransformHeader::new_unchecked(&mut b[..]));
        assert_eq!(b, F15);
    }

    #[test]
    fn rejects_bad_headers_and_every_truncation() {
        for n in 0..HEADER_LEN {
            assert_eq!(
                TransformHeader::new_checked(&F15[..n]).err(),
                Some(Error::Truncated)
            );
        }
        for n in HEADER_LEN..F15.len() {
            let v = TransformHeader::new_unchecked(&F15[..n]);
            assert_eq!(TransformRepr::parse(&v), Err(Error::BadSize(68)));
        }
        let mut b = F15;
        b[0] = 0xfe;
        let v = TransformHeader::new_unchecked(&b[..]);
        assert_eq!(TransformRepr::parse(&v), Err(Error::BadProtocolId));
        let mut b = F15;
        b[42] = 2;
        let v = TransformHeader::new_unchecked(&b[..]);
        assert_eq!(TransformRepr::parse(&v), Err(Error::BadFlags(2)));
        assert_eq!(
            Error::BadFlags(2).to_string(),
            "SMB2 transform flags 0x0002"
        );
    }
}
