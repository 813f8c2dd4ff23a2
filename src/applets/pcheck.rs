//! `pcheck -f PFILE`: watch the processes a pfile names and restart them
//! when they die (SPEC §1, seed 001). Runs in the foreground, as the pid
//! the cluster started, until shut down.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::{Cursor, is_opt};
use crate::pcheck::{Monitor, StartError, exit_code};
use crate::sys::syslog::Syslog;

use super::fail;

/// Exit statuses of pcheck.
pub mod status {
    /// Shut down (padmin, SIGTERM/SIGINT, or a `shutdown` retry over).
    pub const SHUTDOWN: u8 = 0;
    /// A retry over with `exit`: the cluster should fail over.
    pub const FAILOVER: u8 = 1;
    /// Bad arguments or a bad pfile.
    pub const CONFIG: u8 = 2;
    /// IPCKEY belongs to a running pcheck or another program.
    pub const KEY_IN_USE: u8 = 3;
    /// A system call failed at start.
    pub const SYSTEM: u8 = 4;
}

const HELP: &str = "\
usage: pcheck -f PFILE

Watches every process named in PFILE and runs its restart command when it
dies (see padmin for status and control). A process is found by its name
(comm) or the basename of its argv[0]; every process with that name is
watched. Deaths are seen at once through pidfds; without them (Linux < 5.3
or MAMORI_NO_PIDFD=1) /proc is scanned every MONITOR_INTERVAL.

Environment:
  MAMORI_SYSLOG_SOCKET  syslog socket (default /dev/log; stderr if none)
  MAMORI_DUMP_DIR       directory of the default SHM_DUMP_FILE (/var/tmp)
  MAMORI_NO_PIDFD=1     use the /proc scan even where pidfds work

Exit status: 0 shut down, 1 retry over with `exit` (fail over),
2 usage or pfile error, 3 IPCKEY in use, 4 system error.";

pub fn main(mut args: Cursor) -> ExitCode {
    let mut pfile: Option<PathBuf> = None;
    while let Some(word) = args.next() {
        match word.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return ExitCode::SUCCESS;
            }
            w if is_opt(w, "-f") => match args.value(w, "-f") {
                Ok(v) => pfile = Some(v.into()),
                Err(e) => return fail("pcheck", e, status::CONFIG),
            },
            other => {
                return fail(
                    "pcheck",
                    format!("unexpected argument {other:?} (usage: pcheck -f PFILE)"),
                    status::CONFIG,
                );
            }
        }
    }
    let Some(pfile) = pfile else {
        return fail(
            "pcheck",
            "-f PFILE is required (usage: pcheck -f PFILE)",
            status::CONFIG,
        );
    };
    let strict_owner = crate::sys::is_root();
    let config = match crate::pcheck::pfile::load(&pfile, strict_owner) {
        Ok(c) => c,
        Err(e) => return fail("pcheck", e, status::CONFIG),
    };
    let shown = pfile.display().to_string();
    let mut monitor = match Monitor::start(config, strict_owner, Syslog::new("pcheck")) {
        Ok(m) => m,
        Err(
            e @ StartError::Own(crate::pcheck::segment::OwnError::Refused(crate::shm::Error::Os(
                ..,
            ))),
        )
        | Err(e @ StartError::Os(..)) => {
            return fail("pcheck", format_args!("{shown}: {e}"), status::SYSTEM);
        }
        Err(e) => return fail("pcheck", format_args!("{shown}: {e}"), status::KEY_IN_USE),
    };
    crate::sys::mem::trim_startup_pages();
    let end = monitor.run();
    monitor.finish(end);
    ExitCode::from(exit_code(end))
}
