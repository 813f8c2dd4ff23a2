//! Memory housekeeping after start-up.

/// Drops this process's page-table entries for the clean read-only
/// mappings of its own executable (code, constants), once start-up is done.
///
/// Start-up code (pfile parsing, /proc setup, glibc's locale and stdio
/// init) is touched once, and the kernel's fault-around maps it in 64 kB
/// windows, so nearly the whole binary stays resident. `MADV_DONTNEED` on
/// a clean private file mapping only unmaps: the pages stay in the page
/// cache and whatever the monitor loop needs is faulted back (a minor
/// fault, no I/O). A mapping with any anonymous page was written (RELRO
/// data relocated at start, then made read-only) and is left alone:
/// dropping it would revert it to the file's bytes.
/// Returns the number of bytes trimmed.
pub fn trim_startup_pages() -> usize {
    let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
        return 0;
    };
    let Some(exe) = exe.to_str().map(String::from) else {
        return 0;
    };
    let Ok(smaps) = std::fs::read_to_string("/proc/self/smaps") else {
        return 0;
    };
    let mut trimmed = 0;
    let mut no_fault_around = NoFaultAround::open();
    let mut stack = None;
    let mut current: Option<(usize, usize)> = None;
    for line in smaps.lines() {
        let mut f = line.split_ascii_whitespace();
        let Some(first) = f.next() else { continue };
        if let Some((lo, hi)) = first.split_once('-').filter(|_| !first.ends_with(':')) {
            let perms = f.next().unwrap_or("");
            let path = f.nth(3);
            current = None;
            if path == Some("[stack]") {
                stack = usize::from_str_radix(lo, 16).ok();
            }
            let mine = path == Some(exe.as_str()) && perms.starts_with('r') && !perms.contains('w');
            if let (true, Ok(lo), Ok(hi)) = (
                mine,
                usize::from_str_radix(lo, 16),
                usize::from_str_radix(hi, 16),
            ) {
                current = Some((lo, hi));
            }
            continue;
        }
        if first == "Anonymous:" {
            let clean = f.next() == Some("0");
            if let (Some((lo, hi)), true) = (current.take(), clean) {
                // SAFETY: a read-only mapping of our own executable with no
                // anonymous (written) page: dropping its PTEs loses nothing.
                unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_DONTNEED) };
                trimmed += hi - lo;
                no_fault_around.register(lo, hi - lo);
            }
        }
    }
    if let Some(lo) = stack {
        trimmed += trim_stack_below_here(lo);
    }
    crate::sys::clock::reread_zone();
    // SAFETY: plain libc call; glibc returns free heap pages to the kernel.
    unsafe { libc::malloc_trim(0) };
    trimmed
}

/// Drops the stack pages below this function's frame, down to `lo`, the
/// start of the stack mapping: start-up's deep call chains (the pfile
/// parser, std's path and /proc code) left them dirty, and no frame lives
/// there any more. Whatever is below the stack pointer is dead by the ABI
/// (only the 128-byte red zone is kept, and no signal handler runs on this
/// stack: signals are read from a signalfd). A margin stays for the frames
/// of the calls made from here.
#[inline(never)]
fn trim_stack_below_here(lo: usize) -> usize {
    const MARGIN: usize = 16 * 1024;
    let here = core::hint::black_box(0u8);
    let sp = core::ptr::addr_of!(here) as usize;
    let hi = sp.saturating_sub(MARGIN) & !4095;
    if hi <= lo {
        return 0;
    }
    // SAFETY: [lo, hi) is in the stack mapping and below every live frame
    // (see above); MADV_DONTNEED on private anonymous memory only
    // discards it, and a later touch gets a zeroed page.
    unsafe { libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_DONTNEED) };
    hi - lo
}

/// `UFFD_USER_MODE_ONLY` (linux/userfaultfd.h): the flag of userfaultfd(2)
/// that an unprivileged process may use.
const UFFD_USER_MODE_ONLY: libc::c_int = 1;
/// `UFFD_API` (linux/userfaultfd.h).
const UFFD_API: u64 = 0xaa;
/// `UFFD_FEATURE_WP_ASYNC` (linux/userfaultfd.h, Linux 6.7).
const UFFD_FEATURE_WP_ASYNC: u64 = 1 << 15;
/// `UFFDIO_REGISTER_MODE_WP` (linux/userfaultfd.h).
const UFFDIO_REGISTER_MODE_WP: u64 = 1 << 1;
/// `_IOWR(0xAA, 0x3F, struct uffdio_api)`: 24-byte argument.
const UFFDIO_API: libc::c_ulong = 0xc018_aa3f;
/// `_IOWR(0xAA, 0x00, struct uffdio_register)`: 32-byte argument.
const UFFDIO_REGISTER: libc::c_ulong = 0xc020_aa00;

/// Turns the kernel's fault-around off for ranges of this process.
///
/// A fault on a file page maps the up to 16 cached pages of its 64 kB
/// window (`fault_around_bytes`), so a monitor loop whose few hot
/// functions are spread over the binary gets most of its text resident
/// again after the trim. The kernel skips fault-around in a range
/// registered with a userfaultfd for write-protect tracking
/// (`uffd_disable_fault_around`, mm/memory.c), and with
/// `UFFD_FEATURE_WP_ASYNC` (Linux 6.7) any mapping may be registered and
/// write faults resolve themselves: nothing reads the descriptor. The code
/// is never written, so the only effect is that a fault maps one page:
/// what the loop runs, not its neighbours. On an older kernel, or where
/// userfaultfd is refused (seccomp), nothing changes.
struct NoFaultAround {
    fd: Option<std::os::fd::OwnedFd>,
}

impl NoFaultAround {
    fn open() -> NoFaultAround {
        use std::os::fd::FromRawFd;
        let flags = libc::O_CLOEXEC | libc::O_NONBLOCK | UFFD_USER_MODE_ONLY;
        // SAFETY: a plain syscall; a non-negative result is a new fd we own.
        let fd = unsafe { libc::syscall(libc::SYS_userfaultfd, flags) };
        if fd < 0 {
            return NoFaultAround { fd: None };
        }
        // SAFETY: `fd` was just returned by the kernel and is not shared.
        let fd = unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as i32) };
        let mut api = [UFFD_API, UFFD_FEATURE_WP_ASYNC, 0u64];
        // SAFETY: UFFDIO_API reads and writes a struct uffdio_api, three
        // u64 (api, features, ioctls), which `api` is.
        let ok = unsafe {
            libc::ioctl(
                std::os::fd::AsRawFd::as_raw_fd(&fd),
                UFFDIO_API,
                api.as_mut_ptr(),
            )
        } == 0;
        NoFaultAround {
            fd: ok.then_some(fd),
        }
    }

    fn register(&mut self, start: usize, len: usize) {
        let Some(fd) = &self.fd else { return };
        let mut reg = [start as u64, len as u64, UFFDIO_REGISTER_MODE_WP, 0u64];
        // SAFETY: UFFDIO_REGISTER reads a struct uffdio_register (range
        // start and length, mode) and writes its ioctls field: four u64.
        unsafe {
            libc::ioctl(
                std::os::fd::AsRawFd::as_raw_fd(fd),
                UFFDIO_REGISTER,
                reg.as_mut_ptr(),
            )
        };
    }
}

impl Drop for NoFaultAround {
    fn drop(&mut self) {
        // Closing a userfaultfd unregisters its ranges: it must live as
        // long as the process (close-on-exec, and a fork does not inherit
        // the registration).
        if let Some(fd) = self.fd.take() {
            std::mem::forget(fd);
        }
    }
}
