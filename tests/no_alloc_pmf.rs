//! Proof that a pmfadm supervisor's loop allocates nothing once started:
//! a counting global allocator around real deaths (of the program and of
//! its child, tracked by fork depth), restarts, a `-k` command through the
//! registry mailbox and idle turns, in-process, with the kernel's event
//! connector and with the /proc fallback; each with no event registry and
//! with handlers registered for pmf/restarted and allclass, which must run
//! (each writes a line) while the loop still allocates nothing: only the
//! forked runner may.

#[path = "common/counting.rs"]
mod counting;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::{Duration, Instant};

use mamori::pmf::registry::{self, Registry, cmd};
use mamori::pmf::{Config, Supervisor};
use mamori::sys::procfs::Scanner;
use mamori::sys::signals;
use mamori::sys::syslog::Syslog;

fn find(scanner: &mut Scanner, name: &[u8]) -> Option<i32> {
    let mut found = None;
    scanner
        .for_each(|p| {
            if p.argv0 == name {
                found = Some(p.pid);
            }
        })
        .unwrap();
    found
}

/// Reads every queued log line; true when one contains `needle`. The
/// socket holds only `net.unix.max_dgram_qlen` (10) lines, and the
/// supervisor drops a line rather than block: lines left queued (the
/// handlers' runners log too) would make it drop the next one waited for.
fn drain_log(log: &UnixDatagram, needle: &[u8]) -> bool {
    let mut buf = [0u8; 2048];
    let mut found = false;
    while let Ok(n) = log.recv(&mut buf) {
        found |= needle.is_empty() || buf[..n].windows(needle.len()).any(|w| w == needle);
    }
    found
}

/// Turns the loop until a log line containing `needle` arrives.
fn turn_until(sup: &mut Supervisor, log: &UnixDatagram, needle: &[u8], limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        assert!(sup.run_once(Some(Duration::from_millis(20))).is_none());
        if drain_log(log, needle) {
            return true;
        }
    }
    false
}

/// Turns the loop until `name` runs (as a process other than `not`).
fn turn_until_running(
    sup: &mut Supervisor,
    scanner: &mut Scanner,
    log: &UnixDatagram,
    name: &[u8],
    not: Option<i32>,
) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        assert!(sup.run_once(Some(Duration::from_millis(5))).is_none());
        drain_log(log, b"");
        if let Some(pid) = find(scanner, name).filter(|&p| Some(p) != not) {
            return pid;
        }
    }
    panic!("{} did not start", String::from_utf8_lossy(name));
}

/// Five kill cycles and a -k command, with the registry `events` (a
/// directory that does not exist: none); returns the nametag and the
/// allocations counted.
fn cycles(connector: bool, events: &Path, key: i32, log: &UnixDatagram) -> (String, usize) {
    let with = events.exists();
    let round = format!("{}{}", u8::from(connector), if with { "e" } else { "" });
    let name = format!("mdtnoallocpmf{}{round}", std::process::id());
    let child = format!("{name}a");
    // SAFETY: single-threaded; nothing else reads the environment now.
    unsafe {
        if connector {
            std::env::remove_var("MAMORI_PMF_NO_CONNECTOR");
        } else {
            std::env::set_var("MAMORI_PMF_NO_CONNECTOR", "1");
        }
        std::env::set_var("MAMORI_EVENTS_DIR", events);
    }
    let cfg = Config {
        tag: format!("noalloc{round}"),
        argv: vec![
            "/bin/bash".into(),
            "-c".into(),
            format!("(exec -a {child} sleep 100000) & exec -a {name} sleep 100000"),
        ],
        action: None,
        env: None,
        retries: -1,
        period_min: -1,
        level: -1,
        owner_uid: 0,
    };
    let reg = Registry::new(key);
    let mut sup = Supervisor::start(&cfg, reg, Syslog::new("pmfd")).unwrap();
    assert_eq!(sup.uses_connector(), connector);
    let mut scanner = Scanner::new().unwrap();
    let mut parent = turn_until_running(&mut sup, &mut scanner, log, name.as_bytes(), None);
    let mut kid = turn_until_running(&mut sup, &mut scanner, log, child.as_bytes(), None);
    let mut side = Registry::new(key);
    let slot = side.find(&cfg.tag).unwrap().unwrap().slot;

    let cont = signals::parse("CONT").unwrap();
    let mark = counting::start();
    for _ in 0..5 {
        signals::kill(parent, signals::SIGKILL).unwrap();
        assert!(turn_until(
            &mut sup,
            log,
            b"ended (killed by signal 9)",
            Duration::from_secs(5)
        ));
        signals::kill(kid, signals::SIGKILL).unwrap();
        assert!(turn_until(
            &mut sup,
            log,
            b": restarted ",
            Duration::from_secs(5)
        ));
        parent = turn_until_running(&mut sup, &mut scanner, log, name.as_bytes(), Some(parent));
        kid = turn_until_running(&mut sup, &mut scanner, log, child.as_bytes(), Some(kid));
    }
    // `pmfadm -k TAG CONT` as pmfadm posts it, then idle turns.
    let me = mamori::sys::getpid();
    let seq = side
        .update(slot, |s| (true, s.mbox.post(cmd::SIGNAL, [cont, 0, 0], me)))
        .unwrap();
    signals::kill(mamori::sys::getpid(), signals::SIGUSR1).unwrap();
    let idle_until = Instant::now() + Duration::from_millis(200);
    while Instant::now() < idle_until {
        assert!(sup.run_once(Some(Duration::from_millis(20))).is_none());
    }
    let allocs = counting::stop(mark);
    let s = side.read(slot).unwrap();
    assert_eq!(s.mbox.answered(seq), Some(2), "-k answered: both signalled");
    assert_eq!(s.restarts, 5);

    let _ = signals::kill(parent, signals::SIGKILL);
    let _ = signals::kill(kid, signals::SIGKILL);
    sup.finish(mamori::pmf::End::Stopped);
    assert!(side.find(&cfg.tag).unwrap().is_none());
    while mamori::sys::spawn::reap_any().is_some() {}
    println!(
        "no_alloc_pmf: {} mode, {}: 5 kill/restart cycles, a -k command, idle turns: {allocs} allocations",
        if connector { "connector" } else { "/proc" },
        if with {
            "handlers registered"
        } else {
            "no registry"
        }
    );
    (cfg.tag, allocs)
}

