//! One nametag's supervisor: a child subreaper that starts the program,
//! tracks every descendant and its fork depth, and restarts the program
//! only when the last *watched* descendant (depth ≤ `-C`) has exited.
//!
//! One thread, one `poll` over a signalfd and the kernel's process-event
//! connector. Fork events give each new process its parent, hence its
//! depth; without the connector (not root) `/proc` is scanned whenever a
//! child ends, and an orphan met there for the first time is taken as
//! depth 1 (its parent is already gone, so its real depth is unknowable).
//!
//! After [`Supervisor::start`] nothing here allocates: the process table is
//! a fixed array, commands are prepared once, log lines are formatted on
//! the stack and the registry slot is copied by value.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, poll};

use super::registry::{self, Registry, Slot, cmd, state};
use crate::event;
use crate::log;
use crate::shm::text::put_text;
use crate::sys::procev::{ProcEvent, ProcEvents};
use crate::sys::procfs::Scanner;
use crate::sys::signals::{self, SignalFd};
use crate::sys::spawn::{self, Command, Exit};
use crate::sys::syslog::{Severity, Syslog};

/// A run shorter than this is a young death (MAMORI_PMF_YOUNG_MS
/// replaces it, for tests and benchmarks).
const YOUNG: Duration = Duration::from_secs(1);
/// Young deaths in a row before restarts are spaced by [`BACKOFF`].
const YOUNG_IN_A_ROW: u32 = 5;
/// The least time from one start to the next while crash-looping.
const BACKOFF: Duration = Duration::from_secs(1);
/// Environment variable that replaces [`YOUNG`].
pub const YOUNG_ENV: &str = "MAMORI_PMF_YOUNG_MS";

fn young() -> Duration {
    static YOUNG_NOW: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();
    *YOUNG_NOW.get_or_init(|| {
        std::env::var(YOUNG_ENV)
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(YOUNG, Duration::from_millis)
    })
}

/// How often an idle supervisor makes sure its slot still says what it
/// should.
const SLOT_CHECK: Duration = Duration::from_secs(5);

/// Descendants tracked at once; more are neither watched nor counted.
pub const TRACK_MAX: usize = 512;
/// Environment variable that forces the `/proc` fallback (for tests).
pub const NO_CONNECTOR_ENV: &str = "MAMORI_PMF_NO_CONNECTOR";

/// What `pmfadm -c` asked for.
#[derive(Debug, Clone)]
pub struct Config {
    pub tag: String,
    pub argv: Vec<String>,
    /// `ACTION` words; run as `ACTION… failed NAMETAG`.
    pub action: Option<Vec<String>>,
    /// `None`: pmfadm's whole environment (`-E`).
    pub env: Option<Vec<String>>,
    /// `-n`: -1 unlimited.
    pub retries: i32,
    /// `-t` in minutes: -1 unlimited.
    pub period_min: i32,
    /// `-C`: -1 every descendant.
    pub level: i32,
    pub owner_uid: u32,
}

/// Why the supervisor ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Retries used up (and the action, if any, said so).
    GaveUp,
    /// `pmfadm -s`, or SIGTERM/SIGINT.
    Stopped,
}

#[derive(Debug, Clone, Copy)]
struct Tracked {
    pid: i32,
    depth: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    /// `ACTION failed NAMETAG` runs as this child.
    Action {
        child: i32,
    },
    /// Monitoring stopped; ends when the last watched process has.
    Stopping,
}

