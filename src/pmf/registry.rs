//! The nametag registry: one SysV shared-memory segment (mode 0600) of
//! fixed [`Slot`]s, one per running supervisor, locked by a `SEM_UNDO`
//! semaphore at the same key. `pmfadm -l/-L/-q` read it directly; each
//! supervisor writes only its own slot; `pmfadm -s/-k/-m` post a command
//! in the slot's mailbox and wake the supervisor with SIGUSR1.
//!
//! A slot belongs to a supervisor identified by pid **and** start time, so
//! a supervisor killed with -9 leaves a slot that every reader sees as
//! free. Every read validates every field: the writer may have died
//! half-way through a write.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::shmtext::text;
use crate::sys::ipc::{Sem, SemGuard, Shm};
use crate::sys::procfs;

/// Default key: "PMF" and a version byte.
pub const DEFAULT_KEY: i32 = 0x504d_4601;
/// Environment variable that replaces [`DEFAULT_KEY`].
pub const KEY_ENV: &str = "MAMORI_PMF_IPCKEY";
pub const MAGIC: [u8; 8] = *b"MAMORIpf";
/// Layout version; bump on any change to the records below.
pub const VERSION: u32 = 1;
/// Nametags that can run at once.
pub const SLOTS: usize = 128;
/// Watched pids shown per nametag.
pub const PIDS_MAX: usize = 64;
pub const TAG_MAX: usize = 128;
pub const COMMAND_MAX: usize = 1024;
pub const ACTION_MAX: usize = 256;
pub const MODE: u32 = 0o600;
/// How long anyone waits for the lock: a reader stopped while holding it
/// must not stop a supervisor for long.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Slot states.
pub mod state {
    pub const FREE: u32 = 0;
    /// Monitoring: the program runs or is being restarted.
    pub const RUNNING: u32 = 1;
    /// Retries used up; `ACTION failed NAMETAG` runs.
    pub const ACTION: u32 = 2;
    /// `pmfadm -s` with a signal: waiting for the watched processes to end.
    pub const STOPPING: u32 = 3;
}

/// Mailbox commands.
pub mod cmd {
    /// Stop monitoring; `cmd_signal` (0: none) goes to every watched process.
    pub const STOP: u32 = 1;
    /// Send `cmd_signal` to every watched process.
    pub const SIGNAL: u32 = 2;
    /// New `-n` (`cmd_retries`) and `-t` (`cmd_period`); [`KEEP`] keeps one.
    pub const MODIFY: u32 = 3;
    pub const KEEP: i32 = i32::MIN;
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Header {
    pub magic: [u8; 8],
    pub version: u32,
    pub header_size: u32,
    pub slot_size: u32,
    pub slot_count: u32,
}

/// One nametag. Field order keeps the record free of padding.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Slot {
    /// Supervisor's start time (clock ticks since boot, /proc/PID/stat 22).
    pub sup_start: u64,
    /// Unix time of `pmfadm -c`.
    pub started: i64,
    /// Unix time of the last restart; 0 before the first.
    pub last_restart: i64,
    pub sup_pid: i32,
    pub owner_uid: u32,
    pub state: u32,
    /// `-n`: -1 unlimited.
    pub retries: i32,
    /// `-t` in minutes: -1 unlimited.
    pub period_min: i32,
    /// `-C`: -1 every descendant.
    pub level: i32,
    /// Restarts in the current `-t` window.
    pub retries_used: u32,
    /// Restarts since `-c`.
    pub restarts: u32,
    pub cmd_seq: u32,
    pub cmd: u32,
    pub cmd_signal: i32,
    pub cmd_retries: i32,
    pub cmd_period: i32,
    pub ack_seq: u32,
    pub ack_status: i32,
    pub npids: u32,
    pub pids: [i32; PIDS_MAX],
    pub tag_len: u32,
    pub command_len: u32,
    pub action_len: u32,
    /// 1 when `-E` passed pmfadm's environment.
    pub whole_env: u32,
    pub tag: [u8; TAG_MAX],
    pub command: [u8; COMMAND_MAX],
    pub action: [u8; ACTION_MAX],
}

