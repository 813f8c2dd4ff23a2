//! The process entry point, in place of std's `lang_start` (`#![no_main]`
//! in main.rs).
//!
//! std's start-up does three things mamori needs and one it does not.
//! Needed, and done here: SIGPIPE ignored (a write to a closed pipe or
//! socket is an `EPIPE` error, as under std; children get SIG_DFL back
//! from `sys::spawn` and std's `Command` as before), and stdout flushed on
//! return. The arguments need nothing: std reads argv from glibc's
//! `.init_array` on linux-gnu, so `std::env::args_os` works unchanged. Not
//! needed: the stack-overflow guard, a SIGSEGV handler on an alternate
//! stack that prints "has overflowed its stack" before aborting. Finding
//! the guard calls `pthread_getattr_np`, which in static glibc reads
//! /proc/self/maps with `sscanf` and pulls scanf and strtod into the binary
//! (~90 kB, issue 15); without it an overflow is a plain SIGSEGV death,
//! which a supervisor reports the same way.

/// Defines the C `main` of the binary: runs `body` and returns its exit
/// status (see the module doc).
#[macro_export]
macro_rules! entry_point {
    ($body:expr) => {
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        extern "C" fn main(_argc: i32, _argv: *const *const u8) -> i32 {
            $crate::sys::entry::run($body)
        }
    };
}

/// What the C `main` of [`entry_point!`] runs.
pub fn run(body: impl FnOnce() -> i32) -> i32 {
    crate::sys::signals::ignore(libc::SIGPIPE);
    let code = body();
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code
}

/// The number behind `code`. std gives no stable way to read an
/// `ExitCode` back; every exit status is a `u8`, so find the one that
/// compares equal.
pub fn status(code: std::process::ExitCode) -> i32 {
    (0..=u8::MAX)
        .find(|&c| std::process::ExitCode::from(c) == code)
        .map_or(1, i32::from)
}
