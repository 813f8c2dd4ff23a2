//! `pcheck -f PFILE`: watch the processes a pfile names and restart them
//! when they die (SPEC §1, seed 001). Runs in the foreground, as the pid
//! the cluster started, until shut down.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::args::{Cursor, is_opt};
use crate::pcheck::{End, Monitor, StartError};
use crate::sys::syslog::Syslog;

use super::fail;

crate::exit_statuses! {
    /// Exit statuses of pcheck.
    pub enum Status {
        /// Shut down (padmin, SIGTERM/SIGINT, or a `shutdown` retry over).
        Shutdown = 0,
        /// A retry over with `exit`: the cluster should fail over.
        Failover = 1,
        /// Bad arguments or a bad pfile.
        Config = 2,
        /// IPCKEY belongs to a running pcheck or another program.
        KeyInUse = 3,
        /// A system call failed at start.
        System = 4,
    }
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

pub fn main(args: Cursor) -> ExitCode {
    let mut monitor = match start(args) {
        Ok(m) => m,
        Err(code) => return code,
    };
    crate::sys::mem::trim_startup_pages();
    let end = monitor.run();
    monitor.finish(end);
    match end {
        End::Shutdown => Status::Shutdown.into(),
        End::Failover => Status::Failover.into(),
    }
}

/// Everything up to the monitor loop. Out of line: its locals (the pfile
/// parser's, the first scan's) would otherwise sit in `main`'s frame for
/// the life of the process, every page of it touched by the stack probes.
#[inline(never)]
fn start(mut args: Cursor) -> Result<Monitor, ExitCode> {
    let mut pfile: Option<PathBuf> = None;
    while let Some(word) = args.next() {
        match word.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return Err(Status::Shutdown.into());
            }
            w if is_opt(w, "-f") => match args.value(w, "-f") {
                Ok(v) => pfile = Some(v.into()),
                Err(e) => return Err(fail("pcheck", e, Status::Config)),
            },
            other => {
                return Err(fail(
                    "pcheck",
                    format!("unexpected argument {other:?} (usage: pcheck -f PFILE)"),
                    Status::Config,
                ));
            }
        }
    }
    let Some(pfile) = pfile else {
        return Err(fail(
            "pcheck",
            "-f PFILE is required (usage: pcheck -f PFILE)",
            Status::Config,
        ));
    };
    let strict_owner = crate::sys::is_root();
    let config = match crate::pcheck::pfile::load(&pfile, strict_owner) {
        Ok(c) => c,
        Err(e) => return Err(fail("pcheck", e, Status::Config)),
    };
    let shown = pfile.display().to_string();
    match Monitor::start(config, strict_owner, Syslog::new("pcheck")) {
        Ok(m) => Ok(m),
        Err(
            e @ StartError::Own(crate::pcheck::segment::OwnError::Refused(crate::shm::Error::Os(
                ..,
            ))),
        )
        | Err(e @ StartError::Os(..)) => {
            Err(fail("pcheck", format_args!("{shown}: {e}"), Status::System))
        }
        Err(e) => Err(fail(
            "pcheck",
            format_args!("{shown}: {e}"),
            Status::KeyInUse,
        )),
    }
}
