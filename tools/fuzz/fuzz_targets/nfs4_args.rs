//! NFSv4 COMPOUND arguments decoder (RFC 7530 §16.2).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::nfs4::CompoundArgs;
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, c)) = CompoundArgs::parse(data) {
        let mut buf = [0u8; 8192];
        if c.buffer_len() <= buf.len() {
            let mut w = Writer::new(&mut buf);
            c.emit(&mut w).unwrap();
            assert_eq!(w.len(), c.buffer_len());
            let n = w.len();
            assert_eq!(CompoundArgs::parse(&buf[..n]).unwrap().1, c);
        }
    }
});
