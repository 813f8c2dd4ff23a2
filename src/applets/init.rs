//! `init`: mamori as PID 1 (SPEC §6).
//!
//! `init [-v] [-g] -- CMD ARGS…`: container mode (tini's semantics).
//! `init [-c INITTAB]`: system mode, busybox inittab syntax; also what
//! runs as `/init` and `/sbin/init`. Options that the kernel may pass to
//! init (a run level such as `single` or `3`) are ignored, as busybox
//! ignores them.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::args::{Cursor, is_opt};
use crate::init::{container, system};

const USAGE: &str = "usage: init [-v] [-g] -- CMD [ARGS...]   (container mode)\n       init [-c INITTAB]                    (system mode, as PID 1)";

pub fn main(mut args: Cursor) -> ExitCode {
    let mut verbose = false;
    let mut group = false;
    let mut file = None;
    let mut container_mode = false;
    while let Some(word) = args.next() {
        match word.as_str() {
            "--" => {
                container_mode = true;
                break;
            }
            "-v" => verbose = true,
            "-g" => group = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            w if is_opt(w, "-c") => match args.value(w, "-c") {
                Ok(v) => file = Some(v),
                Err(e) => return super::fail("init", e, 2),
            },
            // Run levels and other words from the kernel command line.
            w if !w.starts_with('-') && crate::sys::getpid() == 1 => {}
            w => return super::fail("init", format_args!("unknown option {w:?}\n{USAGE}"), 2),
        }
    }
    if container_mode {
        let command = args.rest();
        if command.is_empty() {
            return super::fail("init", format_args!("no command after --\n{USAGE}"), 2);
        }
        return container::run(container::Options {
            verbose,
            group,
            command,
        });
    }
    match system::run(file) {
        Ok(code) => code,
        // A forked child of init that is to run an applet: run it here,
        // with init's stack unwound.
        Err(child) => crate::dispatch(child.0.into_iter().map(OsString::from)),
    }
}