pub struct Supervisor {
    tag: heapless::String<{ registry::TAG_MAX }>,
    command: Command,
    action: Option<Command>,
    registry: Registry,
    slot: usize,
    log: Syslog,
    signals: SignalFd,
    events: Option<ProcEvents>,
    scanner: Scanner,
    tracked: heapless::Vec<Tracked, TRACK_MAX>,
    phase: Phase,
    retries: i32,
    period_min: i32,
    level: i32,
    retries_used: u32,
    restarts: u32,
    window_start: Option<Instant>,
    last_restart: i64,
    me: crate::shm::Owner,
    /// What the slot should hold; rewritten whole on damage.
    record: Slot,
    next_slot_check: Instant,
    /// When the program was last started, and how many of its runs in a
    /// row were young deaths; a restart held back until `restart_at`.
    started_at: Instant,
    young_deaths: u32,
    restart_at: Option<Instant>,
    dirty: bool,
    overflow_logged: bool,
    /// The program's last end, logged after the restart so that the log
    /// line does not delay it.
    ended: Option<(i32, Exit)>,
}

impl Supervisor {
    /// Becomes a subreaper, claims the nametag and starts the program.
    /// An error leaves nothing behind: no slot, no process.
    pub fn start(cfg: &Config, registry: Registry, log: Syslog) -> Result<Supervisor, String> {
        let mut tag = heapless::String::new();
        tag.push_str(&cfg.tag)
            .map_err(|_| format!("nametag longer than {} bytes", registry::TAG_MAX))?;
        let words = cfg.argv.iter().map(String::as_str);
        let mut command = Command::new(words).ok_or("command holds a NUL byte")?;
        if let Some(env) = &cfg.env {
            command = command
                .env(env.iter().map(String::as_str))
                .ok_or("environment holds a NUL byte")?;
        }
        let action = match &cfg.action {
            Some(a) => {
                let words = a
                    .iter()
                    .map(String::as_str)
                    .chain(["failed", cfg.tag.as_str()]);
                Some(Command::new(words).ok_or("action holds a NUL byte")?)
            }
            None => None,
        };
        crate::sys::process::become_subreaper().map_err(|e| format!("prctl: {e}"))?;
        let signals = SignalFd::new(&[
            signals::SIGCHLD,
            signals::SIGTERM,
            signals::SIGINT,
            signals::SIGHUP,
            signals::SIGUSR1,
        ])
        .map_err(|e| format!("signalfd: {e}"))?;
        signals::ignore(signals::SIGPIPE);
        let no_connector = std::env::var_os(NO_CONNECTOR_ENV).is_some_and(|v| v == "1");
        let events = if no_connector {
            None
        } else {
            ProcEvents::open().ok()
        };
        let scanner = Scanner::new().map_err(|e| format!("/proc: {e}"))?;
        let owner = crate::shm::Owner {
            uid: cfg.owner_uid,
            ..crate::shm::Owner::me()
        };

        let mut slot = Slot::empty();
        slot.sup = owner;
        slot.started = crate::sys::clock::now_unix();
        slot.state = state::RUNNING;
        slot.retries = cfg.retries;
        slot.period_min = cfg.period_min;
        slot.level = cfg.level;
        slot.whole_env = u32::from(cfg.env.is_none());
        slot.tag_len = put_text(&mut slot.tag, cfg.tag.as_bytes());
        slot.command_len = put_text(&mut slot.command, cfg.argv.join(" ").as_bytes());
        if let Some(a) = &cfg.action {
            slot.action_len = put_text(&mut slot.action, a.join(" ").as_bytes());
        }
        let mut registry = registry;
        let index = registry.claim(&slot).map_err(|e| e.to_string())?;
        let mut sup = Supervisor {
            tag,
            command,
            action,
            registry,
            slot: index,
            log,
            signals,
            events,
            scanner,
            tracked: heapless::Vec::new(),
            phase: Phase::Running,
            retries: cfg.retries,
            period_min: cfg.period_min,
            level: cfg.level,
            retries_used: 0,
            restarts: 0,
            window_start: None,
            last_restart: 0,
            me: owner,
            record: slot,
            next_slot_check: Instant::now() + SLOT_CHECK,
            started_at: Instant::now(),
            young_deaths: 0,
            restart_at: None,
            dirty: true,
            overflow_logged: false,
            ended: None,
        };
        match sup.command.spawn() {
            Ok(pid) => {
                sup.track(pid, 0);
                log!(
                    sup.log,
                    Severity::Info,
                    "{}: started {} (pid {})",
                    sup.tag,
                    sup.command.program(),
                    pid
                );
                sup.publish();
                sup.registry.drop_mapped_pages();
                Ok(sup)
            }
            Err(e) => {
                sup.release();
                Err(format!("{}: {}", cfg.argv[0], e))
            }
        }
    }

