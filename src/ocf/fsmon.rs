//! ocf:mamori:sambamon and ocf:mamori:nfsmon — one clp_sambamon /
//! clp_nfsmon. Ready when the first check passed (the registry's `checks`
//! counter moved and `failures` is 0); failed when the monitor exited
//! after RETRIES failures or died. OCF_CHECK_LEVEL 10 adds one live check
//! in the agent, with the probe the monitor uses.

use std::time::{Duration, Instant};

use super::params::{Default, FAIL_FAST, Param};
use super::state::Recorded;
use super::{Agent, Ctx, Failure, Ops, Timeouts, launch};
use crate::applets::clp_nfsmon::NfsProbe;
use crate::applets::clp_sambamon::SambaProbe;
use crate::fsmon::monitor::Probe;
use crate::fsmon::registry::{self as reg, Applet, Entry};

const INTERVAL: Param = Param::integer(
    "interval",
    "30",
    (1, 10000),
    "Seconds between checks",
    "Seconds from the end of one check to the start of the next (-i).",
);
const RETRIES: Param = Param::integer(
    "retries",
    "5",
    (1, 10000),
    "Failed checks in a row that end the monitor",
    "The monitor declares the service failed after this many failed checks in a row (-c).",
);
const TIMEOUT: Param = Param::integer(
    "timeout",
    "60",
    (1, 10000),
    "Seconds each request may take",
    "Time limit of the connect and of each request of a check (-r).",
);
const ID: Param = Param::string(
    "id",
    "Monitor ID",
    "The monitor's ID (letters and digits, unique on the node); default: the resource's name without other characters.",
)
.default(Default::Instance)
.unique();

pub static SAMBAMON: Agent = Agent {
    name: "sambamon",
    shortdesc: "mamori clp_sambamon: watch an SMB share",
    longdesc: "Runs mamori's clp_sambamon, which checks an SMB share with a real SMB \
               session (negotiate, session setup, tree connect) every interval seconds \
               and declares the share failed after retries failed checks in a row.",
    params: &SAMBA_PARAMS,
    timeouts: Timeouts {
        start: 90,
        stop: 70,
        monitor: 20,
        interval: 10,
    },
    reload: false,
    ops: &FsmonOps(Applet::Samba),
};

static SAMBA_PARAMS: [Param; 9] = [
    Param::string(
        "share",
        "Share name",
        "The share to check, as the server names it.",
    )
    .required(),
    Param::string(
        "address",
        "Server address",
        "IP[:PORT] of the server (IPv6 as [addr]:port); default 127.0.0.1:445.",
    ),
    Param::string(
        "user",
        "User",
        "User for an NTLMv2 session; default: guest.",
    ),
    Param::string(
        "password_file",
        "Password file",
        "File whose first line is the user's password (mode 0600).",
    ),
    INTERVAL,
    RETRIES,
    TIMEOUT,
    ID,
    FAIL_FAST,
];

pub static NFSMON: Agent = Agent {
    name: "nfsmon",
    shortdesc: "mamori clp_nfsmon: watch an NFS export",
    longdesc: "Runs mamori's clp_nfsmon, which checks an NFS export with real ONC-RPC \
               calls (portmapper, MOUNT, NFS v3, or NFSv4 COMPOUND) every interval \
               seconds and declares the export failed after retries failed checks in a row.",
    params: &NFS_PARAMS,
    timeouts: SAMBAMON.timeouts,
    reload: false,
    ops: &FsmonOps(Applet::Nfs),
};

static NFS_PARAMS: [Param; 9] = [
    Param::string(
        "dir",
        "Export",
        "The exported directory to check (absolute path).",
    )
    .required(),
    Param::string(
        "address",
        "Server address",
        "IP[:PORT] of the server and its portmapper port; default: the node's first non-loopback IPv4 address, port 111.",
    ),
    Param::integer(
        "port",
        "0",
        (0, 65535),
        "NFS port",
        "The NFS port (0: ask the portmapper).",
    ),
    Param::string("version", "NFS version", "3 or 4 (default: v3, else v4)."),
    INTERVAL,
    RETRIES,
    TIMEOUT,
    ID,
    FAIL_FAST,
];

