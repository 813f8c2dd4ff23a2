//! `poweroff [-f]`: ask mamori's init to power the machine off (SIGUSR2);
//! `-f`: at once. See `halt`.

use std::process::ExitCode;

use crate::args::Cursor;
use crate::sys::pid1::Reboot;

pub fn main(args: Cursor) -> ExitCode {
    super::halt::act("poweroff", Reboot::PowerOff, args)
}
