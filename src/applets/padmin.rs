//! `padmin`: show and control running pchecks by reading their shared
//! memory directly (seed 001 §3.4–3.8).

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::args::{Cursor, is_opt};
use crate::log;
use crate::pcheck::state::{self, Command, HEAD_ACK, Snapshot, StateTable};
use crate::shm::Answer;
use crate::sys::syslog::{Severity, Syslog};

use super::fail;

const USAGE: &str = "usage: padmin -l | padmin -f PFILE -c {show param|show pent|reload|shutdown}";

crate::exit_statuses! {
    /// Exit statuses of padmin.
    enum Status {
        /// Success: shown, or the command was carried out.
        Ok = 0,
        Failed = 1,
        Usage = 2,
    }
}

/// Extra time beyond MSG_CHECK_INTERVAL that padmin waits for an answer
/// (pcheck is woken at once; the interval is its backstop).
const ACK_SLACK: Duration = Duration::from_secs(5);
/// The interval counted at most: a day-long MSG_CHECK_INTERVAL must not
/// keep padmin waiting for a day when pcheck is wedged.
const ACK_INTERVAL_MAX: Duration = Duration::from_secs(30);

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
                return Status::Ok.into();
            }
            "-l" => list = true,
            w if is_opt(w, "-f") => match args.value(w, "-f") {
                Ok(v) => pfile = Some(v),
                Err(e) => return fail("padmin", e, Status::Usage),
            },
            w if is_opt(w, "-c") => match args.value(w, "-c") {
                Ok(v) => {
                    command.push(v);
                    command.extend(args.rest());
                }
                Err(e) => return fail("padmin", e, Status::Usage),
            },
            other => {
                return fail(
                    "padmin",
                    format_args!("unexpected argument {other:?} ({USAGE})"),
                    Status::Usage,
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
                Status::Usage,
            );
        }
        (false, true, other) => {
            return fail(
                "padmin",
                format_args!("unknown command {:?} ({USAGE})", other.join(" ")),
                Status::Usage,
            );
        }
        _ => return fail("padmin", USAGE, Status::Usage),
    };
    let mut found = match state::find_all() {
        Ok(f) => f,
        Err(e) => {
            return fail(
                "padmin",
                format_args!("/proc/sysvipc/shm: {e}"),
                Status::Failed,
            );
        }
    };
    if let Request::List = request {
        return list_all(&found);
    }
    let pfile = pfile.unwrap_or_default();
    let Some(k) = find_pfile(&found, Path::new(&pfile)) else {
        // The segment at the pfile's IPCKEY may be unreadable: say why.
        let key = crate::pcheck::pfile::load(Path::new(&pfile), false)
            .ok()
            .map(|p| p.params.ipckey);
        if let Some(e) = found
            .iter()
            .filter(|(t, _)| Some(t.key()) == key)
            .find_map(|(_, s)| s.as_ref().err())
        {
            return fail(
                "padmin",
                format_args!("no pcheck is running with pfile {pfile} ({e})"),
                Status::Failed,
            );
        }
        return fail(
            "padmin",
            format_args!("no pcheck is running with pfile {pfile}"),
            Status::Failed,
        );
    };
    let (table, snap) = &mut found[k];
    let snap = snap.as_ref().expect("found readable").clone();
    let mut out = String::new();
    match request {
        Request::ShowParam => {
            let _ = snap.write_param(&mut out);
        }
        Request::ShowPent => {
            let _ = snap.write_pents(&mut out);
        }
        Request::Send(cmd) => return send(table, &snap, cmd),
        Request::List => unreachable!("handled above"),
    }
    print!("{out}");
    Status::Ok.into()
}

type Found = (StateTable, Result<Snapshot, crate::shm::Error>);

fn list_all(found: &[Found]) -> ExitCode {
    let mut out = String::new();
    for snap in found
        .iter()
        .filter_map(|(_, s)| s.as_ref().ok())
        .filter(|s| s.owner_alive())
    {
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = snap.write_list(&mut out);
    }
    print!("{out}");
    Status::Ok.into()
}

fn find_pfile(found: &[Found], pfile: &Path) -> Option<usize> {
    let wanted = std::fs::canonicalize(pfile).unwrap_or_else(|_| pfile.to_path_buf());
    found.iter().position(|(_, snap)| {
        snap.as_ref()
            .is_ok_and(|s| Path::new(&s.pfile) == wanted && s.owner_alive())
    })
}

/// Posts a command, wakes pcheck, and waits for its answer.
fn send(table: &mut StateTable, snap: &Snapshot, cmd: Command) -> ExitCode {
    let me = crate::sys::getpid();
    let owner = snap.owner;
    let posted = table.with(None, |t| {
        let mut h = t.head();
        if !h.owner.same(&owner) {
            return None;
        }
        let seq = h.mbox.post(cmd as u32, [0; 3], me);
        t.set_head(&h);
        Some(seq)
    });
    let seq = match posted {
        Ok(Some(Some(seq))) => seq,
        Ok(_) => {
            return fail(
                "padmin",
                format_args!("cannot post {}: pcheck[{}] is gone", cmd.name(), owner.pid),
                Status::Failed,
            );
        }
        Err(e) => {
            return fail(
                "padmin",
                format_args!("cannot post {}: {e}", cmd.name()),
                Status::Failed,
            );
        }
    };
    let _ = crate::sys::signals::kill(owner.pid, crate::sys::signals::SIGUSR1);
    let mut log = Syslog::new("padmin");
    log!(
        log,
        Severity::Info,
        "Command execute. [{}] pfile={}",
        cmd.name(),
        snap.pfile
    );
    let deadline = Instant::now() + snap.msg_check_interval.min(ACK_INTERVAL_MAX) + ACK_SLACK;
    let answer = match table.head_word(HEAD_ACK) {
        Some(word) => crate::shm::mailbox::wait(word, seq, &owner, deadline),
        None => Answer::OwnerGone,
    };
    match answer {
        Answer::Answered => {
            let reply = table.with(None, |t| {
                let h = t.head();
                let text = crate::shm::text::text(&h.ack_text, h.ack_text_len)
                    .unwrap_or("")
                    .to_string();
                (h.mbox.answered(seq).unwrap_or(0), text)
            });
            match reply {
                // Shut down and gone before we could read: it answered 0.
                Ok(None) if cmd == Command::Shutdown => Status::Ok.into(),
                Ok(Some((0, _))) => Status::Ok.into(),
                Ok(Some((_, text))) => fail(
                    "padmin",
                    format_args!("{} failed: {text}", cmd.name()),
                    Status::Failed,
                ),
                Ok(None) => fail(
                    "padmin",
                    format_args!("pcheck[{}] ended before answering", owner.pid),
                    Status::Failed,
                ),
                Err(e) => fail("padmin", e, Status::Failed),
            }
        }
        Answer::OwnerGone if cmd == Command::Shutdown => Status::Ok.into(),
        Answer::OwnerGone => fail(
            "padmin",
            format_args!("pcheck[{}] ended before answering", owner.pid),
            Status::Failed,
        ),
        Answer::TimedOut => fail(
            "padmin",
            format_args!(
                "pcheck[{}] did not answer {} in time",
                owner.pid,
                cmd.name()
            ),
            Status::Failed,
        ),
    }
}
