//! `mamori probe smb|nfs|proc …`: one check with the monitoring-plugins
//! conventions (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; one line
//! `SERVICE STATE - text | perfdata`), usable as a Nagios/Icinga plugin
//! or a Kubernetes exec probe. The checks are the monitors' own probes.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::applets::clp_nfsmon::NfsProbe;
use crate::applets::clp_sambamon::SambaProbe;
use crate::args::{Cursor, is_opt};
use crate::fsmon::monitor::Probe;
use crate::fsmon::options::{self, ParamError};
use crate::probe::nfs::Version;

const USAGE: &str = "\
usage: mamori probe smb -s SHARE [-a IP[:PORT]] [-u USER [-p @FILE] [-e]] [-w SEC] [-c SEC] [-t SEC]
       mamori probe nfs -d DIR [-a IP[:PORT]] [-n PORT] [-V 3|4] [-w SEC] [-c SEC] [-t SEC]
       mamori probe proc NAME [-n MIN[:MAX]]

smb: an SMB session and tree connect to SHARE (default server 127.0.0.1:445);
nfs: the MOUNT/NFS check of export DIR (default server 127.0.0.1, portmapper :111);
proc: how many processes named NAME run (comm or argv[0] basename, as pcheck
finds them); default range 1: (at least one).
-w/-c: response time (seconds, fractions allowed) above which the result is
WARNING/CRITICAL; -t: time limit of each request (default 10 s): exceeded is
CRITICAL. Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad arguments).
The password for -u: -p @FILE (mode 0600) or MAMORI_SMB_PASSWORD. smb -e:
always SMB3-encrypt (else only when the server or share requires it).";

crate::exit_statuses! {
    /// The monitoring-plugins exit codes.
    pub enum State {
        Ok = 0,
        Warning = 1,
        Critical = 2,
        Unknown = 3,
    }
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Ok => "OK",
            State::Warning => "WARNING",
            State::Critical => "CRITICAL",
            State::Unknown => "UNKNOWN",
        }
    }
}

/// Options common to smb and nfs.
struct Timing {
    warn: Option<f64>,
    crit: Option<f64>,
    timeout: Duration,
}

pub fn main(mut args: Cursor) -> ExitCode {
    let Some(kind) = args.next() else {
        return unknown("PROBE", "give smb, nfs or proc");
    };
    match kind.as_str() {
        "smb" => smb(args),
        "nfs" => nfs(args),
        "proc" => proc(args),
        "-h" | "--help" => {
            println!("{USAGE}");
            State::Ok.into()
        }
        other => unknown(
            "PROBE",
            &format!("unknown probe {other:?} (smb, nfs or proc)"),
        ),
    }
}

fn unknown(service: &str, why: &str) -> ExitCode {
    println!("{service} UNKNOWN - {why}");
    State::Unknown.into()
}

fn seconds(opt: &str, v: &str) -> Result<f64, ParamError> {
    match crate::args::seconds(v).map(|d| d.as_secs_f64()) {
        Some(s) if s > 0.0 && s <= 10000.0 => Ok(s),
        _ => Err(ParamError::invalid(format!(
            "{opt} {v:?}: seconds, above 0 and at most 10000"
        ))),
    }
}

