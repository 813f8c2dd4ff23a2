//! What only an init needs from the kernel: reboot(2) and the
//! Ctrl-Alt-Del switch, mount(2) of the pseudo file systems, killing every
//! process, the signal state of a freshly forked child, a terminal as a
//! child's stdio, exec, and the PID-namespace test.

use std::ffi::{CStr, CString, c_char};
use std::io;

use super::last_error;

/// What `reboot(2)` should do to the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reboot {
    Halt,
    PowerOff,
    Restart,
}

/// Syncs and then halts, powers off or restarts the machine. Returns only
/// when the kernel refused (no CAP_SYS_BOOT).
pub fn reboot(how: Reboot) -> io::Error {
    rustix::fs::sync();
    let cmd = match how {
        Reboot::Halt => rustix::system::RebootCommand::Halt,
        Reboot::PowerOff => rustix::system::RebootCommand::PowerOff,
        Reboot::Restart => rustix::system::RebootCommand::Restart,
    };
    match rustix::system::reboot(cmd) {
        Ok(()) => io::ErrorKind::Other.into(),
        Err(e) => e.into(),
    }
}

/// Makes Ctrl-Alt-Del arrive at PID 1 as SIGINT instead of rebooting.
pub fn ctrl_alt_del_to_signal() -> io::Result<()> {
    rustix::system::reboot(rustix::system::RebootCommand::CadOff)?;
    Ok(())
}

/// Flushes every file system's dirty data.
pub fn sync() {
    rustix::fs::sync();
}

/// `mount -t fstype source target` with nosuid/noexec/nodev as fits.
pub fn mount(source: &CStr, target: &CStr, fstype: &CStr, flags: u64) -> io::Result<()> {
    // SAFETY: all three strings are NUL-terminated; no data argument.
    let r = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            flags as libc::c_ulong,
            core::ptr::null(),
        )
    };
    if r < 0 {
        return Err(last_error());
    }
    Ok(())
}

/// mount(2) flags.
pub const MS_NOSUID: u64 = libc::MS_NOSUID;
pub const MS_NODEV: u64 = libc::MS_NODEV;
pub const MS_NOEXEC: u64 = libc::MS_NOEXEC;

/// Whether `path` is the root of a mount: it sits on another device than
/// its parent, or it is its own parent.
pub fn is_mountpoint(path: &str) -> bool {
    let Ok(here) = rustix::fs::stat(path) else {
        return false;
    };
    let parent = format!("{path}/..");
    let Ok(up) = rustix::fs::stat(parent.as_str()) else {
        return false;
    };
    here.st_dev != up.st_dev || here.st_ino == up.st_ino
}

/// The inode number of the initial PID namespace (`PROC_PID_INIT_INO`).
const INITIAL_PID_NS_INO: u64 = 0xEFFF_FFFC;

/// Whether this process lives in the machine's first PID namespace (needs
/// /proc). `None` when /proc cannot tell.
pub fn in_initial_pid_namespace() -> Option<bool> {
    let st = rustix::fs::stat("/proc/self/ns/pid").ok()?;
    Some(st.st_ino == INITIAL_PID_NS_INO)
}

/// Sends `signal` to every process but this one (`kill(-1, …)`, from PID
/// 1: every process of the namespace).
pub fn kill_all(signal: i32) -> io::Result<()> {
    // SAFETY: plain syscall.
    if unsafe { libc::kill(-1, signal) } < 0 {
        return Err(last_error());
    }
    Ok(())
}

/// Every signal an init blocks and reads from its signalfd: all but the
/// synchronous ones the kernel raises for a fault (those must kill, or a
/// bug would loop), and SIGKILL/SIGSTOP which cannot be caught.
pub fn catchable_signals() -> heapless::Vec<i32, 64> {
    const FAULTS: [i32; 9] = [
        libc::SIGFPE,
        libc::SIGILL,
        libc::SIGSEGV,
        libc::SIGBUS,
        libc::SIGABRT,
        libc::SIGTRAP,
        libc::SIGSYS,
        libc::SIGKILL,
        libc::SIGSTOP,
    ];
    let mut out = heapless::Vec::new();
    for s in 1..=libc::SIGRTMAX() {
        // 32 and 33 belong to glibc's threads.
        if FAULTS.contains(&s) || (32..libc::SIGRTMIN()).contains(&s) {
            continue;
        }
        let _ = out.push(s);
    }
    out
}

