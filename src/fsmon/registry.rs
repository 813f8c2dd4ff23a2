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

use std::mem::offset_of;

use crate::shm::mailbox::{ACK_WORD, Pending};
use crate::shm::table::{Create, NoHead, Spec, Table};
use crate::shm::text::{put_text, text};
use crate::shm::{Mailbox, Owner};

/// Default key of the registry for root: "MMFS" in ASCII (other users get
/// one of their own, see `shm::key`).
pub const DEFAULT_KEY: i32 = 0x4d4d_4653;
/// Environment variable that replaces the default key (hex `0x…` or decimal).
pub const KEY_ENV: &str = "MAMORI_FSMON_IPCKEY";
/// What the table is. Version 2: the shared layer's owner and mailbox,
/// failure counts and the target for `mamori status`.
pub static SPEC: Spec = Spec {
    magic: *b"MAMORIfs",
    version: 2,
    what: "fsmon registry",
    // Version 1: magic, then the version.
    v1_version_at: 8,
};
/// Monitors one system can run at once.
pub const CAPACITY: usize = 128;
/// Longest ID (seed 000 §7: up to 255 bytes).
pub const ID_MAX: usize = 255;
/// Longest target kept for readers (share or export, cut beyond).
pub const TARGET_MAX: usize = 128;

/// Mailbox commands of the control forms; the flags they set are in the
/// slot, the mailbox only carries the acknowledgement.
pub mod cmd {
    pub const PAUSE: u32 = 1;
    pub const CONTINUE: u32 = 2;
    pub const STOP: u32 = 3;
}

/// One registration.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Slot {
    pub owner: Owner,
    pub mbox: Mailbox,
    /// Unix time of the last change of state (watching, paused, failing).
    pub last_change: i64,
    /// [`Applet`] as a number; 0 = free.
    pub applet: u32,
    /// 0 watching, 1 paused.
    pub paused: u32,
    /// 1 once `-stop` asked the owner to end.
    pub stop: u32,
    pub id_len: u32,
    /// Checks run so far (wrapping), for readers and benchmarks.
    pub checks: u32,
    /// Consecutive failed checks now.
    pub failures: u32,
    /// RETRIES: failures in a row that end the monitor.
    pub retries: u32,
    pub target_len: u32,
    pub id: [u8; ID_MAX + 1],
    pub target: [u8; TARGET_MAX],
}

/// Offset of the mailbox's futex word in a slot.
pub const SLOT_ACK: usize = offset_of!(Slot, mbox) + ACK_WORD;

impl Slot {
    fn empty() -> Slot {
        Slot {
            owner: Owner::NONE,
            mbox: Mailbox::default(),
            last_change: 0,
            applet: 0,
            paused: 0,
            stop: 0,
            id_len: 0,
            checks: 0,
            failures: 0,
            retries: 0,
            target_len: 0,
            id: [0; ID_MAX + 1],
            target: [0; TARGET_MAX],
        }
    }
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
    pub owner: Owner,
    pub paused: bool,
    pub stop: bool,
    pub checks: u32,
    pub failures: u32,
    pub retries: u32,
    pub last_change: i64,
}

impl Entry {
    /// Whether the owner still runs (pid and start time both match).
    pub fn alive(&self) -> bool {
        self.owner.alive()
    }
}

/// Validates a slot: `None` for a free or damaged one.
fn entry(index: usize, s: &Slot) -> Option<Entry> {
    let applet = Applet::from_raw(s.applet)?;
    let len = s.id_len as usize;
    if len == 0 || len > ID_MAX || !s.id[..len].iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    if !s.owner.is_set() || s.paused > 1 || s.stop > 1 {
        return None;
    }
    text(&s.target, s.target_len)?;
    Some(Entry {
        index,
        applet,
        owner: s.owner,
        paused: s.paused == 1,
        stop: s.stop == 1,
        checks: s.checks,
        failures: s.failures,
        retries: s.retries,
        last_change: s.last_change,
    })
}

fn holds(s: &Slot, id: &[u8]) -> bool {
    s.id.get(..s.id_len as usize) == Some(id)
}

/// Why a registry access failed.
pub type OpenError = crate::shm::Error;

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
    crate::shm::key::from_env(KEY_ENV, DEFAULT_KEY)
}

/// A handle on the registry at one key.
pub struct Registry {
    table: Table<NoHead, Slot>,
}

/// The registry locked and validated: valid until dropped.
pub struct Locked<'a, 'b> {
    t: &'a crate::shm::Locked<'b, NoHead, Slot>,
}

/// What a monitor publishes about itself on each turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub checks: u32,
    pub failures: u32,
    /// Unix time the monitor last changed state (watching, paused, failing).
    pub last_change: i64,
}

impl Registry {
    /// A handle; nothing is created until the first access.
    pub fn new(key: i32) -> Registry {
        Registry {
            table: Table::new(key, &SPEC),
        }
    }

    /// The key.
    pub fn key(&self) -> i32 {
        self.table.key()
    }