/// A registry at `dir`: `pmf/restarted/restarted` and `allclass/every`,
/// each appending its name and arguments to `out`.
fn registry(dir: &Path, out: &Path) {
    for (sub, handler) in [("pmf/restarted", "restarted"), ("allclass", "every")] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        let h = d.join(handler);
        std::fs::write(
            &h,
            format!("#!/bin/sh\necho \"{handler} $*\" >> {}\n", out.display()),
        )
        .unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for d in ["", "pmf", "pmf/restarted", "allclass"] {
        std::fs::set_permissions(dir.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// What is wrong with the handlers' lines of nametag `tag` (waiting up to
/// 10 s for them): 5 `restarted` runs with sendevent's words, distinct
/// ids, and `allclass/every` run with the same words for each.
fn handler_errors(out: &Path, tag: &str) -> Vec<String> {
    let head = format!("-C pmf -E restarted -m mamori:pmfadm -n {tag} -s 2 -i ");
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines: Vec<String> = loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains(&format!(" -n {tag} ")))
            .map(String::from)
            .collect();
        if lines.len() >= 10 || Instant::now() >= deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut bad = Vec::new();
    let own: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("restarted "))
        .collect();
    let every: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("every "))
        .collect();
    let mut ids = std::collections::HashSet::new();
    for w in &own {
        match w.strip_prefix(&head) {
            Some(id) if !id.is_empty() && !id.contains(' ') => {
                ids.insert(id);
            }
            _ => bad.push(format!("{tag}: words {w:?}, not {head:?}ID")),
        }
        if !every.contains(w) {
            bad.push(format!("{tag}: allclass not run for {w:?}"));
        }
    }
    if own.len() != 5 || every.len() != 5 || ids.len() != 5 {
        bad.push(format!(
            "{tag}: {} restarted runs, {} allclass runs, {} distinct ids; 5 each expected",
            own.len(),
            every.len(),
            ids.len()
        ));
    }
    bad
}

fn main() {
    let dir = std::env::temp_dir().join(format!("mamori-noalloc-pmf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // As root the handlers' directories must not be writable by others.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let sock = dir.join("log.sock");
    let log = UnixDatagram::bind(&sock).unwrap();
    log.set_nonblocking(true).unwrap();
    // SAFETY: single-threaded; nothing else reads the environment now.
    unsafe { std::env::set_var("MAMORI_SYSLOG_SOCKET", &sock) };
    let key = 0x6f00_0000 | (std::process::id() as i32 & 0xffff);
    let none = dir.join("no-registry");
    let events = dir.join("events");
    let out = dir.join("handlers.out");
    let (_, a) = cycles(true, &none, key, &log);
    let (_, b) = cycles(false, &none, key, &log);
    registry(&events, &out);
    let (tag_c, c) = cycles(true, &events, key, &log);
    let (tag_d, d) = cycles(false, &events, key, &log);
    let mut bad = handler_errors(&out, &tag_c);
    bad.extend(handler_errors(&out, &tag_d));
    for b in &bad {
        println!("handlers: {b}");
    }
    Registry::new(key).destroy();
    let _ = std::fs::remove_dir_all(&dir);
    let _ = registry::SLOTS;
    if a + b + c + d != 0 || !bad.is_empty() {
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    println!("1 passed, 0 failed");
}
