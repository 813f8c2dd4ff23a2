//! `mamori probe smb|nfs|proc` against real smbd and rpcbind + ganesha and
//! against stopped servers: each monitoring-plugins exit code and the line
//! parsed as a plugin's consumer (Nagios/Icinga) parses it.

mod common;
#[path = "servers/ganesha.rs"]
mod ganesha;
#[path = "servers/smbd.rs"]
mod smbd;

use std::process::Command;

use common::MAMORI;

/// Exit code, text before `|`, and the perfdata label=value;… list.
fn probe(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(MAMORI)
        .arg("probe")
        .args(args)
        .output()
        .unwrap();
    let line = String::from_utf8(out.stdout).unwrap();
    assert_eq!(line.lines().count(), 1, "one line: {line:?}");
    let (text, perf) = match line.trim_end().split_once(" | ") {
        Some((t, p)) => (t.to_string(), p.to_string()),
        None => (line.trim_end().to_string(), String::new()),
    };
    (out.status.code().unwrap(), text, perf)
}

/// `time=0.001234s;W;C;0` → the seconds.
fn time_of(perf: &str) -> f64 {
    let v = perf.strip_prefix("time=").expect(perf);
    let fields: Vec<&str> = v.split(';').collect();
    assert_eq!(fields.len(), 4, "{perf}");
    assert_eq!(fields[3], "0");
    fields[0].strip_suffix('s').unwrap().parse().unwrap()
}

#[test]
fn smb_ok_warning_critical_unknown() {
    let s = smbd::Smbd::start("probecli", 25494, &[]);
    let a = format!("127.0.0.1:{}", s.port);
    let (rc, text, perf) = probe(&["smb", "-s", "pub", "-a", &a]);
    assert_eq!(rc, 0, "{text}");
    assert!(
        text.starts_with(&format!("SMB OK - //{a}/pub tree connect in ")),
        "{text}"
    );
    assert!(text.ends_with(" ms"), "{text}");
    let t = time_of(&perf);
    assert!(t > 0.0 && t < 5.0, "{perf}");
    let (rc, text, perf) = probe(&["smb", "-s", "pub", "-a", &a, "-w", "0.000001"]);
    assert_eq!(rc, 1, "{text}");
    assert!(text.starts_with("SMB WARNING - "), "{text}");
    assert!(perf.contains(";0.000001;;0"), "{perf}");
    let (rc, text, _) = probe(&[
        "smb", "-s", "pub", "-a", &a, "-w", "0.000001", "-c", "0.000002",
    ]);
    assert_eq!(rc, 2, "{text}");
    let (rc, text, _) = probe(&["smb", "-s", "nosuch", "-a", &a]);
    assert_eq!(rc, 2);
    assert!(
        text.starts_with(&format!(
            "SMB CRITICAL - //{a}/nosuch tree connect: tree connect error"
        )),
        "{text}"
    );
    // Stalled server: -t bounds the wait, CRITICAL.
    let pg = s.pgid() as i32;
    Command::new("kill")
        .args(["-STOP", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    let t0 = std::time::Instant::now();
    let (rc, text, _) = probe(&["smb", "-s", "pub", "-a", &a, "-t", "0.5"]);
    let took = t0.elapsed();
    Command::new("kill")
        .args(["-CONT", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    assert_eq!(rc, 2, "{text}");
    assert!(text.contains("no reply"), "{text}");
    assert!(took < std::time::Duration::from_secs(3), "{took:?}");
    // Bad arguments: UNKNOWN.
    for bad in [
        &["smb"][..],
        &["smb", "-s", "pub", "-w", "x"],
        &["smb", "-s", "pub", "-a", "nohost"],
        &["smb", "-s", "pub", "-p", "secret"],
        &["nosuch"],
    ] {
        let (rc, text, _) = probe(bad);
        assert_eq!(rc, 3, "{bad:?}: {text}");
        assert!(text.contains(" UNKNOWN - "), "{text}");
    }
}

#[test]
fn smb_stopped_server_is_critical() {
    // Nothing listens on this port.
    let (rc, text, _) = probe(&["smb", "-s", "pub", "-a", "127.0.0.1:25495"]);
    assert_eq!(rc, 2);
    assert!(
        text.starts_with("SMB CRITICAL - //127.0.0.1:25495/pub tree connect: connect error[111]"),
        "{text}"
    );
}

#[test]
fn nfs_ok_and_stopped() {
    let mut p = ganesha::Peers::start(ganesha::Protocols::V3V4);
    p.enter();
    let dir = p.export();
    let a = ganesha::lo().to_string();
    let (rc, text, perf) = probe(&["nfs", "-d", &dir, "-a", &a]);
    assert_eq!(rc, 0, "{text}");
    assert!(
        text.starts_with(&format!("NFS OK - {a}:{dir} mount in ")),
        "{text}"
    );
    assert!(time_of(&perf) > 0.0);
    let (rc, text, _) = probe(&["nfs", "-d", "/nosuch", "-a", &a]);
    assert_eq!(rc, 2, "{text}");
    let (rc, _, _) = probe(&["nfs", "-d", "relative", "-a", &a]);
    assert_eq!(rc, 3);
    ganesha::Peers::kill(&mut p.ganesha);
    let (rc, text, _) = probe(&["nfs", "-d", &dir, "-a", &a, "-t", "1"]);
    assert_eq!(rc, 2, "{text}");
    assert!(text.starts_with("NFS CRITICAL - "), "{text}");
}

#[test]
fn proc_counts_as_pcheck_matches() {
    let w = common::World::new("probeproc");
    let name = format!("prb{}", std::process::id());
    let (rc, text, perf) = probe(&["proc", &name]);
    assert_eq!(rc, 2, "{text}");
    assert_eq!(
        text,
        format!("PROCS CRITICAL - 0 processes named {name} (expected 1:)")
    );
    assert_eq!(perf, "procs=0;;1:;0");
    w.start_daemon(&name);
    w.start_daemon(&name);
    let (rc, text, _) = probe(&["proc", &name, "-n", "2:2"]);
    assert_eq!(rc, 0, "{text}");
    assert_eq!(
        text,
        format!("PROCS OK - 2 processes named {name} (expected 2:2)")
    );
    let (rc, _, _) = probe(&["proc", &name, "-n", "1:1"]);
    assert_eq!(rc, 2);
    let (rc, _, _) = probe(&["proc", &name, "-n", "3:1"]);
    assert_eq!(rc, 3);
    let (rc, _, _) = probe(&["proc"]);
    assert_eq!(rc, 3);
    for p in common::pids_named(&name) {
        let _ = Command::new("kill").arg(p.to_string()).status();
    }
}
