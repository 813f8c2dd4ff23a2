//! A check cycle allocates nothing (STYLE.md "No allocation after
//! start-up"): a counting global allocator around `check` against real
//! rpcbind + ganesha, NFSv3 and NFSv4, success and failure.

#[path = "servers/ganesha.rs"]
mod common;

#[path = "common/counting.rs"]
mod counting;

use std::time::Duration;

use common::{Peers, Protocols, lo};
use mamori::probe::nfs::{Version, check};

#[test]
fn check_cycle_does_not_allocate() {
    let p = Peers::start(Protocols::V3V4);
    let export = p.export();
    let missing = format!("{export}/missing");
    let t = Duration::from_secs(2);
    // Warm up once (lazy statics of the standard library, if any).
    check(lo(), 111, None, &export, Version::V3, t, true).unwrap();

    let mark = counting::start();
    let v3 = check(lo(), 111, None, &export, Version::V3, t, true);
    let v4 = check(lo(), 111, None, &export, Version::V4, t, true);
    let bad = check(lo(), 111, None, &missing, Version::Auto, t, true);
    let refused = check(lo(), 1, None, &export, Version::V3, t, true);
    let allocations = counting::stop(mark);

    assert!(v3.is_ok() && v4.is_ok() && bad.is_err() && refused.is_err());
    assert_eq!(allocations, 0, "allocations during check cycles");
}
