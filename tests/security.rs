//! Issue 9's classes that need a real adversary or a real administrator's
//! habit, one test each.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{World, pids_named, stderr, wait_until};

const S: Duration = Duration::from_secs(1);

/// `pkill -f httpd` (an administrator cleaning up) must not end the
/// monitoring of httpd: the supervisor is `pmfd NAMETAG` in argv and comm.
#[test]
fn pkill_of_the_command_spares_its_supervisor() {
    let w = World::new("pmfdname");
    let key = format!("0x{:08x}", w.key);
    let daemon = format!("{}httpd", w.name);
    let pmfadm = |args: &[&str]| {
        w.cmd("pmfadm")
            .env("MAMORI_PMF_IPCKEY", &key)
            .args(args)
            .output()
            .unwrap()
    };
    let script = format!("exec -a {daemon} sleep 100000");
    let o = pmfadm(&["-c", "web", "-n", "-1", "/bin/bash", "-c", &script]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = wait_until(5 * S, || pids_named(&daemon).first().copied()).unwrap();
    let st = Command::new("pkill")
        .args(["-f", &daemon])
        .status()
        .unwrap();
    assert!(st.success());
    let second = wait_until(5 * S, || {
        pids_named(&daemon).into_iter().find(|p| *p != first)
    });
    assert!(
        second.is_some(),
        "restarted: the supervisor survived pkill -f"
    );
    let sup = pmfadm(&["-l", "web"]);
    let text = common::stdout(&sup);
    let sup_pid: i32 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("supervisor: "))
        .unwrap()
        .parse()
        .unwrap();
    let cmdline = std::fs::read(format!("/proc/{sup_pid}/cmdline")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&cmdline).trim_end_matches('\0'),
        "pmfd\0web"
    );
    let comm = std::fs::read_to_string(format!("/proc/{sup_pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "pmfd");
    assert!(pmfadm(&["-s", "web", "KILL"]).status.success());
}
