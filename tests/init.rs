//! `mamori init` end to end, with real processes and signals.
//! - Container mode (tini's semantics) as PID 1 of a fresh PID namespace
//!   (`unshare --pid --fork --mount-proc`) and as a child subreaper.
//! - System mode as PID 1 of a fresh PID namespace: inittab order,
//!   respawn, throttle, every signal busybox init reads, the way down
//!   (which there ends by exiting), bad lines, missing programs.
//! - halt/poweroff/reboot refusing under another PID 1, and `-f` inside
//!   a PID namespace (where the kernel turns reboot(2) into the end of
//!   that namespace, never of the host).
//! - A real boot in qemu (tools/initramfs, Debian's kernel): the inittab
//!   of tests/boot, poweroff, and a second boot ended by Ctrl-Alt-Del
//!   sent by qemu's monitor.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

const LIMIT: Duration = Duration::from_secs(20);
/// `Running::init_pid` of an init that ended before it was seen.
const GONE: i32 = i32::MAX;

/// Records every signal it gets (one number a line in FILE, after a
/// `ready PPID PID` line) until SIGTERM, then exits 0. Signals are blocked and
/// taken with sigwaitinfo, so none is lost or merged while one is written.
const RECORDER: &str = r#"
import os, signal, sys
out = open(sys.argv[1], 'a', buffering=1)
sigs = signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP}
signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
out.write('ready %d %d\n' % (os.getppid(), os.getpid()))
while True:
    s = signal.sigwaitinfo(sigs).si_signo
    out.write('%d\n' % s)
    if s == signal.SIGTERM:
        sys.exit(0)
"#;

/// The signals container mode forwards: every catchable one but SIGCHLD
/// and the synchronous faults (as tini).
fn forwarded_signals() -> Vec<i32> {
    let skip = [4, 5, 6, 7, 8, 9, 11, 17, 19, 31, 32, 33];
    (1..=64)
        .filter(|s| !skip.contains(s) && *s != 15)
        .chain([15])
        .collect()
}

/// A running `mamori init …`, its stdout and stderr (the console) read
/// line by line into `lines`.
struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// In a PID namespace: init's pid as this namespace sees it.
    init_pid: i32,
}

impl Running {
    /// `mamori init ARGS`, in a fresh PID namespace when `ns`.
    fn start(w: &World, ns: bool, args: &[&str], env: &[(&str, &str)]) -> Running {
        let (reader, writer) = std::io::pipe().unwrap();
        let mut c = if ns {
            let mut c = Command::new("unshare");
            c.args(["--pid", "--fork", "--mount-proc", "--", MAMORI]);
            c
        } else {
            Command::new(MAMORI)
        };
        c.arg("init")
            .args(args)
            .env("MAMORI_SYSLOG_SOCKET", w.log_socket())
            .env("T", &w.dir)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(writer.try_clone().unwrap())
            .stderr(writer);
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c.spawn().unwrap();
        drop(c);
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let pid = child.id() as i32;
        let mut child = child;
        let init_pid = if ns {
            // A CMD that exits at once may take init and unshare with it
            // before init is ever seen: then there is no pid to signal.
            wait_until(LIMIT, || {
                let kids =
                    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
                match kids.split_whitespace().next() {
                    Some(k) => k.parse().ok(),
                    None => child.try_wait().ok().flatten().map(|_| GONE),
                }
            })
            .expect("unshare did not start init")
        } else {
            pid
        };
        Running {
            child,
            lines,
            init_pid,
        }
    }

    fn signal(&self, sig: &str) {
        assert_ne!(self.init_pid, GONE, "init already ended: nothing to signal");
        kill(self.init_pid, sig);
    }

    fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn count(&self, needle: &str) -> usize {
        let lines = self.lines.lock().unwrap();
        lines.iter().filter(|l| hit(l, needle)).count()
    }

    /// Waits for the `n`th line with `needle`; returns its index.
    fn wait_nth(&self, needle: &str, n: usize) -> usize {
        wait_until(LIMIT, || {
            let lines = self.lines.lock().unwrap();
            lines
                .iter()
                .enumerate()
                .filter(|(_, l)| hit(l, needle))
                .nth(n - 1)
                .map(|(i, _)| i)
        })
        .unwrap_or_else(|| panic!("no {n}× {needle:?} on the console:\n{}", self.text()))
    }

    fn wait_line(&self, needle: &str) -> usize {
        self.wait_nth(needle, 1)
    }

