//! The control forms `ID -stop [WAIT]`, `-pause`, `-continue`, `-disp`
//! and `-del`: they act on the registry and wake the monitor with a
//! signal, after checking that the registered pid still is the process
//! that registered (its start time), so that a reused pid never gets it.

use std::time::{Duration, Instant};

use crate::shm::mailbox::{self, Answer};
use crate::sys::signals;

use super::Status;
use super::messages::{Log, Msg};
use super::monitor::WAKE;
use super::options::Action;
use super::registry::{Applet, Entry, Registry, cmd};

fn say(applet: Applet, text: std::fmt::Arguments<'_>) {
    eprintln!("{}: {text}", applet.name());
}

/// Logs `m` and prints it with `detail` on stderr; returns `code`.
fn fail(log: &mut Log, m: Msg<'_>, detail: std::fmt::Arguments<'_>, code: Status) -> Status {
    log.msg_quiet(m);
    eprintln!(
        "{}: {} ({detail})",
        log.applet.name(),
        super::messages::Text(log.applet, &m)
    );
    code
}

/// Runs one control form and returns the exit status.
pub fn run(applet: Applet, key: i32, id: &str, action: &Action) -> Status {
    let mut log = Log::new(applet);
    let mut reg = Registry::new(key);
    let found = match reg.find(id.as_bytes()) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                &mut log,
                Msg::System(e.func(), e.errno()),
                format_args!("{e}"),
                Status::System,
            );
        }
    };
    let Some(entry) = found.filter(|e| e.applet == applet) else {
        let why = match found {
            Some(e) => format!("ID {id} belongs to {} [{}]", e.applet.name(), e.owner.pid),
            None => format!("ID {id} is not registered"),
        };
        if matches!(action, Action::Stop(_)) {
            return fail(
                &mut log,
                Msg::NotEnded,
                format_args!("{why}"),
                Status::Control,
            );
        }
        say(applet, format_args!("{why}"));
        return Status::Control;
    };
    let alive = entry.alive();
    match action {
        Action::Disp => {
            println!("{}", entry.owner.pid);
            if alive {
                Status::Stopped
            } else {
                say(
                    applet,
                    format_args!(
                        "pid {} of ID {id} is no longer running; the next start with this ID \
                         takes the registration over (or use -del)",
                        entry.owner.pid
                    ),
                );
                Status::Control
            }
        }
        Action::Del if alive => {
            say(
                applet,
                format_args!(
                    "ID {id} belongs to the running {}[{}]; end it with -stop",
                    applet.name(),
                    entry.owner.pid
                ),
            );
            Status::Control
        }
        Action::Del | Action::Stop(_) if !alive => {
            let _ = reg.with(false, |r| {
                if r.get(entry.index) == Some(entry) {
                    r.clear_and_tidy(entry.index);
                }
            });
            if matches!(action, Action::Stop(_)) {
                say(
                    applet,
                    format_args!(
                        "ID {id}: pid {} was no longer running; registration removed",
                        entry.owner.pid
                    ),
                );
            }
            Status::Stopped
        }
        Action::Pause | Action::Continue if !alive => {
            say(
                applet,
                format_args!("ID {id}: pid {} is no longer running", entry.owner.pid),
            );
            Status::Control
        }
        Action::Pause | Action::Continue => {
            let c = if matches!(action, Action::Pause) {
                cmd::PAUSE
            } else {
                cmd::CONTINUE
            };
            match post(&mut reg, &entry, c) {
                // The flag is set: the monitor applies it at its next look
                // even when it is in the middle of a check now.
                Some(seq) => {
                    let _ = wait_answer(&reg, &entry, seq, Instant::now() + ANSWER_WAIT);
                    Status::Stopped
                }
                None => {
                    say(
                        applet,
                        format_args!("ID {id}: registration changed meanwhile"),
                    );
                    Status::Control
                }
            }
        }
        Action::Stop(wait) => stop(&mut log, &mut reg, id, entry, *wait),
        Action::Start(_) | Action::Help | Action::Del => Status::Usage,
    }
}

/// How long `-pause`/`-continue` wait for the monitor to confirm: it
/// answers at once when idle, after its current check when busy.
const ANSWER_WAIT: Duration = Duration::from_secs(2);

/// Sets the flag of command `c` in the slot of `entry` (still the same
/// owner) and wakes the monitor; the sequence number to wait for.
fn post(reg: &mut Registry, entry: &Entry, c: u32) -> Option<u32> {
    let seq = reg
        .with(false, |r| {
            r.get(entry.index)
                .filter(|e| e.owner.same(&entry.owner))
                .map(|_| r.post(entry.index, c))
        })
        .ok()
        .flatten()
        .flatten()?;
    if entry.alive() {
        let _ = signals::kill(entry.owner.pid, WAKE);
    }
    Some(seq)
}

fn wait_answer(reg: &Registry, entry: &Entry, seq: u32, deadline: Instant) -> Answer {
    match reg.ack_word(entry.index) {
        Some(word) => mailbox::wait(word, seq, &entry.owner, deadline),
        None => Answer::OwnerGone,
    }
}

fn stop(log: &mut Log, reg: &mut Registry, id: &str, entry: Entry, wait: Duration) -> Status {
    let _ = post(reg, &entry, cmd::STOP);
    if crate::sys::process::wait_gone(entry.owner.pid, entry.owner.start, wait) {
        return Status::Stopped;
    }
    fail(
        log,
        Msg::NotEnded,
        format_args!(
            "ID {id}: pid {} did not end within {} s",
            entry.owner.pid,
            wait.as_secs()
        ),
        Status::Control,
    )
}
