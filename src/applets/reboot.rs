//! `reboot [-f]`: ask mamori's init to reboot the machine (SIGTERM);
//! `-f`: at once. See `halt`.

use std::process::ExitCode;

use crate::args::Cursor;
use crate::sys::pid1::Reboot;

pub fn main(args: Cursor) -> ExitCode {
    super::halt::act("reboot", Reboot::Restart, args)
}
