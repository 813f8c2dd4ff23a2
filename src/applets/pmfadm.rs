//! `pmfadm`: start a program under the process monitor facility, and
//! stop, signal, change or show it by nametag (SPEC §4, Solaris
//! `pmfadm(1M)`, `scds_pmf_start/stop/signal(3HA)`). `-c` detaches one
//! supervisor per nametag (`pmf::Supervisor`); every other form talks to
//! it through the registry in shared memory.

use std::io::Read as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::args::Cursor;
use crate::log;
use crate::pmf::registry::{self, Entry, Registry, cmd, state};
use crate::pmf::{Config, End, Supervisor};
use crate::shm::Answer;
use crate::sys::process::{self, Forked};
use crate::sys::signals;
use crate::sys::syslog::{Severity, Syslog};

use super::fail;

const USAGE: &str = "\
usage: pmfadm -c NAMETAG [-a ACTION] [[-e VAR=VAL]... | -E] [-n RETRIES] [-t PERIOD] [-C LEVEL] CMD [ARGS...]
       pmfadm -m NAMETAG [-n RETRIES] [-t PERIOD]
       pmfadm -s NAMETAG [-w TIMEOUT] [SIGNAL]
       pmfadm -k NAMETAG [-w TIMEOUT] SIGNAL
       pmfadm -l NAMETAG | -L | -q NAMETAG";

const HELP: &str = "
Starts CMD under monitoring as NAMETAG and restarts it when CMD and every
descendant it started (down to fork depth -C) have exited: up to -n
RETRIES times (-1 unlimited, default 0) within -t PERIOD minutes (default
unlimited). When retries run out, ACTION runs as `ACTION failed NAMETAG`:
exit 0 restarts again, anything else gives up and removes the nametag.
CMD runs with a minimal environment (PATH) plus -e VAR=VAL, or with
pmfadm's whole environment (-E). -s stops monitoring (and sends SIGNAL to
every watched process, waiting up to -w TIMEOUT seconds: SIGNAL, 80 % of
the wait, SIGKILL, 15 % more); -k sends SIGNAL and keeps monitoring.
-l shows a nametag, -L lists them, -q exits 0 when NAMETAG is registered.

Environment:
  MAMORI_PMF_IPCKEY     SysV key of the nametag registry (default 0x504d4601)
  MAMORI_SYSLOG_SOCKET  syslog socket (default /dev/log)

Exit status: 0 done, 1 failed (or -q: not registered), 2 usage,
3 -w time-out: processes still running.";

/// The PATH a program started with the minimal environment gets.
const DEFAULT_PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// How long pmfadm waits for a supervisor to answer a command.
const ACK_WAIT: Duration = Duration::from_secs(5);

