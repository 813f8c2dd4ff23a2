//! The packaging pieces an administrator relies on: every systemd unit in
//! conf/systemd passes `systemd-analyze verify` with the binary at the path
//! the unit names (a private mount namespace puts the built binary at
//! /usr/sbin/mamori) and the manual pages installed; every manual page in
//! conf/man renders with no warning from `man --warnings`.

use std::path::{Path, PathBuf};
use std::process::Command;

const MAMORI: &str = env!("CARGO_BIN_EXE_mamori");

fn conf(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conf").join(sub)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mamori-units-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A MANPATH tree with every page of conf/man.
fn man_tree(root: &Path) -> PathBuf {
    let man = root.join("man");
    for page in files(&conf("man")) {
        let section = page.extension().unwrap().to_str().unwrap().to_string();
        let dir = man.join(format!("man{section}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(&page, dir.join(page.file_name().unwrap())).unwrap();
    }
    man
}

#[test]
fn every_manual_page_renders_without_warnings() {
    let pages = files(&conf("man"));
    assert!(pages.len() >= 11, "{pages:?}");
    for page in pages {
        let o = Command::new("man")
            .args(["--warnings", "-l"])
            .arg(&page)
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", page.display());
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.is_empty(), "{}: {err}", page.display());
        assert!(o.stdout.len() > 500, "{}: rendered", page.display());
    }
}

#[test]
fn every_unit_passes_systemd_analyze_verify() {
    let root = temp("verify");
    let man = man_tree(&root);
    let units = root.join("units");
    std::fs::create_dir_all(&units).unwrap();
    let mut names = Vec::new();
    for unit in files(&conf("systemd")) {
        let name = unit.file_name().unwrap().to_str().unwrap().to_string();
        // A template is verified as one instance of it.
        let inst = name.replace("@.", "@demo.");
        std::fs::copy(&unit, units.join(&inst)).unwrap();
        names.push(units.join(&inst));
    }
    assert!(names.len() >= 3, "{names:?}");
    let list: Vec<String> = names.iter().map(|p| p.display().to_string()).collect();
    let script = format!(
        "mount -t tmpfs sbin /usr/sbin && cp {MAMORI} /usr/sbin/mamori && \
         exec systemd-analyze verify {}",
        list.join(" ")
    );
    let o = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            &script,
        ])
        .env("MANPATH", &man)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.trim().is_empty(), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
