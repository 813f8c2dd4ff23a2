//! Benchmark of clp_sambamon and clp_nfsmon against the stock clients on
//! this machine, in one run (issues 3 and 4). Run through
//! `tools/bench-fsmon`, as root.
//!
//! Per check: wall time, CPU time (user + system) and memory. The
//! monitors run back to back (`MAMORI_FSMON_INTERVAL_MS=0`) against a
//! real smbd and a real rpcbind + ganesha (in a private namespace); the
//! check count comes from the registry, CPU from /proc/PID/schedstat, RSS
//! from /proc/PID/smaps_rollup sampled every second, so RSS over 10,000
//! SMB checks shows whether it stays flat. The peers (`smbclient -c ls`,
//! `rpcinfo -t`, `showmount -e`) run N times in a loop under GNU time,
//! which reports their summed CPU and their largest RSS.
//!
//! `BENCH_SECTIONS` (default `smb,enc,nfs`) picks the tables; `enc` is
//! SMB3 encryption (issue 14): encrypted against plain user checks and
//! `smbclient --client-protection=encrypt`, all in the same run.

#[path = "../tests/servers/ganesha.rs"]
mod ganesha;
#[path = "../tests/servers/smbd.rs"]
mod smbd;

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mamori::fsmon::registry::Registry;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kb(pid: u32) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("Rss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn cpu_ns(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/schedstat"))
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// One row of the results.
struct Row {
    what: String,
    checks: usize,
    wall_ms: f64,
    cpu_ms: f64,
    rss: String,
}

/// Runs `cmd` `n` times under GNU time: per-run wall and CPU, max RSS.
fn peer(what: &str, cmd: &str, n: usize) -> Row {
    let script =
        format!("i=0; while [ $i -lt {n} ]; do {cmd} >/dev/null 2>&1 || exit 1; i=$((i+1)); done");
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M", "sh", "-c", &script])
        .stdout(Stdio::null())
        .output()
        .expect("GNU time");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what} failed: {err}");
    let f: Vec<f64> = err
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    Row {
        what: what.to_string(),
        checks: n,
        wall_ms: f[0] * 1000.0 / n as f64,
        cpu_ms: (f[1] + f[2]) * 1000.0 / n as f64,
        rss: format!("{} (max)", f[3] as u64),
    }
}

struct Bench {
    exe: PathBuf,
    key: String,
    sock: PathBuf,
    _log: UnixDatagram,
}

