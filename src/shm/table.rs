//! [`Table`]: one SysV segment of `H` + `capacity` × `R` at a key, with its
//! `SEM_UNDO` semaphore, and every check that makes it safe to share.
//!
//! Trust: a segment or semaphore is used only when both its owner and its
//! creator are this process's effective uid and its mode is exactly 0600.
//! Anything else at the key was planted (or belongs to another program)
//! and is refused before anything is created, so the missing twin is never
//! made at another program's key.
//!
//! Every access locks, looks the segment up again and validates the common
//! header, because the last user of a registry may remove it (waiters then
//! get EIDRM and retry). A holder killed with -9 releases the lock
//! (SEM_UNDO); one stopped with SIGSTOP makes an access fail after
//! [`LOCK_WAIT`] instead of hanging its caller.

use std::fmt;
use std::io;
use std::marker::PhantomData;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use crate::sys::ipc::{Plain, Sem, SemGuard, Shm, ShmStat};

/// Mode of every segment and semaphore: root-only (or the user's own).
pub const MODE: u32 = 0o600;
/// How long an access waits for the lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

/// What a table is: its magic, layout version and name for messages.
#[derive(Debug)]
pub struct Spec {
    pub magic: [u8; 8],
    /// Bump on any change of `H` or `R`.
    pub version: u32,
    /// "pcheck segment", "fsmon registry", "pmf registry".
    pub what: &'static str,
    /// Byte offset of the version in this table's layout version 1 (before
    /// this layer): so that a segment of a running old binary is named a
    /// version mismatch, not misread.
    pub v1_version_at: usize,
}

/// First bytes of every table. 24 bytes, no padding.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct TableHeader {
    pub magic: [u8; 8],
    pub version: u32,
    /// Size of this header plus the owner's `H`.
    pub header_size: u32,
    pub record_size: u32,
    pub capacity: u32,
}

/// Why the segment at a key cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not a table of this kind (another program's segment, or too small).
    Foreign,
    /// A table of this kind written by another layout version.
    Version(u32),
    /// A field out of range: written half-way, or damaged.
    Damaged(&'static str),
    /// Segment or semaphore not created and owned by us with mode 0600.
    NotOurs { uid: u32, mode: u32 },
}

