//! `clp_nfsmon ID -d DIR …`: watch an NFS export with real ONC-RPC calls
//! (portmapper, MOUNT, NFS) and exit when it fails RETRIES times in a
//! row, so that the cluster fails the group over (SPEC §2, seed 000
//! §7–8). Everything but the NFS check lives in `fsmon`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::time::Duration;

use crate::args::{Cursor, is_opt};
use crate::fsmon::Status;
use crate::fsmon::messages::{Log, Msg, Text};
use crate::fsmon::monitor::Probe;
use crate::fsmon::options::{self, Action, ParamError, text, value};
use crate::fsmon::registry::Applet;
use crate::probe::nfs::{self, NfsFailure, Version};

const APPLET: Applet = Applet::Nfs;
/// The portmapper's port (RFC 1833).
const PORTMAP_PORT: u16 = 111;

const HELP: &str = "\
usage: clp_nfsmon ID -d DIR [-a IP[:PORT]] [-n PORT] [-V 3|4]
                  [-i INTERVAL] [-c RETRIES] [-r TIMEOUT]
       clp_nfsmon ID -stop [WAIT] | -pause | -continue | -disp | -del

Checks the export DIR every INTERVAL seconds (default 30) over TCP: the
portmapper's GETPORT for MOUNT v3 and NFS v3, MNT DIR, GETATTR on the
handle, UMNT; or one NFSv4.0 COMPOUND (PUTROOTFH, LOOKUP…, GETATTR) when the
server has no MOUNT service, or with -V 4. Each request waits up to
TIMEOUT seconds (default 60). After RETRIES failed checks in a row
(default 5) it logs the cause and exits 1. Ranges 1-10000.

-a IP[:PORT]  the server, and its portmapper's port (default: the first
              non-loopback IPv4 address of this host, else 127.0.0.1; :111)
-n PORT       the NFS port: NFS is not looked up in the portmapper
-V 3|4        speak only NFSv3 or only NFSv4 (default: v3, else v4)
As root, MOUNT and NFS are called from a reserved port (below 1024).
ID: 1-255 letters and digits, unique on the system.

-stop [WAIT]  end the monitor, waiting up to WAIT s (default 60)
-pause        stop checking (message 7); -continue resumes (message 8)
-disp         print the pid registered under ID
-del          delete the registration of ID whose process has died";

pub fn main(mut args: Cursor) -> ExitCode {
    let mut dir = None;
    let mut nfs_port = None;
    let mut version = Version::Auto;
    let parsed = options::parse(&mut args, |w, args| {
        if is_opt(w, "-d") {
            dir = Some(text("-d", value(args, w, "-d")?)?);
        } else if is_opt(w, "-n") {
            nfs_port = Some(options::port("-n", &value(args, w, "-n")?)?);
        } else if is_opt(w, "-V") {
            version = match value(args, w, "-V")?.as_str() {
                "3" => Version::V3,
                "4" => Version::V4,
                v => return Err(ParamError::invalid(format!("-V {v:?}: 3 or 4"))),
            };
        } else {
            return Ok(false);
        }
        Ok(true)
    });
    let (id, action) = match parsed {
        Ok(p) => p,
        Err(e) => return crate::fsmon::usage_error(APPLET, &e),
    };
    if action == Action::Help {
        crate::fsmon::print_help(HELP, "");
        return Status::Stopped.into();
    }
    let key = match crate::fsmon::registry_key(APPLET) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let Action::Start(common) = action else {
        return crate::fsmon::control(APPLET, key, &id, &action);
    };
    let Some(dir) = dir else {
        return crate::fsmon::usage_error(
            APPLET,
            &ParamError::missing_target("-d DIR is required"),
        );
    };
    if !dir.starts_with('/') {
        return crate::fsmon::usage_error(
            APPLET,
            &ParamError::invalid(format!("-d {dir:?}: an absolute path")),
        );
    }
    let server = match common.address.as_deref() {
        Some(a) => match options::address(a, PORTMAP_PORT) {
            Ok(sa) => sa,
            Err(e) => return crate::fsmon::usage_error(APPLET, &e),
        },
        None => match crate::sys::net::first_non_loopback_ipv4() {
            Ok(ip) => SocketAddr::new(IpAddr::V4(ip.unwrap_or(Ipv4Addr::LOCALHOST)), PORTMAP_PORT),
            Err(e) => {
                let m = Msg::NoServerEnv(e.raw_os_error().unwrap_or(0));
                Log::new(APPLET).msg_quiet(m);
                eprintln!("{}: {} (getifaddrs: {e})", APPLET.name(), Text(APPLET, &m));
                return Status::System.into();
            }
        },
    };
    let probe = NfsProbe {
        server,
        nfs_port,
        dir,
        version,
        timeout: common.timeout,
        reserved_port: crate::sys::is_root(),
    };
    crate::fsmon::watch(APPLET, key, &id, &common, probe)
}

/// The NFS check of one export (public for the no-allocation test).
pub struct NfsProbe {
    pub server: SocketAddr,
    pub nfs_port: Option<u16>,
    pub dir: String,
    pub version: Version,
    pub timeout: Duration,
    pub reserved_port: bool,
}

impl Probe for NfsProbe {
    type Failure = NfsFailure;

    fn target(&self) -> &str {
        &self.dir
    }

    fn check(&mut self) -> Result<(), NfsFailure> {
        nfs::check(
            self.server.ip(),
            self.server.port(),
            self.nfs_port,
            &self.dir,
            self.version,
            self.timeout,
            self.reserved_port,
        )
        .map(|_| ())
    }

    fn report(&self, log: &mut Log, f: &NfsFailure) {
        log.msg(Msg::Nfs(f));
    }
}