impl Bench {
    fn new() -> Bench {
        let exe = std::env::current_exe().unwrap();
        let exe = exe.parent().unwrap().parent().unwrap().join("mamori");
        let sock =
            std::env::temp_dir().join(format!("mamori-bench-fsmon-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&sock);
        let log = UnixDatagram::bind(&sock).unwrap();
        log.set_nonblocking(true).unwrap();
        Bench {
            exe,
            key: format!("0x6f{:06x}", std::process::id() & 0xffffff),
            sock,
            _log: log,
        }
    }

    fn drain(&self) {
        let mut buf = [0u8; 4096];
        while self._log.recv(&mut buf).is_ok() {}
    }

    fn cmd(&self, applet: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.exe);
        c.arg(applet)
            .args(args)
            .env("MAMORI_FSMON_IPCKEY", &self.key)
            .env("MAMORI_SYSLOG_SOCKET", &self.sock)
            .stdin(Stdio::null())
            .stdout(Stdio::null());
        c
    }

    fn checks(&self, id: &str) -> Option<u32> {
        let key = i32::from_str_radix(&self.key[2..], 16).unwrap();
        Registry::new(key)
            .find(id.as_bytes())
            .ok()
            .flatten()
            .map(|e| e.checks)
    }

    /// Runs a monitor back to back for `n` checks; samples RSS every second.
    fn monitor(&self, what: &str, applet: &str, id: &str, args: &[&str], n: usize) -> Row {
        let mut all = vec![id];
        all.extend_from_slice(args);
        let mut child = self
            .cmd(applet, &all)
            .env("MAMORI_FSMON_INTERVAL_MS", "0")
            .spawn()
            .unwrap();
        let pid = child.id();
        let start = Instant::now();
        while self.checks(id).unwrap_or(0) < 10 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{what}: no checks"
            );
            assert!(child.try_wait().unwrap().is_none(), "{what}: monitor ended");
            std::thread::sleep(Duration::from_millis(10));
        }
        let (c0, t0, cpu0) = (self.checks(id).unwrap(), Instant::now(), cpu_ns(pid));
        let mut samples = vec![rss_kb(pid)];
        let (c1, t1, cpu1) = loop {
            std::thread::sleep(Duration::from_secs(1));
            self.drain();
            samples.push(rss_kb(pid));
            let c = self.checks(id).unwrap();
            assert!(child.try_wait().unwrap().is_none(), "{what}: monitor ended");
            if (c - c0) as usize >= n {
                break (c, Instant::now(), cpu_ns(pid));
            }
        };
        let st = self.cmd(applet, &[id, "-stop", "10"]).status().unwrap();
        assert!(st.success());
        child.wait().unwrap();
        let done = (c1 - c0) as usize;
        let min = samples.iter().min().unwrap();
        let max = samples.iter().max().unwrap();
        Row {
            what: what.to_string(),
            checks: done,
            wall_ms: (t1 - t0).as_secs_f64() * 1000.0 / done as f64,
            cpu_ms: (cpu1 - cpu0) as f64 / 1e6 / done as f64,
            rss: format!(
                "{} → {} (min {min}, max {max}, {} samples)",
                samples[0],
                samples.last().unwrap(),
                samples.len()
            ),
        }
    }
}

fn table(title: &str, rows: &[Row]) {
    println!("\n### {title}\n");
    println!("| probe | checks | wall ms/check | CPU ms/check | RSS kB |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {:.3} | {:.3} | {} |",
            r.what, r.checks, r.wall_ms, r.cpu_ms, r.rss
        );
    }
    let mamori = &rows[0];
    for r in &rows[1..] {
        println!(
            "\n{}: {:.1}× the CPU and {:.1}× the wall time of {} per check.",
            r.what,
            r.cpu_ms / mamori.cpu_ms,
            r.wall_ms / mamori.wall_ms,
            mamori.what
        );
    }
}

