//! pcheck's side of the state segment: taking ownership of IPCKEY (and
//! taking over from a dead owner), publishing state, answering the
//! mailbox.

use std::path::Path;

use super::pfile::Params;
use super::state::{
    self, Command, EntryRecord, HEAD_ACK, Head, LockedState, SPEC, Snapshot, StateTable,
};
use crate::shm::Owner;
use crate::shm::table::{Create, Error, Invalid};

/// Why pcheck could not own its IPCKEY.
#[derive(Debug)]
pub enum OwnError {
    /// A live pcheck already owns the key.
    InUse { pid: i32, pfile: String },
    /// The key holds something that is not ours to take.
    Refused(Error),
}

impl std::fmt::Display for OwnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OwnError::InUse { pid, pfile } => {
                write!(f, "IPCKEY is in use by pcheck[{pid}] (pfile {pfile})")
            }
            OwnError::Refused(e) => write!(f, "IPCKEY: {e}"),
        }
    }
}

/// The segment this pcheck owns.
pub struct Segment {
    table: StateTable,
    me: Owner,
    capacity: usize,
    /// The last damage found and repaired, to log once.
    repaired: Option<Invalid>,
    records_damaged: bool,
    /// What the header says (but the mailbox): a damaged one is rewritten
    /// from it.
    template: Head,
}

impl Segment {
    /// Creates the segment at `params.ipckey` for `capacity` entries. A
    /// segment left by a pcheck that died (kill -9) is removed first; a live
    /// owner, another version's segment or a foreign one is an error and
    /// nothing is changed.
    pub fn own(
        params: &Params,
        pfile: &Path,
        capacity: usize,
        me: Owner,
    ) -> Result<Segment, OwnError> {
        let key = params.ipckey;
        let mut table = StateTable::new(key, &SPEC);
        let head = Head::new(me, key, pfile.as_os_str().as_encoded_bytes());
        for _attempt in 0..4 {
            let taken = table
                .with(None, |t| {
                    let old = t.head();
                    if old.owner.alive() {
                        let pfile = crate::shm::text::text(&old.pfile, old.pfile_len)
                            .unwrap_or("?")
                            .to_string();
                        return Some((old.owner.pid, pfile));
                    }
                    t.remove_segment();
                    None
                })
                .map_err(OwnError::Refused)?
                .flatten();
            if let Some((pid, pfile)) = taken {
                return Err(OwnError::InUse { pid, pfile });
            }
            let create = Create {
                capacity,
                head: &head,
            };
            // Another pcheck may have created it in between: look again.
            if table
                .with(Some(create), |t| t.created())
                .map_err(OwnError::Refused)?
                == Some(true)
            {
                let seg = Segment {
                    table,
                    me,
                    capacity,
                    repaired: None,
                    records_damaged: false,
                    template: head,
                };
                let mut seg = seg;
                seg.set_params(params);
                return Ok(seg);
            }
        }
        Err(OwnError::InUse {
            pid: 0,
            pfile: "?".into(),
        })
    }

    /// How many entries fit.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Runs `f` on the locked segment, first rewriting a header that was
    /// damaged (the owner's copy of who it is wins). False when the lock
    /// could not be had in time: a reader stopped while holding it must
    /// not stop the monitor.
    pub fn batch(&mut self, f: impl FnOnce(&LockedState<'_>)) -> bool {
        let me = self.me;
        let capacity = self.capacity;
        let template = self.template;
        let r = self.table.with(None, |t| {
            let mut damage = t.repaired();
            let h = t.head();
            let verdict = state::check_head(&h, capacity).and_then(|()| {
                if h.owner.same(&me) {
                    Ok(())
                } else {
                    Err(Invalid::Damaged("owner"))
                }
            });
            if let Err(why) = verdict {
                // What the header should say, keeping a command posted.
                let mut fixed = template;
                fixed.mbox = h.mbox;
                t.set_head(&fixed);
                damage = Some(why);
            }
            let count = t.head().entry_count as usize;
            let bad_record = (0..count)
                .filter_map(|i| t.record(i))
                .find_map(|r| state::entry_ok(&r).err());
            f(t);
            (
                damage.or(bad_record),
                damage.is_some() || bad_record.is_some(),
            )
        });
        match r {
            Ok(Some((damage, rewrite))) => {
                if damage.is_some() {
                    self.repaired = damage;
                }
                self.records_damaged |= rewrite;
                true
            }
            _ => false,
        }
    }

    /// Whether the header or a PENT record was found damaged since the
    /// last call: the caller rewrites every record and the counters.
    pub fn take_records_damaged(&mut self) -> bool {
        std::mem::take(&mut self.records_damaged)
    }

    /// Damage found and repaired since the last call (to log it once).
    pub fn take_repaired(&mut self) -> Option<Invalid> {
        self.repaired.take()
    }

    /// Runs `f` on the header under the lock and writes it back (and on
    /// the copy a damaged header is rewritten from).
    pub fn update(&mut self, f: impl Fn(&mut Head)) -> bool {
        f(&mut self.template);
        self.batch(|t| {
            let mut h = t.head();
            f(&mut h);
            t.set_head(&h);
        })
    }

    /// Writes the PARAM values.
    pub fn set_params(&mut self, p: &Params) {
        self.update(|h| {
            h.msg_check_interval_ms = p.msg_check_interval.as_millis() as u32;
            h.monitor_interval_ms = p.monitor_interval.as_millis() as u32;
            h.monitor_try_count = p.monitor_try_count;
            h.dump_len =
                state::put_text(&mut h.dump, p.shm_dump_file.as_os_str().as_encoded_bytes());
        });
    }

    /// The pending mailbox command: `(seq, command, sender pid)`.
    pub fn pending(&mut self) -> Option<(u32, Option<Command>, i32)> {
        let mut out = None;
        self.batch(|t| {
            out = t
                .head()
                .mbox
                .pending()
                .map(|p| (p.seq, Command::from_raw(p.cmd), p.sender));
        });
        out
    }

    /// Answers command `seq` and wakes padmin.
    pub fn ack(&mut self, seq: u32, status: i32, text: &str) {
        self.batch(|t| {
            let mut h = t.head();
            h.ack_text_len = state::put_text(&mut h.ack_text, text.as_bytes());
            h.mbox.answer(seq, status);
            t.set_head(&h);
            t.wake_head(HEAD_ACK);
        });
    }

    /// A validated copy (for the dump).
    pub fn snapshot(&mut self) -> Result<Snapshot, Invalid> {
        match self.table.with(None, Snapshot::read) {
            Ok(Some(s)) => s,
            _ => Err(Invalid::Damaged("segment gone")),
        }
    }

    /// Removes the segment and its semaphore (clean shutdown).
    pub fn destroy(mut self) {
        let me = self.me;
        let _ = self.table.with(None, |t| {
            if t.head().owner.same(&me) {
                t.remove();
            }
        });
    }
}

/// Writes entry `i` of a locked segment.
pub fn write_entry(t: &LockedState<'_>, i: usize, rec: &EntryRecord) {
    t.set_record(i, rec);
}
