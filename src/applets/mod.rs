//! One module per applet; each has `pub fn main(Cursor) -> ExitCode`.

pub mod clp_nfsmon;
pub mod clp_sambamon;
pub mod hatimerun;
pub mod padmin;
pub mod pcheck;
pub mod pmfadm;
pub mod sendevent;

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
        name: "sendevent",
        main: sendevent::main,
        summary: "event notification: run the handlers registered for an event",
    },
];

/// The applet called `name`.
pub fn find(name: &str) -> Option<&'static Applet> {
    APPLETS.iter().find(|a| a.name == name)
}

/// Prints `applet: message` on stderr and returns `code`.
pub fn fail(applet: &str, message: impl std::fmt::Display, code: u8) -> ExitCode {
    eprintln!("{applet}: {message}");
    ExitCode::from(code)
}