    /// Whether fork depths come from the kernel's event connector.
    pub fn uses_connector(&self) -> bool {
        self.events.is_some()
    }

    /// Runs until the nametag is given up or stopped.
    pub fn run(&mut self) -> End {
        loop {
            let wait = match self.restart_at {
                Some(at) => at.saturating_duration_since(Instant::now()).min(SLOT_CHECK),
                None => SLOT_CHECK,
            };
            if let Some(end) = self.run_once(Some(wait)) {
                return end;
            }
        }
    }

    /// One turn: wait (at most `max_wait`) for a signal or process event,
    /// handle it, and decide.
    pub fn run_once(&mut self, max_wait: Option<Duration>) -> Option<End> {
        let timeout = max_wait.map(crate::sys::clock::to_timespec);
        {
            let mut fds = [
                PollFd::new(&self.signals, PollFlags::IN),
                match &self.events {
                    Some(ev) => PollFd::from_borrowed_fd(ev.as_fd(), PollFlags::IN),
                    None => PollFd::from_borrowed_fd(self.signals.as_fd(), PollFlags::empty()),
                },
            ];
            let _ = poll(&mut fds, timeout.as_ref());
        }
        self.drain_events();
        let mut end = None;
        while let Some(sig) = self.signals.read() {
            end = end.or(match sig {
                signals::SIGCHLD => self.reap(),
                signals::SIGUSR1 => self.mailbox(),
                signals::SIGTERM | signals::SIGINT => Some(End::Stopped),
                _ => None,
            });
        }
        // A fork queued before a death must be seen before deciding.
        self.drain_events();
        // Now and then, even when idle: a slot overwritten behind our back
        // is rewritten before a second supervisor could claim the tag.
        let now = Instant::now();
        if now >= self.next_slot_check {
            self.next_slot_check = now + SLOT_CHECK;
            self.publish();
        }
        if end.is_none() {
            end = self.decide();
        }
        self.log_ended();
        if self.dirty {
            self.publish();
        }
        end
    }

    fn drain_events(&mut self) {
        let Some(events) = &self.events else { return };
        let mut lost = false;
        let tracked = &mut self.tracked;
        let mut overflow = false;
        let mut changed = false;
        events.drain(|ev| match ev {
            ProcEvent::Fork { parent, child } => {
                if let Some(p) = tracked.iter().find(|t| t.pid == parent) {
                    let t = Tracked {
                        pid: child,
                        depth: p.depth + 1,
                    };
                    overflow |= tracked.push(t).is_err();
                    changed = true;
                }
            }
            // The program itself is always our child: reaping it removes
            // it, with its exit status.
            ProcEvent::Exit { pid } => {
                if let Some(k) = tracked.iter().position(|t| t.pid == pid && t.depth > 0) {
                    tracked.swap_remove(k);
                    changed = true;
                }
            }
            ProcEvent::Lost => lost = true,
        });
        self.dirty |= changed;
        if overflow {
            self.log_overflow();
        }
        if lost {
            self.rescan();
        }
    }

    fn log_overflow(&mut self) {
        if !self.overflow_logged {
            self.overflow_logged = true;
            log!(
                self.log,
                Severity::Warning,
                "{}: more than {} descendants; the rest are not watched",
                self.tag,
                TRACK_MAX
            );
        }
    }

