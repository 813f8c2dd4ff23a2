//! pcheck's state in a shared-memory table at IPCKEY (`shm::Table`): a
//! [`Head`] (owner, the padmin mailbox, PARAM values, counters) and one
//! [`EntryRecord`] per PENT. `padmin`, `mamori status` and the dump read
//! it through [`Snapshot`], which validates every field because the writer
//! may have died half-way. The formats of `padmin -l` / `show param` /
//! `show pent` (seed 001 §3.4–3.8) are written here too, so the dump shows
//! the same.

use std::fmt;
use std::mem::offset_of;
use std::time::Duration;

use crate::shm::mailbox::ACK_WORD;
use crate::shm::table::{Error, Invalid, Locked, Spec, Table};
pub use crate::shm::text::put_text;
use crate::shm::text::text;
use crate::shm::{Mailbox, Owner};

/// What the segment is. Version 2: the shared layer's header, owner and
/// mailbox, and two more counters per PENT for `mamori status`.
pub static SPEC: Spec = Spec {
    magic: *b"MAMORIpc",
    version: 2,
    what: "pcheck segment",
    // Version 1: magic, owner start, then the version.
    v1_version_at: 16,
};
/// Most pids shown per PENT (same-name monitoring).
pub const PIDS_MAX: usize = 32;
/// Longest interval a pfile may give, in ms (pfile: 0.001 to 86400 s):
/// a larger value read from a segment is damage (or forgery).
pub const INTERVAL_MAX_MS: u32 = 86_400_000;

/// Mailbox commands (`padmin -c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Reload = 1,
    Shutdown = 2,
}

impl Command {
    pub fn from_raw(raw: u32) -> Option<Command> {
        match raw {
            1 => Some(Command::Reload),
            2 => Some(Command::Shutdown),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Command::Reload => "reload",
            Command::Shutdown => "shutdown",
        }
    }
}

/// pcheck's header, after the table's common one.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Head {
    pub owner: Owner,
    /// padmin's commands; the answer's text is in `ack_text`.
    pub mbox: Mailbox,
    pub entry_count: u32,
    pub ipckey: i32,
    pub msg_check_interval_ms: u32,
    pub monitor_interval_ms: u32,
    pub monitor_try_count: u32,
    pub monitor_stop_count: u32,
    pub fail_proc_count: u32,
    pub all_proc_count: u32,
    pub ack_text_len: u32,
    pub pfile_len: u32,
    pub dump_len: u32,
    pub reserved: u32,
    pub ack_text: [u8; 256],
    pub pfile: [u8; 1024],
    pub dump: [u8; 1024],
}

/// Offset of the mailbox's futex word in [`Head`].
pub const HEAD_ACK: usize = offset_of!(Head, mbox) + ACK_WORD;

impl Head {
    /// A fresh header owned by `owner` for `pfile`.
    pub fn new(owner: Owner, ipckey: i32, pfile: &[u8]) -> Head {
        let mut h = Head {
            owner,
            mbox: Mailbox::default(),
            entry_count: 0,
            ipckey,
            msg_check_interval_ms: 0,
            monitor_interval_ms: 0,
            monitor_try_count: 0,
            monitor_stop_count: 0,
            fail_proc_count: 0,
            all_proc_count: 0,
            ack_text_len: 0,
            pfile_len: 0,
            dump_len: 0,
            reserved: 0,
            ack_text: [0; 256],
            pfile: [0; 1024],
            dump: [0; 1024],
        };
        h.pfile_len = put_text(&mut h.pfile, pfile);
        h
    }
}

/// The table pcheck's state lives in.
pub type StateTable = Table<Head, EntryRecord>;
/// That table, locked.
pub type LockedState<'a> = Locked<'a, Head, EntryRecord>;

/// `proc_sts` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcSts {
    /// At least one process of that name is running and watched.
    Avail = 0,
    /// None is running: being restarted or looked for.
    Down = 1,
    /// Died more than `retries` times within GRACE; no longer watched.
    RetryOver = 2,
}

