//! SMB1 header and body codecs (MS-CIFS 2.2, MS-SMB 2.2): each input is
//! tried as every message kind; what parses is emitted and parsed again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::smb1::*;

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 140_000];
    if let Ok(h) = Header::new_checked(data) {
        if let Ok(r) = HeaderRepr::parse(&h) {
            r.emit(&mut Header::new_unchecked(&mut out[..HEADER_LEN]));
            assert_eq!(
                HeaderRepr::parse(&Header::new_unchecked(&out[..HEADER_LEN])),
                Ok(r)
            );
        }
    }
    let body = data.get(HEADER_LEN..).unwrap_or(data);
    let _ = Blocks::parse(body);
    if let Ok(r) = NegotiateRequestRepr::parse(body) {
        let n = r.emit(&mut out).unwrap();
        assert_eq!(NegotiateRequestRepr::parse(&out[..n]), Ok(r));
    }
    if let Ok(r) = NegotiateResponseRepr::parse(body) {
        if let Ok(n) = r.emit(&mut out) {
            let _ = NegotiateResponseRepr::parse(&out[..n]);
        }
    }
    if let Ok(r) = SessionSetupRequestRepr::parse(body) {
        let n = r.emit(&mut out).unwrap();
        assert_eq!(SessionSetupRequestRepr::parse(&out[..n]), Ok(r));
    }
    if let Ok(r) = SessionSetupResponseRepr::parse(body) {
        let n = r.emit(&mut out).unwrap();
        assert_eq!(SessionSetupResponseRepr::parse(&out[..n]), Ok(r));
    }
    if let Ok(r) = TreeConnectRequestRepr::parse(body) {
        if let Ok(n) = r.emit(&mut out) {
            let _ = TreeConnectRequestRepr::parse(&out[..n]);
        }
    }
    if let Ok(r) = TreeConnectResponseRepr::parse(body) {
        if let Ok(n) = r.emit(&mut out) {
            assert_eq!(
                TreeConnectResponseRepr::parse(&out[..n]).map(|x| x.service),
                Ok(r.service)
            );
        }
    }
    let _ = EmptyRepr::parse(body);
    let _ = LogoffRepr::parse(body);
    let key = SigningKey([1; 16]);
    let _ = key.verify(data, 2);
});
