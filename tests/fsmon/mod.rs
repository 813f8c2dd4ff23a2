//! Harness of the clp_sambamon / clp_nfsmon tests: a World (temp dir,
//! syslog socket) plus its own registry key, monitors started as
//! children, and a TCP listener that counts connections (to prove that a
//! paused monitor sends nothing).
#![allow(dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{World, wait_until};

/// A test's world with its own fsmon registry key.
pub struct Fs {
    pub w: World,
    children: Vec<Child>,
}

impl Fs {
    pub fn new(tag: &str) -> Fs {
        Fs {
            w: World::new(tag),
            children: Vec::new(),
        }
    }

    pub fn key(&self) -> String {
        format!("0x{:08x}", self.w.key)
    }

    pub fn cmd(&self, applet: &str, args: &[&str]) -> Command {
        let mut c = self.w.cmd(applet);
        c.env("MAMORI_FSMON_IPCKEY", self.key())
            .env_remove("MAMORI_SMB_PASSWORD")
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// Runs a control form (or a start that should fail at once).
    pub fn run(&self, applet: &str, args: &[&str]) -> Output {
        self.cmd(applet, args).output().unwrap()
    }

    /// Starts a monitor as a child; returns its pid.
    pub fn spawn(&mut self, mut c: Command) -> u32 {
        let child = c
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id();
        self.children.push(child);
        pid
    }

    pub fn start(&mut self, applet: &str, args: &[&str]) -> u32 {
        let c = self.cmd(applet, args);
        self.spawn(c)
    }

    /// Waits for monitor `pid` to exit.
    pub fn wait(&mut self, pid: u32, limit: Duration) -> Option<ExitStatus> {
        let k = self.children.iter().position(|c| c.id() == pid)?;
        let deadline = Instant::now() + limit;
        loop {
            if let Some(st) = self.children[k].try_wait().unwrap() {
                return Some(st);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Whether monitor `pid` still runs.
    pub fn running(&mut self, pid: u32) -> bool {
        let k = self.children.iter().position(|c| c.id() == pid).unwrap();
        self.children[k].try_wait().unwrap().is_none()
    }

    /// Log lines of process `pid`, as `[ID] text`.
    pub fn lines_of(&self, pid: u32) -> Vec<String> {
        let tag = format!("[{pid}]: ");
        self.w
            .log_lines()
            .iter()
            .filter_map(|l| l.split_once(&tag).map(|(_, t)| t.to_string()))
            .collect()
    }

    /// Waits for a line of `pid` that contains `needle`.
    pub fn wait_line(&self, pid: u32, needle: &str, limit: Duration) -> String {
        wait_until(limit, || {
            self.lines_of(pid).into_iter().find(|l| l.contains(needle))
        })
        .unwrap_or_else(|| {
            panic!(
                "no line with {needle:?} from [{pid}]; log:\n{}",
                self.w.log_lines().join("\n")
            )
        })
    }

    pub fn has_line(&self, pid: u32, needle: &str) -> bool {
        self.lines_of(pid).iter().any(|l| l.contains(needle))
    }

    /// `-disp`'s pid, or None.
    /// Checks monitor `id` has run so far, from the registry's counter.
    pub fn checks(&self, id: &str) -> Option<u32> {
        mamori::fsmon::registry::Registry::new(self.w.key as i32)
            .find(id.as_bytes())
            .ok()
            .flatten()
            .map(|e| e.checks)
    }

    /// Waits until each monitor in `ids` has run `n` more checks (counted
    /// by the monitor itself in the registry): a state, not a sleep.
    pub fn wait_checks(&self, ids: &[&str], n: u32, limit: Duration) {
        let start: Vec<u32> = ids.iter().map(|id| self.checks(id).unwrap_or(0)).collect();
        for (id, s) in ids.iter().zip(start) {
            let done = wait_until(limit, || {
                self.checks(id)
                    .filter(|c| c.wrapping_sub(s) >= n)
                    .map(|_| ())
            });
            assert!(done.is_some(), "{id}: not {n} more checks within {limit:?}");
        }
    }

    pub fn disp(&self, applet: &str, id: &str) -> (Option<u32>, i32) {
        let o = self.run(applet, &[id, "-disp"]);
        let pid = String::from_utf8_lossy(&o.stdout).trim().parse().ok();
        (pid, o.status.code().unwrap_or(-1))
    }
}

impl Drop for Fs {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        // A killed monitor leaves its registry behind (that is the point
        // of some tests): remove it.
        let key = self.key();
        let _ = Command::new("ipcrm")
            .args(["-M", &key, "-S", &key])
            .stderr(Stdio::null())
            .status();
    }
}

/// A loopback listener that accepts and drops connections, counting them.
pub struct Counter {
    pub port: u16,
    count: Arc<AtomicUsize>,
}

impl Counter {
    pub fn start() -> Counter {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let count = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&count);
        std::thread::spawn(move || {
            for s in l.incoming() {
                if s.is_ok() {
                    c.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        Counter { port, count }
    }

    pub fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

/// `-pause` stops all traffic within a second and `-continue` resumes it,
/// against a listener that counts connections.
pub fn pause_sends_nothing(applet: &str, target_opts: &[&str]) {
    let mut fs = Fs::new("pause");
    let counter = Counter::start();
    let addr = format!("127.0.0.1:{}", counter.port);
    let mut args = vec!["pz1", "-a", &addr, "-i", "1", "-c", "10000", "-r", "1"];
    args.extend_from_slice(target_opts);
    let pid = fs.start(applet, &args);
    assert!(
        wait_until(Duration::from_secs(5), || (counter.count() >= 2)
            .then_some(()))
        .is_some(),
        "the monitor checks every second"
    );
    let o = fs.run(applet, &["pz1", "-pause"]);
    assert!(o.status.success(), "{o:?}");
    fs.wait_line(pid, "[7] The ", Duration::from_secs(2));
    // -pause returns once the monitor has seen it: no check is in flight.
    let paused_at = counter.count();
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(
        counter.count(),
        paused_at,
        "a paused monitor connects to nothing"
    );
    assert!(fs.running(pid));
    let o = fs.run(applet, &["pz1", "-continue"]);
    assert!(o.status.success());
    fs.wait_line(pid, "[8] The ", Duration::from_secs(2));
    assert!(
        wait_until(Duration::from_millis(1500), || (counter.count()
            > paused_at)
            .then_some(()))
        .is_some(),
        "checks resume at once after -continue"
    );
    // A paused monitor still obeys -stop.
    assert!(fs.run(applet, &["pz1", "-pause"]).status.success());
    fs.wait_line(pid, "[7] The ", Duration::from_secs(2));
    let o = fs.run(applet, &["pz1", "-stop", "5"]);
    assert!(o.status.success());
    assert_eq!(
        fs.wait(pid, Duration::from_secs(5)).unwrap().code(),
        Some(0)
    );
    fs.wait_line(pid, "[3] The ", Duration::from_secs(1));
}

/// Another program's segment at the registry key: message 42, exit 5,
/// and the segment is left alone.
pub fn foreign_registry(applet: &str, target: &[&str]) {
    let fs = Fs::new("foreign");
    let shm = mamori::sys::ipc::Shm::create(fs.w.key as i32, 4096, 0o600).unwrap();
    let mut args = vec!["fr1"];
    args.extend_from_slice(target);
    let o = fs.run(applet, &args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(5), "{err}");
    assert!(
        err.contains(&format!(
            "The {applet} has detected system error (shmget 17)."
        )),
        "{err}"
    );
    assert!(err.contains("is not a mamori fsmon registry"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(fs.run(applet, &["fr1", "-disp"]).status.code(), Some(5));
    assert!(crate::common::segment_exists(fs.w.key));
    shm.remove().unwrap();
}

/// Every bad-parameter message (11-14) with one line on stderr, a
/// non-zero exit and nothing registered.
pub fn bad_parameters(applet: &str, target: &[&str], twelve: &str) {
    let mut fs = Fs::new("badparam");
    let check = |fs: &Fs, args: &[&str], code: i32, text: &str| {
        let o = fs.run(applet, args);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains(text), "{args:?}: {err}");
        assert!(
            !crate::common::segment_exists(fs.w.key),
            "{args:?}: nothing registered"
        );
    };
    let invalid = format!("Invalid parameter in the {applet}.");
    let no_id = format!("The monitor id is not specified at the {applet} command.");
    let with = |extra: &[&str]| {
        let mut v: Vec<&str> = vec!["bp1"];
        v.extend_from_slice(target);
        v.extend_from_slice(extra);
        v.iter().map(|s| s.to_string()).collect::<Vec<String>>()
    };
    for extra in [
        &["-i", "0"][..],
        &["-i", "10001"],
        &["-c", "0"],
        &["-c", "x"],
        &["-r", "0"],
        &["-r", "10001"],
        &["-a", "not.an.address"],
        &["-a", "127.0.0.1:0"],
        &["-q"],
        &["-i"],
        &["-stop"],
    ] {
        let args = with(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&fs, &args, 2, &invalid);
    }
    check(&fs, &["bad-id", "-disp"], 2, &invalid);
    check(&fs, &[&"a".repeat(256), "-disp"], 2, &invalid);
    check(&fs, &["bp1", "-stop", "0"], 2, &invalid);
    check(&fs, &["bp1", "-pause", "x"], 2, &invalid);
    check(&fs, &["bp1"], 2, twelve);
    check(&fs, &[], 2, &no_id);
    let mut first = vec![target[0], target[1], "bp1"];
    first.truncate(3);
    check(&fs, &first, 2, &no_id);
    // Message 11/12/13 also reach syslog with their IDs.
    assert!(
        fs.w.log_lines()
            .iter()
            .any(|l| l.contains(&format!("[11] {invalid}")))
    );
    assert!(
        fs.w.log_lines()
            .iter()
            .any(|l| l.contains(&format!("[13] {no_id}")))
    );
    assert!(fs.w.log_lines().iter().any(|l| l.contains("[12] ")));
    // 14: a live ID, also one held by the other applet.
    let counter = Counter::start();
    let addr = format!("127.0.0.1:{}", counter.port);
    let mut args = vec!["bp2", "-a", addr.as_str(), "-c", "10000", "-r", "1"];
    args.extend_from_slice(target);
    let pid = fs.start(applet, &args);
    wait_until(Duration::from_secs(5), || {
        fs.disp(applet, "bp2").0.filter(|p| *p == pid)
    })
    .expect("registered");
    for other in ["clp_sambamon", "clp_nfsmon"] {
        let owned = args_for(other, "bp2");
        let words: Vec<&str> = owned.iter().map(String::as_str).collect();
        let o = fs.run(other, &words);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(3), "{err}");
        assert!(err.contains("The specified monitor id is already under use in other processes."));
        assert!(err.contains(&format!("[{pid}]")), "{err}");
        assert_eq!(err.lines().count(), 1);
    }
    assert!(fs.running(pid));
    assert!(fs.run(applet, &["bp2", "-stop", "5"]).status.success());
    fs.wait(pid, Duration::from_secs(5)).unwrap();
}

fn args_for(applet: &str, id: &str) -> Vec<String> {
    let t = if applet == "clp_sambamon" {
        ["-s", "pub"]
    } else {
        ["-d", "/export"]
    };
    [id, t[0], t[1], "-a", "127.0.0.1:9", "-r", "1"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}