fn main() {
    let peers_n = env_num("BENCH_PEER_RUNS", 100);
    let smb_n = env_num("BENCH_SMB_CHECKS", 10_000);
    let nfs_n = env_num("BENCH_NFS_CHECKS", 5_000);
    let b = Bench::new();
    println!(
        "## clp_sambamon / clp_nfsmon benchmark ({})",
        String::from_utf8_lossy(&Command::new("uname").arg("-sr").output().unwrap().stdout).trim()
    );
    println!(
        "\nmamori binary: {} bytes, static",
        std::fs::metadata(&b.exe).unwrap().len()
    );

    let sections = std::env::var("BENCH_SECTIONS").unwrap_or("smb,enc,nfs".into());
    let on = |name: &str| sections.split(',').any(|s| s == name);
    let s = smbd::Smbd::start("bench", 27451, &[]);
    let a = format!("127.0.0.1:{}", s.port);
    let p = s.port.to_string();
    let pw = format!("{}%{}", smbd::USER, smbd::PASSWORD);
    let user = ["-u", smbd::USER, "-p", smbd::PASSWORD];
    if on("enc") {
        let enc = smbd::Smbd::start_with(
            "benchenc",
            27452,
            &[],
            &[("private", "smb encrypt = required")],
        );
        let ea = format!("127.0.0.1:{}", enc.port);
        let ep = enc.port.to_string();
        let args = |addr: &str, extra: &[&str]| -> Vec<String> {
            ["-s", "private", "-a", addr]
                .iter()
                .chain(user.iter())
                .chain(extra)
                .map(|s| s.to_string())
                .collect()
        };
        let run = |what: &str, id: &str, v: Vec<String>| {
            let v: Vec<&str> = v.iter().map(String::as_str).collect();
            b.monitor(what, "clp_sambamon", id, &v, smb_n / 5)
        };
        let rows = vec![
            run(
                "clp_sambamon -u [private], share encrypted (AES-128-GCM)",
                "be1",
                args(&ea, &[]),
            ),
            run("clp_sambamon -u [private], plain", "be2", args(&a, &[])),
            run(
                "clp_sambamon -u -e [private], server not asking",
                "be3",
                args(&a, &["-e"]),
            ),
            peer(
                "smbclient --client-protection=encrypt -U smbtest%pw -c ls (encrypted share)",
                &format!(
                    "smbclient --client-protection=encrypt -U {pw} -p {ep} //127.0.0.1/private -c ls"
                ),
                peers_n,
            ),
            peer(
                "smbclient -U smbtest%pw -c ls (plain)",
                &format!("smbclient -U {pw} -p {p} //127.0.0.1/private -c ls"),
                peers_n,
            ),
        ];
        table("Samba, SMB3 encryption (user share, SMB 3.1.1)", &rows);
    }
    if !on("smb") {
        drop(s);
    } else {
        let rows = vec![
            b.monitor(
                "clp_sambamon guest [pub]",
                "clp_sambamon",
                "bs1",
                &["-s", "pub", "-a", &a],
                smb_n,
            ),
            peer(
                "smbclient -N //127.0.0.1/pub -c ls",
                &format!("smbclient -N -p {p} //127.0.0.1/pub -c ls"),
                peers_n,
            ),
        ];
        table("Samba, guest share (SMB 3.1.1)", &rows);
        let rows = vec![
            b.monitor(
                "clp_sambamon -u smbtest [private]",
                "clp_sambamon",
                "bs2",
                &[
                    "-s",
                    "private",
                    "-a",
                    &a,
                    "-u",
                    smbd::USER,
                    "-p",
                    smbd::PASSWORD,
                ],
                smb_n / 5,
            ),
            peer(
                "smbclient -U smbtest%pw //127.0.0.1/private -c ls",
                &format!("smbclient -U {pw} -p {p} //127.0.0.1/private -c ls"),
                peers_n,
            ),
        ];
        table("Samba, user share (NTLMv2, SMB 3.1.1)", &rows);
        drop(s);
    }
    if !on("nfs") {
        let _ = std::fs::remove_file(&b.sock);
        return;
    }

    let g = ganesha::Peers::start(ganesha::Protocols::V3V4);
    let e = g.export();
    let rows = vec![
        b.monitor(
            "clp_nfsmon (GETPORT×2, MNT, GETATTR, UMNT)",
            "clp_nfsmon",
            "bn1",
            &["-d", &e, "-a", "127.0.0.1"],
            nfs_n,
        ),
        peer(
            "rpcinfo -t 127.0.0.1 nfs 3",
            "rpcinfo -t 127.0.0.1 nfs 3",
            peers_n,
        ),
        peer("showmount -e 127.0.0.1", "showmount -e 127.0.0.1", peers_n),
    ];
    table("NFS v3 export (rpcbind + nfs-ganesha)", &rows);
    let rows = vec![
        b.monitor(
            "clp_nfsmon -V 4 (COMPOUND)",
            "clp_nfsmon",
            "bn2",
            &["-d", &e, "-a", "127.0.0.1", "-V", "4"],
            nfs_n,
        ),
        peer("showmount -e 127.0.0.1", "showmount -e 127.0.0.1", peers_n),
    ];
    table("NFSv4 export", &rows);
    drop(g);
    let _ = std::fs::remove_file(&b.sock);
}
