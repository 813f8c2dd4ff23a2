//! The process monitor behind `pcheck` (SPEC §1): one thread, one epoll
//! over a signalfd and a pidfd per watched process, so a death is seen the
//! moment it happens rather than at the next MONITOR_INTERVAL. Where
//! pidfds are missing (kernels before 5.3, or `MAMORI_NO_PIDFD=1`) it scans
//! `/proc` every MONITOR_INTERVAL like the original.
//!
//! After start-up nothing here allocates: entries, name index and event
//! buffer are sized when the pfile is loaded, log lines are formatted on
//! the stack, and restart commands are prepared once.

pub mod dump;
pub mod owners;
pub mod pfile;
pub mod segment;
pub mod state;

use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rustix::event::epoll;
use rustix::process::{Pid, PidfdFlags};

use crate::event;
use crate::log;
use crate::sys::procfs::Scanner;
use crate::sys::signals::{self, SignalFd};
use crate::sys::spawn::{self, Command};
use crate::sys::syslog::{Severity, Syslog};
use pfile::{Action, Params, Pent, Pfile};
use segment::Segment;
use state::{EntryRecord, PIDS_MAX, ProcSts};

/// Environment variable that forces the /proc fallback (for tests).
pub const NO_PIDFD_ENV: &str = "MAMORI_NO_PIDFD";

/// Look-ups right after a restart script succeeds, before the
/// MONITOR_INTERVAL rhythm: most daemons are up within milliseconds, and
/// these do not count against MONITOR_TRY_COUNT.
const QUICK_LOOKUPS: [Duration; 7] = [
    Duration::ZERO,
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(50),
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(500),
];

const SIGNAL_TOKEN: u64 = 0;
const PIDFD_TAG: u64 = 1 << 32;

/// Why the monitor ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `padmin -c shutdown`, SIGTERM/SIGINT, or a `shutdown` retry over.
    Shutdown,
    /// An `exit` retry over: the cluster should fail the node over.
    Failover,
}

/// A process being watched.
struct Watched {
    pid: i32,
    start: u64,
    /// `None` in /proc fallback mode.
    pidfd: Option<OwnedFd>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Processes are watched; nothing to do until one dies.
    Steady,
    /// The restart command runs as child `pid`.
    Restarting { child: i32 },
    /// Looking for the process: at start, after reload, after a restart.
    Seeking {
        next: Instant,
        quick: u8,
        after_restart: bool,
    },
    /// `-` as restart and nothing running: look every interval, forever.
    Passive { next: Instant },
    /// Retry over with `continue`: no longer watched.
    RetryOver,
}

struct Entry {
    pent: Pent,
    restart: Option<Command>,
    watched: heapless::Vec<Watched, PIDS_MAX>,
    /// Pids shown by padmin (the last ones known when none runs).
    shown: heapless::Vec<i32, PIDS_MAX>,
    phase: Phase,
    restart_count: u32,
    restarts_total: u32,
    window_start: Option<Instant>,
    retry_count: u32,
    rerun_time: i64,
    /// The state last published and when it changed (for `mamori status`).
    published: Option<ProcSts>,
    last_change: i64,
    dirty: bool,
    /// Set by a seek that adopted a new process for this entry.
    found: bool,
    /// How many of the last `watched` have no "Up" line yet. The line
    /// waits until the table holds the pid: an administrator who reads
    /// "Up" and runs `padmin -c show pent` must find the process there.
    /// Zero outside a loop turn, so no death reorders them meanwhile.
    unannounced: u8,
    /// When the running restart program is killed (RESTART_TIMEOUT).
    restart_deadline: Option<Instant>,
    /// Pids with the name but another owner, already logged.
    ignored: heapless::Vec<i32, 8>,
    /// More than PIDS_MAX processes with the name were seen (logged once).
    overflow_logged: bool,
}

