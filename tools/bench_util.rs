//! What the supervisor benchmarks share (included by bench_pcheck.rs and
//! bench_pmfadm.rs with `#[path]`): clocks, the stamp file, /proc look-ups,
//! memory figures, the kill loop and the machine's floor.
#![allow(dead_code)]

use std::path::Path;
use std::time::{Duration, Instant};

use rustix::event::{PollFd, PollFlags, poll};

pub fn mono_ns() -> u128 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u128 * 1_000_000_000 + t.tv_nsec as u128
}

pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The CLOCK_MONOTONIC stamps the service wrote, one per start.
pub fn stamps(file: &Path) -> Vec<u128> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect()
}

pub fn wait_until<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
}

/// Live (pid, ppid, cmdline) of every process.
pub fn processes() -> Vec<(i32, i32, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.first() == Some(&"Z") {
            continue;
        }
        let ppid = f.get(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        out.push((pid, ppid, String::from_utf8_lossy(&cmd).replace('\0', " ")));
    }
    out
}

/// A process whose command line holds `part`.
pub fn pid_with(part: &str) -> Option<i32> {
    processes()
        .into_iter()
        .find(|(_, _, c)| c.contains(part))
        .map(|p| p.0)
}

/// The child of `parent` whose command line holds `part`.
pub fn child_with(parent: i32, part: &str) -> Option<i32> {
    processes()
        .into_iter()
        .find(|(_, pp, c)| *pp == parent && c.contains(part))
        .map(|p| p.0)
}

/// Kills every process whose command line holds `part` (a service whose
/// supervisor was killed has been re-parented: look by name, not parent).
pub fn kill_all_with(part: &str) {
    for (pid, _, c) in processes() {
        if c.contains(part) {
            let _ = mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL);
        }
    }
}

/// (Rss, Pss) in kB.
pub fn rss_pss(pid: u32) -> (u64, u64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let get = |k: &str| {
        text.lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (get("Rss:"), get("Pss:"))
}

/// Removes the SysV segment and semaphore of `key` (`0x…`), if any are
/// left: a clean exit has removed them already, so no word when none is.
pub fn remove_ipc(key: &str) {
    let _ = std::process::Command::new("ipcrm")
        .args(["-M", key, "-S", key])
        .stderr(std::process::Stdio::null())
        .status();
}

/// CPU time on a CPU, ns (/proc/PID/schedstat, first field).
pub fn cpu_ns(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Page faults taken so far: (minor, major) (/proc/PID/stat fields 10, 12).
pub fn faults(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let f: Vec<u64> = stat
        .rsplit_once(')')
        .map(|(_, rest)| {
            rest.split_whitespace()
                .map(|v| v.parse().unwrap_or(0))
                .collect()
        })
        .unwrap_or_default();
    // After the name: state is field 3, minflt 10, majflt 12.
    (
        f.get(10 - 3).copied().unwrap_or(0),
        f.get(12 - 3).copied().unwrap_or(0),
    )
}

pub fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

pub fn max(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::NAN, f64::max)
}

/// Kills the live service once (`find` gives its pid): (kill → new stamp
/// in ms, the kill's CLOCK_MONOTONIC ns), or None, with a line naming
/// kill `what`, when it is not found or not restarted within 10 s.
pub fn kill_once(file: &Path, find: &dyn Fn() -> Option<i32>, what: &str) -> Option<(f64, u128)> {
    let Some(pid) = wait_until(Duration::from_secs(10), find) else {
        eprintln!("  service not found before kill {what}");
        return None;
    };
    let before = stamps(file).len();
    let t0 = mono_ns();
    mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL).unwrap();
    let Some(stamp) = wait_until(Duration::from_secs(10), || {
        stamps(file).get(before).copied()
    }) else {
        eprintln!("  no restart after kill {what}");
        return None;
    };
    Some(((stamp.saturating_sub(t0)) as f64 / 1e6, t0))
}

/// Kills the service `kills` times; returns kill → new stamp latencies in
/// ms. `find` gives the live service pid; `settle(i, t0)` runs after each
/// restart.
pub fn kill_loop(
    file: &Path,
    kills: usize,
    find: &dyn Fn() -> Option<i32>,
    settle: &mut dyn FnMut(usize, u128),
) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..kills {
        let Some((ms, t0)) = kill_once(file, find, &i.to_string()) else {
            break;
        };
        out.push(ms);
        settle(i, t0);
    }
    out
}

/// The machine's floor: kill → pidfd readable → posix_spawn of the same
/// stamp, with no supervisor logic. `daemon`: the service is a daemon this
/// process did not start and is restarted as `stamp FILE daemon` (pcheck's
/// case; the kernel's wake-up on a foreign exit costs more); otherwise it
/// is our own child (a supervisor's case, pmfadm's and runsv's).
pub fn floor(dir: &Path, stamp: &Path, kills: usize, daemon: bool) -> Vec<f64> {
    let file = dir.join(if daemon {
        "stamps-floor-daemon"
    } else {
        "stamps-floor-child"
    });
    let file_s = file.display().to_string();
    let mut words = vec![stamp.to_str().unwrap(), file_s.as_str()];
    if daemon {
        words.push("daemon");
    }
    let cmd = mamori::sys::spawn::Command::new(words)
        .unwrap()
        .new_session(daemon);
    let mut out = Vec::new();
    let mut child = cmd.spawn().unwrap();
    for _ in 0..kills {
        let pid = if daemon {
            let Some(pid) = wait_until(Duration::from_secs(5), || {
                pid_with(&format!("{file_s} daemon"))
            }) else {
                break;
            };
            pid
        } else {
            child
        };
        while mamori::sys::spawn::reap_any().is_some() {}
        let fd = rustix::process::pidfd_open(
            rustix::process::Pid::from_raw(pid).unwrap(),
            rustix::process::PidfdFlags::empty(),
        )
        .unwrap();
        let before = stamps(&file).len();
        let t0 = mono_ns();
        mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL).unwrap();
        let mut fds = [PollFd::new(&fd, PollFlags::IN)];
        poll(&mut fds, None).unwrap();
        child = cmd.spawn().unwrap();
        if let Some(s) = wait_until(Duration::from_secs(5), || {
            stamps(&file).get(before).copied()
        }) {
            out.push((s - t0) as f64 / 1e6);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = mamori::sys::signals::kill(child, mamori::sys::signals::SIGKILL);
    kill_all_with(&file_s);
    while mamori::sys::spawn::reap_any().is_some() {}
    out
}

/// The supervisor's pid in `pmfadm -l TAG` output (its `supervisor: PID`
/// line).
pub fn supervisor_pid(list: &std::process::Output) -> i32 {
    String::from_utf8_lossy(&list.stdout)
        .lines()
        .find_map(|l| l.trim().strip_prefix("supervisor: "))
        .and_then(|v| v.parse().ok())
        .expect("supervisor pid")
}
