//! NFSv3 GETATTR result decoder (RFC 1813 §3.3.1).
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::nfs3::{GetattrRes3, parse_getattr_args};
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    let _ = parse_getattr_args(data);
    if let Ok((_, r)) = GetattrRes3::parse(data) {
        let mut buf = [0u8; 88];
        let mut w = Writer::new(&mut buf);
        r.emit(&mut w).unwrap();
        let n = w.len();
        assert_eq!(n, r.buffer_len());
        assert_eq!(&buf[..n], &data[..n]);
    }
});
