//! One module per applet; each has `pub fn main(Cursor) -> ExitCode`.

pub mod clp_nfsmon;
pub mod clp_sambamon;
pub mod halt;
pub mod hatimerun;
pub mod init;
pub mod padmin;
pub mod pcheck;
pub mod pmfadm;
pub mod poweroff;
pub mod reboot;

use std::process::ExitCode;

use crate::args::Cursor;

/// An applet: its name (and symlink name), entry point and one-line summary.
pub struct Applet {
    pub name: &'static str,
    pub main: fn(Cursor) -> ExitCode,
    pub summary: &'static str,
}

/// Every applet, in `mamori --list` order.
pub const APPLETS: &[Applet] = &[
    Applet {
        name: "pcheck",
        main: pcheck::main,
        summary: "process monitor: restart dead processes named in a pfile",
    },
    Applet {
        name: "padmin",
        main: padmin::main,
        summary: "show and control running pchecks",
    },
    Applet {
        name: "clp_sambamon",
        main: clp_sambamon::main,
        summary: "Samba monitor: exit when a share stops answering SMB",
    },
    Applet {
        name: "clp_nfsmon",
        main: clp_nfsmon::main,
        summary: "NFS monitor: exit when an export stops answering ONC-RPC",
    },
    Applet {
        name: "hatimerun",
        main: hatimerun::main,
        summary: "run a program under a time limit, killing all it started",
    },
    Applet {
        name: "pmfadm",
        main: pmfadm::main,
        summary: "process monitor facility: start, restart, stop by nametag",
    },
    Applet {
        name: "init",
        main: init::main,
        summary: "PID 1: container init (-- CMD) or system init (inittab)",
    },
    Applet {
        name: "halt",
        main: halt::main,
        summary: "ask mamori's init to halt the machine (-f: at once)",
    },
    Applet {
        name: "poweroff",
        main: poweroff::main,
        summary: "ask mamori's init to power the machine off (-f: at once)",
    },
    Applet {
        name: "reboot",
        main: reboot::main,
        summary: "ask mamori's init to reboot the machine (-f: at once)",
    },
];

/// Applets that would shadow the system's own commands: `mamori install`
/// leaves them out unless asked (`--init`).
pub const INIT_APPLETS: &[&str] = &["init", "halt", "poweroff", "reboot"];

/// The applet called `name`.
pub fn find(name: &str) -> Option<&'static Applet> {
    APPLETS.iter().find(|a| a.name == name)
}

/// Prints `applet: message` on stderr and returns `code`.
pub fn fail(applet: &str, message: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("{applet}: {message}");
    ExitCode::from(code)
}
