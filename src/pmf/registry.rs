//! The nametag registry: a [`Table`] of one [`Slot`] per running
//! supervisor (default key [`DEFAULT_KEY`], `MAMORI_PMF_IPCKEY` overrides).
//! `pmfadm -l/-L/-q` and `mamori status` read it; each supervisor writes
//! only its own slot; `pmfadm -s/-k/-m` post a command in the slot's
//! [`Mailbox`] and wake the supervisor with SIGUSR1.
//!
//! A slot belongs to a supervisor identified by pid **and** start time
//! ([`Owner`]), so a supervisor killed with -9 leaves a slot that every
//! reader sees as free. Every read validates every field.

use std::fmt;
use std::mem::offset_of;
use std::time::Instant;

use crate::shm::mailbox::{self, ACK_WORD, Answer};
use crate::shm::table::{Create, Error, Invalid, NoHead, Spec, Table};
use crate::shm::text::text;
use crate::shm::{Mailbox, Owner};

/// Default key for root: "PMF" and a version byte (other users get one
/// of their own, see `shm::key`).
pub const DEFAULT_KEY: i32 = 0x504d_4601;
/// Environment variable that replaces the default key.
pub const KEY_ENV: &str = "MAMORI_PMF_IPCKEY";
/// What the table is. Version 2: the shared layer's owner and mailbox.
pub static SPEC: Spec = Spec {
    magic: *b"MAMORIpf",
    version: 2,
    what: "pmf registry",
    // Version 1: magic, then the version.
    v1_version_at: 8,
};
/// Nametags that can run at once.
pub const SLOTS: usize = 128;
/// Watched pids shown per nametag.
pub const PIDS_MAX: usize = 64;
pub const TAG_MAX: usize = 128;
pub const COMMAND_MAX: usize = 1024;
pub const ACTION_MAX: usize = 256;

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

/// Mailbox commands; the arguments are `[signal, retries, period]`.
pub mod cmd {
    /// Stop monitoring; the signal (0: none) goes to every watched process.
    pub const STOP: u32 = 1;
    /// Send the signal to every watched process.
    pub const SIGNAL: u32 = 2;
    /// New `-n` (retries) and `-t` (period); [`KEEP`] keeps one.
    pub const MODIFY: u32 = 3;
    pub const KEEP: i32 = i32::MIN;
}

/// One nametag.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Slot {
    /// The supervisor; its uid is the nametag's owner.
    pub sup: Owner,
    pub mbox: Mailbox,
    /// Unix time of `pmfadm -c`.
    pub started: i64,
    /// Unix time of the last restart; 0 before the first.
    pub last_restart: i64,
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
    pub reserved: u32,
}

/// Offset of the mailbox's futex word in a slot.
const SLOT_ACK: usize = offset_of!(Slot, mbox) + ACK_WORD;

impl Slot {
    pub fn empty() -> Slot {
        Slot {
            sup: Owner::NONE,
            mbox: Mailbox::default(),
            started: 0,
            last_restart: 0,
            state: state::FREE,
            retries: 0,
            period_min: -1,
            level: -1,
            retries_used: 0,
            restarts: 0,
            npids: 0,
            pids: [0; PIDS_MAX],
            tag_len: 0,
            command_len: 0,
            action_len: 0,
            whole_env: 0,
            tag: [0; TAG_MAX],
            command: [0; COMMAND_MAX],
            action: [0; ACTION_MAX],
            reserved: 0,
        }
    }

    /// Whether a live supervisor owns this slot (pid and start time).
    pub fn is_live(&self) -> bool {
        self.state != state::FREE && self.sup.alive()
    }

    pub fn tag(&self) -> &[u8] {
        &self.tag[..(self.tag_len as usize).min(TAG_MAX)]
    }

    /// Validates every field, allocating nothing (the supervisor checks
    /// its own slot on every write).
    pub fn check(&self) -> Result<(), Invalid> {
        if !matches!(self.state, state::RUNNING | state::ACTION | state::STOPPING) {
            return Err(Invalid::Damaged("state"));
        }
        if !self.sup.is_set() || self.retries < -1 || self.period_min < -1 || self.level < -1 {
            return Err(Invalid::Damaged("numbers"));
        }
        if self.npids as usize > PIDS_MAX {
            return Err(Invalid::Damaged("pid count"));
        }
        match text(&self.tag, self.tag_len) {
            Some(t) if !t.is_empty() => {}
            _ => return Err(Invalid::Damaged("nametag")),
        }
        text(&self.command, self.command_len).ok_or(Invalid::Damaged("command"))?;
        text(&self.action, self.action_len).ok_or(Invalid::Damaged("action"))?;
        Ok(())
    }
}

/// A validated copy of a live slot.
#[derive(Debug, Clone)]
pub struct Entry {
    pub slot: usize,
    pub tag: String,
    pub command: String,
    pub action: Option<String>,
    pub sup: Owner,
    pub started: i64,
    pub last_restart: i64,
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
    /// Validates every field of `s` and copies it out.
    pub fn parse(slot: usize, s: &Slot) -> Result<Entry, Invalid> {
        s.check()?;
        let field = |f: &[u8], len: u32| text(f, len).unwrap_or_default().to_string();
        let action = field(&s.action, s.action_len);
        Ok(Entry {
            slot,
            tag: field(&s.tag, s.tag_len),
            command: field(&s.command, s.command_len),
            action: (!action.is_empty()).then_some(action),
            sup: s.sup,
            started: s.started,
            last_restart: s.last_restart,
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
        self.sup.alive()
    }
}

/// The key from `MAMORI_PMF_IPCKEY`, else the caller's default.
pub fn key_from_env() -> Result<i32, String> {
    crate::shm::key::from_env(KEY_ENV, DEFAULT_KEY)
}

/// The registry at one key.
pub struct Registry {
    table: Table<NoHead, Slot>,
}

/// Why a slot could not be had.
#[derive(Debug)]
pub enum ClaimError {
    InUse(i32),
    Full,
    Open(Error),
}

impl fmt::Display for ClaimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimError::InUse(pid) => write!(f, "already running (supervisor pid {pid})"),
            ClaimError::Full => write!(f, "registry full ({SLOTS} nametags)"),
            ClaimError::Open(e) => write!(f, "registry: {e}"),
        }
    }
}

