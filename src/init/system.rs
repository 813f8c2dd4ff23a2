//! System mode: init as the first process of a machine (or of a PID
//! namespace), driven by an inittab.
//!
//! Order as busybox: every `sysinit` entry, each waited for; then every
//! `wait` entry, each waited for; then `once` and `respawn`/`askfirst`
//! entries are started. Then one loop over one signalfd: SIGCHLD reaps
//! every child (known entries and re-parented orphans alike) and marks
//! dead respawn entries, which are started again through their throttle;
//! the other signals are [`Request`]s. While an entry is waited for, other
//! signals are kept and handled after it, as busybox does.
//!
//! Once running, init never returns on an error: a failed syscall is
//! logged and the loop goes on (PID 1 exiting panics the kernel).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, Timespec, poll};

use crate::say;
use crate::sys::pid1::{self, Reboot};
use crate::sys::signals::{self, SIGCHLD, SignalFd};
use crate::sys::spawn::{self, Exit};
use crate::sys::syslog::Severity;

use super::inittab::{self, Action, Line};
use super::launch;
use super::log::Log;
use super::shutdown;
use super::signals::{Request, reboot_name, request};
use super::table::Table;
use super::throttle::{Limits, Verdict};
use super::{Step, config, mounts};

/// The inittab read when none is named.
pub const DEFAULT_INITTAB: &str = "/etc/inittab";

/// The running init.
pub struct Init {
    pub log: Log,
    pub table: Table,
    signals: SignalFd,
    limits: Limits,
    /// The inittab file named with `-c`, or the default.
    file: String,
    /// Signals that arrived while an entry was waited for.
    pending: heapless::Deque<i32, 32>,
    /// No respawning: the machine is going down.
    pub stopping: bool,
    /// This is the machine's first PID namespace.
    pub machine: bool,
}

/// Runs system mode; returns only to exit (not the machine's PID 1) or,
/// in a forked child, to run an applet.
pub fn run(file: Option<String>) -> Step<ExitCode> {
    let mut log = Log::new();
    if crate::sys::getpid() != 1 {
        say!(
            log,
            "fatal: system mode must be PID 1 (use `init -- CMD` under another init)"
        );
        return Ok(ExitCode::from(1));
    }
    let signals = loop {
        match SignalFd::new(&pid1::catchable_signals()) {
            Ok(fd) => break fd,
            // We are no longer allowed to give up: PID 1 exiting panics
            // the kernel. Reap and retry.
            Err(e) => {
                say!(log, "can't open a signalfd: {e}; retrying");
                while spawn::reap_any().is_some() {}
                pid1::sleep_ms(1000);
            }
        }
    };
    let machine = mounts::setup(&mut log);
    if machine && let Err(e) = pid1::ctrl_alt_del_to_signal() {
        say!(log, "can't turn Ctrl-Alt-Del into SIGINT: {e}");
    }
    pid1::set_env_default("PATH", "/sbin:/usr/sbin:/bin:/usr/bin");
    let file = file.unwrap_or_else(|| DEFAULT_INITTAB.to_string());
    let mut init = Init {
        table: Table::default(),
        log,
        signals,
        limits: Limits::from_env(),
        file,
        pending: heapless::Deque::new(),
        stopping: false,
        machine,
    };
    let lines = init.read_inittab(true).unwrap_or_default();
    init.table = Table::new(lines);
    init.boot()?;
    crate::sys::mem::trim_startup_pages();
    init.serve()
}

