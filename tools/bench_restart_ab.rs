//! Death → restart latency of two builds side by side (issue 15: no
//! regression, as a same-run ratio): a pcheck of each build watching its
//! own stamp daemon, then a pmf supervisor of each build running its own
//! stamp, all alive at once; the kills alternate between the builds (the
//! first of each pair alternating too), so both see the same machine.
//! Latency = the stamp service's first instruction minus the time just
//! before `kill -9` (tools/stamp.c). usage (as root):
//! bench_restart_ab BASE_BINARY NEW_BINARY; BENCH_KILLS (300 per build
//! and supervisor), BENCH_STAMP (tools/stamp.c, built).
#[path = "bench_util.rs"]
mod bench_util;
use bench_util::*;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One build's copy of the binary and the stamp, in a directory of its own.
struct Build {
    dir: PathBuf,
    exe: PathBuf,
    stamp: PathBuf,
    file: PathBuf,
}

impl Build {
    fn new(root: &Path, i: usize, bin: &Path, stamp: &Path) -> Build {
        let dir = root.join(format!("b{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let exe = dir.join("mamori");
        std::fs::copy(bin, &exe).unwrap();
        // A name of its own: pcheck watches every process of a PENT's name.
        let own = dir.join(format!("ab{i}s{}", std::process::id()));
        std::fs::copy(stamp, &own).unwrap();
        Build {
            file: dir.join("stamps"),
            dir,
            exe,
            stamp: own,
        }
    }

    fn cmd(&self, log: &Path) -> Command {
        let mut c = Command::new(&self.exe);
        c.env("MAMORI_SYSLOG_SOCKET", log)
            .env("MAMORI_DUMP_DIR", &self.dir)
            .env("MAMORI_EVENTS_DIR", self.dir.join("no-registry"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    }

    fn file_s(&self) -> String {
        self.file.display().to_string()
    }
}

/// `kills` kills per build, alternating: per pair of kills, each build's
/// latency in ms (None: not restarted, said on stderr).
fn alternate(
    builds: &[Build],
    kills: usize,
    find: &dyn Fn(&Build) -> Option<i32>,
) -> Vec<[Option<f64>; 2]> {
    let mut out = Vec::new();
    for k in 0..kills {
        let mut pair = [None, None];
        for j in [k % 2, 1 - k % 2] {
            let b = &builds[j];
            pair[j] = kill_once(&b.file, &|| find(b), &format!("{k} of build {j}")).map(|r| r.0);
            std::thread::sleep(Duration::from_millis(10));
        }
        out.push(pair);
    }
    out
}

fn quantile(v: &[f64], q: f64) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v.get(((v.len() as f64 - 1.0) * q).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// `faults`: each build's supervisor's minor faults over the kills.
fn report(what: &str, pairs: &[[Option<f64>; 2]], faults: [u64; 2]) {
    let lat: Vec<Vec<f64>> = (0..2)
        .map(|j| pairs.iter().filter_map(|p| p[j]).collect())
        .collect();
    for ((name, v), f) in ["base", "new"].iter().zip(&lat).zip(faults) {
        println!(
            "| {what} | {name} | {} | {:.3} | {:.3} | {:.3} | {:.2} |",
            v.len(),
            median(v),
            quantile(v, 0.9),
            max(v),
            f as f64 / v.len().max(1) as f64
        );
    }
    // The two kills of a pair ran back to back: their ratios, by thirds
    // of the run, show how far the overall ratio can be trusted.
    let ratios: Vec<f64> = pairs.iter().filter_map(|p| Some(p[1]? / p[0]?)).collect();
    let third = ratios.len() / 3;
    let thirds: Vec<String> = (0..3)
        .map(|t| format!("{:.2}", median(&ratios[t * third..(t + 1) * third])))
        .collect();
    println!(
        "| {what} | new/base | ratio of medians {:.2}; per pair {:.2} (by thirds {}) | | | | |",
        median(&lat[1]) / median(&lat[0]),
        median(&ratios),
        thirds.join(", ")
    );
}

fn main() {
    let bins: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    assert_eq!(
        bins.len(),
        2,
        "usage: bench_restart_ab BASE_BINARY NEW_BINARY"
    );
    let kills = env_num("BENCH_KILLS", 300);
    let stamp =
        PathBuf::from(std::env::var_os("BENCH_STAMP").expect("BENCH_STAMP: built tools/stamp.c"));
    let root = std::env::temp_dir().join(format!("mamori-restart-ab-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    // A real syslog socket, drained, as on a node.
    let log = root.join("log.sock");
    let sock = UnixDatagram::bind(&log).unwrap();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while sock.recv(&mut buf).is_ok() {}
    });
    let builds: Vec<Build> = bins
        .iter()
        .enumerate()
        .map(|(i, b)| Build::new(&root, i, b, &stamp))
        .collect();
    println!(
        "# kill -9 → restarted service's first instruction, ms ({kills} kills per build, alternating)\n"
    );
    println!(
        "| supervisor | build | kills | median | p90 | max | minor faults per kill |\n|---|---|---|---|---|---|---|"
    );

    // pcheck: the stamp runs as a daemon (`stamp FILE daemon` forks, the
    // parent exits), restarted by its PENT.
    let mut pchecks: Vec<(Child, String)> = Vec::new();
    for (i, b) in builds.iter().enumerate() {
        let key = format!("0x6dab{:02x}{:02x}", std::process::id() & 0xff, i);
        let pfile = b.dir.join("pfile");
        std::fs::write(
            &pfile,
            format!(
                "IPCKEY {key}\nMSG_CHECK_INTERVAL 5\nMONITOR_INTERVAL 1\n{}:{} {} daemon:1:100000:continue\n",
                b.stamp.file_name().unwrap().to_string_lossy(),
                b.stamp.display(),
                b.file_s()
            ),
        )
        .unwrap();
        Command::new(&b.stamp)
            .arg(&b.file)
            .arg("daemon")
            .status()
            .unwrap();
        let c = b
            .cmd(&log)
            .arg("pcheck")
            .arg("-f")
            .arg(&pfile)
            .spawn()
            .unwrap();
        pchecks.push((c, key));
    }
    std::thread::sleep(Duration::from_millis(500));
    let before: Vec<u64> = pchecks.iter().map(|p| faults(p.0.id()).0).collect();
    let lat = alternate(&builds, kills, &|b| {
        pid_with(&format!("{} daemon", b.file_s()))
    });
    let f = [0, 1].map(|i| faults(pchecks[i].0.id()).0 - before[i]);
    report("pcheck", &lat, f);
    for ((mut c, key), b) in pchecks.into_iter().zip(&builds) {
        let _ = mamori::sys::signals::kill(c.id() as i32, mamori::sys::signals::SIGTERM);
        let _ = c.wait();
        kill_all_with(&b.file_s());
        remove_ipc(&key);
        let _ = std::fs::remove_file(&b.file);
    }

    // pmf: the stamp in the foreground under each build's supervisor.
    let pmfadm = |b: &Build, i: usize, args: &[&str]| {
        b.cmd(&log)
            .arg("pmfadm")
            .args(args)
            .env(
                "MAMORI_PMF_IPCKEY",
                format!("0x6dac{:02x}{:02x}", std::process::id() & 0xff, i),
            )
            // As tools/bench_pmfadm.rs: every kill takes the
            // restart-at-once path, not the crash-loop back-off.
            .env("MAMORI_PMF_YOUNG_MS", "5")
            .stdout(Stdio::piped())
            .output()
            .unwrap()
    };
    let mut sups = Vec::new();
    for (i, b) in builds.iter().enumerate() {
        let out = pmfadm(
            b,
            i,
            &[
                "-c",
                "ab",
                "-n",
                "-1",
                b.stamp.to_str().unwrap(),
                &b.file_s(),
            ],
        );
        assert!(out.status.success(), "pmfadm -c of build {i} failed");
        sups.push(supervisor_pid(&pmfadm(b, i, &["-l", "ab"])));
    }
    let find = |b: &Build| {
        let i = builds.iter().position(|x| std::ptr::eq(x, b)).unwrap();
        child_with(sups[i], &b.file_s())
    };
    let before = sups.iter().map(|&p| faults(p as u32).0).collect::<Vec<_>>();
    let lat = alternate(&builds, kills, &find);
    let f = [0, 1].map(|i| faults(sups[i] as u32).0 - before[i]);
    report("pmf supervisor", &lat, f);
    for (i, b) in builds.iter().enumerate() {
        let _ = pmfadm(b, i, &["-s", "ab", "-w", "2", "KILL"]);
        let key = format!("0x6dac{:02x}{:02x}", std::process::id() & 0xff, i);
        remove_ipc(&key);
    }
    let _ = std::fs::remove_dir_all(&root);
}
