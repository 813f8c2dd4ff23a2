//! SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41) and decryption (MS-SMB2
//! 3.1.4.3): parse, emit, re-parse; then open the input with a fixed
//! session of each cipher (it must fail cleanly, never panic), and check
//! that what the server side seals the client opens.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mamori::wire::smb2::{Cipher, Dialect};
use mamori::wire::smb2_crypt::SessionCrypto;
use mamori::wire::smb2_sign::PreauthHash;
use mamori::wire::smb2_transform::{HEADER_LEN, TransformHeader, TransformRepr};

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = TransformHeader::new_checked(data) {
        if let Ok(r) = TransformRepr::parse(&h) {
            let mut buf = [0u8; 70_000];
            let out = &mut buf[..data.len()];
            out[HEADER_LEN..].copy_from_slice(h.payload());
            r.emit(&mut TransformHeader::new_unchecked(&mut *out));
            assert_eq!(TransformRepr::parse(&TransformHeader::new_unchecked(&*out)), Ok(r));
        }
    }
    let n = data.len();
    if n > 8192 {
        return;
    }
    let session_id = data.get(44..52).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()));
    for (d, c) in [
        (Dialect::Smb302, Cipher::Aes128Ccm),
        (Dialect::Smb311, Cipher::Aes128Gcm),
        (Dialect::Smb311, Cipher::Aes256Ccm),
        (Dialect::Smb311, Cipher::Aes256Gcm),
    ] {
        let client = SessionCrypto::derive(d, c, &[3; 16], &PreauthHash::default(), session_id)
            .unwrap();
        let mut buf = [0u8; 8192 + HEADER_LEN];
        buf[..n].copy_from_slice(data);
        assert!(client.open(&mut buf[..n]).is_err(), "a forged message opened");
        let mut server = client.server_side();
        let sealed = &mut buf[..n + HEADER_LEN];
        sealed[HEADER_LEN..].copy_from_slice(data);
        if server.seal(sealed).is_ok() {
            assert_eq!(client.open(sealed).unwrap(), data);
        }
    }
});
