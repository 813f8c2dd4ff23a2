//! SMB 3.x message encryption (MS-SMB2 3.1.4.3): a session's cipher keys
//! (MS-SMB2 3.2.5.3.1), the nonce of each message and the AEAD over a
//! message behind its TRANSFORM_HEADER (MS-SMB2 2.2.41, 3.2.4.1.8,
//! 3.2.5.1.1.1).
//!
//! The AEADs are RustCrypto's AES-CCM and AES-GCM, run in place on the
//! caller's buffer: nothing is allocated.

use core::fmt;

use aes::{Aes128, Aes256};
use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use ccm::Ccm;
use ccm::consts::{U11, U16};

use super::smb2::{Cipher, Dialect};
use super::smb2_sign::{PreauthHash, kdf, kdf256};
use super::smb2_transform::{self as transform, TransformHeader, TransformRepr};

type Aes128Ccm = Ccm<Aes128, U16, U11>;
type Aes256Ccm = Ccm<Aes256, U16, U11>;

/// Errors of encryption (MS-SMB2 3.1.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The buffer is shorter than a TRANSFORM_HEADER and a message.
    Truncated,
    /// A dialect or cipher without encryption here (2.x, unknown IDs).
    Unsupported(u16),
    /// Every nonce of the session has been used (MS-SMB2 3.2.4.1.8).
    NonceExhausted,
    /// The TRANSFORM_HEADER is malformed.
    Header(transform::Error),
    /// The message carries another SessionId.
    WrongSession(u64),
    /// The tag did not verify: wrong key or altered bytes.
    BadTag,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("message too short to encrypt"),
            Error::Unsupported(v) => write!(f, "cipher or dialect 0x{v:04x} not supported"),
            Error::NonceExhausted => f.write_str("the session's nonces are used up"),
            Error::Header(e) => e.fmt(f),
            Error::WrongSession(id) => write!(f, "encrypted for session 0x{id:016x}"),
            Error::BadTag => f.write_str("encrypted message does not authenticate"),
        }
    }
}

/// The cipher a 3.0/3.0.2 connection uses when both sides set
/// SMB2_GLOBAL_CAP_ENCRYPTION (MS-SMB2 3.2.5.2).
pub const SMB30_CIPHER: Cipher = Cipher::Aes128Ccm;

/// Nonce bytes a cipher uses; the rest of the 16-byte field is zero
/// (MS-SMB2 2.2.41).
fn nonce_len(cipher: Cipher) -> usize {
    match cipher {
        Cipher::Aes128Gcm | Cipher::Aes256Gcm => 12,
        _ => 11,
    }
}

/// A session's encryption state (MS-SMB2 3.2.5.3.1 Session.EncryptionKey,
/// Session.DecryptionKey): the keys, and the counter that makes every
/// nonce of the session distinct.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionCrypto {
    cipher: Cipher,
    /// Client to server (the first 16 bytes for AES-128).
    encrypt: [u8; 32],
    /// Server to client.
    decrypt: [u8; 32],
    session_id: u64,
    /// The next nonce; `None` once the last one has been used.
    next_nonce: Option<u64>,
}

impl fmt::Debug for SessionCrypto {
    /// Keys are secrets: only the cipher is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionCrypto({:?}, ..)", self.cipher)
    }
}

impl SessionCrypto {
    /// Derives the client's keys from the session key per MS-SMB2
    /// 3.2.5.3.1: 3.0/3.0.2 `KDF(key, "SMB2AESCCM\0", "ServerIn \0" /
    /// "ServerOut\0")` with AES-128-CCM; 3.1.1 `KDF(key,
    /// "SMBC2SCipherKey\0" / "SMBS2CCipherKey\0", preauth hash)` with the
    /// negotiated cipher, L=256 for AES-256.
    pub fn derive(
        dialect: Dialect,
        cipher: Cipher,
        session_key: &[u8; 16],
        preauth: &PreauthHash,
        session_id: u64,
    ) -> Result<SessionCrypto, Error> {
        let mut encrypt = [0u8; 32];
        let mut decrypt = [0u8; 32];
        match (dialect, cipher) {
            (Dialect::Smb300 | Dialect::Smb302, SMB30_CIPHER) => {
                encrypt[..16].copy_from_slice(&kdf(session_key, b"SMB2AESCCM\0", b"ServerIn \0"));
                decrypt[..16].copy_from_slice(&kdf(session_key, b"SMB2AESCCM\0", b"ServerOut\0"));
            }
            (Dialect::Smb311, Cipher::Aes128Ccm | Cipher::Aes128Gcm) => {
                encrypt[..16].copy_from_slice(&kdf(session_key, b"SMBC2SCipherKey\0", &preauth.0));
                decrypt[..16].copy_from_slice(&kdf(session_key, b"SMBS2CCipherKey\0", &preauth.0));
            }
            (Dialect::Smb311, Cipher::Aes256Ccm | Cipher::Aes256Gcm) => {
                encrypt = kdf256(session_key, b"SMBC2SCipherKey\0", &preauth.0);
                decrypt = kdf256(session_key, b"SMBS2CCipherKey\0", &preauth.0);
            }
            (Dialect::Smb300 | Dialect::Smb302 | Dialect::Smb311, other) => {
                return Err(Error::Unsupported(other.into()));
            }
            (other, _) => return Err(Error::Unsupported(other.into())),
        }
        Ok(SessionCrypto {
            cipher,
            encrypt,
            decrypt,
            session_id,
            next_nonce: Some(1),
        })
    }

