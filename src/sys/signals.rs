//! Signals as file descriptors: the signals a monitor handles are blocked
//! and read from a signalfd inside its one poll loop, so no handler ever
//! runs asynchronously.

use std::io;
use std::os::fd::{AsFd, BorrowedFd, FromRawFd, OwnedFd};

use super::last_error;

pub use libc::{
    SIGCHLD, SIGCONT, SIGHUP, SIGINT, SIGKILL, SIGPIPE, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
};

fn sigset(signals: &[i32]) -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset initialise the plain-data set.
    unsafe {
        let mut set: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in signals {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// A non-blocking signalfd for a set of signals that this process blocks.
pub struct SignalFd {
    fd: OwnedFd,
}

impl SignalFd {
    /// Blocks `signals` for the whole process and opens a signalfd on them.
    pub fn new(signals: &[i32]) -> io::Result<SignalFd> {
        let set = sigset(signals);
        // SAFETY: `set` is initialised; the old mask is not wanted.
        if unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, core::ptr::null_mut()) } < 0 {
            return Err(last_error());
        }
        // SAFETY: -1 asks for a new fd; flags are valid.
        let fd = unsafe { libc::signalfd(-1, &set, libc::SFD_NONBLOCK | libc::SFD_CLOEXEC) };
        if fd < 0 {
            return Err(last_error());
        }
        // SAFETY: a fresh fd we own.
        Ok(SignalFd {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
        })
    }

    /// The next pending signal number, or `None` when there is none.
    pub fn read(&self) -> Option<i32> {
        // SAFETY: signalfd_siginfo is plain data, read whole or not at all.
        let mut info: libc::signalfd_siginfo = unsafe { core::mem::zeroed() };
        let size = size_of::<libc::signalfd_siginfo>();
        loop {
            let n = unsafe {
                libc::read(
                    std::os::fd::AsRawFd::as_raw_fd(&self.fd),
                    (&mut info as *mut libc::signalfd_siginfo).cast(),
                    size,
                )
            };
            if n == size as isize {
                return Some(info.ssi_signo as i32);
            }
            if n < 0 && last_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return None;
        }
    }
}

impl AsFd for SignalFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// Ignores `signal` (SIGPIPE: a closed socket is an error return, not death).
pub fn ignore(signal: i32) {
    // SAFETY: installing SIG_IGN is always sound.
    unsafe { libc::signal(signal, libc::SIG_IGN) };
}

/// Sends `signal` to every process of group `pgid`.
pub fn kill_group(pgid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: plain syscall wrapper; a negative pid names the group.
    if pgid <= 0 || unsafe { libc::kill(-pgid, signal) } < 0 {
        return Err(if pgid <= 0 {
            io::ErrorKind::InvalidInput.into()
        } else {
            last_error()
        });
    }
    Ok(())
}

/// Signal names as kill(1) lists them, without `SIG`.
const NAMES: [(&str, i32); 31] = [
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGIOT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("SYS", libc::SIGSYS),
];

/// A signal as kill(1) takes it: a name, case-insensitive, with or without
/// `SIG`, or a number from 1 to 64.
pub fn parse(text: &str) -> Option<i32> {
    if let Ok(n) = text.parse::<i32>() {
        return (1..=libc::SIGRTMAX()).contains(&n).then_some(n);
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    NAMES.iter().find(|(n, _)| *n == name).map(|&(_, s)| s)
}

/// The name of `signal` without `SIG` (`TERM`), or its number.
pub fn name(signal: i32) -> Option<&'static str> {
    NAMES.iter().find(|&&(_, s)| s == signal).map(|&(n, _)| n)
}

/// Sends `signal` to process `pid`.
pub fn kill(pid: i32, signal: i32) -> io::Result<()> {
    // SAFETY: plain syscall wrapper.
    if unsafe { libc::kill(pid, signal) } < 0 {
        return Err(last_error());
    }
    Ok(())
}

/// Unblocks every signal and gives every catchable one its default action:
/// a process forked from a monitor must not keep the monitor's mask or
/// its ignored SIGPIPE.
pub fn reset_all() {
    // SAFETY: an empty set is initialised by sigemptyset; SIG_DFL is
    // always a valid disposition; SIGKILL/SIGSTOP just fail.
    unsafe {
        let mut empty: libc::sigset_t = core::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::sigprocmask(libc::SIG_SETMASK, &empty, core::ptr::null_mut());
        for s in 1..32 {
            libc::signal(s, libc::SIG_DFL);
        }
    }
}
