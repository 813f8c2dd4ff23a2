//! Benchmark of pmfadm against the peers on this machine (issue 5). Run
//! through `tools/bench-pmfadm`, as root.
//!
//! Every supervisor restarts the same `stamp` service (tools/stamp.c, no
//! libc) in the foreground, which writes CLOCK_MONOTONIC at its first
//! instruction: latency = that stamp minus the time just before `kill -9`.
//! Also the supervisors' RSS/PSS, and the machine's floor (kill → pidfd →
//! posix_spawn with no supervisor logic).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn mono_ns() -> u128 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    t.tv_sec as u128 * 1_000_000_000 + t.tv_nsec as u128
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stamps(file: &Path) -> Vec<u128> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.parse().ok())
        .collect()
}

fn wait_until<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
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
fn processes() -> Vec<(i32, i32, String)> {
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

/// The child of `parent` whose command line holds `part`.
fn child_with(parent: i32, part: &str) -> Option<i32> {
    processes()
        .into_iter()
        .find(|(_, pp, c)| *pp == parent && c.contains(part))
        .map(|p| p.0)
}

/// (Rss, Pss) in kB.
fn rss_pss(pid: i32) -> (u64, u64) {
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

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

fn max(v: &[f64]) -> f64 {
    v.iter().cloned().fold(f64::NAN, f64::max)
}

/// Kills the service `kills` times; kill → new stamp latencies in ms.
fn kill_loop(file: &Path, kills: usize, find: &dyn Fn() -> Option<i32>, gap: Duration) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..kills {
        let Some(pid) = wait_until(Duration::from_secs(10), find) else {
            eprintln!("  service not found before kill {i}");
            break;
        };
        let before = stamps(file).len();
        let t0 = mono_ns();
        mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL).unwrap();
        let Some(stamp) = wait_until(Duration::from_secs(10), || {
            stamps(file).get(before).copied()
        }) else {
            eprintln!("  no restart after kill {i}");
            break;
        };
        out.push(stamp.saturating_sub(t0) as f64 / 1e6);
        std::thread::sleep(gap);
    }
    out
}

struct Row {
    name: String,
    lat: Vec<f64>,
    rss: u64,
    pss: u64,
}

fn peer(name: &str, dir: &Path, stamp: &Path, kills: usize, gap: Duration) -> Option<Row> {
    let sub = dir.join(name);
    let sv = sub.join("sv");
    std::fs::create_dir_all(&sv).unwrap();
    let file = sub.join("stamps");
    let run = sv.join("run");
    std::fs::write(
        &run,
        format!("#!/bin/sh\nexec {} {}\n", stamp.display(), file.display()),
    )
    .unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = Command::new(name)
        .arg(&sv)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let sup = child.id() as i32;
    let file_s = file.display().to_string();
    let find = || child_with(sup, &file_s);
    wait_until(Duration::from_secs(10), find)?;
    std::thread::sleep(gap);
    let (rss, pss) = rss_pss(sup);
    let lat = kill_loop(&file, kills, &find, gap);
    let _ = child.kill();
    let _ = child.wait();
    if let Some(p) = find() {
        let _ = mamori::sys::signals::kill(p, mamori::sys::signals::SIGKILL);
    }
    Some(Row {
        name: name.into(),
        lat,
        rss,
        pss,
    })
}