impl Init {
    /// The inittab's good lines, each bad line reported. A file that
    /// cannot be read gives the built-in default at boot (a console shell
    /// beats a machine running nothing) and `None` on a re-read (the
    /// entries running stay: a file moved away mid-edit must not stop
    /// every service).
    fn read_inittab(&mut self, at_boot: bool) -> Option<Vec<Line>> {
        let text = match std::fs::read_to_string(&self.file) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && at_boot => {
                say!(self.log, "no {}: using the built-in inittab", self.file);
                inittab::BUILT_IN.to_string()
            }
            Err(e) if at_boot => {
                say!(
                    self.log,
                    "can't read {}: {e}; using the built-in inittab",
                    self.file
                );
                inittab::BUILT_IN.to_string()
            }
            Err(e) => {
                say!(
                    self.log,
                    "can't read {}: {e}; keeping the current entries",
                    self.file
                );
                return None;
            }
        };
        let (lines, errors) = inittab::parse(&text);
        for (number, error) in errors {
            self.log.line(
                Severity::Err,
                format_args!("{}:{number}: {error}; line skipped", self.file),
            );
        }
        Some(lines)
    }

    /// sysinit entries, then wait entries, each waited for; then once and
    /// respawn entries started.
    fn boot(&mut self) -> Step<()> {
        for action in [Action::Sysinit, Action::Wait] {
            for i in self.table.indexes(action) {
                self.run_waited(i, None)?;
            }
        }
        for i in self.table.indexes(Action::Once) {
            self.table.entries[i].started = true;
            self.start(i)?;
        }
        self.respawn_due()
    }

    /// The main loop: never returns but to exit a PID namespace.
    fn serve(&mut self) -> Step<ExitCode> {
        loop {
            self.respawn_due()?;
            while let Some(signal) = self.pending.pop_front() {
                if let Some(code) = self.on_signal(signal)? {
                    return Ok(code);
                }
            }
            let timeout = self
                .table
                .next_wake()
                .map(|at| at.saturating_duration_since(Instant::now()));
            self.wait_signals(timeout);
        }
    }

    /// Polls the signalfd for up to `timeout` (forever: `None`), reaps on
    /// SIGCHLD and queues every other signal.
    fn wait_signals(&mut self, timeout: Option<Duration>) {
        let ts = timeout.map(|d| Timespec {
            tv_sec: d.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: d.subsec_nanos() as i64,
        });
        let mut fds = [PollFd::new(&self.signals, PollFlags::IN)];
        let _ = poll(&mut fds, ts.as_ref());
        while let Some(signal) = self.signals.read() {
            if signal == SIGCHLD {
                continue;
            }
            if !self.pending.iter().any(|&s| s == signal) {
                let _ = self.pending.push_back(signal);
            }
        }
        // Reap even without a SIGCHLD read: signals of one kind merge.
        self.reap();
    }

    /// Reaps every child that has ended.
    pub fn reap(&mut self) {
        while let Some((pid, exit)) = spawn::reap_any() {
            // Borrows of two fields, no copy: a respawn costs no allocation.
            let Some(entry) = self.table.by_pid(pid) else {
                continue;
            };
            entry.pid = None;
            let (shown, process) = (Ended(exit), &entry.line.process);
            if entry.line.action.respawns() && !self.stopping {
                say!(self.log, "'{process}' {shown}, respawning");
            } else if !exit.success() {
                say!(self.log, "'{process}' {shown}");
            }
        }
    }

    /// Starts entry `i` and records its pid; a failed fork is logged.
    fn start(&mut self, i: usize) -> Step<()> {
        let entry = &mut self.table.entries[i];
        let (action, process) = (entry.line.action.name(), &entry.line.process);
        say!(self.log, "starting {action} '{process}'");
        match launch::start(&entry.line.tty, &entry.program) {
            Ok(Ok(pid)) => entry.pid = Some(pid),
            Ok(Err(e)) => say!(self.log, "can't start '{}': {e}", entry.line.process),
            Err(child) => return Err(child),
        }
        Ok(())
    }

    /// Starts entry `i` and waits for it to end; past `limit` it is killed
    /// (its whole session) and waited for again.
    pub fn run_waited(&mut self, i: usize, limit: Option<Duration>) -> Step<()> {
        self.start(i)?;
        let deadline = limit.map(|l| Instant::now() + l);
        let mut killed = false;
        while let Some(pid) = self.table.entries[i].pid {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) && !killed {
                let process = self.table.entries[i].line.process.clone();
                let secs = limit.unwrap_or_default().as_secs_f64();
                say!(self.log, "'{process}' still runs after {secs} s: killed");
                let _ = signals::kill_group(pid, signals::SIGKILL);
                let _ = signals::kill(pid, signals::SIGKILL);
                killed = true;
            }
            self.wait_signals(if killed {
                Some(Duration::from_millis(100))
            } else {
                left
            });
        }
        Ok(())
    }

    /// Starts every respawn entry that is not running and may start.
    fn respawn_due(&mut self) -> Step<()> {
        if self.stopping {
            return Ok(());
        }
        let now = Instant::now();
        for i in 0..self.table.entries.len() {
            let entry = &mut self.table.entries[i];
            if !entry.line.action.respawns() || entry.pid.is_some() {
                continue;
            }
            match entry.throttle.check(now, self.limits) {
                Verdict::Start => self.start(i)?,
                Verdict::Paused { fresh: true, .. } => {
                    let process = entry.line.process.clone();
                    let (window, pause) = (self.limits.window, self.limits.pause);
                    self.log.line(
                        Severity::Warning,
                        format_args!(
                            "'{process}' respawning too fast (more than {} starts in {} s): paused for {} s",
                            super::throttle::MAX_STARTS,
                            window.as_secs_f64(),
                            pause.as_secs_f64()
                        ),
                    );
                }
                Verdict::Paused { .. } => {}
            }
        }
        Ok(())
    }

    /// Acts on one signal; `Some(code)` when init is to exit.
    fn on_signal(&mut self, signal: i32) -> Step<Option<ExitCode>> {
        let name = signals::name(signal).unwrap_or("?");
        match request(signal) {
            Some(Request::Shutdown(how)) => {
                say!(self.log, "got SIG{name}: {}", reboot_name(how));
                shutdown::run(self, how).map(Some)
            }
            Some(Request::CtrlAltDel) => {
                say!(self.log, "got SIG{name}: running ctrlaltdel entries");
                for i in self.table.indexes(Action::Ctrlaltdel) {
                    self.run_waited(i, Some(config::entry_limit()))?;
                }
                Ok(None)
            }
            Some(Request::Restart) => self.restart().map(|()| None),
            Some(Request::Reload) => {
                say!(self.log, "got SIG{name}: re-reading {}", self.file);
                let Some(lines) = self.read_inittab(false) else {
                    return Ok(None);
                };
                for pid in self.table.replace(lines) {
                    say!(self.log, "stopping removed entry (pid {pid})");
                    let _ = signals::kill_group(pid, signals::SIGTERM);
                    let _ = signals::kill(pid, signals::SIGTERM);
                }
                Ok(None)
            }
            None => Ok(None),
        }
    }

    /// SIGQUIT: stop everything, then execute the `restart` entry in
    /// place of init. Without one, or when its program cannot be run,
    /// init goes on as it was (checked first: a failed exec in PID 1
    /// would end init, which panics the kernel).
    fn restart(&mut self) -> Step<()> {
        let Some(&i) = self.table.indexes(Action::Restart).first() else {
            say!(self.log, "got SIGQUIT, but there is no restart entry");
            return Ok(());
        };
        if let launch::Program::Exec { path, .. } = &self.table.entries[i].program
            && !pid1::runnable(path)
        {
            let process = &self.table.entries[i].line.process;
            say!(
                self.log,
                "got SIGQUIT, but the restart entry '{process}' cannot be run: going on"
            );
            return Ok(());
        }
        say!(self.log, "got SIGQUIT: restarting");
        shutdown::stop_everything(self)?;
        let program = self.table.entries[i].program.clone();
        say!(
            self.log,
            "executing '{}'",
            self.table.entries[i].line.process
        );
        pid1::reset_signals_in_child();
        // Only returns to call an applet (or, should the exec fail after
        // all, ends init with 127 as a failed exec does in any child; the
        // console says why).
        Err(launch::become_program(&program))
    }

    /// Exits (non-machine namespaces) or halts/powers off/reboots.
    pub fn finish(&mut self, how: Reboot) -> ExitCode {
        pid1::sync();
        if !self.machine {
            say!(self.log, "not the machine's first PID namespace: exiting");
            return ExitCode::SUCCESS;
        }
        say!(self.log, "{}", reboot_name(how));
        let err = pid1::reboot(how);
        // We are no longer allowed to bail out: PID 1 exiting would panic
        // the kernel. Log and wait forever, still reaping.
        say!(self.log, "reboot(2) failed: {err}");
        loop {
            self.wait_signals(None);
            self.pending.clear();
        }
    }
}

/// How a child ended, as the log says it: `exited 1`, `killed by SIGKILL`.
struct Ended(Exit);

impl core::fmt::Display for Ended {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Exit::Code(c) => write!(f, "exited {c}"),
            Exit::Signal(s) => match signals::name(s) {
                Some(n) => write!(f, "killed by SIG{n}"),
                None => write!(f, "killed by signal {s}"),
            },
        }
    }
}

impl Init {
    /// Waits up to `timeout` for a signal, reaping what ended.
    pub fn wait_for(&mut self, timeout: Duration) {
        self.wait_signals(Some(timeout));
    }
}
