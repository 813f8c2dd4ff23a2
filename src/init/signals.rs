//! What each signal asks of a system init, as busybox init reads them.

use crate::sys::pid1::Reboot;
use crate::sys::signals::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};

/// A request to init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Run the shutdown path, then halt, power off or reboot.
    Shutdown(Reboot),
    /// Run the `ctrlaltdel` entries.
    CtrlAltDel,
    /// Stop everything and execute the `restart` entry in place of init.
    Restart,
    /// Re-read the inittab.
    Reload,
}

/// The request `signal` carries, if any.
pub fn request(signal: i32) -> Option<Request> {
    Some(match signal {
        SIGTERM => Request::Shutdown(Reboot::Restart),
        SIGUSR1 => Request::Shutdown(Reboot::Halt),
        SIGUSR2 => Request::Shutdown(Reboot::PowerOff),
        SIGINT => Request::CtrlAltDel,
        SIGQUIT => Request::Restart,
        SIGHUP => Request::Reload,
        _ => return None,
    })
}

/// How a shutdown is named in the log.
pub fn reboot_name(how: Reboot) -> &'static str {
    match how {
        Reboot::Halt => "halt",
        Reboot::PowerOff => "power off",
        Reboot::Restart => "reboot",
    }
}
