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
use std::time::Duration;

#[path = "bench_util.rs"]
mod util;
use util::*;

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
    let (rss, pss) = rss_pss(sup as u32);
    let lat = kill_loop(&file, kills, &find, &mut |_, _| std::thread::sleep(gap));
    let _ = child.kill();
    let _ = child.wait();
    kill_all_with(&file_s);
    Some(Row {
        name: name.into(),
        lat,
        rss,
        pss,
    })
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
            // Kills 10 ms apart would all be young deaths and meet the
            // crash-loop back-off: count only runs under 5 ms as young, so
            // every kill takes the restart-at-once path of a death after a
            // long run, which is what this measures.
            .env("MAMORI_PMF_YOUNG_MS", "5")
            .output()
            .unwrap()
    };
    let out = pmfadm(&["-c", "bench", "-n", "-1", stamp.to_str().unwrap(), &file_s]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sup = supervisor_pid(&pmfadm(&["-l", "bench"]));
    let find = || child_with(sup, &file_s);
    wait_until(Duration::from_secs(5), find).expect("stamp did not start");
    std::thread::sleep(Duration::from_millis(200));
    let (rss0, pss0) = rss_pss(sup as u32);
    let lat = kill_loop(&file, kills, &find, &mut |_, _| {
        std::thread::sleep(Duration::from_millis(10))
    });
    let (rss1, pss1) = rss_pss(sup as u32);
    let _ = pmfadm(&["-s", "bench", "-w", "2", "KILL"]);
    remove_ipc(&key);

    let fl = floor(&dir, &stamp, kills, false);
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