    /// The negotiated cipher.
    pub fn cipher(&self) -> Cipher {
        self.cipher
    }

    /// The same session seen from the server: the keys swapped, so that
    /// [`Self::seal`] builds what the server sends (tests, fuzzing).
    pub fn server_side(&self) -> SessionCrypto {
        SessionCrypto {
            encrypt: self.decrypt,
            decrypt: self.encrypt,
            ..self.clone()
        }
    }

    /// Encrypts the message in `buf[HEADER_LEN..]` in place and writes the
    /// TRANSFORM_HEADER before it (MS-SMB2 3.2.4.1.8). Each call takes a
    /// new nonce; when the session has none left it refuses.
    pub fn seal(&mut self, buf: &mut [u8]) -> Result<(), Error> {
        if buf.len() <= transform::HEADER_LEN {
            return Err(Error::Truncated);
        }
        let counter = self.next_nonce.ok_or(Error::NonceExhausted)?;
        self.next_nonce = counter.checked_add(1);
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&counter.to_le_bytes());
        let size =
            u32::try_from(buf.len() - transform::HEADER_LEN).map_err(|_| Error::Truncated)?;
        let mut view = TransformHeader::new_unchecked(&mut *buf);
        TransformRepr {
            signature: [0; 16],
            nonce,
            original_message_size: size,
            session_id: self.session_id,
        }
        .emit(&mut view);
        let (aad, payload) = view.aad_and_payload_mut();
        let n = &nonce[..nonce_len(self.cipher)];
        let tag = aead(self.cipher, &self.encrypt, |c| match c {
            Aead::Ccm128(c) => {
                c.encrypt_in_place_detached(GenericArray::from_slice(n), aad, payload)
            }
            Aead::Ccm256(c) => {
                c.encrypt_in_place_detached(GenericArray::from_slice(n), aad, payload)
            }
            Aead::Gcm128(c) => {
                c.encrypt_in_place_detached(GenericArray::from_slice(n), aad, payload)
            }
            Aead::Gcm256(c) => {
                c.encrypt_in_place_detached(GenericArray::from_slice(n), aad, payload)
            }
        })?
        .map_err(|_| Error::Truncated)?;
        TransformHeader::new_unchecked(buf).set_signature(tag.into());
        Ok(())
    }

    /// Checks and decrypts a received TRANSFORM_HEADER message in place
    /// (MS-SMB2 3.2.5.1.1.1), returning the plaintext SMB2 message.
    pub fn open<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
        let repr =
            TransformRepr::parse(&TransformHeader::new_checked(&*buf).map_err(Error::Header)?)
                .map_err(Error::Header)?;
        if repr.session_id != self.session_id {
            return Err(Error::WrongSession(repr.session_id));
        }
        let mut view = TransformHeader::new_unchecked(&mut *buf);
        let (aad, payload) = view.aad_and_payload_mut();
        let n = &repr.nonce[..nonce_len(self.cipher)];
        let tag = GenericArray::from_slice(&repr.signature);
        aead(self.cipher, &self.decrypt, |c| match c {
            Aead::Ccm128(c) => {
                c.decrypt_in_place_detached(GenericArray::from_slice(n), aad, payload, tag)
            }
            Aead::Ccm256(c) => {
                c.decrypt_in_place_detached(GenericArray::from_slice(n), aad, payload, tag)
            }
            Aead::Gcm128(c) => {
                c.decrypt_in_place_detached(GenericArray::from_slice(n), aad, payload, tag)
            }
            Aead::Gcm256(c) => {
                c.decrypt_in_place_detached(GenericArray::from_slice(n), aad, payload, tag)
            }
        })?
        .map_err(|_| Error::BadTag)?;
        Ok(&buf[transform::HEADER_LEN..])
    }

    #[cfg(test)]
    fn set_next_nonce(&mut self, n: Option<u64>) {
        self.next_nonce = n;
    }
}