/// An access that failed.
#[derive(Debug)]
pub enum Error {
    Invalid {
        key: i32,
        what: &'static str,
        why: Invalid,
    },
    /// A system call failed: its name and error.
    Os(&'static str, io::Error),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Foreign => f.write_str("not a mamori table"),
            Invalid::Version(v) => write!(f, "layout version {v}"),
            Invalid::Damaged(field) => write!(f, "{field}"),
            Invalid::NotOurs { uid, mode } => write!(f, "owned by uid {uid}, mode {mode:04o}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid { key, what, why } => {
                let key = *key as u32;
                match why {
                    Invalid::Foreign => write!(f, "IPC key 0x{key:08x} is not a mamori {what}"),
                    Invalid::Version(v) => write!(
                        f,
                        "IPC key 0x{key:08x}: version mismatch: {what} of layout version {v}, \
                         this mamori reads version {}; use the mamori that created it",
                        crate::shm::table::version_of(what)
                    ),
                    Invalid::Damaged(field) => {
                        write!(f, "IPC key 0x{key:08x}: {what} damaged: {field}")
                    }
                    Invalid::NotOurs { uid, mode } => write!(
                        f,
                        "IPC key 0x{key:08x} is owned by uid {uid} (mode {mode:04o}): not ours, \
                         refusing"
                    ),
                }
            }
            Error::Os(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl Error {
    /// The errno behind the error (0 when there is none): for the
    /// monitors' numbered messages that print one.
    pub fn errno(&self) -> i32 {
        match self {
            Error::Invalid { .. } => libc::EEXIST,
            Error::Os(_, e) => e.raw_os_error().unwrap_or(0),
        }
    }

    /// The system call that failed ("shmget" for a refused key).
    pub fn func(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "shmget",
            Error::Os(what, _) => what,
        }
    }
}

/// The layout version each kind of table is read at (for the mismatch
/// message: the spec itself is not at hand there).
fn version_of(what: &str) -> u32 {
    match what {
        w if w == crate::pcheck::state::SPEC.what => crate::pcheck::state::SPEC.version,
        w if w == crate::fsmon::registry::SPEC.what => crate::fsmon::registry::SPEC.version,
        w if w == crate::pmf::registry::SPEC.what => crate::pmf::registry::SPEC.version,
        _ => 0,
    }
}

/// Whether a segment's or semaphore's ownership is the caller's own.
fn trusted(st: &ShmStat) -> Result<(), Invalid> {
    let me = crate::sys::geteuid();
    if st.uid != me || st.cuid != me || st.mode != MODE {
        return Err(Invalid::NotOurs {
            uid: if st.uid != me { st.uid } else { st.cuid },
            mode: st.mode,
        });
    }
    Ok(())
}

/// A table at one key. Nothing is attached or created until the first
/// access.
pub struct Table<H: Plain, R: Plain> {
    key: i32,
    spec: &'static Spec,
    sem: Option<Sem>,
    shm: Option<Shm>,
    /// The segment this handle created: its owner, who may repair it.
    made: Option<(i32, usize)>,
    _records: PhantomData<(H, R)>,
}

/// The table locked and validated, for one access.
pub struct Locked<'a, H: Plain, R: Plain> {
    shm: &'a Shm,
    sem: &'a Sem,
    capacity: usize,
    created: bool,
    repaired: Option<Invalid>,
    _guard: SemGuard<'a>,
    _records: PhantomData<(H, R)>,
}

/// The header of a table whose owner keeps nothing beside its records.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHead {
    pub reserved: u64,
}

/// What to create when the key holds nothing.
pub struct Create<'h, H> {
    pub capacity: usize,
    pub head: &'h H,
}

enum Step<T, F> {
    Done(T),
    Missing,
    Retry(F),
}

const fn head_offset() -> usize {
    size_of::<TableHeader>()
}

impl<H: Plain, R: Plain> Table<H, R> {
    /// A handle on the table at `key`.
    pub fn new(key: i32, spec: &'static Spec) -> Table<H, R> {
        Table {
            key,
            spec,
            sem: None,
            shm: None,
            made: None,
            _records: PhantomData,
        }
    }

    /// The key.
    pub fn key(&self) -> i32 {
        self.key
    }

    /// Bytes of a table of `capacity` records.
    pub fn size_for(capacity: usize) -> usize {
        Self::record_offset(capacity)
    }

    fn record_offset(i: usize) -> usize {
        head_offset() + size_of::<H>() + i * size_of::<R>()
    }

    fn invalid(&self, why: Invalid) -> Error {
        Error::Invalid {
            key: self.key,
            what: self.spec.what,
            why,
        }
    }

