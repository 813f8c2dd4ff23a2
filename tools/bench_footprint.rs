//! Resident memory of every long-running command in its steady state
//! (issue 15), for one or more builds of mamori in the same run. Run
//! through `tools/bench-footprint` (a table against a baseline build) or
//! `tools/footprint-check` (CI: fails past the bounds), as root.
//!
//! Each command runs from a fresh copy of the binary (a new file, so its
//! page cache is what a freshly installed binary has), once with the page
//! cache as the copy left it ("warm") and once after `sync; echo 3 >
//! /proc/sys/vm/drop_caches` ("cold"). RSS and PSS come from
//! /proc/PID/smaps_rollup after 10 restarts/checks ("early") and after
//! the full count ("steady"), so a growth shows. The commands: pcheck with
//! one PENT, a pmfadm supervisor, clp_sambamon (guest, signed and `-e`
//! encrypted SMB 3.1.1 sessions on a real smbd), clp_nfsmon (real rpcbind + nfs-ganesha in
//! a private namespace), `mamori init` as PID 1 of a PID namespace with
//! three respawn entries. Per build it also reports the median kill →
//! restart latency of pcheck and pmfadm and the CPU per SMB and NFS check.
//!
//! Environment: BENCH_BUILDS (`name=path,...`; default the release binary
//! next to this example), BENCH_RESTARTS (100), BENCH_CHECKS (10000),
//! BENCH_MODES (`warm,cold`), BENCH_STAMP (tools/stamp.c, built),
//! FOOTPRINT_MAX_RSS_KB / FOOTPRINT_MAX_BYTES: with either set, exit 1
//! when a steady RSS or a binary size is above it. BENCH_SMAPS=1 shows
//! each mapping's Rss, BENCH_PAGES=1 the pages that came or went between
//! the early and the steady measurement (stderr).

#[path = "bench_util.rs"]
mod bench_util;
#[path = "../tests/servers/ganesha.rs"]
mod ganesha;
#[path = "../tests/servers/smbd.rs"]
mod smbd;

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bench_util::*;
use mamori::fsmon::registry::Registry;

/// One measured command.
struct Row {
    build: String,
    mode: &'static str,
    what: String,
    early: (u64, u64),
    steady: (u64, u64),
    count: usize,
}

/// A process's RSS and PSS (kB) and, with BENCH_PAGES=1, its resident
/// pages.
#[derive(Default)]
struct Snap {
    kb: (u64, u64),
    pages: Vec<(u64, String)>,
}

fn snap(pid: u32) -> Snap {
    let kb = rss_pss(pid);
    mappings(pid);
    let pages = if std::env::var_os("BENCH_PAGES").is_some() {
        resident_pages(pid)
    } else {
        Vec::new()
    };
    Snap { kb, pages }
}

/// Every resident page of `pid` (its address, and its mapping's
/// permissions and name), from /proc/PID/maps and /proc/PID/pagemap
/// (bit 63: present). Reading them faults nothing in the process.
fn resident_pages(pid: u32) -> Vec<(u64, String)> {
    use std::io::{Read, Seek, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap_or_default();
    let Ok(mut pm) = std::fs::File::open(format!("/proc/{pid}/pagemap")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for l in maps.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        let Some((a, b)) = f.first().and_then(|r| r.split_once('-')) else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            continue;
        };
        let name = format!(
            "{} {}",
            f.get(1).unwrap_or(&""),
            f.get(5).unwrap_or(&"[anon]")
        );
        let n = ((end - start) / 4096) as usize;
        let mut buf = vec![0u8; n * 8];
        if pm.seek(SeekFrom::Start(start / 4096 * 8)).is_err() || pm.read_exact(&mut buf).is_err() {
            continue;
        }
        for (i, e) in buf.chunks_exact(8).enumerate() {
            if u64::from_le_bytes(e.try_into().unwrap()) >> 63 == 1 {
                out.push((start + i as u64 * 4096, name.clone()));
            }
        }
    }
    out
}

/// With BENCH_PAGES=1, the pages resident at `steady` but not at `early`
/// and the other way round (stderr): what a growth is made of. The
/// binary's are resolved with `addr2line -f -e` on a build that keeps
/// its symbols (the layout is the same: tools/hot-text builds one).
fn page_changes(early: &Snap, steady: &Snap) {
    if steady.pages.is_empty() {
        return;
    }
    eprintln!(
        "    resident pages {} → {}",
        early.pages.len(),
        steady.pages.len()
    );
    for (sign, a, b) in [("+", steady, early), ("-", early, steady)] {
        for (addr, name) in &a.pages {
            if !b.pages.iter().any(|(x, _)| x == addr) {
                eprintln!("    {sign} {addr:#x} {name}");
            }
        }
    }
}

