//! clp_nfsmon end to end: the built binary against real rpcbind +
//! nfs-ganesha, each test in its own network + mount namespace (the test
//! thread joins it, so the monitors it starts run there too), with its own
//! registry key and syslog socket.

mod common;
mod fsmon;
#[path = "servers/ganesha.rs"]
mod ganesha;

use std::time::{Duration, Instant};

use fsmon::Fs;
use ganesha::{Peers, Protocols};
use rustix::process::Signal;

const S: Duration = Duration::from_secs(1);

fn watching(dir: &str) -> String {
    format!("[2] The clp_nfsmon is going to watch shared directory '{dir}'.")
}

/// Waits for the end of a failed monitor and returns its lines after [1].
fn failed(fs: &mut Fs, pid: u32, limit: Duration) -> Vec<String> {
    let st = fs.wait(pid, limit).expect("the monitor ends");
    assert_eq!(st.code(), Some(1), "{:?}", fs.lines_of(pid));
    fs.wait_line(pid, "[6] ", S);
    let lines = fs.lines_of(pid);
    assert_eq!(lines[0], "[1] The clp_nfsmon has started watching NFS.");
    let n = lines.len();
    assert_eq!(
        lines[n - 2],
        "[66] The clp_nfsmon has detected an error in NFS."
    );
    assert_eq!(lines[n - 1], "[6] The clp_nfsmon will terminate.");
    lines
}

/// A healthy v3 export through the default address, over IPv6, with
/// `-n`, and as NFSv4 (`-V 4`); -disp, -del, kill -9 and the same ID
/// again, -stop.
#[test]
fn healthy_export_control_and_reclaim() {
    let p = Peers::start(Protocols::V3V4);
    let mut fs = Fs::new("nfshealthy");
    let export = p.export();
    let e = export.as_str();
    let runs: [(&str, &[&str]); 4] = [
        // No -a: the namespace has only loopback, so 127.0.0.1.
        ("h1", &["-d", e, "-i", "1", "-r", "2", "-c", "1"]),
        ("h2", &["-d", e, "-a", "[::1]:111", "-i", "1", "-c", "1"]),
        (
            "h3",
            &[
                "-d",
                e,
                "-n",
                "2049",
                "-a",
                "127.0.0.1",
                "-i",
                "1",
                "-c",
                "1",
            ],
        ),
        (
            "h4",
            &["-d", e, "-V", "4", "-a", "127.0.0.1", "-i", "1", "-c", "1"],
        ),
    ];
    let mut pids = Vec::new();
    for (id, args) in &runs {
        let mut v = vec![*id];
        v.extend_from_slice(args);
        pids.push(fs.start("clp_nfsmon", &v));
    }
    for pid in &pids {
        fs.wait_line(*pid, &watching(e), 10 * S);
    }
    // -c 1: one failed check would have ended them.
    fs.wait_checks(&["h1", "h2", "h3", "h4"], 2, 5 * S);
    for (pid, (id, _)) in pids.iter().zip(&runs) {
        assert!(fs.running(*pid), "{id}: {:?}", fs.lines_of(*pid));
        assert_eq!(fs.disp("clp_nfsmon", id), (Some(*pid), 0));
    }
    assert_eq!(fs.run("clp_nfsmon", &["h1", "-del"]).status.code(), Some(4));
    assert_eq!(
        fs.run("clp_sambamon", &["h1", "-stop", "1"]).status.code(),
        Some(4)
    );
    assert!(fs.running(pids[0]));

    // kill -9, then the same ID again.
    common::kill(pids[0] as i32, "-KILL");
    fs.wait(pids[0], 5 * S).unwrap();
    assert_eq!(fs.disp("clp_nfsmon", "h1"), (Some(pids[0]), 4));
    let again = fs.start("clp_nfsmon", &["h1", "-d", e, "-i", "1"]);
    fs.wait_line(again, &watching(e), 10 * S);
    assert_eq!(fs.disp("clp_nfsmon", "h1"), (Some(again), 0));
    pids[0] = again;

    for (pid, (id, _)) in pids.iter().zip(&runs) {
        let o = fs.run("clp_nfsmon", &[id, "-stop", "5"]);
        assert!(o.status.success(), "{o:?}");
        assert_eq!(fs.wait(*pid, 5 * S).unwrap().code(), Some(0));
        fs.wait_line(
            *pid,
            &format!("[3] The clp_nfsmon will stop watching NFS shared directory '{e}'."),
            S,
        );
    }
    assert!(!common::segment_exists(fs.w.key));
}

