//! Text fields of the records that live in shared memory (pcheck state,
//! pmfadm registry): fixed byte arrays with a separate length, because a
//! record holds no pointers. Shared so that every writer cuts the same way
//! and every reader validates the same way.

/// Copies `src` into the fixed field `dst`, cut to its size, and returns
/// the length to store beside it. A cut never splits a UTF-8 sequence:
/// [`text`] would then refuse the whole field as damaged.
pub fn put_text(dst: &mut [u8], src: &[u8]) -> u32 {
    let mut n = src.len().min(dst.len());
    while n > 0 && n < src.len() && src[n] & 0xC0 == 0x80 {
        n -= 1;
    }
    dst[..n].copy_from_slice(&src[..n]);
    dst[n..].fill(0);
    n as u32
}

/// The text stored by [`put_text`], or `None` when the length or the bytes
/// are not valid (the writer died half-way, or the segment is not ours).
pub fn text(field: &[u8], len: u32) -> Option<&str> {
    std::str::from_utf8(field.get(..len as usize)?).ok()
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn cuts_at_a_char_boundary_and_reads_back() {
        let mut field = [0xa5u8; 4];
        assert_eq!(put_text(&mut field, "aé€".as_bytes()), 3);
        assert_eq!(text(&field, 3), Some("aé"));
        assert_eq!(field[3], 0);
        assert_eq!(put_text(&mut field, b"ab"), 2);
        assert_eq!(text(&field, 2), Some("ab"));
        assert_eq!(text(&field, 5), None);
        assert_eq!(text(&[0xff], 1), None);
    }
}
