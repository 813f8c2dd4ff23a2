//! Shared harness of the integration tests: a temp dir per test, a syslog
//! socket per test, unique IPC keys, real throw-away daemons found by a
//! unique argv[0], and the built `mamori` binary.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const MAMORI: &str = env!("CARGO_BIN_EXE_mamori");

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A test's private world: directory, syslog socket, IPC key, daemon name.
pub struct World {
    pub dir: PathBuf,
    pub key: u32,
    pub name: String,
    log: Arc<Mutex<Vec<String>>>,
    sock_path: PathBuf,
    children: Vec<Child>,
}

impl World {
    pub fn new(tag: &str) -> World {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        let dir = std::env::temp_dir().join(format!("mamori-test-{tag}-{pid}-{n}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Keys: 0x6d (m) | 16 bits of our pid | a counter: unique across
        // parallel test binaries and tests.
        let key = 0x6d00_0000 | ((pid & 0xffff) << 8) | (n & 0xff);
        let sock_path = dir.join("log.sock");
        let sock = UnixDatagram::bind(&sock_path).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                sink.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
        World {
            name: format!("mdt{tag}{pid}x{n}"),
            dir,
            key,
            log,
            sock_path,
            children: Vec::new(),
        }
    }

    /// The syslog socket this world reads.
    pub fn log_socket(&self) -> &Path {
        &self.sock_path
    }

    pub fn path(&self, leaf: &str) -> PathBuf {
        self.dir.join(leaf)
    }

    /// A `mamori APPLET` command with this world's environment.
    pub fn cmd(&self, applet: &str) -> Command {
        let mut c = Command::new(MAMORI);
        c.arg(applet)
            .env("MAMORI_SYSLOG_SOCKET", &self.sock_path)
            .env("MAMORI_DUMP_DIR", &self.dir)
            .env_remove("MAMORI_NO_PIDFD");
        c
    }

    pub fn run(&self, applet: &str, args: &[&str]) -> Output {
        self.cmd(applet).args(args).output().unwrap()
    }

    /// Writes a restart script that starts one more daemon named `name`
    /// and exits with `status`.
    pub fn restart_script(&self, leaf: &str, name: &str, status: i32) -> PathBuf {
        self.script(
            leaf,
            &format!(
                "#!/bin/sh\nsetsid /bin/bash -c 'exec -a {name} sleep 100000' </dev/null >/dev/null 2>&1 &\nexit {status}\n"
            ),
        )
    }

    pub fn script(&self, leaf: &str, body: &str) -> PathBuf {
        let p = self.path(leaf);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// Writes a pfile with this world's key and the given PARAM extras and
    /// PENT lines.
    pub fn pfile(&self, params: &str, pents: &[String]) -> PathBuf {
        let mut text = format!(
            "##### PARAM #####\nIPCKEY                0x{:08x}\n{params}##### PENT #####\n",
            self.key
        );
        for p in pents {
            text.push_str(p);
            text.push('\n');
        }
        let p = self.path("pfile");
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        p
    }

    /// Starts a daemon whose argv[0] is `name`, in its own session (not our
    /// child once the intermediate shell exits).
    pub fn start_daemon(&self, name: &str) -> i32 {
        let before = pids_named(name);
        // `setsid -f` forks: the daemon is not our child, as in real life.
        let st = Command::new("setsid")
            .args([
                "-f",
                "/bin/bash",
                "-c",
                &format!("exec -a {name} sleep 100000"),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        wait_until(Duration::from_secs(5), || {
            pids_named(name).into_iter().find(|p| !before.contains(p))
        })
        .expect("daemon did not start")
    }

    /// Starts `mamori pcheck -f PFILE` as a child.
    pub fn spawn_pcheck(&mut self, pfile: &Path, env: &[(&str, &str)]) -> u32 {
        let mut c = self.cmd("pcheck");
        c.arg("-f").arg(pfile).stdin(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        let child = c.spawn().unwrap();
        let pid = child.id();
        self.children.push(child);
        pid
    }

    /// Waits for the pcheck child `pid` to exit and returns its status.
    pub fn wait_pcheck(&mut self, pid: u32, limit: Duration) -> Option<std::process::ExitStatus> {
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

    pub fn log_lines(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until a log line contains `needle`; returns that line.
    pub fn wait_log(&self, needle: &str, limit: Duration) -> String {
        self.wait_log_count(needle, 1, limit)
    }

    /// Waits until `count` log lines contain `needle`; returns the last.
    pub fn wait_log_count(&self, needle: &str, count: usize, limit: Duration) -> String {
        wait_until(limit, || {
            let lines = self.log_lines();
            let hits: Vec<&String> = lines.iter().filter(|l| l.contains(needle)).collect();
            (hits.len() >= count).then(|| hits[count - 1].clone())
        })
        .unwrap_or_else(|| {
            panic!(
                "no {count}× log line with {needle:?}; log:\n{}",
                self.log_lines().join("\n")
            )
        })
    }

    pub fn count_log(&self, needle: &str) -> usize {
        self.log_lines()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        // A pcheck killed with -9 leaves its segment for the next pcheck to
        // take over; nothing will, so remove it (and its semaphore) here.
        if let Ok(id) = mamori::sys::ipc::Shm::lookup(self.key as i32) {
            let _ = mamori::sys::ipc::remove_id(id);
        }
        if let Ok(sem) = mamori::sys::ipc::Sem::open(self.key as i32) {
            let _ = sem.remove();
        }
        kill_named(&self.name);
        for suffix in ["a", "b", "c", "d"] {
            kill_named(&format!("{}{suffix}", self.name));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Polls `f` every 2 ms until it returns Some or `limit` passes.
pub fn wait_until<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Pids of live processes whose argv[0] is exactly `name`.
pub fn pids_named(name: &str) -> Vec<i32> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let argv0 = cmdline.split(|&b| b == 0).next().unwrap_or_default();
        if argv0 == name.as_bytes() && !is_zombie(pid) {
            out.push(pid);
        }
    }
    out
}

pub fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, r)| r.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// Zombie children of `pid`.
pub fn zombie_children(pid: u32) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(p) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let f: Vec<&str> = rest.split_whitespace().collect();
        if f.first() == Some(&"Z") && f.get(1) == Some(&pid.to_string().as_str()) {
            n += 1;
        }
    }
    n
}

pub fn fd_count(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

pub fn kill_named(name: &str) {
    for pid in pids_named(name) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

pub fn kill(pid: i32, sig: &str) {
    let st = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill {sig} {pid}");
}

/// Whether a SysV segment exists at `key`.
pub fn segment_exists(key: u32) -> bool {
    std::fs::read_to_string("/proc/sysvipc/shm")
        .unwrap()
        .lines()
        .skip(1)
        .any(|l| {
            l.split_whitespace()
                .next()
                .and_then(|k| k.parse::<i64>().ok())
                == Some(key as i32 as i64)
        })
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