    /// Reaps every ended child: the action program, or a tracked process.
    fn reap(&mut self) -> Option<End> {
        let mut end = None;
        while let Some((pid, exit)) = spawn::reap_any() {
            if self.phase == (Phase::Action { child: pid }) {
                end = end.or(self.action_done(exit));
                continue;
            }
            if let Some(k) = self.tracked.iter().position(|t| t.pid == pid) {
                let t = self.tracked.swap_remove(k);
                self.dirty = true;
                if t.depth == 0 {
                    self.ended = Some((pid, exit));
                }
            }
        }
        if self.events.is_none() {
            self.rescan();
        }
        end
    }

    /// `/proc` view of the tree: drop the dead, adopt what we have not
    /// seen (a child of a tracked process is one deeper; an orphan handed
    /// to us is taken as depth 1).
    fn rescan(&mut self) {
        let me = self.me.pid;
        let action_child = match self.phase {
            Phase::Action { child } => child,
            _ => 0,
        };
        let mut seen = [false; TRACK_MAX];
        let mut overflow = false;
        for _pass in 0..2 {
            let tracked = &mut self.tracked;
            let _ = self.scanner.for_each(|p| {
                if let Some(k) = tracked.iter().position(|t| t.pid == p.pid) {
                    seen[k] = true;
                    return;
                }
                let depth = if p.comm == event::launch::RUNNER_NAME.as_bytes() {
                    None
                } else if p.stat.ppid == me && p.pid != action_child {
                    Some(1)
                } else {
                    tracked
                        .iter()
                        .find(|t| t.pid == p.stat.ppid)
                        .map(|t| t.depth + 1)
                };
                if let Some(depth) = depth {
                    if tracked.push(Tracked { pid: p.pid, depth }).is_ok() {
                        seen[tracked.len() - 1] = true;
                    } else {
                        overflow = true;
                    }
                }
            });
        }
        let mut k = self.tracked.len();
        while k > 0 {
            k -= 1;
            // The program itself is always our child: dead but not yet
            // reaped, it is a zombie the scan skips, and dropping it here
            // lost its "ended" line and exit status. Reaping removes it.
            if !seen[k] && self.tracked[k].depth > 0 {
                self.tracked.swap_remove(k);
                seen[k] = seen[self.tracked.len()];
            }
        }
        self.dirty = true;
        if overflow {
            self.log_overflow();
        }
    }

    fn watched(&self, t: &Tracked) -> bool {
        self.level < 0 || t.depth <= self.level as u32
    }

    fn any_watched(&self) -> bool {
        self.tracked.iter().any(|t| self.watched(t))
    }

    fn decide(&mut self) -> Option<End> {
        match self.phase {
            Phase::Running if !self.any_watched() => self.service_down(),
            Phase::Stopping if !self.any_watched() => Some(End::Stopped),
            _ => None,
        }
    }

    /// The last watched process has exited: restart, or act on the
    /// retries running out (`-n` within `-t` minutes).
    fn service_down(&mut self) -> Option<End> {
        let now = Instant::now();
        if self.period_min >= 0 {
            let period = Duration::from_secs(self.period_min as u64 * 60);
            if self
                .window_start
                .is_some_and(|w| now.duration_since(w) >= period)
            {
                self.window_start = None;
                self.retries_used = 0;
            }
        }
        if self.retries < 0 || self.retries_used < self.retries as u32 {
            if self.restart_at.is_none() {
                self.restart_at = Some(self.backoff(now));
            }
            if self.restart_at.is_some_and(|at| now < at) {
                return None;
            }
            self.restart_at = None;
            return self.restart(now);
        }
        self.log_ended();
        log!(
            self.log,
            Severity::Err,
            "{}: retries used up ({} within {} min)",
            self.tag,
            self.retries_used,
            self.period_min
        );
        let Some(action) = &self.action else {
            return Some(End::GaveUp);
        };
        log!(
            self.log,
            Severity::Notice,
            "{}: running {} failed {}",
            self.tag,
            action.program(),
            self.tag
        );
        match action.spawn() {
            Ok(child) => {
                self.phase = Phase::Action { child };
                self.dirty = true;
                None
            }
            Err(e) => {
                log!(
                    self.log,
                    Severity::Err,
                    "{}: cannot run {}: {}",
                    self.tag,
                    action.program(),
                    e
                );
                Some(End::GaveUp)
            }
        }
    }

