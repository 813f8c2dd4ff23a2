//! hatimerun end to end: time-outs, statuses, signals, the process group
//! and the descendants that left it, with real processes and signals.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

const SEC: Duration = Duration::from_secs(1);

fn daemon(name: &str) -> String {
    format!("exec -a {name} sleep 100000")
}

/// Field 5 of /proc/PID/stat: the process group.
fn pgrp(pid: i32) -> i32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(')').unwrap().1;
    rest.split_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn a_time_out_kills_the_program_and_exits_99() {
    let w = World::new("htout");
    let t = Instant::now();
    let out = w.run("hatimerun", &["-t", "0.3", "bash", "-c", &daemon(&w.name)]);
    assert_eq!(out.status.code(), Some(99), "{}", stderr(&out));
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < 3 * SEC,
        "{took:?}"
    );
    assert!(pids_named(&w.name).is_empty(), "program left running");
}

#[test]
fn the_programs_own_status_is_returned() {
    let w = World::new("hstat");
    let code = |script: &str| {
        w.run("hatimerun", &["-t", "5", "sh", "-c", script])
            .status
            .code()
    };
    assert_eq!(code("exit 0"), Some(0));
    assert_eq!(code("exit 7"), Some(7));
    // Killed by SIGUSR1 (10): 128 + 10.
    assert_eq!(code("kill -USR1 $$"), Some(138));
    assert_eq!(code("kill -KILL $$"), Some(137));
}

#[test]
fn dash_e_sets_the_time_out_status() {
    let w = World::new("he");
    let out = w.run("hatimerun", &["-t", "0.2", "-e", "42", "sleep", "10"]);
    assert_eq!(out.status.code(), Some(42));
    let out = w.run("hatimerun", &["-t", "1", "-e", "300", "true"]);
    assert_eq!(out.status.code(), Some(98));
    assert_eq!(
        stderr(&out),
        "hatimerun: -e \"300\": not an exit code 0-255 (hatimerun -h for usage)\n"
    );
}

#[test]
fn dash_k_takes_names_and_numbers() {
    let w = World::new("hk");
    let f = w.path("got");
    let script = format!(
        "trap 'echo TERM > {f}; exit 0' TERM; trap 'echo USR1 > {f}; exit 0' USR1; while :; do sleep 0.05; done",
        f = f.display()
    );
    for (sig, want) in [
        ("term", "TERM"),
        ("SIGTERM", "TERM"),
        ("Term", "TERM"),
        ("15", "TERM"),
        ("usr1", "USR1"),
        ("10", "USR1"),
    ] {
        let _ = std::fs::remove_file(&f);
        let out = w.run("hatimerun", &["-t", "0.3", "-k", sig, "sh", "-c", &script]);
        assert_eq!(out.status.code(), Some(99), "-k {sig}: {}", stderr(&out));
        let got = std::fs::read_to_string(&f).unwrap_or_default();
        assert_eq!(got.trim(), want, "-k {sig}");
    }
    let out = w.run("hatimerun", &["-t", "1", "-k", "NOPE", "true"]);
    assert_eq!(out.status.code(), Some(98));
    assert!(stderr(&out).starts_with("hatimerun: -k \"NOPE\": unknown signal"));
}

#[test]
fn the_group_and_descendants_that_left_it_are_killed_and_reaped() {
    let w = World::new("hgrp");
    let n = &w.name;
    // a: in the group; b: setsid (a child of the script); c: setsid -f (an
    // orphan, handed to hatimerun as subreaper); the script itself execs.
    let script = format!(
        "(exec -a {n}a sleep 100000) & setsid bash -c '{}' & setsid -f bash -c '{}'; {}",
        daemon(&format!("{n}b")),
        daemon(&format!("{n}c")),
        daemon(n)
    );
    let mut child = w
        .cmd("hatimerun")
        .args(["-t", "1.5", "bash", "-c", &script])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let names = [format!("{n}a"), format!("{n}b"), format!("{n}c"), n.clone()];
    let pids: Vec<i32> = names
        .iter()
        .map(|name| {
            wait_until(3 * SEC, || pids_named(name).first().copied())
                .unwrap_or_else(|| panic!("{name} did not start"))
        })
        .collect();
    // b and c really left the program's process group.
    let group = pgrp(pids[3]);
    assert_eq!(pgrp(pids[0]), group);
    assert_ne!(pgrp(pids[1]), group);
    assert_ne!(pgrp(pids[2]), group);
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(99));
    for name in &names {
        assert!(pids_named(name).is_empty(), "{name} left behind");
    }
    for pid in pids {
        assert!(
            !std::path::Path::new(&format!("/proc/{pid}")).exists(),
            "{pid} not reaped"
        );
    }
}