    /// Runs `f` on the locked registry. With `create`, a missing segment
    /// is created; without, `Ok(None)` says there is none (nothing is
    /// registered). Allocates nothing once the segment is attached.
    pub fn with<R>(
        &mut self,
        create: bool,
        f: impl FnOnce(&Locked<'_, '_>) -> R,
    ) -> Result<Option<R>, OpenError> {
        let head = NoHead::default();
        let create = create.then_some(Create {
            capacity: CAPACITY,
            head: &head,
        });
        self.table.with(create, |t| f(&Locked { t }))
    }

    /// Drops this process's mappings of every page of the registry (the
    /// contents stay): a monitor keeps only its own slot's page resident.
    pub fn drop_mapped_pages(&self) {
        self.table.drop_mapped_pages();
    }

    /// Registers `id` for `applet` owned by `me`, checking `target` with
    /// RETRIES `retries`. A slot whose owner died is taken over; a live
    /// holder is an error.
    pub fn register(
        &mut self,
        id: &[u8],
        applet: Applet,
        me: Owner,
        target: &str,
        retries: u32,
    ) -> Result<usize, RegisterError> {
        let r = self
            .with(true, |reg| {
                let mut free = None;
                for i in 0..reg.t.capacity() {
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
                let mut slot = Slot::empty();
                slot.owner = me;
                slot.applet = applet as u32;
                slot.id_len = id.len() as u32;
                slot.id[..id.len()].copy_from_slice(id);
                slot.target_len = put_text(&mut slot.target, target.as_bytes());
                slot.retries = retries;
                slot.last_change = crate::sys::clock::now_unix();
                reg.t.set_record(i, &slot);
                Ok(i)
            })
            .map_err(RegisterError::Open)?;
        r.expect("created")
    }

    /// The live-or-stale registration of `id`, if any.
    pub fn find(&mut self, id: &[u8]) -> Result<Option<Entry>, OpenError> {
        Ok(self.with(false, |reg| reg.find(id))?.flatten())
    }

    /// Every valid registration with its ID and target (for readers).
    pub fn list(&mut self) -> Result<Vec<(Entry, String, String)>, OpenError> {
        let found = self.with(false, |reg| {
            (0..reg.t.capacity())
                .filter_map(|i| {
                    let s = reg.slot(i);
                    let e = entry(i, &s)?;
                    let id = String::from_utf8_lossy(&s.id[..s.id_len as usize]).into_owned();
                    let target = text(&s.target, s.target_len).unwrap_or("").to_string();
                    Some((e, id, target))
                })
                .collect()
        })?;
        Ok(found.unwrap_or_default())
    }

    /// The futex word of slot `i`'s mailbox (after an access attached it).
    pub fn ack_word(&self, i: usize) -> Option<&std::sync::atomic::AtomicU32> {
        self.table.record_word(i, SLOT_ACK)
    }
}

impl Locked<'_, '_> {
    fn slot(&self, i: usize) -> Slot {
        self.t.record(i).unwrap_or_else(Slot::empty)
    }

    /// The validated registration in slot `i`.
    pub fn get(&self, i: usize) -> Option<Entry> {
        (i < self.t.capacity())
            .then(|| entry(i, &self.slot(i)))
            .flatten()
    }

    /// Whether slot `i` still belongs to `me`.
    pub fn owned_by(&self, i: usize, me: &Owner) -> Option<Entry> {
        self.get(i).filter(|e| e.owner.same(me))
    }

    /// The registration of `id`.
    pub fn find(&self, id: &[u8]) -> Option<Entry> {
        (0..self.t.capacity()).find_map(|i| {
            let s = self.slot(i);
            entry(i, &s).filter(|_| holds(&s, id))
        })
    }

    fn edit(&self, i: usize, f: impl FnOnce(&mut Slot)) {
        if let Some(mut s) = self.t.record(i) {
            f(&mut s);
            self.t.set_record(i, &s);
        }
    }

    /// Sets the paused or stop flag of slot `i` and posts `c` so that the
    /// caller can wait for the owner to have seen it; returns the
    /// sequence number.
    pub fn post(&self, i: usize, c: u32) -> u32 {
        let mut seq = 0;
        let sender = crate::sys::getpid();
        self.edit(i, |s| {
            match c {
                cmd::PAUSE => s.paused = 1,
                cmd::CONTINUE => s.paused = 0,
                _ => s.stop = 1,
            }
            seq = s.mbox.post(c, [0; 3], sender);
        });
        seq
    }

    /// The owner's side: publishes `p` in slot `i` and answers a pending
    /// command (the flags it set are read by the same access); returns
    /// that command.
    pub fn publish(&self, i: usize, p: Progress) -> Option<Pending> {
        let s = self.t.record(i)?;
        let pending = s.mbox.pending();
        let same =
            s.checks == p.checks && s.failures == p.failures && s.last_change == p.last_change;
        if !same || pending.is_some() {
            let mut s = s;
            s.checks = p.checks;
            s.failures = p.failures;
            s.last_change = p.last_change;
            if let Some(c) = pending {
                s.mbox.answer(c.seq, 0);
            }
            self.t.set_record(i, &s);
            if pending.is_some() {
                self.t.wake_record(i, SLOT_ACK);
            }
        }
        pending
    }

