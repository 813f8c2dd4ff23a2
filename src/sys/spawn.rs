//! Starting programs without a shell: posix_spawn (a vfork-style clone in
//! glibc, so a restart costs no page-table copy), its attributes prepared
//! once, so that spawning in a monitor loop allocates nothing.

use std::ffi::{CString, c_char};
use std::io;

/// How a child ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Exit {
    /// The shell convention: the code, or 128 + signal.
    pub fn as_status(self) -> i32 {
        match self {
            Exit::Code(c) => c,
            Exit::Signal(s) => 128 + s,
        }
    }

    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }
}

impl core::fmt::Display for Exit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => write!(f, "killed by signal {s}"),
        }
    }
}

/// Signals reset to their default action in every child: monitors ignore
/// or block some of them, and a restarted daemon must not inherit that.
const DEFAULT_SIGNALS: [i32; 9] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGPIPE,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGCHLD,
    libc::SIGALRM,
];

/// A program and its arguments, ready to be spawned many times.
pub struct Command {
    argv: Vec<CString>,
    argv_ptrs: Vec<*mut c_char>,
    actions: Box<libc::posix_spawn_file_actions_t>,
    new_session: bool,
    process_group: bool,
    /// `None`: this process's environment.
    env: Option<(Vec<CString>, Vec<*mut c_char>)>,
}

impl Command {
    /// A command from its words; `None` when there are no words or a word
    /// holds a NUL byte.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Option<Command> {
        let argv: Vec<CString> = words
            .into_iter()
            .map(CString::new)
            .collect::<Result<_, _>>()
            .ok()?;
        if argv.is_empty() {
            return None;
        }
        let mut argv_ptrs: Vec<*mut c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
        argv_ptrs.push(core::ptr::null_mut());
        // SAFETY: file actions are initialised once here and destroyed in
        // Drop; the Box keeps their address stable.
        let mut actions: Box<libc::posix_spawn_file_actions_t> =
            Box::new(unsafe { core::mem::zeroed() });
        unsafe {
            libc::posix_spawn_file_actions_init(&mut *actions);
            // stdin from /dev/null: a restart script must not read our tty.
            libc::posix_spawn_file_actions_addopen(
                &mut *actions,
                0,
                c"/dev/null".as_ptr(),
                libc::O_RDONLY,
                0,
            );
        }
        Some(Command {
            argv,
            argv_ptrs,
            actions,
            new_session: false,
            process_group: false,
            env: None,
        })
    }

    /// Let the child read this process's stdin (hatimerun runs a program
    /// in the foreground, as a shell would).
    pub fn inherit_stdin(mut self) -> Command {
        // SAFETY: re-initialises the actions this Command owns, dropping
        // the /dev/null open.
        unsafe {
            libc::posix_spawn_file_actions_destroy(&mut *self.actions);
            libc::posix_spawn_file_actions_init(&mut *self.actions);
        }
        self
    }

    /// Start the child as the leader of a new process group, so that the
    /// whole group can be signalled at once.
    pub fn process_group(mut self, on: bool) -> Command {
        self.process_group = on;
        self
    }

    /// With [`Command::process_group`]: when stdin is a terminal, the
    /// child's new group becomes its foreground group (as `tini -g`
    /// does), so that a shell run that way can read it instead of being
    /// stopped by SIGTTIN. The child sets it itself, with SIGTTOU still
    /// blocked by the mask it inherited. Call after `inherit_stdin`.
    pub fn take_terminal(mut self) -> Command {
        // SAFETY: isatty on fd 0, and one more action on the file actions
        // this Command owns.
        unsafe {
            if libc::isatty(0) == 1 {
                libc::posix_spawn_file_actions_addtcsetpgrp_np(&mut *self.actions, 0);
            }
        }
        self
    }

    /// Give the child exactly these `NAME=VALUE` strings as environment;
    /// `None` when one holds a NUL byte.
    pub fn env<'a>(mut self, vars: impl IntoIterator<Item = &'a str>) -> Option<Command> {
        let vars: Vec<CString> = vars
            .into_iter()
            .map(CString::new)
            .collect::<Result<_, _>>()
            .ok()?;
        let mut ptrs: Vec<*mut c_char> = vars.iter().map(|v| v.as_ptr().cast_mut()).collect();
        ptrs.push(core::ptr::null_mut());
        self.env = Some((vars, ptrs));
        Some(self)
    }

    /// The words of the command.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.argv.iter().map(|a| a.to_str().unwrap_or("?"))
    }

    /// Start the child in a new session (`setsid`), so that what it starts
    /// outlives this process's terminal and process group.
    pub fn new_session(mut self, on: bool) -> Command {
        self.new_session = on;
        self
    }

    /// The program (argv[0]).
    pub fn program(&self) -> &str {
        self.argv[0].to_str().unwrap_or("?")
    }

    /// Starts the command with this process's environment; returns its pid.
    pub fn spawn(&self) -> io::Result<i32> {
        // SAFETY: attr is initialised and destroyed within this call; the
        // argv pointers outlive the call; environ is the process's own.
        unsafe {
            let mut attr: libc::posix_spawnattr_t = core::mem::zeroed();
            libc::posix_spawnattr_init(&mut attr);
            let mut empty: libc::sigset_t = core::mem::zeroed();
            libc::sigemptyset(&mut empty);
            libc::posix_spawnattr_setsigmask(&mut attr, &empty);
            let mut defaults: libc::sigset_t = core::mem::zeroed();
            libc::sigemptyset(&mut defaults);
            for s in DEFAULT_SIGNALS {
                libc::sigaddset(&mut defaults, s);
            }
            libc::posix_spawnattr_setsigdefault(&mut attr, &defaults);
            let mut flags =
                (libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF) as libc::c_short;
            if self.new_session {
                flags |= libc::POSIX_SPAWN_SETSID;
            }
            if self.process_group {
                flags |= libc::POSIX_SPAWN_SETPGROUP as libc::c_short;
                libc::posix_spawnattr_setpgroup(&mut attr, 0);
            }
            let envp = match &self.env {
                Some((_, ptrs)) => ptrs.as_ptr().cast(),
                None => environ(),
            };
            libc::posix_spawnattr_setflags(&mut attr, flags);
            let mut pid: libc::pid_t = 0;
            let r = libc::posix_spawnp(
                &mut pid,
                self.argv[0].as_ptr(),
                &*self.actions,
                &attr,
                self.argv_ptrs.as_ptr(),
                envp,
            );
            libc::posix_spawnattr_destroy(&mut attr);
            if r != 0 {
                return Err(io::Error::from_raw_os_error(r));
            }
            Ok(pid)
        }
    }
}

impl Drop for Command {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe { libc::posix_spawn_file_actions_destroy(&mut *self.actions) };
    }
}

fn environ() -> *const *mut c_char {
    unsafe extern "C" {
        static environ: *const *mut c_char;
    }
    // SAFETY: reading the C runtime's environment pointer.
    unsafe { environ }
}

/// Reaps one exited child without blocking: `Some((pid, exit))`, or `None`
/// when no child has exited (or there are no children).
pub fn reap_any() -> Option<(i32, Exit)> {
    let (pid, status) = rustix::process::wait(rustix::process::WaitOptions::NOHANG).ok()??;
    Some((pid.as_raw_nonzero().get(), exit_of(status)))
}

pub(crate) fn exit_of(status: rustix::process::WaitStatus) -> Exit {
    if let Some(sig) = status.terminating_signal() {
        Exit::Signal(sig)
    } else {
        Exit::Code(status.exit_status().unwrap_or(0))
    }
}
