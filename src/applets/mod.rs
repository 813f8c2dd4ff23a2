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
pub mod probe;
pub mod reboot;
pub mod sendevent;
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
    Applet {
        name: "sendevent",
        main: sendevent::main,
        summary: "event notification: run the handlers registered for an event",
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
pub fn fail(applet: &str, message: impl std::fmt::Display, code: impl Into<u8>) -> ExitCode {
    eprintln!("{applet}: {}", bound_quotes(&message.to_string()));
    ExitCode::from(code.into())
}

/// Longest quoted value an error line shows.
const QUOTED_MAX: usize = 80;

/// `message` with every quoted value (`"…"`, as `{:?}` writes them) cut
/// at [`QUOTED_MAX`] characters: one line must stay one readable line, not
/// a megabyte of a bad pfile line echoed back.
pub fn bound_quotes(message: &str) -> std::borrow::Cow<'_, str> {
    let mut out = String::new();
    let mut inside = None;
    let mut escaped = false;
    let mut cut = false;
    for c in message.chars() {
        match inside {
            None => {
                out.push(c);
                if c == '"' {
                    inside = Some(0usize);
                }
            }
            Some(n) => {
                let closing = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                if closing {
                    if n > QUOTED_MAX {
                        out.push('…');
                        cut = true;
                    }
                    out.push(c);
                    inside = None;
                } else {
                    if n < QUOTED_MAX {
                        out.push(c);
                    }
                    inside = Some(n + 1);
                }
            }
        }
    }
    if cut {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(message)
    }
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

#[cfg(test)]
mod test {
    #[test]
    fn long_quoted_values_are_cut() {
        let long = "x".repeat(1000);
        let msg = format!("pf:2: MONITOR_INTERVAL {long:?}: expected seconds");
        let shown = super::bound_quotes(&msg);
        assert_eq!(
            shown,
            format!(
                "pf:2: MONITOR_INTERVAL \"{}…\": expected seconds",
                "x".repeat(80)
            )
        );
        assert_eq!(super::bound_quotes("a \"b\\\"c\" d"), "a \"b\\\"c\" d");
    }
}
