//! sendevent end to end: the built binary, a real registry of real
//! executables per test (MAMORI_EVENTS_DIR in the test's own directory),
//! the outcome lines read from the test's own syslog socket; and the
//! events pcheck, clp_sambamon and the pmfadm supervisor raise in-process.

mod common;
mod fsmon;
#[path = "servers/smbd.rs"]
mod smbd;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::*;

const SEC: Duration = Duration::from_secs(1);

/// A registry in a World's directory.
struct Reg {
    w: World,
    root: PathBuf,
}

impl Reg {
    fn new(tag: &str) -> Reg {
        let w = World::new(tag);
        let root = w.path("events");
        mkdir(&root);
        Reg { w, root }
    }

    /// `mamori sendevent ARGS` with this registry.
    fn cmd(&self) -> Command {
        let mut c = self.w.cmd("sendevent");
        c.env("MAMORI_EVENTS_DIR", &self.root)
            .env_remove("LKROOT")
            .env_remove("MAMORI_EVENT_TIMEOUT");
        c
    }

    fn send(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    /// An executable `REL` (e.g. `pcheck/down/notify`) under the registry.
    fn handler(&self, rel: &str, body: &str) -> PathBuf {
        let p = self.root.join(rel);
        let mut dirs: Vec<&Path> = p.parent().unwrap().ancestors().collect();
        dirs.retain(|d| d.starts_with(&self.root));
        for d in dirs.iter().rev() {
            if !d.exists() {
                mkdir(d);
            }
        }
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// A handler that writes its arguments, one per line, to `out/LEAF.PID`.
    fn recorder(&self, rel: &str, leaf: &str) {
        let out = self.w.path("out");
        if !out.exists() {
            mkdir(&out);
        }
        self.handler(
            rel,
            &format!(
                "#!/bin/sh\nprintf '%s\\n' \"$@\" > {0}/{leaf}.$$.tmp && mv {0}/{leaf}.$$.tmp {0}/{leaf}.$$\n",
                out.display()
            ),
        );
    }

    /// Every argument list `recorder` handlers named `leaf` wrote.
    fn records(&self, leaf: &str) -> Vec<Vec<String>> {
        let Ok(dir) = std::fs::read_dir(self.w.path("out")) else {
            return Vec::new();
        };
        let mut all: Vec<(std::time::SystemTime, Vec<String>)> = dir
            .flatten()
            .filter(|e| {
                let n = e.file_name().into_string().unwrap();
                n.starts_with(&format!("{leaf}.")) && !n.ends_with(".tmp")
            })
            .map(|e| {
                let text = std::fs::read_to_string(e.path()).unwrap();
                (
                    e.metadata().unwrap().modified().unwrap(),
                    text.lines().map(String::from).collect(),
                )
            })
            .collect();
        all.sort();
        all.into_iter().map(|(_, words)| words).collect()
    }

    /// Waits until `leaf` has written `n` records; returns them.
    fn wait_records(&self, leaf: &str, n: usize, limit: Duration) -> Vec<Vec<String>> {
        wait_until(limit, || {
            let r = self.records(leaf);
            (r.len() >= n).then_some(r)
        })
        .unwrap_or_else(|| panic!("{leaf}: fewer than {n} records: {:?}", self.records(leaf)))
    }
}

fn mkdir(d: &Path) {
    std::fs::create_dir(d).unwrap();
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The pid in `sendevent[PID]:` of a log line.
fn runner_pid(line: &str) -> i32 {
    let at = line.find("sendevent[").unwrap() + "sendevent[".len();
    line[at..].split(']').next().unwrap().parse().unwrap()
}

/// Waits until process `pid` is gone (the runner is init's child once
/// detached, so it does not stay a zombie).
fn wait_gone(pid: i32, limit: Duration) {
    assert!(
        wait_until(limit, || (!Path::new(&format!("/proc/{pid}")).exists())
            .then_some(()))
        .is_some(),
        "process {pid} still there"
    );
}

#[test]
fn exit_codes_1_to_5_each_with_its_line() {
    let r = Reg::new("sevcodes");
    r.recorder("genclass/ev/h", "h");
    let cases: &[(&[&str], i32, String)] = &[
        (
            &["-C", "genclass", "-E", "ev", "-m", "a:b"],
            1,
            "sendevent: option -n INSTANCE is required\n".into(),
        ),
        (
            &["-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i", "-q"],
            1,
            "sendevent: unknown option -q\n".into(),
        ),
        (
            &["-C", "genclass", "-E", "ev", "-m", "a:b", "-n"],
            1,
            "sendevent: option -n needs a value\n".into(),
        ),
        (
            &["-C", "genclass", "-E", "ev", "-m", "ab", "-n", "i"],
            1,
            "sendevent: -m \"ab\": not PRODUCT:COMPONENT (no ':')\n".into(),
        ),
        (
            &[
                "-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i", "-t", "2612",
            ],
            1,
            "sendevent: -t \"2612\": not YYMMDDHHMMSS (12 digits)\n".into(),
        ),
        (
            &["-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i", "-o1"],
            1,
            "sendevent: -o takes no value (in \"-o1\")\n".into(),
        ),
        (
            &[
                "-C", "genclass", "-C", "x", "-E", "ev", "-m", "a:b", "-n", "i",
            ],
            1,
            "sendevent: -C given twice\n".into(),
        ),
        (
            &["-C", "../x", "-E", "ev", "-m", "a:b", "-n", "i"],
            1,
            "sendevent: -C \"../x\": not a directory name (empty, '.', '..' or holds '/')\n".into(),
        ),
        (
            &["-C", "nosuch", "-E", "ev", "-m", "a:b", "-n", "i"],
            2,
            format!(
                "sendevent: -C \"nosuch\": no class directory {}/nosuch\n",
                r.root.display()
            ),
        ),
        (
            &["-C", "genclass", "-E", "nosuch", "-m", "a:b", "-n", "i"],
            3,
            format!(
                "sendevent: -E \"nosuch\": no event directory {}/genclass/nosuch\n",
                r.root.display()
            ),
        ),
        (
            &[
                "-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i", "-A", "x",
            ],
            4,
            "sendevent: -A is generated by sendevent itself and cannot be given\n".into(),
        ),
        (
            &[
                "-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i", "-s", "0",
            ],
            5,
            "sendevent: -s 0 (CLEARED) needs -i ID, the id of the alarm it clears\n".into(),
        ),
    ];
    for (args, code, line) in cases {
        let out = r.send(args);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {}", stderr(&out));
        assert_eq!(&stderr(&out), line, "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
    }
    let out = r
        .cmd()
        .env("MAMORI_EVENT_TIMEOUT", "soon")
        .args(["-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "sendevent: MAMORI_EVENT_TIMEOUT \"soon\": not a number of seconds > 0\n"
    );
    // None of the refused calls ran the handler: one accepted call runs it
    // once, and it is the only record.
    let ok = r.send(&["-C", "genclass", "-E", "ev", "-m", "a:b", "-n", "i"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let pid = runner_pid(&r.w.wait_log("handler h exit 0", 5 * SEC));
    wait_gone(pid, 5 * SEC);
    assert_eq!(r.records("h").len(), 1);
}

#[test]
fn every_limit_at_its_edge() {
    let r = Reg::new("sevlimits");
    mkdir(&r.root.join("c"));
    mkdir(&r.root.join("c/e"));
    let base = ["-C", "c", "-E", "e"];
    let run = |m: &str, n: &str, s: &str| {
        let mut args = base.to_vec();
        args.extend(["-m", m, "-n", n, "-s", s]);
        r.send(&args)
    };
    let (p8, p9) = ("p".repeat(8), "p".repeat(9));
    let (c16, c17) = ("c".repeat(16), "c".repeat(17));
    let (n64, n65) = ("n".repeat(64), "n".repeat(65));
    let ok = run(&format!("{p8}:{c16}"), &n64, "5");
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let id = stdout(&ok);
    assert!(id.ends_with('\n') && id.trim().len() > 10, "{id:?}");
    let bad = [
        (
            run(&format!("{p9}:{c16}"), &n64, "5"),
            format!("sendevent: -m \"{p9}:{c16}\": PRODUCT has 9 characters, at most 8\n"),
        ),
        (
            run(&format!("{p8}:{c17}"), &n64, "5"),
            format!("sendevent: -m \"{p8}:{c17}\": COMPONENT has 17 characters, at most 16\n"),
        ),
        (
            run(&format!("{p8}:{c16}"), &n65, "5"),
            format!(
                "sendevent: -n \"{n65}\": the instance name has 65 characters, at most 64\n"
            ),
        ),
        (
            run(&format!("{p8}:{c16}"), &n64, "6"),
            "sendevent: -s \"6\": not a severity 0-5 (0 CLEARED ... 5 CRITICAL)\n".into(),
        ),
        (
            run(&format!("{p8}:{c16}"), "tab\there", "5"),
            "sendevent: -n \"tab\\there\": the instance name holds a character that is not printable ASCII\n".into(),
        ),
        (
            run(":x", "n", "5"),
            "sendevent: -m \":x\": PRODUCT is empty\n".into(),
        ),
    ];
    for (out, line) in bad {
        assert_eq!(out.status.code(), Some(1), "{line}");
        assert_eq!(stderr(&out), line);
    }
    // Two calls, two ids.
    let again = run(&format!("{p8}:{c16}"), &n64, "5");
    assert_ne!(stdout(&again), id);
}

#[test]
fn event_and_allclass_handlers_run_with_every_option_word_by_word() {
    let r = Reg::new("sevboth");
    r.recorder("genclass/diskfull/own", "own");
    r.recorder("allclass/every", "every");
    // Never run: the ACTIVE marker, dot-files, backups, directories,
    // files that are not executable.
    r.recorder("genclass/diskfull/ACTIVE", "active");
    r.recorder("genclass/diskfull/.hidden", "hidden");
    r.recorder("genclass/diskfull/own~", "backup");
    r.recorder("allclass/every~", "backup");
    mkdir(&r.root.join("genclass/diskfull/subdir"));
    r.recorder("genclass/diskfull/plain", "plain");
    std::fs::set_permissions(
        r.root.join("genclass/diskfull/plain"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let given = [
        "-C",
        "genclass",
        "-E",
        "diskfull",
        "-m",
        "lk:fsmon",
        "-nD:",
        "-s",
        "2",
        "-c",
        "volume",
        "-t",
        "261202113000",
        "-T",
        "1796211000",
        "-o",
        "-z",
        "-w",
        "-a",
        "ALARM",
        "-P",
        "disk",
        "-p",
        "17",
        "-d",
        "data with spaces",
        "-x",
        "the disk is full",
        "-S",
        "node1",
        "-O",
        "/tmp/outfile",
    ];
    let out = r.send(&given);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    let mut expect = words(&given);
    expect.extend(words(&["-i", &id]));
    assert_eq!(r.wait_records("own", 1, 5 * SEC), vec![expect.clone()]);
    assert_eq!(r.wait_records("every", 1, 5 * SEC), vec![expect]);
    let line = r.w.wait_log("handler own exit 0 in ", 5 * SEC);
    assert!(
        line.contains(&format!(
            ": genclass/diskfull id={id} handler own exit 0 in "
        )),
        "{line}"
    );
    r.w.wait_log(
        &format!("genclass/diskfull id={id} handler allclass/every exit 0 in "),
        5 * SEC,
    );
    wait_gone(runner_pid(&line), 5 * SEC);
    for leaf in ["active", "hidden", "backup", "plain"] {
        assert!(r.records(leaf).is_empty(), "{leaf} ran");
    }
    let handler_lines: Vec<String> =
        r.w.log_lines()
            .into_iter()
            .filter(|l| l.contains(" handler "))
            .collect();
    assert_eq!(handler_lines.len(), 2, "{handler_lines:#?}");

    // An id given with -i is passed as given and printed; no second -i.
    let given = [
        "-C", "genclass", "-E", "diskfull", "-m", "lk:fsmon", "-n", "D:", "-s", "0", "-i",
        "alarm-42",
    ];
    let out = r.send(&given);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "alarm-42\n");
    let recs = r.wait_records("own", 2, 5 * SEC);
    assert!(recs.contains(&words(&given)), "{recs:?}");
}

/// sendevent returns while a 2 s handler runs; the handler has a new
/// session without a terminal and exactly fds 0–2, on /dev/null.
#[test]
fn returns_before_a_slow_handler_ends_and_detaches_it() {
    let r = Reg::new("sevslow");
    let name = r.w.name.clone();
    r.handler(
        "genclass/slow/sleeper",
        &format!("#!/bin/bash\nexec -a {name} sleep 2\n"),
    );
    let began = Instant::now();
    let out = r.send(&["-C", "genclass", "-E", "slow", "-m", "a:b", "-n", "x"]);
    let took = began.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(took < SEC, "sendevent waited {took:?} for its handler");
    let pid = wait_until(SEC, || pids_named(&name).first().copied()).expect("handler runs");
    let fds: Vec<(String, String)> = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read_link(e.path()).unwrap().display().to_string(),
            )
        })
        .collect();
    let mut fds = fds;
    fds.sort();
    assert_eq!(
        fds,
        ["0", "1", "2"]
            .iter()
            .map(|f| (f.to_string(), "/dev/null".to_string()))
            .collect::<Vec<_>>()
    );
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    // fields[3] is the session, fields[4] the controlling terminal.
    assert_eq!(fields[4], "0", "handler has a terminal");
    let our_sid = std::fs::read_to_string("/proc/self/stat").unwrap();
    let our_sid = our_sid
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .nth(3)
        .unwrap()
        .to_string();
    assert_ne!(fields[3], our_sid, "handler in the caller's session");
    let line = r.w.wait_log("handler sleeper exit 0 in ", 5 * SEC);
    let ms: u64 = line
        .rsplit_once(" in ")
        .unwrap()
        .1
        .trim_end_matches(" ms")
        .parse()
        .unwrap();
    assert!((1900..10_000).contains(&ms), "{line}");
}

/// A handler past MAMORI_EVENT_TIMEOUT is killed with what it started,
/// even a child that left its process group; the others run on.
#[test]
fn a_handler_past_the_time_limit_is_killed_with_its_children() {
    let r = Reg::new("sevtime");
    let name = r.w.name.clone();
    r.handler(
        "genclass/hang/hang",
        &format!(
            "#!/bin/bash\nsetsid bash -c 'exec -a {name}kid sleep 100' </dev/null >/dev/null 2>&1 &\nexec -a {name} sleep 100\n"
        ),
    );
    r.recorder("allclass/quick", "quick");
    let out = r
        .cmd()
        .env("MAMORI_EVENT_TIMEOUT", "0.8")
        .args(["-C", "genclass", "-E", "hang", "-m", "a:b", "-n", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    wait_until(2 * SEC, || {
        (!pids_named(&name).is_empty() && !pids_named(&format!("{name}kid")).is_empty())
            .then_some(())
    })
    .expect("handler and its child run");
    r.wait_records("quick", 1, 2 * SEC);
    let line = r.w.wait_log("handler hang timed out after ", 5 * SEC);
    assert!(
        line.contains(&format!(
            "genclass/hang id={id} handler hang timed out after "
        )) && line.ends_with("(limit 0.8 s): killed with every process it started"),
        "{line}"
    );
    assert!(pids_named(&name).is_empty());
    assert!(pids_named(&format!("{name}kid")).is_empty());
    r.w.wait_log("handler allclass/quick exit 0 in ", SEC);
    wait_gone(runner_pid(&line), 5 * SEC);
}

/// As root: a handler others can write, or not owned by root, is refused
/// and the refusal logged with its path; the safe one runs.
#[test]
fn unsafe_handlers_are_refused_as_root() {
    if !mamori::sys::is_root() {
        panic!("this test needs root (CI runs as root)");
    }
    let r = Reg::new("sevunsafe");
    r.recorder("genclass/e/safe", "safe");
    r.recorder("genclass/e/open", "open");
    r.recorder("genclass/e/foreign", "foreign");
    let open = r.root.join("genclass/e/open");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let foreign = r.root.join("genclass/e/foreign");
    std::os::unix::fs::chown(&foreign, Some(65534), Some(65534)).unwrap();
    // A handler below a directory that group members may write.
    r.recorder("genclass/e2/h", "groupdir");
    std::fs::set_permissions(
        r.root.join("genclass/e2"),
        std::fs::Permissions::from_mode(0o775),
    )
    .unwrap();
    let out = r.send(&["-C", "genclass", "-E", "e", "-m", "a:b", "-n", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let id = stdout(&out).trim().to_string();
    r.w.wait_log(
        &format!(
            "genclass/e id={id} handler open not run: {} is writable by group or others (mode 0777)",
            open.display()
        ),
        5 * SEC,
    );
    r.w.wait_log(
        &format!(
            "genclass/e id={id} handler foreign not run: {} is owned by uid 65534, not root",
            foreign.display()
        ),
        5 * SEC,
    );
    let line = r.w.wait_log("handler safe exit 0", 5 * SEC);
    wait_gone(runner_pid(&line), 5 * SEC);
    assert!(r.records("open").is_empty());
    assert!(r.records("foreign").is_empty());
    assert_eq!(r.records("safe").len(), 1);

    let out = r.send(&["-C", "genclass", "-E", "e2", "-m", "a:b", "-n", "x"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let line = r.w.wait_log(
        &format!(
            "handler h not run: {} is writable by group or others (mode 0775)",
            r.root.join("genclass/e2").display()
        ),
        5 * SEC,
    );
    wait_gone(runner_pid(&line), 5 * SEC);
    assert!(r.records("groupdir").is_empty());
}

#[test]
fn lkroot_events_when_mamori_events_dir_is_not_set() {
    let r = Reg::new("sevlkroot");
    let lkroot = r.w.path("lk");
    mkdir(&lkroot);
    let events = lkroot.join("events");
    mkdir(&events);
    // The same recorder, at $LKROOT/events.
    let reg = Reg {
        w: World::new("sevlkroot2"),
        root: events.clone(),
    };
    reg.recorder("genclass/e/h", "lk");
    r.recorder("genclass/e/h", "own");
    let args = ["-C", "genclass", "-E", "e", "-m", "a:b", "-n", "x"];
    let out = reg
        .w
        .cmd("sendevent")
        .env_remove("MAMORI_EVENTS_DIR")
        .env("LKROOT", &lkroot)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(reg.wait_records("lk", 1, 5 * SEC).len(), 1);
    // MAMORI_EVENTS_DIR wins over LKROOT.
    let out = r.cmd().env("LKROOT", &lkroot).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    r.wait_records("own", 1, 5 * SEC);
    let line = r.w.wait_log("handler h exit 0", 5 * SEC);
    wait_gone(runner_pid(&line), 5 * SEC);
    assert_eq!(reg.records("lk").len(), 1);
    // Neither set, no /etc/mamori/events/genclass here: exit 2 names it.
    if !Path::new("/etc/mamori/events/genclass").exists() {
        let out =
            r.w.cmd("sendevent")
                .env_remove("MAMORI_EVENTS_DIR")
                .env_remove("LKROOT")
                .args(args)
                .output()
                .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            "sendevent: -C \"genclass\": no class directory /etc/mamori/events/genclass\n"
        );
    }
}

fn event_words(
    class: &str,
    event: &str,
    applet: &str,
    inst: &str,
    sev: &str,
    id: &str,
) -> Vec<String> {
    words(&[
        "-C",
        class,
        "-E",
        event,
        "-m",
        &format!("mamori:{applet}"),
        "-n",
        inst,
        "-s",
        sev,
        "-i",
        id,
    ])
}

/// The id (`-i`) of a record.
fn id_of(rec: &[String]) -> String {
    rec[rec.iter().position(|w| w == "-i").unwrap() + 1].clone()
}

#[test]
fn pcheck_raises_down_restarted_and_retry_over() {
    let mut r = Reg::new("sevpcheck");
    for ev in ["down", "restarted", "retry_over"] {
        r.recorder(&format!("pcheck/{ev}/notify"), ev);
    }
    let d = r.w.name.clone();
    let script = r.w.restart_script("r.sh", &d, 0);
    let pfile = r.w.pfile(
        "MSG_CHECK_INTERVAL    5\nMONITOR_INTERVAL      0.2\nMONITOR_TRY_COUNT     2\n",
        &[format!("{d}:{}:60:1:continue", script.display())],
    );
    let first = r.w.start_daemon(&d);
    let root = r.root.display().to_string();
    let pc = r.w.spawn_pcheck(&pfile, &[("MAMORI_EVENTS_DIR", &root)]);
    r.w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(first, "-TERM");
    let down = r.wait_records("down", 1, 5 * SEC);
    let restarted = r.wait_records("restarted", 1, 5 * SEC);
    assert_eq!(
        down[0],
        event_words("pcheck", "down", "pcheck", &d, "3", &id_of(&down[0]))
    );
    assert_eq!(
        restarted[0],
        event_words(
            "pcheck",
            "restarted",
            "pcheck",
            &d,
            "1",
            &id_of(&restarted[0])
        )
    );
    assert_ne!(id_of(&down[0]), id_of(&restarted[0]));
    let second = wait_until(5 * SEC, || pids_named(&d).into_iter().find(|&p| p != first))
        .expect("restarted");
    kill(second, "-TERM");
    r.w.wait_log(&format!("({d}) RETRY_OVER:CONTINUE"), 5 * SEC);
    let over = r.wait_records("retry_over", 1, 5 * SEC);
    assert_eq!(
        over[0],
        event_words("pcheck", "retry_over", "pcheck", &d, "5", &id_of(&over[0]))
    );
    assert_eq!(r.wait_records("down", 2, 5 * SEC).len(), 2);
    assert_eq!(r.records("restarted").len(), 1);
    // The runners are not pcheck's: no zombie is left with it.
    assert_eq!(zombie_children(pc), 0);
    kill(pc as i32, "-TERM");
    r.w.wait_pcheck(pc, 5 * SEC).expect("pcheck ends");
}

#[test]
fn clp_sambamon_raises_failing_recovered_and_failed_against_a_stopped_smbd() {
    let s = smbd::Smbd::start("sevsmb", 25491, &[]);
    let r = Reg::new("sevsmb");
    for ev in ["failing", "recovered", "failed"] {
        r.recorder(&format!("clp_sambamon/{ev}/notify"), ev);
    }
    let mut fs = fsmon::Fs::new("sevsmbmon");
    let a = format!("127.0.0.1:{}", s.port);
    let mut c = fs.cmd(
        "clp_sambamon",
        &[
            "ev1", "-s", "pub", "-a", &a, "-i", "1", "-c", "3", "-r", "1",
        ],
    );
    c.env("MAMORI_EVENTS_DIR", &r.root)
        .env("MAMORI_SYSLOG_SOCKET", r.w.log_socket());
    let mon = fs.spawn(c);
    r.w.wait_log("The clp_sambamon is going to watch share resource", 5 * SEC);
    s.stop();
    let failing = r.wait_records("failing", 1, 10 * SEC);
    let alarm = id_of(&failing[0]);
    assert_eq!(
        failing[0],
        event_words(
            "clp_sambamon",
            "failing",
            "clp_sambamon",
            "ev1",
            "2",
            &alarm
        )
    );
    // SIGCONT: the next check passes and clears the alarm.
    // SAFETY: signalling smbd's own process group.
    assert_eq!(unsafe { libc::kill(-(s.pgid() as i32), libc::SIGCONT) }, 0);
    let recovered = r.wait_records("recovered", 1, 10 * SEC);
    assert_eq!(
        recovered[0],
        event_words(
            "clp_sambamon",
            "recovered",
            "clp_sambamon",
            "ev1",
            "0",
            &alarm
        )
    );
    s.stop();
    let st = fs.wait(mon, 20 * SEC).expect("the monitor gives up");
    assert_eq!(st.code(), Some(1));
    let failed = r.wait_records("failed", 1, 5 * SEC);
    assert_eq!(
        failed[0],
        event_words(
            "clp_sambamon",
            "failed",
            "clp_sambamon",
            "ev1",
            "5",
            &id_of(&failed[0])
        )
    );
    let failing = r.wait_records("failing", 2, 5 * SEC);
    assert_ne!(id_of(&failing[1]), alarm);
    assert_eq!(r.records("recovered").len(), 1);
}

#[test]
fn pmf_raises_restarted_then_gave_up() {
    let r = Reg::new("sevpmf");
    r.recorder("pmf/restarted/notify", "restarted");
    r.recorder("pmf/gave_up/notify", "gave_up");
    let d = r.w.name.clone();
    let key = format!("0x{:08x}", r.w.key);
    let pmf = |args: &[&str]| {
        let out =
            r.w.cmd("pmfadm")
                .env("MAMORI_PMF_IPCKEY", &key)
                .env("MAMORI_EVENTS_DIR", &r.root)
                .args(args)
                .output()
                .unwrap();
        assert!(out.status.success(), "pmfadm {args:?}: {}", stderr(&out));
    };
    let daemon = format!("exec -a {d} sleep 100000");
    pmf(&["-c", "evtag", "-n", "1", "-t", "1", "bash", "-c", &daemon]);
    let first = wait_until(5 * SEC, || pids_named(&d).first().copied()).expect("started");
    kill(first, "-KILL");
    let restarted = r.wait_records("restarted", 1, 5 * SEC);
    assert_eq!(
        restarted[0],
        event_words(
            "pmf",
            "restarted",
            "pmfadm",
            "evtag",
            "2",
            &id_of(&restarted[0])
        )
    );
    let second = wait_until(5 * SEC, || pids_named(&d).into_iter().find(|&p| p != first))
        .expect("restarted");
    kill(second, "-KILL");
    r.w.wait_log("evtag: giving up; nametag removed", 5 * SEC);
    let gave_up = r.wait_records("gave_up", 1, 5 * SEC);
    assert_eq!(
        gave_up[0],
        event_words(
            "pmf",
            "gave_up",
            "pmfadm",
            "evtag",
            "5",
            &id_of(&gave_up[0])
        )
    );
    assert_eq!(r.records("restarted").len(), 1);
}
