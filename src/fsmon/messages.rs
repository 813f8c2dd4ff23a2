//! The messages of clp_sambamon and clp_nfsmon with the exact English
//! texts and IDs of seed 000 §8 (the cluster's alert view and people's
//! log filters match on them). Each syslog line reads
//! `clp_sambamon[PID]: [ID] text`; the `clp_nfsmon: …` lines of §8.2.2
//! have ID 0, as in the seed. Licence messages 51–56 have no meaning in
//! free software and do not exist here.
//!
//! Formatting is allocation-free (`Display` into the syslog client's stack
//! buffer): messages 62–75 are written from the monitor loop.

use core::fmt;

use crate::probe::nfs::{Io, NfsFailure, PortmapFailure};
use crate::sys::errno::ErrnoText;
use crate::sys::syslog::{Severity, Syslog};

use super::registry::Applet;

/// The seed's network error kinds of messages 71–75.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    Socket = 71,
    Connect = 72,
    Send = 73,
    Select = 74,
    Recv = 75,
}

/// Why an SMB3 encryption failure happened (messages 62, 64, 65 with a
/// reason after the status, not in the seed: the seed's client did not
/// encrypt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoEncrypt {
    /// A guest session refused at session setup (64) or tree connect (62).
    Guest {
        /// At TREE_CONNECT rather than SESSION_SETUP.
        tree: bool,
    },
    /// The server offers no cipher this client has (65).
    NotOffered,
}