    fn action_done(&mut self, exit: Exit) -> Option<End> {
        self.phase = Phase::Running;
        self.dirty = true;
        if !exit.success() {
            log!(
                self.log,
                Severity::Err,
                "{}: action ended ({}): giving up",
                self.tag,
                exit
            );
            return Some(End::GaveUp);
        }
        log!(
            self.log,
            Severity::Notice,
            "{}: action exited 0: restarting",
            self.tag
        );
        self.retries_used = 0;
        self.window_start = None;
        self.restart(Instant::now())
    }

    /// When the next restart may run. A program that keeps dying young
    /// (within [`young`] of its start, [`YOUNG_IN_A_ROW`] times in a row) is
    /// restarted at most once a second, as runit and s6 do, instead of
    /// hundreds of times a second; one that died after a longer run is
    /// restarted at once.
    fn backoff(&mut self, now: Instant) -> Instant {
        let ran = now.saturating_duration_since(self.started_at);
        if ran >= young() {
            self.young_deaths = 0;
            return now;
        }
        self.young_deaths = self.young_deaths.saturating_add(1);
        if self.young_deaths < YOUNG_IN_A_ROW {
            return now;
        }
        if self.young_deaths == YOUNG_IN_A_ROW {
            log!(
                self.log,
                Severity::Warning,
                "{}: died within {} ms of its start {} times in a row: restarting at most once a second",
                self.tag,
                young().as_millis(),
                YOUNG_IN_A_ROW
            );
        }
        self.started_at + BACKOFF
    }

    fn restart(&mut self, now: Instant) -> Option<End> {
        self.started_at = now;
        self.retries_used += 1;
        self.restarts += 1;
        self.window_start.get_or_insert(now);
        self.last_restart = crate::sys::clock::now_unix();
        self.dirty = true;
        match self.command.spawn() {
            Ok(pid) => {
                self.track(pid, 0);
                self.log_ended();
                self.raise("restarted", 2);
                if self.retries < 0 {
                    log!(
                        self.log,
                        Severity::Notice,
                        "{}: restarted {} (pid {}, restart {})",
                        self.tag,
                        self.command.program(),
                        pid,
                        self.restarts
                    );
                } else {
                    log!(
                        self.log,
                        Severity::Notice,
                        "{}: restarted {} (pid {}, retry {} of {})",
                        self.tag,
                        self.command.program(),
                        pid,
                        self.retries_used,
                        self.retries
                    );
                }
                None
            }
            Err(e) => {
                log!(
                    self.log,
                    Severity::Err,
                    "{}: cannot restart {}: {}",
                    self.tag,
                    self.command.program(),
                    e
                );
                Some(End::GaveUp)
            }
        }
    }

    /// Raises `pmf/EVENT` for this nametag.
    fn raise(&self, name: &str, severity: u8) {
        event::raise(&event::Event {
            class: "pmf",
            event: name,
            applet: "pmfadm",
            instance: &self.tag,
            severity,
            clears: None,
        });
    }

    fn log_ended(&mut self) {
        if let Some((pid, exit)) = self.ended.take() {
            log!(
                self.log,
                Severity::Notice,
                "{}: pid {} ended ({})",
                self.tag,
                pid,
                exit
            );
        }
    }

    fn track(&mut self, pid: i32, depth: u32) {
        if self.tracked.iter().all(|t| t.pid != pid)
            && self.tracked.push(Tracked { pid, depth }).is_err()
        {
            self.log_overflow();
        }
        self.dirty = true;
    }

    /// Sends `sig` to every watched process; returns how many got it.
    fn signal_watched(&self, sig: i32) -> i32 {
        let mut n = 0;
        for t in self.tracked.iter().filter(|t| self.watched(t)) {
            if signals::kill(t.pid, sig).is_ok() {
                n += 1;
            }
        }
        n
    }

