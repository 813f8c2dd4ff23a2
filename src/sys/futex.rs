//! Waiting on a 32-bit word of shared memory (futex(2), shared between
//! processes): how a command-line client waits for the monitor's answer in
//! its mailbox without polling, and how the monitor wakes it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// Waits while `word` still holds `expected`, at most `timeout`. Returns
/// at once when it already differs; spurious wake-ups are possible, so the
/// caller looks at the word again.
pub fn wait(word: &AtomicU32, expected: u32, timeout: Duration) {
    if word.load(Ordering::Acquire) != expected {
        return;
    }
    let ts = super::clock::timespec(timeout);
    // SAFETY: `word` is a valid, aligned u32 for the call's duration; a
    // shared (not FUTEX_PRIVATE) wait, because the word lives in a SysV
    // segment other processes map. EAGAIN/EINTR/ETIMEDOUT all mean
    // "look again", which every caller does.
    unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &ts as *const libc::timespec,
        )
    };
}

/// Wakes every process waiting on `word`.
pub fn wake_all(word: &AtomicU32) {
    // SAFETY: as in `wait`; FUTEX_WAKE only reads the address.
    unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, i32::MAX) };
}
