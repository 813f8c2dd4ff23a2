//! SysV shared memory and semaphores: the state that `padmin`, `-disp` and
//! `pmfadm -l` read without talking to the monitor that owns it.
//!
//! A segment holds `#[repr(C)]` records of plain integers and byte arrays
//! ([`Plain`]); readers copy them out and validate every field, because the
//! writer may have died half-way. The lock is one SysV semaphore used with
//! `SEM_UNDO`, so a `kill -9` of the holder releases it.

use std::io;
use std::sync::atomic::AtomicU32;
use std::time::Duration;

use super::last_error;

/// A type that may be copied byte-for-byte to and from shared memory:
/// `#[repr(C)]`, only integers and integer arrays, valid for every bit
/// pattern, no padding that matters. Implement it with [`plain!`].
///
/// # Safety
/// Every bit pattern of `size_of::<Self>()` bytes must be a valid `Self`.
pub unsafe trait Plain: Copy + 'static {}

/// Marks `#[repr(C)]` structs of integers and integer arrays as [`Plain`],
/// each with the list of its fields: a compile-time check that the sizes of
/// the fields add up to the size of the struct, so no padding byte (whose
/// contents are undefined) ever reaches shared memory, and no field is
/// forgotten in the list. Every use lives in `sys::records`.
#[macro_export]
macro_rules! plain {
    ($($t:ty { $($f:ident),+ $(,)? }),+ $(,)?) => {
        $(
            const _: () = {
                let u = core::mem::MaybeUninit::<$t>::uninit();
                let p = u.as_ptr();
                // SAFETY: only the address of each field is taken (no
                // read), which is defined for an uninitialised value.
                let sum = 0 $(+ $crate::sys::ipc::pointee_size(unsafe { &raw const (*p).$f }))+;
                assert!(
                    sum == size_of::<$t>(),
                    concat!(stringify!($t), ": padding, or a field missing from the list")
                );
            };
            // SAFETY: a #[repr(C)] struct of integers and integer arrays
            // with no padding (checked above): any bytes are valid.
            unsafe impl $crate::sys::ipc::Plain for $t {}
        )+
    };
}

/// Size of what `_p` points to (for [`plain!`]'s padding check).
pub const fn pointee_size<T>(_p: *const T) -> usize {
    size_of::<T>()
}

// SAFETY: any bytes are a valid byte array.
unsafe impl<const N: usize> Plain for [u8; N] {}
// SAFETY: any bytes are a valid u32.
unsafe impl Plain for u32 {}

/// An attached SysV shared-memory segment.
pub struct Shm {
    id: i32,
    addr: *mut u8,
    size: usize,
}

/// Ownership and size of a segment (`shmctl(IPC_STAT)`).
#[derive(Debug, Clone, Copy)]
pub struct ShmStat {
    pub uid: u32,
    /// Creator's uid: a segment created by another user and then given to
    /// us with IPC_SET is still theirs to have planted.
    pub cuid: u32,
    pub mode: u32,
    pub size: usize,
    pub attached: u64,
}

impl Shm {
    /// Creates a new segment at `key` with `mode`, failing with EEXIST when
    /// one exists. The new segment is zero-filled.
    pub fn create(key: i32, size: usize, mode: u32) -> io::Result<Shm> {
        // SAFETY: plain syscall wrapper.
        let id = unsafe { libc::shmget(key, size, libc::IPC_CREAT | libc::IPC_EXCL | mode as i32) };
        if id < 0 {
            return Err(last_error());
        }
        Shm::attach(id, false)
    }

    /// The id of the existing segment at `key`.
    pub fn lookup(key: i32) -> io::Result<i32> {
        // SAFETY: plain syscall wrapper.
        let id = unsafe { libc::shmget(key, 0, 0) };
        if id < 0 { Err(last_error()) } else { Ok(id) }
    }

    /// Ownership and size of segment `id`, without attaching it.
    pub fn stat_of(id: i32) -> io::Result<ShmStat> {
        stat_id(id)
    }

    /// Attaches segment `id`, read-only or read-write.
    pub fn attach(id: i32, read_only: bool) -> io::Result<Shm> {
        let size = stat_id(id)?.size;
        let flags = if read_only { libc::SHM_RDONLY } else { 0 };
        // SAFETY: the kernel picks the address; failure is (void*)-1.
        let addr = unsafe { libc::shmat(id, core::ptr::null(), flags) };
        if addr as isize == -1 {
            return Err(last_error());
        }
        Ok(Shm {
            id,
            addr: addr.cast(),
            size,
        })
    }