crate::exit_statuses! {
    /// Exit statuses.
    enum Status {
        /// Success.
        Ok = 0,
        Failed = 1,
        Usage = 2,
        Timeout = 3,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Modify,
    Stop,
    Kill,
    List,
    ListAll,
    Query,
}

#[derive(Default)]
struct Opts {
    help: bool,
    mode: Option<Mode>,
    tag: String,
    action: Option<String>,
    env: Vec<String>,
    whole_env: bool,
    retries: Option<i32>,
    period: Option<i32>,
    level: Option<i32>,
    wait: Option<Duration>,
    signal: Option<i32>,
    argv: Vec<String>,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    fail(
        "pmfadm",
        format_args!("{msg} (pmfadm -h for usage)"),
        Status::Usage,
    )
}

fn number(opt: &str, v: &str, min: i32) -> Result<i32, String> {
    match v.parse::<i32>() {
        Ok(n) if n >= min => Ok(n),
        _ => Err(format!("{opt} {v:?}: not a number >= {min}")),
    }
}

fn parse(mut args: Cursor) -> Result<Opts, String> {
    let mut o = Opts::default();
    while let Some(word) = args.next() {
        if o.mode.is_none() && (word == "-h" || word == "--help") {
            o.help = true;
            return Ok(o);
        }
        if word == "--" {
            o.argv = args.rest();
            break;
        }
        if !word.starts_with('-') || word.len() < 2 || o.signal.is_some() {
            if o.mode == Some(Mode::Create) {
                o.argv.push(word);
                o.argv.extend(args.rest());
                break;
            }
            if matches!(o.mode, Some(Mode::Stop | Mode::Kill)) && o.signal.is_none() {
                o.signal = Some(signals::parse(&word).ok_or(format!("unknown signal {word:?}"))?);
                continue;
            }
            return Err(format!("unexpected argument {word:?}"));
        }
        let opt = &word[..2];
        let mut value = |o: &str| args.value(&word, o).map_err(|e| e.0);
        let mode = |m| Some(m);
        let set_mode = match opt {
            "-c" => mode(Mode::Create),
            "-m" => mode(Mode::Modify),
            "-s" => mode(Mode::Stop),
            "-k" => mode(Mode::Kill),
            "-l" => mode(Mode::List),
            "-q" => mode(Mode::Query),
            "-L" if word == "-L" => mode(Mode::ListAll),
            _ => None,
        };
        if let Some(m) = set_mode {
            if o.mode.is_some() {
                return Err("give one of -c -m -s -k -l -L -q".into());
            }
            o.mode = Some(m);
            if m != Mode::ListAll {
                o.tag = value(opt)?;
                if o.tag.is_empty() || o.tag.len() > registry::TAG_MAX {
                    return Err(format!(
                        "nametag must have 1 to {} bytes",
                        registry::TAG_MAX
                    ));
                }
                // Printed by -l, logs and mamori status: no escape sequences.
                if o.tag.chars().any(char::is_control) {
                    return Err(format!(
                        "nametag {:?}: control characters are not allowed",
                        o.tag
                    ));
                }
            }
            continue;
        }
        match opt {
            "-a" => o.action = Some(value("-a")?),
            "-e" => {
                let v = value("-e")?;
                match v.split_once('=') {
                    Some((name, _)) if !name.is_empty() => o.env.push(v),
                    _ => return Err(format!("-e {v:?}: not VAR=VALUE")),
                }
            }
            "-E" if word == "-E" => o.whole_env = true,
            "-n" => o.retries = Some(number("-n", &value("-n")?, -1)?),
            "-t" => o.period = Some(number("-t", &value("-t")?, -1)?),
            "-C" => o.level = Some(number("-C", &value("-C")?, 0)?),
            "-w" => {
                let v = value("-w")?;
                match crate::args::seconds(&v).filter(|d| !d.is_zero()) {
                    Some(d) => o.wait = Some(d),
                    None => return Err(format!("-w {v:?}: not a number of seconds > 0")),
                }
            }
            _ => return Err(format!("unknown option {word}")),
        }
    }
    let mode = o.mode.ok_or("give one of -c -m -s -k -l -L -q")?;
    let allowed: &[&str] = match mode {
        Mode::Create => &["a", "e", "n", "t", "C"],
        Mode::Modify => &["n", "t"],
        Mode::Stop | Mode::Kill => &["w"],
        _ => &[],
    };
    let given = [
        ("a", o.action.is_some()),
        ("e", !o.env.is_empty() || o.whole_env),
        ("n", o.retries.is_some()),
        ("t", o.period.is_some()),
        ("C", o.level.is_some()),
        ("w", o.wait.is_some()),
    ];
    for (name, on) in given {
        if on && !allowed.contains(&name) {
            return Err(format!("-{name} does not go with this form"));
        }
    }
    if o.whole_env && !o.env.is_empty() {
        return Err("-e and -E exclude each other".into());
    }
    match mode {
        Mode::Create if o.argv.is_empty() => return Err("-c needs a command".into()),
        Mode::Kill if o.signal.is_none() => return Err("-k needs a signal".into()),
        Mode::Modify if o.retries.is_none() && o.period.is_none() => {
            return Err("-m needs -n or -t".into());
        }
        _ => {}
    }
    Ok(o)
}

pub fn main(args: Cursor) -> ExitCode {
    let o = match parse(args) {
        Ok(o) if o.help => {
            println!("{USAGE}\n{HELP}");
            return Status::Ok.into();
        }
        Ok(o) => o,
        Err(e) => return usage(e),
    };
    let key = match registry::key_from_env() {
        Ok(k) => k,
        Err(e) => return fail("pmfadm", e, Status::Usage),
    };
    match o.mode {
        Some(Mode::Create) => create(&o, key),
        Some(Mode::ListAll) => list_all(key),
        Some(mode) => {
            let entry = match lookup(key, &o.tag) {
                Ok(e) => e,
                Err(e) => return fail("pmfadm", e, Status::Failed),
            };
            let Some((mut reg, entry)) = entry else {
                if mode == Mode::Query {
                    return Status::Failed.into();
                }
                return fail(
                    "pmfadm",
                    format_args!("{}: no such nametag", o.tag),
                    Status::Failed,
                );
            };
            match mode {
                Mode::Query => Status::Ok.into(),
                Mode::List => {
                    print!("{}", show(&entry));
                    Status::Ok.into()
                }
                _ => control(&o, mode, &mut reg, &entry),
            }
        }
        None => usage("give one of -c -m -s -k -l -L -q"),
    }
}

fn lookup(key: i32, tag: &str) -> Result<Option<(Registry, Entry)>, String> {
    let mut reg = Registry::new(key);
    let found = reg.find(tag).map_err(|e| e.to_string())?;
    Ok(found.map(|e| (reg, e)))
}

/// `pmfadm -l` block (Solaris: the command line, then indented fields).
fn show(e: &Entry) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = write!(s, "pmfadm -c {}", e.tag);
    if let Some(a) = &e.action {
        let _ = write!(s, " -a {a:?}");
    }
    if e.whole_env {
        s.push_str(" -E");
    }
    let _ = write!(s, " -n {} -t {}", e.retries, e.period_min);
    if e.level >= 0 {
        let _ = write!(s, " -C {}", e.level);
    }
    let _ = writeln!(s, " {}", e.command);
    let _ = writeln!(s, "\tretries: {}", e.retries_used);
    let _ = writeln!(s, "\trestarts: {}", e.restarts);
    let _ = writeln!(s, "\towner: {}", e.sup.uid);
    if e.level < 0 {
        let _ = writeln!(s, "\tmonitor children: all");
    } else {
        let _ = writeln!(s, "\tmonitor children: level {}", e.level);
    }
    let st = match e.state {
        state::ACTION => "action",
        state::STOPPING => "stopping",
        _ => "running",
    };
    let _ = writeln!(s, "\tstate: {st}");
    let _ = writeln!(s, "\tsupervisor: {}", e.sup.pid);
    let pids: Vec<String> = e.pids.iter().map(i32::to_string).collect();
    let _ = writeln!(s, "\tpids: {}", pids.join(" "));
    s
}