    /// Index of the first line with `needle` (it must be there).
    fn index(&self, needle: &str) -> usize {
        let lines = self.lines.lock().unwrap();
        lines
            .iter()
            .position(|l| hit(l, needle))
            .unwrap_or_else(|| panic!("no {needle:?} on the console:\n{}", lines.join("\n")))
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                // The console pipe closes once every process is gone.
                std::thread::sleep(Duration::from_millis(50));
                return st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("init did not exit; console:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            // SIGKILL to a namespace's init ends the whole namespace.
            let _ = Command::new("kill")
                .args(["-9", &self.init_pid.to_string()])
                .status();
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Whether console `line` shows `needle`: a `T: ` marker (a test
/// script's output) must start the line, so that init's own `starting …
/// 'echo T: x'` line does not count as the output `T: x`.
fn hit(line: &str, needle: &str) -> bool {
    if needle.starts_with("T: ") {
        line.starts_with(needle)
    } else {
        line.contains(needle)
    }
}

/// Lines of a file that another process appends to.
fn file_lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .map(String::from)
        .collect()
}

fn wait_file_line(p: &Path, want: &str) {
    wait_until(LIMIT, || {
        file_lines(p).iter().any(|l| l == want).then_some(())
    })
    .unwrap_or_else(|| panic!("no line {want:?} in {}: {:?}", p.display(), file_lines(p)));
}

// ---------------------------------------------------------------- container

fn container_status(ns: bool, cmd: &[&str]) -> (Option<i32>, String) {
    let w = World::new("ic");
    let mut args = vec!["--"];
    args.extend_from_slice(cmd);
    let mut r = Running::start(&w, ns, &args, &[]);
    let st = r.wait_exit();
    (st.code(), r.text())
}

fn exit_statuses_pass_through(ns: bool) {
    assert_eq!(container_status(ns, &["sh", "-c", "exit 0"]).0, Some(0));
    assert_eq!(container_status(ns, &["sh", "-c", "exit 7"]).0, Some(7));
    // Killed by SIGUSR1 (10) and SIGKILL (9): 128 + the signal.
    assert_eq!(
        container_status(ns, &["sh", "-c", "kill -USR1 $$"]).0,
        Some(138)
    );
    assert_eq!(
        container_status(ns, &["sh", "-c", "kill -KILL $$"]).0,
        Some(137)
    );
    let (code, text) = container_status(ns, &["/nonexistent/cmd"]);
    assert_eq!(code, Some(127), "{text}");
    assert!(
        text.contains("can't run '/nonexistent/cmd'"),
        "one clear line: {text}"
    );
}

#[test]
fn container_exit_status_and_signal_death_pid1() {
    exit_statuses_pass_through(true);
}

#[test]
fn container_exit_status_and_signal_death_subreaper() {
    exit_statuses_pass_through(false);
}

/// A double fork leaves an orphan; it must be re-parented to init (PID 1
/// or, as a subreaper, init's pid) and reaped when it ends (gone from
/// /proc, not a zombie).
fn orphans_are_reaped(ns: bool) {
    let w = World::new("io");
    let script = w.script(
        "orphan.sh",
        "#!/bin/sh\n\
         sh -c 'sleep 0.5 & echo $! > \"$T/orphan\"'\n\
         o=$(cat \"$T/orphan\")\n\
         pp=$(awk '/^PPid/{print $2}' /proc/$o/status)\n\
         [ \"$pp\" = \"$PPID\" ] || { echo \"orphan's parent $pp, not init $PPID\"; exit 3; }\n\
         i=0; while [ -e /proc/$o ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n\
         if [ -e /proc/$o ]; then echo \"orphan left: $(cat /proc/$o/stat)\"; exit 1; fi\n\
         echo reaped\n",
    );
    let mut r = Running::start(&w, ns, &["--", script.to_str().unwrap()], &[]);
    let st = r.wait_exit();
    assert_eq!(st.code(), Some(0), "{}", r.text());
    assert!(r.text().contains("reaped"));
}

#[test]
fn container_reaps_orphans_pid1() {
    orphans_are_reaped(true);
}

#[test]
fn container_reaps_orphans_subreaper() {
    orphans_are_reaped(false);
}

/// Each forwarded signal, sent to init one at a time, reaches CMD; the
/// last, SIGTERM, ends CMD cleanly and init exits with its status 0.
fn every_signal_is_forwarded(ns: bool, group: bool) {
    let w = World::new("is");
    let rec = w.script("rec.py", RECORDER);
    let top = w.path("top");
    let sub = w.path("sub");
    let cmd = format!(
        "python3 {rec} {sub} & exec python3 {rec} {top}",
        rec = rec.display(),
        sub = sub.display(),
        top = top.display()
    );
    let mut args = vec!["-v"];
    if group {
        args.push("-g");
    }
    args.extend(["--", "sh", "-c", &cmd]);
    let mut r = Running::start(&w, ns, &args, &[]);
    let want_ppid = if ns { 1 } else { r.init_pid };
    let ready = |p: &Path, ppid: Option<i32>| {
        wait_until(LIMIT, || {
            let first = file_lines(p).into_iter().next()?;
            let f: Vec<i32> = first
                .strip_prefix("ready ")?
                .split(' ')
                .map(|n| n.parse().unwrap())
                .collect();
            (ppid.is_none() || Some(f[0]) == ppid).then_some(f[1])
        })
        .unwrap_or_else(|| panic!("{} not ready: {:?}", p.display(), file_lines(p)))
    };
    ready(&top, Some(want_ppid));
    // Its pid as this namespace sees it: left alive without -g outside a
    // PID namespace, it is killed at the end.
    let sub_pid = ready(&sub, None);
    let signals = if group {
        vec![10, 12, 1, 15]
    } else {
        forwarded_signals()
    };
    for s in &signals {
        kill(r.init_pid, &format!("-{s}"));
        wait_file_line(&top, &s.to_string());
    }
    let st = r.wait_exit();
    assert_eq!(st.code(), Some(0), "{}", r.text());
    let seen: Vec<String> = file_lines(&top)[1..].to_vec();
    let want: Vec<String> = signals.iter().map(|s| s.to_string()).collect();
    assert_eq!(seen, want, "each signal seen once, in order");
    assert!(r.text().contains("forwarded SIGUSR1 (10)"), "{}", r.text());
    if group {
        // The group got them too: the other recorder saw the same.
        wait_file_line(&sub, "15");
        assert_eq!(file_lines(&sub)[1..].to_vec(), want);
    } else {
        // Not the group: the other recorder, CMD's child, saw nothing.
        assert_eq!(file_lines(&sub).len(), 1, "{:?}", file_lines(&sub));
        if !ns {
            kill(sub_pid, "-KILL");
        }
    }
}

#[test]
fn container_forwards_every_signal_pid1() {
    every_signal_is_forwarded(true, false);
}

#[test]
fn container_forwards_every_signal_subreaper() {
    every_signal_is_forwarded(false, false);
}

#[test]
fn container_dash_g_signals_the_process_group() {
    every_signal_is_forwarded(true, true);
}

#[test]
fn container_dash_g_gives_cmd_the_terminal() {
    // Under a pty (script(1)): with -g, CMD leads a group of its own and
    // that group must be the terminal's foreground group, or an
    // interactive shell would stop on SIGTTIN; without -g, CMD stays in
    // init's group, the foreground one.
    let w = World::new("itty");
    let probe = w.script(
        "probe",
        "#!/bin/sh\nset -- $(cut -d' ' -f5,8 /proc/$$/stat)\n\
         [ \"$1\" = $$ ] && g=own || g=inherited\n\
         [ \"$1\" = \"$2\" ] && t=foreground || t=background\necho T: $g $t\n",
    );
    for (group, want) in [("-g", "T: own foreground"), ("", "T: inherited foreground")] {
        let cmd = format!("{MAMORI} init {group} -- {}", probe.display());
        let out = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        assert_eq!(lines, [want], "init {group}: {out:?}");
    }
}

#[test]
fn container_sigterm_to_a_plain_command() {
    // sleep does not catch TERM: init passes the death on as 128 + 15.
    let w = World::new("it");
    let mut r = Running::start(&w, true, &["-v", "--", "sleep", "1000"], &[]);
    r.wait_line("started 'sleep 1000'");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(143), "{}", r.text());
    // A shell that traps TERM ends cleanly with its own status.
    let mut r = Running::start(
        &w,
        true,
        &[
            "-v",
            "--",
            "sh",
            "-c",
            "trap 'echo T: bye; exit 0' TERM; echo T: up; while :; do sleep 0.05; done",
        ],
        &[],
    );
    // A `T: ` marker starts its line: -v's "started '…'" line, which
    // quotes the script, does not count.
    r.wait_line("T: up");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
    r.index("T: bye");
}

// ------------------------------------------------------------------ system

/// A respawn entry that says when it starts and when it gets SIGTERM.
const TRAPS_TERM: &str = "#!/bin/sh\ntrap 'echo T: old got TERM; exit 0' TERM\necho T: old up $$\nwhile :; do sleep 0.05; done\n";

/// A respawn entry that says when it starts.
const RESPAWN_UP: &str = "#!/bin/sh\necho T: respawn up\nexec sleep 1000\n";

/// `mamori init -c INITTAB` as PID 1 of a fresh PID namespace.
fn system(tag: &str, inittab: &str, env: &[(&str, &str)]) -> (World, Running, PathBuf) {
    system_with(tag, &[], inittab, env)
}

/// The same, with `scripts` (name, text) written into the world's
/// directory first; `$T` in the inittab is that directory.
fn system_with(
    tag: &str,
    scripts: &[(&str, &str)],
    inittab: &str,
    env: &[(&str, &str)],
) -> (World, Running, PathBuf) {
    let w = World::new(tag);
    for (name, text) in scripts {
        w.script(name, text);
    }
    let tab = w.path("inittab");
    std::fs::write(&tab, inittab.replace("$T", w.dir.to_str().unwrap())).unwrap();
    let r = Running::start(&w, true, &["-c", tab.to_str().unwrap()], env);
    (w, r, tab)
}

#[test]
fn system_order_sysinit_wait_then_once_and_respawn() {
    let (w, mut r, _) = system_with(
        "iord",
        &[
            (
                "s1",
                "#!/bin/sh\necho T: sysinit 1 start\nsleep 0.2\necho T: sysinit 1 end\n",
            ),
            ("s2", "#!/bin/sh\necho T: sysinit 2\n"),
            ("w1", "#!/bin/sh\nsleep 0.2\necho T: wait 1\n"),
            ("r1", "#!/bin/sh\necho T: respawn up\nexec sleep 1000\n"),
        ],
        "# the order test\n::respawn:$T/r1\n::once:/bin/echo T: once\n::wait:$T/w1\n\
         ::sysinit:$T/s1\n\n::sysinit:$T/s2\n",
        &[],
    );
    let d = w.dir.display();
    r.wait_line("T: respawn up");
    r.wait_line("T: once");
    let order = [
        "T: sysinit 1 start",
        "T: sysinit 1 end",
        "T: sysinit 2",
        "T: wait 1",
    ];
    let at: Vec<usize> = order.iter().map(|n| r.index(n)).collect();
    assert!(at.windows(2).all(|p| p[0] < p[1]), "{}", r.text());
    assert!(r.index("T: once") > at[3] && r.index("T: respawn up") > at[3]);
    assert!(
        r.text()
            .contains(&format!("init: starting respawn '{d}/r1'"))
    );
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

#[test]
fn system_respawn_comes_back_and_sighup_rereads_the_inittab() {
    let (w, mut r, tab) = system_with(
        "ihup",
        &[
            ("old", TRAPS_TERM),
            ("new", "#!/bin/sh\necho T: new up $$\nexec sleep 1000\n"),
            ("keep", "#!/bin/sh\necho T: keep up $$\nexec sleep 1000\n"),
        ],
        "::respawn:$T/old\n::respawn:$T/keep\n::once:/bin/echo T: once\n",
        &[],
    );
    let d = w.dir.display();
    r.wait_line("T: old up");
    r.wait_line("T: keep up");
    r.wait_line("T: once");
    // Killed, it comes back (as a new process).
    let keep_pid = |r: &Running, n: usize| {
        let i = r.wait_nth("T: keep up", n);
        r.lines.lock().unwrap()[i]
            .rsplit(' ')
            .next()
            .unwrap()
            .to_string()
    };
    let first = keep_pid(&r, 1);
    Command::new("nsenter")
        .args([
            "-t",
            &r.init_pid.to_string(),
            "-p",
            "-m",
            "kill",
            "-9",
            &first,
        ])
        .status()
        .unwrap();
    r.wait_line(&format!("'{d}/keep' killed by SIGKILL, respawning"));
    assert_ne!(keep_pid(&r, 2), first);
    // The file changes: `old` goes, `new` comes, `keep` stays running.
    std::fs::write(
        &tab,
        format!("::once:/bin/echo T: once\n::respawn:{d}/keep\n::respawn:{d}/new\n"),
    )
    .unwrap();
    r.signal("-HUP");
    r.wait_line("T: new up");
    r.wait_line("T: old got TERM");
    r.wait_line("stopping removed entry");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
    assert_eq!(r.count("T: old up"), 1, "a removed entry is not respawned");
    assert_eq!(r.count("T: keep up"), 2, "a kept entry is not restarted");
    assert_eq!(r.count("T: once"), 1, "a once entry runs once");
}

#[test]
fn system_sighup_with_the_inittab_gone_keeps_the_entries() {
    let (w, mut r, tab) = system_with("ihup2", &[("old", TRAPS_TERM)], "::respawn:$T/old\n", &[]);
    r.wait_line("T: old up");
    // Moved away mid-edit: a re-read then must not stop every entry.
    std::fs::rename(&tab, w.path("inittab.old")).unwrap();
    r.signal("-HUP");
    r.wait_line("No such file or directory (os error 2); keeping the current entries");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
    assert_eq!(r.count("stopping removed entry"), 0, "{}", r.text());
    assert_eq!(r.count("T: old up"), 1, "{}", r.text());
}

#[test]
fn system_sigquit_executes_the_restart_entry() {
    let (_w, mut r, _) = system_with(
        "iquit",
        &[
            (
                "second",
                "::once:/bin/echo T: second init up\n::shutdown:/bin/echo T: second shutdown\n",
            ),
            ("r", RESPAWN_UP),
        ],
        &format!(
            "::respawn:$T/r\n::shutdown:/bin/echo T: first shutdown\n::restart:{MAMORI} init -c $T/second\n"
        ),
        &[],
    );
    r.wait_line("T: respawn up");
    r.signal("-QUIT");
    r.wait_line("T: second init up");
    assert!(r.index("T: first shutdown") < r.index("T: second init up"));
    assert!(r.index("sending TERM to all processes") < r.index("T: second init up"));
    // Same PID 1, now running the second inittab.
    r.signal("-USR2");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
    assert!(r.text().contains("T: second shutdown"));
    assert_eq!(r.count("T: respawn up"), 1);
}

#[test]
fn system_sigquit_without_restart_entry_goes_on() {
    let (_w, mut r, _) = system("iquit2", "::once:/bin/echo T: up\n", &[]);
    r.wait_line("T: up");
    r.signal("-QUIT");
    r.wait_line("there is no restart entry");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

#[test]
fn system_sigquit_with_a_missing_restart_program_goes_on() {
    // A typo in the restart entry must not end PID 1 (that would panic
    // the kernel): nothing is stopped, init goes on.
    let (_w, mut r, _) = system_with(
        "iquit3",
        &[("r", RESPAWN_UP)],
        "::respawn:$T/r\n::restart:/nonexistent/init\n::shutdown:/bin/echo T: down\n",
        &[],
    );
    r.wait_line("T: respawn up");
    r.signal("-QUIT");
    r.wait_line("the restart entry '/nonexistent/init' cannot be run: going on");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
    assert_eq!(r.count("T: respawn up"), 1, "{}", r.text());
    assert_eq!(r.count("T: down"), 1, "stopped once, at the end");
}

#[test]
fn system_sigint_runs_the_ctrlaltdel_entries() {
    let (_w, mut r, _) = system(
        "icad",
        "::once:/bin/echo T: up\n::ctrlaltdel:/bin/echo T: cad 1\n::ctrlaltdel:/bin/echo T: cad 2\n",
        &[],
    );
    r.wait_line("T: up");
    r.signal("-INT");
    r.wait_line("T: cad 2");
    assert!(r.index("T: cad 1") < r.index("T: cad 2"));
    r.signal("-INT");
    r.wait_nth("T: cad 2", 2);
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

/// SIGTERM, SIGUSR1, SIGUSR2: the shutdown entries in order (a hung one
/// killed at its time limit), TERM to all, KILL to what ignores TERM, exit.
fn goes_down_on(sig: &str, how: &str) {
    let (_w, mut r, _) = system_with(
        "idown",
        &[
            ("old", TRAPS_TERM),
            (
                "stubborn",
                "#!/bin/sh\ntrap '' TERM\necho T: stubborn up\nwhile :; do sleep 0.05; done\n",
            ),
            (
                "sd1",
                "#!/bin/sh\necho T: shutdown 1 start\nsleep 0.2\necho T: shutdown 1 end\n",
            ),
        ],
        "::respawn:$T/old\n::once:$T/stubborn\n::shutdown:$T/sd1\n\
         ::shutdown:/bin/sleep 1000\n::shutdown:/bin/echo T: shutdown 3\n",
        &[
            ("MAMORI_INIT_SHUTDOWN_LIMIT", "0.5"),
            ("MAMORI_INIT_TERM_WAIT", "1"),
        ],
    );
    r.wait_line("T: old up");
    r.wait_line("T: stubborn up");
    r.signal(sig);
    let st = r.wait_exit();
    assert_eq!(st.code(), Some(0), "{}", r.text());
    let order = [
        &format!("got SIG{}: {how}", &sig[1..]) as &str,
        "T: shutdown 1 start",
        "T: shutdown 1 end",
        "'/bin/sleep 1000' still runs after 0.5 s: killed",
        "T: shutdown 3",
        "sending TERM to all processes",
        "T: old got TERM",
        "sending KILL to all processes",
        "not the machine's first PID namespace: exiting",
    ];
    let at: Vec<usize> = order.iter().map(|n| r.index(n)).collect();
    assert!(at.windows(2).all(|p| p[0] < p[1]), "{}", r.text());
    assert_eq!(r.count("T: old up"), 1, "no respawn on the way down");
}

#[test]
fn system_sigterm_reboot_path() {
    goes_down_on("-TERM", "reboot");
}

#[test]
fn system_sigusr1_halt_path() {
    goes_down_on("-USR1", "halt");
}

#[test]
fn system_sigusr2_poweroff_path() {
    goes_down_on("-USR2", "power off");
}

#[test]
fn system_crash_loop_is_throttled_then_resumes() {
    let (_w, mut r, _) = system(
        "ithr",
        "::respawn:/bin/false\n::once:/bin/echo T: up\n",
        &[
            ("MAMORI_INIT_RESPAWN_WINDOW", "30"),
            ("MAMORI_INIT_RESPAWN_PAUSE", "1"),
        ],
    );
    let paused = r.wait_line(
        "'/bin/false' respawning too fast (more than 10 starts in 30 s): paused for 1 s",
    );
    let started = "starting respawn '/bin/false'";
    let starts = r.lines.lock().unwrap()[..paused]
        .iter()
        .filter(|l| l.contains(started))
        .count();
    assert_eq!(starts, 10, "{}", r.text());
    // After the pause, it starts again (and is paused again).
    r.wait_nth(started, 11);
    r.wait_nth("respawning too fast", 2);
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

#[test]
fn system_bad_lines_reported_and_skipped() {
    let (_w, mut r, tab) = system(
        "ibad",
        "# comment\n::bogus:/bin/true\nno colons here\n::once:\n::once:/bin/echo T: good line\n",
        &[],
    );
    r.wait_line("T: good line");
    let t = tab.display();
    for want in [
        format!("init: {t}:2: unknown action \"bogus\"; line skipped"),
        format!("init: {t}:3: needs id:runlevels:action:process; line skipped"),
        format!("init: {t}:4: no process to run; line skipped"),
    ] {
        assert!(r.text().lines().any(|l| l == want), "{want}\n{}", r.text());
    }
    // A SIGHUP re-read reports them again, and init goes on.
    r.signal("-HUP");
    r.wait_nth("unknown action \"bogus\"", 2);
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

#[test]
fn system_missing_program_logged_throttled_never_fatal() {
    let (_w, mut r, _) = system(
        "imiss",
        "::sysinit:/nonexistent/sysinit\n::respawn:/nonexistent/daemon --flag\n::once:/bin/echo T: still here\n",
        &[
            ("MAMORI_INIT_RESPAWN_WINDOW", "30"),
            ("MAMORI_INIT_RESPAWN_PAUSE", "300"),
        ],
    );
    r.wait_line("T: still here");
    r.wait_line("init: can't run '/nonexistent/sysinit': ");
    r.wait_line("init: can't run '/nonexistent/daemon --flag': ");
    r.wait_line("'/nonexistent/daemon --flag' exited 127, respawning");
    r.wait_line("'/nonexistent/daemon --flag' respawning too fast");
    assert_eq!(
        r.count("starting respawn '/nonexistent/daemon --flag'"),
        10,
        "{}",
        r.text()
    );
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

#[test]
fn system_mode_refuses_unless_pid1() {
    let w = World::new("ino1");
    let out = w.run("init", &["-c", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "init: fatal: system mode must be PID 1 (use `init -- CMD` under another init)\n"
    );
}

#[test]
fn system_applet_entry_runs_from_the_same_binary() {
    // `halt` as an inittab entry: the applet (fork + call by default,
    // fork + exec of /proc/self/exe with MAMORI_INIT_APPLET_EXEC=1) finds
    // mamori as PID 1 and asks it to halt.
    for exec in ["0", "1"] {
        let (_w, mut r, _) = system(
            "iapp",
            "::once:halt\n::shutdown:/bin/echo T: down\n",
            &[("MAMORI_INIT_APPLET_EXEC", exec)],
        );
        assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
        assert!(r.text().contains("got SIGUSR1: halt"), "{}", r.text());
        assert!(r.text().contains("T: down"));
    }
}

#[test]
fn system_applet_child_is_named_after_its_applet() {
    // fork + call: the child renames itself, or ps would show `mamori`.
    let (_w, mut r, _) = system_with(
        "iname",
        &[(
            "comm",
            "#!/bin/sh\necho T: parent comm $(cat /proc/$PPID/comm)\nexec sleep 1000\n",
        )],
        "::once:hatimerun -t 100 $T/comm\n",
        &[],
    );
    r.wait_line("T: parent comm hatimerun");
    r.signal("-TERM");
    assert_eq!(r.wait_exit().code(), Some(0), "{}", r.text());
}

#[test]
fn halt_poweroff_reboot_refuse_under_another_pid1() {
    let w = World::new("ihalt");
    for applet in ["halt", "poweroff", "reboot"] {
        let out = w.run(applet, &[]);
        assert_eq!(out.status.code(), Some(1), "{applet}");
        assert_eq!(
            stderr(&out),
            format!(
                "{applet}: PID 1 is not mamori's init: refusing (use -f to act at once, without init)\n"
            )
        );
        let out = w.run(applet, &["-x"]);
        assert_eq!(out.status.code(), Some(2), "{applet}");
    }
}

#[test]
fn dash_f_in_a_pid_namespace_ends_only_that_namespace() {
    // The guard `[ $$ = 1 ]` makes sure the shell is PID 1 of a new PID
    // namespace before anything calls reboot(2): there the kernel ends
    // the namespace (its init dies of SIGHUP for a restart, SIGINT for
    // halt and power off) instead of the machine.
    for (applet, sig) in [("reboot", 1), ("halt", 2), ("poweroff", 2)] {
        let out = Command::new("unshare")
            .args(["--pid", "--fork", "--mount-proc", "sh", "-c"])
            .arg(format!(
                "[ $$ = 1 ] || exit 99; {MAMORI} {applet} -f; echo survived $?"
            ))
            .output()
            .unwrap();
        use std::os::unix::process::ExitStatusExt;
        let code = out.status.code().or(out.status.signal().map(|s| 128 + s));
        assert_eq!(code, Some(128 + sig), "{applet} -f: {out:?}");
        assert!(!stdout(&out).contains("survived"), "{out:?}");
    }
}

// -------------------------------------------------------------------- qemu

/// The newest /boot/vmlinuz-*.
fn kernel() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/boot")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    found.retain(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("vmlinuz-"))
    });
    found.sort();
    found
        .pop()
        .expect("no /boot/vmlinuz-*: install linux-image-amd64 (.ci/run does)")
}

fn initramfs(w: &World) -> PathBuf {
    let image = w.path("initramfs.cpio");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(root.join("tools/initramfs"))
        .arg(MAMORI)
        .arg(root.join("tests/boot/inittab"))
        .arg(root.join("tests/boot"))
        .arg(&image)
        .output()
        .unwrap();
    assert!(out.status.success(), "tools/initramfs: {out:?}");
    image
}

/// A qemu boot: its serial console read line by line.
struct Boot {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    monitor: PathBuf,
}

impl Boot {
    fn start(w: &World, image: &Path, tag: &str, extra: &str) -> Boot {
        let monitor = w.path(&format!("monitor-{tag}"));
        let qemu = which("qemu-system-x86_64")
            .expect("qemu-system-x86_64 missing: install qemu-system-x86 (.ci/run does)");
        // TCG by default, as CI has no KVM (and nested KVM on this VM
        // hangs); MAMORI_TEST_KVM=1 asks for KVM where it works.
        let accel = if std::env::var_os("MAMORI_TEST_KVM").is_some_and(|v| v == "1") {
            "kvm:tcg"
        } else {
            "tcg"
        };
        let append = format!(
            "console=ttyS0 quiet panic=-1 MAMORI_INIT_RESPAWN_WINDOW=30 MAMORI_INIT_RESPAWN_PAUSE=300 {extra}"
        );
        let mut child = Command::new(qemu)
            .args(["-nographic", "-no-reboot", "-m", "256", "-nic", "none"])
            .args(["-machine", &format!("accel={accel}")])
            .arg("-kernel")
            .arg(kernel())
            .arg("-initrd")
            .arg(image)
            .args(["-append", &append, "-serial", "stdio", "-display", "none"])
            .arg("-monitor")
            .arg(format!("unix:{},server,nowait", monitor.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        for (stream, prefix) in [
            (Box::new(out) as Box<dyn Read + Send>, ""),
            (Box::new(err), "qemu stderr: "),
        ] {
            let sink = Arc::clone(&lines);
            std::thread::spawn(move || {
                // The console has \r\n and escape sequences: split on \n.
                for line in BufReader::new(stream).split(b'\n') {
                    let Ok(line) = line else { break };
                    let text = String::from_utf8_lossy(&line);
                    sink.lock()
                        .unwrap()
                        .push(format!("{prefix}{}", text.trim_end_matches('\r')));
                }
            });
        }
        Boot {
            child,
            lines,
            monitor,
        }
    }

    fn text(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    fn index(&self, needle: &str) -> Option<usize> {
        let lines = self.lines.lock().unwrap();
        lines.iter().position(|l| hit(l, needle))
    }

    /// Index of `needle`, which must be on the console.
    fn at(&self, needle: &str) -> usize {
        self.index(needle)
            .unwrap_or_else(|| panic!("no {needle:?} on the console:\n{}", self.text()))
    }

    fn wait_line(&mut self, needle: &str, limit: Duration) -> usize {
        let found = wait_until(limit, || {
            if let Some(i) = self.index(needle) {
                return Some(Some(i));
            }
            // qemu gone: the line will never come.
            self.child.try_wait().ok().flatten().map(|_| None)
        })
        .flatten();
        found.unwrap_or_else(|| {
            let _ = self.child.kill();
            std::thread::sleep(Duration::from_millis(100));
            panic!("no {needle:?} on the console:\n{}", self.text())
        })
    }

    /// Waits for qemu to end by itself within `limit`.
    fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let st = wait_until(limit, || self.child.try_wait().ok().flatten());
        st.unwrap_or_else(|| {
            let _ = self.child.kill();
            panic!(
                "qemu did not exit by itself within {limit:?}:\n{}",
                self.text()
            )
        })
    }

    /// A command to qemu's monitor.
    fn monitor(&self, command: &str) {
        let mut s = UnixStream::connect(&self.monitor).expect("qemu monitor socket");
        writeln!(s, "{command}").unwrap();
        s.flush().unwrap();
        // Let the monitor read it before the socket closes.
        let mut buf = [0u8; 256];
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut got = Vec::new();
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                break;
            }
            got.extend_from_slice(&buf[..n]);
            if got.windows(command.len()).any(|x| x == command.as_bytes()) {
                break;
            }
        }
    }

    /// Checks what both boots show up to check.sh's zombie count.
    fn check_boot(&self) {
        let order = [
            "init: /etc/inittab:9: needs id:runlevels:action:process; line skipped",
            "init: starting sysinit '/bin/echo T: sysinit 1'",
            "T: sysinit 1",
            "T: sysinit 2",
            "T: wait",
            "init: starting once '/bin/sh /t/check.sh'",
        ];
        let at: Vec<usize> = order.iter().map(|n| self.at(n)).collect();
        assert!(at.windows(2).all(|p| p[0] < p[1]), "{}", self.text());
        for respawn in ["'/t/looper'", "'/bin/false'", "'pcheck -f /t/pfile'"] {
            let i = self.at(&format!("init: starting respawn {respawn}"));
            assert!(
                i > at[4],
                "{respawn} before the wait entry:\n{}",
                self.text()
            );
        }
        // The respawn entry killed by check.sh came back as a new process,
        // and so did pcheck's daemon; the crash loop is throttled.
        let killed = self.at("T: killing looper");
        assert!(self.at("init: '/t/looper' killed by SIGKILL, respawning") > killed);
        assert!(self.at("T: looper back") > killed);
        let killed = self.at("T: killing svcd");
        assert!(self.at("Try to restart (svcd)") > killed);
        assert!(self.at("T: svcd back") > killed);
        self.at("init: '/bin/false' respawning too fast (more than 10 starts in 30 s): paused for 300 s");
        self.at("T: zombies 0");
    }
}

impl Drop for Boot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    })
}

/// After "T: poweroff", the shutdown entries in order, then qemu ends by
/// itself within 10 s.
fn powers_off(b: &mut Boot, from: usize) {
    let asked = Instant::now();
    let st = b.wait_exit(Duration::from_secs(10));
    let took = asked.elapsed();
    assert!(st.success(), "qemu: {st:?}\n{}", b.text());
    std::thread::sleep(Duration::from_millis(100));
    let order = [
        "init: got SIGUSR2: power off",
        "T: shutdown 1",
        "T: shutdown 2",
        "init: sending TERM to all processes",
        "init: power off",
        "reboot: Power down",
    ];
    let at: Vec<usize> = order.iter().map(|n| b.at(n)).collect();
    assert!(
        at[0] > from && at.windows(2).all(|p| p[0] < p[1]),
        "{}",
        b.text()
    );
    eprintln!("poweroff → qemu exit: {took:?}");
}

#[test]
fn qemu_boot_runs_the_inittab_and_powers_off() {
    let started = Instant::now();
    let w = World::new("iboot");
    let image = initramfs(&w);
    let mut b = Boot::start(&w, &image, "off", "");
    let asked = b.wait_line("T: poweroff", Duration::from_secs(50));
    b.check_boot();
    powers_off(&mut b, asked);
    eprintln!("qemu boot test: {:?}", started.elapsed());
}

#[test]
fn qemu_boot_ctrl_alt_del_runs_the_ctrlaltdel_entries() {
    let started = Instant::now();
    let w = World::new("icadb");
    let image = initramfs(&w);
    let mut b = Boot::start(&w, &image, "cad", "mamori_test=cad");
    b.wait_line("T: ready for ctrl-alt-delete", Duration::from_secs(50));
    b.check_boot();
    assert!(b.index("T: poweroff").is_none());
    b.monitor("sendkey ctrl-alt-delete");
    let ran = b.wait_line("T: ctrlaltdel ran", Duration::from_secs(10));
    assert!(
        b.at("init: got SIGINT: running ctrlaltdel entries") < ran,
        "{}",
        b.text()
    );
    powers_off(&mut b, ran);
    eprintln!("qemu ctrl-alt-del boot test: {:?}", started.elapsed());
}