    /// Runs `f` on the locked table. With `create`, a missing table is
    /// created (zeroed records, `create.head`); without, `Ok(None)` says
    /// there is none. Allocates nothing once attached.
    pub fn with<T>(
        &mut self,
        create: Option<Create<'_, H>>,
        f: impl FnOnce(&Locked<'_, H, R>) -> T,
    ) -> Result<Option<T>, Error> {
        let mut f = f;
        for _attempt in 0..8 {
            if self.sem.is_none() {
                match self.open_sem(create.is_some())? {
                    Some(s) => self.sem = Some(s),
                    None => return Ok(None),
                }
            }
            match self.attempt(create.as_ref(), f)? {
                Step::Done(r) => return Ok(Some(r)),
                Step::Missing => return Ok(None),
                Step::Retry(g) => {
                    f = g;
                    self.sem = None;
                }
            }
        }
        Err(Error::Os(
            "semop",
            io::Error::from_raw_os_error(libc::EIDRM),
        ))
    }

    /// Opens (or creates) the semaphore, after checking that whatever is
    /// at the key already is ours.
    fn open_sem(&self, create: bool) -> Result<Option<Sem>, Error> {
        let existing = match Shm::lookup(self.key) {
            Ok(id) => {
                let st = Shm::stat_of(id).map_err(|e| Error::Os("shmctl(IPC_STAT)", e))?;
                trusted(&st).map_err(|w| self.invalid(w))?;
                Some(id)
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => None,
            Err(e) => return Err(Error::Os("shmget", e)),
        };
        let sem = match Sem::open(self.key) {
            Ok(s) => s,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                // A segment with no semaphore is not one being created
                // (its creator holds the semaphore): another program's,
                // or another version's, is refused, and before its twin
                // is made.
                if let Some(id) = existing {
                    let peek = Shm::attach(id, true).map_err(|e| Error::Os("shmat", e))?;
                    if let Err(why @ (Invalid::Foreign | Invalid::Version(_))) =
                        self.validate(&peek)
                    {
                        return Err(self.invalid(why));
                    }
                }
                if !create {
                    return Ok(None);
                }
                Sem::open_or_create(self.key, MODE).map_err(|e| Error::Os("semget", e))?
            }
            Err(e) => return Err(Error::Os("semget", e)),
        };
        let st = sem.stat().map_err(|e| Error::Os("semctl(IPC_STAT)", e))?;
        trusted(&st).map_err(|w| self.invalid(w))?;
        Ok(Some(sem))
    }

    fn attempt<T, F: FnOnce(&Locked<'_, H, R>) -> T>(
        &mut self,
        create: Option<&Create<'_, H>>,
        f: F,
    ) -> Result<Step<T, F>, Error> {
        let sem = self.sem.as_ref().expect("opened by the caller");
        let guard = match sem.lock(LOCK_WAIT) {
            Ok(g) => g,
            Err(e) if matches!(e.raw_os_error(), Some(libc::EIDRM | libc::EINVAL)) => {
                return Ok(Step::Retry(f));
            }
            Err(e) => return Err(Error::Os("semop", e)),
        };
        let mut created = false;
        let id = match Shm::lookup(self.key) {
            Ok(id) => id,
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
                let Some(c) = create else {
                    return Ok(Step::Missing);
                };
                self.shm = None;
                let shm = Shm::create(self.key, Self::size_for(c.capacity), MODE)
                    .map_err(|e| Error::Os("shmget(IPC_CREAT)", e))?;
                shm.write(0, &self.header(c.capacity));
                shm.write(head_offset(), c.head);
                created = true;
                let id = shm.id();
                self.made = Some((id, c.capacity));
                self.shm = Some(shm);
                id
            }
            Err(e) => return Err(Error::Os("shmget", e)),
        };
        if self.shm.as_ref().map(Shm::id) != Some(id) {
            self.shm = None;
            let st = Shm::stat_of(id).map_err(|e| Error::Os("shmctl(IPC_STAT)", e))?;
            trusted(&st).map_err(|w| self.invalid(w))?;
            self.shm = Some(Shm::attach(id, false).map_err(|e| Error::Os("shmat", e))?);
        }
        let shm = self.shm.as_ref().expect("attached above");
        let mut repaired = None;
        let capacity = match self.validate(shm) {
            Ok(c) => c,
            // Our own segment with its header overwritten: rewrite it.
            Err(why) if self.made.is_some_and(|(made, _)| made == id) => {
                let (_, capacity) = self.made.expect("matched");
                shm.write(0, &self.header(capacity));
                repaired = Some(why);
                capacity
            }
            Err(why) => return Err(self.invalid(why)),
        };
        let locked = Locked {
            shm,
            sem,
            capacity,
            created,
            repaired,
            _guard: guard,
            _records: PhantomData,
        };
        Ok(Step::Done(f(&locked)))
    }

    fn header(&self, capacity: usize) -> TableHeader {
        TableHeader {
            magic: self.spec.magic,
            version: self.spec.version,
            header_size: (head_offset() + size_of::<H>()) as u32,
            record_size: size_of::<R>() as u32,
            capacity: capacity as u32,
        }
    }

