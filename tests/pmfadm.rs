//! pmfadm end to end: supervisors detached by `-c`, restarts of real
//! processes killed with real signals, the registry in shared memory.
//! Each test has its own registry key (MAMORI_PMF_IPCKEY) and syslog.

mod common;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

const SEC: Duration = Duration::from_secs(1);

/// A World with its own pmf registry; stops every nametag and removes the
/// registry when dropped.
struct Pmf {
    w: World,
}

impl Pmf {
    fn new(tag: &str) -> Pmf {
        Pmf { w: World::new(tag) }
    }

    fn key(&self) -> String {
        format!("0x{:08x}", self.w.key)
    }

    fn cmd(&self) -> Command {
        let mut c = self.w.cmd("pmfadm");
        c.env("MAMORI_PMF_IPCKEY", self.key())
            .env_remove("MAMORI_PMF_NO_CONNECTOR");
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// `pmfadm -c` that must succeed.
    fn start(&self, args: &[&str]) {
        let mut all = vec!["-c"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(out.status.success(), "pmfadm {all:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "");
    }

    fn query(&self, tag: &str) -> bool {
        let out = self.run(&["-q", tag]);
        assert_eq!(stdout(&out), "");
        match out.status.code() {
            Some(0) => true,
            Some(1) => false,
            other => panic!("-q {tag}: {other:?} {}", stderr(&out)),
        }
    }

    fn list(&self, tag: &str) -> String {
        let out = self.run(&["-l", tag]);
        assert!(out.status.success(), "-l {tag}: {}", stderr(&out));
        stdout(&out)
    }

    fn field(&self, tag: &str, name: &str) -> String {
        let text = self.list(tag);
        text.lines()
            .find_map(|l| l.trim().strip_prefix(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} in\n{text}"))
            .trim()
            .to_string()
    }

    fn pids(&self, tag: &str) -> Vec<i32> {
        self.field(tag, "pids")
            .split_whitespace()
            .map(|p| p.parse().unwrap())
            .collect()
    }

    fn supervisor(&self, tag: &str) -> i32 {
        self.field(tag, "supervisor").parse().unwrap()
    }

    fn script(&self, leaf: &str, body: &str) -> String {
        self.w.script(leaf, body).display().to_string()
    }
}

impl Drop for Pmf {
    fn drop(&mut self) {
        let out = self.run(&["-L"]);
        for tag in stdout(&out).lines() {
            let _ = self.run(&["-s", tag, "-w", "2", "KILL"]);
        }
        let _ = Command::new("ipcrm")
            .args(["-M", &self.key(), "-S", &self.key()])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

fn daemon(name: &str) -> String {
    format!("exec -a {name} sleep 100000")
}

/// Waits for exactly one live process named `name` other than `not`.
fn wait_one(name: &str, not: Option<i32>) -> i32 {
    wait_until(5 * SEC, || {
        let p = pids_named(name);
        (p.len() == 1 && Some(p[0]) != not).then(|| p[0])
    })
    .unwrap_or_else(|| panic!("no single new {name}: {:?}", pids_named(name)))
}

#[test]
fn start_query_list_and_stop() {
    let p = Pmf::new("pstart");
    let d = p.w.name.clone();
    p.start(&["web.0", "-n", "2", "-t", "5", "bash", "-c", &daemon(&d)]);
    let pid = wait_one(&d, None);
    assert!(p.query("web.0"));
    assert!(!p.query("web.1"));
    assert_eq!(stdout(&p.run(&["-L"])), "web.0\n");
    let list = p.list("web.0");
    assert!(
        list.starts_with(&format!(
            "pmfadm -c web.0 -n 2 -t 5 bash -c exec -a {d} sleep 100000\n"
        )),
        "{list}"
    );
    assert_eq!(p.pids("web.0"), vec![pid]);
    assert_eq!(p.field("web.0", "retries"), "0");
    assert_eq!(p.field("web.0", "owner"), "0");
    assert_eq!(p.field("web.0", "monitor children"), "all");
    let sup = p.supervisor("web.0");
    p.w.wait_log(
        &format!("pmfd[{sup}]: web.0: started bash (pid {pid})"),
        SEC,
    );
    // The supervisor is detached (double fork): a new session that it does
    // not lead, so it can never take a terminal; not our child.
    let fields = |pid: &str| -> Vec<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let rest = stat.rsplit_once(')').unwrap().1.to_string();
        rest.split_whitespace().map(String::from).collect()
    };
    let f = fields(&sup.to_string());
    let mine = fields("self");
    assert_ne!(f[3], mine[3], "same session as the caller");
    assert_ne!(f[3], sup.to_string(), "a session leader");
    assert_ne!(f[1], std::process::id().to_string());
    // -s without a signal: monitoring stops, the program keeps running.
    let out = p.run(&["-s", "web.0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!p.query("web.0"));
    assert_eq!(pids_named(&d), vec![pid]);
    p.w.wait_log("web.0: stopped; nametag removed", SEC);
    assert_eq!(p.run(&["-l", "web.0"]).status.code(), Some(1));
}

#[test]
fn a_death_is_restarted() {
    let p = Pmf::new("prestart");
    let d = p.w.name.clone();
    p.start(&["svc", "-n", "5", "bash", "-c", &daemon(&d)]);
    let first = wait_one(&d, None);
    kill(first, "-KILL");
    let second = wait_one(&d, Some(first));
    p.w.wait_log(&format!("svc: pid {first} ended (killed by signal 9)"), SEC);
    p.w.wait_log("svc: restarted bash (pid ", SEC);
    assert_eq!(p.field("svc", "retries"), "1");
    assert_eq!(p.pids("svc"), vec![second]);
}

/// A script whose child outlives it: no restart until the child exits too.
fn script_with_a_child(no_connector: bool) {
    let p = Pmf::new(if no_connector { "pchildp" } else { "pchild" });
    let d = p.w.name.clone();
    let script = format!("({}) & {}", daemon(&format!("{d}a")), daemon(&d));
    let mut c = p.cmd();
    if no_connector {
        c.env("MAMORI_PMF_NO_CONNECTOR", "1");
    }
    let out = c
        .args(["-c", "tree", "-n", "3", "bash", "-c", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let parent = wait_one(&d, None);
    let child = wait_one(&format!("{d}a"), None);
    kill(parent, "-KILL");
    p.w.wait_log(&format!("tree: pid {parent} ended"), 2 * SEC);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        p.w.count_log("restarted"),
        0,
        "restarted while a child runs"
    );
    assert!(p.query("tree"));
    assert_eq!(p.pids("tree"), vec![child]);
    kill(child, "-KILL");
    p.w.wait_log("tree: restarted bash", 2 * SEC);
    wait_one(&d, Some(parent));
    wait_one(&format!("{d}a"), Some(child));
}

#[test]
fn a_script_with_a_child_is_restarted_only_when_the_last_exits() {
    script_with_a_child(false);
}

#[test]
fn without_the_event_connector_proc_tells_the_same() {
    script_with_a_child(true);
}

#[test]
fn dash_c_0_watches_only_the_command_of_a_daemonising_script() {
    let p = Pmf::new("pdepth");
    let d = p.w.name.clone();
    let script = p.script(
        "start.sh",
        &format!(
            "#!/bin/sh\nsetsid bash -c '{}' </dev/null >/dev/null 2>&1 &\nexit 0\n",
            daemon(&d)
        ),
    );
    // -C 0: the script's exit is the service's death, though its daemon
    // (depth 1) runs on: restarted twice, then given up.
    p.start(&["lvl0", "-C", "0", "-n", "2", &script]);
    p.w.wait_log("lvl0: giving up; nametag removed", 5 * SEC);
    assert_eq!(p.w.count_log("lvl0: restarted"), 2);
    assert!(!p.query("lvl0"));
    wait_until(2 * SEC, || (pids_named(&d).len() == 3).then_some(()))
        .expect("three daemons, none killed");
    kill_named(&d);
    // -C 1: the daemon is watched; the script's exit is no death.
    p.start(&["lvl1", "-C", "1", "-n", "2", &script]);
    let daemon_pid = wait_one(&d, None);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(p.w.count_log("lvl1: restarted"), 0);
    assert_eq!(p.pids("lvl1"), vec![daemon_pid]);
    assert_eq!(p.field("lvl1", "monitor children"), "level 1");
    kill(daemon_pid, "-KILL");
    p.w.wait_log("lvl1: restarted", 2 * SEC);
    wait_one(&d, Some(daemon_pid));
}

#[test]
fn retries_within_the_period_then_give_up_and_dash_m_changes_them() {
    let p = Pmf::new("pgive");
    let d = p.w.name.clone();
    p.start(&["gu", "-n", "0", "-t", "1", "bash", "-c", &daemon(&d)]);
    let out = p.run(&["-m", "gu", "-n", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(p.list("gu").starts_with("pmfadm -c gu -n 2 -t 1 "));
    let mut last = None;
    for _ in 0..2 {
        let pid = wait_one(&d, last);
        kill(pid, "-KILL");
        last = Some(pid);
    }
    let pid = wait_one(&d, last);
    p.w.wait_log("gu: restarted bash (pid ", SEC);
    p.w.wait_log("(pid ", SEC);
    kill(pid, "-KILL");
    p.w.wait_log("gu: retries used up (2 within 1 min)", 2 * SEC);
    p.w.wait_log("gu: giving up; nametag removed", SEC);
    assert_eq!(p.w.count_log("gu: restarted"), 2);
    assert!(p.w.log_lines().iter().any(|l| l.contains("retry 2 of 2")));
    assert!(!p.query("gu"));
    std::thread::sleep(Duration::from_millis(200));
    assert!(pids_named(&d).is_empty());
}

#[test]
fn the_action_decides_restart_or_give_up() {
    let p = Pmf::new("paction");
    let d = p.w.name.clone();
    let args = p.w.path("args");
    let code = p.w.path("code");
    std::fs::write(&code, "0").unwrap();
    let action = p.script(
        "action.sh",
        &format!(
            "#!/bin/sh\necho \"$@\" >> {}\nexit $(cat {})\n",
            args.display(),
            code.display()
        ),
    );
    p.start(&["act", "-a", &action, "-n", "0", "bash", "-c", &daemon(&d)]);
    let first = wait_one(&d, None);
    kill(first, "-KILL");
    p.w.wait_log("act: action exited 0: restarting", 2 * SEC);
    let second = wait_one(&d, Some(first));
    assert_eq!(std::fs::read_to_string(&args).unwrap(), "failed act\n");
    assert!(p.query("act"));
    std::fs::write(&code, "3").unwrap();
    kill(second, "-KILL");
    p.w.wait_log("act: action ended (exit status 3): giving up", 2 * SEC);
    p.w.wait_log("act: giving up; nametag removed", SEC);
    assert!(!p.query("act"));
    assert_eq!(
        std::fs::read_to_string(&args).unwrap(),
        "failed act\nfailed act\n"
    );
}

#[test]
fn dash_s_with_a_signal_waits_and_escalates_to_sigkill() {
    let p = Pmf::new("pstop");
    let d = p.w.name.clone();
    // Ignores SIGTERM (an ignored signal stays ignored across exec).
    p.start(&[
        "deaf",
        "-n",
        "5",
        "bash",
        "-c",
        &format!("trap '' TERM; {}", daemon(&d)),
    ]);
    let pid = wait_one(&d, None);
    let t = Instant::now();
    let out = p.run(&["-s", "deaf", "-w", "1", "TERM"]);
    let took = t.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    // SIGTERM, 80 % of 1 s, then SIGKILL.
    assert!(
        took >= Duration::from_millis(750) && took < Duration::from_millis(1500),
        "{took:?}"
    );
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists() || is_zombie(pid));
    assert!(pids_named(&d).is_empty());
    assert!(!p.query("deaf"));
    assert_eq!(p.w.count_log("restarted"), 0, "stopped means no restart");
    // A program that obeys SIGTERM ends at once.
    p.start(&["polite", "-n", "5", "bash", "-c", &daemon(&d)]);
    wait_one(&d, None);
    let t = Instant::now();
    let out = p.run(&["-s", "polite", "-w", "5", "term"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(t.elapsed() < SEC, "{:?}", t.elapsed());
    assert!(pids_named(&d).is_empty());
    assert!(!p.query("polite"));
}

#[test]
fn dash_k_signals_and_keeps_monitoring() {
    let p = Pmf::new("pkill");
    let d = p.w.name.clone();
    let got = p.w.path("got");
    let ready = p.w.path("ready");
    let script = format!(
        "trap 'echo USR1 >> {}' USR1; : > {}; while :; do sleep 0.05; done",
        got.display(),
        ready.display()
    );
    p.start(&["sig", "-n", "5", "bash", "-c", &script]);
    wait_until(2 * SEC, || ready.exists().then_some(())).expect("trap not set");
    let out = p.run(&["-k", "sig", "USR1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    wait_until(2 * SEC, || {
        std::fs::read_to_string(&got)
            .ok()
            .filter(|s| s.contains("USR1"))
    })
    .expect("USR1 not delivered");
    assert!(p.query("sig"));
    assert_eq!(p.w.count_log("restarted"), 0);
    // -w with a signal that ends nothing: a time-out error, exit 3.
    let t = Instant::now();
    let out = p.run(&["-k", "sig", "-w", "0.3", "CONT"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        stderr(&out),
        "pmfadm: sig: processes still running after 300ms\n"
    );
    // -k KILL -w: returns when the processes are gone; monitoring goes on.
    let before = p.pids("sig");
    let out = p.run(&["-k", "sig", "-w", "2", "KILL"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for pid in before {
        assert!(!std::path::Path::new(&format!("/proc/{pid}/cmdline")).exists() || is_zombie(pid));
    }
    p.w.wait_log("sig: restarted bash", 2 * SEC);
    assert!(p.query("sig"));
    let _ = d;
}

#[test]
fn a_running_nametag_cannot_be_started_twice() {
    let p = Pmf::new("pdup");
    let d = p.w.name.clone();
    p.start(&["one", "bash", "-c", &daemon(&d)]);
    let pid = wait_one(&d, None);
    let sup = p.supervisor("one");
    let out = p.run(&["-c", "one", "bash", "-c", &daemon(&format!("{d}b"))]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("pmfadm: one: already running (supervisor pid {sup})\n")
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(pids_named(&format!("{d}b")).is_empty());
    assert_eq!(p.pids("one"), vec![pid]);
}

#[test]
fn a_supervisor_killed_with_9_leaves_no_stale_nametag() {
    let p = Pmf::new("pk9");
    let d = p.w.name.clone();
    p.start(&["k9", "-n", "3", "bash", "-c", &daemon(&d)]);
    let pid = wait_one(&d, None);
    let sup = p.supervisor("k9");
    kill(sup, "-KILL");
    wait_until(2 * SEC, || {
        (!std::path::Path::new(&format!("/proc/{sup}/cmdline")).exists()).then_some(())
    });
    assert!(segment_exists(p.w.key), "the slot is still in the segment");
    assert!(
        !p.query("k9"),
        "a dead supervisor's nametag is not registered"
    );
    assert_eq!(stdout(&p.run(&["-L"])), "");
    // The program was not killed; a new -c on the tag takes the slot over.
    assert_eq!(pids_named(&d), vec![pid]);
    kill(pid, "-KILL");
    p.start(&["k9", "-n", "3", "bash", "-c", &daemon(&d)]);
    wait_one(&d, Some(pid));
    assert_ne!(p.supervisor("k9"), sup);
    assert!(p.query("k9"));
}

#[test]
fn a_thousand_restarts_leave_no_zombie_and_no_fd_growth() {
    let p = Pmf::new("pthousand");
    let count = p.w.path("count");
    std::fs::write(&count, "0\n").unwrap();
    // Only dash builtins until the 1001st run, which stays.
    let script = p.script(
        "crash.sh",
        &format!(
            "#!/bin/sh\nread n < {c}\nn=$((n+1))\necho $n > {c}\n[ $n -gt 1000 ] && exec sleep 100000\nexit 0\n",
            c = count.display()
        ),
    );
    // Crash-loop back-off off: this test is about 1000 restarts leaving
    // nothing behind (the back-off has its own test).
    let out = p
        .cmd()
        .env("MAMORI_PMF_YOUNG_MS", "0")
        .args(["-c", "loop", "-n", "-1", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let sup = p.supervisor("loop");
    let fds = fd_count(sup as u32);
    let t = Instant::now();
    p.w.wait_log_count("loop: restarted", 1000, 60 * SEC);
    let took = t.elapsed();
    wait_until(2 * SEC, || {
        (p.field("loop", "restarts") == "1000").then_some(())
    })
    .expect("1000 restarts recorded");
    // The 1001st run may be between `echo`'s truncation and its write.
    let runs = wait_until(5 * SEC, || {
        let n = std::fs::read_to_string(&count).unwrap();
        (n.trim() == "1001").then_some(())
    });
    assert!(
        runs.is_some(),
        "runs counted: {:?}",
        std::fs::read_to_string(&count).unwrap()
    );
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(p.w.count_log("loop: restarted"), 1000);
    assert_eq!(fd_count(sup as u32), fds, "fd count grew");
    assert_eq!(zombie_children(sup as u32), 0, "zombies left");
    assert_eq!(p.pids("loop").len(), 1);
    eprintln!("1000 restarts in {took:?}");
}

#[test]
fn the_environment_is_minimal_unless_dash_e_or_dash_big_e() {
    let p = Pmf::new("penv");
    let d = p.w.name.clone();
    let f = p.w.path("env");
    let script = format!("env > {}; {}", f.display(), daemon(&d));
    let mut c = p.cmd();
    c.env("MAMORI_TEST_MARK", "x1");
    let out = c
        .args([
            "-c",
            "e1",
            "-e",
            "FOO=bar",
            "-e",
            "PATH=/bin",
            "bash",
            "-c",
            &script,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env = wait_until(2 * SEC, || {
        std::fs::read_to_string(&f)
            .ok()
            .filter(|s| s.contains("FOO"))
    })
    .unwrap();
    assert!(env.lines().any(|l| l == "FOO=bar"), "{env}");
    assert!(env.lines().any(|l| l == "PATH=/bin"), "{env}");
    assert!(!env.contains("MAMORI_TEST_MARK"), "{env}");
    let _ = p.run(&["-s", "e1", "-w", "2", "KILL"]);
    std::fs::remove_file(&f).unwrap();
    let mut c = p.cmd();
    c.env("MAMORI_TEST_MARK", "x2");
    let out = c
        .args(["-c", "e2", "-E", "bash", "-c", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let env = wait_until(2 * SEC, || {
        std::fs::read_to_string(&f)
            .ok()
            .filter(|s| s.contains("MARK"))
    })
    .unwrap();
    assert!(env.lines().any(|l| l == "MAMORI_TEST_MARK=x2"), "{env}");
}

#[test]
fn only_the_owner_or_root_may_change_a_nametag() {
    let p = Pmf::new("powner");
    let d = p.w.name.clone();
    p.start(&["mine", "bash", "-c", &daemon(&d)]);
    let pid = wait_one(&d, None);
    let out = Command::new("setpriv")
        .args([
            "--reuid",
            "65534",
            "--regid",
            "65534",
            "--clear-groups",
            MAMORI,
            "pmfadm",
        ])
        .args(["-s", "mine", "KILL"])
        .env("MAMORI_PMF_IPCKEY", p.key())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("pmfadm: "), "{err}");
    assert!(p.query("mine"));
    assert_eq!(pids_named(&d), vec![pid]);
}

#[test]
fn bad_input_is_one_line_and_starts_nothing() {
    let p = Pmf::new("pusage");
    for (args, code, want) in [
        (vec![], 2, "give one of -c -m -s -k -l -L -q"),
        (vec!["-c", "t"], 2, "-c needs a command"),
        (
            vec!["-c", "t", "-n", "x", "true"],
            2,
            "-n \"x\": not a number >= -1",
        ),
        (
            vec!["-c", "t", "-w", "1", "true"],
            2,
            "-w does not go with this form",
        ),
        (
            vec!["-c", "t", "-e", "X=1", "-E", "true"],
            2,
            "-e and -E exclude each other",
        ),
        (
            vec!["-c", "t", "-e", "X", "true"],
            2,
            "-e \"X\": not VAR=VALUE",
        ),
        (vec!["-k", "t"], 2, "-k needs a signal"),
        (vec!["-s", "t", "BOGUS"], 2, "unknown signal \"BOGUS\""),
        (vec!["-m", "t"], 2, "-m needs -n or -t"),
        (
            vec!["-c", "t", "/no/such/prog"],
            1,
            "/no/such/prog: no such executable",
        ),
        (vec!["-s", "t"], 1, "t: no such nametag"),
    ] {
        let out = p.run(&args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("pmfadm: {want}")),
            "{args:?}: {err}"
        );
    }
    assert!(!segment_exists(p.w.key), "nothing may be created");
    let out = p
        .cmd()
        .env("MAMORI_PMF_IPCKEY", "zz")
        .args(["-L"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A command that dies at once, again and again, is restarted about once a
/// second after five young deaths in a row, not hundreds of times a second.
#[test]
fn a_crash_loop_is_slowed_to_about_one_restart_a_second() {
    let p = Pmf::new("pbackoff");
    p.start(&["crash", "-n", "-1", "/bin/false"]);
    p.w.wait_log(
        "crash: died within 1000 ms of its start 5 times in a row",
        5 * SEC,
    );
    let at = p.w.count_log("crash: restarted");
    std::thread::sleep(3 * SEC);
    let later = p.w.count_log("crash: restarted");
    assert!(
        (2..=5).contains(&(later - at)),
        "{} restarts in 3 s of back-off",
        later - at
    );
    assert!(p.run(&["-s", "crash"]).status.success());
}
