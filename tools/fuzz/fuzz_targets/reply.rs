//! ONC RPC reply header decoder (RFC 5531 §9): parse, emit, parse again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::oncrpc::ReplyRepr;
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, reply)) = ReplyRepr::parse(data) {
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf);
        reply.emit(&mut w).unwrap();
        assert_eq!(w.len(), reply.buffer_len());
        let n = w.len();
        let (rest, back) = ReplyRepr::parse(&buf[..n]).unwrap();
        assert!(rest.is_empty());
        assert_eq!(back, reply);
    }
});