struct FsmonOps(Applet);

impl FsmonOps {
    fn applet_args(&self, ctx: &Ctx) -> Vec<String> {
        let p = &ctx.params;
        let mut a = vec![p.must("id").to_string()];
        let mut opt = |o: &str, v: &str| {
            a.push(o.to_string());
            a.push(v.to_string());
        };
        match self.0 {
            Applet::Samba => {
                opt("-s", p.must("share"));
                if let Some(u) = p.get("user") {
                    opt("-u", u);
                }
                if let Some(f) = p.get("password_file") {
                    opt("-p", &format!("@{f}"));
                }
            }
            Applet::Nfs => {
                opt("-d", p.must("dir"));
                if let Some(port) = p.int("port").filter(|&n| n > 0) {
                    opt("-n", &port.to_string());
                }
                if let Some(v) = p.get("version") {
                    opt("-V", v);
                }
            }
        }
        if let Some(addr) = p.get("address") {
            opt("-a", addr);
        }
        opt("-i", p.must("interval"));
        opt("-c", p.must("retries"));
        opt("-r", p.must("timeout"));
        a
    }

    fn find(&self, ctx: &Ctx) -> Result<Option<Entry>, Failure> {
        let key = reg::key_from_env().map_err(Failure::configured)?;
        reg::Registry::new(key)
            .find(ctx.params.must("id").as_bytes())
            .map(|e| e.filter(|e| e.applet == self.0))
            .map_err(|e| Failure::generic(format!("fsmon registry: {e}")))
    }

    /// One live check with the monitor's own probe.
    fn live_check(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = &ctx.params;
        let timeout = Duration::from_secs(p.int("timeout").unwrap_or(60) as u64);
        let bad = |e: crate::fsmon::options::ParamError| Failure::configured(e.to_string());
        let result = match self.0 {
            Applet::Samba => {
                let target =
                    crate::fsmon::options::address(p.get("address").unwrap_or("127.0.0.1"), 445)
                        .map_err(bad)?;
                // The applet's own reader: first line, mode 0600 only.
                let password = match p.get("password_file") {
                    Some(f) => crate::applets::clp_sambamon::read_password_file(f)
                        .map_err(|e| Failure::configured(format!("password_file: {e}")))?,
                    None => Vec::new(),
                };
                let mut probe = SambaProbe {
                    target,
                    share: p.must("share").to_string(),
                    user: p.get("user").map(str::to_string),
                    password,
                    timeout,
                    encryption: crate::probe::smb::Encryption::AsRequired,
                };
                probe
                    .check()
                    .map_err(|f| format!("share {}: {f}", p.must("share")))
            }
            Applet::Nfs => {
                let server = match p.get("address") {
                    Some(a) => crate::fsmon::options::address(a, 111).map_err(bad)?,
                    None => std::net::SocketAddr::from((
                        crate::sys::net::first_non_loopback_ipv4()
                            .ok()
                            .flatten()
                            .unwrap_or(std::net::Ipv4Addr::LOCALHOST),
                        111,
                    )),
                };
                let mut probe = NfsProbe {
                    server,
                    nfs_port: p.int("port").filter(|&n| n > 0).map(|n| n as u16),
                    dir: p.must("dir").to_string(),
                    version: version(p.get("version")).map_err(Failure::configured)?,
                    timeout,
                    reserved_port: crate::sys::is_root(),
                };
                probe
                    .check()
                    .map_err(|f| format!("export {}: {f}", p.must("dir")))
            }
        };
        result.map_err(Failure::generic)
    }
}

fn version(v: Option<&str>) -> Result<crate::probe::nfs::Version, String> {
    use crate::probe::nfs::Version;
    match v {
        None => Ok(Version::Auto),
        Some("3") => Ok(Version::V3),
        Some("4") => Ok(Version::V4),
        Some(v) => Err(format!("parameter version={v:?}: 3 or 4")),
    }
}

