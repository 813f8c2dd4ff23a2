//! The rpm: tools/build-rpm builds mamori and mamori-compat from the
//! release binary; rpmlint finds no error; the package requires nothing
//! but rpm's own features; installed under a private root it runs (the
//! demo pfile watched by the installed pcheck, the compat padmin shows
//! it), and `rpm -e` removes everything it installed.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{World, stderr, stdout, wait_until};

const S: Duration = Duration::from_secs(1);

fn run(c: &mut Command) -> String {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{c:?}: {}{}", stdout(&o), stderr(&o));
    stdout(&o)
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn build_lint_install_run_and_remove() {
    let w = World::new("rpm");
    let out = w.path("out");
    let built =
        run(Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/build-rpm")).arg(&out));
    let rpms: Vec<PathBuf> = built.lines().map(PathBuf::from).collect();
    let version = env!("CARGO_PKG_VERSION");
    let main = out.join(format!("mamori-{version}-1.x86_64.rpm"));
    let compat = out.join(format!("mamori-compat-{version}-1.noarch.rpm"));
    assert_eq!(rpms, [main.clone(), compat.clone()], "{built}");

    // Clean metadata: no error from rpmlint, nothing required but rpmlib.
    let lint = Command::new("rpmlint")
        .arg("-r")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tools/rpm/mamori.rpmlintrc"
        ))
        .args([&main, &compat])
        .output()
        .unwrap();
    let report = stdout(&lint);
    assert!(report.contains(" 0 errors,"), "{report}");
    let requires = run(Command::new("rpm").args(["-qp", "--requires"]).arg(&main));
    for r in requires.lines() {
        assert!(r.starts_with("rpmlib("), "requires {r}");
    }
    let list = run(Command::new("rpm").args(["-qpl"]).arg(&main));
    for want in [
        "/usr/sbin/mamori",
        "/usr/sbin/pcheck",
        "/usr/sbin/clp_sambamon",
        "/usr/lib/systemd/system/pcheck@.service",
        "/usr/share/man/man8/pcheck.8.gz",
        "/usr/share/man/man5/pfile.5.gz",
        "/etc/mamori/events/README",
        "/usr/share/licenses/mamori/LICENSE-MIT",
        "/usr/share/man/man8/sendevent.8.gz",
        "/usr/share/man/man5/inittab.5.gz",
        "/usr/lib/ocf/resource.d/mamori/pmf",
        "/usr/lib/mamori/init",
        "/usr/sbin/sendevent",
    ] {
        assert!(list.lines().any(|l| l == want), "{want} not in\n{list}");
    }
    for never in [
        "/usr/sbin/init",
        "/usr/sbin/halt",
        "/usr/sbin/poweroff",
        "/usr/sbin/reboot",
    ] {
        assert!(
            !list.lines().any(|l| l == never),
            "{never} would shadow the system's"
        );
    }
    let info = run(Command::new("rpm").args(["-qpi"]).arg(&main));
    assert!(info.contains(&format!("Version     : {version}")), "{info}");

    // Install both into a private root.
    let root = w.path("root");
    std::fs::create_dir_all(&root).unwrap();
    run(Command::new("rpm")
        .arg("--root")
        .arg(&root)
        // Debian's rpm keeps its database in ~/.rpmdb: where rpm-based
        // systems keep it instead, so that what is left is plain to see.
        .args(["--dbpath", "/var/lib/rpm", "-i", "--nodeps"])
        .args([&main, &compat]));
    let o = Command::new(root.join("usr/sbin/pcheck"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        o.status.success() && stdout(&o).contains("pfile"),
        "{}",
        stdout(&o)
    );

    // The demo pfile, watched by the installed pcheck; the compat padmin.
    let demo = root.join("usr/share/doc/mamori/examples/demo");
    let pfile = w.path("pfile");
    let text = std::fs::read_to_string(demo.join("pfile.demo"))
        .unwrap()
        .replace("@CONF@", demo.to_str().unwrap())
        .replace("0x1f00d3e0", &format!("0x{:08x}", w.key));
    std::fs::write(&pfile, text).unwrap();
    let st = Command::new(demo.join("demo-daemon.sh")).status().unwrap();
    assert!(st.success());
    let child = Command::new(root.join("usr/sbin/pcheck"))
        .arg("-f")
        .arg(&pfile)
        .env("MAMORI_SYSLOG_SOCKET", w.log_socket())
        .env("MAMORI_DUMP_DIR", &w.dir)
        .spawn()
        .unwrap();
    w.wait_log("mamori-demod ,pid=", 5 * S);
    let padmin = root.join("opt/HA/PS/bin/padmin");
    let listed = wait_until(5 * S, || {
        let o = Command::new(&padmin).arg("-l").output().unwrap();
        let text = stdout(&o);
        text.contains(&format!("ipckey   = 0x{:08x}", w.key))
            .then_some(text)
    });
    assert!(
        listed.is_some(),
        "compat padmin -l shows the installed pcheck"
    );
    let o = Command::new(&padmin)
        .args(["-f", pfile.to_str().unwrap(), "-c", "shutdown"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let mut child = child;
    assert_eq!(child.wait().unwrap().code(), Some(0));
    common::kill_named("mamori-demod");

    // rpm -e removes everything it installed.
    run(Command::new("rpm").arg("--root").arg(&root).args([
        "--dbpath",
        "/var/lib/rpm",
        "-e",
        "mamori-compat",
        "mamori",
    ]));
    let left: Vec<PathBuf> = files_under(&root)
        .into_iter()
        .filter(|p| {
            !p.starts_with(root.join("var/lib/rpm"))
                && !p.starts_with(root.join("usr/lib/sysimage"))
        })
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    for dir in [
        "opt/HA",
        "usr/cluster",
        "etc/mamori",
        "usr/share/doc/mamori",
    ] {
        assert!(!root.join(dir).exists(), "{dir} left behind");
    }
}
