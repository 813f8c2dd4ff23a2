//! The multi-call binary: dispatch by symlink name, --list, install.

mod common;

use std::process::Command;

use common::*;

#[test]
fn list_names_every_applet() {
    let out = Command::new(MAMORI).arg("--list").output().unwrap();
    assert!(out.status.success());
    let names: Vec<String> = stdout(&out)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "pcheck",
            "padmin",
            "clp_sambamon",
            "clp_nfsmon",
            "hatimerun",
            "pmfadm",
            "sendevent",
            "init",
            "halt",
            "poweroff",
            "reboot"
        ]
    );
}

#[test]
fn install_makes_symlinks_that_dispatch() {
    let w = World::new("install");
    let bin = w.path("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::write(bin.join("padmin"), "not ours").unwrap();
    let out = Command::new(MAMORI)
        .args(["install", bin.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "a regular file in the way is reported"
    );
    assert!(stderr(&out).contains("exists and is not a symlink; left alone"));
    assert_eq!(
        std::fs::read_to_string(bin.join("padmin")).unwrap(),
        "not ours"
    );
    std::fs::remove_file(bin.join("padmin")).unwrap();
    let out = Command::new(MAMORI)
        .args(["install", bin.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Called as `pcheck`, the binary is pcheck.
    let out = Command::new(bin.join("pcheck"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(stdout(&out).starts_with("usage: pcheck -f PFILE"));
    let out = Command::new(bin.join("padmin")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("padmin: usage:"));
}

#[test]
fn unknown_applet_is_one_line_and_non_zero() {
    let out = Command::new(MAMORI).arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "mamori: unknown applet \"frobnicate\" (mamori --list)\n"
    );
}

#[test]
fn the_release_build_is_static() {
    // The test binary's sibling is built with the same flags as release.
    let out = Command::new("file").arg(MAMORI).output();
    if let Ok(out) = out {
        let text = stdout(&out);
        assert!(
            text.contains("statically linked") || text.contains("static-pie"),
            "{text}"
        );
    } else {
        let elf = std::fs::read(MAMORI).unwrap();
        assert!(
            !elf.windows(b"ld-linux".len()).any(|w| w == b"ld-linux"),
            "dynamic loader referenced"
        );
    }
}

#[test]
fn file_server_monitors_document_themselves() {
    for (applet, own) in [
        ("clp_sambamon", "MAMORI_SMB_PASSWORD"),
        ("clp_nfsmon", "MAMORI_FSMON_IPCKEY"),
    ] {
        let out = Command::new(MAMORI)
            .args([applet, "--help"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = stdout(&out);
        assert!(text.starts_with(&format!("usage: {applet} ID ")), "{text}");
        assert_eq!(text.matches("Environment:").count(), 1, "{text}");
        for needle in [
            own,
            "  MAMORI_FSMON_IPCKEY ",
            "MAMORI_SYSLOG_SOCKET",
            "Exit status: 0",
        ] {
            assert!(text.contains(needle), "{applet}: {needle}\n{text}");
        }
    }
}
