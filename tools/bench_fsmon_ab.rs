//! CPU per check of two builds of clp_sambamon run side by side against
//! one real smbd (guest, then signed SMB 3.1.1), back to back checks, so
//! that both see the same machine at the same time: on a noisy VM a
//! same-run ratio of sequential runs is not worth much (issue 15). Each
//! round starts both monitors anew and measures 5 s; the median of the
//! rounds' ratios is the figure. usage (as root): bench_fsmon_ab
//! BASE_BINARY NEW_BINARY; BENCH_ROUNDS (10).
#[path = "bench_util.rs"]
mod bench_util;
#[path = "../tests/servers/smbd.rs"]
mod smbd;
use bench_util::*;
use mamori::fsmon::registry::Registry;
use std::process::{Command, Stdio};
use std::time::Duration;

/// One build's monitor: the child, its registry key and ID.
struct Monitor {
    child: std::process::Child,
    key: i32,
    id: String,
}

impl Monitor {
    fn start(bin: &str, i: usize, args: &[&str]) -> Monitor {
        let key = 0x6d7e_0300 + i as i32;
        let id = format!("ab{i}");
        let child = Command::new(bin)
            .arg("clp_sambamon")
            .arg(&id)
            .args(args)
            .env("MAMORI_FSMON_IPCKEY", format!("0x{key:x}"))
            .env("MAMORI_FSMON_INTERVAL_MS", "0")
            .env("MAMORI_SYSLOG_SOCKET", "/tmp/nosock")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        Monitor { child, key, id }
    }

    /// Checks done so far and CPU time (ns).
    fn counts(&self) -> (u32, u64) {
        let n = Registry::new(self.key)
            .find(self.id.as_bytes())
            .ok()
            .flatten()
            .map(|e| e.checks)
            .unwrap_or(0);
        (n, cpu_ns(self.child.id()))
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        remove_ipc(&format!("0x{:x}", self.key));
    }
}

fn main() {
    let bins: Vec<String> = std::env::args().skip(1).collect();
    assert_eq!(
        bins.len(),
        2,
        "usage: bench_fsmon_ab BASE_BINARY NEW_BINARY"
    );
    let rounds = env_num("BENCH_ROUNDS", 10);
    let s = smbd::Smbd::start("abx", 27991, &["server signing = mandatory"]);
    let addr = format!("127.0.0.1:{}", s.port);
    for (label, extra) in [
        ("guest", vec!["-s", "pub"]),
        (
            "signed",
            vec!["-s", "private", "-u", smbd::USER, "-p", smbd::PASSWORD],
        ),
    ] {
        let mut args = extra.clone();
        args.extend(["-a", addr.as_str()]);
        let mut ratios = Vec::new();
        for round in 0..rounds {
            // New processes each round, started in turn: a process's
            // placement (stack, mappings, CPU) moves its CPU per check by
            // up to ±20 % for its whole life, the same binary against
            // itself included; one pair of processes decides nothing.
            let first = round % 2;
            let mut mons: Vec<Monitor> = [first, 1 - first]
                .into_iter()
                .map(|i| Monitor::start(&bins[i], i, &args))
                .collect();
            mons.sort_by_key(|m| m.key);
            std::thread::sleep(Duration::from_secs(1));
            let a: Vec<_> = mons.iter().map(Monitor::counts).collect();
            std::thread::sleep(Duration::from_secs(5));
            let b: Vec<_> = mons.iter().map(Monitor::counts).collect();
            for m in mons {
                m.stop();
            }
            let per: Vec<f64> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (y.1 - x.1) as f64 / 1e6 / f64::from(y.0 - x.0))
                .collect();
            println!(
                "{label} round {round}: CPU ms/check base {:.3} new {:.3}, checks {:?}, new/base {:.2}",
                per[0],
                per[1],
                a.iter().zip(&b).map(|(x, y)| y.0 - x.0).collect::<Vec<_>>(),
                per[1] / per[0]
            );
            ratios.push(per[1] / per[0]);
        }
        println!(
            "{label}: new/base median {:.2} over {rounds} rounds (min {:.2}, max {:.2})",
            median(&ratios),
            ratios.iter().copied().fold(f64::INFINITY, f64::min),
            max(&ratios)
        );
    }
}