#[test]
fn dash_a_leaves_the_program_running() {
    let w = World::new("ha");
    let t = Instant::now();
    // Status only: the program keeps the output pipes open.
    let st = w
        .cmd("hatimerun")
        .args(["-a", "-t", "0.2", "bash", "-c", &daemon(&w.name)])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(99));
    assert!(t.elapsed() < 2 * SEC);
    assert_eq!(pids_named(&w.name).len(), 1, "-a must leave it running");
}

#[test]
fn dash_a_with_dash_k_is_98_and_runs_nothing() {
    let w = World::new("hak");
    let f = w.path("ran");
    let out = w.run(
        "hatimerun",
        &["-a", "-k", "TERM", "-t", "1", "touch", f.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(98));
    assert_eq!(
        stderr(&out),
        "hatimerun: -a and -k exclude each other (hatimerun -h for usage)\n"
    );
    assert!(!f.exists());
}

#[test]
fn sigterm_kills_the_program_as_on_a_time_out_and_exits_98() {
    let w = World::new("hterm");
    let mut child = w
        .cmd("hatimerun")
        .args(["-t", "30", "bash", "-c", &daemon(&w.name)])
        .spawn()
        .unwrap();
    wait_until(3 * SEC, || pids_named(&w.name).first().copied()).expect("not started");
    let t = Instant::now();
    kill(child.id() as i32, "-TERM");
    let st = child.wait().unwrap();
    assert_eq!(st.code(), Some(98));
    assert!(t.elapsed() < 2 * SEC);
    assert!(pids_named(&w.name).is_empty());
}

#[test]
fn dash_x_warns_when_the_run_used_more_than_pct_of_the_time_out() {
    let w = World::new("hx");
    let out = w.run("hatimerun", &["-t", "1", "-x", "20", "sleep", "0.4"]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("sleep used 4"), "{err}");
    assert!(err.contains("of its 1 s time-out (threshold 20%)"), "{err}");
    w.wait_log("(threshold 20%): raise the time-out", SEC);
    assert!(
        w.log_lines()[0].contains(" hatimerun["),
        "{:?}",
        w.log_lines()
    );
    let out = w.run("hatimerun", &["-t", "1", "-x", "90", "sleep", "0.05"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(w.count_log("raise the time-out"), 1);
}

#[test]
fn dash_d_starts_the_clock_once_exec_has_happened() {
    let w = World::new("hd");
    let out = w.run("hatimerun", &["-v", "-d", "-t", "2", "true"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("clock started at exec (-d)"),
        "{}",
        stderr(&out)
    );
    let out = w.run("hatimerun", &["-v", "-t", "2", "true"]);
    assert!(stderr(&out).contains("clock started at fork"));
    // With -d the time-out still applies.
    let out = w.run("hatimerun", &["-d", "-t", "0.2", "sleep", "10"]);
    assert_eq!(out.status.code(), Some(99));
}

#[test]
fn a_program_that_does_not_exist_is_98() {
    let w = World::new("hnx");
    let out = w.run("hatimerun", &["-t", "1", "/no/such/prog"]);
    assert_eq!(out.status.code(), Some(98));
    assert_eq!(
        stderr(&out),
        "hatimerun: /no/such/prog: No such file or directory\n"
    );
    let out = w.run("hatimerun", &["-t", "1", "mamori-no-such-command"]);
    assert_eq!(out.status.code(), Some(98));
}

#[test]
fn usage_errors_are_one_line_and_98() {
    let w = World::new("husage");
    for (args, want) in [
        (vec!["true"], "-t TIMEOUT is required"),
        (
            vec!["-t", "0", "true"],
            "-t \"0\": not a number of seconds > 0",
        ),
        (vec!["-t", "x", "true"], "-t \"x\": not a number"),
        (vec!["-t", "1"], "PROG is missing"),
        (
            vec!["-t", "1", "-x", "0", "true"],
            "-x \"0\": not a percentage",
        ),
        (vec!["-q", "-t", "1", "true"], "unknown option -q"),
    ] {
        let out = w.run("hatimerun", &args);
        assert_eq!(out.status.code(), Some(98), "{args:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("hatimerun: {want}")),
            "{args:?}: {err}"
        );
    }
    let out = Command::new(MAMORI)
        .args(["hatimerun", "--help"])
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("usage: hatimerun -t TIMEOUT"));
}
