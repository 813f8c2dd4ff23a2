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
    let mut current: Option<(usize, usize)> = None;
    for line in smaps.lines() {
        let mut f = line.split_ascii_whitespace();
        let Some(first) = f.next() else { continue };
        if let Some((lo, hi)) = first.split_once('-').filter(|_| !first.ends_with(':')) {
            let perms = f.next().unwrap_or("");
            let path = f.nth(3);
            current = None;
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
            }
        }
    }
    trimmed
}
