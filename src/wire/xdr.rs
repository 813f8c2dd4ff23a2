//! XDR primitives (RFC 4506): big-endian 4-byte units, opaque data and
//! strings padded to a multiple of four.
//!
//! Decoding is a cursor: every `get_*` takes the unread bytes and returns
//! `(rest, value)`, failing with [`Error::Truncated`] instead of indexing
//! past the end. Encoding goes through [`Writer`], which fails with
//! [`Error::Exhausted`] instead of writing past the end of its buffer.
//! [`pad_len`] is the only place that knows the padding rule.

use core::fmt;

/// Errors of the XDR layer (RFC 4506 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The input ends before the item it announces (RFC 4506 §3).
    Truncated,
    /// A variable-length item is longer than its declared maximum
    /// (RFC 4506 §4.10, §4.11, §4.13).
    TooLong,
    /// A boolean is neither 0 nor 1 (RFC 4506 §4.4).
    BadBool(u32),
    /// The output buffer is too small for the item being encoded.
    Exhausted,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Truncated => f.write_str("XDR data truncated"),
            Error::TooLong => f.write_str("XDR item longer than its maximum"),
            Error::BadBool(v) => write!(f, "XDR boolean has value {v}"),
            Error::Exhausted => f.write_str("XDR output buffer exhausted"),
        }
    }
}

/// Result of the XDR layer (RFC 4506 §3).
pub type Result<T> = core::result::Result<T, Error>;

/// The XDR basic block size: every item occupies a multiple of four bytes
/// (RFC 4506 §3).
pub const UNIT: usize = 4;

/// Number of zero bytes that follow `n` bytes of opaque data or string so
/// that the item ends on a four-byte boundary (RFC 4506 §3, §4.9, §4.10).
pub const fn pad_len(n: usize) -> usize {
    (UNIT - n % UNIT) % UNIT
}

/// Encoded size of a variable-length opaque or string of `n` bytes: the
/// length word, the data and its padding (RFC 4506 §4.10, §4.11).
pub const fn var_opaque_len(n: usize) -> usize {
    UNIT + n + pad_len(n)
}

/// Reads an unsigned integer (RFC 4506 §4.2).
pub fn get_u32(b: &[u8]) -> Result<(&[u8], u32)> {
    let word = b.get(..4).ok_or(Error::Truncated)?;
    let rest = b.get(4..).ok_or(Error::Truncated)?;
    let mut raw = [0u8; 4];
    raw.copy_from_slice(word);
    Ok((rest, u32::from_be_bytes(raw)))
}

/// Reads a signed integer (RFC 4506 §4.1).
pub fn get_i32(b: &[u8]) -> Result<(&[u8], i32)> {
    let (rest, v) = get_u32(b)?;
    Ok((rest, i32::from_be_bytes(v.to_be_bytes())))
}

/// Reads an unsigned hyper integer (RFC 4506 §4.5).
pub fn get_u64(b: &[u8]) -> Result<(&[u8], u64)> {
    let (rest, hi) = get_u32(b)?;
    let (rest, lo) = get_u32(rest)?;
    Ok((rest, (u64::from(hi) << 32) | u64::from(lo)))
}

/// Reads a boolean (RFC 4506 §4.4).
pub fn get_bool(b: &[u8]) -> Result<(&[u8], bool)> {
    match get_u32(b)? {
        (rest, 0) => Ok((rest, false)),
        (rest, 1) => Ok((rest, true)),
        (_, other) => Err(Error::BadBool(other)),
    }
}

/// Reads fixed-length opaque data of `n` bytes and skips its padding
/// (RFC 4506 §4.9).
pub fn get_opaque_fixed(b: &[u8], n: usize) -> Result<(&[u8], &[u8])> {
    let total = n.checked_add(pad_len(n)).ok_or(Error::Truncated)?;
    let data = b.get(..n).ok_or(Error::Truncated)?;
    let rest = b.get(total..).ok_or(Error::Truncated)?;
    Ok((rest, data))
}

/// Reads variable-length opaque data of at most `max` bytes
/// (RFC 4506 §4.10).
pub fn get_opaque(b: &[u8], max: usize) -> Result<(&[u8], &[u8])> {
    let (rest, len) = get_u32(b)?;
    let len = usize::try_from(len).map_err(|_| Error::TooLong)?;
    if len > max {
        return Err(Error::TooLong);
    }
    get_opaque_fixed(rest, len)
}

/// Reads a string of at most `max` bytes (RFC 4506 §4.11). The bytes are
/// returned as they are: XDR strings carry no character set.
pub fn get_string(b: &[u8], max: usize) -> Result<(&[u8], &[u8])> {
    get_opaque(b, max)
}

