//! SPNEGO tokens (RFC 4178 §4.2): NegTokenInit and NegTokenResp are
//! parsed, emitted and parsed again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::spnego::*;

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 70_000];
    if let Ok(r) = NegTokenInitRepr::parse(data) {
        let _ = r.offers_ntlmssp();
        if let Ok(n) = r.emit(&mut out) {
            assert_eq!(NegTokenInitRepr::parse(&out[..n]), Ok(r));
        }
    }
    if let Ok(r) = NegTokenRespRepr::parse(data) {
        if let Ok(n) = r.emit(&mut out) {
            assert_eq!(NegTokenRespRepr::parse(&out[..n]), Ok(r));
        }
    }
    let _ = parse_tlv(data);
});