impl ProcSts {
    fn from_raw(raw: u32) -> Option<ProcSts> {
        [ProcSts::Avail, ProcSts::Down, ProcSts::RetryOver]
            .into_iter()
            .find(|s| *s as u32 == raw)
    }

    pub fn name(self) -> &'static str {
        match self {
            ProcSts::Avail => "AVAIL",
            ProcSts::Down => "DOWN",
            ProcSts::RetryOver => "RETRY_OVER",
        }
    }
}

/// One PENT's state.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct EntryRecord {
    /// Unix time of the last restart; 0 before the first.
    pub rerun_time: i64,
    /// Unix time of the last change of `proc_sts`; 0 before the first.
    pub last_change: i64,
    pub pent_id: u32,
    pub pname_len: u32,
    pub pname: [u8; 64],
    pub npids: u32,
    pub pids: [i32; PIDS_MAX],
    /// Consecutive failed look-ups of the process (MONITOR_TRY_COUNT).
    pub retry_count: u32,
    /// Restarts within the current GRACE window.
    pub restart_count: u32,
    /// Restarts since pcheck started.
    pub restarts_total: u32,
    pub proc_sts: u32,
    /// 0 continue, 1 exit, 2 shutdown.
    pub action: u32,
    /// 1 on, 0 off.
    pub monitor_sts: u32,
    pub reserved: u32,
}

const ACTIONS: [&str; 3] = ["continue", "exit", "shutdown"];

impl EntryRecord {
    /// A zeroed record.
    pub fn empty() -> EntryRecord {
        EntryRecord {
            rerun_time: 0,
            last_change: 0,
            pent_id: 0,
            pname_len: 0,
            pname: [0; 64],
            npids: 0,
            pids: [0; PIDS_MAX],
            retry_count: 0,
            restart_count: 0,
            restarts_total: 0,
            proc_sts: 0,
            action: 0,
            monitor_sts: 1,
            reserved: 0,
        }
    }
}

/// A validated copy of one PENT's record.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub pname: String,
    pub pids: Vec<i32>,
    pub retry_count: u32,
    pub restart_count: u32,
    pub restarts_total: u32,
    pub last_change: i64,
    pub proc_sts: ProcSts,
    pub action: &'static str,
    pub rerun_time: i64,
    pub pent_id: u32,
    pub monitor_on: bool,
}

/// A validated copy of a whole segment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub ipckey: i32,
    pub owner: Owner,
    pub pfile: String,
    pub dump_file: String,
    pub message: &'static str,
    pub msg_check_interval: Duration,
    pub monitor_interval: Duration,
    pub monitor_try_count: u32,
    pub monitor_stop_count: u32,
    pub fail_proc_count: u32,
    pub all_proc_count: u32,
    pub ack_text: String,
    pub entries: Vec<EntryView>,
}

/// Validates the header's own fields.
pub fn check_head(h: &Head, capacity: usize) -> Result<(), Invalid> {
    if !h.owner.is_set() {
        return Err(Invalid::Damaged("owner"));
    }
    if h.entry_count as usize > capacity {
        return Err(Invalid::Damaged("entry count"));
    }
    if h.msg_check_interval_ms > INTERVAL_MAX_MS || h.monitor_interval_ms > INTERVAL_MAX_MS {
        return Err(Invalid::Damaged("interval out of range"));
    }
    if h.monitor_try_count > 1000 {
        return Err(Invalid::Damaged("MONITOR_TRY_COUNT out of range"));
    }
    for (field, len) in [
        (&h.pfile[..], h.pfile_len),
        (&h.dump[..], h.dump_len),
        (&h.ack_text[..], h.ack_text_len),
    ] {
        text(field, len).ok_or(Invalid::Damaged("text field"))?;
    }
    Ok(())
}

/// Validates one PENT's record without copying it (pcheck checks its own
/// records on its turns, allocating nothing).
pub fn entry_ok(r: &EntryRecord) -> Result<(), Invalid> {
    text(&r.pname, r.pname_len).ok_or(Invalid::Damaged("pname"))?;
    if r.npids as usize > PIDS_MAX {
        return Err(Invalid::Damaged("pid count"));
    }
    ProcSts::from_raw(r.proc_sts).ok_or(Invalid::Damaged("proc_sts"))?;
    ACTIONS
        .get(r.action as usize)
        .ok_or(Invalid::Damaged("action"))?;
    Ok(())
}

