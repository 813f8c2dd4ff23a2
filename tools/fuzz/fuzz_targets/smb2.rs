//! SMB2 header and every body codec (MS-SMB2 2.2): each input is tried as
//! every message kind; what parses is emitted and parsed again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::smb2::*;

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 70_000];
    if let Ok(h) = Header::new_checked(data) {
        if let Ok(r) = HeaderRepr::parse(&h) {
            let _ = (r.tree_id(), r.is_async(), r.is_response());
            r.emit(&mut Header::new_unchecked(&mut out[..HEADER_LEN]));
            assert_eq!(
                HeaderRepr::parse(&Header::new_unchecked(&out[..HEADER_LEN])),
                Ok(r)
            );
        }
    }
    let body = data.get(HEADER_LEN..).unwrap_or(data);
    if let Ok(v) = NegotiateRequest::new_checked(body) {
        if let Ok(r) = NegotiateRequestRepr::parse(&v) {
            let mut ctxs: heapless::Vec<NegotiateContext<'_>, 16> = heapless::Vec::new();
            for c in r.contexts.take(16) {
                match c {
                    Ok(c) => {
                        let _ = ctxs.push(c);
                    }
                    Err(_) => break,
                }
            }
            if let Ok(n) = r.emit_with(&ctxs, &mut out) {
                let v2 = NegotiateRequest::new_checked(&out[..n]).unwrap();
                let r2 = NegotiateRequestRepr::parse(&v2).unwrap();
                assert_eq!(r2.dialects, r.dialects);
                assert!(
                    r2.contexts
                        .zip(ctxs.iter())
                        .all(|(a, b)| a.as_ref() == Ok(b))
                );
            }
        }
    }
    if let Ok(v) = NegotiateResponse::new_checked(body) {
        let _ = NegotiateResponseRepr::parse(&v);
        if let Ok(cs) = v.contexts() {
            for c in cs {
                let _ = c.map(|c| c.buffer_len());
            }
        }
    }
    if let Ok(v) = SessionSetupRequest::new_checked(body) {
        if let Ok(r) = SessionSetupRequestRepr::parse(&v) {
            let n = r.emit(&mut out).unwrap();
            assert_eq!(
                SessionSetupRequestRepr::parse(
                    &SessionSetupRequest::new_checked(&out[..n]).unwrap()
                ),
                Ok(r)
            );
        }
    }
    if let Ok(v) = SessionSetupResponse::new_checked(body) {
        if let Ok(r) = SessionSetupResponseRepr::parse(&v) {
            let n = r.emit(&mut out).unwrap();
            assert_eq!(
                SessionSetupResponseRepr::parse(
                    &SessionSetupResponse::new_checked(&out[..n]).unwrap()
                ),
                Ok(r)
            );
        }
    }
    if let Ok(v) = TreeConnectRequest::new_checked(body) {
        if let Ok(r) = TreeConnectRequestRepr::parse(&v) {
            let n = r.emit(&mut out).unwrap();
            assert_eq!(
                TreeConnectRequestRepr::parse(&TreeConnectRequest::new_checked(&out[..n]).unwrap()),
                Ok(r)
            );
        }
    }
    if let Ok(v) = TreeConnectResponse::new_checked(body) {
        if let Ok(r) = TreeConnectResponseRepr::parse(&v) {
            r.emit(&mut out).unwrap();
        }
    }
    if let Ok(r) = ErrorRepr::parse(body) {
        let n = r.emit(&mut out).unwrap();
        assert_eq!(ErrorRepr::parse(&out[..n]), Ok(r));
    }
    let _ = EmptyRepr::parse(body);
    let _ = NegotiateContext::parse(data);
});
