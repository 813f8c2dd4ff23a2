//! Benchmark of pcheck against the peers on this machine (issue: pcheck
//! and padmin). Run through `tools/bench-pcheck`, as root.
//!
//! Every supervisor restarts the same `stamp` service (tools/stamp.c, no
//! libc), which writes CLOCK_MONOTONIC at its first instruction: latency = that stamp minus the
//! time just before `kill -9`. Also: pcheck's death → `Down` logged (time
//! the bench's syslog socket received the line) and → `Up` logged, once
//! with no event registry and once with a registry whose handlers for
//! every event of the kills (pcheck/down, pcheck/restarted, allclass)
//! sleep, so that they run during the kills (issue 10: a monitor's timing
//! must not move with a slow handler); RSS/PSS with 1 and 1000
//! PENTs, CPU over a window with 1000 healthy watched processes, and
//! `padmin -c show pent` wall time with 1000 PENTs.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "bench_util.rs"]
mod util;
use util::*;

struct Syslog {
    lines: Arc<Mutex<Vec<(u128, String)>>>,
    path: PathBuf,
}

impl Syslog {
    fn new(path: PathBuf) -> Syslog {
        let sock = UnixDatagram::bind(&path).unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                let t = mono_ns();
                sink.lock()
                    .unwrap()
                    .push((t, String::from_utf8_lossy(&buf[..n]).into_owned()));
            }
        });
        Syslog { lines, path }
    }

    fn count(&self, needle: &str) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, l)| l.contains(needle))
            .count()
    }

    /// Lines pcheck said it dropped (`N log lines dropped: …`, written
    /// when the socket is full again: a burst such as 1000 PENTs' `Up`
    /// lines outruns this reader and the kernel's datagram queue).
    fn dropped(&self) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, l)| {
                let (head, _) = l.split_once(" log lines dropped")?;
                head.rsplit(' ').next()?.parse::<usize>().ok()
            })
            .sum()
    }

    /// Receive time of the first line holding `needle` received at or
    /// after `t0`. (Not "the nth such line": a `stamp daemon` restart's
    /// parent bears the service's name and may be seen, adopted and lost
    /// (`Up`, `Down`) before it exits, which would shift every count.)
    fn first_after(&self, needle: &str, t0: u128) -> Option<u128> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .find(|(t, l)| *t >= t0 && l.contains(needle))
            .map(|(t, _)| *t)
    }
}

struct Env {
    dir: PathBuf,
    mamori: PathBuf,
    stamp: PathBuf,
}

impl Env {
    fn mamori(&self, log: &Syslog) -> Command {
        let mut c = Command::new(&self.mamori);
        c.env("MAMORI_SYSLOG_SOCKET", &log.path)
            .env("MAMORI_DUMP_DIR", &self.dir);
        c
    }
}

struct Peer {
    name: &'static str,
    latencies: Vec<f64>,
    pss_kb: u64,
}

