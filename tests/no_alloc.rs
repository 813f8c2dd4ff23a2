//! Proof that pcheck's monitor loop allocates nothing after start-up: a
//! counting global allocator around real deaths, restarts, look-ups and
//! idle turns of the loop, in-process; first with no event registry, then
//! with handlers registered for the events the kills raise (pcheck/down,
//! pcheck/restarted, allclass), which must run (each writes a line) while
//! the loop still allocates nothing: only the forked runner may.

#[path = "common/counting.rs"]
mod counting;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use mamori::pcheck::Monitor;
use mamori::sys::procfs::Scanner;
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

/// Turns the loop until a log line containing `needle` arrives.
fn turn_until(monitor: &mut Monitor, log: &UnixDatagram, needle: &[u8], limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 2048];
    while Instant::now() < deadline {
        assert!(monitor.run_once(Some(Duration::from_millis(20))).is_none());
        while let Ok(n) = log.recv(&mut buf) {
            if buf[..n].windows(needle.len()).any(|w| w == needle) {
                return true;
            }
        }
    }
    false
}

/// Five kill → Down → restart → Up cycles and idle turns; the
/// allocations they made.
fn cycles(monitor: &mut Monitor, scanner: &mut Scanner, log: &UnixDatagram, name: &str) -> usize {
    let mark = counting::start();
    for _ in 0..5 {
        let pid = find(scanner, name.as_bytes()).expect("daemon running");
        mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL).unwrap();
        assert!(turn_until(monitor, log, b"] Down", Duration::from_secs(5)));
        assert!(turn_until(
            monitor,
            log,
            b"Try to restart",
            Duration::from_secs(5)
        ));
        assert!(turn_until(monitor, log, b") Up", Duration::from_secs(5)));
    }
    // Idle turns: mailbox checks every 50 ms.
    let idle_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < idle_until {
        assert!(monitor.run_once(Some(Duration::from_millis(20))).is_none());
    }
    counting::stop(mark)
}

/// The lines of `out` once it has `n` (or after `limit`).
fn wait_lines(out: &std::path::Path, n: usize, limit: Duration) -> Vec<String> {
    let deadline = Instant::now() + limit;
    loop {
        let text = std::fs::read_to_string(out).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(String::from).collect();
        if lines.len() >= n || Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What is wrong with the handlers' lines: 5 `down` and 5 `restarted`
/// runs with sendevent's options word by word, and `allclass/every` run
/// for each of those 10 events with the same words.
fn handler_errors(lines: &[String], name: &str) -> Vec<String> {
    let mut bad = Vec::new();
    let mut own = Vec::new();
    let mut every = Vec::new();
    for l in lines {
        let words: Vec<&str> = l.split(' ').collect();
        match words.as_slice() {
            [h @ ("down" | "restarted"), rest @ ..] => own.push((h.to_string(), rest.join(" "))),
            ["every", rest @ ..] => every.push(rest.join(" ")),
            _ => bad.push(format!("unexpected line {l:?}")),
        }
    }
    for (event, sev) in [("down", 3), ("restarted", 1)] {
        let runs: Vec<&String> = own
            .iter()
            .filter(|(h, _)| h == event)
            .map(|(_, w)| w)
            .collect();
        if runs.len() != 5 {
            bad.push(format!("{event}: {} runs, not 5", runs.len()));
        }
        let head = format!("-C pcheck -E {event} -m mamori:pcheck -n {name} -s {sev} -i ");
        let mut ids = std::collections::HashSet::new();
        for w in runs {
            match w.strip_prefix(&head) {
                Some(id) if !id.is_empty() && !id.contains(' ') => {
                    ids.insert(id.to_string());
                }
                _ => bad.push(format!("{event}: words {w:?}, not {head:?}ID")),
            }
            if !every.contains(w) {
                bad.push(format!("allclass not run for {w:?}"));
            }
        }
        if ids.len() != 5 {
            bad.push(format!("{event}: {} distinct ids, not 5", ids.len()));
        }
    }
    if every.len() != 10 {
        bad.push(format!("allclass: {} runs, not 10", every.len()));
    }
    bad
}

fn main() {
    let dir = std::env::temp_dir().join(format!("mamori-noalloc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let name = format!("mdtnoalloc{}", std::process::id());
    let script = dir.join("r.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nsetsid /bin/bash -c 'exec -a {name} sleep 100000' </dev/null >/dev/null 2>&1 &\nexit 0\n"),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pfile = dir.join("pfile");
    let key = 0x6e00_0000 | (std::process::id() & 0xffff);
    std::fs::write(
        &pfile,
        format!(
            "IPCKEY 0x{key:08x}\nMSG_CHECK_INTERVAL 0.05\nMONITOR_INTERVAL 0.1\n{name}:{}:1:100000:continue\n",
            script.display()
        ),
    )
    .unwrap();
    let sock = dir.join("log.sock");
    let log = UnixDatagram::bind(&sock).unwrap();
    log.set_nonblocking(true).unwrap();
    // SAFETY: single-threaded; nothing else reads the environment now.
    unsafe {
        std::env::set_var("MAMORI_SYSLOG_SOCKET", &sock);
        std::env::set_var("MAMORI_DUMP_DIR", &dir);
    }

    // No registry: a directory that does not exist.
    // SAFETY: single-threaded; nothing else reads the environment now.
    unsafe { std::env::set_var("MAMORI_EVENTS_DIR", dir.join("no-registry")) };

    let config = mamori::pcheck::pfile::load(&pfile, false).unwrap();
    let mut monitor = Monitor::start(config, false, Syslog::new("pcheck")).unwrap();
    let mut scanner = Scanner::new().unwrap();
    assert!(turn_until(
        &mut monitor,
        &log,
        b"Try to restart",
        Duration::from_secs(5)
    ));
    assert!(turn_until(
        &mut monitor,
        &log,
        b") Up",
        Duration::from_secs(5)
    ));

    let plain = cycles(&mut monitor, &mut scanner, &log, &name);

    // The registry: a handler of each event and one of allclass, each
    // appending its name and arguments to `out`.
    let events = dir.join("events");
    let out = dir.join("handlers.out");
    for (sub, handler) in [
        ("pcheck/down", "down"),
        ("pcheck/restarted", "restarted"),
        ("allclass", "every"),
    ] {
        let d = events.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        let h = d.join(handler);
        std::fs::write(
            &h,
            format!("#!/bin/sh\necho \"{handler} $*\" >> {}\n", out.display()),
        )
        .unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for d in ["", "pcheck", "pcheck/down", "pcheck/restarted", "allclass"] {
        std::fs::set_permissions(events.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // SAFETY: single-threaded; nothing else reads the environment now.
    unsafe { std::env::set_var("MAMORI_EVENTS_DIR", &events) };
    let with = cycles(&mut monitor, &mut scanner, &log, &name);
    let lines = wait_lines(&out, 20, Duration::from_secs(10));

    if let Some(pid) = find(&mut scanner, name.as_bytes()) {
        let _ = mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL);
    }
    monitor.finish(mamori::pcheck::End::Shutdown);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "no_alloc: 5 kill/restart cycles and idle turns: {plain} allocations with no registry, {with} with handlers ({} handler runs)",
        lines.len()
    );
    let bad = handler_errors(&lines, &name);
    for b in &bad {
        println!("handlers: {b}");
    }
    if plain != 0 || with != 0 || !bad.is_empty() {
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    println!("1 passed, 0 failed");
}