fn list_all(key: i32) -> ExitCode {
    let mut reg = Registry::new(key);
    match reg.entries() {
        Ok(mut entries) => {
            entries.sort_by(|a, b| a.tag.cmp(&b.tag));
            for e in entries {
                println!("{}", e.tag);
            }
            Status::Ok.into()
        }
        Err(e) => fail("pmfadm", e, Status::Failed),
    }
}

fn create(o: &Opts, key: i32) -> ExitCode {
    let prog = &o.argv[0];
    if crate::trust::resolve(prog).is_none() {
        return fail(
            "pmfadm",
            format_args!("{prog}: no such executable"),
            Status::Failed,
        );
    }
    let mut action: Option<Vec<String>> = o
        .action
        .as_ref()
        .map(|a| a.split_whitespace().map(String::from).collect());
    if let Some(a) = &mut action {
        match a.first().and_then(|p| crate::trust::resolve(p)) {
            // As root the action is run as root when retries run out: it
            // must be one nobody else can change (crate::trust), and it is
            // run by the path checked now.
            Some(p) if crate::sys::is_root() => match crate::trust::program(&p) {
                Ok(real) => a[0] = real.to_string_lossy().into_owned(),
                Err(e) => {
                    return fail("pmfadm", format_args!("-a {}: {e}", a[0]), Status::Failed);
                }
            },
            Some(p) => a[0] = p.to_string_lossy().into_owned(),
            None => {
                return fail(
                    "pmfadm",
                    format_args!(
                        "-a {:?}: no such executable",
                        o.action.as_deref().unwrap_or("")
                    ),
                    Status::Failed,
                );
            }
        }
    }
    let env = if o.whole_env {
        None
    } else {
        let mut env = vec![DEFAULT_PATH.to_string()];
        for v in &o.env {
            let name = v.split_once('=').map_or(v.as_str(), |(n, _)| n);
            env.retain(|e| e.split_once('=').map(|(n, _)| n) != Some(name));
            env.push(v.clone());
        }
        Some(env)
    };
    let cfg = Config {
        tag: o.tag.clone(),
        argv: o.argv.clone(),
        action,
        env,
        retries: o.retries.unwrap_or(0),
        period_min: o.period.unwrap_or(-1),
        level: o.level.unwrap_or(-1),
        owner_uid: crate::sys::geteuid(),
    };
    let mut reg = Registry::new(key);
    match reg.find(&o.tag) {
        Ok(Some(e)) => {
            return fail(
                "pmfadm",
                format_args!("{}: already running (supervisor pid {})", o.tag, e.sup.pid),
                Status::Failed,
            );
        }
        Ok(None) => {}
        Err(e) => return fail("pmfadm", e, Status::Failed),
    }
    detach(cfg, reg)
}

