//! Proof that pcheck's monitor loop allocates nothing after start-up: a
//! counting global allocator around real deaths, restarts, look-ups and
//! idle turns of the loop, in-process.

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

    let mark = counting::start();
    let mut cycles = 0;
    for _ in 0..5 {
        let pid = find(&mut scanner, name.as_bytes()).expect("daemon running");
        mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL).unwrap();
        assert!(turn_until(
            &mut monitor,
            &log,
            b"] Down",
            Duration::from_secs(5)
        ));
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
        cycles += 1;
    }
    // Idle turns: mailbox checks every 50 ms.
    let idle_until = Instant::now() + Duration::from_millis(300);
    while Instant::now() < idle_until {
        assert!(monitor.run_once(Some(Duration::from_millis(20))).is_none());
    }
    let allocs = counting::stop(mark);

    if let Some(pid) = find(&mut scanner, name.as_bytes()) {
        let _ = mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL);
    }
    monitor.finish(mamori::pcheck::End::Shutdown);
    let _ = std::fs::remove_dir_all(&dir);
    println!("no_alloc: {cycles} kill/restart cycles and idle turns: {allocs} allocations");
    if allocs != 0 {
        println!("0 passed, 1 failed");
        std::process::exit(1);
    }
    println!("1 passed, 0 failed");
}
