//! Process-tree duties of a supervisor: becoming a child subreaper (so a
//! descendant that daemonises is re-parented to us, not to init), knowing
//! whether any child is left, and detaching from the caller (double fork,
//! new session, no inherited fds), as `pmfadm -c` must before it returns.

use std::io;
use std::os::fd::{AsFd, AsRawFd};

use rustix::process::{WaitId, WaitIdOptions};

use super::last_error;

/// Makes orphaned descendants re-parent to this process (Linux ≥ 3.4).
pub fn become_subreaper() -> io::Result<()> {
    rustix::process::set_child_subreaper(Some(rustix::process::getpid()))?;
    Ok(())
}

/// Whether this process still has a child (running, stopped or zombie).
/// As a subreaper this answers "is any descendant left?": every living
/// descendant is a child or has a living ancestor that is one.
pub fn has_children() -> bool {
    let opts = WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT;
    !matches!(
        rustix::process::waitid(WaitId::All, opts),
        Err(rustix::io::Errno::CHILD)
    )
}

/// Which side of a fork we are on.
pub enum Forked {
    Parent(i32),
    Child,
}

/// `fork()`. Only for single-threaded callers (pmfadm before it detaches):
/// the child gets a copy of this one thread and may allocate freely.
pub fn fork() -> io::Result<Forked> {
    // SAFETY: the callers are single-threaded, so no lock can be held by a
    // thread that does not exist in the child.
    match unsafe { libc::fork() } {
        -1 => Err(last_error()),
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// Ends this process at once, without running exit handlers or flushing
/// stdio buffers that belong to the parent (the middle of a double fork).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns and is always sound.
    unsafe { libc::_exit(code) }
}

/// Waits for child `pid` to end and returns how it ended.
pub fn wait_pid(pid: i32) -> io::Result<super::spawn::Exit> {
    let pid = rustix::process::Pid::from_raw(pid).ok_or(io::ErrorKind::InvalidInput)?;
    loop {
        match rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty()) {
            Ok(Some((_, st))) => return Ok(super::spawn::exit_of(st)),
            Ok(None) => {}
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// Detaches the calling process from its session and its files: new
/// session, stdin/stdout/stderr on /dev/null, every other fd closed except
/// `keep`.
pub fn detach_files(keep: impl AsFd) -> io::Result<()> {
    new_session_on_null()?;
    let keep = keep.as_fd().as_raw_fd() as u32;
    close_range(3, keep.saturating_sub(1));
    close_range(keep + 1, u32::MAX);
    Ok(())
}

fn close_range(first: u32, last: u32) {
    if first > last {
        return;
    }
    // SAFETY: closing fds this process owns; nothing else refers to them
    // (the caller is single-threaded and has just forked).
    unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
}

/// Waits until process `pid`, started at `start` (clock ticks), has
/// ended, at most `timeout`; true once it has. A pidfd makes this one
/// poll(2), no polling loop; without pidfds (old kernels) it looks every
/// few milliseconds.
pub fn wait_gone(pid: i32, start: u64, timeout: std::time::Duration) -> bool {
    use rustix::event::{PollFd, PollFlags, poll};
    let deadline = std::time::Instant::now() + timeout;
    let fd = rustix::process::Pid::from_raw(pid)
        .and_then(|p| rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty()).ok());
    // Opened after a reuse of the pid: that is not our process.
    if !super::procfs::is_alive(pid, start) {
        return true;
    }
    loop {
        let now = std::time::Instant::now();
        if now >= deadline {
            return !super::procfs::is_alive(pid, start);
        }
        let left = deadline - now;
        match &fd {
            Some(fd) => {
                let ts = super::clock::to_timespec(left);
                let mut fds = [PollFd::new(fd, PollFlags::IN)];
                if let Ok(n) = poll(&mut fds, Some(&ts))
                    && n > 0
                {
                    return true;
                }
            }
            None => std::thread::sleep(left.min(std::time::Duration::from_millis(5))),
        }
        if !super::procfs::is_alive(pid, start) {
            return true;
        }
    }
}

/// Like [`detach_files`], keeping no fd beyond 0–2: new session,
/// stdin/stdout/stderr on /dev/null, every other fd closed.
pub fn detach_all_files() -> io::Result<()> {
    new_session_on_null()?;
    close_range(3, u32::MAX);
    Ok(())
}

/// A new session with stdin, stdout and stderr on /dev/null.
fn new_session_on_null() -> io::Result<()> {
    rustix::process::setsid()?;
    let null = rustix::fs::open(
        "/dev/null",
        rustix::fs::OFlags::RDWR | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )?;
    rustix::stdio::dup2_stdin(&null)?;
    rustix::stdio::dup2_stdout(&null)?;
    rustix::stdio::dup2_stderr(&null)?;
    Ok(())
}

/// Names this process (`comm`, at most 15 bytes), as `ps` and /proc show it.
pub fn set_name(name: &std::ffi::CStr) {
    let _ = rustix::thread::set_name(name);
}
