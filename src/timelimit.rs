//! Time limits over a whole process tree, shared by hatimerun and the
//! event handlers of sendevent. The caller is a child subreaper and starts
//! the program as the leader of its own process group; on expiry the group
//! *and* every descendant that left it (a daemon that called setsid) are
//! killed and reaped, so nothing the program started outlives its limit.

use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, poll};

use crate::sys::process;
use crate::sys::procfs::Scanner;
use crate::sys::signals::{self, SignalFd};
use crate::sys::spawn::{self, Exit};

/// After this long a descendant that ignored the first signal gets SIGKILL.
pub const KILL_GRACE: Duration = Duration::from_secs(1);

/// Waits for child `pid` to end, until `deadline`, reaping any other child
/// on the way. `signals` must include SIGCHLD. `None`: the deadline passed
/// first.
pub fn wait_until(pid: i32, deadline: Instant, signals: &SignalFd) -> Option<Exit> {
    loop {
        while signals.read().is_some() {}
        while let Some((p, e)) = spawn::reap_any() {
            if p == pid {
                return Some(e);
            }
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        sleep_on(signals, deadline - now);
    }
}

/// Signals the program's group and every other descendant of this process
/// until none is left, reaping as they go (SIGKILL after [`KILL_GRACE`]).
pub fn kill_all(pgid: i32, first: i32, signals: &SignalFd) {
    let me = crate::sys::getpid();
    let began = Instant::now();
    let mut scanner = Scanner::new().ok();
    loop {
        let sig = if began.elapsed() < KILL_GRACE {
            first
        } else {
            signals::SIGKILL
        };
        let _ = signals::kill_group(pgid, sig);
        if let Some(scanner) = scanner.as_mut() {
            for pid in descendants(scanner, me) {
                let _ = signals::kill(pid, sig);
            }
        }
        while spawn::reap_any().is_some() {}
        if !process::has_children() {
            return;
        }
        sleep_on(signals, Duration::from_millis(20));
        while signals.read().is_some() {}
    }
}

/// Polls `signals` for at most `wait`.
fn sleep_on(signals: &SignalFd, wait: Duration) {
    let ts = crate::sys::clock::to_timespec(wait);
    let mut fds = [PollFd::new(signals, PollFlags::IN)];
    let _ = poll(&mut fds, Some(&ts));
}

/// Sends `sig` to the process group led by `root` and to every live
/// descendant of `root`, at once (a caller that cannot wait: pcheck's
/// loop, for a restart program over its RESTART_TIMEOUT).
pub fn signal_tree(root: i32, sig: i32) {
    // Found first: once their parents die they belong to init.
    let below = Scanner::new()
        .map(|mut s| descendants(&mut s, root))
        .unwrap_or_default();
    let _ = signals::kill_group(root, sig);
    let _ = signals::kill(root, sig);
    for pid in below {
        let _ = signals::kill(pid, sig);
    }
}

/// Every live descendant of `root`, found by following parent links.
fn descendants(scanner: &mut Scanner, root: i32) -> Vec<i32> {
    let mut all: Vec<(i32, i32)> = Vec::new();
    let _ = scanner.for_each(|p| all.push((p.pid, p.stat.ppid)));
    let mut found = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for &(pid, ppid) in &all {
            if found.contains(&ppid) && !found.contains(&pid) {
                found.push(pid);
                grew = true;
            }
        }
    }
    found.retain(|&p| p != root);
    found
}
