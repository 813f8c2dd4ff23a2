//! Where the registry is (SPEC §5): `$MAMORI_EVENTS_DIR`, else
//! `$LKROOT/events` (LifeKeeper's `%LKROOT%\events`), else
//! `/etc/mamori/events`; and whether an event's directory exists, answered
//! without allocating so that a monitor may ask on every transition.

use std::ffi::{CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// Environment variable naming the registry.
pub const DIR_ENV: &str = "MAMORI_EVENTS_DIR";
/// LifeKeeper's installation root; the registry is `$LKROOT/events`.
pub const LKROOT_ENV: &str = "LKROOT";
/// The registry when neither variable is set.
pub const DEFAULT_DIR: &str = "/etc/mamori/events";
/// The class whose handlers run for every event.
pub const ALLCLASS: &str = "allclass";
/// The marker file of an event a monitor watches: never a handler.
pub const ACTIVE: &str = "ACTIVE";

/// Longest event directory path checked without allocating.
const PATH_MAX: usize = 1024;

/// Appends the registry root to `out`, as bytes.
fn push_root<const N: usize>(out: &mut heapless::Vec<u8, N>) -> Result<(), ()> {
    let set = |v: Option<&'static [u8]>| v.filter(|v| !v.is_empty());
    if let Some(dir) = set(crate::sys::getenv(c"MAMORI_EVENTS_DIR")) {
        return out.extend_from_slice(dir).map_err(drop);
    }
    if let Some(root) = set(crate::sys::getenv(c"LKROOT")) {
        out.extend_from_slice(root).map_err(drop)?;
        return out.extend_from_slice(b"/events").map_err(drop);
    }
    out.extend_from_slice(DEFAULT_DIR.as_bytes()).map_err(drop)
}

/// The registry root.
pub fn root() -> PathBuf {
    let mut buf = heapless::Vec::<u8, PATH_MAX>::new();
    match push_root(&mut buf) {
        Ok(()) => PathBuf::from(OsStr::from_bytes(&buf)),
        // Longer than PATH_MAX: read the variables the allocating way.
        Err(()) => match std::env::var_os(DIR_ENV).filter(|v| !v.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => PathBuf::from(std::env::var_os(LKROOT_ENV).unwrap_or_default()).join("events"),
        },
    }
}

/// Whether `ROOT/CLASS/EVENT` is a directory. No allocation: the path is
/// built on the stack and checked with one `stat`.
pub fn event_dir_exists(class: &str, event: &str) -> bool {
    let mut path = heapless::Vec::<u8, PATH_MAX>::new();
    let built = push_root(&mut path).is_ok()
        && path.push(b'/').is_ok()
        && path.extend_from_slice(class.as_bytes()).is_ok()
        && path.push(b'/').is_ok()
        && path.extend_from_slice(event.as_bytes()).is_ok()
        && path.push(0).is_ok();
    if !built {
        return false;
    }
    let Ok(path) = CStr::from_bytes_with_nul(&path) else {
        return false;
    };
    matches!(rustix::fs::stat(path), Ok(st)
        if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Directory)
}
