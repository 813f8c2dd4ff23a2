//! The monitor loop shared by clp_sambamon and clp_nfsmon: one process
//! (never forks away from the pid the cluster watches), one thread, one
//! check every INTERVAL, and between checks a `poll` on a signalfd that
//! `-stop`, `-pause` and `-continue` wake.
//!
//! States: watching ⇄ paused (by the registry's flag), and the two ends:
//! stopped (a `-stop` request or SIGTERM/SIGINT: message 3, exit 0) and
//! failed (RETRIES checks in a row failed: the cause, then 6, exit 1).
//! The interval runs from the end of one check to the start of the next,
//! as in the seed's chart (§7.2), so a dead server is declared within
//! RETRIES × (INTERVAL + TIMEOUT per request).
//!
//! Nothing here allocates once [`Monitor::start`] has returned: the probes
//! use stack buffers, the registry is read with plain copies, and messages
//! are formatted into the syslog client's stack buffer.

use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, poll};

use crate::event;
use crate::sys::signals::{SIGINT, SIGTERM, SIGUSR1, SignalFd};

use super::messages::{Log, Msg};
use super::registry::{Applet, Entry, OpenError, Progress, RegisterError, Registry};
use crate::shm::Owner;

/// Signal that tells a monitor its registration changed (`-stop`,
/// `-pause`, `-continue`).
pub const WAKE: i32 = SIGUSR1;

/// The longest a monitor sleeps before it looks at its registration again:
/// `-pause` and `-continue` take effect within this, even if their signal
/// was lost.
const CONTROL_TICK: Duration = Duration::from_secs(1);

/// One applet's check of its server.
pub trait Probe {
    /// What a failed check reports.
    type Failure: Copy;
    /// The share or directory, as messages 2, 3 and 62–65 name it.
    fn target(&self) -> &str;
    /// One full check; never allocates.
    fn check(&mut self) -> Result<(), Self::Failure>;
    /// Logs the cause of the failure that ends the monitor (the messages
    /// before 6).
    fn report(&self, log: &mut Log, failure: &Self::Failure);
}

/// Timing of the loop.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub interval: Duration,
    pub retries: u32,
}

/// How a monitor ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `-stop`, SIGTERM or SIGINT: exit 0.
    Stopped,
    /// The server failed RETRIES times in a row: exit 1, fail over.
    Failed,
}

/// Why a monitor could not start.
#[derive(Debug)]
pub enum StartError {
    /// Message 14.
    InUse(Entry),
    /// Every registry slot is held by a live monitor.
    Full,
    /// Message 42: function and errno.
    System(&'static str, i32, String),
}

impl From<RegisterError> for StartError {
    fn from(e: RegisterError) -> StartError {
        match e {
            RegisterError::InUse(e) => StartError::InUse(e),
            RegisterError::Full => StartError::Full,
            RegisterError::Open(o) => StartError::from(o),
        }
    }
}

impl From<OpenError> for StartError {
    fn from(o: OpenError) -> StartError {
        StartError::System(o.func(), o.errno(), o.to_string())
    }
}

/// A registered, running monitor.
pub struct Monitor<P: Probe> {
    pub log: Log,
    probe: P,
    registry: Registry,
    id: heapless::Vec<u8, { super::registry::ID_MAX }>,
    slot: usize,
    me: Owner,
    signals: SignalFd,
    settings: Settings,
    failures: u32,
    paused: bool,
    announced: bool,
    checks: u32,
    /// Unix time of the last change of state, for readers.
    last_change: i64,
    /// systemd's notification socket (Type=notify units), if any.
    notify: crate::sys::notify::Notifier,
    /// The id of the `failing` event raised, which `recovered` clears.
    alarm: Option<event::EventId>,
}

impl<P: Probe> Monitor<P> {
    /// Registers `id` and logs message 1. Signals are set up first, so
    /// that a `-stop` sent the moment the registration shows is not lost.
    pub fn start(
        applet: Applet,
        registry_key: i32,
        id: &str,
        settings: Settings,
        probe: P,
    ) -> Result<Monitor<P>, StartError> {
        let signals = SignalFd::new(&[WAKE, SIGTERM, SIGINT]).map_err(|e| {
            StartError::System("signalfd", e.raw_os_error().unwrap_or(0), e.to_string())
        })?;
        crate::sys::signals::ignore(crate::sys::signals::SIGPIPE);
        let me = Owner::me();
        if me.start == 0 {
            return Err(StartError::System(
                "open",
                libc::ENOENT,
                "/proc/self/stat".into(),
            ));
        }
        let mut registry = Registry::new(registry_key);
        let slot =
            registry.register(id.as_bytes(), applet, me, probe.target(), settings.retries)?;
        // Registering scanned every slot; from now on only ours is read.
        registry.drop_mapped_pages();
        let mut id_bytes = heapless::Vec::new();
        id_bytes
            .extend_from_slice(id.as_bytes())
            .expect("ID length checked by the parser");
        let mut log = Log::new(applet);
        log.msg(Msg::Started);
        Ok(Monitor {
            log,
            probe,
            registry,
            id: id_bytes,
            slot,
            me,
            signals,
            settings,
            failures: 0,
            paused: false,
            announced: false,
            checks: 0,
            last_change: crate::sys::clock::now_unix(),
            notify: crate::sys::notify::Notifier::from_env(),
            alarm: None,
        })
    }