/// Writes XDR items into a caller's buffer, front to back (RFC 4506 §3).
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// Starts writing at the beginning of `buf` (RFC 4506 §3).
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Number of bytes written so far (RFC 4506 §3).
    pub fn len(&self) -> usize {
        self.pos
    }

    /// True when nothing has been written yet (RFC 4506 §3).
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    /// Writes raw bytes, without length or padding (RFC 4506 §3).
    pub fn put_bytes(&mut self, data: &[u8]) -> Result<()> {
        let end = self.pos.checked_add(data.len()).ok_or(Error::Exhausted)?;
        let dst = self.buf.get_mut(self.pos..end).ok_or(Error::Exhausted)?;
        dst.copy_from_slice(data);
        self.pos = end;
        Ok(())
    }

    /// Writes an unsigned integer (RFC 4506 §4.2).
    pub fn put_u32(&mut self, v: u32) -> Result<()> {
        self.put_bytes(&v.to_be_bytes())
    }

    /// Writes an unsigned hyper integer (RFC 4506 §4.5).
    pub fn put_u64(&mut self, v: u64) -> Result<()> {
        self.put_bytes(&v.to_be_bytes())
    }

    /// Writes a boolean (RFC 4506 §4.4).
    pub fn put_bool(&mut self, v: bool) -> Result<()> {
        self.put_u32(u32::from(v))
    }

    /// Writes fixed-length opaque data followed by its zero padding
    /// (RFC 4506 §4.9).
    pub fn put_opaque_fixed(&mut self, data: &[u8]) -> Result<()> {
        self.put_bytes(data)?;
        self.put_bytes(&[0u8; UNIT][..pad_len(data.len())])
    }

    /// Writes variable-length opaque data: length, data, padding
    /// (RFC 4506 §4.10).
    pub fn put_opaque(&mut self, data: &[u8]) -> Result<()> {
        let len = u32::try_from(data.len()).map_err(|_| Error::TooLong)?;
        self.put_u32(len)?;
        self.put_opaque_fixed(data)
    }

    /// Writes a string (RFC 4506 §4.11).
    pub fn put_string(&mut self, s: &[u8]) -> Result<()> {
        self.put_opaque(s)
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn padding() {
        assert_eq!(pad_len(0), 0);
        assert_eq!(pad_len(1), 3);
        assert_eq!(pad_len(2), 2);
        assert_eq!(pad_len(3), 1);
        assert_eq!(pad_len(4), 0);
        assert_eq!(var_opaque_len(5), 12);
    }

    #[test]
    fn integers() {
        let b = [0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 1, 0, 0, 0, 2, 9];
        let (rest, v) = get_i32(&b).unwrap();
        assert_eq!(v, -2);
        let (rest, v) = get_u64(rest).unwrap();
        assert_eq!(v, (1 << 32) | 2);
        assert_eq!(rest, &[9]);
        assert_eq!(get_u32(rest), Err(Error::Truncated));
        assert_eq!(get_bool(&[0, 0, 0, 2]), Err(Error::BadBool(2)));
        assert!(get_bool(&[0, 0, 0, 1]).unwrap().1);
    }

    /// The string "libnfs" as a machine name in the AUTH_SYS credential of
    /// frame 8 of `tests/captures/libnfs-v3-mount-getattr.pcap`.
    static LIBNFS: [u8; 12] = [0, 0, 0, 6, b'l', b'i', b'b', b'n', b'f', b's', 0, 0];

    #[test]
    fn string_parse_emit_truncate() {
        let (rest, s) = get_string(&LIBNFS, 255).unwrap();
        assert_eq!(s, b"libnfs");
        assert!(rest.is_empty());
        assert_eq!(get_string(&LIBNFS, 5), Err(Error::TooLong));
        let mut buf = [0xa5u8; 12];
        let mut w = Writer::new(&mut buf);
        w.put_string(b"libnfs").unwrap();
        assert_eq!(w.len(), 12);
        assert_eq!(buf, LIBNFS);
        for n in 0..LIBNFS.len() {
            assert!(get_string(&LIBNFS[..n], 255).is_err(), "len {n}");
        }
        let mut small = [0xa5u8; 11];
        assert_eq!(
            Writer::new(&mut small).put_string(b"libnfs"),
            Err(Error::Exhausted)
        );
    }

    #[test]
    fn huge_length_is_an_error() {
        let b = [0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4];
        assert_eq!(get_opaque(&b, usize::MAX), Err(Error::Truncated));
        assert_eq!(get_opaque(&b, 400), Err(Error::TooLong));
    }
}