/// One message of the catalogue.
#[derive(Debug, Clone, Copy)]
pub enum Msg<'a> {
    /// 1: started.
    Started,
    /// 2: the first check passed; `what` is the share or directory.
    Watching(&'a str),
    /// 3: ending on request.
    StopWatching(&'a str),
    /// 6: ending after a detected failure.
    Terminate,
    /// 7: paused by `-pause`.
    Paused,
    /// 8: resumed by `-continue`.
    Resumed,
    /// 11: a parameter value is wrong.
    InvalidParameter,
    /// 12: `-s` / `-d` is missing.
    MissingTarget,
    /// 13: no ID.
    NoId,
    /// 14: the ID is registered by a live process.
    IdInUse,
    /// 15: `-stop` did not end the monitor.
    NotEnded,
    /// 42: a system call failed.
    System(&'a str, i32),
    /// 61: this server's address could not be found.
    NoServerEnv(i32),
    /// 62: tree connect failed with an NT status.
    TreeConnect(&'a str, u32),
    /// 63: not a disk or printer share.
    ShareType(&'a str),
    /// 64: session setup failed with an NT status.
    Connect(&'a str, u32),
    /// 65: negotiate failed with an NT status.
    Negotiate(&'a str, u32),
    /// 62 / 64 / 65 with the NT status and why encryption failed.
    Encryption(&'a str, NoEncrypt, u32),
    /// 66: NFS failed (after the `clp_nfsmon: …` line).
    NfsError,
    /// 71–75 with errno.
    Network(Net, i32),
    /// ID 0: `clp_nfsmon: …` with the RPC or MOUNT reason.
    Nfs(&'a NfsFailure),
}

impl Msg<'_> {
    /// The seed's message ID.
    pub fn id(&self) -> u32 {
        match self {
            Msg::Started => 1,
            Msg::Watching(_) => 2,
            Msg::StopWatching(_) => 3,
            Msg::Terminate => 6,
            Msg::Paused => 7,
            Msg::Resumed => 8,
            Msg::InvalidParameter => 11,
            Msg::MissingTarget => 12,
            Msg::NoId => 13,
            Msg::IdInUse => 14,
            Msg::NotEnded => 15,
            Msg::System(..) => 42,
            Msg::NoServerEnv(_) => 61,
            Msg::TreeConnect(..) => 62,
            Msg::ShareType(_) => 63,
            Msg::Connect(..) => 64,
            Msg::Negotiate(..) => 65,
            Msg::Encryption(_, NoEncrypt::Guest { tree: true }, _) => 62,
            Msg::Encryption(_, NoEncrypt::Guest { tree: false }, _) => 64,
            Msg::Encryption(_, NoEncrypt::NotOffered, _) => 65,
            Msg::NfsError => 66,
            Msg::Network(n, _) => *n as u32,
            Msg::Nfs(_) => 0,
        }
    }

    fn severity(&self) -> Severity {
        match self.id() {
            1..=3 | 7 | 8 => Severity::Info,
            _ => Severity::Err,
        }
    }
}

/// A message as the applet `applet` words it.
pub struct Text<'a>(pub Applet, pub &'a Msg<'a>);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.name();
        let nfs = self.0 == Applet::Nfs;
        match *self.1 {
            Msg::Started if nfs => write!(f, "The {a} has started watching NFS."),
            Msg::Started => write!(f, "The {a} has started watching Samba."),
            Msg::Watching(d) if nfs => {
                write!(f, "The {a} is going to watch shared directory '{d}'.")
            }
            Msg::Watching(s) => write!(f, "The {a} is going to watch share resource [{s}]."),
            Msg::StopWatching(d) if nfs => {
                write!(f, "The {a} will stop watching NFS shared directory '{d}'.")
            }
            Msg::StopWatching(s) => write!(f, "The {a} will stop watching Samba [{s}]."),
            Msg::Terminate => write!(f, "The {a} will terminate."),
            Msg::Paused => write!(f, "The {a} is going to stop monitoring."),
            Msg::Resumed => write!(f, "The {a} is going to monitor."),
            Msg::InvalidParameter => write!(f, "Invalid parameter in the {a}."),
            Msg::MissingTarget => write!(
                f,
                "'{}' parameter is not specified at the {a} command.",
                if nfs { "-d" } else { "-s" }
            ),
            Msg::NoId => write!(f, "The monitor id is not specified at the {a} command."),
            Msg::IdInUse => {
                f.write_str("The specified monitor id is already under use in other processes.")
            }
            Msg::NotEnded => write!(f, "The {a} has not performed end processing."),
            Msg::System(func, e) => write!(f, "The {a} has detected system error ({func} {e})."),
            Msg::NoServerEnv(e) => write!(
                f,
                "The {a} could not get environment of server(error[{e}]). The {a} will terminate."
            ),
            // NT status codes in the hex form Windows and Samba print them in.
            Msg::TreeConnect(s, st) => write!(
                f,
                "The {a} has detected an error in Samba [{s}] (tree connect error[0x{st:08X}])."
            ),
            Msg::ShareType(s) => write!(
                f,
                "The {a} has detected an error in Samba [{s}] (share type error)."
            ),
            Msg::Connect(s, st) => write!(
                f,
                "The {a} has detected an error in Samba [{s}] (connect error[0x{st:08X}])."
            ),
            // "negosiate" is the seed's spelling; filters match on it.
            Msg::Negotiate(s, st) => write!(
                f,
                "The {a} has detected an error in Samba [{s}] (negosiate error[0x{st:08X}])."
            ),
            Msg::Encryption(s, why, st) => {
                let (step, hint) = match why {
                    NoEncrypt::Guest { tree: true } => (
                        "tree connect",
                        "a guest session cannot use SMB3 encryption; \
                         if the share requires it, monitor with -u USER",
                    ),
                    NoEncrypt::Guest { tree: false } => (
                        "connect",
                        "a guest session cannot use SMB3 encryption; \
                         if the server requires it, monitor with -u USER",
                    ),
                    NoEncrypt::NotOffered => (
                        "negosiate",
                        "SMB3 encryption is required but the server offers none",
                    ),
                };
                write!(
                    f,
                    "The {a} has detected an error in Samba [{s}] ({step} error[0x{st:08X}]: {hint})."
                )
            }
            Msg::NfsError => write!(f, "The {a} has detected an error in NFS."),
            Msg::Network(n, e) => {
                let what = match n {
                    Net::Socket => "socket",
                    Net::Connect => "connect",
                    Net::Send => "send",
                    Net::Select => "select",
                    Net::Recv => "recv",
                };
                write!(f, "The {a} has detected network error({what} error[{e}]).")
            }
            Msg::Nfs(failure) => write!(f, "{a}: {}", NfsText(failure)),
        }
    }
}

/// The reason of an NFS failure in the words of seed 000 §8.2.2: the ONC
/// RPC library's texts (`RPC: Port mapper failure - …`, `RPC: Program
/// not registered`, `RPC: Unable to receive: errno = …`) and
/// `mount error(…)`.
pub struct NfsText<'a>(pub &'a NfsFailure);

struct IoText(Io);

impl fmt::Display for IoText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Io::Socket(e) => write!(f, "RPC: Remote system error - {}", ErrnoText(e)),
            Io::Connect(e) | Io::Recv(e) | Io::Poll(e) => {
                write!(f, "RPC: Unable to receive: errno = {}", ErrnoText(e))
            }
            Io::Send(e) => write!(f, "RPC: Unable to send: errno = {}", ErrnoText(e)),
            Io::Closed => f.write_str("RPC: Unable to receive: errno = Connection reset by peer"),
            Io::Timeout => f.write_str("RPC: Timed out"),
        }
    }
}

impl fmt::Display for NfsText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            NfsFailure::PortMapper(_, PortmapFailure::Io(io)) => {
                write!(f, "RPC: Port mapper failure - {}", IoText(*io))
            }
            NfsFailure::Io(_, io) => IoText(*io).fmt(f),
            other => other.fmt(f),
        }
    }
}

