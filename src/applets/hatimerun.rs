//! `hatimerun`: run a program under a time limit (SPEC §3, Solaris
//! `hatimerun(1M)`, `scds_timerun(3HA)`). The program runs without a shell
//! in its own process group; hatimerun is a child subreaper, so on a
//! time-out it kills the group *and* every descendant that left it (a
//! daemon that called setsid), and reaps them all.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, poll};

use crate::args::Cursor;
use crate::log;
use crate::sys::process;
use crate::sys::signals::{self, SignalFd};
use crate::sys::spawn::{self, Command, Exit};
use crate::sys::syslog::{Severity, Syslog};
use crate::timelimit;

const USAGE: &str = "\
usage: hatimerun -t TIMEOUT [-adv] [-e EXITCODE] [-x PCT] PROG [ARGS...]
       hatimerun -t TIMEOUT [-dv] [-e EXITCODE] [-k SIGNAL] [-x PCT] PROG [ARGS...]";

const HELP: &str = "
Runs PROG (no shell) in its own process group. When TIMEOUT seconds pass
first, the group and every descendant that left it get SIGNAL (default
KILL; a name as kill(1) takes it, or a number) and hatimerun exits 99 (or
EXITCODE). Otherwise it exits with PROG's status (128+N when a signal N
killed it).
  -a      on a time-out, exit without killing: PROG keeps running
  -d      start the clock when PROG has been exec'd, not at fork
  -x PCT  warn (stderr and syslog) when PROG used more than PCT % of TIMEOUT
  -v      say what happens on stderr
SIGTERM, SIGINT or SIGHUP to hatimerun kill PROG as on a time-out; exit 98.
Descendants still alive 1 s after SIGNAL get SIGKILL.

Environment:
  MAMORI_SYSLOG_SOCKET  syslog socket for -x (default /dev/log)

Exit status: PROG's own, 99 (or EXITCODE) on a time-out, 98 for
hatimerun's own errors (usage, PROG not found, -a with -k) and SIGTERM.";

mod status {
    pub const TIMEOUT: u8 = 99;
    /// scds_timerun's SCHA_ERR_INTERNAL / SCHA_ERR_INVAL.
    pub const OWN: u8 = 98;
}

struct Opts {
    timeout: Duration,
    leave: bool,
    delay: bool,
    verbose: bool,
    code: u8,
    signal: Option<i32>,
    pct: Option<u32>,
    argv: Vec<String>,
}

enum Parsed {
    Run(Opts),
    Help,
}

fn seconds(v: &str) -> Option<Duration> {
    crate::args::seconds(v).filter(|d| !d.is_zero())
}

fn parse(mut args: Cursor) -> Result<Parsed, String> {
    let mut timeout = None;
    let (mut leave, mut delay, mut verbose) = (false, false, false);
    let mut code = status::TIMEOUT;
    let mut signal = None;
    let mut pct = None;
    while let Some(word) = args.next() {
        if word == "-h" || word == "--help" {
            return Ok(Parsed::Help);
        }
        // `--` ends the options: PROG is the next word, whatever it is.
        if word == "--" || !word.starts_with('-') || word.len() < 2 {
            let mut argv = if word == "--" { Vec::new() } else { vec![word] };
            argv.extend(args.rest());
            if argv.is_empty() {
                break;
            }
            let timeout = timeout.ok_or("-t TIMEOUT is required")?;
            if leave && signal.is_some() {
                return Err("-a and -k exclude each other".into());
            }
            return Ok(Parsed::Run(Opts {
                timeout,
                leave,
                delay,
                verbose,
                code,
                signal,
                pct,
                argv,
            }));
        }
        // Flags may be bundled (-adv); a value option ends the bundle.
        for (i, c) in word[1..].char_indices() {
            let opt = &word[..2 + i];
            let glued = &word[2 + i..];
            let mut value = || {
                if glued.is_empty() {
                    args.next().ok_or(format!("option -{c} needs a value"))
                } else {
                    Ok(glued.to_string())
                }
            };
            match c {
                'a' => leave = true,
                'd' => delay = true,
                'v' => verbose = true,
                't' => {
                    let v = value()?;
                    timeout =
                        Some(seconds(&v).ok_or(format!("-t {v:?}: not a number of seconds > 0"))?);
                }
                'e' => {
                    let v = value()?;
                    code = v
                        .parse()
                        .map_err(|_| format!("-e {v:?}: not an exit code 0-255"))?;
                }
                'k' => {
                    let v = value()?;
                    signal = Some(signals::parse(&v).ok_or(format!("-k {v:?}: unknown signal"))?);
                }
                'x' => {
                    let v = value()?;
                    pct = Some(match v.parse::<u32>() {
                        Ok(p) if (1..=100).contains(&p) => p,
                        _ => return Err(format!("-x {v:?}: not a percentage 1-100")),
                    });
                }
                _ => return Err(format!("unknown option -{c} in {opt}")),
            }
            if matches!(c, 't' | 'e' | 'k' | 'x') {
                break;
            }
        }
    }
    Err("PROG is missing".into())
}