/// Double fork: the supervisor runs in its own session with no inherited
/// files; pmfadm waits on a pipe for it to say the program runs.
fn detach(cfg: Config, reg: Registry) -> ExitCode {
    let tag = cfg.tag.clone();
    let (r, w) = match rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC) {
        Ok(p) => p,
        Err(e) => return fail("pmfadm", format_args!("pipe: {e}"), Status::Failed),
    };
    match process::fork() {
        Err(e) => fail("pmfadm", format_args!("fork: {e}"), Status::Failed),
        Ok(Forked::Parent(middle)) => {
            drop(w);
            let _ = process::wait_pid(middle);
            let mut answer = String::new();
            let _ = std::fs::File::from(r).read_to_string(&mut answer);
            match answer.strip_prefix("ok ") {
                Some(_) => Status::Ok.into(),
                None => {
                    let why = answer.strip_prefix("error ").unwrap_or("supervisor ended");
                    fail(
                        "pmfadm",
                        format_args!("{tag}: {}", why.trim_end()),
                        Status::Failed,
                    )
                }
            }
        }
        Ok(Forked::Child) => {
            drop(r);
            if process::detach_files(&w).is_err() {
                process::exit_now(1);
            }
            match process::fork() {
                Ok(Forked::Child) => {}
                Ok(Forked::Parent(_)) => process::exit_now(0),
                Err(_) => process::exit_now(1),
            }
            supervise(cfg, reg, w)
        }
    }
}

/// The supervisor's life, in the detached grandchild.
fn supervise(cfg: Config, reg: Registry, w: std::os::fd::OwnedFd) -> ExitCode {
    // Named `pmfd NAMETAG`, not after the command it runs: an
    // administrator's `pkill -f httpd` must not end the monitoring of httpd.
    crate::sys::process::set_name(c"pmfd");
    let _ = crate::sys::procfs::set_own_cmdline(&["pmfd", &cfg.tag]);
    let mut sup = match Supervisor::start(&cfg, reg, Syslog::new("pmfd")) {
        Ok(s) => s,
        Err(e) => {
            let _ = crate::sys::syslog::write_all(&w, format!("error {e}\n").as_bytes());
            return Status::Failed.into();
        }
    };
    let _ = crate::sys::syslog::write_all(&w, format!("ok {}\n", crate::sys::getpid()).as_bytes());
    drop(w);
    crate::sys::mem::trim_startup_pages();
    let end = sup.run();
    sup.finish(end);
    // The supervisor's own status (nobody waits for it: for the record).
    match end {
        End::Stopped => Status::Ok.into(),
        End::GaveUp => Status::Failed.into(),
    }
}

