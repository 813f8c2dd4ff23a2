//! NTLMSSP messages (MS-NLMP 2.2): each input is tried as NEGOTIATE,
//! CHALLENGE and AUTHENTICATE; what parses is emitted and parsed again,
//! and a CHALLENGE drives the NTLMv2 computation as the probe does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::ntlmssp::*;

fuzz_target!(|data: &[u8]| {
    let mut out = [0u8; 300_000];
    if let Ok(v) = NegotiateMessage::new_checked(data) {
        if let Ok(r) = NegotiateRepr::parse(&v) {
            let n = r.emit(&mut out).unwrap();
            assert_eq!(
                NegotiateRepr::parse(&NegotiateMessage::new_checked(&out[..n]).unwrap()),
                Ok(r)
            );
        }
    }
    if let Ok(v) = ChallengeMessage::new_checked(data) {
        if let Ok(r) = ChallengeRepr::parse(&v) {
            let _ = (r.timestamp(), r.nb_domain_name());
            let n = r.emit(&mut out).unwrap();
            assert_eq!(
                ChallengeRepr::parse(&ChallengeMessage::new_checked(&out[..n]).unwrap()),
                Ok(r)
            );
            let key = nt_owf_v2(&nt_hash(b"pw"), "user", "DOM");
            let mut nt = [0u8; 1536];
            let _ = ntlmv2_response(
                &key,
                &r.server_challenge,
                &[0; 8],
                0,
                r.target_info,
                &mut nt,
            );
        }
    }
    if let Ok(v) = AuthenticateMessage::new_checked(data) {
        if let Ok(r) = AuthenticateRepr::parse(&v) {
            let n = r.emit(&mut out).unwrap();
            let r2 = AuthenticateRepr::parse(&AuthenticateMessage::new_checked(&out[..n]).unwrap())
                .unwrap();
            assert!(r2.nt_response == r.nt_response && r2.user == r.user && r2.domain == r.domain);
        }
    }
    for p in AvPairs::new(data).take(1000) {
        let _ = p;
    }
});
