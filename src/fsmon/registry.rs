//! The ID registry of clp_sambamon and clp_nfsmon: one SysV shared-memory
//! segment per system (key [`DEFAULT_KEY`], or `MAMORI_FSMON_IPCKEY`)
//! holding one [`Slot`] per running monitor, so that `ID -stop`, `-pause`,
//! `-disp` … find the monitor without talking to it.
//!
//! The original kept such a table too and could not tell a killed owner
//! from a live one (seed 000 §7, note 5: "-disp, check with ps, -del").
//! Here every slot carries the owner's pid *and* start time, so a slot
//! whose owner died, even one whose pid was reused, counts as free.
//!
//! Every access takes the SEM_UNDO semaphore (a `kill -9` releases it) and
//! looks the segment up again under it, because the last monitor to leave
//! removes segment and semaphore: a process that attached earlier must
//! not keep writing into a removed segment. Every slot is validated on
//! every read; a damaged one counts as free.

use std::io;
use std::time::Duration;

use crate::sys::ipc::{Sem, SemGuard, Shm};
use crate::sys::procfs;

/// Default key of the registry: "MMFS" in ASCII.
pub const DEFAULT_KEY: i32 = 0x4d4d_4653;
/// Environment variable that replaces [`DEFAULT_KEY`] (hex `0x…` or decimal).
pub const KEY_ENV: &str = "MAMORI_FSMON_IPCKEY";
/// First bytes of the segment.
pub const MAGIC: [u8; 8] = *b"MAMORIfs";
/// Layout version; bump on any change of [`Header`] or [`Slot`].
pub const VERSION: u32 = 1;
/// Monitors one system can run at once.
pub const CAPACITY: usize = 128;
/// Longest ID (seed 000 §7: up to 255 bytes).
pub const ID_MAX: usize = 255;
/// Root-only segment and semaphore: the registry steers failovers.
const MODE: u32 = 0o600;
/// How long an access waits for the lock: a holder stopped with SIGSTOP
/// must not stall a monitor for ever.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Segment header.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Header {
    pub magic: [u8; 8],
    pub version: u32,
    pub header_size: u32,
    pub slot_size: u32,
    pub capacity: u32,
}

/// One registration. Field order keeps it free of padding.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Slot {
    /// Owner's start time (clock ticks since boot, /proc/PID/stat field 22).
    pub owner_start: u64,
    pub owner_pid: i32,
    /// [`Applet`] as a number; 0 = free.
    pub applet: u32,
    /// 0 watching, 1 paused.
    pub paused: u32,
    /// 1 once `-stop` asked the owner to end.
    pub stop: u32,
    pub id_len: u32,
    /// Checks run so far (wrapping), for `-disp` readers and benchmarks.
    pub checks: u32,
    pub id: [u8; ID_MAX + 1],
}

crate::plain!(Header, Slot);

const _: () = assert!(size_of::<Header>().is_multiple_of(8) && size_of::<Slot>().is_multiple_of(8));

const SEGMENT_SIZE: usize = size_of::<Header>() + CAPACITY * size_of::<Slot>();

fn slot_offset(i: usize) -> usize {
    size_of::<Header>() + i * size_of::<Slot>()
}

/// Which monitor owns a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applet {
    Samba = 1,
    Nfs = 2,
}

impl Applet {
    fn from_raw(raw: u32) -> Option<Applet> {
        match raw {
            1 => Some(Applet::Samba),
            2 => Some(Applet::Nfs),
            _ => None,
        }
    }

    /// The command name.
    pub fn name(self) -> &'static str {
        match self {
            Applet::Samba => "clp_sambamon",
            Applet::Nfs => "clp_nfsmon",
        }
    }
}

/// A validated registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub index: usize,
    pub applet: Applet,
    pub pid: i32,
    pub start: u64,
    pub paused: bool,
    pub stop: bool,
    pub checks: u32,
}

impl Entry {
    /// Whether the owner still runs (pid and start time both match).
    pub fn alive(&self) -> bool {
        procfs::is_alive(self.pid, self.start)
    }
}

/// Validates a slot: `None` for a free or damaged one.
fn entry(index: usize, s: &Slot) -> Option<Entry> {
    let applet = Applet::from_raw(s.applet)?;
    let len = s.id_len as usize;
    if len == 0 || len > ID_MAX || !s.id[..len].iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    if s.owner_pid <= 0 || s.paused > 1 || s.stop > 1 {
        return None;
    }
    Some(Entry {
        index,
        applet,
        pid: s.owner_pid,
        start: s.owner_start,
        paused: s.paused == 1,
        stop: s.stop == 1,
        checks: s.checks,
    })
}