impl Registry {
    /// A handle; nothing is created before [`Registry::claim`].
    pub fn new(key: i32) -> Registry {
        Registry {
            table: Table::new(key, &SPEC),
        }
    }

    pub fn key(&self) -> i32 {
        self.table.key()
    }

    /// Every live nametag, validated; damaged slots are skipped. Empty
    /// when there is no registry.
    pub fn entries(&mut self) -> Result<Vec<Entry>, Error> {
        let found = self.table.with(None, |t| {
            let mut out = Vec::new();
            for i in 0..t.capacity() {
                let Some(s) = t.record(i) else { continue };
                if s.state == state::FREE {
                    continue;
                }
                if let Ok(e) = Entry::parse(i, &s)
                    && e.is_live()
                {
                    out.push(e);
                }
            }
            out
        })?;
        Ok(found.unwrap_or_default())
    }

    /// The live entry for `tag`.
    pub fn find(&mut self, tag: &str) -> Result<Option<Entry>, Error> {
        Ok(self.entries()?.into_iter().find(|e| e.tag == tag))
    }

    /// Takes a slot for `slot.tag`, creating the registry when needed:
    /// refused when a live supervisor has the tag; a slot whose owner died
    /// (or whose owner field is damaged) is reused.
    pub fn claim(&mut self, slot: &Slot) -> Result<usize, ClaimError> {
        let head = NoHead::default();
        let create = Create {
            capacity: SLOTS,
            head: &head,
        };
        let r = self.table.with(Some(create), |t| {
            let mut free = None;
            for i in 0..t.capacity() {
                let Some(s) = t.record(i) else { continue };
                let live = s.is_live();
                if live && s.tag() == slot.tag() {
                    return Err(ClaimError::InUse(s.sup.pid));
                }
                if !live && free.is_none() {
                    free = Some(i);
                }
            }
            let i = free.ok_or(ClaimError::Full)?;
            t.set_record(i, slot);
            Ok(i)
        });
        match r {
            Ok(Some(r)) => r,
            Ok(None) => Err(ClaimError::Full),
            Err(e) => Err(ClaimError::Open(e)),
        }
    }

    /// Runs `f` on slot `i` under the lock and writes it back when `f`
    /// says so. `None` when the registry is gone or the lock could not be
    /// had in time.
    pub fn update<T>(&mut self, i: usize, f: impl FnOnce(&mut Slot) -> (bool, T)) -> Option<T> {
        self.table
            .with(None, |t| {
                let mut s = t.record(i)?;
                let (write, out) = f(&mut s);
                if write {
                    t.set_record(i, &s);
                }
                Some(out)
            })
            .ok()
            .flatten()
            .flatten()
    }

    /// A copy of slot `i`, under the lock.
    pub fn read(&mut self, i: usize) -> Option<Slot> {
        self.update(i, |s| (false, *s))
    }

    /// Answers command `seq` of slot `i` (the supervisor's side) and wakes
    /// the client waiting for it.
    pub fn answer(&mut self, i: usize, seq: u32, status: i32) {
        let _ = self.table.with(None, |t| {
            if let Some(mut s) = t.record(i) {
                s.mbox.answer(seq, status);
                t.set_record(i, &s);
                t.wake_record(i, SLOT_ACK);
            }
        });
    }

    /// Posts command `c` with `args` to the supervisor `sup` of slot `i`
    /// and waits for its answer until `deadline`: `Answer::Answered`
    /// comes with the status.
    pub fn request(
        &mut self,
        i: usize,
        sup: &Owner,
        c: u32,
        args: [i32; 3],
        deadline: Instant,
    ) -> Result<(Answer, i32), String> {
        let me = crate::sys::getpid();
        let seq = self
            .update(i, |s| {
                if !s.sup.same(sup) {
                    return (false, None);
                }
                (true, Some(s.mbox.post(c, args, me)))
            })
            .flatten()
            .ok_or("the nametag is no longer registered")?;
        crate::sys::signals::kill(sup.pid, crate::sys::signals::SIGUSR1)
            .map_err(|err| format!("cannot wake supervisor {}: {err}", sup.pid))?;
        let Some(word) = self.table.record_word(i, SLOT_ACK) else {
            return Err("registry detached".into());
        };
        let answer = mailbox::wait(word, seq, sup, deadline);
        let status = match answer {
            Answer::Answered => self.read(i).map_or(0, |s| s.mbox.ack_status),
            _ => 0,
        };
        Ok((answer, status))
    }

    /// Drops this process's mappings of every page of the registry.
    pub fn drop_mapped_pages(&self) {
        self.table.drop_mapped_pages();
    }

    /// Removes the registry (tests and tools; a supervisor never does,
    /// others may be using it).
    pub fn destroy(&mut self) {
        let _ = self.table.with(None, |t| t.remove());
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::shm::text::put_text;

    #[test]
    fn parse_validates_every_field() {
        let mut s = Slot::empty();
        s.state = state::RUNNING;
        s.sup.pid = 1;
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
            |s: &mut Slot| s.sup.pid = 0,
        ] {
            let mut bad = s;
            damage(&mut bad);
            assert!(Entry::parse(0, &bad).is_err());
        }
    }
}
