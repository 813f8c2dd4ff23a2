//! The control forms `ID -stop [WAIT]`, `-pause`, `-continue`, `-disp`
//! and `-del`: they act on the registry and wake the monitor with a
//! signal, after checking that the registered pid still is the process
//! that registered (its start time), so that a reused pid never gets it.

use std::time::{Duration, Instant};

use crate::sys::signals;

use super::messages::{Log, Msg};
use super::monitor::WAKE;
use super::options::Action;
use super::registry::{Applet, Entry, Registry};
use super::status;

fn say(applet: Applet, text: std::fmt::Arguments<'_>) {
    eprintln!("{}: {text}", applet.name());
}

/// Logs `m` and prints it with `detail` on stderr; returns `code`.
fn fail(log: &mut Log, m: Msg<'_>, detail: std::fmt::Arguments<'_>, code: u8) -> u8 {
    log.msg_quiet(m);
    eprintln!(
        "{}: {} ({detail})",
        log.applet.name(),
        super::messages::Text(log.applet, &m)
    );
    code
}

/// Runs one control form and returns the exit status.
pub fn run(applet: Applet, key: i32, id: &str, action: &Action) -> u8 {
    let mut log = Log::new(applet);
    let mut reg = Registry::new(key);
    let found = match reg.find(id.as_bytes()) {
        Ok(f) => f,
        Err(e) => {
            let (func, errno) = e.func_errno();
            return fail(
                &mut log,
                Msg::System(func, errno),
                format_args!("{e}"),
                status::SYSTEM,
            );
        }
    };
    let Some(entry) = found.filter(|e| e.applet == applet) else {
        let why = match found {
            Some(e) => format!("ID {id} belongs to {} [{}]", e.applet.name(), e.pid),
            None => format!("ID {id} is not registered"),
        };
        if matches!(action, Action::Stop(_)) {
            return fail(
                &mut log,
                Msg::NotEnded,
                format_args!("{why}"),
                status::CONTROL,
            );
        }
        say(applet, format_args!("{why}"));
        return status::CONTROL;
    };
    let alive = entry.alive();
    match action {
        Action::Disp => {
            println!("{}", entry.pid);
            if alive {
                status::STOPPED
            } else {
                say(
                    applet,
                    format_args!(
                        "pid {} of ID {id} is no longer running; the next start with this ID \
                         takes the registration over (or use -del)",
                        entry.pid
                    ),
                );
                status::CONTROL
            }
        }
        Action::Del if alive => {
            say(
                applet,
                format_args!(
                    "ID {id} belongs to the running {}[{}]; end it with -stop",
                    applet.name(),
                    entry.pid
                ),
            );
            status::CONTROL
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
                        entry.pid
                    ),
                );
            }
            status::STOPPED
        }
        Action::Pause | Action::Continue if !alive => {
            say(
                applet,
                format_args!("ID {id}: pid {} is no longer running", entry.pid),
            );
            status::CONTROL
        }
        Action::Pause | Action::Continue => {
            let pause = matches!(action, Action::Pause);
            let _ = reg.with(false, |r| {
                if r.get(entry.index).map(|e| (e.pid, e.start)) == Some((entry.pid, entry.start)) {
                    r.set_paused(entry.index, pause);
                }
            });
            wake(&entry);
            status::STOPPED
        }
        Action::Stop(wait) => stop(&mut log, &mut reg, id, entry, *wait),
        Action::Start(_) | Action::Help | Action::Del => status::USAGE,
    }
}

fn wake(entry: &Entry) {
    if entry.alive() {
        let _ = signals::kill(entry.pid, WAKE);
    }
}

fn stop(log: &mut Log, reg: &mut Registry, id: &str, entry: Entry, wait: Duration) -> u8 {
    let _ = reg.with(false, |r| {
        if r.get(entry.index).map(|e| (e.pid, e.start)) == Some((entry.pid, entry.start)) {
            r.request_stop(entry.index);
        }
    });
    wake(&entry);
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if !entry.alive() {
            return status::STOPPED;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    fail(
        log,
        Msg::NotEnded,
        format_args!(
            "ID {id}: pid {} did not end within {} s",
            entry.pid,
            wait.as_secs()
        ),
        status::CONTROL,
    )
}