fn floor(dir: &Path, stamp: &Path, kills: usize) -> Vec<f64> {
    use rustix::event::{PollFd, PollFlags, poll};
    let file = dir.join("stamps-floor");
    let file_s = file.display().to_string();
    let cmd = mamori::sys::spawn::Command::new([stamp.to_str().unwrap(), file_s.as_str()]).unwrap();
    let mut out = Vec::new();
    let mut pid = cmd.spawn().unwrap();
    wait_until(Duration::from_secs(5), || {
        (!stamps(&file).is_empty()).then_some(())
    });
    for _ in 0..kills {
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
        pid = cmd.spawn().unwrap();
        let _ = mamori::sys::spawn::reap_any();
        if let Some(s) = wait_until(Duration::from_secs(5), || {
            stamps(&file).get(before).copied()
        }) {
            out.push((s - t0) as f64 / 1e6);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = mamori::sys::signals::kill(pid, mamori::sys::signals::SIGKILL);
    let _ = mamori::sys::spawn::reap_any();
    out
}

fn main() {
    let kills = env_num("BENCH_KILLS", 100);
    let peer_kills = env_num("BENCH_PEER_KILLS", 20);
    let exe = std::env::current_exe().unwrap();
    let mamori = exe.parent().unwrap().parent().unwrap().join("mamori");
    let stamp =
        PathBuf::from(std::env::var_os("BENCH_STAMP").expect("BENCH_STAMP: built tools/stamp.c"));
    let dir = std::env::temp_dir().join(format!("mamori-bench-pmf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let key = format!("0x6dbe{:04x}", std::process::id() & 0xffff);
    // A real syslog socket, drained by a thread, as on a real node.
    let log_path = dir.join("log.sock");
    let log_sock = std::os::unix::net::UnixDatagram::bind(&log_path).unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while log_sock.recv(&mut buf).is_ok() {}
    });
    let size = std::fs::metadata(&mamori).map(|m| m.len()).unwrap_or(0);
    println!(
        "# pmfadm benchmark ({kills} kills for pmfadm, {peer_kills} per peer; binary {} kB)\n",
        size / 1024
    );

    // pmfadm: the stamp runs in the foreground under a supervisor.
    let file = dir.join("stamps-pmfadm");
    let file_s = file.display().to_string();
    let pmfadm = |args: &[&str]| {
        Command::new(&mamori)
            .arg("pmfadm")
            .args(args)
            .env("MAMORI_PMF_IPCKEY", &key)
            .env("MAMORI_SYSLOG_SOCKET", &log_path)
            .output()
            .unwrap()
    };
    let out = pmfadm(&["-c", "bench", "-n", "-1", stamp.to_str().unwrap(), &file_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&pmfadm(&["-l", "bench"]).stdout).into_owned();
    let sup: i32 = list
        .lines()
        .find_map(|l| l.trim().strip_prefix("supervisor: "))
        .and_then(|v| v.parse().ok())
        .expect("supervisor pid");
    let find = || child_with(sup, &file_s);
    wait_until(Duration::from_secs(5), find).expect("stamp did not start");
    std::thread::sleep(Duration::from_millis(200));
    let (rss0, pss0) = rss_pss(sup);
    let lat = kill_loop(&file, kills, &find, Duration::from_millis(10));
    let (rss1, pss1) = rss_pss(sup);
    let _ = pmfadm(&["-s", "bench", "-w", "2", "KILL"]);
    let _ = Command::new("ipcrm")
        .args(["-M", &key, "-S", &key])
        .status();

    let fl = floor(&dir, &stamp, kills);
    let mut rows = vec![Row {
        name: "mamori pmfadm (supervisor)".into(),
        lat,
        rss: rss1,
        pss: pss1,
    }];
    for (name, gap) in [
        ("runsv", Duration::from_millis(1100)),
        ("s6-supervise", Duration::from_millis(300)),
    ] {
        match peer(name, &dir, &stamp, peer_kills, gap) {
            Some(r) => rows.push(r),
            None => println!("{name}: not installed or did not start"),
        }
    }

    let pm = median(&rows[0].lat);
    println!("## kill -9 → restarted service's first instruction (tools/stamp.c), same run\n");
    println!(
        "| supervisor | kills | median ms | max ms | ratio to pmfadm (median) | supervisor RSS kB | supervisor PSS kB |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| floor: kill → pidfd → posix_spawn, no supervisor | {} | {:.3} | {:.3} | {:.2}× | — | — |",
        fl.len(),
        median(&fl),
        max(&fl),
        median(&fl) / pm
    );
    for r in &rows {
        println!(
            "| {} | {} | {:.3} | {:.3} | {:.1}× | {} | {} |",
            r.name,
            r.lat.len(),
            median(&r.lat),
            max(&r.lat),
            median(&r.lat) / pm,
            r.rss,
            r.pss
        );
    }
    println!(
        "\n- pmfadm supervisor before the kills: RSS {rss0} kB, PSS {pss0} kB; after {} restarts: RSS {rss1} kB, PSS {pss1} kB",
        rows[0].lat.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
