//! Direct TCP transport framing (MS-SMB2 2.1, MS-SMB 2.1): every SMB1 or
//! SMB2 message on port 445 is preceded by a 4-byte header, one zero byte
//! and a 24-bit big-endian length of the message that follows.

use core::fmt;

mod field {
    use crate::wire::Field;
    /// 0..1 must be zero (the NetBIOS session message type 0x00).
    pub const ZERO: usize = 0;
    /// 1..4 StreamProtocolLength, big-endian.
    pub const LENGTH: Field = 1..4;
}

/// Length of the transport header (MS-SMB2 2.1).
pub const HEADER_LEN: usize = 4;
/// Largest length the 24-bit field can carry (MS-SMB2 2.1).
pub const MAX_LENGTH: u32 = 0x00FF_FFFF;

/// Errors of the Direct TCP framing (MS-SMB2 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Fewer than 4 bytes.
    Truncated,
    /// The first byte is not zero (a NetBIOS session packet of another type).
    BadType(u8),
    /// A length beyond 24 bits was asked for.
    TooLong,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("truncated transport header"),
            Error::BadType(t) => write!(
                f,
                "transport packet type 0x{t:02x} is not a session message"
            ),
            Error::TooLong => f.write_str("message longer than 24 bits"),
        }
    }
}

/// A view of the Direct TCP transport header (MS-SMB2 2.1).
#[derive(Debug, Clone, Copy)]
pub struct Header<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Header<T> {
    /// Wraps a buffer without checking it (MS-SMB2 2.1).
    pub const fn new_unchecked(buffer: T) -> Header<T> {
        Header { buffer }
    }

    /// Wraps a buffer and checks that it holds a header (MS-SMB2 2.1).
    pub fn new_checked(buffer: T) -> Result<Header<T>, Error> {
        let h = Header::new_unchecked(buffer);
        h.check_len()?;
        Ok(h)
    }

    /// Checks that the buffer holds the 4-byte header (MS-SMB2 2.1).
    pub fn check_len(&self) -> Result<(), Error> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            Err(Error::Truncated)
        } else {
            Ok(())
        }
    }

    /// The leading byte, zero for a session message (MS-SMB2 2.1).
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::ZERO]
    }

    /// StreamProtocolLength: bytes of SMB message that follow (MS-SMB2 2.1).
    pub fn length(&self) -> u32 {
        let b = &self.buffer.as_ref()[field::LENGTH];
        u32::from_be_bytes([0, b[0], b[1], b[2]])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Header<T> {
    /// Sets the leading type byte (MS-SMB2 2.1).
    pub fn set_msg_type(&mut self, value: u8) {
        self.buffer.as_mut()[field::ZERO] = value;
    }

    /// Sets StreamProtocolLength; the top byte of `value` is dropped (MS-SMB2 2.1).
    pub fn set_length(&mut self, value: u32) {
        let b = value.to_be_bytes();
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&b[1..4]);
    }
}

/// The validated transport header (MS-SMB2 2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repr {
    /// Length of the SMB message that follows.
    pub length: u32,
}

impl Repr {
    /// Parses a header; refuses a non-zero type byte (MS-SMB2 2.1).
    pub fn parse<T: AsRef<[u8]>>(header: &Header<T>) -> Result<Repr, Error> {
        header.check_len()?;
        match header.msg_type() {
            0 => Ok(Repr {
                length: header.length(),
            }),
            t => Err(Error::BadType(t)),
        }
    }

    /// A header for a message of `length` bytes (MS-SMB2 2.1).
    pub fn new(length: usize) -> Result<Repr, Error> {
        match u32::try_from(length) {
            Ok(l) if l <= MAX_LENGTH => Ok(Repr { length: l }),
            _ => Err(Error::TooLong),
        }
    }

    /// Always 4 (MS-SMB2 2.1).
    pub const fn buffer_len(&self) -> usize {
        HEADER_LEN
    }

    /// Writes the header (MS-SMB2 2.1).
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, header: &mut Header<T>) {
        header.set_msg_type(0);
        header.set_length(self.length);
    }
}

#[cfg(test)]
mod test {
    use super::*;

    /// `tests/captures/smb311_guest.pcapng` frame 17: the first 4 bytes of
    /// the TREE_DISCONNECT response (a 68-byte SMB2 message follows).
    static FRAME17_HEAD: [u8; 4] = [0x00, 0x00, 0x00, 0x44];
    /// `tests/captures/smb311_guest.pcapng` frame 6: NEGOTIATE response (284 bytes).
    static FRAME6_HEAD: [u8; 4] = [0x00, 0x00, 0x01, 0x1c];

    #[test]
    fn read_fixture() {
        let h = Header::new_checked(&FRAME17_HEAD[..]).unwrap();
        assert_eq!(Repr::parse(&h).unwrap(), Repr { length: 68 });
        let h = Header::new_checked(&FRAME6_HEAD[..]).unwrap();
        assert_eq!(h.length(), 284);
    }

    #[test]
    fn emit_matches_fixture() {
        let mut buf = [0xa5u8; 4];
        let repr = Repr::new(284).unwrap();
        repr.emit(&mut Header::new_unchecked(&mut buf[..]));
        assert_eq!(buf, FRAME6_HEAD);
        assert_eq!(Repr::new(0x0100_0000), Err(Error::TooLong));
    }

    #[test]
    fn truncations_and_bad_type() {
        for n in 0..FRAME6_HEAD.len() {
            assert_eq!(
                Header::new_checked(&FRAME6_HEAD[..n]).err(),
                Some(Error::Truncated)
            );
        }
        let bad = [0x85u8, 0, 0, 0];
        let h = Header::new_checked(&bad[..]).unwrap();
        assert_eq!(Repr::parse(&h), Err(Error::BadType(0x85)));
    }
}