/// The monitor's voice: syslog with the applet's ident, and stderr too
/// when stderr is a terminal (someone started it by hand).
pub struct Log {
    pub applet: Applet,
    syslog: Syslog,
}

impl Log {
    pub fn new(applet: Applet) -> Log {
        let mut syslog = Syslog::new(applet.name());
        syslog.echo_to_stderr(crate::sys::isatty(rustix::stdio::stderr()));
        Log { applet, syslog }
    }

    /// Logs `m` as `[ID] text`. Never allocates.
    pub fn msg(&mut self, m: Msg<'_>) {
        let sev = m.severity();
        crate::log!(self.syslog, sev, "[{}] {}", m.id(), Text(self.applet, &m));
    }

    /// Logs `m` to syslog only: the caller prints its own line on stderr.
    pub fn msg_quiet(&mut self, m: Msg<'_>) {
        self.syslog.echo_to_stderr(false);
        self.msg(m);
        self.syslog
            .echo_to_stderr(crate::sys::isatty(rustix::stdio::stderr()));
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::probe::nfs::Stage;
    use crate::wire::mount::Mountstat3;

    fn text(a: Applet, m: Msg<'_>) -> String {
        Text(a, &m).to_string()
    }

    #[test]
    fn seed_texts() {
        use Applet::{Nfs, Samba};
        assert_eq!(
            text(Samba, Msg::Started),
            "The clp_sambamon has started watching Samba."
        );
        assert_eq!(
            text(Samba, Msg::Watching("pub")),
            "The clp_sambamon is going to watch share resource [pub]."
        );
        assert_eq!(
            text(Nfs, Msg::Watching("/export")),
            "The clp_nfsmon is going to watch shared directory '/export'."
        );
        assert_eq!(
            text(Nfs, Msg::StopWatching("/export")),
            "The clp_nfsmon will stop watching NFS shared directory '/export'."
        );
        assert_eq!(
            text(Samba, Msg::MissingTarget),
            "'-s' parameter is not specified at the clp_sambamon command."
        );
        assert_eq!(
            text(Nfs, Msg::MissingTarget),
            "'-d' parameter is not specified at the clp_nfsmon command."
        );
        assert_eq!(
            text(Samba, Msg::TreeConnect("x", 0xC00000CC)),
            "The clp_sambamon has detected an error in Samba [x] (tree connect error[0xC00000CC])."
        );
        assert_eq!(
            text(Samba, Msg::Network(Net::Connect, 111)),
            "The clp_sambamon has detected network error(connect error[111])."
        );
        assert_eq!(
            text(Nfs, Msg::NoServerEnv(19)),
            "The clp_nfsmon could not get environment of server(error[19]). The clp_nfsmon will terminate."
        );
        let refused = NfsFailure::PortMapper(
            Stage::GetPortMount,
            PortmapFailure::Io(Io::Connect(libc::ECONNREFUSED)),
        );
        assert_eq!(
            text(Nfs, Msg::Nfs(&refused)),
            "clp_nfsmon: RPC: Port mapper failure - RPC: Unable to receive: errno = Connection refused"
        );
        assert_eq!(
            text(Nfs, Msg::Nfs(&NfsFailure::Mount(Mountstat3::Acces))),
            "clp_nfsmon: mount error(MNT3ERR_ACCES)"
        );
        assert_eq!(
            text(
                Nfs,
                Msg::Nfs(&NfsFailure::ProgramNotRegistered {
                    prog: 100005,
                    vers: 3
                })
            ),
            "clp_nfsmon: RPC: Program not registered"
        );
    }
}
