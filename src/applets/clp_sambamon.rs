//! `clp_sambamon ID -s SHARE …`: watch a Samba share through a real SMB
//! session and exit when it fails RETRIES times in a row, so that the
//! cluster fails the group over (SPEC §2, seed 000 §7–8). Everything but
//! the SMB check and the password lives in `fsmon`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use crate::args::{Cursor, is_opt};
use crate::fsmon::Status;
use crate::fsmon::messages::{Log, Msg, Net, NoEncrypt};
use crate::fsmon::monitor::Probe;
use crate::fsmon::options::{self, Action, ParamError, text, value};
use crate::fsmon::registry::Applet;
use crate::probe::smb::{self, Credentials, Encryption, SmbFailure, Stage};
use crate::sys::procfs::{StartupArea, edit_own_startup_strings};

const APPLET: Applet = Applet::Samba;
/// Environment variable with the password for `-u`.
pub const PASSWORD_ENV: &str = "MAMORI_SMB_PASSWORD";
/// SMB over TCP (MS-SMB2 2.1).
const SMB_PORT: u16 = 445;
/// STATUS_INVALID_NETWORK_RESPONSE: a reply that makes no sense.
const STATUS_INVALID_NETWORK_RESPONSE: u32 = 0xC000_00C3;
/// STATUS_NOT_SUPPORTED: the server needs what this client does not do.
const STATUS_NOT_SUPPORTED: u32 = 0xC000_00BB;

const HELP: &str = "\
usage: clp_sambamon ID -s SHARE [-a IP[:PORT]] [-u USER] [-p PASSWORD|@FILE]
                    [-e] [-i INTERVAL] [-c RETRIES] [-r TIMEOUT]
       clp_sambamon ID -stop [WAIT] | -pause | -continue | -disp | -del

Checks SHARE every INTERVAL seconds (default 30) with a real SMB session
(SMB 2.0.2-3.1.1, or SMB1 NT LM 0.12 when the server speaks nothing newer):
negotiate, session setup (guest, or NTLMv2 as USER), tree connect, share
type, disconnect. Each request waits up to TIMEOUT seconds (default 60).
After RETRIES failed checks in a row (default 5) it logs the cause and
exits 1. Ranges 1-10000. -a defaults to 127.0.0.1:445; IPv6 as [addr]:port.

SMB3 encryption (AES-128/256-GCM/CCM) is used when the server or the share
requires it; -e encrypts every check after session setup and fails when
the server cannot (SMB1, SMB 2.x, encryption off). Guest sessions cannot
encrypt: -e needs -u USER.
ID: 1-255 letters and digits, unique on the system.

The password: -p PASSWORD (erased from the process's command line at
start), -p @FILE (first line of FILE, which must not be readable by group
or others), or MAMORI_SMB_PASSWORD. It is never logged.

-stop [WAIT]  end the monitor, waiting up to WAIT s (default 60)
-pause        stop checking (message 7); -continue resumes (message 8)
-disp         print the pid registered under ID
-del          delete the registration of ID whose process has died";

/// Where the password came from, so that it can be erased there.
enum Secret {
    /// Word `index` of the cursor, from byte `offset` (`-pSECRET`).
    Arg {
        index: usize,
        offset: usize,
    },
    File,
    Env,
}

