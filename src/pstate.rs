//! pcheck's state in SysV shared memory at IPCKEY: one [`Header`] (PARAM
//! values, counters, owner, the padmin mailbox) followed by one
//! [`EntryRecord`] per PENT. `padmin` and the dump read it through
//! [`Snapshot`], which validates every field because the writer may have
//! died half-way. The formats of `padmin -l` / `show param` / `show pent`
//! (seed 001 §3.4–3.8) are written here too, so the dump shows the same.

use std::fmt;
use std::io;
use std::time::Duration;

pub use crate::shmtext::put_text;
use crate::shmtext::text;
use crate::sys::ipc::{Sem, Shm};
use crate::sys::procfs;

/// First bytes of a mamori pcheck segment.
pub const MAGIC: [u8; 8] = *b"MAMORIpc";
/// Layout version; bump on any change to the records below.
pub const VERSION: u32 = 1;
/// Most pids shown per PENT (same-name monitoring).
pub const PIDS_MAX: usize = 32;
/// Mode of the segment and its semaphore: root-only.
pub const MODE: u32 = 0o600;

/// How long a writer or reader waits for the lock before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(2);

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

/// The segment header. Field order keeps the record free of padding.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Header {
    pub magic: [u8; 8],
    /// Owner's start time (clock ticks since boot, /proc/PID/stat field 22).
    pub owner_start: u64,
    pub version: u32,
    pub header_size: u32,
    pub entry_size: u32,
    pub entry_capacity: u32,
    pub entry_count: u32,
    pub owner_pid: i32,
    pub ipckey: i32,
    pub msg_check_interval_ms: u32,
    pub monitor_interval_ms: u32,
    pub monitor_try_count: u32,
    pub monitor_stop_count: u32,
    pub fail_proc_count: u32,
    pub all_proc_count: u32,
    /// Mailbox: padmin bumps `cmd_seq` after writing `cmd` and `cmd_pid`;
    /// pcheck sets `ack_seq = cmd_seq` with a status and text when done.
    pub cmd_seq: u32,
    pub cmd: u32,
    pub cmd_pid: i32,
    pub ack_seq: u32,
    pub ack_status: i32,
    pub ack_text_len: u32,
    pub pfile_len: u32,
    pub dump_len: u32,
    pub ack_text: [u8; 256],
    pub pfile: [u8; 1024],
    pub dump: [u8; 1024],
}

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
    pub pent_id: u32,
    pub pname_len: u32,
    pub pname: [u8; 64],
    pub npids: u32,
    pub pids: [i32; PIDS_MAX],
    /// Consecutive failed look-ups of the process (MONITOR_TRY_COUNT).
    pub retry_count: u32,
    /// Restarts within the current GRACE window.
    pub restart_count: u32,
    pub proc_sts: u32,
    /// 0 continue, 1 exit, 2 shutdown.
    pub action: u32,
    /// 1 on, 0 off.
    pub monitor_sts: u32,
}

crate::plain!(Header, EntryRecord);

const _: () =
    assert!(size_of::<Header>().is_multiple_of(8) && size_of::<EntryRecord>().is_multiple_of(8));

const ACTIONS: [&str; 3] = ["continue", "exit", "shutdown"];

impl EntryRecord {
    /// A zeroed record.
    pub fn empty() -> EntryRecord {
        EntryRecord {
            rerun_time: 0,
            pent_id: 0,
            pname_len: 0,
            pname: [0; 64],
            npids: 0,
            pids: [0; PIDS_MAX],
            retry_count: 0,
            restart_count: 0,
            proc_sts: 0,
            action: 0,
            monitor_sts: 1,
        }
    }
}

/// Segment size for `capacity` entries.
pub fn segment_size(capacity: usize) -> usize {
    size_of::<Header>() + capacity * size_of::<EntryRecord>()
}

/// Offset of entry `i`.
pub fn entry_offset(i: usize) -> usize {
    size_of::<Header>() + i * size_of::<EntryRecord>()
}

/// Why a segment could not be read as pcheck state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not a mamori pcheck segment (another program's, or too small).
    Foreign,
    /// A pcheck segment of another layout version.
    Version(u32),
    /// A field out of range: written half-way, or damaged.
    Damaged(&'static str),
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Foreign => f.write_str("not a mamori pcheck segment"),
            Invalid::Version(v) => write!(
                f,
                "pcheck segment of layout version {v}, expected {VERSION}"
            ),
            Invalid::Damaged(what) => write!(f, "pcheck segment damaged ({what})"),
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
    pub owner_pid: i32,
    pub owner_start: u64,
    pub pfile: String,
    pub dump_file: String,
    pub message: &'static str,
    pub msg_check_interval: Duration,
    pub monitor_interval: Duration,
    pub monitor_try_count: u32,
    pub monitor_stop_count: u32,
    pub fail_proc_count: u32,
    pub all_proc_count: u32,
    pub cmd_seq: u32,
    pub ack_seq: u32,
    pub ack_status: i32,
    pub ack_text: String,
    pub entries: Vec<EntryView>,
}

/// Reads and validates the header alone.
pub fn read_header(shm: &Shm) -> Result<Header, Invalid> {
    let h: Header = shm.read(0).ok_or(Invalid::Foreign)?;
    if h.magic != MAGIC {
        return Err(Invalid::Foreign);
    }
    if h.version != VERSION {
        return Err(Invalid::Version(h.version));
    }
    if h.header_size as usize != size_of::<Header>()
        || h.entry_size as usize != size_of::<EntryRecord>()
    {
        return Err(Invalid::Damaged("record sizes"));
    }
    if h.entry_count > h.entry_capacity || segment_size(h.entry_capacity as usize) > shm.size() {
        return Err(Invalid::Damaged("entry count"));
    }
    Ok(h)
}