fn holds(s: &Slot, id: &[u8]) -> bool {
    s.id.get(..s.id_len as usize) == Some(id)
}

/// Why a segment at the key cannot be used as the registry.
#[derive(Debug)]
pub enum OpenError {
    /// Another program's segment, or another layout version.
    Foreign(i32),
    /// A system call failed: its name and error.
    Os(&'static str, io::Error),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Foreign(key) => write!(
                f,
                "the SysV segment at key 0x{:08x} is not a mamori fsmon registry \
                 (set {KEY_ENV} to another key)",
                *key as u32
            ),
            OpenError::Os(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl OpenError {
    /// Function name and errno for message 42.
    pub fn func_errno(&self) -> (&'static str, i32) {
        match self {
            OpenError::Foreign(_) => ("shmget", libc::EEXIST),
            OpenError::Os(what, e) => (what, e.raw_os_error().unwrap_or(0)),
        }
    }
}

/// Why a registration failed.
#[derive(Debug)]
pub enum RegisterError {
    /// A live process holds the ID (message 14).
    InUse(Entry),
    /// Every slot is taken by a live monitor.
    Full,
    Open(OpenError),
}

/// The key the registry lives at: `MAMORI_FSMON_IPCKEY` or the default.
pub fn key_from_env() -> Result<i32, String> {
    let Some(v) = std::env::var_os(KEY_ENV) else {
        return Ok(DEFAULT_KEY);
    };
    let text = v.to_string_lossy();
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => t.parse::<u32>().ok(),
    };
    match parsed {
        Some(k) if k != 0 => Ok(k as i32),
        _ => Err(format!(
            "{KEY_ENV}={text:?} is not a non-zero key (hex 0x… or decimal)"
        )),
    }
}

/// A handle on the registry at one key.
pub struct Registry {
    key: i32,
    sem: Option<Sem>,
    shm: Option<Shm>,
}

/// The registry locked and looked up: valid until dropped.
pub struct Locked<'a> {
    shm: &'a Shm,
    sem: &'a Sem,
    _guard: SemGuard<'a>,
}

impl Registry {
    /// A handle; nothing is created until the first access.
    pub fn new(key: i32) -> Registry {
        Registry {
            key,
            sem: None,
            shm: None,
        }
    }

    /// The key.
    pub fn key(&self) -> i32 {
        self.key
    }