fn bench_supervisor(
    env: &Env,
    name: &'static str,
    argv: &[&str],
    svdir: &Path,
    file: &Path,
    kills: usize,
    gap: Duration,
) -> Option<Peer> {
    let mut child = Command::new(argv[0])
        .args(&argv[1..])
        .arg(svdir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let sup = child.id() as i32;
    let file_s = file.display().to_string();
    let find = || {
        processes()
            .into_iter()
            .find(|(_, pp, c)| *pp == sup && c.contains(&file_s))
            .map(|p| p.0)
    };
    wait_until(Duration::from_secs(10), find)?;
    std::thread::sleep(gap);
    let pss = rss_pss(sup as u32).1;
    let lat = kill_loop(file, kills, &find, &mut |_, _| std::thread::sleep(gap));
    let _ = child.kill();
    let _ = child.wait();
    kill_all_with(&file_s);
    let _ = env;
    Some(Peer {
        name,
        latencies: lat,
        pss_kb: pss,
    })
}

fn service_dir(dir: &Path, stamp: &Path, file: &Path) -> PathBuf {
    let sv = dir.join("sv");
    std::fs::create_dir_all(&sv).unwrap();
    let run = sv.join("run");
    std::fs::write(
        &run,
        format!("#!/bin/sh\nexec {} {}\n", stamp.display(), file.display()),
    )
    .unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    sv
}

fn main() {
    let kills = env_num("BENCH_KILLS", 50);
    let peer_kills = env_num("BENCH_PEER_KILLS", 20);
    let cpu_secs = env_num("BENCH_CPU_SECS", 60);
    let many = env_num("BENCH_PENTS", 1000);
    let events_only = env_num("BENCH_EVENTS_ONLY", 0) != 0;
    let event_sleep = env_num("BENCH_EVENT_SLEEP", 2);
    let gap = Duration::from_millis(env_num("BENCH_EVENT_GAP_MS", 20) as u64);
    let exe = std::env::current_exe().unwrap();
    let root = exe.parent().unwrap().parent().unwrap();
    let dir = std::env::temp_dir().join(format!("mamori-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let stamp = std::env::var_os("BENCH_STAMP")
        .map(PathBuf::from)
        .expect("BENCH_STAMP: path of the built tools/stamp.c");
    // A name of this run's own, so that no other process called `stamp`
    // on the machine is taken for ours (pcheck watches every process with
    // the PENT's name).
    let own = dir.join(format!("bst{}", std::process::id()));
    std::fs::copy(&stamp, &own).expect("copy the stamp binary");
    let stamp = own;
    let env = Env {
        dir: dir.clone(),
        mamori: root.join("mamori"),
        stamp,
    };
    let size = std::fs::metadata(&env.mamori).map(|m| m.len()).unwrap_or(0);
    println!(
        "# pcheck benchmark ({} kills for pcheck, {} per peer; binary {} kB)\n",
        kills,
        peer_kills,
        size / 1024
    );

    // 1. pcheck: kill → Down logged, kill → restart exec'd (stamp), kill
    //    → Up logged; once with no event registry, once with a registry
    //    whose handlers for every event of these kills sleep.
    let plain = pcheck_kills(&env, "plain", 0x6dbe_0001, kills, gap, None);
    let events = dir.join("events");
    let slow = slow_registry(&events, event_sleep, env_num("BENCH_EVENT_EMPTY", 0) != 0);
    let with = pcheck_kills(&env, "events", 0x6dbe_0003, kills, gap, Some(&slow));
    if events_only {
        report_events(&plain, &with, event_sleep);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }

    // The floor on this machine: kill → pidfd readable → posix_spawn, with
    // no supervisor logic at all, same stamp.
    let floor = floor(&env.dir, &env.stamp, kills, true);

    let PcheckRun {
        down,
        restart,
        up,
        rss: rss1,
        pss: pss1,
        ..
    } = &plain;
    let (rss1, pss1) = (*rss1, *pss1);

    // 2. Peers, same service, same clock.
    let mut peers = Vec::new();
    for (name, argv, gap) in [
        ("runsv", vec!["runsv"], Duration::from_millis(1100)),
        (
            "s6-supervise",
            vec!["s6-supervise"],
            Duration::from_millis(300),
        ),
    ] {
        let sub = dir.join(name);
        std::fs::create_dir_all(&sub).unwrap();
        let f = sub.join("stamps");
        let sv = service_dir(&sub, &env.stamp, &f);
        match bench_supervisor(&env, name, &argv, &sv, &f, peer_kills, gap) {
            Some(p) => peers.push(p),
            None => println!("{name}: not installed or did not start"),
        }
    }
    if let Some(p) = bench_monit(&env, peer_kills) {
        peers.push(p);
    } else {
        println!("monit: not installed or did not start");
    }

    // 3. 1000 PENTs: memory, idle CPU, padmin.
    let log = Syslog::new(dir.join("log.sock"));
    let names: Vec<String> = (0..many)
        .map(|i| format!("bn{i:04}x{}", std::process::id()))
        .collect();
    let mut procs: Vec<Child> = names
        .iter()
        .map(|n| {
            Command::new("/bin/bash")
                .args(["-c", &format!("exec -a {n} sleep 100000")])
                .stdin(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let pfile_many = dir.join("pfile-many");
    let mut text = String::from("IPCKEY 0x6dbe0002\nMSG_CHECK_INTERVAL 5\nMONITOR_INTERVAL 10\n");
    for n in &names {
        text.push_str(&format!("{n}:-:60:3:continue\n"));
    }
    std::fs::write(&pfile_many, text).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let (ups_before, dropped_before) = (log.count(") Up"), log.dropped());
    let t_start = Instant::now();
    let mut pc_many = env
        .mamori(&log)
        .arg("pcheck")
        .arg("-f")
        .arg(&pfile_many)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Every `Up` logged, or counted in a `dropped` line.
    let found = || log.count(") Up") - ups_before + log.dropped() - dropped_before;
    let all_up = wait_until(Duration::from_secs(30), || (found() >= many).then_some(()));
    let start_ms = t_start.elapsed().as_secs_f64() * 1e3;
    if all_up.is_none() {
        println!("pcheck with {many} PENTs: only {} found", found());
    }
    let dropped_at_start = log.dropped() - dropped_before;
    std::thread::sleep(Duration::from_millis(500));
    let (rss_many, pss_many) = rss_pss(pc_many.id());
    let c0 = cpu_ns(pc_many.id());
    let w0 = Instant::now();
    std::thread::sleep(Duration::from_secs(cpu_secs as u64));
    let cpu_pct = (cpu_ns(pc_many.id()) - c0) as f64 / w0.elapsed().as_nanos() as f64 * 100.0;
    let padmin_ms: Vec<f64> = (0..20)
        .map(|_| {
            let t = Instant::now();
            let out = env
                .mamori(&log)
                .args(["padmin", "-f"])
                .arg(&pfile_many)
                .args(["-c", "show", "pent"])
                .output()
                .unwrap();
            assert!(out.status.success());
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let _ = mamori::sys::signals::kill(pc_many.id() as i32, mamori::sys::signals::SIGTERM);
    let _ = pc_many.wait();
    for p in &mut procs {
        let _ = p.kill();
        let _ = p.wait();
    }

    // Report.
    let pc_med = median(restart);
    println!(
        "## kill -9 → event, pcheck (pidfd), {} kills\n",
        restart.len()
    );
    println!("| measure | median ms | max ms |\n|---|---|---|");
    println!(
        "| kill → `Down` logged | {:.3} | {:.3} |",
        median(down),
        max(down)
    );
    println!(
        "| kill → restart program's first instruction | {:.3} | {:.3} |",
        pc_med,
        max(restart)
    );
    println!(
        "| kill → `Up` logged (new process found) | {:.3} | {:.3} |",
        median(up),
        max(up)
    );
    report_events(&plain, &with, event_sleep);
    println!("\n## kill -9 → restarted service's first instruction (tools/stamp.c), same run\n");
    println!(
        "| supervisor | kills | median ms | max ms | ratio to pcheck (median) | supervisor Pss kB |\n|---|---|---|---|---|---|"
    );
    println!(
        "| floor: same daemon, kill → pidfd → posix_spawn, no supervisor logic | {} | {:.3} | {:.3} | {:.2}× | — |",
        floor.len(),
        median(&floor),
        max(&floor),
        median(&floor) / pc_med
    );
    println!(
        "| mamori pcheck | {} | {:.3} | {:.3} | 1.0 | {} |",
        restart.len(),
        pc_med,
        max(restart),
        pss1
    );
    for p in &peers {
        let m = median(&p.latencies);
        println!(
            "| {} | {} | {:.3} | {:.3} | {:.0}× | {} |",
            p.name,
            p.latencies.len(),
            m,
            max(&p.latencies),
            m / pc_med,
            p.pss_kb
        );
    }
    println!("\n## memory and CPU\n");
    println!("| pcheck | RSS kB | PSS kB |\n|---|---|---|");
    println!(
        "| 1 PENT (after {} restarts) | {} | {} |",
        restart.len(),
        rss1,
        pss1
    );
    println!(
        "| {many} PENTs, {many} watched processes | {} | {} |",
        rss_many, pss_many
    );
    println!(
        "\n- start-up with {many} PENTs until every `Up` was logged: {:.0} ms ({dropped_at_start} of them dropped by pcheck, the syslog socket full, and said so)",
        start_ms
    );
    println!(
        "- CPU of pcheck over {cpu_secs} s with {many} healthy watched processes: {:.4} %",
        cpu_pct
    );
    println!(
        "- `padmin -c show pent` with {many} PENTs, 20 runs: median {:.2} ms, max {:.2} ms",
        median(&padmin_ms),
        max(&padmin_ms)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// What one pcheck run measured (ms per kill).
struct PcheckRun {
    down: Vec<f64>,
    restart: Vec<f64>,
    up: Vec<f64>,
    rss: u64,
    pss: u64,
    /// Handler starts recorded by the end of the last kill, and handler
    /// ends logged by sendevent, counted after they all had time to end.
    started_during: usize,
    started: usize,
    ended: usize,
    /// `Down` and `Up` lines logged during the kills (one each per kill
    /// unless a transient process of the service's name was adopted).
    downs: usize,
    ups: usize,
}

/// A registry at `dir` whose handlers for `pcheck/down`,
/// `pcheck/restarted` and `allclass` append a line to a file, then sleep
/// `secs` s. Returns the registry and the file.
/// `empty`: the directories only, no handler (what the raise costs).
fn slow_registry(dir: &Path, secs: usize, empty: bool) -> (PathBuf, PathBuf) {
    let starts = dir.join("starts");
    for sub in ["pcheck/down", "pcheck/restarted", "allclass"] {
        let d = dir.join(sub);
        std::fs::create_dir_all(&d).unwrap();
        if empty {
            continue;
        }
        let h = d.join("slow");
        std::fs::write(
            &h,
            format!(
                "#!/bin/sh\necho \"$*\" >> {}\nexec sleep {secs}\n",
                starts.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for d in [
        dir,
        &dir.join("pcheck"),
        &dir.join("pcheck/down"),
        &dir.join("pcheck/restarted"),
        &dir.join("allclass"),
    ] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (dir.to_path_buf(), starts)
}

/// `kills` kills of a stamp daemon watched by its own pcheck (IPC key
/// `key`, own syslog socket), `gap` apart once it is back up, with the
/// registry `events` or none.
fn pcheck_kills(
    env: &Env,
    tag: &str,
    key: u32,
    kills: usize,
    gap: Duration,
    events: Option<&(PathBuf, PathBuf)>,
) -> PcheckRun {
    let log = Syslog::new(env.dir.join(format!("log-{tag}.sock")));
    let file = env.dir.join(format!("stamps-pcheck-{tag}"));
    let file_s = file.display().to_string();
    let pfile = env.dir.join(format!("pfile-{tag}"));
    std::fs::write(&pfile, format!(
        "IPCKEY 0x{key:08x}\nMSG_CHECK_INTERVAL 5\nMONITOR_INTERVAL 1\n{}:{} {} daemon:1:100000:continue\n",
        env.stamp.file_name().unwrap().to_string_lossy(), env.stamp.display(), file_s)).unwrap();
    Command::new(&env.stamp)
        .arg(&file)
        .arg("daemon")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    let mut cmd = env.mamori(&log);
    match events {
        Some((dir, _)) => cmd.env("MAMORI_EVENTS_DIR", dir),
        // A directory that does not exist: no registry at all.
        None => cmd.env("MAMORI_EVENTS_DIR", env.dir.join("no-registry")),
    };
    let mut pcheck: Child = cmd
        .arg("pcheck")
        .arg("-f")
        .arg(&pfile)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(Duration::from_secs(5), || {
        (log.count(") Up") >= 1).then_some(())
    })
    .expect("pcheck did not find stamp");
    let find = || pid_with(&format!("{file_s} daemon"));
    let mut down = Vec::new();
    let mut up = Vec::new();
    let restart = kill_loop(&file, kills, &find, &mut |i, t0| {
        let _ = i;
        if let Some(t) = wait_until(Duration::from_secs(5), || log.first_after("] Down", t0)) {
            down.push((t - t0) as f64 / 1e6);
        }
        if let Some(t) = wait_until(Duration::from_secs(5), || log.first_after(") Up", t0)) {
            up.push((t - t0) as f64 / 1e6);
        }
        std::thread::sleep(gap);
    });
    let lines = |f: &Path| {
        std::fs::read_to_string(f)
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    let started_during = events.map_or(0, |(_, starts)| lines(starts));
    let (downs, ups) = (log.count("] Down"), log.count(") Up") - 1);
    let (rss, pss) = rss_pss(pcheck.id());
    let _ = mamori::sys::signals::kill(pcheck.id() as i32, mamori::sys::signals::SIGTERM);
    let _ = pcheck.wait();
    kill_all_with(&file_s);
    let (mut started, mut ended) = (0, 0);
    if let Some((_, starts)) = events {
        // Every kill raises down and restarted, each run by its own and
        // the allclass handler: wait until all of them have ended.
        let expected = 4 * restart.len();
        let _ = wait_until(Duration::from_secs(30), || {
            (log.count(" handler ") >= expected).then_some(())
        });
        std::thread::sleep(Duration::from_millis(200));
        started = lines(starts);
        ended = log.count(" exit 0 in ");
    }
    PcheckRun {
        down,
        restart,
        up,
        rss,
        pss,
        started_during,
        started,
        ended,
        downs,
        ups,
    }
}

/// The with/without table of the slow-handler run.
fn report_events(plain: &PcheckRun, with: &PcheckRun, secs: usize) {
    let (down, restart, up) = (&plain.down, &plain.restart, &plain.up);
    println!(
        "## pcheck kill -9 → restart, no registry vs a registry of slow handlers (`sleep {secs}`), same run\n"
    );
    println!(
        "| measure | kills | no registry median ms | max ms | with handlers median ms | max ms | ratio with/without (median) |\n|---|---|---|---|---|---|---|"
    );
    for (what, a, b) in [
        ("kill → `Down` logged", down, &with.down),
        (
            "kill → restart program's first instruction",
            restart,
            &with.restart,
        ),
        ("kill → `Up` logged (new process found)", up, &with.up),
    ] {
        println!(
            "| {what} | {}/{} | {:.3} | {:.3} | {:.3} | {:.3} | {:.2}× |",
            a.len(),
            b.len(),
            median(a),
            max(a),
            median(b),
            max(b),
            median(b) / median(a)
        );
    }
    println!(
        "\n- handlers (pcheck/down, pcheck/restarted, allclass; each `sleep {secs}`): {} started by the end of the last kill, {} started in all, {} logged `exit 0` by sendevent (expected {} = 4 per kill)\n",
        with.started_during,
        with.started,
        with.ended,
        4 * with.restart.len()
    );
    println!(
        "- `Down`/`Up` lines during the kills: {}/{} with no registry, {}/{} with handlers (one each per kill; more: a transient process of the service's name, the `stamp daemon` restart's parent, was adopted)\n",
        plain.downs, plain.ups, with.downs, with.ups
    );
}

fn bench_monit(env: &Env, kills: usize) -> Option<Peer> {
    let sub = env.dir.join("monit");
    std::fs::create_dir_all(&sub).unwrap();
    let file = sub.join("stamps");
    let file_s = file.display().to_string();
    let rc = sub.join("monitrc");
    std::fs::write(&rc, format!(
        "set daemon 1\nset logfile {d}/monit.log\nset pidfile {d}/monit.pid\nset statefile {d}/monit.state\nset idfile {d}/monit.id\n\
         check process bstamp matching \"{file_s} daemon\"\n  start program = \"{} {file_s} daemon\"\n",
        env.stamp.display(), d = sub.display())).unwrap();
    std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut child = Command::new("monit")
        .args(["-I", "-c"])
        .arg(&rc)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let find = || pid_with(&format!("{file_s} daemon"));
    wait_until(Duration::from_secs(10), find)?;
    std::thread::sleep(Duration::from_millis(2500));
    let pss = rss_pss(child.id()).1;
    let lat = kill_loop(&file, kills, &find, &mut |_, _| {
        std::thread::sleep(Duration::from_millis(2500))
    });
    let _ = child.kill();
    let _ = child.wait();
    kill_all_with(&file_s);
    Some(Peer {
        name: "monit (set daemon 1)",
        latencies: lat,
        pss_kb: pss,
    })
}