crate::plain!(Header, Slot);

const _: () = assert!(size_of::<Header>().is_multiple_of(8) && size_of::<Slot>().is_multiple_of(8));

impl Slot {
    pub fn empty() -> Slot {
        Slot {
            sup_start: 0,
            started: 0,
            last_restart: 0,
            sup_pid: 0,
            owner_uid: 0,
            state: state::FREE,
            retries: 0,
            period_min: -1,
            level: -1,
            retries_used: 0,
            restarts: 0,
            cmd_seq: 0,
            cmd: 0,
            cmd_signal: 0,
            cmd_retries: 0,
            cmd_period: 0,
            ack_seq: 0,
            ack_status: 0,
            npids: 0,
            pids: [0; PIDS_MAX],
            tag_len: 0,
            command_len: 0,
            action_len: 0,
            whole_env: 0,
            tag: [0; TAG_MAX],
            command: [0; COMMAND_MAX],
            action: [0; ACTION_MAX],
        }
    }

    /// Whether a live supervisor owns this slot (pid and start time).
    pub fn is_live(&self) -> bool {
        self.state != state::FREE && procfs::is_alive(self.sup_pid, self.sup_start)
    }

    pub fn tag(&self) -> &[u8] {
        &self.tag[..(self.tag_len as usize).min(TAG_MAX)]
    }
}

/// Why a slot or segment could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    Foreign,
    Version(u32),
    Damaged(&'static str),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Foreign => f.write_str("not a mamori pmf registry"),
            Invalid::Version(v) => {
                write!(f, "pmf registry of layout version {v}, expected {VERSION}")
            }
            Invalid::Damaged(what) => write!(f, "pmf registry damaged ({what})"),
        }
    }
}

/// A validated copy of a live slot.
#[derive(Debug, Clone)]
pub struct Entry {
    pub slot: usize,
    pub tag: String,
    pub command: String,
    pub action: Option<String>,
    pub sup_pid: i32,
    pub sup_start: u64,
    pub owner_uid: u32,
    pub state: u32,
    pub retries: i32,
    pub period_min: i32,
    pub level: i32,
    pub retries_used: u32,
    pub restarts: u32,
    pub whole_env: bool,
    pub pids: Vec<i32>,
}

impl Entry {
    /// Validates every field of `s`.
    pub fn parse(slot: usize, s: &Slot) -> Result<Entry, Invalid> {
        if !matches!(s.state, state::RUNNING | state::ACTION | state::STOPPING) {
            return Err(Invalid::Damaged("state"));
        }
        if s.sup_pid <= 0 || s.retries < -1 || s.period_min < -1 || s.level < -1 {
            return Err(Invalid::Damaged("numbers"));
        }
        if s.npids as usize > PIDS_MAX {
            return Err(Invalid::Damaged("pid count"));
        }
        let tag = text(&s.tag, s.tag_len).ok_or(Invalid::Damaged("nametag"))?;
        if tag.is_empty() {
            return Err(Invalid::Damaged("nametag"));
        }
        let command = text(&s.command, s.command_len).ok_or(Invalid::Damaged("command"))?;
        let action = text(&s.action, s.action_len).ok_or(Invalid::Damaged("action"))?;
        Ok(Entry {
            slot,
            tag: tag.to_string(),
            command: command.to_string(),
            action: (!action.is_empty()).then(|| action.to_string()),
            sup_pid: s.sup_pid,
            sup_start: s.sup_start,
            owner_uid: s.owner_uid,
            state: s.state,
            retries: s.retries,
            period_min: s.period_min,
            level: s.level,
            retries_used: s.retries_used,
            restarts: s.restarts,
            whole_env: s.whole_env != 0,
            pids: s.pids[..s.npids as usize].to_vec(),
        })
    }

