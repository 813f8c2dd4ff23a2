//! Port mapper v2 decoders (RFC 1833 §3): mapping and GETPORT result.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::portmap::{MappingRepr, parse_getport_result};
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    let _ = parse_getport_result(data);
    if let Ok((_, m)) = MappingRepr::parse(data) {
        let mut buf = [0u8; 16];
        m.emit(&mut Writer::new(&mut buf)).unwrap();
        assert_eq!(&buf[..], &data[..16]);
    }
});