    /// Runs `f` on the locked registry. With `create`, a missing segment
    /// is created; without, `Ok(None)` says there is none (nothing is
    /// registered). Allocates nothing once the segment is attached.
    pub fn with<R>(
        &mut self,
        create: bool,
        f: impl FnOnce(&Locked<'_>) -> R,
    ) -> Result<Option<R>, OpenError> {
        let mut f = f;
        // A semaphore removed by the last monitor to leave (EIDRM): open
        // it again and look the segment up again.
        for _attempt in 0..8 {
            if self.sem.is_none() {
                let sem = if create {
                    Sem::open_or_create(self.key, MODE)
                } else {
                    Sem::open(self.key)
                };
                match sem {
                    Ok(s) => self.sem = Some(s),
                    Err(e) if !create && e.raw_os_error() == Some(libc::ENOENT) => {
                        return Ok(None);
                    }
                    Err(e) => return Err(OpenError::Os("semget", e)),
                }
            }
            let sem = self.sem.as_ref().expect("set above");
            match attempt(&mut self.shm, sem, self.key, create, f)? {
                Step::Done(r) => return Ok(Some(r)),
                Step::Missing => return Ok(None),
                Step::Retry(g) => {
                    f = g;
                    self.sem = None;
                }
            }
        }
        Err(OpenError::Os(
            "semop",
            io::Error::from_raw_os_error(libc::EIDRM),
        ))
    }

    /// Registers `id` for `applet` owned by `me` (pid, start time). A slot
    /// whose owner died is taken over; a live holder is an error.
    pub fn register(
        &mut self,
        id: &[u8],
        applet: Applet,
        me: (i32, u64),
    ) -> Result<usize, RegisterError> {
        let r = self
            .with(true, |reg| {
                let mut free = None;
                for i in 0..CAPACITY {
                    let slot = reg.slot(i);
                    match entry(i, &slot) {
                        Some(e) if e.alive() => {
                            if holds(&slot, id) {
                                return Err(RegisterError::InUse(e));
                            }
                        }
                        // Free, damaged, or its owner died: reusable.
                        _ => {
                            if holds(&slot, id) || free.is_none() {
                                free = Some(i);
                            }
                            if holds(&slot, id) {
                                reg.clear(i);
                            }
                        }
                    }
                }
                let i = free.ok_or(RegisterError::Full)?;
                let mut slot = Slot {
                    owner_start: me.1,
                    owner_pid: me.0,
                    applet: applet as u32,
                    paused: 0,
                    stop: 0,
                    id_len: id.len() as u32,
                    checks: 0,
                    id: [0; ID_MAX + 1],
                };
                slot.id[..id.len()].copy_from_slice(id);
                reg.shm.write(slot_offset(i), &slot);
                Ok(i)
            })
            .map_err(RegisterError::Open)?;
        r.expect("created")
    }

    /// The live-or-stale registration of `id`, if any.
    pub fn find(&mut self, id: &[u8]) -> Result<Option<Entry>, OpenError> {
        Ok(self.with(false, |reg| reg.find(id))?.flatten())
    }
}

enum Step<R, F> {
    Done(R),
    Missing,
    Retry(F),
}

/// One locked access: lock, look the segment up (creating it when asked),
/// validate the header, run `f`.
fn attempt<R, F: FnOnce(&Locked<'_>) -> R>(
    cached: &mut Option<Shm>,
    sem: &Sem,
    key: i32,
    create: bool,
    f: F,
) -> Result<Step<R, F>, OpenError> {
    let guard = match sem.lock(LOCK_WAIT) {
        Ok(g) => g,
        Err(e) if matches!(e.raw_os_error(), Some(libc::EIDRM | libc::EINVAL)) => {
            return Ok(Step::Retry(f));
        }
        Err(e) => return Err(OpenError::Os("semop", e)),
    };
    let id = match Shm::lookup(key) {
        Ok(id) => id,
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            if !create {
                return Ok(Step::Missing);
            }
            *cached = None;
            let shm =
                Shm::create(key, SEGMENT_SIZE, MODE).map_err(|e| OpenError::Os("shmget", e))?;
            shm.write(
                0,
                &Header {
                    magic: MAGIC,
                    version: VERSION,
                    header_size: size_of::<Header>() as u32,
                    slot_size: size_of::<Slot>() as u32,
                    capacity: CAPACITY as u32,
                },
            );
            let id = shm.id();
            *cached = Some(shm);
            id
        }
        Err(e) => return Err(OpenError::Os("shmget", e)),
    };
    if cached.as_ref().map(Shm::id) != Some(id) {
        *cached = None;
        *cached = Some(Shm::attach(id, false).map_err(|e| OpenError::Os("shmat", e))?);
    }
    let shm = cached.as_ref().expect("set above");
    let h: Option<Header> = shm.read(0);
    let valid = h.is_some_and(|h| {
        h.magic == MAGIC
            && h.version == VERSION
            && h.header_size as usize == size_of::<Header>()
            && h.slot_size as usize == size_of::<Slot>()
            && h.capacity as usize == CAPACITY
            && shm.size() >= SEGMENT_SIZE
    });
    if !valid {
        return Err(OpenError::Foreign(key));
    }
    let locked = Locked {
        shm,
        sem,
        _guard: guard,
    };
    Ok(Step::Done(f(&locked)))
}

