//! Direct TCP transport header (MS-SMB2 2.1): parse, emit, re-parse.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::nbss::{Header, Repr};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Header::new_checked(data) {
        if let Ok(r) = Repr::parse(&h) {
            let mut buf = [0u8; 4];
            r.emit(&mut Header::new_unchecked(&mut buf[..]));
            assert_eq!(Repr::parse(&Header::new_unchecked(&buf[..])), Ok(r));
        }
    }
});