/// In a child just forked from init: every signal back to its default
/// action and none blocked, so a program run from init starts clean.
pub fn reset_signals_in_child() {
    // SAFETY: single-threaded child; SIG_DFL for every catchable signal
    // and an empty mask are always sound (errors for 32/33 are ignored).
    unsafe {
        for s in 1..=libc::SIGRTMAX() {
            if s != libc::SIGKILL && s != libc::SIGSTOP {
                libc::signal(s, libc::SIG_DFL);
            }
        }
        let mut empty: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, core::ptr::null_mut());
    }
}

/// Makes the terminal at `path` this process's stdin, stdout, stderr and
/// (when it is a new session's first terminal) controlling tty.
pub fn tty_as_stdio(path: &str) -> io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(path, OFlags::RDWR | OFlags::NOCTTY, Mode::empty())?;
    // SAFETY: TIOCSCTTY on a terminal fd we own; failure is harmless (the
    // console cannot always be a controlling terminal).
    unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&fd), libc::TIOCSCTTY, 0) };
    rustix::stdio::dup2_stdin(&fd)?;
    rustix::stdio::dup2_stdout(&fd)?;
    rustix::stdio::dup2_stderr(&fd)?;
    Ok(())
}

/// Starts a new session (a child of init leads its own).
pub fn setsid() {
    let _ = rustix::process::setsid();
}

/// Replaces this process with `path` (searched in PATH when it has no
/// slash), giving it `argv`. Returns only on failure.
pub fn exec(path: &str, argv: &[String]) -> io::Error {
    let Ok(path) = CString::new(path) else {
        return io::ErrorKind::InvalidInput.into();
    };
    let Ok(args) = argv
        .iter()
        .map(|a| CString::new(a.as_str()))
        .collect::<Result<Vec<_>, _>>()
    else {
        return io::ErrorKind::InvalidInput.into();
    };
    let mut ptrs: Vec<*const c_char> = args.iter().map(|a| a.as_ptr()).collect();
    ptrs.push(core::ptr::null());
    // SAFETY: NUL-terminated strings and a NULL-terminated array that
    // outlive the call.
    unsafe { libc::execvp(path.as_ptr(), ptrs.as_ptr()) };
    last_error()
}

/// Sets an environment variable when it is not set (PATH for the
/// programs of an inittab: the kernel gives init almost no environment).
/// Only while single-threaded, before any child is started.
pub fn set_env_default(name: &str, value: &str) {
    if std::env::var_os(name).is_none() {
        // SAFETY: init is single-threaded, so no other thread reads the
        // environment while it changes.
        unsafe { std::env::set_var(name, value) };
    }
}

/// Whether two paths name the same file (after symlinks).
pub fn same_file(a: &str, b: &str) -> bool {
    match (rustix::fs::stat(a), rustix::fs::stat(b)) {
        (Ok(x), Ok(y)) => x.st_dev == y.st_dev && x.st_ino == y.st_ino,
        _ => false,
    }
}

/// Whether `program` (a path, or a name searched in PATH as execvp does)
/// is a file this process may execute.
pub fn runnable(program: &str) -> bool {
    use rustix::fs::{Access, access};
    let ok = |p: &str| {
        access(p, Access::EXEC_OK).is_ok()
            && rustix::fs::stat(p).is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFREG)
    };
    if program.contains('/') {
        return ok(program);
    }
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .filter(|d| !d.is_empty())
        .any(|d| ok(&format!("{d}/{program}")))
}

/// Blocks until `ms` milliseconds passed (only where no event can be
/// waited on: the pause between TERM and KILL checks children too).
pub fn sleep_ms(ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(ms));
}
