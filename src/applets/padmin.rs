//! `padmin`: show and control running pchecks by reading their shared
//! memory directly (seed 001 §3.4–3.8).

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::args::{Cursor, is_opt};
use crate::log;
use crate::pstate::{self, Command, Found, LOCK_WAIT, Snapshot};
use crate::sys::syslog::{Severity, Syslog};

use super::fail;

const USAGE: &str = "usage: padmin -l | padmin -f PFILE -c {show param|show pent|reload|shutdown}";

/// Exit statuses of padmin.
mod status {
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
}

/// Extra time beyond MSG_CHECK_INTERVAL that padmin waits for an answer.
const ACK_SLACK: Duration = Duration::from_secs(5);

enum Request {
    List,
    ShowParam,
    ShowPent,
    Send(Command),
}

pub fn main(mut args: Cursor) -> ExitCode {
    let mut list = false;
    let mut pfile = None;
    let mut command: Vec<String> = Vec::new();
    while let Some(word) = args.next() {
        match word.as_str() {
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            "-l" => list = true,
            w if is_opt(w, "-f") => match args.value(w, "-f") {
                Ok(v) => pfile = Some(v),
                Err(e) => return fail("padmin", e, status::USAGE),
            },
            w if is_opt(w, "-c") => match args.value(w, "-c") {
                Ok(v) => {
                    command.push(v);
                    command.extend(args.rest());
                }
                Err(e) => return fail("padmin", e, status::USAGE),
            },
            other => {
                return fail(
                    "padmin",
                    format_args!("unexpected argument {other:?} ({USAGE})"),
                    status::USAGE,
                );
            }
        }
    }
    let words: Vec<&str> = command.iter().map(String::as_str).collect();
    let request = match (list, pfile.is_some(), words.as_slice()) {
        (true, false, []) => Request::List,
        (false, true, ["show", "param"]) => Request::ShowParam,
        (false, true, ["show", "pent"]) => Request::ShowPent,
        (false, true, ["reload"]) => Request::Send(Command::Reload),
        (false, true, ["shutdown"]) => Request::Send(Command::Shutdown),
        (false, true, []) => {
            return fail(
                "padmin",
                format_args!("-c COMMAND is required ({USAGE})"),
                status::USAGE,
            );
        }
        (false, true, other) => {
            return fail(
                "padmin",
                format_args!("unknown command {:?} ({USAGE})", other.join(" ")),
                status::USAGE,
            );
        }
        _ => return fail("padmin", USAGE, status::USAGE),
    };
    let found = match pstate::find_all() {
        Ok(f) => f,
        Err(e) => {
            return fail(
                "padmin",
                format_args!("/proc/sysvipc/shm: {e}"),
                status::FAILED,
            );
        }
    };
    if let Request::List = request {
        return list_all(&found);
    }
    let pfile = pfile.unwrap_or_default();
    let Some((seg, snap)) = find_pfile(&found, Path::new(&pfile)) else {
        return fail(
            "padmin",
            format_args!("no pcheck is running with pfile {pfile}"),
            status::FAILED,
        );
    };
    let mut out = String::new();
    match request {
        Request::ShowParam => {
            let _ = snap.write_param(&mut out);
        }
        Request::ShowPent => {
            let _ = snap.write_pents(&mut out);
        }
        Request::Send(cmd) => return send(seg, &snap, cmd),
        Request::List => unreachable!("handled above"),
    }
    print!("{out}");
    ExitCode::SUCCESS
}

fn snapshot(seg: &Found) -> Option<Snapshot> {
    let _guard = seg
        .sem
        .as_ref()
        .map(|s| s.lock(LOCK_WAIT))
        .transpose()
        .ok()?;
    Snapshot::read(&seg.shm).ok()
}

fn list_all(found: &[Found]) -> ExitCode {
    let mut out = String::new();
    for snap in found
        .iter()
        .filter_map(snapshot)
        .filter(Snapshot::owner_alive)
    {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = snap.write_list(&mut out);
    }
    print!("{out}");
    ExitCode::SUCCESS
}

fn find_pfile<'a>(found: &'a [Found], pfile: &Path) -> Option<(&'a Found, Snapshot)> {
    let wanted = std::fs::canonicalize(pfile).unwrap_or_else(|_| pfile.to_path_buf());
    found.iter().find_map(|seg| {
        let snap = snapshot(seg)?;
        (Path::new(&snap.pfile) == wanted && snap.owner_alive()).then_some((seg, snap))
    })
}

/// Posts a command, wakes pcheck, and waits for its answer.
fn send(seg: &Found, snap: &Snapshot, cmd: Command) -> ExitCode {
    let me = crate::sys::getpid();
    let seq = match pstate::post_command(&seg.shm, seg.sem.as_ref(), cmd, me) {
        Ok(seq) => seq,
        Err(e) => {
            return fail(
                "padmin",
                format_args!("cannot post {}: {e}", cmd.name()),
                status::FAILED,
            );
        }
    };
    let _ = crate::sys::signals::kill(snap.owner_pid, crate::sys::signals::SIGUSR1);
    let mut log = Syslog::new("padmin");
    log!(
        log,
        Severity::Info,
        "Command execute. [{}] pfile={}",
        cmd.name(),
        snap.pfile
    );
    let deadline = Instant::now() + snap.msg_check_interval + ACK_SLACK;
    loop {
        if let Some((code, text)) = pstate::read_ack(&seg.shm, seq) {
            if code == 0 {
                return ExitCode::SUCCESS;
            }
            return fail(
                "padmin",
                format_args!("{} failed: {text}", cmd.name()),
                status::FAILED,
            );
        }
        if !snap.owner_alive() {
            return if cmd == Command::Shutdown {
                ExitCode::SUCCESS
            } else {
                fail(
                    "padmin",
                    format_args!("pcheck[{}] ended before answering", snap.owner_pid),
                    status::FAILED,
                )
            };
        }
        if Instant::now() >= deadline {
            return fail(
                "padmin",
                format_args!(
                    "pcheck[{}] did not answer {} in time",
                    snap.owner_pid,
                    cmd.name()
                ),
                status::FAILED,
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