    /// Runs until the monitor ends.
    pub fn run(&mut self) -> End {
        loop {
            if let Some(end) = self.step() {
                return end;
            }
        }
    }

    /// One turn: a check (unless paused), then the wait for the next one.
    pub fn step(&mut self) -> Option<End> {
        if !self.paused {
            self.checks = self.checks.wrapping_add(1);
            let result = check_out_of_line(&mut self.probe);
            match result {
                Ok(()) => {
                    if self.failures > 0 {
                        self.last_change = crate::sys::clock::now_unix();
                        self.notify
                            .send(format_args!("STATUS=watching {}", self.probe.target()));
                    }
                    if let Some(failing) = self.alarm.take() {
                        self.raise("recovered", 0, Some(&failing));
                    }
                    self.failures = 0;
                    if !self.announced {
                        self.announced = true;
                        self.log.msg(Msg::Watching(self.probe.target()));
                        self.notify.send(format_args!(
                            "READY=1\nSTATUS=watching {}",
                            self.probe.target()
                        ));
                    }
                }
                Err(f) => {
                    if self.failures == 0 {
                        self.last_change = crate::sys::clock::now_unix();
                    }
                    self.failures += 1;
                    self.notify.send(format_args!(
                        "STATUS=failing {} of {}: {}",
                        self.failures,
                        self.settings.retries,
                        self.probe.target()
                    ));
                    if self.failures == 1 {
                        self.alarm = self.raise("failing", 2, None);
                    }
                    if self.failures >= self.settings.retries {
                        self.raise("failed", 5, None);
                        self.probe.report(&mut self.log, &f);
                        if self.log.applet == Applet::Nfs {
                            self.log.msg(Msg::NfsError);
                        }
                        self.log.msg(Msg::Terminate);
                        return Some(End::Failed);
                    }
                }
            }
        }
        let deadline = Instant::now() + self.settings.interval;
        loop {
            match self.look_at_registration() {
                Some(Turn::End(end)) => return Some(end),
                Some(Turn::Resumed) => return None,
                None => {}
            }
            let now = Instant::now();
            if !self.paused && now >= deadline {
                return None;
            }
            let left = if self.paused {
                CONTROL_TICK
            } else {
                (deadline - now).min(CONTROL_TICK)
            };
            if let Some(end) = self.wait(left) {
                return Some(end);
            }
        }
    }

    /// Raises `CLASS/EVENT` for this monitor (class = the applet's name).
    fn raise(&self, name: &str, severity: u8, clears: Option<&str>) -> Option<event::EventId> {
        let applet = self.log.applet.name();
        event::raise(&event::Event {
            class: applet,
            event: name,
            applet,
            instance: core::str::from_utf8(&self.id).unwrap_or("?"),
            severity,
            clears,
        })
    }