pub fn main(args: Cursor) -> ExitCode {
    let o = match parse(args) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            println!("{USAGE}\n{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            return super::fail(
                "hatimerun",
                format_args!("{e} (hatimerun -h for usage)"),
                status::OWN,
            );
        }
    };
    match run(&o) {
        Ok(code) => ExitCode::from(code),
        Err(e) => super::fail("hatimerun", e, status::OWN),
    }
}

fn say(o: &Opts, msg: std::fmt::Arguments<'_>) {
    if o.verbose {
        eprintln!("hatimerun: {msg}");
    }
}

fn run(o: &Opts) -> Result<u8, String> {
    let signals = SignalFd::new(&[
        signals::SIGCHLD,
        signals::SIGTERM,
        signals::SIGINT,
        signals::SIGHUP,
    ])
    .map_err(|e| format!("signalfd: {e}"))?;
    process::become_subreaper().map_err(|e| format!("prctl: {e}"))?;
    let command = Command::new(o.argv.iter().map(String::as_str))
        .ok_or("PROG or an argument holds a NUL byte")?
        .inherit_stdin()
        .process_group(true);
    // The write end is close-on-exec: EOF on the read end says exec happened.
    let (mut exec_r, exec_w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
        .map_err(|e| format!("pipe: {e}"))?;
    let forked = Instant::now();
    let pid = command
        .spawn()
        .map_err(|e| format!("{}: {}", o.argv[0], crate::sys::errno::os_reason(&e)))?;
    drop(exec_w);
    let mut byte = [0u8; 1];
    while let Err(rustix::io::Errno::INTR) = rustix::io::read(&mut exec_r, &mut byte) {}
    let execed = Instant::now();
    let start = if o.delay { execed } else { forked };
    say(
        o,
        format_args!(
            "{} runs as pid {pid} (group {pid}), exec'd after {:.3} ms; clock started at {}",
            o.argv[0],
            (execed - forked).as_secs_f64() * 1e3,
            if o.delay { "exec (-d)" } else { "fork" }
        ),
    );
    let deadline = start + o.timeout;
    let mut exit: Option<Exit> = None;
    loop {
        while let Some(sig) = signals.read() {
            if sig == signals::SIGCHLD {
                while let Some((p, e)) = spawn::reap_any() {
                    if p == pid {
                        exit = Some(e);
                    }
                }
            } else {
                let sig_used = o.signal.unwrap_or(signals::SIGKILL);
                say(
                    o,
                    format_args!(
                        "got SIG{}: killing {} with SIG{}",
                        signals::name(sig).unwrap_or("?"),
                        o.argv[0],
                        signals::name(sig_used).unwrap_or("?")
                    ),
                );
                timelimit::kill_all(pid, sig_used, &signals);
                return Ok(status::OWN);
            }
        }
        if let Some(e) = exit {
            let used = start.elapsed();
            say(
                o,
                format_args!(
                    "{} ended ({e}) after {:.3} s",
                    o.argv[0],
                    used.as_secs_f64()
                ),
            );
            if let Some(p) = o.pct
                && used.as_secs_f64() * 100.0 > o.timeout.as_secs_f64() * f64::from(p)
            {
                let pct_used = used.as_secs_f64() * 100.0 / o.timeout.as_secs_f64();
                let mut log = Syslog::new("hatimerun");
                log.echo_to_stderr(true);
                log!(
                    log,
                    Severity::Warning,
                    "{} used {:.0}% of its {} s time-out (threshold {}%): raise the time-out",
                    o.argv[0],
                    pct_used,
                    o.timeout.as_secs_f64(),
                    p
                );
            }
            return Ok(e.as_status().clamp(0, 255) as u8);
        }
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        let wait = deadline - now;
        let ts = rustix::time::Timespec {
            tv_sec: wait.as_secs() as i64,
            tv_nsec: i64::from(wait.subsec_nanos()),
        };
        let mut fds = [PollFd::new(&signals, PollFlags::IN)];
        let _ = poll(&mut fds, Some(&ts));
    }
    if o.leave {
        say(
            o,
            format_args!(
                "time-out after {:?}: {} left running (-a)",
                o.timeout, o.argv[0]
            ),
        );
        return Ok(o.code);
    }
    let sig = o.signal.unwrap_or(signals::SIGKILL);
    say(
        o,
        format_args!(
            "time-out after {:?}: killing {} with SIG{}",
            o.timeout,
            o.argv[0],
            signals::name(sig).unwrap_or("?")
        ),
    );
    timelimit::kill_all(pid, sig, &signals);
    Ok(o.code)
}
