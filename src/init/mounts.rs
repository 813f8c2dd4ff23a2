//! The pseudo file systems a machine's PID 1 mounts before anything runs:
//! /proc (always, when missing: the namespace test needs it), and, only in
//! the machine's first PID namespace, /sys and /dev (devtmpfs) — a
//! container's /sys and /dev belong to whoever made the container.

use crate::say;
use crate::sys::pid1::{self, MS_NODEV, MS_NOEXEC, MS_NOSUID};

use super::log::Log;

/// Mounts what is missing; returns whether this is the machine's first
/// PID namespace (so that reboot(2) acts on the machine).
pub fn setup(log: &mut Log) -> bool {
    mount_missing(log, c"proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
    let initial = pid1::in_initial_pid_namespace().unwrap_or(false);
    if initial {
        mount_missing(log, c"sysfs", "/sys", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        mount_missing(log, c"devtmpfs", "/dev", MS_NOSUID);
    }
    initial
}

fn mount_missing(log: &mut Log, fstype: &core::ffi::CStr, dir: &str, flags: u64) {
    if pid1::is_mountpoint(dir) {
        return;
    }
    let _ = std::fs::create_dir(dir);
    let Ok(target) = std::ffi::CString::new(dir) else {
        return;
    };
    if let Err(e) = pid1::mount(fstype, &target, fstype, flags) {
        say!(log, "can't mount {dir}: {e}");
    }
}