impl Ops for FsmonOps {
    fn validate(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = &ctx.params;
        let id = p.must("id");
        if id.is_empty() || id.len() > reg::ID_MAX {
            return Err(Failure::configured(format!(
                "parameter id={id:?}: 1 to {} letters and digits",
                reg::ID_MAX
            )));
        }
        if let Some(a) = p.get("address") {
            crate::fsmon::options::address(a, 1).map_err(|e| Failure::configured(e.to_string()))?;
        }
        match self.0 {
            Applet::Samba => {
                if p.get("password_file").is_some() && p.get("user").is_none() {
                    return Err(Failure::configured("password_file needs user"));
                }
                if let Some(f) = p.get("password_file") {
                    crate::applets::clp_sambamon::read_password_file(f)
                        .map_err(|e| Failure::configured(format!("password_file: {e}")))?;
                }
            }
            Applet::Nfs => {
                if !p.must("dir").starts_with('/') {
                    return Err(Failure::configured(format!(
                        "parameter dir={:?}: an absolute path",
                        p.must("dir")
                    )));
                }
                version(p.get("version")).map_err(Failure::configured)?;
            }
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx) -> Result<(), Failure> {
        if let Some(e) = self.find(ctx)?
            && e.alive()
        {
            return ctx.state.set_running().map_err(Failure::generic);
        }
        let mut child = launch::applet(ctx, self.0.name(), &self.applet_args(ctx), &[])?;
        let pid = child.id() as i32;
        let what = self.0.name();
        let r = launch::wait_ready(ctx, &mut child, what, launch::budget(ctx), || {
            match self.find(ctx) {
                Ok(Some(e)) if e.owner.pid == pid && e.checks >= 1 => Some(if e.failures == 0 {
                    Ok(())
                } else {
                    Err(self.live_check(ctx).err().unwrap_or_else(|| {
                        Failure::generic(format!(
                            "the first check of {what} {} failed",
                            ctx.params.must("id")
                        ))
                    }))
                }),
                Err(e) => Some(Err(e)),
                _ => None,
            }
        });
        if let Err(f) = r {
            let _ = child.kill();
            let _ = child.wait();
            return Err(f);
        }
        ctx.state.set_running().map_err(Failure::generic)
    }

    fn stop(&self, ctx: &Ctx) -> Result<(), Failure> {
        if let Ok(Some(e)) = self.find(ctx) {
            let id = ctx.params.must("id").to_string();
            if e.alive() {
                let wait = launch::budget(ctx).as_secs().clamp(1, 10000).to_string();
                let _ = launch::run_applet(self.0.name(), &[&id, "-stop", &wait]);
                let deadline = Instant::now() + launch::budget(ctx);
                while e.owner.alive() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(20));
                }
                if e.owner.alive() {
                    let _ = crate::sys::signals::kill(e.owner.pid, libc::SIGKILL);
                }
            } else {
                // The monitor died: drop its registration.
                let _ = launch::run_applet(self.0.name(), &[&id, "-del"]);
            }
        }
        ctx.state.remove();
        Ok(())
    }

    fn monitor(&self, ctx: &Ctx) -> Result<(), Failure> {
        match self.find(ctx)? {
            Some(e) if e.alive() => {
                if ctx.check_level >= 10 && !e.paused {
                    self.live_check(ctx)?;
                }
                Ok(())
            }
            other => match ctx.state.read() {
                Recorded::Absent => Err(Failure::not_running()),
                Recorded::Failed(why) => Err(Failure::generic(why)),
                Recorded::Running => {
                    let why = match other {
                        Some(e) => format!("{}[{}] died", self.0.name(), e.owner.pid),
                        None => format!("{} {} is gone", self.0.name(), ctx.params.must("id")),
                    };
                    ctx.state.set_failed(&why);
                    Err(Failure::generic(why))
                }
            },
        }
    }
}