    /// A command from pmfadm: act on it and answer.
    fn mailbox(&mut self) -> Option<End> {
        let slot = self.registry.read(self.slot)?;
        if !slot.sup.same(&self.me) {
            return None;
        }
        let p = slot.mbox.pending()?;
        let [arg_signal, arg_retries, arg_period] = p.args;
        // Without fork events, learn the descendants started since the
        // last death before signalling "every watched process".
        if self.events.is_none() {
            self.rescan();
        }
        let mut end = None;
        let status = match p.cmd {
            cmd::STOP => {
                let sig = arg_signal;
                log!(
                    self.log,
                    Severity::Notice,
                    "{}: monitoring stopped (signal {})",
                    self.tag,
                    sig
                );
                if sig == 0 {
                    end = Some(End::Stopped);
                    0
                } else {
                    self.phase = Phase::Stopping;
                    self.signal_watched(sig)
                }
            }
            cmd::SIGNAL => self.signal_watched(arg_signal),
            cmd::MODIFY => {
                if arg_retries != cmd::KEEP {
                    self.retries = arg_retries;
                }
                if arg_period != cmd::KEEP {
                    self.period_min = arg_period;
                }
                log!(
                    self.log,
                    Severity::Info,
                    "{}: now {} retries within {} min",
                    self.tag,
                    self.retries,
                    self.period_min
                );
                0
            }
            _ => -1,
        };
        self.dirty = true;
        self.publish();
        self.registry.answer(self.slot, p.seq, status);
        end
    }

    /// Writes the slot from the supervisor's own copy (keeping the
    /// mailbox, which clients write). A slot found damaged, or taken by
    /// someone else, is rewritten whole and the damage logged.
    fn publish(&mut self) {
        let mut pids = [0; registry::PIDS_MAX];
        let mut n = 0;
        for t in self.tracked.iter().filter(|t| self.watched(t)) {
            if n == registry::PIDS_MAX {
                break;
            }
            pids[n] = t.pid;
            n += 1;
        }
        let r = &mut self.record;
        r.pids = pids;
        r.npids = n as u32;
        r.state = match self.phase {
            Phase::Running => state::RUNNING,
            Phase::Action { .. } => state::ACTION,
            Phase::Stopping => state::STOPPING,
        };
        r.retries = self.retries;
        r.period_min = self.period_min;
        r.retries_used = self.retries_used;
        r.restarts = self.restarts;
        r.last_restart = self.last_restart;
        let mine = *r;
        let me = self.me;
        let damage = self.registry.update(self.slot, |s| {
            let damage = if !s.sup.same(&me) {
                Some("owner")
            } else {
                s.check().err().map(|_| "fields")
            };
            let mbox = if damage.is_none() {
                s.mbox
            } else {
                Default::default()
            };
            *s = mine;
            s.mbox = mbox;
            (true, damage)
        });
        match damage {
            Some(Some(what)) => log!(
                self.log,
                Severity::Warning,
                "{}: pmf registry damaged: slot {} ({what}); rewritten",
                self.tag,
                self.slot
            ),
            Some(None) => self.dirty = false,
            None => {}
        }
    }

    /// Frees the slot (the nametag is gone for every reader at once).
    fn release(&mut self) {
        let me = self.me;
        let _ = self.registry.update(self.slot, |s| {
            let mine = s.sup.same(&me);
            if mine {
                *s = Slot::empty();
            }
            (mine, ())
        });
    }

    /// Logs the end and removes the nametag. Processes that still run are
    /// left to init.
    pub fn finish(mut self, end: End) {
        match end {
            End::GaveUp => {
                log!(
                    self.log,
                    Severity::Crit,
                    "{}: giving up; nametag removed",
                    self.tag
                );
                self.raise("gave_up", 5);
            }
            End::Stopped => log!(
                self.log,
                Severity::Info,
                "{}: stopped; nametag removed",
                self.tag
            ),
        }
        self.release();
    }
}
