//! Small defects of issue 9, each as a user meets it: `--` before the
//! program, control characters in names, a huge value quoted back, an
//! empty ID, a password "file" that is a FIFO or a device.

mod common;

use std::time::{Duration, Instant};

use common::{World, stderr, stdout};

#[test]
fn double_dash_ends_hatimeruns_options() {
    let w = World::new("dashdash");
    let o = w.run("hatimerun", &["-t", "1", "--", "/bin/echo", "hi"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "hi\n");
    let o = w.run("hatimerun", &["-t", "1", "--", "-x"]);
    assert_eq!(o.status.code(), Some(98), "a program named -x is not found");
    assert!(stderr(&o).contains("-x"), "{}", stderr(&o));
}

#[test]
fn names_with_control_characters_are_refused() {
    let w = World::new("ctrl");
    let o = w
        .cmd("pmfadm")
        .env("MAMORI_PMF_IPCKEY", format!("0x{:08x}", w.key))
        .args(["-c", "a\x1b[2Jb", "/bin/true"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(r#"nametag "a\u{1b}[2Jb": control characters are not allowed"#),
        "{}",
        stderr(&o)
    );
    let pfile = w.pfile("", &["bad\x07name:-:60:3:continue".to_string()]);
    let o = w.run("pcheck", &["-f", pfile.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("control characters"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn a_huge_value_is_quoted_cut() {
    let w = World::new("huge");
    let huge = "7".repeat(1 << 20);
    let pfile = w.pfile(&format!("MONITOR_INTERVAL {huge}\n"), &[]);
    let o = w.run("pcheck", &["-f", pfile.to_str().unwrap()]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(err.len() < 400, "{} bytes", err.len());
    assert!(err.contains(&format!("\"{}…\"", "7".repeat(80))), "{err}");
}

#[test]
fn an_empty_id_is_no_id() {
    let w = World::new("noid");
    let o = w.run("clp_sambamon", &["", "-s", "pub"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("The monitor id is not specified"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_password_file_must_be_a_regular_file_and_never_blocks() {
    let w = World::new("pwfifo");
    let fifo = w.path("pw.fifo");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    for src in [fifo.to_str().unwrap(), "/dev/zero"] {
        let started = Instant::now();
        let o = w.run(
            "clp_sambamon",
            &["pw1", "-s", "pub", "-u", "u", "-p", &format!("@{src}")],
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{src} blocked");
        assert_eq!(o.status.code(), Some(2));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("-p @{src}: not a regular file")),
            "{err}"
        );
        assert!(!err.contains("chmod"), "{err}");
    }
}
