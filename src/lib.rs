//! mamori: one static binary that keeps services alive on Linux cluster
//! nodes. `main.rs` dispatches on the name it was called by; each applet
//! lives in `applets/`; syscalls in `sys/`; wire formats in `wire/`.
#![deny(unsafe_code)]

pub mod applets;
pub mod args;
pub mod fsmon;
pub mod init;
pub mod pcheck;
pub mod pfile;
pub mod pmf;
pub mod probe;
pub mod pstate;
pub mod shmtext;
pub mod sys;
pub mod wire;

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

const HELP: &str = "\
usage: mamori APPLET [ARGS...]   (or call mamori through a symlink named APPLET)
       mamori --list             list the applets
       mamori install [--init] DIR
                                 create a symlink DIR/APPLET -> mamori for each applet
                                 (init, halt, poweroff, reboot only with --init)
       mamori --version";

/// Runs the applet named by argv[0] (a symlink) or, for `mamori`, argv[1].
pub fn dispatch(mut argv: impl Iterator<Item = OsString>) -> ExitCode {
    let arg0 = argv.next().unwrap_or_default();
    let called = Path::new(&arg0)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("mamori")
        .to_string();
    if let Some(applet) = applets::find(&called) {
        return run(applet, argv);
    }
    let Some(first) = argv.next() else {
        eprintln!("{HELP}");
        return ExitCode::from(2);
    };
    match first.to_str().unwrap_or("") {
        "--list" => {
            for a in applets::APPLETS {
                println!("{:<12} {}", a.name, a.summary);
            }
            ExitCode::SUCCESS
        }
        "--help" | "-h" => {
            println!("{HELP}");
            ExitCode::SUCCESS
        }
        "--version" => {
            println!("mamori {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        "install" => install(argv),
        name => match applets::find(name) {
            Some(applet) => run(applet, argv),
            None => applets::fail(
                "mamori",
                format_args!("unknown applet {name:?} (mamori --list)"),
                2,
            ),
        },
    }
}

fn run(applet: &applets::Applet, args: impl Iterator<Item = OsString>) -> ExitCode {
    match args::Cursor::new(args) {
        Ok(cursor) => (applet.main)(cursor),
        Err(e) => applets::fail(applet.name, e, 2),
    }
}

/// `mamori install DIR`: one symlink per applet, pointing at this binary.
/// An existing symlink is replaced; any other file is left alone.
fn install(mut args: impl Iterator<Item = OsString>) -> ExitCode {
    let mut with_init = false;
    let mut dir = None;
    for word in args.by_ref() {
        if word == "--init" {
            with_init = true;
        } else if dir.is_none() {
            dir = Some(word);
        } else {
            return applets::fail("mamori", "usage: mamori install [--init] DIR", 2);
        }
    }
    let Some(dir) = dir else {
        return applets::fail(
            "mamori",
            "install needs a directory (mamori install [--init] DIR)",
            2,
        );
    };
    let dir = Path::new(&dir);
    let exe = match std::fs::read_link("/proc/self/exe") {
        Ok(p) => p,
        Err(e) => return applets::fail("mamori", format_args!("/proc/self/exe: {e}"), 1),
    };
    if !dir.is_dir() {
        return applets::fail(
            "mamori",
            format_args!("{}: not a directory", dir.display()),
            1,
        );
    }
    let mut failed = false;
    for a in applets::APPLETS {
        if !with_init && applets::INIT_APPLETS.contains(&a.name) {
            continue;
        }
        let link = dir.join(a.name);
        if let Ok(meta) = std::fs::symlink_metadata(&link) {
            if !meta.file_type().is_symlink() {
                eprintln!(
                    "mamori: {}: exists and is not a symlink; left alone",
                    link.display()
                );
                failed = true;
                continue;
            }
            let _ = std::fs::remove_file(&link);
        }
        if let Err(e) = std::os::unix::fs::symlink(&exe, &link) {
            eprintln!("mamori: {}: {e}", link.display());
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