impl Snapshot {
    /// Copies and validates the segment (the caller holds the lock).
    pub fn read(shm: &Shm) -> Result<Snapshot, Invalid> {
        let h = read_header(shm)?;
        let pfile = text(&h.pfile, h.pfile_len).ok_or(Invalid::Damaged("pfile"))?;
        let dump_file = text(&h.dump, h.dump_len).ok_or(Invalid::Damaged("dump file"))?;
        let ack_text = text(&h.ack_text, h.ack_text_len).ok_or(Invalid::Damaged("ack text"))?;
        let pending = h.cmd_seq != h.ack_seq;
        let message = match (pending, Command::from_raw(h.cmd)) {
            (true, Some(c)) => c.name(),
            _ => "start",
        };
        let mut entries = Vec::with_capacity(h.entry_count as usize);
        for i in 0..h.entry_count as usize {
            let r: EntryRecord = shm.read(entry_offset(i)).ok_or(Invalid::Damaged("entry"))?;
            let pname = text(&r.pname, r.pname_len).ok_or(Invalid::Damaged("pname"))?;
            let npids = (r.npids as usize).min(PIDS_MAX);
            entries.push(EntryView {
                pname: pname.to_string(),
                pids: r.pids[..npids].to_vec(),
                retry_count: r.retry_count,
                restart_count: r.restart_count,
                proc_sts: ProcSts::from_raw(r.proc_sts).ok_or(Invalid::Damaged("proc_sts"))?,
                action: ACTIONS
                    .get(r.action as usize)
                    .ok_or(Invalid::Damaged("action"))?,
                rerun_time: r.rerun_time,
                pent_id: r.pent_id,
                monitor_on: r.monitor_sts != 0,
            });
        }
        Ok(Snapshot {
            ipckey: h.ipckey,
            owner_pid: h.owner_pid,
            owner_start: h.owner_start,
            pfile: pfile.to_string(),
            dump_file: dump_file.to_string(),
            message,
            msg_check_interval: Duration::from_millis(h.msg_check_interval_ms.into()),
            monitor_interval: Duration::from_millis(h.monitor_interval_ms.into()),
            monitor_try_count: h.monitor_try_count,
            monitor_stop_count: h.monitor_stop_count,
            fail_proc_count: h.fail_proc_count,
            all_proc_count: h.all_proc_count,
            cmd_seq: h.cmd_seq,
            ack_seq: h.ack_seq,
            ack_status: h.ack_status,
            ack_text: ack_text.to_string(),
            entries,
        })
    }

    /// Whether the pcheck that wrote this is still running (pid and start
    /// time both match, so a reused pid does not count).
    pub fn owner_alive(&self) -> bool {
        procfs::is_alive(self.owner_pid, self.owner_start)
    }

    /// `padmin -l` block (seed 001 §3.4 step 1).
    pub fn write_list(&self, w: &mut impl fmt::Write) -> fmt::Result {
        writeln!(w, "ipckey   = 0x{:08x}", self.ipckey as u32)?;
        writeln!(w, "mypid    = {}", self.owner_pid)?;
        writeln!(w, "myname   = pcheck")?;
        writeln!(w, "pfile    = {}", self.pfile)?;
        writeln!(w, "message  = {}", self.message)
    }

    /// `padmin -c show param` (seed 001 §3.4 step 2).
    pub fn write_param(&self, w: &mut impl fmt::Write) -> fmt::Result {
        use crate::pfile::Seconds;
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

/// A pcheck segment found on the system.
pub struct Found {
    pub shm: Shm,
    pub sem: Option<Sem>,
    pub key: i32,
}

/// Every segment on the system that holds mamori pcheck state. Others'
/// segments are only ever attached read-only, to look at the magic; ours
/// are then attached read-write when we may (padmin writes the mailbox).
pub fn find_all() -> io::Result<Vec<Found>> {
    let mut out = Vec::new();
    for seg in crate::sys::ipc::list_segments()? {
        if seg.size < size_of::<Header>() || seg.key == 0 {
            continue;
        }
        let Ok(peek) = Shm::attach(seg.id, true) else {
            continue;
        };
        if peek.read::<[u8; 8]>(0) != Some(MAGIC) {
            continue;
        }
        let shm = Shm::attach(seg.id, false).unwrap_or(peek);
        out.push(Found {
            sem: Sem::open(seg.key).ok(),
            shm,
            key: seg.key,
        });
    }
    Ok(out)
}

/// Posts `cmd` to the mailbox of the pcheck owning `shm` and returns its
/// sequence number (padmin's side).
pub fn post_command(shm: &Shm, sem: Option<&Sem>, cmd: Command, sender: i32) -> io::Result<u32> {
    let _guard = sem.map(|s| s.lock(LOCK_WAIT)).transpose()?;
    let mut h = read_header(shm).map_err(|e| io::Error::other(e.to_string()))?;
    h.cmd = cmd as u32;
    h.cmd_pid = sender;
    h.cmd_seq = h.cmd_seq.wrapping_add(1);
    if !shm.write(0, &h) {
        return Err(io::Error::other("segment too small"));
    }
    Ok(h.cmd_seq)
}

/// The answer to command `seq`, once pcheck has given it.
pub fn read_ack(shm: &Shm, seq: u32) -> Option<(i32, String)> {
    let h = read_header(shm).ok()?;
    (h.ack_seq == seq).then(|| {
        let text = text(&h.ack_text, h.ack_text_len).unwrap_or("").to_string();
        (h.ack_status, text)
    })
}
