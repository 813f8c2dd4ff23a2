//! A share check allocates nothing (STYLE.md "No allocation after
//! start-up"): a counting global allocator watches this thread while the
//! probe runs against a real smbd, over SMB 3.1.1 (guest and signed user
//! sessions), the SMB1 fallback, and a failing check.

#[path = "servers/smbd.rs"]
mod common;

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_of;

use std::time::Duration;

use common::{PASSWORD, Smbd, USER};
use mamori::probe::smb::check;

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
    let (a2, a1) = (s2.addr(), s1.addr());
    let pw = Some(PASSWORD.as_bytes());
    let n = allocations_of(|| {
        assert!(check(a2, "pub", None, None, t).is_ok());
        assert!(check(a2, "private", Some(USER), pw, t).unwrap().signed);
        assert!(check(a1, "private", Some(USER), pw, t).is_ok());
        assert!(check(a2, "nosuch", None, None, t).is_err());
    });
    assert_eq!(n, 0, "allocations during checks");
}
