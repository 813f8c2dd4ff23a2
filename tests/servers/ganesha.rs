//! Real peers for the NFS probe's integration tests (shared/PEERS.md):
//! rpcbind 1.2.6 and nfs-ganesha 4.3 in a private network + mount
//! namespace, with all state in a temporary directory. Everything started
//! here is killed when the [`Peers`] value is dropped.
//!
//! The calling test thread joins the namespace's network with `setns`
//! ([`Peers::enter`]): the probe then talks to 127.0.0.1 / ::1 of the
//! namespace, never to the host's services.
#![allow(dead_code)]

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mamori::probe::nfs::{self, Version};

/// Protocols ganesha serves.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Protocols {
    /// NFSv3 (with MOUNT, needs rpcbind) and NFSv4.
    V3V4,
    /// NFSv4 only, no rpcbind.
    V4Only,
}

/// A namespace with rpcbind and ganesha in it.
pub struct Peers {
    pub dir: PathBuf,
    holder: Child,
    pub rpcbind: Option<Child>,
    pub ganesha: Option<Child>,
    protocols: Protocols,
}

static SEQ: AtomicU32 = AtomicU32::new(0);

fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Peers {
    /// Starts the namespace, rpcbind (unless V4Only) and ganesha, and
    /// waits until the export answers.
    pub fn start(protocols: Protocols) -> Peers {
        let dir = std::env::temp_dir().join(format!(
            "mamori-nfs-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("export/sub")).unwrap();
        fs::create_dir_all(dir.join("recov")).unwrap();
        fs::write(dir.join("export/sub/file"), b"hello\n").unwrap();
        let holder = Command::new("unshare")
            .args([
                "--net",
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
            ])
            .arg(
                "ip link set lo up && mount -t tmpfs r /run && mkdir -p /run/rpcbind && \
                 chown _rpc /run/rpcbind; exec sleep infinity",
            )
            .stdin(Stdio::null())
            .spawn()
            .expect("unshare");
        let pid = holder.id();
        wait_until("namespace holder", Duration::from_secs(5), || {
            fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "sleep")
        });
        let mut peers = Peers {
            dir,
            holder,
            rpcbind: None,
            ganesha: None,
            protocols,
        };
        peers.enter();
        if protocols == Protocols::V3V4 {
            peers.start_rpcbind();
        }
        peers.start_ganesha();
        peers
    }

    /// The exported directory, as both MOUNT v3 and the NFSv4 pseudo
    /// file system name it.
    pub fn export(&self) -> String {
        self.dir.join("export").to_string_lossy().into_owned()
    }

    fn spawn_in_ns(&self, argv: &[&str], log: &str) -> Child {
        let out = fs::File::create(self.dir.join(log)).unwrap();
        let err = out.try_clone().unwrap();
        // `setsid` execs in place (the child is not a group leader), and
        // so does nsenter for net + mount: the Child's pid is the server's.
        Command::new("setsid")
            .args([
                "nsenter",
                "-t",
                &self.holder.id().to_string(),
                "-n",
                "-m",
                "--",
            ])
            .args(argv)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn in namespace")
    }

    /// Starts rpcbind (no warm start) and waits for port 111.
    pub fn start_rpcbind(&mut self) {
        let child = self.spawn_in_ns(&["rpcbind", "-f"], "rpcbind.out");
        self.rpcbind = Some(child);
        wait_until("rpcbind", Duration::from_secs(10), || port_open(111));
    }

    /// Starts ganesha and waits until a check of the export succeeds.
    pub fn start_ganesha(&mut self) {
        let d = self.dir.to_string_lossy().into_owned();
        let protos = match self.protocols {
            Protocols::V3V4 => "3, 4",
            Protocols::V4Only => "4",
        };
        let conf = format!(
            "NFS_CORE_PARAM {{ NFS_Port = 2049; MNT_Port = 20048; Enable_NLM = false;\n\
             Enable_RQUOTA = false; Enable_UDP = false; Protocols = {protos}; }}\n\
             NFSV4 {{ Graceless = true; RecoveryBackend = fs; RecoveryRoot = {d}/recov; }}\n\
             NFS_KRB5 {{ Active_krb5 = false; }}\n\
             EXPORT {{ Export_Id = 1; Path = {d}/export; Pseudo = {d}/export;\n\
             Access_Type = RW; Squash = No_Root_Squash; SecType = sys; Protocols = {protos};\n\
             Transports = TCP; FSAL {{ Name = VFS; }} }}\n"
        );
        fs::write(self.dir.join("ganesha.conf"), conf).unwrap();
        let conf = format!("{d}/ganesha.conf");
        let log = format!("{d}/ganesha.log");
        let pid = format!("{d}/ganesha.pid");
        let child = self.spawn_in_ns(
            &["ganesha.nfsd", "-F", "-f", &conf, "-L", &log, "-p", &pid],
            "ganesha.out",
        );
        self.ganesha = Some(child);
        let export = self.export();
        let version = match self.protocols {
            Protocols::V3V4 => Version::V3,
            Protocols::V4Only => Version::V4,
        };
        wait_until("ganesha", Duration::from_secs(20), || {
            nfs::check(
                "127.0.0.1".parse().unwrap(),
                111,
                None,
                &export,
                version,
                Duration::from_secs(1),
                true,
            )
            .is_ok()
        });
    }

    /// Moves the calling thread into the namespace's network.
    pub fn enter(&self) {
        let ns = fs::File::open(format!("/proc/{}/ns/net", self.holder.id())).unwrap();
        rustix::thread::move_into_link_name_space(
            ns.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .expect("setns");
    }

    /// Sends a signal to a server. For SIGSTOP, waits until every thread
    /// has stopped: the stop is delivered to each thread on its own, and a
    /// thread still running could answer one more request.
    pub fn signal(child: &Child, sig: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, sig).unwrap();
        if sig == rustix::process::Signal::STOP {
            wait_until("all threads stopped", Duration::from_secs(5), || {
                all_threads_stopped(child.id())
            });
        }
    }

    /// Kills a server and reaps it.
    pub fn kill(child: &mut Option<Child>) {
        if let Some(mut c) = child.take() {
            let _ = Self::signal_quiet(&c, rustix::process::Signal::CONT);
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn signal_quiet(child: &Child, sig: rustix::process::Signal) -> Option<()> {
        let pid = rustix::process::Pid::from_raw(child.id() as i32)?;
        rustix::process::kill_process(pid, sig).ok()
    }

    /// The ganesha log, for failure messages.
    pub fn ganesha_log(&self) -> String {
        fs::read_to_string(self.dir.join("ganesha.log")).unwrap_or_default()
    }
}

impl Drop for Peers {
    fn drop(&mut self) {
        Self::kill(&mut self.ganesha);
        Self::kill(&mut self.rpcbind);
        let _ = self.holder.kill();
        let _ = self.holder.wait();
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// True when something listens on 127.0.0.1:`port` of the current
/// thread's network namespace.
pub fn port_open(port: u16) -> bool {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

/// Whether every thread of `pid` is in state T (stopped).
pub fn all_threads_stopped(pid: u32) -> bool {
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

/// Shorthand for the loopback address.
pub fn lo() -> core::net::IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// Deletes a path, ignoring errors.
pub fn rm(p: &Path) {
    let _ = fs::remove_dir_all(p);
}