    /// Frees slot `i`.
    pub fn clear(&self, i: usize) {
        self.t.set_record(i, &Slot::empty());
    }

    /// Frees slot `i` and, when no live registration remains, removes the
    /// segment and the semaphore, so that nothing is left on the system
    /// once the last monitor has gone.
    pub fn clear_and_tidy(&self, i: usize) {
        self.clear(i);
        self.t.wake_record(i, SLOT_ACK);
        let any_live = (0..self.t.capacity()).any(|k| self.get(k).is_some_and(|e| e.alive()));
        if !any_live {
            self.t.remove();
        }
    }
}

#[cfg(test)]
mod test {
    use super::*;

    use crate::sys::procfs;

    fn me() -> Owner {
        Owner::me()
    }

    /// A pid that has exited, with the start time it had.
    fn dead() -> Owner {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        let start = procfs::stat(pid).map(|s| s.start).unwrap_or(1);
        child.wait().unwrap();
        Owner { pid, start, uid: 0 }
    }

    fn reg(r: &mut Registry, id: &[u8], a: Applet, o: Owner) -> Result<usize, RegisterError> {
        r.register(id, a, o, "//h/s", 3)
    }

    #[test]
    fn live_ids_conflict_dead_ones_are_taken_over_damage_is_ignored() {
        let key = 0x7100_0000 | (crate::sys::getpid() & 0xffff) << 4;
        let mut r = Registry::new(key);
        let i = reg(&mut r, b"web1", Applet::Samba, me()).unwrap();
        // Case-sensitive, and shared by both applets.
        assert!(matches!(
            reg(&mut r, b"web1", Applet::Nfs, me()),
            Err(RegisterError::InUse(e)) if e.owner.pid == me().pid && e.applet == Applet::Samba
        ));
        let j = reg(&mut r, b"WEB1", Applet::Nfs, me()).unwrap();
        assert_ne!(i, j);
        // A registration of a dead owner is taken over, in place.
        let d = dead();
        let k = reg(&mut r, b"gone", Applet::Nfs, d).unwrap();
        assert!(!r.find(b"gone").unwrap().unwrap().alive());
        assert_eq!(reg(&mut r, b"gone", Applet::Nfs, me()).unwrap(), k);
        assert_eq!(r.find(b"gone").unwrap().unwrap().owner.pid, me().pid);
        // A damaged slot reads as free.
        r.with(false, |l| l.edit(k, |s| s.id[0] = b'-')).unwrap();
        assert_eq!(r.find(b"gone").unwrap(), None);
        r.with(false, |l| {
            l.edit(k, |s| {
                s.id[0] = b'g';
                s.paused = 7;
            });
            assert_eq!(l.get(k), None);
        })
        .unwrap();
        r.with(false, |l| {
            l.edit(k, |s| {
                s.paused = 0;
                s.target_len = TARGET_MAX as u32 + 1;
            });
            assert_eq!(l.get(k), None);
        })
        .unwrap();
        // The owner publishes and answers a posted command.
        let seq = r.with(false, |l| l.post(i, cmd::PAUSE)).unwrap().unwrap();
        let progress = Progress {
            checks: 5,
            failures: 1,
            last_change: 77,
        };
        let p = r.with(false, |l| l.publish(i, progress)).unwrap().unwrap();
        assert_eq!(p.map(|p| (p.seq, p.cmd)), Some((seq, cmd::PAUSE)));
        let e = r.find(b"web1").unwrap().unwrap();
        assert_eq!((e.paused, e.checks, e.failures, e.retries), (true, 5, 1, 3));
        assert_eq!(e.last_change, 77);
        assert_eq!(
            r.with(false, |l| l.publish(i, progress)).unwrap(),
            Some(None)
        );
        // The last one out removes segment and semaphore.
        for id in [&b"web1"[..], b"WEB1"] {
            r.with(false, |l| {
                let e = l.find(id).unwrap();
                l.clear_and_tidy(e.index);
            })
            .unwrap();
        }
        assert!(crate::sys::ipc::Shm::lookup(key).is_err());
        assert!(crate::sys::ipc::Sem::open(key).is_err());
        assert_eq!(r.find(b"web1").unwrap(), None);
    }

    #[test]
    fn a_foreign_segment_is_refused_and_no_semaphore_is_made() {
        let key = 0x7200_0000 | (crate::sys::getpid() & 0xffff) << 4;
        let shm = crate::sys::ipc::Shm::create(key, 4096, 0o600).unwrap();
        let mut r = Registry::new(key);
        let e = reg(&mut r, b"x", Applet::Samba, me()).unwrap_err();
        assert!(
            matches!(
                e,
                RegisterError::Open(OpenError::Invalid {
                    why: crate::shm::Invalid::Foreign,
                    ..
                })
            ),
            "{e:?}"
        );
        assert!(crate::sys::ipc::Sem::open(key).is_err(), "no twin made");
        shm.remove().unwrap();
    }
}