    /// The segment id.
    pub fn id(&self) -> i32 {
        self.id
    }

    /// The segment size in bytes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Ownership and size.
    pub fn stat(&self) -> io::Result<ShmStat> {
        stat_id(self.id)
    }

    /// Copies `T` out of the segment at `offset`, or `None` when it does
    /// not fit.
    pub fn read<T: Plain>(&self, offset: usize) -> Option<T> {
        let end = offset.checked_add(size_of::<T>())?;
        if end > self.size {
            return None;
        }
        let mut out = core::mem::MaybeUninit::<T>::uninit();
        // SAFETY: in bounds (checked above); `T: Plain` accepts any bytes,
        // so the copy initialises `out`. A plain copy, not volatile: the
        // semaphore orders access, and a volatile read of a large struct
        // compiles to kilobytes of byte loads.
        unsafe {
            core::ptr::copy_nonoverlapping(
                self.addr.add(offset),
                out.as_mut_ptr().cast::<u8>(),
                size_of::<T>(),
            );
            Some(out.assume_init())
        }
    }

    /// Copies `value` into the segment at `offset`; false when it does not
    /// fit.
    pub fn write<T: Plain>(&self, offset: usize, value: &T) -> bool {
        let Some(end) = offset.checked_add(size_of::<T>()) else {
            return false;
        };
        if end > self.size {
            return false;
        }
        // SAFETY: in bounds; the segment is attached read-write by the
        // writer (a read-only attachment would fault, and only the owner
        // and padmin's mailbox write).
        unsafe {
            core::ptr::copy_nonoverlapping(
                (value as *const T).cast::<u8>(),
                self.addr.add(offset),
                size_of::<T>(),
            )
        };
        true
    }

    /// The aligned 32-bit word at `offset`, as an atomic shared with every
    /// process that maps the segment (a mailbox's futex word).
    pub fn word(&self, offset: usize) -> Option<&AtomicU32> {
        let end = offset.checked_add(4)?;
        if end > self.size || !offset.is_multiple_of(4) {
            return None;
        }
        // SAFETY: in bounds and 4-aligned (shmat returns page-aligned
        // memory); the mapping lives as long as `self`, and AtomicU32 has
        // the layout of u32. Other processes write it only as a whole u32.
        Some(unsafe { &*self.addr.add(offset).cast::<AtomicU32>() })
    }

    /// Unmaps every page of the segment from this process (the contents
    /// stay in the segment): a supervisor that scanned all slots once keeps
    /// only the page of its own slot resident afterwards.
    pub fn drop_mapped_pages(&self) {
        // SAFETY: a shared mapping: MADV_DONTNEED only drops our page-table
        // entries; the next access maps the segment's page again.
        unsafe { libc::madvise(self.addr.cast(), self.size, libc::MADV_DONTNEED) };
    }

    /// Marks the segment for removal (it goes when the last process
    /// detaches).
    pub fn remove(&self) -> io::Result<()> {
        remove_id(self.id)
    }
}

impl Drop for Shm {
    fn drop(&mut self) {
        // SAFETY: `addr` came from shmat and is detached once.
        unsafe { libc::shmdt(self.addr.cast()) };
    }
}

fn stat_id(id: i32) -> io::Result<ShmStat> {
    // SAFETY: shmid_ds is plain data filled by the kernel.
    let mut ds: libc::shmid_ds = unsafe { core::mem::zeroed() };
    if unsafe { libc::shmctl(id, libc::IPC_STAT, &mut ds) } < 0 {
        return Err(last_error());
    }
    Ok(ShmStat {
        uid: ds.shm_perm.uid,
        cuid: ds.shm_perm.cuid,
        mode: u32::from(ds.shm_perm.mode) & 0o777,
        size: ds.shm_segsz,
        attached: ds.shm_nattch as u64,
    })
}

/// Removes segment `id`.
pub fn remove_id(id: i32) -> io::Result<()> {
    // SAFETY: plain syscall wrapper.
    if unsafe { libc::shmctl(id, libc::IPC_RMID, core::ptr::null_mut()) } < 0 {
        return Err(last_error());
    }
    Ok(())
}

