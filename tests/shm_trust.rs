//! A segment or semaphore planted at mamori's keys by another user (uid
//! 65534, through perl's shmget/semget) is refused with one clear line,
//! and nothing is created beside it: root's monitors never use state an
//! unprivileged user can read, write or block.

mod common;

use std::process::Command;

use common::World;

const NOBODY: &str = "65534";

/// Creates, as uid 65534, a mode-0666 segment and/or semaphore at `key`.
fn plant(key: u32, shm: bool, sem: bool) {
    let script = format!(
        "{} {} exit 0",
        if shm {
            format!("shmget({key}, 65536, 01666) >= 0 or die \"shmget: $!\";")
        } else {
            String::new()
        },
        if sem {
            format!("semget({key}, 1, 01666) >= 0 or die \"semget: $!\";")
        } else {
            String::new()
        },
    );
    let st = Command::new("setpriv")
        .args([
            "--reuid",
            NOBODY,
            "--regid",
            NOBODY,
            "--clear-groups",
            "perl",
            "-e",
            &script,
        ])
        .status()
        .unwrap();
    assert!(st.success(), "perl as uid {NOBODY}");
}

/// Whether a semaphore set exists at `key`, and who owns it.
fn sem_owner(key: u32) -> Option<String> {
    let text = std::fs::read_to_string("/proc/sysvipc/sem").unwrap();
    text.lines().skip(1).find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f[0].parse::<i64>().ok()? as u32 == key).then(|| f[4].to_string())
    })
}

fn remove(key: u32) {
    let k = format!("0x{key:08x}");
    let _ = Command::new("ipcrm")
        .args(["-M", &k])
        .stderr(std::process::Stdio::null())
        .status();
    let _ = Command::new("ipcrm")
        .args(["-S", &k])
        .stderr(std::process::Stdio::null())
        .status();
}

fn refused(stderr: &str, key: u32) {
    assert!(
        stderr.contains(&format!(
            "IPC key 0x{key:08x} is owned by uid 65534 (mode 0666): not ours, refusing"
        )),
        "{stderr}"
    );
}

#[test]
fn pcheck_refuses_a_planted_segment_or_semaphore() {
    let w = World::new("trustpc");
    let name = w.name.clone();
    let pfile = w.pfile("", &[format!("{name}:-:60:3:continue")]);
    for (shm, sem) in [(true, false), (false, true)] {
        plant(w.key, shm, sem);
        let o = w.run("pcheck", &["-f", pfile.to_str().unwrap()]);
        let err = common::stderr(&o);
        assert_ne!(o.status.code(), Some(0), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        refused(&err, w.key);
        // Nothing made beside the planted one, nothing taken over.
        if shm {
            assert_eq!(sem_owner(w.key), None, "no semaphore twin");
        } else {
            assert_eq!(sem_owner(w.key).as_deref(), Some(NOBODY));
            assert!(!common::segment_exists(w.key), "no segment twin");
        }
        remove(w.key);
    }
}

#[test]
fn the_file_server_monitors_refuse_a_planted_registry() {
    let w = World::new("trustfs");
    plant(w.key, true, false);
    let key = format!("0x{:08x}", w.key);
    for args in [
        &["t1", "-s", "pub", "-a", "127.0.0.1:1"][..],
        &["t1", "-disp"][..],
        &["t1", "-stop"][..],
    ] {
        let o = w
            .cmd("clp_sambamon")
            .env("MAMORI_FSMON_IPCKEY", &key)
            .args(args)
            .output()
            .unwrap();
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(5), "{args:?}: {err}");
        refused(&err, w.key);
    }
    assert_eq!(sem_owner(w.key), None, "no semaphore twin");
    remove(w.key);
}

#[test]
fn pmfadm_refuses_a_planted_registry() {
    let w = World::new("trustpmf");
    plant(w.key, false, true);
    let key = format!("0x{:08x}", w.key);
    for args in [&["-c", "t1", "/bin/sleep", "100"][..], &["-L"][..]] {
        let o = w
            .cmd("pmfadm")
            .env("MAMORI_PMF_IPCKEY", &key)
            .args(args)
            .output()
            .unwrap();
        let err = common::stderr(&o);
        assert_ne!(o.status.code(), Some(0), "{args:?}: {err}");
        refused(&err, w.key);
    }
    assert!(!common::segment_exists(w.key), "no segment twin");
    remove(w.key);
}
