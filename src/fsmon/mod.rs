//! What clp_sambamon and clp_nfsmon share (SPEC §2, seed 000 §7–8): the
//! ID registry in SysV shared memory, the command line, the message
//! catalogue, the monitor loop and the control forms. Each applet adds
//! only its probe and its own options (`applets/clp_sambamon.rs`,
//! `applets/clp_nfsmon.rs`).

pub mod control;
pub mod messages;
pub mod monitor;
pub mod options;
pub mod registry;

use std::process::ExitCode;

use messages::{Log, Msg, Text};
use monitor::{Monitor, Probe, Settings, StartError};
use options::{Action, Common, ParamError};
use registry::Applet;

crate::exit_statuses! {
    /// Exit statuses of both monitors (the originals document none).
    pub enum Status {
        /// Ended by `-stop`, SIGTERM or SIGINT; a control form succeeded.
        Stopped = 0,
        /// The server failed RETRIES checks in a row: the cluster fails over.
        Failed = 1,
        /// Bad parameters (messages 11, 12, 13).
        Usage = 2,
        /// The ID is registered by a live process (message 14).
        InUse = 3,
        /// A control form found nothing to act on, or `-stop` timed out (15).
        Control = 4,
        /// A system error (messages 42, 61).
        System = 5,
    }
}

/// Replaces `-i` with a number of milliseconds (benchmarks and tests).
pub const INTERVAL_MS_ENV: &str = "MAMORI_FSMON_INTERVAL_MS";

/// Environment variables both monitors read, for `--help`.
pub const ENV_HELP: &str =
    "  MAMORI_FSMON_IPCKEY   SysV key of the ID registry shared by clp_sambamon and
                        clp_nfsmon (default 0x4d4d4653, \"MMFS\")
  MAMORI_SYSLOG_SOCKET  syslog socket (default /dev/log; stderr if none)
  MAMORI_FSMON_INTERVAL_MS  replaces -i with milliseconds (0 = back to back):
                        for benchmarks and tests only";

/// Exit statuses, for `--help`.
pub const EXIT_HELP: &str = "\
Exit status: 0 ended by -stop (or SIGTERM), or a control form succeeded;
1 the server failed RETRIES checks in a row (fail over); 2 bad parameters;
3 ID in use; 4 nothing to control, or -stop timed out; 5 system error.";

/// Prints an applet's `--help`: its text, its own environment variables
/// (lines), then what both monitors share.
pub fn print_help(help: &str, own_env: &str) {
    println!("{help}\n\nEnvironment:\n{own_env}{ENV_HELP}\n\n{EXIT_HELP}");
}

/// Reports a bad command line: message 11/12/13 to syslog, one line on
/// stderr naming what is wrong.
pub fn usage_error(applet: Applet, e: &ParamError) -> ExitCode {
    let m = e.msg();
    Log::new(applet).msg_quiet(m);
    eprintln!("{}: {} ({e})", applet.name(), Text(applet, &m));
    Status::Usage.into()
}

/// The registry key, or the line that says why the environment is wrong.
pub fn registry_key(applet: Applet) -> Result<i32, ExitCode> {
    registry::key_from_env().map_err(|e| {
        eprintln!("{}: {e}", applet.name());
        Status::Usage.into()
    })
}

/// Runs a control form.
pub fn control(applet: Applet, key: i32, id: &str, action: &Action) -> ExitCode {
    control::run(applet, key, id, action).into()
}

/// Registers `id` and monitors with `probe` until the end.
pub fn watch<P: Probe>(applet: Applet, key: i32, id: &str, common: &Common, probe: P) -> ExitCode {
    let mut settings = Settings {
        interval: common.interval,
        retries: common.retries,
    };
    // Benchmarks run thousands of checks; the command line's floor is 1 s.
    if let Some(ms) = std::env::var(INTERVAL_MS_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        settings.interval = std::time::Duration::from_millis(ms);
    }
    let mut monitor = match Monitor::start(applet, key, id, settings, probe) {
        Ok(m) => m,
        Err(StartError::InUse(e)) => {
            Log::new(applet).msg_quiet(Msg::IdInUse);
            eprintln!(
                "{}: {} (ID {id}: {}[{}])",
                applet.name(),
                Text(applet, &Msg::IdInUse),
                e.applet.name(),
                e.owner.pid
            );
            return Status::InUse.into();
        }
        Err(StartError::Full) => {
            // Said to the log too: the cluster started this, nobody reads
            // its stderr.
            let mut log = crate::sys::syslog::Syslog::new(applet.name());
            crate::log!(
                log,
                crate::sys::syslog::Severity::Err,
                "[0] the ID registry is full ({} monitors): ID {id} not started",
                registry::CAPACITY
            );
            eprintln!(
                "{}: the ID registry is full ({} monitors)",
                applet.name(),
                registry::CAPACITY
            );
            return Status::InUse.into();
        }
        Err(StartError::System(func, errno, detail)) => {
            let m = Msg::System(func, errno);
            Log::new(applet).msg_quiet(m);
            eprintln!("{}: {} ({detail})", applet.name(), Text(applet, &m));
            return Status::System.into();
        }
    };
    crate::sys::mem::trim_startup_pages();
    let end = monitor.run();
    monitor.finish(end).into()
}
