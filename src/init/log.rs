//! init's log: every line goes to the console (stderr, which the kernel
//! opened on /dev/console) as `init: text`, and to syslog as well once a
//! logger listens on /dev/log.

use core::fmt::{self, Write as _};

use crate::sys::syslog::{self, Severity, Syslog};

/// The console and, when there is one, the system logger.
pub struct Log {
    syslog: Syslog,
}

impl Log {
    pub fn new() -> Log {
        Log {
            syslog: Syslog::new("init"),
        }
    }

    /// Logs one line; never fails.
    pub fn line(&mut self, severity: Severity, args: fmt::Arguments<'_>) {
        let mut msg = heapless::String::<1000>::new();
        let _ = msg.write_fmt(args);
        let mut out = heapless::Vec::<u8, 1008>::new();
        let _ = out.extend_from_slice(b"init: ");
        let _ = out.extend_from_slice(msg.as_bytes());
        let _ = out.push(b'\n');
        let _ = syslog::write_all(rustix::stdio::stderr(), &out);
        self.syslog.log_quietly(severity, format_args!("{msg}"));
    }
}

impl Default for Log {
    fn default() -> Self {
        Log::new()
    }
}

/// `say!(log, "fmt", args…)` at severity Notice.
#[macro_export]
macro_rules! say {
    ($log:expr, $($arg:tt)+) => {
        $log.line($crate::sys::syslog::Severity::Notice, format_args!($($arg)+))
    };
}