impl Entry {
    fn new(pent: Pent, now: Instant) -> Entry {
        let restart = pent
            .restart
            .as_ref()
            .and_then(|w| Command::new(w.iter().map(String::as_str)))
            .map(|c| c.new_session(true));
        Entry {
            pent,
            restart,
            watched: heapless::Vec::new(),
            shown: heapless::Vec::new(),
            phase: Phase::Seeking {
                next: now,
                quick: 0,
                after_restart: false,
            },
            restart_count: 0,
            restarts_total: 0,
            window_start: None,
            retry_count: 0,
            rerun_time: 0,
            published: None,
            last_change: 0,
            restart_deadline: None,
            ignored: heapless::Vec::new(),
            overflow_logged: false,
            dirty: true,
            found: false,
            unannounced: 0,
        }
    }

    fn proc_sts(&self) -> ProcSts {
        match self.phase {
            Phase::RetryOver => ProcSts::RetryOver,
            _ if !self.watched.is_empty() => ProcSts::Avail,
            _ => ProcSts::Down,
        }
    }

    fn due(&self) -> Option<Instant> {
        match self.phase {
            Phase::Seeking { next, .. } | Phase::Passive { next } => Some(next),
            _ => None,
        }
    }

    fn is_due(&self, now: Instant) -> bool {
        self.due().is_some_and(|d| d <= now)
    }

    fn record(&self, pent_id: u32) -> EntryRecord {
        let mut r = EntryRecord::empty();
        r.pname_len = state::put_text(&mut r.pname, self.pent.name.as_bytes());
        // The running pids; the last known ones while none runs.
        let mut n = 0;
        if self.watched.is_empty() {
            for &pid in &self.shown {
                r.pids[n] = pid;
                n += 1;
            }
        } else {
            for w in &self.watched {
                r.pids[n] = w.pid;
                n += 1;
            }
        }
        r.npids = n as u32;
        r.retry_count = self.retry_count;
        r.restart_count = self.restart_count;
        r.restarts_total = self.restarts_total;
        r.last_change = self.last_change;
        r.proc_sts = self.proc_sts() as u32;
        r.action = match self.pent.action {
            Action::Continue => 0,
            Action::Exit => 1,
            Action::Shutdown => 2,
        };
        r.rerun_time = self.rerun_time;
        r.pent_id = pent_id;
        r.monitor_sts = 1;
        r
    }

    fn matches(&self, comm: &[u8], argv0: &[u8]) -> bool {
        name_matches(self.pent.name.as_bytes(), comm, argv0)
    }
}

/// Whether a process with `comm` and argv[0] basename `argv0` is one
/// named `name` in a PENT (also `mamori probe proc`).
pub fn name_matches(name: &[u8], comm: &[u8], argv0: &[u8]) -> bool {
    // comm is cut to 15 bytes by the kernel.
    let comm_match = if name.len() >= 15 {
        comm == &name[..15]
    } else {
        comm == name
    };
    comm_match || argv0 == name
}

/// The monitor: state, fds and buffers, all set up before the loop.
pub struct Monitor {
    pfile_path: PathBuf,
    params: Params,
    strict_owner: bool,
    entries: Vec<Entry>,
    segment: Segment,
    log: Syslog,
    epoll: OwnedFd,
    signals: SignalFd,
    scanner: Scanner,
    use_pidfd: bool,
    next_mailbox: Instant,
    next_liveness: Instant,
    events: Vec<epoll::Event>,
    me: i32,
    counts_dirty: bool,
    /// systemd's notification socket (Type=notify units), if any.
    notify: crate::sys::notify::Notifier,
    /// READY=1 sent: every PENT has been looked up once.
    ready: bool,
    /// A seek adopted processes whose "Up" is not logged yet.
    unannounced: bool,
    /// Whose processes PENTs adopt.
    owners: owners::Owners,
}

/// Why the monitor could not start.
#[derive(Debug)]
pub enum StartError {
    Own(segment::OwnError),
    Os(&'static str, std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Own(e) => e.fmt(f),
            StartError::Os(what, e) => write!(f, "{what}: {}", crate::sys::errno::os_reason(e)),
        }
    }
}