/// One of the four AEADs, keyed.
enum Aead {
    Ccm128(Aes128Ccm),
    Ccm256(Aes256Ccm),
    Gcm128(Aes128Gcm),
    Gcm256(Aes256Gcm),
}

/// Runs `f` with `cipher` keyed by `key` (16 or 32 bytes used).
fn aead<R>(cipher: Cipher, key: &[u8; 32], f: impl FnOnce(&Aead) -> R) -> Result<R, Error> {
    let (k16, k32) = (
        GenericArray::from_slice(&key[..16]),
        GenericArray::from_slice(key),
    );
    let a = match cipher {
        Cipher::Aes128Ccm => Aead::Ccm128(Aes128Ccm::new(k16)),
        Cipher::Aes256Ccm => Aead::Ccm256(Aes256Ccm::new(k32)),
        Cipher::Aes128Gcm => Aead::Gcm128(Aes128Gcm::new(k16)),
        Cipher::Aes256Gcm => Aead::Gcm256(Aes256Gcm::new(k32)),
        Cipher::Unknown(v) => return Err(Error::Unsupported(v)),
    };
    Ok(f(&a))
}

#[cfg(test)]
mod test {
    use super::*;

    fn session(dialect: Dialect, cipher: Cipher) -> SessionCrypto {
        let mut h = PreauthHash::default();
        h.update(b"negotiate");
        SessionCrypto::derive(dialect, cipher, &[7; 16], &h, 0x1122_3344_5566_7788).unwrap()
    }

    #[test]
    fn seal_open_round_trip_every_cipher() {
        for (d, c) in [
            (Dialect::Smb300, Cipher::Aes128Ccm),
            (Dialect::Smb302, Cipher::Aes128Ccm),
            (Dialect::Smb311, Cipher::Aes128Ccm),
            (Dialect::Smb311, Cipher::Aes128Gcm),
            (Dialect::Smb311, Cipher::Aes256Ccm),
            (Dialect::Smb311, Cipher::Aes256Gcm),
        ] {
            let mut client = session(d, c);
            let mut server = client.server_side();
            let msg = b"\xfeSMB a message of some length....";
            let mut buf = [0xa5u8; 52 + 33];
            buf[52..].copy_from_slice(msg);
            client.seal(&mut buf).unwrap();
            assert_ne!(&buf[52..], msg, "{c:?} left the plaintext");
            // The client cannot read its own request; the server can.
            let mut copy = buf;
            assert_eq!(client.open(&mut copy), Err(Error::BadTag));
            let mut copy = buf;
            assert_eq!(server.open(&mut copy).unwrap(), msg);
            // A flipped bit anywhere in AAD or ciphertext fails.
            for i in transform::AAD.start..buf.len() {
                let mut bad = buf;
                bad[i] ^= 1;
                assert!(server.open(&mut bad).is_err(), "{c:?} byte {i}");
            }
            // And the reply direction.
            let mut reply = [0u8; 52 + 33];
            reply[52..].copy_from_slice(msg);
            server.seal(&mut reply).unwrap();
            assert_eq!(client.open(&mut reply).unwrap(), msg);
        }
    }

    #[test]
    fn nonces_never_repeat_and_run_out() {
        let mut s = session(Dialect::Smb311, Cipher::Aes128Gcm);
        let mut a = [0u8; 60];
        let mut b = [0u8; 60];
        s.seal(&mut a).unwrap();
        s.seal(&mut b).unwrap();
        assert_ne!(a[20..36], b[20..36]);
        assert_eq!(&a[32..36], &[0; 4], "GCM uses 12 nonce bytes");
        s.set_next_nonce(Some(u64::MAX));
        s.seal(&mut a).unwrap();
        assert_eq!(s.seal(&mut a), Err(Error::NonceExhausted));
    }

    #[test]
    fn refuses_what_it_cannot_do() {
        let h = PreauthHash::default();
        let k = [0u8; 16];
        for (d, c) in [
            (Dialect::Smb210, Cipher::Aes128Ccm),
            (Dialect::Smb300, Cipher::Aes128Gcm),
            (Dialect::Smb311, Cipher::Unknown(0)),
        ] {
            assert!(SessionCrypto::derive(d, c, &k, &h, 1).is_err());
        }
        let mut s = session(Dialect::Smb311, Cipher::Aes128Ccm);
        assert_eq!(s.seal(&mut [0u8; 52]), Err(Error::Truncated));
        let mut other = [0u8; 60];
        s.seal(&mut other).unwrap();
        other[44] ^= 1;
        assert!(matches!(
            s.server_side().open(&mut other),
            Err(Error::WrongSession(_))
        ));
        assert_eq!(format!("{s:?}"), "SessionCrypto(Aes128Ccm, ..)");
    }
}