    /// Checks the common header; returns the capacity.
    fn validate(&self, shm: &Shm) -> Result<usize, Invalid> {
        let h: TableHeader = shm.read(0).ok_or(Invalid::Foreign)?;
        if h.magic != self.spec.magic {
            return Err(Invalid::Foreign);
        }
        if h.version != self.spec.version {
            let v1 = shm.read::<u32>(self.spec.v1_version_at);
            return Err(Invalid::Version(if v1 == Some(1) { 1 } else { h.version }));
        }
        if h.header_size as usize != head_offset() + size_of::<H>() {
            return Err(Invalid::Damaged("header size"));
        }
        if h.record_size as usize != size_of::<R>() {
            return Err(Invalid::Damaged("record size"));
        }
        let capacity = h.capacity as usize;
        if Self::size_for(capacity) > shm.size() {
            return Err(Invalid::Damaged("capacity"));
        }
        Ok(capacity)
    }

    /// The futex word at `offset` of the owner's header, in the segment
    /// attached by the last access (none before the first).
    pub fn head_word(&self, offset: usize) -> Option<&AtomicU32> {
        self.shm.as_ref()?.word(head_offset() + offset)
    }

    /// The futex word at `offset` inside record `i` (see [`Self::head_word`]).
    pub fn record_word(&self, i: usize, offset: usize) -> Option<&AtomicU32> {
        self.shm.as_ref()?.word(Self::record_offset(i) + offset)
    }

    /// Unmaps this process's pages of the segment (it stays): a
    /// supervisor that scanned every slot once keeps only its own page.
    pub fn drop_mapped_pages(&self) {
        if let Some(shm) = &self.shm {
            shm.drop_mapped_pages();
        }
    }
}

