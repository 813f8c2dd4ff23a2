//! MOUNT v3 decoders (RFC 1813 appendix I): mountres3 and dirpath.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::mount::{DirPath, MountRes3};
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    let _ = DirPath::parse(data);
    if let Ok((_, m)) = MountRes3::parse(data) {
        let mut buf = [0u8; 256];
        let mut w = Writer::new(&mut buf);
        m.emit(&mut w).unwrap();
        assert_eq!(w.len(), m.buffer_len());
        let n = w.len();
        assert_eq!(MountRes3::parse(&buf[..n]).unwrap().1, m);
    }
});