impl Monitor {
    /// Sets everything up: signals, epoll, the shared segment. Nothing is
    /// watched yet; the first [`Monitor::run_once`] looks the processes up.
    pub fn start(pfile: Pfile, strict_owner: bool, log: Syslog) -> Result<Monitor, StartError> {
        let owner = crate::shm::Owner::me();
        let me = owner.pid;
        let signals = SignalFd::new(&[
            signals::SIGTERM,
            signals::SIGINT,
            signals::SIGHUP,
            signals::SIGUSR1,
            signals::SIGCHLD,
        ])
        .map_err(|e| StartError::Os("signalfd", e))?;
        signals::ignore(signals::SIGPIPE);
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)
            .map_err(|e| StartError::Os("epoll_create", e.into()))?;
        epoll::add(
            &epoll,
            signals.as_fd(),
            epoll::EventData::new_u64(SIGNAL_TOKEN),
            epoll::EventFlags::IN,
        )
        .map_err(|e| StartError::Os("epoll_ctl", e.into()))?;
        let scanner = Scanner::new().map_err(|e| StartError::Os("/proc", e))?;
        let use_pidfd = pidfds_work();
        let capacity = (pfile.pents.len() * 2 + 64).min(pfile::PENT_MAX);
        let segment =
            Segment::own(&pfile.params, &pfile.path, capacity, owner).map_err(StartError::Own)?;
        let now = Instant::now();
        let entries = pfile
            .pents
            .into_iter()
            .map(|p| Entry::new(p, now))
            .collect();
        let owners = owners::Owners::new(&pfile.params.allowed_uids);
        let mut m = Monitor {
            pfile_path: pfile.path,
            params: pfile.params,
            strict_owner,
            entries,
            segment,
            log,
            epoll,
            signals,
            scanner,
            use_pidfd,
            next_mailbox: now,
            next_liveness: now,
            events: Vec::with_capacity(64),
            me,
            counts_dirty: true,
            notify: crate::sys::notify::Notifier::from_env(),
            ready: false,
            unannounced: false,
            owners,
        };
        m.publish();
        Ok(m)
    }

    /// Whether deaths are seen through pidfds (false: /proc fallback).
    pub fn uses_pidfd(&self) -> bool {
        self.use_pidfd
    }

    /// Runs until shut down.
    pub fn run(&mut self) -> End {
        loop {
            if let Some(end) = self.run_once(None) {
                return end;
            }
        }
    }

    /// One turn of the loop: wait for the next event or deadline (at most
    /// `max_wait`), handle what is due, publish what changed.
    pub fn run_once(&mut self, max_wait: Option<Duration>) -> Option<End> {
        let now = Instant::now();
        let mut deadline = self.next_mailbox;
        if !self.use_pidfd && self.entries.iter().any(|e| !e.watched.is_empty()) {
            deadline = deadline.min(self.next_liveness);
        }
        for e in &self.entries {
            if let Some(due) = e.due() {
                deadline = deadline.min(due);
            }
        }
        if let Some(due) = self.notify.next_watchdog() {
            deadline = deadline.min(due);
        }
        for e in &self.entries {
            if let (Phase::Restarting { .. }, Some(due)) = (e.phase, e.restart_deadline) {
                deadline = deadline.min(due);
            }
        }
        let mut wait = deadline.saturating_duration_since(now);
        if let Some(max) = max_wait {
            wait = wait.min(max);
        }
        let timeout = crate::sys::clock::to_timespec(wait);
        self.events.clear();
        match epoll::wait(
            &self.epoll,
            rustix::buffer::spare_capacity(&mut self.events),
            Some(&timeout),
        ) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => {
                log!(self.log, Severity::Err, "epoll_wait: {e}");
            }
        }
        let mut end = None;
        let mut became_ready = false;
        for k in 0..self.events.len() {
            let token = self.events[k].data.u64();
            if token == SIGNAL_TOKEN {
                end = end.or(self.drain_signals());
            } else {
                end = end.or(self.on_pidfd((token & 0xffff_ffff) as i32));
            }
        }
        let now = Instant::now();
        self.notify.tick(now);
        self.kill_overdue_restarts(now);
        if end.is_none() && now >= self.next_mailbox {
            self.next_mailbox = now + self.params.msg_check_interval;
            end = self.check_mailbox();
        }
        if end.is_none() && !self.use_pidfd && now >= self.next_liveness {
            self.next_liveness = now + self.params.monitor_interval;
            end = self.check_liveness();
        }
        if end.is_none() && self.entries.iter().any(|e| e.is_due(now)) {
            end = self.seek(now);
            // Every PENT is due at start: after the first look-up of all
            // of them (published and logged) the service manager may rely
            // on pcheck.
            if !self.ready {
                self.ready = true;
                self.counts_dirty = true;
                became_ready = true;
            }
        }
        self.publish();
        if std::mem::take(&mut self.unannounced) {
            self.announce_ups();
        }
        if became_ready {
            self.notify.send(format_args!("READY=1"));
        }
        end
    }

    /// Logs "Up" for each process adopted since the last call, after
    /// `publish` has written it to the table.
    fn announce_ups(&mut self) {
        for e in &mut self.entries {
            let new = usize::from(std::mem::take(&mut e.unannounced));
            for w in &e.watched[e.watched.len().saturating_sub(new)..] {
                log!(
                    self.log,
                    Severity::Info,
                    "({} ,pid={}) Up",
                    e.pent.name,
                    w.pid
                );
            }
        }
    }

    /// A restart program still running at its RESTART_TIMEOUT is killed
    /// with its whole tree; its exit (by SIGKILL) is then reaped as a
    /// failed restart.
    fn kill_overdue_restarts(&mut self, now: Instant) {
        for e in &mut self.entries {
            let Phase::Restarting { child } = e.phase else {
                continue;
            };
            if e.restart_deadline.is_some_and(|d| now >= d) {
                e.restart_deadline = None;
                log!(
                    self.log,
                    Severity::Err,
                    "Restart timed out ({}): {} still running after RESTART_TIMEOUT {}, killed",
                    e.pent.name,
                    child,
                    pfile::Seconds(self.params.restart_timeout)
                );
                crate::timelimit::signal_tree(child, signals::SIGKILL);
            }
        }
    }

    fn drain_signals(&mut self) -> Option<End> {
        let mut end = None;
        while let Some(sig) = self.signals.read() {
            match sig {
                signals::SIGTERM | signals::SIGINT => end = Some(End::Shutdown),
                signals::SIGHUP => {
                    if let Err(reason) = self.reload() {
                        log!(self.log, Severity::Err, "reload failed: {reason}");
                    }
                }
                signals::SIGUSR1 => self.next_mailbox = Instant::now(),
                signals::SIGCHLD => end = end.or(self.reap_children()),
                _ => {}
            }
        }
        end
    }

    fn reap_children(&mut self) -> Option<End> {
        let mut end = None;
        while let Some((pid, exit)) = spawn::reap_any() {
            let Some(i) = self
                .entries
                .iter()
                .position(|e| e.phase == Phase::Restarting { child: pid })
            else {
                continue;
            };
            let e = &mut self.entries[i];
            e.dirty = true;
            if exit.success() {
                e.retry_count = 0;
                e.phase = Phase::Seeking {
                    next: Instant::now(),
                    quick: 0,
                    after_restart: true,
                };
            } else {
                log!(
                    self.log,
                    Severity::Err,
                    "Restart failed ({}): {}",
                    e.pent.name,
                    exit
                );
                e.phase = Phase::Steady;
                end = end.or(self.failure(i));
            }
        }
        end
    }

    /// A pidfd polled readable: that process has exited.
    fn on_pidfd(&mut self, pid: i32) -> Option<End> {
        let mut end = None;
        for i in 0..self.entries.len() {
            if let Some(k) = self.entries[i].watched.iter().position(|w| w.pid == pid) {
                end = end.or(self.on_death(i, k));
            }
        }
        end
    }

    fn on_death(&mut self, i: usize, k: usize) -> Option<End> {
        let e = &mut self.entries[i];
        let gone = e.watched.swap_remove(k);
        drop(gone.pidfd);
        e.dirty = true;
        self.counts_dirty = true;
        log!(
            self.log,
            Severity::Err,
            "Process [{}, pid={}] Down",
            e.pent.name,
            gone.pid
        );
        let end = match e.phase {
            // A restart is already under way for this PENT: it replaces
            // every instance that died meanwhile.
            Phase::Restarting { .. }
            | Phase::Seeking {
                after_restart: true,
                ..
            }
            | Phase::RetryOver => None,
            _ => self.failure(i),
        };
        // After the restart has been started: the event never delays it.
        event::raise(&event::Event {
            class: "pcheck",
            event: "down",
            applet: "pcheck",
            instance: &self.entries[i].pent.name,
            severity: 3,
            clears: None,
        });
        end
    }

    /// A death, a failed restart, or a process not found: restart it, or
    /// act on a retry over (SPEC §1: `retries` restarts within GRACE).
    fn failure(&mut self, i: usize) -> Option<End> {
        let now = Instant::now();
        loop {
            let e = &mut self.entries[i];
            e.dirty = true;
            self.counts_dirty = true;
            let Some(cmd) = &e.restart else {
                if e.watched.is_empty() {
                    e.phase = Phase::Passive {
                        next: now + self.params.monitor_interval,
                    };
                }
                return None;
            };
            if e.window_start
                .is_some_and(|w| now.duration_since(w) >= e.pent.grace)
            {
                e.restart_count = 0;
                e.window_start = None;
            }
            if e.restart_count >= e.pent.retries {
                return self.retry_over(i);
            }
            e.restart_count += 1;
            e.restarts_total = e.restarts_total.wrapping_add(1);
            e.window_start.get_or_insert(now);
            e.rerun_time = crate::sys::clock::now_unix();
            log!(
                self.log,
                Severity::Notice,
                "Try to restart ({})",
                e.pent.name
            );
            match cmd.spawn() {
                Ok(child) => {
                    e.phase = Phase::Restarting { child };
                    e.restart_deadline = Some(now + self.params.restart_timeout);
                    return None;
                }
                Err(err) => {
                    log!(
                        self.log,
                        Severity::Err,
                        "Restart failed ({}): cannot run {}: {}",
                        e.pent.name,
                        cmd.program(),
                        err
                    );
                    e.phase = Phase::Steady;
                }
            }
        }
    }

    fn retry_over(&mut self, i: usize) -> Option<End> {
        let e = &mut self.entries[i];
        let action = match e.pent.action {
            Action::Continue => "CONTINUE",
            Action::Exit => "EXIT",
            Action::Shutdown => "SHUTDOWN",
        };
        log!(
            self.log,
            Severity::Crit,
            "({}) RETRY_OVER:{}",
            e.pent.name,
            action
        );
        event::raise(&event::Event {
            class: "pcheck",
            event: "retry_over",
            applet: "pcheck",
            instance: &e.pent.name,
            severity: 5,
            clears: None,
        });
        e.watched.clear();
        e.phase = Phase::RetryOver;
        e.dirty = true;
        self.counts_dirty = true;
        match e.pent.action {
            Action::Continue => None,
            Action::Exit => Some(End::Failover),
            Action::Shutdown => Some(End::Shutdown),
        }
    }

    /// One /proc scan for every entry that is due to look for its process.
    fn seek(&mut self, now: Instant) -> Option<End> {
        let restart_children = |entries: &[Entry], pid: i32| {
            entries
                .iter()
                .any(|e| e.phase == Phase::Restarting { child: pid })
        };
        let me = self.me;
        let use_pidfd = self.use_pidfd;
        let epoll = &self.epoll;
        let entries = &mut self.entries;
        let log = &mut self.log;
        let owners = &self.owners;
        let mut adopted_any = false;
        let _ = self.scanner.for_each(|p| {
            if p.pid == me || restart_children(entries, p.pid) {
                return;
            }
            for e in entries.iter_mut() {
                if !e.is_due(now) || !e.matches(p.comm, p.argv0) {
                    continue;
                }
                if e.watched.iter().any(|w| w.pid == p.pid) {
                    continue;
                }
                if !owners.allows(p.uid) {
                    if !e.ignored.contains(&p.pid) {
                        if e.ignored.is_full() {
                            e.ignored.remove(0);
                        }
                        let _ = e.ignored.push(p.pid);
                        log!(
                            log,
                            Severity::Warning,
                            "({} ,pid={}) owned by uid {}: not adopted (see ALLOWED_USERS)",
                            e.pent.name,
                            p.pid,
                            p.uid
                        );
                    }
                    continue;
                }
                if e.watched.is_full() {
                    if !e.overflow_logged {
                        e.overflow_logged = true;
                        log!(
                            log,
                            Severity::Warning,
                            "({} ,pid={}) not watched: at most {} processes per PENT",
                            e.pent.name,
                            p.pid,
                            PIDS_MAX
                        );
                    }
                    continue;
                }
                let Some(w) = adopt(epoll, use_pidfd, p.pid, p.stat.start) else {
                    continue;
                };
                let _ = e.watched.push(w);
                e.unannounced += 1;
                e.shown.clear();
                for w in &e.watched {
                    let _ = e.shown.push(w.pid);
                }
                e.dirty = true;
                e.found = true;
                adopted_any = true;
            }
        });
        if adopted_any {
            self.counts_dirty = true;
            self.unannounced = true;
        }
        let mut end = None;
        for i in 0..self.entries.len() {
            let interval = self.params.monitor_interval;
            let e = &mut self.entries[i];
            if !e.is_due(now) {
                continue;
            }
            // Other instances of a same-name PENT may still run: only a
            // newly adopted process ends the search.
            if std::mem::take(&mut e.found) {
                if let Phase::Seeking {
                    after_restart: true,
                    ..
                } = e.phase
                {
                    event::raise(&event::Event {
                        class: "pcheck",
                        event: "restarted",
                        applet: "pcheck",
                        instance: &e.pent.name,
                        severity: 1,
                        clears: None,
                    });
                }
                e.phase = Phase::Steady;
                e.retry_count = 0;
                continue;
            }
            e.dirty = true;
            match e.phase {
                Phase::Passive { .. } => {
                    e.phase = Phase::Passive {
                        next: now + interval,
                    }
                }
                Phase::Seeking {
                    quick,
                    after_restart,
                    ..
                } => {
                    let step = usize::from(quick) + 1;
                    if after_restart && step < QUICK_LOOKUPS.len() {
                        e.phase = Phase::Seeking {
                            next: now + QUICK_LOOKUPS[step],
                            quick: quick + 1,
                            after_restart,
                        };
                        continue;
                    }
                    e.retry_count += 1;
                    if e.retry_count < self.params.monitor_try_count {
                        e.phase = Phase::Seeking {
                            next: now + interval,
                            quick,
                            after_restart,
                        };
                        continue;
                    }
                    log!(
                        self.log,
                        Severity::Err,
                        "Process [{}] not found after {} look-ups",
                        e.pent.name,
                        e.retry_count
                    );
                    e.retry_count = 0;
                    e.phase = Phase::Steady;
                    end = end.or(self.failure(i));
                }
                _ => {}
            }
        }
        end
    }

    /// /proc fallback: is every watched process still the one we adopted?
    fn check_liveness(&mut self) -> Option<End> {
        let mut end = None;
        for i in 0..self.entries.len() {
            let mut k = 0;
            while k < self.entries[i].watched.len() {
                let w = &self.entries[i].watched[k];
                let alive = matches!(self.scanner.stat(w.pid), Some(s) if s.start == w.start && !s.is_gone());
                if alive {
                    k += 1;
                } else {
                    end = end.or(self.on_death(i, k));
                }
            }
        }
        end
    }

    fn check_mailbox(&mut self) -> Option<End> {
        let (seq, cmd, _sender) = self.segment.pending()?;
        match cmd {
            Some(state::Command::Shutdown) => {
                self.segment.ack(seq, 0, "");
                Some(End::Shutdown)
            }
            Some(state::Command::Reload) => {
                match self.reload() {
                    Ok(()) => self.segment.ack(seq, 0, ""),
                    Err(reason) => {
                        log!(self.log, Severity::Err, "reload failed: {reason}");
                        self.segment.ack(seq, 1, &reason);
                    }
                }
                None
            }
            None => {
                self.segment.ack(seq, 2, "unknown command");
                None
            }
        }
    }

    /// Re-reads the pfile: new PENTs are added, removed ones dropped,
    /// changed rules applied, and RETRY_OVER entries resume from zero.
    /// (Runs on a command, not in the monitor cycle: it may allocate.)
    fn reload(&mut self) -> Result<(), String> {
        let pfile = pfile::load(&self.pfile_path, self.strict_owner).map_err(|e| e.to_string())?;
        if pfile.params.ipckey != self.params.ipckey {
            return Err(format!(
                "IPCKEY changed from 0x{:08x} to 0x{:08x}: restart pcheck to use a new key",
                self.params.ipckey as u32, pfile.params.ipckey as u32
            ));
        }
        if pfile.pents.len() > self.segment.capacity() {
            return Err(format!(
                "{} PENT lines do not fit the segment ({}): restart pcheck",
                pfile.pents.len(),
                self.segment.capacity()
            ));
        }
        let now = Instant::now();
        let mut old = std::mem::take(&mut self.entries);
        for pent in pfile.pents {
            let entry = match old.iter().position(|e| e.pent.name == pent.name) {
                Some(k) => {
                    let mut e = old.swap_remove(k);
                    if e.phase == Phase::RetryOver {
                        e = Entry::new(pent, now);
                    } else {
                        let fresh = Entry::new(pent, now);
                        e.pent = fresh.pent;
                        e.restart = fresh.restart;
                        e.dirty = true;
                    }
                    e
                }
                None => Entry::new(pent, now),
            };
            self.entries.push(entry);
        }
        self.owners = owners::Owners::new(&pfile.params.allowed_uids);
        self.params = pfile.params;
        self.segment.set_params(&self.params);
        self.counts_dirty = true;
        log!(
            self.log,
            Severity::Info,
            "Reload pfile={}",
            self.pfile_path.display()
        );
        Ok(())
    }

    /// Writes changed records and the counters to the segment; every
    /// record when one was found damaged.
    fn publish(&mut self) {
        if self.segment.take_records_damaged() {
            self.entries.iter_mut().for_each(|e| e.dirty = true);
            self.counts_dirty = true;
        }
        if !self.counts_dirty && !self.entries.iter().any(|e| e.dirty) {
            return;
        }
        let now = crate::sys::clock::now_unix();
        let entries = &mut self.entries;
        let wrote = self.segment.batch(|t| {
            for (i, e) in entries.iter_mut().enumerate() {
                if e.dirty {
                    let sts = e.proc_sts();
                    if e.published != Some(sts) {
                        e.published = Some(sts);
                        e.last_change = now;
                    }
                    segment::write_entry(t, i, &e.record(i as u32 + 1));
                    e.dirty = false;
                }
            }
        });
        if let Some(why) = self.segment.take_repaired() {
            log!(
                self.log,
                Severity::Warning,
                "segment damaged: {why}; rewritten"
            );
        }
        if !wrote {
            return;
        }
        let all = self.entries.len() as u32;
        let fail = self
            .entries
            .iter()
            .filter(|e| e.proc_sts() != ProcSts::Avail)
            .count() as u32;
        if self.ready {
            self.notify.send(format_args!(
                "STATUS=watching {} of {} processes",
                all - fail,
                all
            ));
        }
        self.counts_dirty = !self.segment.update(|h| {
            h.entry_count = all;
            h.all_proc_count = all;
            h.fail_proc_count = fail;
            h.monitor_stop_count = 0;
        });
    }

    /// Logs the end, writes SHM_DUMP_FILE, removes the segment.
    pub fn finish(mut self, end: End) {
        self.notify.send(format_args!("STOPPING=1"));
        // A restart program still running dies with pcheck, tree and all.
        for e in &self.entries {
            if let Phase::Restarting { child } = e.phase {
                crate::timelimit::signal_tree(child, signals::SIGKILL);
                let _ = crate::sys::process::wait_pid(child);
            }
        }
        match end {
            End::Shutdown => log!(self.log, Severity::Info, "Shutdown pcheck"),
            End::Failover => log!(
                self.log,
                Severity::Crit,
                "Exit pcheck (retry over): the cluster should fail over"
            ),
        }
        self.publish();
        if let Err(e) = self.write_dump() {
            log!(
                self.log,
                Severity::Err,
                "cannot write {}: {}",
                self.params.shm_dump_file.display(),
                e
            );
        }
        self.segment.destroy();
    }

    /// The whole state in readable form, written to `.new` then renamed.
    fn write_dump(&mut self) -> std::io::Result<()> {
        use std::fmt::Write as _;
        let snap = self
            .segment
            .snapshot()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let mut text = String::new();
        let _ = write!(text, "# pcheck dump, ");
        let _ = crate::sys::clock::write_ctime(&mut text, crate::sys::clock::now_unix());
        let _ = writeln!(text);
        let _ = snap.write_list(&mut text);
        let _ = writeln!(text);
        let _ = snap.write_param(&mut text);
        let _ = writeln!(text);
        let _ = snap.write_pents(&mut text);
        let _ = writeln!(text, "\n# PENT rules");
        for e in &self.entries {
            let restart = e
                .pent
                .restart
                .as_ref()
                .map_or_else(|| "-".to_string(), |w| w.join(" "));
            let _ = writeln!(
                text,
                "{}:{}:{}:{}:{}",
                e.pent.name,
                restart,
                e.pent.grace.as_secs(),
                e.pent.retries,
                e.pent.action.name()
            );
        }
        dump::write(&self.params.shm_dump_file, text.as_bytes())
    }
}

