//! mamori as PID 1 (SPEC §6). Two modes:
//! - [`container`]: `init -- CMD`, tini's semantics (forward, reap, pass
//!   the status through);
//! - [`system`]: the first process of a machine or PID namespace, driven
//!   by a busybox-syntax [`inittab`], with the [`table`] of entries and
//!   their respawn [`throttle`], [`signals`] as busybox reads them, the
//!   [`shutdown`] path and the [`mounts`] a machine needs.

pub mod config;
pub mod container;
pub mod inittab;
pub mod launch;
pub mod log;
pub mod mounts;
pub mod shutdown;
pub mod signals;
pub mod system;
pub mod table;
pub mod throttle;

/// A step of system mode: its result, or, in a forked child that is to
/// run an applet, that applet's argv (unwound to `main`, which runs it).
pub type Step<T> = Result<T, launch::AppletChild>;
