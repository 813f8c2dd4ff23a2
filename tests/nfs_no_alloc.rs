//! A check cycle allocates nothing (STYLE.md "No allocation after
//! start-up"): a counting global allocator around `check` against real
//! rpcbind + ganesha, NFSv3 and NFSv4, success and failure.

#[path = "servers/ganesha.rs"]
mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Peers, Protocols, lo};
use mamori::probe::nfs::{Version, check};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn check_cycle_does_not_allocate() {
    let p = Peers::start(Protocols::V3V4);
    let export = p.export();
    let missing = format!("{export}/missing");
    let t = Duration::from_secs(2);
    // Warm up once (lazy statics of the standard library, if any).
    check(lo(), 111, None, &export, Version::V3, t, true).unwrap();

    let before = ALLOCS.load(Ordering::Relaxed);
    let v3 = check(lo(), 111, None, &export, Version::V3, t, true);
    let v4 = check(lo(), 111, None, &export, Version::V4, t, true);
    let bad = check(lo(), 111, None, &missing, Version::Auto, t, true);
    let refused = check(lo(), 1, None, &export, Version::V3, t, true);
    let after = ALLOCS.load(Ordering::Relaxed);

    assert!(v3.is_ok() && v4.is_ok() && bad.is_err() && refused.is_err());
    assert_eq!(after - before, 0, "allocations during check cycles");
}
