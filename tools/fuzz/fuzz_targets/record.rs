//! TCP record marking reassembly (RFC 5531 §11) into a small buffer.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::oncrpc::reassemble;

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 512];
    if let Ok(Some(rec)) = reassemble(data, &mut out) {
        assert!(rec.consumed <= data.len());
        assert!(rec.len <= out.len());
        assert!(rec.len < rec.consumed);
    }
});
