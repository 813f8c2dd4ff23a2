//! The way down, as busybox init's: every `shutdown` entry in file order,
//! each waited for under a time limit; TERM (and CONT, so that stopped
//! processes see it) to every other process; a wait for them to end under
//! a time limit; KILL to whatever is left; sync; then reboot(2) with the
//! command asked for — or, in a PID namespace that is not the machine's
//! first, exit (reboot(2) there would only end the namespace anyway).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::say;
use crate::sys::pid1::{self, Reboot};
use crate::sys::process;
use crate::sys::signals::{SIGCONT, SIGKILL, SIGTERM};

use super::inittab::Action;
use super::system::Init;
use super::{Step, config};

/// Halts, powers off or reboots (or exits a namespace).
pub fn run(init: &mut Init, how: Reboot) -> Step<ExitCode> {
    stop_everything(init)?;
    Ok(init.finish(how))
}

/// Runs the shutdown entries and ends every other process.
pub fn stop_everything(init: &mut Init) -> Step<()> {
    init.stopping = true;
    let limit = config::entry_limit();
    for i in init.table.indexes(Action::Shutdown) {
        init.run_waited(i, Some(limit))?;
    }
    say!(init.log, "sending TERM to all processes");
    let _ = pid1::kill_all(SIGTERM);
    let _ = pid1::kill_all(SIGCONT);
    if !all_gone_within(init, config::term_wait()) {
        say!(init.log, "sending KILL to all processes");
        let _ = pid1::kill_all(SIGKILL);
        all_gone_within(init, Duration::from_secs(2));
    }
    Ok(())
}

/// Reaps until no child is left or `limit` has passed; whether none is.
fn all_gone_within(init: &mut Init, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        init.reap();
        if !process::has_children() {
            return true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        init.wait_for(left.min(Duration::from_millis(50)));
    }
}
