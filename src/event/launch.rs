//! Running an event's handlers away from the caller: a double fork leaves
//! a runner in a new session with stdio on /dev/null and no other fd, so
//! the caller (the sendevent command, or a monitor) returns at once and
//! never waits for a handler. The runner starts one keeper per handler,
//! all at once; each keeper is a child subreaper that runs its handler in
//! a process group of its own under the time limit (on expiry the whole
//! tree is killed, with hatimerun's code), then logs how it ended:
//! `sendevent[RUNNER]: CLASS/EVENT id=ID handler NAME exit 0 in 12 ms`.
//! Only the forked processes allocate.

use std::ffi::CStr;
use std::time::{Duration, Instant};

use crate::log;
use crate::sys::process::{self, Forked};
use crate::sys::signals::{self, SignalFd};
use crate::sys::spawn::{Command, Exit};
use crate::sys::syslog::{Severity, Syslog};
use crate::timelimit;

use super::handlers::{self, Handler};

/// Environment variable: seconds a handler may run.
pub const TIMEOUT_ENV: &str = "MAMORI_EVENT_TIMEOUT";
/// A handler's time limit when MAMORI_EVENT_TIMEOUT is not set.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// The runner's process name (`comm`), so that a supervisor scanning
/// /proc for its own children can tell the runner from its service.
pub const RUNNER_NAME: &str = "mamori-event";
const RUNNER_CNAME: &CStr = c"mamori-event";

/// What the runner needs; built in the forked child only.
pub struct Launch {
    pub class: String,
    pub event: String,
    pub id: String,
    /// The options passed to every handler, `-i ID` included.
    pub words: Vec<String>,
}

/// Parses MAMORI_EVENT_TIMEOUT: seconds > 0 (fractions allowed).
pub fn parse_timeout(v: &str) -> Option<Duration> {
    crate::args::seconds(v.trim()).filter(|d| !d.is_zero())
}

/// The time limit from the environment: `Err(value)` when it is set but
/// not a number of seconds > 0.
pub fn timeout_from_env() -> Result<Duration, String> {
    match std::env::var(TIMEOUT_ENV) {
        Ok(v) if !v.is_empty() => parse_timeout(&v).ok_or(v),
        _ => Ok(DEFAULT_TIMEOUT),
    }
}

/// Starts the detached runner and returns once it is detached (the
/// intermediate child has exited). `make` runs in the runner only, so the
/// caller allocates nothing. Only for single-threaded callers.
pub fn detached(make: impl FnOnce() -> Launch) -> std::io::Result<()> {
    match process::fork()? {
        Forked::Parent(middle) => {
            process::wait_pid(middle)?;
            Ok(())
        }
        Forked::Child => {
            // The middle process: leave the caller's session, files and
            // signal mask, then fork the runner, which is not a session
            // leader and so can never acquire a terminal.
            signals::reset_all();
            if process::detach_all_files().is_err() {
                process::exit_now(1);
            }
            // Named before the fork, so the runner bears its name from
            // birth: once this process exits the runner is handed to the
            // nearest subreaper (the pmf supervisor), whose /proc scan
            // must never take it for a process of its service.
            process::set_name(RUNNER_CNAME);
            match process::fork() {
                Ok(Forked::Child) => {
                    let done =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(make())));
                    process::exit_now(i32::from(done.is_err()));
                }
                Ok(Forked::Parent(_)) => process::exit_now(0),
                Err(_) => process::exit_now(1),
            }
        }
    }
}

/// The runner: selects the handlers, starts a keeper for each, reaps
/// them all.
fn run(l: Launch) {
    let mut log = Syslog::new("sendevent");
    let timeout = timeout_from_env().unwrap_or_else(|bad| {
        log!(
            log,
            Severity::Warning,
            "{TIMEOUT_ENV}={bad:?} is not a number of seconds > 0: using {} s",
            DEFAULT_TIMEOUT.as_secs()
        );
        DEFAULT_TIMEOUT
    });
    let root = super::registry::root();
    let (run, refused) = handlers::select(&root, &l.class, &l.event, crate::sys::is_root());
    for r in &refused {
        log!(
            log,
            Severity::Err,
            "{}/{} id={} handler {} not run: {} is {}",
            l.class,
            l.event,
            l.id,
            r.label,
            r.path.display(),
            r.reason
        );
    }
    let mut keepers = Vec::with_capacity(run.len());
    for h in &run {
        match process::fork() {
            Ok(Forked::Child) => {
                keep(h, &l, timeout, &mut log);
                process::exit_now(0);
            }
            Ok(Forked::Parent(pid)) => keepers.push(pid),
            Err(e) => log!(
                log,
                Severity::Err,
                "{}/{} id={} handler {} not run: fork: {e}",
                l.class,
                l.event,
                l.id,
                h.label
            ),
        }
    }
    for pid in keepers {
        let _ = process::wait_pid(pid);
    }
}

/// A keeper: runs one handler under the time limit and logs the outcome
/// (stamped with the runner's pid, inherited in `log`).
fn keep(h: &Handler, l: &Launch, timeout: Duration, log: &mut Syslog) {
    let ev = format!("{}/{} id={}", l.class, l.event, l.id);
    let fail = |log: &mut Syslog, what: &str, e: &dyn std::fmt::Display| {
        log!(
            log,
            Severity::Err,
            "{ev} handler {} cannot run: {what}: {e}",
            h.label
        );
    };
    if let Err(e) = process::become_subreaper() {
        return fail(log, "prctl", &e);
    }
    let sigs = match SignalFd::new(&[signals::SIGCHLD]) {
        Ok(s) => s,
        Err(e) => return fail(log, "signalfd", &e),
    };
    let Some(path) = h.path.to_str() else {
        return fail(log, "path", &"not UTF-8");
    };
    let Some(cmd) = Command::new(std::iter::once(path).chain(l.words.iter().map(String::as_str)))
    else {
        return fail(log, "argument", &"holds a NUL byte");
    };
    let cmd = cmd.process_group(true);
    let started = Instant::now();
    let pid = match cmd.spawn() {
        Ok(pid) => pid,
        Err(e) => return fail(log, path, &crate::sys::errno::os_reason(&e)),
    };
    let ms = |t: Instant| t.elapsed().as_millis();
    match timelimit::wait_until(pid, started + timeout, &sigs) {
        Some(Exit::Code(c)) => {
            let sev = if c == 0 {
                Severity::Info
            } else {
                Severity::Warning
            };
            log!(
                log,
                sev,
                "{ev} handler {} exit {c} in {} ms",
                h.label,
                ms(started)
            );
        }
        Some(Exit::Signal(s)) => log!(
            log,
            Severity::Warning,
            "{ev} handler {} killed by signal {s} (SIG{}) in {} ms",
            h.label,
            signals::name(s).unwrap_or("?"),
            ms(started)
        ),
        None => {
            timelimit::kill_all(pid, signals::SIGKILL, &sigs);
            log!(
                log,
                Severity::Err,
                "{ev} handler {} timed out after {} ms (limit {} s): killed with every process it started",
                h.label,
                ms(started),
                timeout.as_secs_f64()
            );
        }
    }
}
