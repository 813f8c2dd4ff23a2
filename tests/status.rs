//! `mamori status` with a pcheck, a clp_sambamon against a real smbd, a
//! clp_nfsmon against real rpcbind + ganesha and a pmf nametag all
//! running, in all three formats: the JSON parsed by Python's json module
//! and the Prometheus text by prometheus_client's parser. The test runs in
//! its own IPC namespace, so the node it shows is exactly what it started.

mod common;
mod fsmon;
#[path = "servers/ganesha.rs"]
mod ganesha;
#[path = "servers/smbd.rs"]
mod smbd;

use std::io::Write as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::{World, wait_until};
use fsmon::Fs;
use ganesha::{Peers, Protocols};

const S: Duration = Duration::from_secs(1);

fn status(fs: &Fs, pmf_key: &str, args: &[&str]) -> Output {
    fs.w.cmd("status")
        .args(args)
        .env("MAMORI_FSMON_IPCKEY", fs.key())
        .env("MAMORI_PMF_IPCKEY", pmf_key)
        .output()
        .unwrap()
}

/// Runs `python3 -c CODE` with `input` on stdin; its stdout.
fn python(code: &str, input: &str) -> String {
    let mut p = Command::new("python3")
        .args(["-c", code])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    p.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let o = p.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

const JSON_CHECK: &str = r#"
import json, sys
d = json.load(sys.stdin)
assert d["version"] == 1
for i in sorted(d["items"], key=lambda i: (i["kind"], i["name"])):
    print(i["kind"], i["name"], i["state"], i["healthy"], len(i["pids"]), i["restarts"],
          i["check_failures"], i["last_change"] > 0, i["owner"] > 0, i["target"] != "")
print("healthy", d["healthy"])
"#;

const PROM_CHECK: &str = r#"
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in sorted(fam.samples, key=lambda s: sorted(s.labels.items())):
        labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        print(fam.type, s.name, labels, int(s.value) if s.name != "mamori_last_change_seconds" else s.value > 0)
"#;

#[test]
fn every_monitor_in_three_formats_and_the_exit_status() {
    // A private IPC namespace for this thread and all it starts.
    // SAFETY: only CLONE_NEWIPC: no file table or memory is shared or
    // unshared, which is what makes unshare unsafe in general.
    unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWIPC) }
        .expect("unshare(CLONE_NEWIPC)");
    let peers = Peers::start(Protocols::V3V4);
    let s = smbd::Smbd::start("status", 25491, &[]);
    let mut fs = Fs::new("status");
    let pmf_key = format!("0x{:08x}", fs.w.key ^ 0x0010_0000);

    // Nothing is watched yet: healthy, and the table has its header only.
    let o = status(&fs, &pmf_key, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert_eq!(common::stdout(&o).lines().count(), 1);

    // pcheck watching one daemon.
    let w = World::new("statuspc");
    let daemon = w.name.clone();
    let daemon_pid = w.start_daemon(&daemon);
    let script = w.restart_script("restart.sh", &daemon, 0);
    let pfile = w.pfile(
        "MONITOR_INTERVAL 0.2\n",
        &[format!("{daemon}:{}:60:3:continue", script.display())],
    );
    let mut w = w;
    let pcheck = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({daemon} ,pid={daemon_pid}) Up"), 10 * S);

    let addr = format!("127.0.0.1:{}", s.port);
    let samba = fs.start(
        "clp_sambamon",
        &[
            "smb1", "-s", "pub", "-a", &addr, "-i", "1", "-r", "1", "-c", "3",
        ],
    );
    let export = peers.export();
    let nfs = fs.start(
        "clp_nfsmon",
        &[
            "nfs1",
            "-d",
            &export,
            "-a",
            "127.0.0.1",
            "-i",
            "1",
            "-c",
            "2",
        ],
    );
    fs.wait_line(samba, "[2] ", 10 * S);
    fs.wait_line(nfs, "[2] ", 10 * S);
    let o =
        fs.w.cmd("pmfadm")
            .env("MAMORI_PMF_IPCKEY", &pmf_key)
            .args(["-c", "stweb", "-n", "-1", "/bin/sleep", "100000"])
            .output()
            .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));

    // The table: one line each, healthy.
    let o = status(&fs, &pmf_key, &[]);
    let table = common::stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{table}{}", common::stderr(&o));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 5, "{table}");
    assert!(lines[0].starts_with("KIND"), "{table}");
    let line = |kind: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(kind))
            .unwrap_or_else(|| panic!("no {kind} line in\n{table}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    let pc = line("pcheck");
    let daemon_pid_text = daemon_pid.to_string();
    assert_eq!(
        &pc[..4],
        ["pcheck", daemon.as_str(), "AVAIL", daemon_pid_text.as_str()]
    );
    assert_eq!(pc.last().copied(), Some(pcheck.to_string().as_str()));
    let sm = line("clp_sambamon");
    assert_eq!(&sm[..3], ["clp_sambamon", "smb1", "watching"]);
    assert_eq!(sm.last().copied(), Some(samba.to_string().as_str()));
    let nf = line("clp_nfsmon");
    assert_eq!(&nf[..3], ["clp_nfsmon", "nfs1", "watching"]);
    let pm = line("pmf");
    assert_eq!(&pm[..3], ["pmf", "stweb", "running"]);

    // JSON, parsed.
    let o = status(&fs, &pmf_key, &["--json"]);
    assert_eq!(o.status.code(), Some(0));
    let parsed = python(JSON_CHECK, &common::stdout(&o));
    assert_eq!(
        parsed,
        format!(
            "clp_nfsmon nfs1 watching True 1 0 0 True True True\n\
             clp_sambamon smb1 watching True 1 0 0 True True True\n\
             pcheck {daemon} AVAIL True 1 0 0 True True True\n\
             pmf stweb running True 1 0 0 True True True\n\
             healthy True\n"
        )
    );

    // Prometheus text, parsed.
    let o = status(&fs, &pmf_key, &["--prometheus"]);
    assert_eq!(o.status.code(), Some(0));
    let prom = python(PROM_CHECK, &common::stdout(&o));
    for want in [
        "gauge mamori_up kind=clp_sambamon,name=smb1,state=watching 1".to_string(),
        "gauge mamori_up kind=clp_nfsmon,name=nfs1,state=watching 1".to_string(),
        format!("gauge mamori_up kind=pcheck,name={daemon},state=AVAIL 1"),
        "gauge mamori_up kind=pmf,name=stweb,state=running 1".to_string(),
        "counter mamori_restarts_total kind=pmf,name=stweb,state=running 0".to_string(),
        "gauge mamori_check_failures kind=clp_sambamon,name=smb1,state=watching 0".to_string(),
        "gauge mamori_last_change_seconds kind=clp_nfsmon,name=nfs1,state=watching True"
            .to_string(),
        "gauge mamori_status_ok  1".to_string(),
    ] {
        assert!(prom.lines().any(|l| l == want), "no {want:?} in\n{prom}");
    }

    // A restart shows in the counts: kill the daemon, pcheck restarts it.
    common::kill(daemon_pid, "-KILL");
    w.wait_log_count(") Up", 2, 10 * S);
    let restarted = wait_until(5 * S, || {
        let o = status(&fs, &pmf_key, &["--json"]);
        let j = python(JSON_CHECK, &common::stdout(&o));
        j.lines()
            .find(|l| l.starts_with("pcheck") && l.contains(" AVAIL True 1 1 "))
            .map(str::to_string)
    });
    assert!(restarted.is_some(), "pcheck restart counted");

    // A stalled smbd: the monitor is failing, status exits 1.
    s.stop();
    let failing = wait_until(10 * S, || {
        let o = status(&fs, &pmf_key, &[]);
        (o.status.code() == Some(1))
            .then(|| common::stdout(&o))
            .filter(|t| t.contains("failing 1 of 3") || t.contains("failing 2 of 3"))
    });
    assert!(failing.is_some(), "sambamon shown failing, exit 1");
    let o = status(&fs, &pmf_key, &["--prometheus"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        common::stdout(&o)
            .contains("mamori_up{kind=\"clp_sambamon\",name=\"smb1\",state=\"failing\"} 0"),
        "{}",
        common::stdout(&o)
    );
    drop(s);

    // A killed pcheck leaves its segment: shown stale, exit 1.
    common::kill(pcheck as i32, "-KILL");
    w.wait_pcheck(pcheck, 5 * S);
    let o = status(&fs, &pmf_key, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        common::stdout(&o).contains("stale (pcheck["),
        "{}",
        common::stdout(&o)
    );

    // Usage error: 2.
    assert_eq!(status(&fs, &pmf_key, &["--xml"]).status.code(), Some(2));

    // Tidy: stop the rest.
    let _ = fs.run("clp_nfsmon", &["nfs1", "-stop"]);
    let o =
        fs.w.cmd("pmfadm")
            .env("MAMORI_PMF_IPCKEY", &pmf_key)
            .args(["-s", "stweb", "KILL"])
            .output()
            .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    common::kill_named(&daemon);
    drop(peers);
}