pub fn main(mut args: Cursor) -> ExitCode {
    let mut share = None;
    let mut user = None;
    let mut encryption = Encryption::AsRequired;
    let mut password: Option<(Vec<u8>, Secret)> = None;
    let parsed = options::parse(&mut args, |w, args| {
        if is_opt(w, "-s") {
            share = Some(text("-s", value(args, w, "-s")?)?);
        } else if w == "-e" {
            encryption = Encryption::Always;
        } else if is_opt(w, "-u") {
            user = Some(text("-u", value(args, w, "-u")?)?);
        } else if is_opt(w, "-p") {
            let glued = w.len() > 2;
            let v = text("-p", value(args, w, "-p")?)?;
            let index = args.taken() - 1;
            password = Some(match v.strip_prefix('@') {
                Some(path) => (read_password_file(path)?, Secret::File),
                None => (
                    v.into_bytes(),
                    Secret::Arg {
                        index,
                        offset: if glued { 2 } else { 0 },
                    },
                ),
            });
        } else {
            return Ok(false);
        }
        Ok(true)
    });
    // Erase a -p password whatever else is wrong with the command line.
    if let Some((_, Secret::Arg { index, offset })) = &password {
        scrub_arg(args.len(), *index, *offset);
    }
    let (id, action) = match parsed {
        Ok(p) => p,
        Err(e) => return crate::fsmon::usage_error(APPLET, &e),
    };
    if action == Action::Help {
        crate::fsmon::print_help(
            HELP,
            "  MAMORI_SMB_PASSWORD   password for -u when -p is not given\n",
        );
        return Status::Stopped.into();
    }
    let key = match crate::fsmon::registry_key(APPLET) {
        Ok(k) => k,
        Err(code) => return code,
    };
    let Action::Start(common) = action else {
        return crate::fsmon::control(APPLET, key, &id, &action);
    };
    let Some(share) = share else {
        return crate::fsmon::usage_error(
            APPLET,
            &ParamError::missing_target("-s SHARE is required"),
        );
    };
    let target = match common
        .address
        .as_deref()
        .map(|a| options::address(a, SMB_PORT))
        .unwrap_or(Ok(SocketAddr::from(([127, 0, 0, 1], SMB_PORT))))
    {
        Ok(t) => t,
        Err(e) => return crate::fsmon::usage_error(APPLET, &e),
    };
    if user.is_none() && password.is_some() {
        return crate::fsmon::usage_error(APPLET, &ParamError::invalid("-p needs -u USER"));
    }
    if user.is_none() && encryption == Encryption::Always {
        return crate::fsmon::usage_error(
            APPLET,
            &ParamError::invalid("-e needs -u USER: a guest session cannot use SMB3 encryption"),
        );
    }
    if user.is_some()
        && password.is_none()
        && let Some(v) = std::env::var_os(PASSWORD_ENV)
    {
        password = Some((v.into_encoded_bytes(), Secret::Env));
        scrub_env();
    }
    let probe = SambaProbe {
        target,
        share,
        user,
        password: password.map(|(p, _)| p).unwrap_or_default(),
        timeout: common.timeout,
        encryption,
    };
    crate::fsmon::watch(APPLET, key, &id, &common, probe)
}

/// Reads `-p @FILE`: its first line, from a regular file only its owner
/// can read. Opened without blocking and checked on the open file, so a
/// FIFO or a device named there never hangs the start.
pub fn read_password_file(path: &str) -> Result<Vec<u8>, ParamError> {
    use std::io::Read as _;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let bad = |why: String| ParamError::invalid(format!("-p @{path}: {why}"));
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| bad(e.to_string()))?;
    let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
    if !meta.file_type().is_file() {
        return Err(bad("not a regular file".into()));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(bad(format!(
            "mode {:04o}; a password file must be mode 0600 (chmod 600 {path})",
            meta.permissions().mode() & 0o7777
        )));
    }
    let mut bytes = Vec::new();
    file.by_ref()
        .take(4096)
        .read_to_end(&mut bytes)
        .map_err(|e| bad(e.to_string()))?;
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(bad("the file is empty".into()));
    }
    Ok(line.to_vec())
}

/// Overwrites the password in this process's argv with `*`, so that
/// /proc/PID/cmdline and ps never show it. The cursor holds the last
/// `cursor_len` words of argv (after `mamori clp_sambamon` or the
/// symlink's name).
fn scrub_arg(cursor_len: usize, index: usize, offset: usize) {
    let _ = edit_own_startup_strings(StartupArea::Args, |area| {
        let words = area.split(|&b| b == 0).count() - usize::from(area.last() == Some(&0));
        let Some(target) = (words + index).checked_sub(cursor_len) else {
            return;
        };
        if let Some(secret) = area
            .split_mut(|&b| b == 0)
            .nth(target)
            .and_then(|word| word.get_mut(offset..))
        {
            secret.fill(b'*');
        }
    });
}