/// Validates one PENT's record and copies it out.
pub fn check_entry(r: &EntryRecord) -> Result<EntryView, Invalid> {
    entry_ok(r)?;
    let pname = text(&r.pname, r.pname_len).unwrap_or_default();
    Ok(EntryView {
        pname: pname.to_string(),
        pids: r.pids[..r.npids as usize].to_vec(),
        retry_count: r.retry_count,
        restart_count: r.restart_count,
        restarts_total: r.restarts_total,
        last_change: r.last_change,
        proc_sts: ProcSts::from_raw(r.proc_sts).ok_or(Invalid::Damaged("proc_sts"))?,
        action: ACTIONS
            .get(r.action as usize)
            .ok_or(Invalid::Damaged("action"))?,
        rerun_time: r.rerun_time,
        pent_id: r.pent_id,
        monitor_on: r.monitor_sts != 0,
    })
}

impl Snapshot {
    /// Copies and validates the locked segment.
    pub fn read(t: &LockedState<'_>) -> Result<Snapshot, Invalid> {
        let h = t.head();
        check_head(&h, t.capacity())?;
        let pfile = text(&h.pfile, h.pfile_len).unwrap_or_default();
        let dump_file = text(&h.dump, h.dump_len).unwrap_or_default();
        let ack_text = text(&h.ack_text, h.ack_text_len).unwrap_or_default();
        let message = match h.mbox.pending().map(|p| Command::from_raw(p.cmd)) {
            Some(Some(c)) => c.name(),
            _ => "start",
        };
        let mut entries = Vec::with_capacity(h.entry_count as usize);
        for i in 0..h.entry_count as usize {
            let r = t.record(i).ok_or(Invalid::Damaged("entry"))?;
            entries.push(check_entry(&r)?);
        }
        Ok(Snapshot {
            ipckey: h.ipckey,
            owner: h.owner,
            pfile: pfile.to_string(),
            dump_file: dump_file.to_string(),
            message,
            msg_check_interval: Duration::from_millis(h.msg_check_interval_ms.into()),
            monitor_interval: Duration::from_millis(h.monitor_interval_ms.into()),
            monitor_try_count: h.monitor_try_count,
            monitor_stop_count: h.monitor_stop_count,
            fail_proc_count: h.fail_proc_count,
            all_proc_count: h.all_proc_count,
            ack_text: ack_text.to_string(),
            entries,
        })
    }

    /// Whether the pcheck that wrote this is still running (pid and start
    /// time both match, so a reused pid does not count).
    pub fn owner_alive(&self) -> bool {
        self.owner.alive()
    }

    /// `padmin -l` block (seed 001 §3.4 step 1).
    pub fn write_list(&self, w: &mut impl fmt::Write) -> fmt::Result {
        writeln!(w, "ipckey   = 0x{:08x}", self.ipckey as u32)?;
        writeln!(w, "mypid    = {}", self.owner.pid)?;
        writeln!(w, "myname   = pcheck")?;
        writeln!(w, "pfile    = {}", self.pfile)?;
        writeln!(w, "message  = {}", self.message)
    }

    /// `padmin -c show param` (seed 001 §3.4 step 2).
    pub fn write_param(&self, w: &mut impl fmt::Write) -> fmt::Result {
        use crate::pcheck::pfile::Seconds;
        writeln!(
            w,
            "MSG_CHECK_INTERVAL = {}",
            Seconds(self.msg_check_interval)
        )?;
        writeln!(w, "MONITOR_INTERVAL   = {}", Seconds(self.monitor_interval))?;
        writeln!(w, "MONITOR_TRY_COUNT  = {}", self.monitor_try_count)?;
        writeln!(w, "SHM_DUMP_FILE      = {}", self.dump_file)?;
        writeln!(w, "PFILE              = {}", self.pfile)?;
        writeln!(w, "MESSAGE_BOX        = {}", self.message)?;
        writeln!(w, "MONITOR_STOP_COUNT = {}", self.monitor_stop_count)?;
        writeln!(w, "FAIL_PROC_COUNT    = {}", self.fail_proc_count)?;
        writeln!(w, "ALL_PROC_COUNT     = {}", self.all_proc_count)
    }

