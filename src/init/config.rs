//! Time limits an init uses, each overridable by a `MAMORI_INIT_*`
//! environment variable in seconds (on a kernel command line, an unknown
//! `NAME=value` word reaches init's environment, so a boot test can set
//! them too). A value that is not a number ≥ 0 keeps the default.

use std::time::Duration;

/// `name` as seconds (fractions allowed), else `default`.
pub fn seconds(name: &str, default: f64) -> Duration {
    std::env::var(name)
        .ok()
        .and_then(|v| crate::args::seconds(v.trim()))
        .unwrap_or_else(|| Duration::from_secs_f64(default))
}

/// Each `shutdown` (and `ctrlaltdel`) entry's time limit before it is killed.
pub fn entry_limit() -> Duration {
    seconds("MAMORI_INIT_SHUTDOWN_LIMIT", 10.0)
}

/// How long processes get between TERM and KILL at shutdown.
pub fn term_wait() -> Duration {
    seconds("MAMORI_INIT_TERM_WAIT", 3.0)
}