    pub fn is_live(&self) -> bool {
        procfs::is_alive(self.sup_pid, self.sup_start)
    }
}

/// The key from `MAMORI_PMF_IPCKEY` (decimal or 0x hex), else the default.
pub fn key_from_env() -> Result<i32, String> {
    let Some(v) = std::env::var_os(KEY_ENV).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_KEY);
    };
    let v = v.to_string_lossy();
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => v.parse::<u32>().ok(),
    };
    match parsed {
        Some(k) if k != 0 => Ok(k as i32),
        _ => Err(format!("{KEY_ENV}={v}: not a non-zero number")),
    }
}

fn slot_offset(i: usize) -> usize {
    size_of::<Header>() + i * size_of::<Slot>()
}

/// An attached registry.
pub struct Registry {
    shm: Shm,
    sem: Sem,
}

/// Why the registry could not be opened.
#[derive(Debug)]
pub enum OpenError {
    Invalid(Invalid),
    Os(&'static str, io::Error),
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Invalid(why) => write!(f, "IPC key in use: {why}"),
            OpenError::Os(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl Registry {
    /// Attaches the registry at `key`; creates it when `create` (else
    /// `Ok(None)` when there is none: no nametag is registered).
    pub fn open(key: i32, create: bool) -> Result<Option<Registry>, OpenError> {
        let sem = if create {
            Sem::open_or_create(key, MODE).map_err(|e| OpenError::Os("semget", e))?
        } else {
            match Sem::open(key) {
                Ok(s) => s,
                Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(None),
                Err(e) => return Err(OpenError::Os("semget", e)),
            }
        };
        let guard = sem.lock(LOCK_WAIT).map_err(|e| OpenError::Os("semop", e))?;
        let shm = match Shm::lookup(key) {
            Ok(id) => Shm::attach(id, false).map_err(|e| OpenError::Os("shmat", e))?,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                if !create {
                    return Ok(None);
                }
                let size = slot_offset(SLOTS);
                let shm = Shm::create(key, size, MODE)
                    .map_err(|e| OpenError::Os("shmget(IPC_CREAT)", e))?;
                shm.write(
                    0,
                    &Header {
                        magic: MAGIC,
                        version: VERSION,
                        header_size: size_of::<Header>() as u32,
                        slot_size: size_of::<Slot>() as u32,
                        slot_count: SLOTS as u32,
                    },
                );
                shm
            }
            Err(e) => return Err(OpenError::Os("shmget", e)),
        };
        drop(guard);
        let reg = Registry { shm, sem };
        reg.slot_count().map_err(OpenError::Invalid)?;
        Ok(Some(reg))
    }

    /// Validates the header; returns how many slots there are.
    fn slot_count(&self) -> Result<usize, Invalid> {
        let h: Header = self.shm.read(0).ok_or(Invalid::Foreign)?;
        if h.magic != MAGIC {
            return Err(Invalid::Foreign);
        }
        if h.version != VERSION {
            return Err(Invalid::Version(h.version));
        }
        if h.header_size as usize != size_of::<Header>()
            || h.slot_size as usize != size_of::<Slot>()
            || slot_offset(h.slot_count as usize) > self.shm.size()
        {
            return Err(Invalid::Damaged("sizes"));
        }
        Ok(h.slot_count as usize)
    }

    pub fn lock(&self) -> io::Result<SemGuard<'_>> {
        self.sem.lock(LOCK_WAIT)
    }

    /// Raw slot `i` (the caller holds the lock, or accepts a torn read).
    pub fn read(&self, i: usize) -> Option<Slot> {
        if i >= self.slot_count().ok()? {
            return None;
        }
        self.shm.read(slot_offset(i))
    }

    /// Writes slot `i` (the caller holds the lock).
    pub fn write(&self, i: usize, slot: &Slot) -> bool {
        i < SLOTS && self.shm.write(slot_offset(i), slot)
    }

    /// Every live nametag, validated; damaged slots are skipped.
    pub fn entries(&self) -> io::Result<Vec<Entry>> {
        let _guard = self.lock()?;
        let n = self.slot_count().unwrap_or(0);
        let mut out = Vec::new();
        for i in 0..n {
            let Some(s) = self.shm.read::<Slot>(slot_offset(i)) else {
                continue;
            };
            if s.state == state::FREE {
                continue;
            }
            if let Ok(e) = Entry::parse(i, &s)
                && e.is_live()
            {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// The live entry for `tag`.
    pub fn find(&self, tag: &str) -> io::Result<Option<Entry>> {
        Ok(self.entries()?.into_iter().find(|e| e.tag == tag))
    }

    /// Takes a slot for `slot.tag` under the lock: refused when a live
    /// supervisor has the tag; a slot whose owner died is reused.
    pub fn claim(&self, slot: &Slot) -> Result<usize, ClaimError> {
        let _guard = self.lock().map_err(ClaimError::Os)?;
        let n = self.slot_count().map_err(|_| ClaimError::Full)?;
        let mut free = None;
        for i in 0..n {
            let Some(s) = self.shm.read::<Slot>(slot_offset(i)) else {
                continue;
            };
            let live = s.is_live();
            if live && s.tag() == slot.tag() {
                return Err(ClaimError::InUse(s.sup_pid));
            }
            if !live && free.is_none() {
                free = Some(i);
            }
        }
        let i = free.ok_or(ClaimError::Full)?;
        self.shm.write(slot_offset(i), slot);
        Ok(i)
    }

    /// Drops this process's mappings of every page (see
    /// [`Shm::drop_mapped_pages`]).
    pub fn drop_mapped_pages(&self) {
        self.shm.drop_mapped_pages();
    }

    /// Removes the segment and its semaphore (tests and tools; a
    /// supervisor never does, others may be using it).
    pub fn destroy(self) {
        let _ = self.shm.remove();
        let _ = self.sem.remove();
    }

    /// Posts command `c` to the supervisor in slot `i`; returns its number.
    pub fn post(
        &self,
        i: usize,
        c: u32,
        signal: i32,
        retries: i32,
        period: i32,
    ) -> io::Result<u32> {
        let _guard = self.lock()?;
        let mut s = self.read(i).ok_or(io::ErrorKind::NotFound)?;
        s.cmd = c;
        s.cmd_signal = signal;
        s.cmd_retries = retries;
        s.cmd_period = period;
        s.cmd_seq = s.cmd_seq.wrapping_add(1);
        self.write(i, &s);
        Ok(s.cmd_seq)
    }
}

/// Why a slot could not be had.
#[derive(Debug)]
pub enum ClaimError {
    InUse(i32),
    Full,
    Os(io::Error),
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::InUse(pid) => write!(f, "already running (supervisor pid {pid})"),
            ClaimError::Full => write!(f, "registry full ({SLOTS} nametags)"),
            ClaimError::Os(e) => write!(f, "registry lock: {e}"),
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::shmtext::put_text;

    #[test]
    fn parse_validates_every_field() {
        let mut s = Slot::empty();
        s.state = state::RUNNING;
        s.sup_pid = 1;
        s.tag_len = put_text(&mut s.tag, b"web.0");
        s.command_len = put_text(&mut s.command, b"/bin/sleep 1");
        let e = Entry::parse(0, &s).unwrap();
        assert_eq!((e.tag.as_str(), e.action), ("web.0", None));
        for damage in [
            |s: &mut Slot| s.state = 9,
            |s: &mut Slot| s.npids = PIDS_MAX as u32 + 1,
            |s: &mut Slot| s.tag_len = TAG_MAX as u32 + 1,
            |s: &mut Slot| s.tag[0] = 0xff,
            |s: &mut Slot| s.retries = -2,
            |s: &mut Slot| s.tag_len = 0,
        ] {
            let mut bad = s;
            damage(&mut bad);
            assert!(Entry::parse(0, &bad).is_err());
        }
    }
}
