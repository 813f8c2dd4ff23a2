//! mamori: one static binary that keeps services alive on Linux cluster
//! nodes. `main.rs` dispatches on the name it was called by; each applet
//! lives in `applets/`; syscalls in `sys/`; wire formats in `wire/`.
#![deny(unsafe_code)]

pub mod applets;
pub mod args;
pub mod event;
pub mod fsmon;
pub mod init;
pub mod ocf;
pub mod pcheck;
pub mod pmf;
pub mod probe;
pub mod shm;
pub mod sys;
pub mod timelimit;
pub mod trust;
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
       mamori install --ocf OCF_ROOT
                                 create OCF_ROOT/resource.d/mamori/{pcheck,sambamon,nfsmon,pmf}
       mamori ocf AGENT ACTION   run an OCF resource agent action
       mamori probe smb|nfs|proc ...
                                 one check, monitoring-plugins conventions
       mamori status [--json | --prometheus]
                                 everything mamori watches on this node
       mamori --version";

/// `mamori status`: a command of mamori itself, never a symlink.
const STATUS: applets::Applet = applets::Applet {
    name: "mamori status",
    main: applets::status::main,
    summary: "everything mamori watches on this node",
};

/// `mamori probe`: a command of mamori itself.
const PROBE: applets::Applet = applets::Applet {
    name: "mamori probe",
    main: applets::probe::main,
    summary: "one check with the monitoring-plugins conventions",
};

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
        "install" => {
            let mut argv = argv.peekable();
            if argv.peek().is_some_and(|o| o == "--ocf") {
                argv.next();
                install_ocf(argv.next())
            } else {
                install(argv)
            }
        }
        "ocf" => {
            let agent = argv.next();
            let action = argv.next();
            ocf::main(
                agent.as_deref().and_then(|a| a.to_str()),
                action.as_deref().and_then(|a| a.to_str()),
            )
        }
        "probe" => run(&PROBE, argv),
        "status" => run(&STATUS, argv),
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

/// `mamori install --ocf OCF_ROOT`: OCF_ROOT/resource.d/mamori/AGENT for
/// each agent, a two-line script `exec /path/to/mamori ocf AGENT "$@"`
/// (Pacemaker runs agents by path, and ocf-tester needs a regular file).
/// An existing agent file is replaced.
fn install_ocf(root: Option<OsString>) -> ExitCode {
    use std::os::unix::fs::PermissionsExt;
    let Some(root) = root else {
        return applets::fail(
            "mamori",
            "install --ocf needs the OCF root (mamori install --ocf /usr/lib/ocf)",
            2,
        );
    };
    let exe = match std::fs::read_link("/proc/self/exe") {
        Ok(p) => p,
        Err(e) => return applets::fail("mamori", format_args!("/proc/self/exe: {e}"), 1),
    };
    let dir = Path::new(&root).join("resource.d").join("mamori");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return applets::fail("mamori", format_args!("{}: {e}", dir.display()), 1);
    }
    for agent in ocf::AGENTS {
        let path = dir.join(agent.name);
        let text = format!(
            "#!/bin/sh\nexec '{}' ocf {} \"$@\"\n",
            exe.display().to_string().replace('\'', "'\\''"),
            agent.name
        );
        // A name of its own: two installs at once must not rename each
        // other's file away.
        let tmp = path.with_extension(format!("new.{}", std::process::id()));
        let r = std::fs::write(&tmp, text)
            .and_then(|()| std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)))
            .and_then(|()| std::fs::rename(&tmp, &path));
        if let Err(e) = r {
            return applets::fail("mamori", format_args!("{}: {e}", path.display()), 1);
        }
    }
    ExitCode::SUCCESS
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