/// `-m`, `-s`, `-k`: post the command, wake the supervisor, wait.
fn control(o: &Opts, mode: Mode, reg: &mut Registry, e: &Entry) -> ExitCode {
    let me = crate::sys::geteuid();
    if e.sup.uid != me && !crate::sys::is_root() {
        return fail(
            "pmfadm",
            format_args!(
                "{}: owned by uid {}; only that user or root may change it",
                e.tag, e.sup.uid
            ),
            Status::Failed,
        );
    }
    let sig = o.signal.unwrap_or(0);
    let (c, retries, period) = match mode {
        Mode::Modify => (
            cmd::MODIFY,
            o.retries.unwrap_or(cmd::KEEP),
            o.period.unwrap_or(cmd::KEEP),
        ),
        Mode::Stop => (cmd::STOP, 0, 0),
        _ => (cmd::SIGNAL, 0, 0),
    };
    let mut log = Syslog::new("pmfadm");
    let what = match mode {
        Mode::Modify => "-m",
        Mode::Stop => "-s",
        _ => "-k",
    };
    log!(
        log,
        Severity::Info,
        "{what} {} signal {} by uid {me}",
        e.tag,
        signals::name(sig).unwrap_or("-")
    );
    // Pids to wait for with -k -w: those watched now, by pid and start.
    let before: Vec<(i32, u64)> = e
        .pids
        .iter()
        .filter_map(|&p| crate::sys::procfs::stat(p).map(|s| (p, s.start)))
        .collect();
    let started = Instant::now();
    if let Err(why) = send(reg, e, c, sig, retries, period) {
        return fail("pmfadm", format_args!("{}: {why}", e.tag), Status::Failed);
    }
    match (mode, o.wait) {
        (Mode::Stop, _) if sig == 0 => {
            wait_gone(e, started + ACK_WAIT);
            Status::Ok.into()
        }
        (Mode::Stop, Some(w)) => {
            if wait_gone(e, started + w.mul_f64(0.8)) {
                return Status::Ok.into();
            }
            let _ = send(reg, e, cmd::SIGNAL, signals::SIGKILL, 0, 0);
            if wait_gone(e, started + w.mul_f64(0.95)) {
                return Status::Ok.into();
            }
            fail(
                "pmfadm",
                format_args!("{}: processes still running after {:?}", e.tag, w),
                Status::Timeout,
            )
        }
        (Mode::Kill, Some(w)) => {
            let deadline = started + w;
            let all_gone = before.iter().all(|&(p, s)| {
                process::wait_gone(p, s, deadline.saturating_duration_since(Instant::now()))
            });
            if all_gone {
                return Status::Ok.into();
            }
            fail(
                "pmfadm",
                format_args!("{}: processes still running after {:?}", e.tag, w),
                Status::Timeout,
            )
        }
        _ => Status::Ok.into(),
    }
}

/// Posts a command and waits for the supervisor's answer.
fn send(
    reg: &mut Registry,
    e: &Entry,
    c: u32,
    sig: i32,
    retries: i32,
    period: i32,
) -> Result<(), String> {
    let deadline = Instant::now() + ACK_WAIT;
    match reg.request(e.slot, &e.sup, c, [sig, retries, period], deadline)? {
        // Gone is an answer too: a stop without signal ends it.
        (Answer::Answered, _) | (Answer::OwnerGone, _) => Ok(()),
        (Answer::TimedOut, _) => Err(format!("supervisor {} did not answer", e.sup.pid)),
    }
}

/// Waits until the nametag's supervisor has ended.
fn wait_gone(e: &Entry, deadline: Instant) -> bool {
    process::wait_gone(
        e.sup.pid,
        e.sup.start,
        deadline.saturating_duration_since(Instant::now()),
    )
}