/// Opens a pidfd for `pid` and checks it is still the process that started
/// at `start` (the pid may have been reused between the scan and the open).
fn adopt(epoll: &OwnedFd, use_pidfd: bool, pid: i32, start: u64) -> Option<Watched> {
    if !use_pidfd {
        return Some(Watched {
            pid,
            start,
            pidfd: None,
        });
    }
    let fd = rustix::process::pidfd_open(Pid::from_raw(pid)?, PidfdFlags::empty()).ok()?;
    if !crate::sys::procfs::is_alive(pid, start) {
        return None;
    }
    epoll::add(
        epoll,
        &fd,
        epoll::EventData::new_u64(PIDFD_TAG | u64::from(pid as u32)),
        epoll::EventFlags::IN,
    )
    .ok()?;
    Some(Watched {
        pid,
        start,
        pidfd: Some(fd),
    })
}

/// Whether this kernel has pidfd_open (5.3+) and the user did not turn it
/// off.
fn pidfds_work() -> bool {
    if std::env::var_os(NO_PIDFD_ENV).is_some_and(|v| v == "1") {
        return false;
    }
    match rustix::process::pidfd_open(rustix::process::getpid(), PidfdFlags::empty()) {
        Ok(_) => true,
        Err(rustix::io::Errno::NOSYS) => false,
        Err(_) => true,
    }
}