/// Takes -w, -c and -t; `Ok(false)` for another word.
fn timing(t: &mut Timing, w: &str, args: &mut Cursor) -> Result<bool, ParamError> {
    if is_opt(w, "-w") {
        t.warn = Some(seconds("-w", &options::value(args, w, "-w")?)?);
    } else if is_opt(w, "-c") {
        t.crit = Some(seconds("-c", &options::value(args, w, "-c")?)?);
    } else if is_opt(w, "-t") {
        t.timeout = Duration::from_secs_f64(seconds("-t", &options::value(args, w, "-t")?)?);
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// The state and line of a timed check.
fn verdict(service: &str, what: &str, t: &Timing, r: Result<Duration, String>) -> ExitCode {
    let perf = |d: Duration| {
        let th = |x: Option<f64>| x.map(|s| format!("{s}")).unwrap_or_default();
        format!(
            "time={:.6}s;{};{};0",
            d.as_secs_f64(),
            th(t.warn),
            th(t.crit)
        )
    };
    match r {
        Ok(d) => {
            let s = d.as_secs_f64();
            let state = if t.crit.is_some_and(|c| s > c) {
                State::Critical
            } else if t.warn.is_some_and(|w| s > w) {
                State::Warning
            } else {
                State::Ok
            };
            println!(
                "{service} {} - {what} in {:.1} ms | {}",
                state.name(),
                s * 1000.0,
                perf(d)
            );
            state.into()
        }
        Err(why) => {
            println!("{service} CRITICAL - {what}: {why}");
            State::Critical.into()
        }
    }
}

fn smb(mut args: Cursor) -> ExitCode {
    let mut t = Timing {
        warn: None,
        crit: None,
        timeout: Duration::from_secs(10),
    };
    let (mut share, mut addr, mut user, mut pwfile) = (None, None, None, None);
    let mut encryption = crate::probe::smb::Encryption::AsRequired;
    while let Some(w) = args.next() {
        let r = (|| -> Result<(), ParamError> {
            if timing(&mut t, &w, &mut args)? {
            } else if w == "-e" {
                encryption = crate::probe::smb::Encryption::Always;
            } else if is_opt(&w, "-s") {
                share = Some(options::text("-s", options::value(&mut args, &w, "-s")?)?);
            } else if is_opt(&w, "-a") {
                addr = Some(options::address(
                    &options::value(&mut args, &w, "-a")?,
                    445,
                )?);
            } else if is_opt(&w, "-u") {
                user = Some(options::text("-u", options::value(&mut args, &w, "-u")?)?);
            } else if is_opt(&w, "-p") {
                let v = options::value(&mut args, &w, "-p")?;
                let Some(f) = v.strip_prefix('@') else {
                    return Err(ParamError::invalid(
                        "-p takes @FILE only (a password never goes on a command line)",
                    ));
                };
                pwfile = Some(f.to_string());
            } else {
                return Err(ParamError::invalid(format!("unexpected argument {w:?}")));
            }
            Ok(())
        })();
        if let Err(e) = r {
            return unknown("SMB", &e.detail);
        }
    }
    let Some(share) = share else {
        return unknown("SMB", "-s SHARE is required");
    };
    let target = addr.unwrap_or(std::net::SocketAddr::from(([127, 0, 0, 1], 445)));
    let password = match (&user, pwfile) {
        (None, Some(_)) => return unknown("SMB", "-p needs -u USER"),
        (Some(_), Some(f)) => match crate::applets::clp_sambamon::read_password_file(&f) {
            Ok(p) => p,
            Err(e) => return unknown("SMB", &e.detail),
        },
        (Some(_), None) => std::env::var_os(crate::applets::clp_sambamon::PASSWORD_ENV)
            .map(|v| v.into_encoded_bytes())
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    let what = if target.port() == 445 {
        format!("//{}/{share} tree connect", target.ip())
    } else {
        format!("//{target}/{share} tree connect")
    };
    let mut probe = SambaProbe {
        target,
        share,
        user,
        password,
        timeout: t.timeout,
        encryption,
    };
    let start = Instant::now();
    let r = probe
        .check()
        .map(|()| start.elapsed())
        .map_err(|f| f.to_string());
    verdict("SMB", &what, &t, r)
}

fn nfs(mut args: Cursor) -> ExitCode {
    let mut t = Timing {
        warn: None,
        crit: None,
        timeout: Duration::from_secs(10),
    };
    let (mut dir, mut addr, mut port, mut version) = (None, None, None, Version::Auto);
    while let Some(w) = args.next() {
        let r = (|| -> Result<(), ParamError> {
            if timing(&mut t, &w, &mut args)? {
            } else if is_opt(&w, "-d") {
                dir = Some(options::text("-d", options::value(&mut args, &w, "-d")?)?);
            } else if is_opt(&w, "-a") {
                addr = Some(options::address(
                    &options::value(&mut args, &w, "-a")?,
                    111,
                )?);
            } else if is_opt(&w, "-n") {
                port = Some(options::port("-n", &options::value(&mut args, &w, "-n")?)?);
            } else if is_opt(&w, "-V") {
                version = match options::value(&mut args, &w, "-V")?.as_str() {
                    "3" => Version::V3,
                    "4" => Version::V4,
                    v => return Err(ParamError::invalid(format!("-V {v:?}: 3 or 4"))),
                };
            } else {
                return Err(ParamError::invalid(format!("unexpected argument {w:?}")));
            }
            Ok(())
        })();
        if let Err(e) = r {
            return unknown("NFS", &e.detail);
        }
    }
    let Some(dir) = dir else {
        return unknown("NFS", "-d DIR is required");
    };
    if !dir.starts_with('/') {
        return unknown("NFS", &format!("-d {dir:?}: an absolute path"));
    }
    let server = addr.unwrap_or(std::net::SocketAddr::from(([127, 0, 0, 1], 111)));
    let what = format!("{}:{dir} mount", server.ip());
    let mut probe = NfsProbe {
        server,
        nfs_port: port,
        dir,
        version,
        timeout: t.timeout,
        reserved_port: crate::sys::is_root(),
    };
    let start = Instant::now();
    let r = probe
        .check()
        .map(|()| start.elapsed())
        .map_err(|f| f.to_string());
    verdict("NFS", &what, &t, r)
}

fn proc(mut args: Cursor) -> ExitCode {
    let Some(name) = args.next().filter(|n| !n.starts_with('-')) else {
        return unknown("PROCS", "give the process NAME first");
    };
    let (mut min, mut max) = (1u64, None);
    while let Some(w) = args.next() {
        if !is_opt(&w, "-n") {
            return unknown("PROCS", &format!("unexpected argument {w:?}"));
        }
        let v = match options::value(&mut args, &w, "-n") {
            Ok(v) => v,
            Err(e) => return unknown("PROCS", &e.detail),
        };
        let (lo, hi) = match v.split_once(':') {
            Some((lo, hi)) => (lo, Some(hi)),
            None => (v.as_str(), None),
        };
        let num = |s: &str| s.parse::<u64>().ok();
        match (
            num(lo),
            hi.map(|h| if h.is_empty() { None } else { num(h) }),
        ) {
            (Some(l), None) => (min, max) = (l, None),
            (Some(l), Some(None)) if hi == Some("") => (min, max) = (l, None),
            (Some(l), Some(Some(h))) if h >= l => (min, max) = (l, Some(h)),
            _ => {
                return unknown(
                    "PROCS",
                    &format!("-n {v:?}: MIN or MIN:MAX or MIN: (numbers, MIN <= MAX)"),
                );
            }
        }
    }
    let mut count = 0u64;
    let scan = crate::sys::procfs::Scanner::new().and_then(|mut s| {
        s.for_each(|p| {
            if !p.stat.is_gone() && crate::pcheck::name_matches(name.as_bytes(), p.comm, p.argv0) {
                count += 1;
            }
        })
    });
    if let Err(e) = scan {
        return unknown("PROCS", &format!("/proc: {e}"));
    }
    let range = match max {
        Some(h) => format!("{min}:{h}"),
        None => format!("{min}:"),
    };
    let state = if count < min || max.is_some_and(|h| count > h) {
        State::Critical
    } else {
        State::Ok
    };
    println!(
        "PROCS {} - {count} process{} named {name} (expected {range}) | procs={count};;{range};0",
        state.name(),
        if count == 1 { "" } else { "es" }
    );
    state.into()
}
