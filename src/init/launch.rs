//! How an inittab `process` becomes a running child. As busybox: a line
//! with shell syntax in it runs as `/bin/sh -c "exec LINE"`, any other is
//! split on blanks and executed directly; a leading `-` makes argv[0] a
//! login name (`-sh`). A line whose program is a mamori applet (`pcheck
//! -f /etc/pfile`, or a path to this same binary) runs from this binary:
//! the child of the fork calls the applet itself, no second exec (set
//! `MAMORI_INIT_APPLET_EXEC=1` to exec /proc/self/exe instead; see the
//! README for the memory measured both ways).

use std::io::{self, Write as _};

use crate::applets;
use crate::sys::{pid1, process};

/// What a child runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Program {
    /// A mamori applet: its argv, argv[0] the applet's name.
    Applet(Vec<String>),
    /// Another program: the file (PATH searched without a slash) and argv.
    Exec { path: String, argv: Vec<String> },
}

/// Returned, instead of an ordinary result, in the child of a fork that
/// must run an applet: the caller unwinds to `main` and runs it there, so
/// that the applet returns its exit status as any applet does.
#[derive(Debug)]
pub struct AppletChild(pub Vec<String>);

/// Characters that need a shell (busybox's list).
const SHELL_CHARS: &[char] = &[
    '~', '`', '!', '$', '^', '&', '*', '(', ')', '=', '|', '\\', '{', '}', '[', ']', ';', '"',
    '\'', '<', '>', '?',
];

/// What `process` runs.
pub fn plan(process: &str) -> Program {
    if process.contains(SHELL_CHARS) {
        let line = process.strip_prefix('-').unwrap_or(process);
        return Program::Exec {
            path: "/bin/sh".into(),
            argv: vec!["sh".into(), "-c".into(), format!("exec {line}")],
        };
    }
    let mut argv: Vec<String> = process.split_whitespace().map(String::from).collect();
    if argv.is_empty() {
        argv.push(String::new());
    }
    let (login, path) = match argv[0].strip_prefix('-') {
        Some(p) => (true, p.to_string()),
        None => (false, argv[0].clone()),
    };
    let base = path.rsplit('/').next().unwrap_or(&path).to_string();
    let ours = !path.contains('/') || pid1::same_file(&path, "/proc/self/exe");
    if !login && ours && applets::find(&base).is_some() {
        argv[0] = base;
        return Program::Applet(argv);
    }
    argv[0] = if login {
        format!("-{base}")
    } else {
        path.clone()
    };
    Program::Exec { path, argv }
}

/// Whether applets run by exec of /proc/self/exe rather than a plain call.
pub fn applet_by_exec() -> bool {
    std::env::var_os("MAMORI_INIT_APPLET_EXEC").is_some_and(|v| v == "1")
}

/// Forks a child that runs `program` on `tty` (empty: init's own stdio,
/// the console) in a session of its own. In the parent: the child's pid.
/// In a child that must call an applet: `Err(AppletChild)`.
pub fn start(tty: &str, program: &Program) -> Result<io::Result<i32>, AppletChild> {
    match process::fork() {
        Err(e) => Ok(Err(e)),
        Ok(process::Forked::Parent(pid)) => Ok(Ok(pid)),
        Ok(process::Forked::Child) => {
            pid1::reset_signals_in_child();
            pid1::setsid();
            if !tty.is_empty()
                && let Err(e) = pid1::tty_as_stdio(tty)
            {
                say_whole(format_args!("init: can't open {tty}: {e}\n"));
                process::exit_now(127);
            }
            Err(become_program(program))
        }
    }
}

/// In the process that is to become `program` (a forked child, or init
/// itself for a `restart` entry): execs, or returns the applet to call.
/// An exec that fails ends the process with status 127.
pub fn become_program(program: &Program) -> AppletChild {
    let err = match program {
        Program::Applet(argv) if !applet_by_exec() => {
            // Without an exec the child would keep init's name in ps and
            // /proc/PID/comm: `pidof pcheck` would not find it.
            if let Ok(name) = std::ffi::CString::new(argv[0].as_str()) {
                process::set_name(&name);
            }
            return AppletChild(argv.clone());
        }
        Program::Applet(argv) => pid1::exec("/proc/self/exe", argv),
        Program::Exec { path, argv } => pid1::exec(path, argv),
    };
    let shown = match program {
        Program::Applet(argv) | Program::Exec { argv, .. } => argv.join(" "),
    };
    say_whole(format_args!("init: can't run '{shown}': {err}\n"));
    process::exit_now(127)
}

/// Writes one line to stderr (the console) in one write(2): written
/// piece by piece, as `writeln!` on unbuffered stderr does, it could be
/// torn by the output of the other processes sharing the console.
fn say_whole(args: std::fmt::Arguments<'_>) {
    let _ = io::stderr().write_all(args.to_string().as_bytes());
}

#[cfg(test)]
mod test {
    use super::*;

    fn exec(path: &str, argv: &[&str]) -> Program {
        Program::Exec {
            path: path.into(),
            argv: argv.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn shell_words_applets_and_login_names() {
        assert_eq!(
            plan("/sbin/getty 38400 tty2"),
            exec("/sbin/getty", &["/sbin/getty", "38400", "tty2"])
        );
        assert_eq!(
            plan("echo a > /x"),
            exec("/bin/sh", &["sh", "-c", "exec echo a > /x"])
        );
        assert_eq!(plan("-/bin/sh"), exec("/bin/sh", &["-sh"]));
        assert_eq!(
            plan("pcheck -f /etc/pfile"),
            Program::Applet(vec!["pcheck".into(), "-f".into(), "/etc/pfile".into()])
        );
        // A path to some other pcheck is that program, not the applet.
        assert_eq!(
            plan("/nonexistent/pcheck -f x"),
            exec("/nonexistent/pcheck", &["/nonexistent/pcheck", "-f", "x"])
        );
    }
}
