//! Event ids: unique across processes and restarts without any shared
//! state — wall-clock microseconds, the pid, and a per-process counter
//! (two events of one process in the same microsecond differ by the
//! counter; a pid reused later has a later time).

use core::fmt::Write as _;
use core::sync::atomic::{AtomicU32, Ordering};

/// An event id as printed and passed with `-i`.
pub type EventId = heapless::String<48>;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh id, `SECONDSMICROS-PID-N` (no allocation).
pub fn new_id() -> EventId {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::Realtime);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
    let mut id = EventId::new();
    let _ = write!(
        id,
        "{}{:06}-{}-{}",
        now.tv_sec,
        now.tv_nsec / 1000,
        crate::sys::getpid(),
        n
    );
    id
}

#[cfg(test)]
mod test {
    #[test]
    fn ids_differ() {
        let (a, b) = (super::new_id(), super::new_id());
        assert_ne!(a, b);
        assert!(a.split('-').count() == 3, "{a}");
    }
}