impl<H: Plain, R: Plain> Locked<'_, H, R> {
    /// How many records the table holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// What was wrong with the common header when this access found it
    /// damaged in the owner's own segment and rewrote it.
    pub fn repaired(&self) -> Option<Invalid> {
        self.repaired
    }

    /// Whether this access created the table.
    pub fn created(&self) -> bool {
        self.created
    }

    /// A copy of the owner's header (validate it before use).
    pub fn head(&self) -> H {
        self.shm.read(head_offset()).expect("size validated")
    }

    /// Writes the owner's header.
    pub fn set_head(&self, h: &H) {
        self.shm.write(head_offset(), h);
    }

    /// A copy of record `i` (validate it before use); `None` past the end.
    pub fn record(&self, i: usize) -> Option<R> {
        (i < self.capacity)
            .then(|| self.shm.read(Table::<H, R>::record_offset(i)))
            .flatten()
    }

    /// Writes record `i`; false past the end.
    pub fn set_record(&self, i: usize, r: &R) -> bool {
        i < self.capacity && self.shm.write(Table::<H, R>::record_offset(i), r)
    }

    /// Wakes every client waiting on the futex word at `offset` of the
    /// owner's header.
    pub fn wake_head(&self, offset: usize) {
        if let Some(w) = self.shm.word(head_offset() + offset) {
            crate::sys::futex::wake_all(w);
        }
    }

    /// Wakes every client waiting on the word at `offset` of record `i`.
    pub fn wake_record(&self, i: usize, offset: usize) {
        if let Some(w) = self.shm.word(Table::<H, R>::record_offset(i) + offset) {
            crate::sys::futex::wake_all(w);
        }
    }

    /// Removes the segment and the semaphore: they go once the last
    /// process detaches; lock waiters get EIDRM and look again.
    pub fn remove(&self) {
        let _ = self.shm.remove();
        let _ = self.sem.remove();
    }

    /// Removes the segment only (the semaphore stays, so that the lock
    /// held now keeps guarding the key): for an owner that replaces a
    /// dead owner's table by one of another capacity.
    pub fn remove_segment(&self) {
        let _ = self.shm.remove();
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::sys::process::{Forked, fork};
    use crate::sys::signals;

    static SPEC_V2: Spec = Spec {
        magic: *b"MAMORItt",
        version: 2,
        what: "test table",
        v1_version_at: 8,
    };
    static SPEC_V1: Spec = Spec {
        magic: *b"MAMORItt",
        version: 1,
        what: "test table",
        v1_version_at: 8,
    };

    // Any Plain record will do (plain! is for src/sys only).
    type Rec = crate::shm::Owner;
    type T = Table<NoHead, Rec>;

    fn key(n: i32) -> i32 {
        0x7300_0000 | ((crate::sys::getpid() & 0xffff) << 4) | n
    }

    fn create(t: &mut T) -> bool {
        let head = NoHead::default();
        t.with(
            Some(Create {
                capacity: 4,
                head: &head,
            }),
            |l| l.created(),
        )
        .unwrap()
        .unwrap()
    }

    fn cleanup(k: i32) {
        if let Ok(id) = Shm::lookup(k) {
            let _ = crate::sys::ipc::remove_id(id);
        }
        if let Ok(s) = Sem::open(k) {
            let _ = s.remove();
        }
    }

    #[test]
    fn records_round_trip_and_absent_is_none() {
        let k = key(1);
        let mut t = T::new(k, &SPEC_V2);
        assert!(t.with(None, |_| ()).unwrap().is_none(), "nothing created");
        assert!(Sem::open(k).is_err(), "a reader creates nothing");
        assert!(create(&mut t));
        let r = Rec {
            start: 1,
            pid: 2,
            uid: 3,
        };
        let mut other = T::new(k, &SPEC_V2);
        assert!(!create(&mut other), "the second opener attaches");
        t.with(None, |l| {
            assert!(l.set_record(3, &r) && !l.set_record(4, &r))
        })
        .unwrap();
        let got = other.with(None, |l| (l.record(3), l.record(4))).unwrap();
        assert_eq!(got, Some((Some(r), None)));
        t.with(None, |l| l.remove()).unwrap();
        assert!(other.with(None, |_| ()).unwrap().is_none(), "removed");
        cleanup(k);
    }

    #[test]
    fn a_corrupted_header_is_refused_and_repaired_by_its_owner() {
        let k = key(2);
        let mut owner = T::new(k, &SPEC_V2);
        create(&mut owner);
        let raw = Shm::attach(Shm::lookup(k).unwrap(), false).unwrap();
        let mut h: TableHeader = raw.read(0).unwrap();
        h.record_size = 9999;
        raw.write(0, &h);
        let mut reader = T::new(k, &SPEC_V2);
        let e = reader.with(None, |_| ()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "IPC key 0x{:08x}: test table damaged: record size",
                k as u32
            )
        );
        let repaired = owner.with(None, |l| l.repaired()).unwrap().unwrap();
        assert_eq!(repaired, Some(Invalid::Damaged("record size")));
        assert!(
            reader.with(None, |_| ()).unwrap().is_some(),
            "readable again"
        );
        owner.with(None, |l| l.remove()).unwrap();
        cleanup(k);
    }

    #[test]
    fn another_version_is_a_version_mismatch_never_misread() {
        let k = key(3);
        let mut old = T::new(k, &SPEC_V1);
        create(&mut old);
        let mut new = T::new(k, &SPEC_V2);
        let e = new.with(None, |_| ()).unwrap_err();
        assert!(
            matches!(
                e,
                Error::Invalid {
                    why: Invalid::Version(1),
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(e.to_string().contains("version mismatch"), "{e}");
        old.with(None, |l| l.remove()).unwrap();
        cleanup(k);
    }

    #[test]
    fn a_segment_of_another_mode_or_program_is_refused_without_a_twin() {
        let k = key(4);
        let shm = Shm::create(k, 4096, 0o644).unwrap();
        let mut t = T::new(k, &SPEC_V2);
        let e = t
            .with(
                Some(Create {
                    capacity: 4,
                    head: &NoHead::default(),
                }),
                |_| (),
            )
            .unwrap_err();
        assert!(
            e.to_string().ends_with("(mode 0644): not ours, refusing"),
            "{e}"
        );
        assert!(Sem::open(k).is_err(), "no semaphore made beside it");
        shm.remove().unwrap();
        drop(shm);
        // A root-owned 0600 segment of another program: foreign.
        let k = key(5);
        let shm = Shm::create(k, 4096, 0o600).unwrap();
        let e = T::new(k, &SPEC_V2)
            .with(
                Some(Create {
                    capacity: 4,
                    head: &NoHead::default(),
                }),
                |_| (),
            )
            .unwrap_err();
        assert!(e.to_string().ends_with("is not a mamori test table"), "{e}");
        assert!(Sem::open(k).is_err(), "no semaphore made beside it");
        shm.remove().unwrap();
    }

    #[test]
    fn a_lock_held_by_a_killed_process_is_released() {
        let k = key(6);
        let mut t = T::new(k, &SPEC_V2);
        create(&mut t);
        let (r, w) = rustix::pipe::pipe().unwrap();
        match fork().unwrap() {
            Forked::Child => {
                let sem = Sem::open(k).unwrap();
                let _g = sem.lock(LOCK_WAIT).unwrap();
                let _ = rustix::io::write(&w, b"x");
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(60));
                }
            }
            Forked::Parent(child) => {
                let mut b = [0u8];
                rustix::io::read(&r, &mut b).unwrap();
                // Held: an access now waits, then gives up.
                let held = Sem::open(k).unwrap();
                assert!(held.lock(std::time::Duration::from_millis(100)).is_err());
                signals::kill(child, signals::SIGKILL).unwrap();
                crate::sys::process::wait_pid(child).unwrap();
                // SEM_UNDO gave it back.
                assert!(t.with(None, |_| ()).unwrap().is_some());
            }
        }
        t.with(None, |l| l.remove()).unwrap();
        cleanup(k);
    }

    #[test]
    fn a_client_waiting_for_an_answer_is_woken_by_it() {
        use crate::shm::mailbox::{self, ACK_WORD, Answer, Mailbox};
        type M = Table<NoHead, Mailbox>;
        let k = key(7);
        let mut t = M::new(k, &SPEC_V2);
        let head = NoHead::default();
        let create = Create {
            capacity: 1,
            head: &head,
        };
        let seq = t
            .with(Some(create), |l| {
                let mut m = l.record(0).unwrap();
                let seq = m.post(1, [0; 3], 1);
                l.set_record(0, &m);
                seq
            })
            .unwrap()
            .unwrap();
        let owner_thread = std::thread::spawn(move || {
            let mut t = M::new(k, &SPEC_V2);
            std::thread::sleep(std::time::Duration::from_millis(30));
            t.with(None, |l| {
                let mut m = l.record(0).unwrap();
                let p = m.pending().unwrap();
                m.answer(p.seq, 7);
                l.set_record(0, &m);
                l.wake_record(0, ACK_WORD);
            })
            .unwrap();
        });
        let me = crate::shm::Owner::me();
        let started = std::time::Instant::now();
        let word = t.record_word(0, ACK_WORD).unwrap();
        let deadline = started + std::time::Duration::from_secs(5);
        assert_eq!(mailbox::wait(word, seq, &me, deadline), Answer::Answered);
        // No answer and a live owner: the deadline ends the wait.
        let soon = std::time::Instant::now() + std::time::Duration::from_millis(80);
        assert_eq!(mailbox::wait(word, seq + 1, &me, soon), Answer::TimedOut);
        // Woken by the answer, long before the deadline.
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let status = t
            .with(None, |l| l.record(0).unwrap().answered(seq))
            .unwrap();
        assert_eq!(status, Some(Some(7)));
        owner_thread.join().unwrap();
        t.with(None, |l| l.remove()).unwrap();
        cleanup(k);
    }
}
