//! A throwaway Samba smbd on loopback for the integration tests, after
//! shared/PEERS.md: own temp dir, own port, own process group (smbd
//! signals its whole group when it exits), torn down group-wide on drop.

#![allow(dead_code)]

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "smbtest";
pub const PASSWORD: &str = "pw";

pub struct Smbd {
    pub dir: PathBuf,
    pub port: u16,
    child: Child,
}

fn run(cmd: &mut Command) -> bool {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn signal_group(pgid: u32, sig: &str) {
    run(Command::new("kill")
        .arg(format!("-{sig}"))
        .arg("--")
        .arg(format!("-{pgid}")));
}

impl Smbd {
    /// Starts smbd with the PEERS.md base config plus `extra` global lines.
    pub fn start(name: &str, port: u16, extra: &[&str]) -> Smbd {
        Smbd::start_with(name, port, extra, &[])
    }

    /// [`Smbd::start`] with `(share, line)` options added to the shares
    /// (`pub`, `private`, `printer`), e.g. `("private", "smb encrypt = required")`.
    pub fn start_with(name: &str, port: u16, extra: &[&str], share_extra: &[(&str, &str)]) -> Smbd {
        let dir = std::env::temp_dir().join(format!("mamori-smbd-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        for sub in [
            "lock",
            "state",
            "cache",
            "private",
            "pid",
            "ncalrpc",
            "log",
            "share/pub",
            "share/private",
        ] {
            fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // The tree must be traversable or user sessions get ACCESS_DENIED.
        for (p, mode) in [
            ("", "0755"),
            ("share", "0755"),
            ("share/pub", "0777"),
            ("share/private", "0777"),
        ] {
            assert!(run(Command::new("chmod").arg(mode).arg(dir.join(p))));
        }
        let d = dir.display();
        let mut conf = format!(
            "[global]\n  server role = standalone server\n  workgroup = TESTGRP\n  smb ports = {port}\n  \
             interfaces = 127.0.0.1\n  bind interfaces only = yes\n  disable netbios = yes\n  \
             lock directory = {d}/lock\n  state directory = {d}/state\n  cache directory = {d}/cache\n  \
             private dir = {d}/private\n  pid directory = {d}/pid\n  ncalrpc dir = {d}/ncalrpc\n  \
             log file = {d}/log/log.%m\n  passdb backend = tdbsam:{d}/private/passdb.tdb\n  \
             map to guest = Bad User\n  load printers = no\n  printing = bsd\n  printcap name = /dev/null\n  \
             disable spoolss = yes\n"
        );
        for e in extra {
            conf.push_str(&format!("  {e}\n"));
        }
        for (share, lines) in [
            (
                "pub",
                format!("  path = {d}/share/pub\n  guest ok = yes\n  read only = no\n"),
            ),
            (
                "private",
                format!("  path = {d}/share/private\n  valid users = {USER}\n"),
            ),
            (
                "printer",
                format!(
                    "  path = {d}/spool\n  printable = yes\n  guest ok = yes\n  print command = /bin/true\n"
                ),
            ),
        ] {
            conf.push_str(&format!("[{share}]\n{lines}"));
            for (_, line) in share_extra.iter().filter(|(s, _)| *s == share) {
                conf.push_str(&format!("  {line}\n"));
            }
        }
        let conf_path = dir.join("smb.conf");
        fs::write(&conf_path, conf).unwrap();

        if !run(Command::new("id").arg(USER)) {
            // Another test may be creating it at the same moment.
            run(Command::new("useradd").args(["--system", "-M", "-s", "/usr/sbin/nologin", USER]));
        }
        let mut pw = Command::new("smbpasswd")
            .arg("-c")
            .arg(&conf_path)
            .args(["-a", "-s", USER])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("smbpasswd (apt-get install samba)");
        use std::io::Write;
        pw.stdin
            .take()
            .unwrap()
            .write_all(format!("{PASSWORD}\n{PASSWORD}\n").as_bytes())
            .unwrap();
        assert!(pw.wait().unwrap().success(), "smbpasswd failed");

        use std::os::unix::process::CommandExt;
        let child = Command::new("smbd")
            .args(["--foreground", "--no-process-group", "-s"])
            .arg(&conf_path)
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(dir.join("smbd.err")).unwrap())
            .spawn()
            .expect("smbd (apt-get install samba)");
        let s = Smbd { dir, port, child };
        s.wait_ready();
        s
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect_timeout(&self.addr(), Duration::from_millis(200)).is_ok() {
                // SO_REUSEPORT: make sure the listener is ours (PEERS.md).
                let out = Command::new("ss")
                    .args(["-Hltnp", &format!("sport = :{}", self.port)])
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(
                    text.contains(&format!("pid={},", self.child.id())),
                    "port {} held by another process: {text}",
                    self.port
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "smbd on port {} did not start; see {}",
            self.port,
            self.dir.display()
        );
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// SIGSTOP to the whole group (each session has its own child), and
    /// wait until the listener's threads have stopped: the stop reaches
    /// each thread on its own, and a running one could answer once more.
    pub fn stop(&self) {
        signal_group(self.pgid(), "STOP");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !stopped(self.child.id()) {
            assert!(Instant::now() < deadline, "smbd did not stop");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// SIGKILL to the whole group and reap.
    pub fn kill(&mut self) {
        signal_group(self.pgid(), "KILL");
        let _ = self.child.wait();
    }
}

fn stopped(pid: u32) -> bool {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|t| {
        fs::read_to_string(t.path().join("stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('T'))
            })
            .unwrap_or(true)
    })
}

impl Drop for Smbd {
    fn drop(&mut self) {
        let pgid = self.pgid();
        signal_group(pgid, "CONT");
        signal_group(pgid, "TERM");
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        signal_group(pgid, "KILL");
        let _ = self.child.wait();
        // samba-dcerpcd helpers outlive smbd (PEERS.md).
        if let Ok(pid) = fs::read_to_string(self.dir.join("pid/samba-dcerpcd.pid")) {
            let pid = pid.trim();
            if !pid.is_empty() {
                run(Command::new("kill").args(["-KILL", pid]));
            }
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
