//! pcheck's side of the state segment: taking ownership of IPCKEY (and
//! taking over from a dead owner), publishing state, reading the mailbox.

use std::io;
use std::path::Path;

use crate::pfile::Params;
use crate::pstate::{self, Command, EntryRecord, Header, Invalid, LOCK_WAIT, MAGIC, MODE, VERSION};
use crate::sys::ipc::{Sem, Shm, remove_id};
use crate::sys::procfs;

/// Why pcheck could not own its IPCKEY.
#[derive(Debug)]
pub enum OwnError {
    /// A live pcheck already owns the key.
    InUse {
        pid: i32,
        pfile: String,
    },
    /// Another program's segment sits at the key.
    Foreign(Invalid),
    Os(&'static str, io::Error),
}

impl std::fmt::Display for OwnError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OwnError::InUse { pid, pfile } => {
                write!(f, "IPCKEY is in use by pcheck[{pid}] (pfile {pfile})")
            }
            OwnError::Foreign(why) => write!(f, "IPCKEY is in use by another program: {why}"),
            OwnError::Os(what, e) => write!(f, "{what}: {}", crate::pfile::os_reason(e)),
        }
    }
}

/// The segment this pcheck owns.
pub struct Segment {
    shm: Shm,
    sem: Sem,
    capacity: usize,
}

impl Segment {
    /// Creates the segment at `params.ipckey` for `capacity` entries. A
    /// segment left by a pcheck that died (kill -9) is removed first; a live
    /// owner or a foreign segment is an error and nothing is changed.
    pub fn own(
        params: &Params,
        pfile: &Path,
        capacity: usize,
        me: (i32, u64),
    ) -> Result<Segment, OwnError> {
        let key = params.ipckey;
        let sem = Sem::open_or_create(key, MODE).map_err(|e| OwnError::Os("semget", e))?;
        let guard = sem.lock(LOCK_WAIT).map_err(|e| OwnError::Os("semop", e))?;
        match Shm::lookup(key) {
            Ok(id) => {
                let old = Shm::attach(id, true).map_err(|e| OwnError::Os("shmat", e))?;
                let h = pstate::read_header(&old).map_err(OwnError::Foreign)?;
                if procfs::is_alive(h.owner_pid, h.owner_start) {
                    let pfile =
                        String::from_utf8_lossy(&h.pfile[..(h.pfile_len as usize).min(1024)])
                            .into_owned();
                    return Err(OwnError::InUse {
                        pid: h.owner_pid,
                        pfile,
                    });
                }
                remove_id(id).map_err(|e| OwnError::Os("shmctl(IPC_RMID)", e))?;
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(e) => return Err(OwnError::Os("shmget", e)),
        }
        let shm = Shm::create(key, pstate::segment_size(capacity), MODE)
            .map_err(|e| OwnError::Os("shmget(IPC_CREAT)", e))?;
        let mut h = Header {
            magic: MAGIC,
            owner_start: me.1,
            version: VERSION,
            header_size: size_of::<Header>() as u32,
            entry_size: size_of::<EntryRecord>() as u32,
            entry_capacity: capacity as u32,
            entry_count: 0,
            owner_pid: me.0,
            ipckey: key,
            msg_check_interval_ms: 0,
            monitor_interval_ms: 0,
            monitor_try_count: 0,
            monitor_stop_count: 0,
            fail_proc_count: 0,
            all_proc_count: 0,
            cmd_seq: 0,
            cmd: 0,
            cmd_pid: 0,
            ack_seq: 0,
            ack_status: 0,
            ack_text_len: 0,
            pfile_len: 0,
            dump_len: 0,
            ack_text: [0; 256],
            pfile: [0; 1024],
            dump: [0; 1024],
        };
        h.pfile_len = pstate::put_text(&mut h.pfile, pfile.as_os_str().as_encoded_bytes());
        shm.write(0, &h);
        drop(guard);
        let seg = Segment { shm, sem, capacity };
        seg.set_params(params);
        Ok(seg)
    }

    /// How many entries fit.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Runs `f` on the header under the lock and writes it back. Skips the
    /// update (returns false) when the lock cannot be had in time: a reader
    /// stopped while holding it must not stop the monitor.
    pub fn update(&self, f: impl FnOnce(&mut Header)) -> bool {
        let Ok(_guard) = self.sem.lock(LOCK_WAIT) else {
            return false;
        };
        let Some(mut h) = self.shm.read::<Header>(0) else {
            return false;
        };
        f(&mut h);
        self.shm.write(0, &h)
    }

    /// Writes the PARAM values.
    pub fn set_params(&self, p: &Params) {
        self.update(|h| {
            h.msg_check_interval_ms = p.msg_check_interval.as_millis() as u32;
            h.monitor_interval_ms = p.monitor_interval.as_millis() as u32;
            h.monitor_try_count = p.monitor_try_count;
            h.dump_len =
                pstate::put_text(&mut h.dump, p.shm_dump_file.as_os_str().as_encoded_bytes());
        });
    }

    /// Writes entry `i` (the caller has the lock through [`Segment::update`]
    /// or accepts an unlocked single-record write).
    pub fn write_entry(&self, i: usize, rec: &EntryRecord) {
        if i < self.capacity {
            self.shm.write(pstate::entry_offset(i), rec);
        }
    }

    /// Takes the lock for a batch of writes.
    pub fn lock(&self) -> Option<crate::sys::ipc::SemGuard<'_>> {
        self.sem.lock(LOCK_WAIT).ok()
    }

    /// The pending mailbox command: `(seq, command, sender pid)`.
    pub fn pending(&self) -> Option<(u32, Option<Command>, i32)> {
        let h: Header = self.shm.read(0)?;
        (h.cmd_seq != h.ack_seq).then(|| (h.cmd_seq, Command::from_raw(h.cmd), h.cmd_pid))
    }

    /// Answers command `seq`.
    pub fn ack(&self, seq: u32, status: i32, text: &str) {
        self.update(|h| {
            h.ack_status = status;
            h.ack_text_len = pstate::put_text(&mut h.ack_text, text.as_bytes());
            h.ack_seq = seq;
        });
    }

    /// A validated copy (for the dump).
    pub fn snapshot(&self) -> Result<pstate::Snapshot, Invalid> {
        let _guard = self.sem.lock(LOCK_WAIT).ok();
        pstate::Snapshot::read(&self.shm)
    }

    /// Removes the segment and its semaphore (clean shutdown).
    pub fn destroy(self) {
        let _ = self.shm.remove();
        let _ = self.sem.remove();
    }
}
