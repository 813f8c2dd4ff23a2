//! ONC RPC call header decoder (RFC 5531 §9): parse, emit, parse again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::oncrpc::CallRepr;
use mamori::wire::xdr::Writer;

fuzz_target!(|data: &[u8]| {
    if let Ok((args, call)) = CallRepr::parse(data) {
        assert!(args.len() <= data.len());
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf);
        call.emit(&mut w).unwrap();
        assert_eq!(w.len(), call.buffer_len());
        let n = w.len();
        let (rest, back) = CallRepr::parse(&buf[..n]).unwrap();
        assert!(rest.is_empty());
        assert_eq!(back, call);
    }
});
