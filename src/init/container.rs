//! Container mode, `init [-v] [-g] -- CMD ARGS…`, with tini's and
//! catatonit's semantics: every catchable signal is blocked and read from
//! a signalfd; each but SIGCHLD is forwarded to CMD (to its process group
//! with `-g`); every zombie is reaped with WNOHANG until none is left; not
//! being PID 1, init becomes a child subreaper so orphans still come to
//! it; it exits with CMD's status, or 128 + the signal that killed CMD.

use std::process::ExitCode;

use rustix::event::{PollFd, PollFlags, poll};

use crate::say;
use crate::sys::pid1;
use crate::sys::signals::{self, SIGCHLD, SignalFd};
use crate::sys::spawn::{self, Command};
use crate::sys::{getpid, process};

use super::log::Log;

/// What to run and how.
pub struct Options {
    /// Log each forwarded signal and reaped process.
    pub verbose: bool,
    /// Forward to CMD's process group (CMD leads a group of its own).
    pub group: bool,
    pub command: Vec<String>,
}

/// Runs CMD until it ends; the exit status is CMD's.
pub fn run(opts: Options) -> ExitCode {
    let mut log = Log::new();
    let signals = match SignalFd::new(&pid1::catchable_signals()) {
        Ok(fd) => fd,
        Err(e) => {
            say!(log, "fatal: can't open a signalfd: {e}");
            return ExitCode::from(1);
        }
    };
    if getpid() != 1
        && let Err(e) = process::become_subreaper()
    {
        say!(log, "warning: can't become a child subreaper: {e}");
    }
    let Some(cmd) = Command::new(opts.command.iter().map(String::as_str)) else {
        say!(log, "fatal: no command, or a NUL byte in it");
        return ExitCode::from(2);
    };
    let cmd = cmd.inherit_stdin().process_group(opts.group);
    let cmd = if opts.group { cmd.take_terminal() } else { cmd };
    let child = match cmd.spawn() {
        Ok(pid) => pid,
        Err(e) => {
            say!(log, "fatal: can't run '{}': {e}", opts.command.join(" "));
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            return ExitCode::from(code);
        }
    };
    if opts.verbose {
        say!(log, "started '{}' as pid {child}", opts.command.join(" "));
    }
    crate::sys::mem::trim_startup_pages();
    // From here on we are no longer allowed to bail out: until CMD ends,
    // every error is logged (with -v) and the loop goes on.
    loop {
        let mut fds = [PollFd::new(&signals, PollFlags::IN)];
        let _ = poll(&mut fds, None);
        while let Some(signal) = signals.read() {
            if signal == SIGCHLD {
                continue;
            }
            let sent = if opts.group {
                signals::kill_group(child, signal)
            } else {
                signals::kill(child, signal)
            };
            if opts.verbose {
                let name = signals::name(signal).unwrap_or("?");
                match sent {
                    Ok(()) => say!(log, "forwarded SIG{name} ({signal}) to {child}"),
                    Err(e) => say!(log, "can't forward SIG{name} to {child}: {e}"),
                }
            }
        }
        let mut status = None;
        while let Some((pid, exit)) = spawn::reap_any() {
            if opts.verbose {
                say!(log, "reaped pid {pid}: {exit}");
            }
            if pid == child {
                status = Some(exit);
            }
        }
        if let Some(exit) = status {
            return ExitCode::from(exit.as_status().clamp(0, 255) as u8);
        }
    }
}