/// One line of `/proc/sysvipc/shm`: a segment on this system.
#[derive(Debug, Clone, Copy)]
pub struct ShmEntry {
    pub key: i32,
    pub id: i32,
    pub size: usize,
}

/// Every SysV segment on the system, from `/proc/sysvipc/shm`.
pub fn list_segments() -> io::Result<Vec<ShmEntry>> {
    let text = std::fs::read_to_string("/proc/sysvipc/shm")?;
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let mut f = line.split_ascii_whitespace();
        let (Some(key), Some(id), Some(_perms), Some(size)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let (Ok(key), Ok(id), Ok(size)) = (key.parse::<i64>(), id.parse(), size.parse()) else {
            continue;
        };
        out.push(ShmEntry {
            key: key as i32,
            id,
            size,
        });
    }
    Ok(out)
}

/// A one-semaphore SysV set used as a mutex.
///
/// A fresh set starts at 0, which here means *unlocked*: lock waits for 0
/// and adds 1 in one atomic `semop`, so there is no initialisation race.
pub struct Sem {
    id: i32,
}

/// Holds the lock; dropping it unlocks.
pub struct SemGuard<'a> {
    sem: &'a Sem,
}

impl Sem {
    /// Opens the set at `key`, creating it with `mode` when absent.
    pub fn open_or_create(key: i32, mode: u32) -> io::Result<Sem> {
        // SAFETY: plain syscall wrapper.
        let id = unsafe { libc::semget(key, 1, libc::IPC_CREAT | mode as i32) };
        if id < 0 {
            Err(last_error())
        } else {
            Ok(Sem { id })
        }
    }

    /// Opens the existing set at `key`.
    pub fn open(key: i32) -> io::Result<Sem> {
        // SAFETY: plain syscall wrapper.
        let id = unsafe { libc::semget(key, 1, 0) };
        if id < 0 {
            Err(last_error())
        } else {
            Ok(Sem { id })
        }
    }

    /// Takes the lock, waiting at most `timeout` (ETIMEDOUT/EAGAIN after).
    pub fn lock(&self, timeout: Duration) -> io::Result<SemGuard<'_>> {
        let mut ops = [
            libc::sembuf {
                sem_num: 0,
                sem_op: 0,
                sem_flg: 0,
            },
            libc::sembuf {
                sem_num: 0,
                sem_op: 1,
                sem_flg: libc::SEM_UNDO as i16,
            },
        ];
        let ts = super::clock::timespec(timeout);
        loop {
            // SAFETY: `ops` and `ts` are valid for the call.
            // glibc has semtimedop but the libc crate does not bind it here.
            let r = unsafe {
                libc::syscall(
                    libc::SYS_semtimedop,
                    self.id,
                    ops.as_mut_ptr(),
                    ops.len(),
                    &ts,
                )
            };
            if r == 0 {
                return Ok(SemGuard { sem: self });
            }
            let e = last_error();
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }

    /// Ownership of the set (`semctl(IPC_STAT)`); `size` is 0.
    pub fn stat(&self) -> io::Result<ShmStat> {
        // SAFETY: semid_ds is plain data filled by the kernel; IPC_STAT
        // takes a pointer to it as the fourth argument.
        let mut ds: libc::semid_ds = unsafe { core::mem::zeroed() };
        if unsafe { libc::semctl(self.id, 0, libc::IPC_STAT, &mut ds as *mut libc::semid_ds) } < 0 {
            return Err(last_error());
        }
        Ok(ShmStat {
            uid: ds.sem_perm.uid,
            cuid: ds.sem_perm.cuid,
            mode: u32::from(ds.sem_perm.mode) & 0o777,
            size: 0,
            attached: 0,
        })
    }

    /// Removes the set (waiters get EIDRM).
    pub fn remove(&self) -> io::Result<()> {
        // SAFETY: plain syscall wrapper.
        if unsafe { libc::semctl(self.id, 0, libc::IPC_RMID) } < 0 {
            return Err(last_error());
        }
        Ok(())
    }
}

impl Drop for SemGuard<'_> {
    fn drop(&mut self) {
        let mut op = libc::sembuf {
            sem_num: 0,
            sem_op: -1,
            sem_flg: libc::SEM_UNDO as i16,
        };
        // SAFETY: `op` is valid; undoing our own +1.
        unsafe { libc::semop(self.sem.id, &mut op, 1) };
    }
}
