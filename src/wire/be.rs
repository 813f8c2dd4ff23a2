//! Big-endian fields at named byte ranges, for the fixed layouts of the
//! ONC RPC family (XDR is big-endian, RFC 4506 §4.1: RFC 5531 headers,
//! RFC 1833 mappings, RFC 1813 `fattr3`).
//!
//! Contract, the same as [`super::le`]: views call these only after their
//! `check_len`, so the ranges are in bounds and nothing here can panic on
//! a checked buffer; a range outside the buffer is a bug in the view and
//! panics rather than reading zeros.

use super::Field;

/// The u32 at `f`.
pub fn get_u32(b: &[u8], f: Field) -> u32 {
    let s = &b[f];
    u32::from_be_bytes([s[0], s[1], s[2], s[3]])
}

/// The u64 at `f`.
pub fn get_u64(b: &[u8], f: Field) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[f]);
    u64::from_be_bytes(a)
}

/// Writes `v` (already big-endian bytes) at `f`.
pub fn put(b: &mut [u8], f: Field, v: &[u8]) {
    b[f].copy_from_slice(v);
}
