//! Little-endian fields at named byte ranges, shared by the Microsoft
//! protocol codecs (MS-SMB, MS-SMB2 §2.1, MS-NLMP §2.2: all little-endian),
//! and their UTF-16LE strings.
//!
//! Contract, the same as [`super::be`]: views call these only after their
//! `check_len`, so the ranges are in bounds and nothing here can panic on
//! a checked buffer; a range outside the buffer is a bug in the view and
//! panics rather than reading zeros.

use super::Field;

/// The u16 at `f`.
pub fn get_u16(b: &[u8], f: Field) -> u16 {
    let s = &b[f];
    u16::from_le_bytes([s[0], s[1]])
}

/// The u32 at `f`.
pub fn get_u32(b: &[u8], f: Field) -> u32 {
    let s = &b[f];
    u32::from_le_bytes([s[0], s[1], s[2], s[3]])
}

/// The u64 at `f`.
pub fn get_u64(b: &[u8], f: Field) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[f]);
    u64::from_le_bytes(a)
}

/// Writes `v` (already little-endian bytes) at `f`.
pub fn put(b: &mut [u8], f: Field, v: &[u8]) {
    b[f].copy_from_slice(v);
}

/// How [`utf16le`] treats letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// As given: every SMB path and name (MS-SMB2 2.2.9, MS-NLMP 3.3.2
    /// `UNICODE()`).
    AsIs,
    /// Upper-cased first (MS-NLMP 3.3.2 `Uppercase()`, for NTOWFv2).
    Upper,
}

/// The output buffer of [`utf16le`] is too small.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSpace;

/// Writes `s` as UTF-16LE into `out` and returns the number of bytes: the
/// string form of SMB2 paths (MS-SMB2 2.2.9), SMB1 Unicode strings
/// (MS-CIFS 2.2.1.1) and NTLM names (MS-NLMP 2.2).
pub fn utf16le(s: &str, case: Case, out: &mut [u8]) -> Result<usize, NoSpace> {
    let mut n = 0;
    let mut units = [0u16; 2];
    let mut push = |c: char| -> Result<(), NoSpace> {
        for u in c.encode_utf16(&mut units).iter() {
            let dst = out.get_mut(n..n + 2).ok_or(NoSpace)?;
            dst.copy_from_slice(&u.to_le_bytes());
            n += 2;
        }
        Ok(())
    };
    for ch in s.chars() {
        match case {
            Case::AsIs => push(ch)?,
            Case::Upper => ch.to_uppercase().try_for_each(&mut push)?,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn utf16_as_is_upper_and_no_space() {
        let mut b = [0u8; 8];
        assert_eq!(utf16le("aß", Case::AsIs, &mut b), Ok(4));
        assert_eq!(&b[..4], &[b'a', 0, 0xdf, 0]);
        // ß upper-cases to two letters, SS.
        assert_eq!(utf16le("aß", Case::Upper, &mut b), Ok(6));
        assert_eq!(&b[..6], &[b'A', 0, b'S', 0, b'S', 0]);
        // A character outside the BMP takes a surrogate pair.
        assert_eq!(utf16le("\u{1F600}", Case::AsIs, &mut b), Ok(4));
        assert_eq!(utf16le("abcde", Case::AsIs, &mut b), Err(NoSpace));
    }
}