    /// Sleeps up to `left` or until a signal; SIGTERM/SIGINT end the
    /// monitor as `-stop` does.
    fn wait(&mut self, left: Duration) -> Option<End> {
        let now = Instant::now();
        self.notify.tick(now);
        let left = match self.notify.next_watchdog() {
            Some(due) => left.min(due.saturating_duration_since(now)),
            None => left,
        };
        let ts = crate::sys::clock::to_timespec(left);
        let mut fds = [PollFd::new(&self.signals, PollFlags::IN)];
        let _ = poll(&mut fds, Some(&ts));
        let mut end = None;
        while let Some(sig) = self.signals.read() {
            if sig == SIGTERM || sig == SIGINT {
                end = Some(End::Stopped);
            }
        }
        if end.is_some() {
            self.log.msg(Msg::StopWatching(self.probe.target()));
        }
        end
    }

    /// Applies a stop request or a pause/continue change.
    fn look_at_registration(&mut self) -> Option<Turn> {
        let (slot, me) = (self.slot, self.me);
        let progress = Progress {
            checks: self.checks,
            failures: self.failures,
            last_change: self.last_change,
        };
        let seen = match self.registry.with(false, |r| {
            let mine = r.owned_by(slot, &me);
            if mine.is_some() {
                // Flags a control form set are applied below; the
                // progress written now shows the state before them, and
                // the next look the state after.
                let _ = r.publish(slot, progress);
            }
            mine
        }) {
            Ok(Some(Some(e))) => e,
            // The lock could not be had in time: look again next tick.
            Err(_) => return None,
            // Removed behind our back (ipcrm): register again so that
            // -stop keeps working.
            Ok(_) => {
                let target = self.probe.target();
                let retries = self.settings.retries;
                if let Ok(i) =
                    self.registry
                        .register(&self.id, self.log.applet, me, target, retries)
                {
                    self.slot = i;
                }
                return None;
            }
        };
        if seen.stop {
            self.log.msg(Msg::StopWatching(self.probe.target()));
            return Some(Turn::End(End::Stopped));
        }
        if seen.paused != self.paused {
            self.paused = seen.paused;
            self.last_change = crate::sys::clock::now_unix();
            if self.paused {
                self.notify.send(format_args!("STATUS=paused"));
            } else {
                self.notify
                    .send(format_args!("STATUS=watching {}", self.probe.target()));
            }
            if self.paused {
                self.log.msg(Msg::Paused);
            } else {
                self.log.msg(Msg::Resumed);
                // Failures before the pause say nothing about the server
                // after maintenance.
                self.failures = 0;
                return Some(Turn::Resumed);
            }
        }
        None
    }

    /// Whether the monitor is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Consecutive failed checks so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Drops the registration (removing the registry when it was the last)
    /// and returns the exit status.
    pub fn finish(mut self, end: End) -> super::Status {
        self.notify.send(format_args!("STOPPING=1"));
        let (slot, me) = (self.slot, self.me);
        let _ = self.registry.with(false, |r| {
            if r.owned_by(slot, &me).is_some() {
                r.clear_and_tidy(slot);
            }
        });
        match end {
            End::Stopped => super::Status::Stopped,
            End::Failed => super::Status::Failed,
        }
    }
}

enum Turn {
    End(End),
    Resumed,
}

/// `probe.check()` in a frame of its own, below the loop's: the probe's
/// buffers (an SMB check zeroes a 64 kB receive buffer) are not in the
/// loop's frame. They stay resident between checks: giving them back after
/// each check saved ~56 kB but cost ~20 page faults, about 10 % more CPU
/// per check (tools/bench-fsmon-ab), so the pages are kept.
#[inline(never)]
fn check_out_of_line<P: Probe>(probe: &mut P) -> Result<(), P::Failure> {
    probe.check()
}
