//! Who owns a table or a record: a pid *and* that process's start time,
//! so a pid reused by another process never counts as the owner.

use crate::sys::procfs;

/// The process that owns a table or a record. 16 bytes, no padding.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Owner {
    /// Start time in clock ticks since boot (/proc/PID/stat field 22).
    pub start: u64,
    pub pid: i32,
    /// Effective uid of the owner when it took the record.
    pub uid: u32,
}

impl Owner {
    /// This process.
    pub fn me() -> Owner {
        let pid = crate::sys::getpid();
        Owner {
            start: procfs::stat(pid).map(|s| s.start).unwrap_or(0),
            pid,
            uid: crate::sys::geteuid(),
        }
    }

    /// No owner (a free record).
    pub const NONE: Owner = Owner {
        start: 0,
        pid: 0,
        uid: 0,
    };

    /// Whether a pid is set at all (a free record has none).
    pub fn is_set(&self) -> bool {
        self.pid > 0
    }

    /// Whether the owner still runs: the pid exists and started when the
    /// owner did.
    pub fn alive(&self) -> bool {
        self.is_set() && procfs::is_alive(self.pid, self.start)
    }

    /// The same process as `other` (the uid is not compared: it is
    /// informational).
    pub fn same(&self, other: &Owner) -> bool {
        self.pid == other.pid && self.start == other.start
    }
}