    /// `padmin -c show pent` (seed 001 §3.4 step 3): one block per PENT,
    /// separated by a blank line.
    pub fn write_pents(&self, w: &mut impl fmt::Write) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                writeln!(w)?;
            }
            writeln!(w, "pname          = {}", e.pname)?;
            write!(w, "pid            = ")?;
            if e.pids.is_empty() {
                write!(w, "-----")?;
            }
            for (k, pid) in e.pids.iter().enumerate() {
                write!(w, "{}{pid}", if k > 0 { " " } else { "" })?;
            }
            writeln!(w)?;
            writeln!(w, "retry_count    = {}", e.retry_count)?;
            writeln!(w, "restart_count  = {}", e.restart_count)?;
            writeln!(w, "proc_sts       = {}", e.proc_sts.name())?;
            writeln!(w, "retry_over_act = {}", e.action)?;
            write!(w, "rerun_time     = ")?;
            if e.rerun_time == 0 {
                write!(w, "-----")?;
            } else {
                crate::sys::clock::write_ctime(w, e.rerun_time)?;
            }
            writeln!(w)?;
            writeln!(w, "pent_id        = {}", e.pent_id)?;
            writeln!(
                w,
                "monitor_sts    = {}",
                if e.monitor_on { "on" } else { "off" }
            )?;
        }
        Ok(())
    }
}

/// Every table on the system that holds mamori pcheck state and is ours
/// (see `shm::table` for what "ours" means), with its key. A segment of
/// another layout version is returned as its error, so that the caller
/// can say "version mismatch" instead of "not running".
pub fn find_all() -> std::io::Result<Vec<(StateTable, Result<Snapshot, Error>)>> {
    let mut out = Vec::new();
    for seg in crate::sys::ipc::list_segments()? {
        if seg.key == 0 || seg.size < StateTable::size_for(0) {
            continue;
        }
        let mut table = StateTable::new(seg.key, &SPEC);
        let snap = match table.with(None, Snapshot::read) {
            Ok(Some(Ok(s))) => Ok(s),
            Ok(Some(Err(why))) => Err(Error::Invalid {
                key: seg.key,
                what: SPEC.what,
                why,
            }),
            Ok(None) => continue,
            Err(Error::Invalid {
                why: Invalid::Foreign | Invalid::NotOurs { .. },
                ..
            }) => continue,
            Err(e) => Err(e),
        };
        out.push((table, snap));
    }
    Ok(out)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn forged_intervals_and_cut_texts_are_damage() {
        let me = Owner::me();
        let h = Head::new(me, 7, b"/etc/pfile");
        assert_eq!(check_head(&h, 4), Ok(()));
        let mut bad = h;
        // 49 days: padmin would wait that long for an answer.
        bad.msg_check_interval_ms = u32::MAX;
        assert_eq!(
            check_head(&bad, 4),
            Err(Invalid::Damaged("interval out of range"))
        );
        let mut bad = h;
        bad.pfile_len = 2000;
        assert_eq!(check_head(&bad, 4), Err(Invalid::Damaged("text field")));
        let mut bad = h;
        bad.entry_count = 5;
        assert_eq!(check_head(&bad, 4), Err(Invalid::Damaged("entry count")));
        let mut bad = h;
        bad.owner = Owner::NONE;
        assert_eq!(check_head(&bad, 4), Err(Invalid::Damaged("owner")));
        let mut r = EntryRecord::empty();
        r.pname_len = put_text(&mut r.pname, b"crond");
        assert_eq!(check_entry(&r).unwrap().pname, "crond");
        r.npids = PIDS_MAX as u32 + 1;
        assert_eq!(check_entry(&r).unwrap_err(), Invalid::Damaged("pid count"));
        r.npids = 0;
        r.pname[0] = 0xff;
        assert_eq!(check_entry(&r).unwrap_err(), Invalid::Damaged("pname"));
    }
}
