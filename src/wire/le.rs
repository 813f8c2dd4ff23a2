//! Little-endian fields at named byte ranges, shared by the Microsoft
//! protocol codecs (MS-SMB, MS-SMB2 §2.1, MS-NLMP §2.2: all little-endian).
//! Views call these only after their `check_len`, so the ranges are in
//! bounds and nothing here can panic on a checked buffer.

use core::ops::Range;

/// A field's byte range in a fixed layout (`mod field` in each view).
pub type Field = Range<usize>;

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