struct Run {
    dir: PathBuf,
    stamp: PathBuf,
    log: PathBuf,
    restarts: usize,
    checks: usize,
    rows: Vec<Row>,
    /// (build, what, value) for the latency and CPU table.
    costs: Vec<(String, String, f64)>,
}

/// With BENCH_SMAPS=1, each mapping's Rss (stderr): where the memory is.
fn mappings(pid: u32) {
    if std::env::var_os("BENCH_SMAPS").is_none() {
        return;
    }
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut name = String::new();
    for l in text.lines() {
        if l.split_whitespace()
            .next()
            .is_some_and(|f| f.contains('-') && !f.ends_with(':'))
        {
            name = l.split_whitespace().skip(5).collect::<Vec<_>>().join(" ");
            name = format!("{} {name}", l.split_whitespace().nth(1).unwrap_or(""));
        } else if let Some(v) = l.strip_prefix("Rss:") {
            let kb = v.trim().trim_end_matches(" kB");
            if kb != "0" {
                eprintln!("    {kb:>5} kB {name}");
            }
        }
    }
}

/// A fresh copy of `bin` in its own directory; cold: page cache dropped.
fn fresh(dir: &Path, bin: &Path, tag: &str, cold: bool) -> PathBuf {
    let d = dir.join(tag);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let exe = d.join("mamori");
    std::fs::copy(bin, &exe).unwrap();
    if cold {
        let _ = Command::new("sync").status();
        std::fs::write("/proc/sys/vm/drop_caches", "3\n").expect("drop_caches (as root)");
    }
    exe
}

impl Run {
    fn pcheck(&mut self, build: &str, mode: &'static str, exe: &Path) {
        let d = exe.parent().unwrap();
        let file = d.join("stamps-pcheck");
        let file_s = file.display().to_string();
        let svc = d.join(format!("fp{}", std::process::id()));
        std::fs::copy(&self.stamp, &svc).unwrap();
        let key = format!("0x6dfe{:04x}", std::process::id() & 0xffff);
        let pfile = d.join("pfile");
        std::fs::write(
            &pfile,
            format!(
                "IPCKEY {key}\nMSG_CHECK_INTERVAL 5\nMONITOR_INTERVAL 1\n{}:{} {file_s} daemon:1:100000:continue\n",
                svc.file_name().unwrap().to_string_lossy(),
                svc.display()
            ),
        )
        .unwrap();
        Command::new(&svc)
            .arg(&file)
            .arg("daemon")
            .status()
            .unwrap();
        let mut pc = Command::new(exe)
            .args(["pcheck", "-f"])
            .arg(&pfile)
            .env("MAMORI_SYSLOG_SOCKET", &self.log)
            .env("MAMORI_DUMP_DIR", d)
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let find = || pid_with(&format!("{file_s} daemon"));
        std::thread::sleep(Duration::from_millis(300));
        let mut early = Snap::default();
        let pid = pc.id();
        let lat = kill_loop(&file, self.restarts, &find, &mut |i, _| {
            std::thread::sleep(Duration::from_millis(20));
            if i + 1 == 10 {
                early = snap(pid);
            }
        });
        std::thread::sleep(Duration::from_millis(200));
        let steady = snap(pid);
        let _ = mamori::sys::signals::kill(pid as i32, mamori::sys::signals::SIGTERM);
        let _ = pc.wait();
        kill_all_with(&file_s);
        remove_ipc(&key);
        self.push(build, mode, "pcheck, 1 PENT", early, steady, lat.len());
        if mode == "warm" {
            self.cost(build, "pcheck kill → restart, median ms", median(&lat));
        }
    }