/// Overwrites the value of MAMORI_SMB_PASSWORD in /proc/PID/environ.
fn scrub_env() {
    let _ = edit_own_startup_strings(StartupArea::Env, |area| {
        let prefix = format!("{PASSWORD_ENV}=");
        for var in area.split_mut(|&b| b == 0) {
            if var.starts_with(prefix.as_bytes()) {
                var[prefix.len()..].fill(b'*');
            }
        }
    });
}

/// The SMB check of one share (public for the no-allocation test).
pub struct SambaProbe {
    pub target: SocketAddr,
    pub share: String,
    pub user: Option<String>,
    pub password: Vec<u8>,
    pub timeout: Duration,
    pub encryption: Encryption,
}

impl Probe for SambaProbe {
    type Failure = SmbFailure;

    fn target(&self) -> &str {
        &self.share
    }

    fn check(&mut self) -> Result<(), SmbFailure> {
        let creds = self
            .user
            .as_deref()
            .map(|u| Credentials::new(u, &self.password));
        smb::check_with(
            self.target,
            &self.share,
            creds.as_ref(),
            self.timeout,
            self.encryption,
        )
        .map(|_| ())
    }

    fn report(&self, log: &mut Log, f: &SmbFailure) {
        log.msg(message(&self.share, f));
    }
}

/// Seed 000 §8.1: the message for each failure. Failures without a status
/// of their own get the NT status that names them.
fn message<'a>(share: &'a str, f: &SmbFailure) -> Msg<'a> {
    let by_stage = |stage: Stage, status: u32| match stage {
        Stage::Connect | Stage::Negotiate => Msg::Negotiate(share, status),
        Stage::SessionSetup | Stage::Logoff => Msg::Connect(share, status),
        Stage::TreeConnect | Stage::TreeDisconnect => Msg::TreeConnect(share, status),
    };
    match *f {
        SmbFailure::Socket(e) => Msg::Network(Net::Socket, e),
        SmbFailure::Connect(e) => Msg::Network(Net::Connect, e),
        SmbFailure::Send(_, e) => Msg::Network(Net::Send, e),
        SmbFailure::Poll(_, e) => Msg::Network(Net::Select, e),
        SmbFailure::Recv(_, e) => Msg::Network(Net::Recv, e),
        // recv() returned 0: end of file, no errno.
        SmbFailure::Closed(_) => Msg::Network(Net::Recv, 0),
        SmbFailure::Timeout(Stage::Connect) => Msg::Network(Net::Connect, libc::ETIMEDOUT),
        SmbFailure::Timeout(_) => Msg::Network(Net::Select, libc::ETIMEDOUT),
        SmbFailure::Negotiate(st) => Msg::Negotiate(share, st.raw()),
        SmbFailure::NoCommonDialect(_) => Msg::Negotiate(share, STATUS_NOT_SUPPORTED),
        SmbFailure::SessionSetup(st) | SmbFailure::Logoff(st) => Msg::Connect(share, st.raw()),
        SmbFailure::TreeConnect(st) | SmbFailure::TreeDisconnect(st) => {
            Msg::TreeConnect(share, st.raw())
        }
        SmbFailure::ShareType(_) => Msg::ShareType(share),
        SmbFailure::Malformed(s) | SmbFailure::BadSignature(s) => {
            by_stage(s, STATUS_INVALID_NETWORK_RESPONSE)
        }
        SmbFailure::Unsupported(s) => by_stage(s, STATUS_NOT_SUPPORTED),
        SmbFailure::GuestCannotEncrypt(s, st) => Msg::Encryption(
            share,
            NoEncrypt::Guest {
                tree: matches!(s, Stage::TreeConnect | Stage::TreeDisconnect),
            },
            st.map_or(STATUS_NOT_SUPPORTED, |st| st.raw()),
        ),
        SmbFailure::NoEncryption(_) => {
            Msg::Encryption(share, NoEncrypt::NotOffered, STATUS_NOT_SUPPORTED)
        }
    }
}
