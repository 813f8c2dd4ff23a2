//! Every `unsafe` block and every raw libc call of mamori lives below this
//! module; the rest of the crate sees safe wrappers. rustix covers what it
//! can; libc is used for what rustix leaves out (SysV shm/sem, signalfd,
//! sigprocmask, posix_spawn, localtime_r, fork, close_range, the process
//! event connector).
#![allow(unsafe_code)]

pub mod clock;
pub mod entry;
pub mod errno;
pub mod futex;
pub mod ipc;
pub mod mem;
pub mod net;
pub mod notify;
pub mod pid1;
pub mod process;
pub mod procev;
pub mod procfs;
pub mod records;
pub mod signals;
pub mod spawn;
pub mod syslog;

/// The last OS error as an `io::Error` (for libc calls that return -1).
pub(crate) fn last_error() -> std::io::Error {
    std::io::Error::last_os_error()
}

/// This process's pid.
pub fn getpid() -> i32 {
    rustix::process::getpid().as_raw_nonzero().get()
}

/// This process's effective uid.
pub fn geteuid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Whether this process runs with root's effective uid.
pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Whether the fd is a terminal.
pub fn isatty(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    rustix::termios::isatty(fd)
}

/// The value of environment variable `name`, read in place (getenv): no
/// allocation, so a monitor loop may look it up on every event. Only for
/// processes that do not change their environment once running.
pub fn getenv(name: &std::ffi::CStr) -> Option<&'static [u8]> {
    // SAFETY: getenv returns NULL or a NUL-terminated string inside the
    // environment block, which mamori never modifies after start-up.
    unsafe {
        let p = libc::getenv(name.as_ptr());
        if p.is_null() {
            None
        } else {
            Some(std::ffi::CStr::from_ptr(p).to_bytes())
        }
    }
}