impl Locked<'_> {
    fn slot(&self, i: usize) -> Slot {
        self.shm.read(slot_offset(i)).expect("validated size")
    }

    /// The validated registration in slot `i`.
    pub fn get(&self, i: usize) -> Option<Entry> {
        (i < CAPACITY).then(|| entry(i, &self.slot(i))).flatten()
    }

    /// Whether slot `i` still belongs to `me`.
    pub fn owned_by(&self, i: usize, me: (i32, u64)) -> Option<Entry> {
        self.get(i).filter(|e| (e.pid, e.start) == me)
    }

    /// The registration of `id`.
    pub fn find(&self, id: &[u8]) -> Option<Entry> {
        (0..CAPACITY).find_map(|i| {
            let s = self.slot(i);
            entry(i, &s).filter(|_| holds(&s, id))
        })
    }

    /// Sets the paused flag of slot `i`.
    pub fn set_paused(&self, i: usize, paused: bool) {
        let mut s = self.slot(i);
        s.paused = u32::from(paused);
        self.shm.write(slot_offset(i), &s);
    }

    /// Publishes the check count of slot `i`.
    pub fn set_checks(&self, i: usize, checks: u32) {
        let mut s = self.slot(i);
        s.checks = checks;
        self.shm.write(slot_offset(i), &s);
    }

    /// Sets the stop request of slot `i`.
    pub fn request_stop(&self, i: usize) {
        let mut s = self.slot(i);
        s.stop = 1;
        self.shm.write(slot_offset(i), &s);
    }

    /// Frees slot `i`.
    pub fn clear(&self, i: usize) {
        let mut s = self.slot(i);
        s.applet = 0;
        s.owner_pid = 0;
        s.owner_start = 0;
        s.paused = 0;
        s.stop = 0;
        s.id_len = 0;
        s.checks = 0;
        s.id = [0; ID_MAX + 1];
        self.shm.write(slot_offset(i), &s);
    }

    /// Frees slot `i` and, when no live registration remains, removes the
    /// segment and the semaphore, so that nothing is left on the system
    /// once the last monitor has gone.
    pub fn clear_and_tidy(&self, i: usize) {
        self.clear(i);
        let any_live = (0..CAPACITY).any(|k| self.get(k).is_some_and(|e| e.alive()));
        if !any_live {
            let _ = self.shm.remove();
            // Waiters get EIDRM and look again (see `Registry::with`).
            let _ = self.sem.remove();
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn me() -> (i32, u64) {
        let pid = crate::sys::getpid();
        (pid, procfs::stat(pid).unwrap().start)
    }

    /// A pid that has exited, with the start time it had.
    fn dead() -> (i32, u64) {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let start = procfs::stat(pid).map(|s| s.start).unwrap_or(1);
        child.wait().unwrap();
        (pid, start)
    }

    #[test]
    fn live_ids_conflict_dead_ones_are_taken_over_damage_is_ignored() {
        let key = 0x7100_0000 | (crate::sys::getpid() & 0xffff) << 4;
        let mut reg = Registry::new(key);
        let i = reg.register(b"web1", Applet::Samba, me()).unwrap();
        // Case-sensitive, and shared by both applets.
        assert!(matches!(
            reg.register(b"web1", Applet::Nfs, me()),
            Err(RegisterError::InUse(e)) if e.pid == me().0 && e.applet == Applet::Samba
        ));
        let j = reg.register(b"WEB1", Applet::Nfs, me()).unwrap();
        assert_ne!(i, j);
        // A registration of a dead owner is taken over, in place.
        let d = dead();
        let k = reg.register(b"gone", Applet::Nfs, d).unwrap();
        assert!(!reg.find(b"gone").unwrap().unwrap().alive());
        assert_eq!(reg.register(b"gone", Applet::Nfs, me()).unwrap(), k);
        assert_eq!(reg.find(b"gone").unwrap().unwrap().pid, me().0);
        // A damaged slot reads as free.
        reg.with(false, |r| {
            let mut s = r.slot(k);
            s.id[0] = b'-';
            r.shm.write(slot_offset(k), &s);
        })
        .unwrap();
        assert_eq!(reg.find(b"gone").unwrap(), None);
        reg.with(false, |r| {
            let mut s = r.slot(k);
            s.id[0] = b'g';
            s.paused = 7;
            r.shm.write(slot_offset(k), &s);
            assert_eq!(r.get(k), None);
        })
        .unwrap();
        // The last one out removes segment and semaphore.
        for id in [&b"web1"[..], b"WEB1"] {
            reg.with(false, |r| {
                let e = r.find(id).unwrap();
                r.clear_and_tidy(e.index);
            })
            .unwrap();
        }
        assert!(crate::sys::ipc::Shm::lookup(key).is_err());
        assert!(crate::sys::ipc::Sem::open(key).is_err());
        assert_eq!(reg.find(b"web1").unwrap(), None);
    }

    #[test]
    fn a_foreign_segment_is_refused() {
        let key = 0x7200_0000 | (crate::sys::getpid() & 0xffff) << 4;
        let shm = crate::sys::ipc::Shm::create(key, 4096, 0o600).unwrap();
        let mut reg = Registry::new(key);
        assert!(matches!(
            reg.register(b"x", Applet::Samba, me()),
            Err(RegisterError::Open(OpenError::Foreign(_)))
        ));
        shm.remove().unwrap();
        let _ = Sem::open(key).map(|s| s.remove());
    }
}
