//! A share check allocates nothing (STYLE.md "No allocation after
//! start-up"): a counting global allocator watches this thread while the
//! probe runs against a real smbd, over SMB 3.1.1 (guest and signed user
//! sessions, AES-128-GCM and AES-256-CCM encryption), 3.0.2 with
//! AES-128-CCM, the SMB1 fallback, and failing checks.

#[path = "servers/smbd.rs"]
mod common;

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_of;

use std::time::Duration;

use common::{PASSWORD, Smbd, USER};
use mamori::probe::smb::{Credentials, Encryption, check, check_with};

#[test]
fn a_check_allocates_nothing() {
    // The counter sees this thread's allocations.
    assert!(allocations_of(|| drop(std::hint::black_box(vec![1u8; 8]))) >= 1);
    let t = Duration::from_secs(5);
    let s2 = Smbd::start("noalloc2", 24461, &["server signing = mandatory"]);
    let s1 = Smbd::start(
        "noalloc1",
        24462,
        &["server min protocol = NT1", "server max protocol = NT1"],
    );
    let req = "smb encrypt = required";
    let enc = Smbd::start_with("noallocenc", 24472, &[], &[("private", req), ("pub", req)]);
    let enc256 = Smbd::start(
        "noalloc256",
        24473,
        &[
            "server smb encrypt = required",
            "server smb3 encryption algorithms = AES-256-CCM",
        ],
    );
    let enc302 = Smbd::start_with(
        "noalloc302",
        24474,
        &["server max protocol = SMB3_02"],
        &[("private", req)],
    );
    let (a2, a1) = (s2.addr(), s1.addr());
    let pw = Some(PASSWORD.as_bytes());
    let creds = Credentials::new(USER, PASSWORD.as_bytes());
    let user = |addr, e| check_with(addr, "private", Some(&creds), t, e);
    let n = allocations_of(|| {
        assert!(check(a2, "pub", None, None, t).is_ok());
        assert!(check(a2, "private", Some(USER), pw, t).unwrap().signed);
        assert!(check(a1, "private", Some(USER), pw, t).is_ok());
        assert!(check(a2, "nosuch", None, None, t).is_err());
        for addr in [enc.addr(), enc256.addr(), enc302.addr()] {
            let r = user(addr, Encryption::AsRequired).unwrap();
            assert!(r.encryption.is_some());
        }
        assert!(user(a2, Encryption::Always).unwrap().encryption.is_some());
        assert!(check(enc.addr(), "pub", None, None, t).is_err());
    });
    assert_eq!(n, 0, "allocations during checks");
}