/// ganesha with `Protocols = 4` and no rpcbind: `-V 4` and `-n 2049`
/// watch it; plain v3 reports the missing portmapper.
#[test]
fn v4_only_export() {
    let p = Peers::start(Protocols::V4Only);
    let mut fs = Fs::new("nfsv4");
    let e = p.export();
    let v4 = fs.start(
        "clp_nfsmon",
        &["v1", "-d", &e, "-V", "4", "-i", "1", "-c", "1"],
    );
    let n = fs.start(
        "clp_nfsmon",
        &["v2", "-d", &e, "-n", "2049", "-i", "1", "-c", "1"],
    );
    let v3 = fs.start(
        "clp_nfsmon",
        &["v3", "-d", &e, "-V", "3", "-i", "1", "-c", "1"],
    );
    fs.wait_line(v4, &watching(&e), 10 * S);
    fs.wait_line(n, &watching(&e), 10 * S);
    let lines = failed(&mut fs, v3, 5 * S);
    assert_eq!(
        lines[1],
        "[0] clp_nfsmon: RPC: Port mapper failure - RPC: Unable to receive: errno = Connection refused"
    );
    fs.wait_checks(&["v1", "v2"], 2, 5 * S);
    assert!(fs.running(v4) && fs.running(n));
    for id in ["v1", "v2"] {
        assert!(fs.run("clp_nfsmon", &[id, "-stop", "5"]).status.success());
    }
}

/// A directory that is not exported: mount error, then 66 and 6.
#[test]
fn unexported_directory() {
    let p = Peers::start(Protocols::V3V4);
    let mut fs = Fs::new("nfsunexp");
    let missing = format!("{}/nowhere", p.dir.display());
    let pid = fs.start(
        "clp_nfsmon",
        &["u1", "-d", &missing, "-i", "1", "-c", "2", "-r", "2"],
    );
    let lines = failed(&mut fs, pid, 10 * S);
    assert_eq!(lines[1], "[0] clp_nfsmon: mount error(MNT3ERR_ACCES)");
    assert_eq!(lines.len(), 4, "{lines:?}");
}

/// ganesha stopped with SIGSTOP: a time-out, declared within RETRIES ×
/// (INTERVAL + TIMEOUT); then ganesha killed: connection refused.
#[test]
fn ganesha_stalled_then_killed() {
    let mut p = Peers::start(Protocols::V3V4);
    let mut fs = Fs::new("nfsstall");
    let e = p.export();
    let pid = fs.start(
        "clp_nfsmon",
        &["g1", "-d", &e, "-i", "1", "-c", "2", "-r", "1"],
    );
    fs.wait_line(pid, &watching(&e), 10 * S);
    Peers::signal(p.ganesha.as_ref().unwrap(), Signal::STOP);
    let t = Instant::now();
    let lines = failed(&mut fs, pid, 10 * S);
    assert!(
        t.elapsed() <= Duration::from_millis(5500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(lines[2], "[0] clp_nfsmon: RPC: Timed out", "{lines:?}");

    Peers::kill(&mut p.ganesha);
    let pid = fs.start(
        "clp_nfsmon",
        &["g2", "-d", &e, "-i", "1", "-c", "1", "-r", "1"],
    );
    let lines = failed(&mut fs, pid, 5 * S);
    assert_eq!(
        lines[1],
        "[0] clp_nfsmon: RPC: Unable to receive: errno = Connection refused"
    );
}

/// rpcbind killed: a port mapper failure; with `-n` the NFS port is known
/// and the check goes on over NFSv4.
#[test]
fn rpcbind_killed() {
    let mut p = Peers::start(Protocols::V3V4);
    let mut fs = Fs::new("nfspmap");
    let e = p.export();
    let pid = fs.start(
        "clp_nfsmon",
        &["r1", "-d", &e, "-i", "1", "-c", "2", "-r", "1"],
    );
    fs.wait_line(pid, &watching(&e), 10 * S);
    Peers::kill(&mut p.rpcbind);
    let lines = failed(&mut fs, pid, 6 * S);
    assert_eq!(
        lines[2],
        "[0] clp_nfsmon: RPC: Port mapper failure - RPC: Unable to receive: errno = Connection refused",
        "{lines:?}"
    );
    let n = fs.start(
        "clp_nfsmon",
        &[
            "r2", "-d", &e, "-n", "2049", "-i", "1", "-c", "1", "-r", "1",
        ],
    );
    fs.wait_line(n, &watching(&e), 10 * S);
    fs.wait_checks(&["r2"], 2, 5 * S);
    assert!(fs.running(n), "{:?}", fs.lines_of(n));
    assert!(fs.run("clp_nfsmon", &["r2", "-stop", "5"]).status.success());
    assert_eq!(fs.wait(n, 5 * S).unwrap().code(), Some(0));
}

#[test]
fn pause_sends_no_traffic() {
    fsmon::pause_sends_nothing("clp_nfsmon", &["-d", "/export"]);
}

#[test]
fn bad_parameters() {
    fsmon::bad_parameters(
        "clp_nfsmon",
        &["-d", "/export"],
        "'-d' parameter is not specified at the clp_nfsmon command.",
    );
    let fs = Fs::new("nfsbad");
    for args in [
        &["b1", "-d", "/export", "-n", "0"][..],
        &["b1", "-d", "/export", "-n", "65536"],
        &["b1", "-d", "/export", "-V", "2"],
        &["b1", "-d", "relative"],
    ] {
        let o = fs.run("clp_nfsmon", args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("Invalid parameter in the clp_nfsmon."),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1);
    }
}

#[test]
fn foreign_segment_at_the_registry_key() {
    fsmon::foreign_registry("clp_nfsmon", &["-d", "/export"]);
}
