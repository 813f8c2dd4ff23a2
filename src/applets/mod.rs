//! One module per applet; each has `pub fn main(Cursor) -> ExitCode`.

pub mod clp_nfsmon;
pub mod clp_sambamon;
pub mod hatimerun;
pub mod padmin;
pub mod pcheck;
pub mod pmfadm;
pub mod probe;
pub mod status;

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
];

/// The applet called `name`.
pub fn find(name: &str) -> Option<&'static Applet> {
    APPLETS.iter().find(|a| a.name == name)
}

/// Prints `applet: message` on stderr and returns `code`.
pub fn fail(applet: &str, message: impl std::fmt::Display, code: impl Into<u8>) -> ExitCode {
    eprintln!("{applet}: {message}");
    ExitCode::from(code.into())
}

/// Declares an applet family's exit statuses as a `#[repr(u8)]` enum that
/// converts into `u8` and `ExitCode`, so that no status is a bare number.
#[macro_export]
macro_rules! exit_statuses {
    ($(#[$m:meta])* $vis:vis enum $name:ident {
        $($(#[$vm:meta])* $v:ident = $n:literal),+ $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        $vis enum $name {
            $($(#[$vm])* $v = $n),+
        }

        impl From<$name> for u8 {
            fn from(s: $name) -> u8 {
                s as u8
            }
        }

        impl From<$name> for std::process::ExitCode {
            fn from(s: $name) -> std::process::ExitCode {
                std::process::ExitCode::from(s as u8)
            }
        }
    };
}
