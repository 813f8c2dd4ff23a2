//! CPU per check of two builds of clp_sambamon run side by side against
//! one real smbd (guest, then signed SMB 3.1.1), back to back checks, so
//! that both see the same machine at the same time: on a noisy VM a
//! same-run ratio of sequential runs is not worth much (issue 15). Three
//! 10 s rounds each. usage (as root): bench_fsmon_ab BASE_BINARY NEW_BINARY
#[path = "bench_util.rs"]
mod bench_util;
#[path = "../tests/servers/smbd.rs"]
mod smbd;
use bench_util::*;
use mamori::fsmon::registry::Registry;
use std::process::{Command, Stdio};
use std::time::Duration;

fn main() {
    let bins: Vec<String> = std::env::args().skip(1).collect();
    assert_eq!(
        bins.len(),
        2,
        "usage: bench_fsmon_ab BASE_BINARY NEW_BINARY"
    );
    let s = smbd::Smbd::start("abx", 27991, &["server signing = mandatory"]);
    let addr = format!("127.0.0.1:{}", s.port);
    for (label, extra) in [
        ("guest", vec!["-s", "pub"]),
        (
            "signed",
            vec!["-s", "private", "-u", smbd::USER, "-p", smbd::PASSWORD],
        ),
    ] {
        let mut kids = Vec::new();
        for (i, b) in bins.iter().enumerate() {
            let key = 0x6d7e_0300 + i as i32;
            let id = format!("ab{i}");
            let mut c = Command::new(b);
            c.arg("clp_sambamon")
                .arg(&id)
                .args(&extra)
                .args(["-a", &addr])
                .env("MAMORI_FSMON_IPCKEY", format!("0x{key:x}"))
                .env("MAMORI_FSMON_INTERVAL_MS", "0")
                .env("MAMORI_SYSLOG_SOCKET", "/tmp/nosock")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            kids.push((c.spawn().unwrap(), key, id));
        }
        std::thread::sleep(Duration::from_secs(3));
        for round in 0..3 {
            let snap = |kids: &Vec<(std::process::Child, i32, String)>| -> Vec<(u32, u64)> {
                kids.iter()
                    .map(|(c, k, id)| {
                        let n = Registry::new(*k)
                            .find(id.as_bytes())
                            .ok()
                            .flatten()
                            .map(|e| e.checks)
                            .unwrap_or(0);
                        (n, cpu_ns(c.id()))
                    })
                    .collect()
            };
            let a = snap(&kids);
            std::thread::sleep(Duration::from_secs(10));
            let b = snap(&kids);
            let per: Vec<f64> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| (y.1 - x.1) as f64 / 1e6 / f64::from(y.0 - x.0))
                .collect();
            println!(
                "{label} round {round}: CPU ms/check {:?} checks {:?} ratio new/base {:.2}",
                per,
                a.iter().zip(&b).map(|(x, y)| y.0 - x.0).collect::<Vec<_>>(),
                per[1] / per[0]
            );
        }
        for (mut c, k, _) in kids {
            let _ = c.kill();
            let _ = c.wait();
            let _ = Command::new("ipcrm")
                .args(["-M", &format!("0x{k:x}"), "-S", &format!("0x{k:x}")])
                .stderr(Stdio::null())
                .status();
        }
    }
}