    fn pmf(&mut self, build: &str, mode: &'static str, exe: &Path) {
        let d = exe.parent().unwrap();
        let file = d.join("stamps-pmf");
        let file_s = file.display().to_string();
        let key = format!("0x6dfd{:04x}", std::process::id() & 0xffff);
        let pmfadm = |args: &[&str]| {
            Command::new(exe)
                .arg("pmfadm")
                .args(args)
                .env("MAMORI_PMF_IPCKEY", &key)
                .env("MAMORI_SYSLOG_SOCKET", &self.log)
                // As tools/bench_pmfadm.rs: every kill takes the
                // restart-at-once path, not the crash-loop back-off.
                .env("MAMORI_PMF_YOUNG_MS", "5")
                .output()
                .unwrap()
        };
        let out = pmfadm(&[
            "-c",
            "fp",
            "-n",
            "-1",
            self.stamp.to_str().unwrap(),
            &file_s,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let sup = supervisor_pid(&pmfadm(&["-l", "fp"]));
        let find = || child_with(sup, &file_s);
        wait_until(Duration::from_secs(5), find).expect("service did not start");
        let mut early = Snap::default();
        let lat = kill_loop(&file, self.restarts, &find, &mut |i, _| {
            std::thread::sleep(Duration::from_millis(10));
            if i + 1 == 10 {
                early = snap(sup as u32);
            }
        });
        std::thread::sleep(Duration::from_millis(200));
        let steady = snap(sup as u32);
        let _ = pmfadm(&["-s", "fp", "-w", "2", "KILL"]);
        remove_ipc(&key);
        self.push(build, mode, "pmfadm supervisor", early, steady, lat.len());
        if mode == "warm" {
            self.cost(build, "pmfadm kill → restart, median ms", median(&lat));
        }
    }

    /// A monitor run back to back for `self.checks` checks.
    #[allow(clippy::too_many_arguments)]
    fn monitor(
        &mut self,
        build: &str,
        mode: &'static str,
        exe: &Path,
        what: &str,
        applet: &str,
        args: &[&str],
    ) {
        let key = format!("0x6fe{:05x}", std::process::id() & 0xfffff);
        let id = "fp1";
        let cmd = |extra: &[&str]| {
            let mut c = Command::new(exe);
            c.arg(applet)
                .arg(id)
                .args(extra)
                .env("MAMORI_FSMON_IPCKEY", &key)
                .env("MAMORI_SYSLOG_SOCKET", &self.log)
                .stdin(Stdio::null())
                .stdout(Stdio::null());
            c
        };
        let k = i32::from_str_radix(&key[2..], 16).unwrap();
        let checks = || {
            Registry::new(k)
                .find(id.as_bytes())
                .ok()
                .flatten()
                .map(|e| e.checks)
        };
        let mut child: Child = cmd(args)
            .env("MAMORI_FSMON_INTERVAL_MS", "0")
            .spawn()
            .unwrap();
        let pid = child.id();
        let start = Instant::now();
        let at = |n: u32, child: &mut Child| {
            while checks().unwrap_or(0) < n {
                assert!(
                    start.elapsed() < Duration::from_secs(600),
                    "{what}: too slow"
                );
                assert!(child.try_wait().unwrap().is_none(), "{what}: monitor ended");
                std::thread::sleep(Duration::from_millis(2));
            }
        };
        // Measured paused (`-pause`, then no check for 100 ms): idle between
        // checks as under a real interval, not in the middle of one.
        let idle = || {
            assert!(cmd(&["-pause"]).status().unwrap().success());
            let mut last = checks();
            loop {
                std::thread::sleep(Duration::from_millis(100));
                let now = checks();
                if now == last {
                    break;
                }
                last = now;
            }
            let m = snap(pid);
            assert!(cmd(&["-continue"]).status().unwrap().success());
            m
        };
        at(10, &mut child);
        let early = idle();
        let (c0, cpu0) = (checks().unwrap(), cpu_ns(pid));
        at(self.checks as u32, &mut child);
        let (c1, cpu1) = (checks().unwrap(), cpu_ns(pid));
        let steady = idle();
        assert!(cmd(&["-stop", "10"]).status().unwrap().success());
        let _ = child.wait();
        remove_ipc(&key);
        self.push(build, mode, what, early, steady, c1 as usize);
        if mode == "warm" && c1 > c0 {
            let per = (cpu1 - cpu0) as f64 / 1e6 / f64::from(c1 - c0);
            self.cost(build, &format!("{what}: CPU ms per check"), per);
        }
    }

    fn init(&mut self, build: &str, mode: &'static str, exe: &Path) {
        let d = exe.parent().unwrap();
        let files: Vec<String> = (0..3)
            .map(|i| d.join(format!("stamps-init{i}")).display().to_string())
            .collect();
        let tab: String = files
            .iter()
            .map(|f| format!("::respawn:{} {f}\n", self.stamp.display()))
            .collect();
        let inittab = d.join("inittab");
        std::fs::write(&inittab, tab).unwrap();
        let mut ns = Command::new("unshare")
            .args(["--pid", "--fork", "--mount-proc", "--"])
            .arg(exe)
            .arg("init")
            .arg("-c")
            .arg(&inittab)
            // sysvinit's throttle (10 starts in 120 s) would pause the
            // entry: a window short enough for back-to-back kills.
            .env("MAMORI_INIT_RESPAWN_WINDOW", "0.005")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let exe_s = exe.display().to_string();
        let unshare = ns.id() as i32;
        let init = wait_until(Duration::from_secs(5), || child_with(unshare, &exe_s))
            .expect("init did not start");
        let file = PathBuf::from(&files[0]);
        let find = || child_with(init, &files[0]);
        wait_until(Duration::from_secs(5), find).expect("respawn entry did not start");
        let mut early = Snap::default();
        let done = kill_loop(&file, self.restarts, &find, &mut |i, _| {
            std::thread::sleep(Duration::from_millis(20));
            if i + 1 == 10 {
                early = snap(init as u32);
            }
        });
        std::thread::sleep(Duration::from_millis(500));
        let steady = snap(init as u32);
        let _ = ns.kill();
        let _ = mamori::sys::signals::kill(init, mamori::sys::signals::SIGKILL);
        let _ = ns.wait();
        for f in &files {
            kill_all_with(f);
        }
        self.push(
            build,
            mode,
            "init (PID 1, 3 respawn)",
            early,
            steady,
            done.len(),
        );
    }

    fn push(
        &mut self,
        build: &str,
        mode: &'static str,
        what: &str,
        early: Snap,
        steady: Snap,
        count: usize,
    ) {
        eprintln!(
            "  {build} {mode} {what}: {:?} → {:?} after {count}",
            early.kb, steady.kb
        );
        page_changes(&early, &steady);
        let (early, steady) = (early.kb, steady.kb);
        self.rows.push(Row {
            build: build.into(),
            mode,
            what: what.into(),
            early,
            steady,
            count,
        });
    }

    fn cost(&mut self, build: &str, what: &str, v: f64) {
        self.costs.push((build.into(), what.into(), v));
    }
}

fn main() {
    let exe = std::env::current_exe().unwrap();
    let default = exe.parent().unwrap().parent().unwrap().join("mamori");
    let builds: Vec<(String, PathBuf)> = match std::env::var("BENCH_BUILDS") {
        Ok(v) => v
            .split(',')
            .map(|b| {
                let (n, p) = b.split_once('=').expect("BENCH_BUILDS: name=path,...");
                (n.to_string(), PathBuf::from(p))
            })
            .collect(),
        Err(_) => vec![("this".into(), default)],
    };
    let modes: Vec<&'static str> = std::env::var("BENCH_MODES")
        .unwrap_or_else(|_| "warm,cold".into())
        .split(',')
        .map(|m| if m == "cold" { "cold" } else { "warm" })
        .collect();
    let max_rss: Option<u64> = std::env::var("FOOTPRINT_MAX_RSS_KB")
        .ok()
        .and_then(|v| v.parse().ok());
    let max_bytes: Option<u64> = std::env::var("FOOTPRINT_MAX_BYTES")
        .ok()
        .and_then(|v| v.parse().ok());
    let dir = std::env::temp_dir().join(format!("mamori-footprint-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let stamp =
        PathBuf::from(std::env::var_os("BENCH_STAMP").expect("BENCH_STAMP: built tools/stamp.c"));
    let own = dir.join(format!("fps{}", std::process::id()));
    std::fs::copy(&stamp, &own).unwrap();
    // A real syslog socket, drained, as on a node.
    let log = dir.join("log.sock");
    let sock = UnixDatagram::bind(&log).unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while sock.recv(&mut buf).is_ok() {}
    });
    let mut run = Run {
        dir: dir.clone(),
        stamp: own,
        log,
        restarts: env_num("BENCH_RESTARTS", 100),
        checks: env_num("BENCH_CHECKS", 10_000),
        rows: Vec::new(),
        costs: Vec::new(),
    };

    let s = smbd::Smbd::start(
        "footprint",
        27461 + (std::process::id() % 500) as u16,
        &["server signing = mandatory"],
    );
    let addr = format!("127.0.0.1:{}", s.port);
    for (name, bin) in &builds {
        for &mode in &modes {
            let cold = mode == "cold";
            let tag = format!("{name}-{mode}");
            let e = fresh(&run.dir, bin, &format!("{tag}-pcheck"), cold);
            run.pcheck(name, mode, &e);
            let e = fresh(&run.dir, bin, &format!("{tag}-pmf"), cold);
            run.pmf(name, mode, &e);
            let e = fresh(&run.dir, bin, &format!("{tag}-init"), cold);
            run.init(name, mode, &e);
            let e = fresh(&run.dir, bin, &format!("{tag}-smb"), cold);
            run.monitor(
                name,
                mode,
                &e,
                "clp_sambamon guest (SMB 3.1.1)",
                "clp_sambamon",
                &["-s", "pub", "-a", &addr],
            );
            let e = fresh(&run.dir, bin, &format!("{tag}-smbu"), cold);
            run.monitor(
                name,
                mode,
                &e,
                "clp_sambamon user, signed (SMB 3.1.1)",
                "clp_sambamon",
                &[
                    "-s",
                    "private",
                    "-a",
                    &addr,
                    "-u",
                    smbd::USER,
                    "-p",
                    smbd::PASSWORD,
                ],
            );
            // A build from before SMB3 encryption (issue 14) has no -e.
            let help = Command::new(bin)
                .args(["clp_sambamon", "-h"])
                .output()
                .unwrap();
            if !String::from_utf8_lossy(&help.stdout).contains("[-e]") {
                continue;
            }
            let e = fresh(&run.dir, bin, &format!("{tag}-smbe"), cold);
            let user = ["-u", smbd::USER, "-p", smbd::PASSWORD, "-e"];
            let mut args = vec!["-s", "private", "-a", &addr];
            args.extend_from_slice(&user);
            run.monitor(
                name,
                mode,
                &e,
                "clp_sambamon -e user, encrypted (SMB 3.1.1)",
                "clp_sambamon",
                &args,
            );
        }
    }
    drop(s);
    let g = ganesha::Peers::start(ganesha::Protocols::V3V4);
    g.enter();
    let export = g.export();
    for (name, bin) in &builds {
        for &mode in &modes {
            let e = fresh(&run.dir, bin, &format!("{name}-{mode}-nfs"), mode == "cold");
            run.monitor(
                name,
                mode,
                &e,
                "clp_nfsmon (NFSv3)",
                "clp_nfsmon",
                &["-d", &export, "-a", "127.0.0.1"],
            );
        }
    }
    drop(g);

    println!(
        "## mamori footprint ({} restarts, {} checks)\n",
        run.restarts, run.checks
    );
    let mut failed = Vec::new();
    for (name, bin) in &builds {
        let size = std::fs::metadata(bin).map(|m| m.len()).unwrap_or(0);
        println!("- {name}: {} ({size} bytes)", bin.display());
        if max_bytes.is_some_and(|m| size > m) {
            failed.push(format!(
                "{name}: binary {size} bytes > {}",
                max_bytes.unwrap()
            ));
        }
    }
    println!(
        "\n| build | cache | command | count | RSS kB early → steady | PSS kB early → steady |"
    );
    println!("|---|---|---|---|---|---|");
    for r in &run.rows {
        println!(
            "| {} | {} | {} | {} | {} → {} | {} → {} |",
            r.build, r.mode, r.what, r.count, r.early.0, r.steady.0, r.early.1, r.steady.1
        );
        if let Some(m) = max_rss
            && r.steady.0 > m
        {
            failed.push(format!(
                "{} {} {}: steady RSS {} kB > {m} kB",
                r.build, r.mode, r.what, r.steady.0
            ));
        }
    }
    if !run.costs.is_empty() {
        println!("\n| build | measure | value |");
        println!("|---|---|---|");
        for (b, w, v) in &run.costs {
            println!("| {b} | {w} | {v:.3} |");
        }
        if let Some((first, _)) = builds.first() {
            for (b, w, v) in run.costs.iter().filter(|c| &c.0 != first) {
                if let Some((_, _, base)) = run.costs.iter().find(|c| &c.0 == first && &c.1 == w) {
                    println!("\n{first} / {b}, {w}: {:.2}", base / v);
                }
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    if !failed.is_empty() {
        for f in &failed {
            eprintln!("footprint-check: {f}");
        }
        std::process::exit(1);
    }
}
