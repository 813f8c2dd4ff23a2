//! NFSv4 COMPOUND result decoder (RFC 7530 §16.2) and the small fattr4
//! decoder (RFC 7530 §5.8.1).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::nfs4::CompoundRes;
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, c)) = CompoundRes::parse(data) {
        let _ = c.failed_op();
        let _ = c.fh();
        if let Some(a) = c.attrs() {
            let _ = a.decode_small();
        }
        let mut buf = [0u8; 8192];
        let mut w = Writer::new(&mut buf);
        if c.buffer_len() <= 8192 {
            c.emit(&mut w).unwrap();
            assert_eq!(w.len(), c.buffer_len());
            let n = w.len();
            assert_eq!(CompoundRes::parse(&buf[..n]).unwrap().1, c);
        }
    }
});
