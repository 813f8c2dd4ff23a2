//! `halt`, `poweroff`, `reboot` (as busybox): ask PID 1 to go down by
//! its signal — SIGUSR1, SIGUSR2, SIGTERM — when PID 1 is mamori's init;
//! with `-f`, act at once without init: sync and reboot(2).

use std::process::ExitCode;

use crate::args::Cursor;
use crate::sys::pid1::{self, Reboot};
use crate::sys::signals::{self, SIGTERM, SIGUSR1, SIGUSR2};

pub fn main(args: Cursor) -> ExitCode {
    act("halt", Reboot::Halt, args)
}

/// The signal mamori's init reads as `how`.
fn signal_for(how: Reboot) -> i32 {
    match how {
        Reboot::Halt => SIGUSR1,
        Reboot::PowerOff => SIGUSR2,
        Reboot::Restart => SIGTERM,
    }
}

/// The body of all three applets.
pub fn act(name: &'static str, how: Reboot, mut args: Cursor) -> ExitCode {
    let mut force = false;
    while let Some(word) = args.next() {
        match word.as_str() {
            "-f" => force = true,
            "-h" | "--help" => {
                println!("usage: {name} [-f]   (-f: at once, without init)");
                return ExitCode::SUCCESS;
            }
            w => {
                return super::fail(
                    name,
                    format_args!("unknown option {w:?} (usage: {name} [-f])"),
                    2,
                );
            }
        }
    }
    if force {
        let e = pid1::reboot(how);
        return super::fail(name, format_args!("reboot(2): {e}"), 1);
    }
    if !pid1::same_file("/proc/1/exe", "/proc/self/exe") {
        return super::fail(
            name,
            "PID 1 is not mamori's init: refusing (use -f to act at once, without init)",
            1,
        );
    }
    match signals::kill(1, signal_for(how)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(name, format_args!("can't signal PID 1: {e}"), 1),
    }
}
